"""Group-chat panels for the visibility and AMA claims: how long a message stays on screen, and what the
group does in the minutes around the executive's messages."""

from __future__ import annotations

import math

import duckdb
import plotly.graph_objects as go

from postaudit.dashboards.figures import Panel, layout, missing
from postaudit.verdict_rules import fmt
from postaudit.warehouse import query_pl, table_exists

AROUND_MINUTES = 30   # the AMA panel shows the half hour either side of each executive message


def _claims(con: duckdb.DuckDBPyConnection, metric: str) -> list[dict]:
    if not (table_exists(con, "claim_verdicts") and table_exists(con, "claims")):
        return []
    return query_pl(con, """
        select v.claim_id, v.chat_id, v.verdict_text, v.claimed_value, v.claimed_low, v.claimed_high, v.estimate,
               v.estimate_low, v.estimate_high, c.sentence
        from claim_verdicts v join claims c using (claim_id) where v.metric = ? order by v.claim_id""",
                    [metric]).to_dicts()


def _chat(con: duckdb.DuckDBPyConnection, claims: list[dict], table: str) -> str | None:
    """The chat the claims were judged on, else the one with the most executive messages."""
    for c in claims:
        if c["chat_id"]:
            return c["chat_id"]
    if table == "group_messages":
        rows = con.execute("select chat_id from group_messages group by 1 order by count(*) filter "
                           "(where is_executive) desc, count(*) desc limit 1").fetchall()
    else:
        rows = con.execute("select chat_id from group_chat_metrics group by 1 order by max(count_executive) desc, "
                           "max(count_messages) desc limit 1").fetchall()
    return rows[0][0] if rows else None


def _chat_name(con: duckdb.DuckDBPyConnection, chat_id: str) -> str:
    if table_exists(con, "group_messages"):
        rows = con.execute("select any_value(chat_name) from group_messages where chat_id = ?", [chat_id]).fetchall()
        if rows and rows[0][0]:
            return f"{rows[0][0]} ({chat_id})"
    return f"chat {chat_id}"


def visibility(con: duckdb.DuckDBPyConnection) -> Panel:
    """Seconds until k newer messages arrive, for k = 1, 5, 10, 20, against each visibility claim's band."""
    claims = _claims(con, "message_visibility")
    p = Panel("chat_visibility", "How long a message stays on screen",
              "Seconds until k newer messages arrive (log scale): the median and the middle half of all messages "
              "(bar), and the executive's own messages (dot); the shaded bands are the claims. The verdict counts "
              "screen lines (a short message is two lines), so its figures sit near these, not on them.")
    p.absent = missing(con, "group_chat_metrics")
    if p.absent:
        return p
    chat = _chat(con, claims, "group_chat_metrics")
    df = query_pl(con, """select k, median_seconds_on_screen as med, p25_seconds_on_screen as p25,
                                 p75_seconds_on_screen as p75, median_seconds_on_screen_executive as own,
                                 count_messages, count_executive
                          from group_chat_metrics where chat_id = ? and k > 0 order by k""", [chat])
    if not df.height:
        p.absent = "Data absent: `group_chat_metrics` holds no rows for this chat."
        return p
    p.title = f"How long a message stays on screen in {_chat_name(con, chat)}"
    labels = [f"{k} newer" for k in df["k"].to_list()]
    fig = go.Figure([
        go.Bar(x=labels, y=[(b - a) if a and b else None for a, b in zip(df["p25"], df["p75"], strict=True)],
               base=df["p25"].to_list(), name="middle half of all messages", marker_color="rgba(76,120,168,0.35)",
               hovertemplate="%{x}: 25–75% of messages stay %{base:.0f}–%{y:.0f} s longer<extra></extra>", width=0.5),
        go.Scatter(x=labels, y=df["med"].to_list(), mode="markers", name="median, all messages",
                   marker={"symbol": "line-ew-open", "size": 26, "color": "#1f4e79", "line": {"width": 3}},
                   hovertemplate="%{x}: median %{y:.0f} s<extra></extra>"),
        go.Scatter(x=labels, y=df["own"].to_list(), mode="markers", name="median, the executive's messages",
                   marker={"symbol": "circle", "size": 10, "color": "#e45756"},
                   hovertemplate="%{x}: the executive's messages, median %{y:.0f} s<extra></extra>"),
    ])
    values = [v for col in ("p25", "p75", "med", "own") for v in df[col].to_list() if v]
    for c in claims:
        lo, hi = c["claimed_low"], c["claimed_high"] or c["claimed_value"]
        if lo and hi:
            values += [lo, hi]
            # shapes on a log axis are placed in log10 units
            fig.add_hrect(y0=math.log10(lo), y1=math.log10(max(hi, lo * 1.05)), fillcolor="#d62728", opacity=0.18,
                          line_width=0, annotation_text=f"claim: {fmt(lo)}–{fmt(hi)} s",
                          annotation_position="top left", annotation_font_size=11)
    low, high = min(values), max(values)
    layout(fig, height=320, barmode="overlay",
           # dtick 1: one label per decade (plotly's default labels 2 and 5 in between, which crowd a short axis)
           yaxis={"type": "log", "title": "seconds on screen", "dtick": 1,
                  "range": [math.log10(low) - 0.3, math.log10(high) + 0.3]},
           xaxis={"title": "until k newer messages have arrived", "type": "category"})
    counts = df.row(0, named=True)
    p.caption += (f" {counts['count_messages']:,} messages, {counts['count_executive']:,} of them the executive's."
                  + "".join(f" {c['verdict_text']}: “{c['sentence']}”." for c in claims))
    p.figure = fig
    return p


def ama(con: duckdb.DuckDBPyConnection) -> Panel:
    """Others' messages, and their questions and replies, per minute around each executive message."""
    claims = _claims(con, "ama_effect")
    p = Panel("chat_ama", "What the group does around the executive's messages",
              f"Per executive message: others' messages in each minute from {AROUND_MINUTES} min before to "
              f"{AROUND_MINUTES} min after it, and those that ask a question (a question mark) or reply to the "
              "executive. The verdict compares the 10 minutes after with matched times of other weeks.")
    p.absent = missing(con, "group_messages")
    if p.absent:
        return p
    chat = _chat(con, claims, "group_messages")
    n_exec = con.execute("select count(*) from group_messages where chat_id = ? and is_executive", [chat]).fetchall()[0][0]
    if not n_exec:
        p.absent = "Data absent: no message in the chat is marked as the executive's."
        return p
    df = query_pl(con, f"""
        with m as (select * from group_messages where chat_id = ?),
             e as (select message_id, sent_at as t0 from m where is_executive),
             o as (select sent_at, text, reply_to_message_id in (select message_id from e) as to_them
                   from m where not coalesce(is_executive, false)),
             j as (select cast(floor(epoch(o.sent_at - e.t0) / 60) as int) as minute,
                          coalesce(o.text like '%?%', false) or coalesce(o.to_them, false) as asks
                   from e join o on o.sent_at >= e.t0 - interval {AROUND_MINUTES} minute
                                and o.sent_at < e.t0 + interval {AROUND_MINUTES} minute)
        select minute, count(*) as n, count(*) filter (where asks) as asks from j group by 1 order by 1""", [chat])
    minutes = list(range(-AROUND_MINUTES, AROUND_MINUTES))
    got = {m: (n, a) for m, n, a in df.iter_rows()}
    fig = go.Figure([
        go.Bar(x=minutes, y=[got.get(m, (0, 0))[0] / n_exec for m in minutes], name="others' messages",
               marker_color="#c7c7c7", hovertemplate="minute %{x}: %{y:.2f} messages per executive message"
                                                     "<extra></extra>"),
        go.Bar(x=minutes, y=[got.get(m, (0, 0))[1] / n_exec for m in minutes], name="questions and replies to them",
               marker_color="#e45756", hovertemplate="minute %{x}: %{y:.2f} questions or replies per executive "
                                                     "message<extra></extra>"),
    ])
    fig.add_vline(x=-0.5, line_color="#1d232b", line_width=1.5, annotation_text="their message",
                  annotation_position="top right", annotation_font_size=11)
    layout(fig, height=300, barmode="overlay", bargap=0.1,
           xaxis={"title": "minutes after the executive's message", "dtick": 10},
           yaxis={"title": "per executive message", "rangemode": "tozero"})
    p.title = f"What the group does around the executive's messages in {_chat_name(con, chat)}"
    p.caption += f" {n_exec:,} executive messages." + "".join(
        f" {c['verdict_text']}: {fmt(c['estimate'])} more questions and replies in the 10 minutes after "
        f"(95% {fmt(c['estimate_low'])}–{fmt(c['estimate_high'])}) for “{c['sentence']}”."
        for c in claims if c["estimate"] is not None)
    p.figure = fig
    return p


def panels(con: duckdb.DuckDBPyConnection) -> list[Panel]:
    """The group-chat panels, or none when the warehouse holds no group chat and no claim about one."""
    chat_claims = _claims(con, "message_visibility") + _claims(con, "ama_effect")
    held = any(table_exists(con, t) and con.execute(f"select count(*) from {t}").fetchall()[0][0]
               for t in ("group_messages", "group_chat_metrics"))
    if not chat_claims and not held:
        return []      # an empty chat mart (every build makes one) is no group chat
    return [visibility(con), ama(con)]
