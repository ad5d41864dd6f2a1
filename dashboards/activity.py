"""Panels on when and what the account posts: local-time heatmap, one week of sessions, posts per day."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import duckdb
import plotly.graph_objects as go

from postaudit.dashboards.figures import (
    KIND_COLOURS,
    SERIES_COLOURS,
    WEEKDAYS,
    Panel,
    esc,
    esc_short,
    layout,
    missing,
    offset_label,
    primary_offset,
)
from postaudit.warehouse import query_pl, table_exists

MAX_SESSION_BARS = 600      # a week holds at most ~1,000 sessions even at a 10-minute gap; the page stays small
MIN_BAR_MINUTES = 3.0       # one-post sessions last ~0 min; drawn this wide so they stay visible


def _offsets_sql(con: duckdb.DuckDBPyConnection) -> str:
    """Per-account whole-minute UTC offset, zero when no time zone was inferred."""
    if missing(con, "account_timezone"):
        return "select null::varchar as platform, null::varchar as account_id, 0 as off_min where false"
    return ("select platform, account_id, cast(round(coalesce(utc_offset_hours, 0) * 60) as bigint) as off_min "
            "from account_timezone")


def activity_heatmap(con: duckdb.DuckDBPyConnection) -> Panel:
    """Posts by local hour of day × weekday, each account shifted by its own inferred offset."""
    offset, tz_sentence = primary_offset(con)
    zone = "UTC" if offset is None else f"local time, {offset_label(offset)}"
    p = Panel("activity_heatmap", f"When posts are written (hour × weekday, {zone})",
              "Darker cells hold more posts; the empty band of hours is when the account sleeps. " + tz_sentence)
    p.absent = missing(con, "hourly_activity")
    if p.absent:
        return p
    # Offsets are applied to whole hours of a week (168 cells): a half-hour zone moves by its rounded hour.
    df = query_pl(con, f"""
        with tz as ({_offsets_sql(con)})
        select cast(((weekday_utc - 1) * 24 + hour_utc + round(coalesce(tz.off_min, 0) / 60) + 168) % 168 as int) as cell,
               sum(count_posts) as n
        from hourly_activity h left join tz using (platform, account_id)
        group by 1""")
    grid = [[0] * 24 for _ in range(7)]
    for cell, n in df.iter_rows():
        grid[cell // 24][cell % 24] = n
    fig = go.Figure(go.Heatmap(z=grid, x=list(range(24)), y=WEEKDAYS, colorscale="Blues",
                               hovertemplate="%{y} %{x}:00 local: %{z} posts<extra></extra>"))
    layout(fig, height=300, xaxis_title=f"hour of day ({zone})", xaxis_dtick=2,
           yaxis_autorange="reversed")
    p.figure = fig
    return p


def _pick_week(con: duckdb.DuckDBPyConnection, tz_sql: str) -> date | None:
    """The latest local Monday-to-Sunday week that the data covers to its end, else the latest week at all."""
    rows = con.execute(f"""
        with tz as ({tz_sql}),
        l as (select (s.started_at at time zone 'UTC') + to_minutes(coalesce(tz.off_min, 0)) as t
              from sessions s left join tz using (platform, account_id))
        select max(date_trunc('week', t)::date) filter (where date_trunc('week', t)::date + 6 <= (select max(t)::date from l)),
               max(date_trunc('week', t)::date)
        from l""").fetchall()[0]
    return rows[0] or rows[1]


def session_week(con: duckdb.DuckDBPyConnection, week: date | None = None) -> Panel:
    """One bar per session across the days of one week, in local time."""
    offset, tz_sentence = primary_offset(con)
    p = Panel("sessions", "Sessions in one week",
              "One bar per inferred session (posts closer together than the session gap), from its first to its last "
              f"post plus padding; bars under {MIN_BAR_MINUTES:g} min are drawn {MIN_BAR_MINUTES:g} min wide. "
              + tz_sentence)
    p.absent = missing(con, "sessions")
    if p.absent:
        return p
    tz_sql = _offsets_sql(con)
    week = week or _pick_week(con, tz_sql)
    zone = "UTC" if offset is None else f"local time, {offset_label(offset)}"
    p.title = f"Sessions in the week of {week:%d %b %Y} ({zone})"
    first_text = "null::varchar"
    join_posts = ""
    if table_exists(con, "posts"):
        # Posts only from the chosen week (± a day for the offset), so the join stays small for any N.
        first_text = "(select arg_min(p.text, p.created_at) from wp p where p.platform = w.platform and " \
                     "p.account_id = w.account_id and p.created_at between w.started_at and w.ended_at)"
        join_posts = (", wp as (select platform, account_id, created_at, text from posts "
                      "where created_at >= ?::timestamptz - interval 2 day and created_at < ?::timestamptz + interval 9 day)")
    params = [week, week] if join_posts else []
    df = query_pl(con, f"""
        with tz as ({tz_sql}),
        l as (select s.*, (s.started_at at time zone 'UTC') + to_minutes(coalesce(tz.off_min, 0)) as start_local,
                     (s.ended_at at time zone 'UTC') + to_minutes(coalesce(tz.off_min, 0)) as end_local
              from sessions s left join tz using (platform, account_id)),
        w as (select * from l where date_trunc('week', start_local)::date = ?::date
              order by start_local limit {MAX_SESSION_BARS}){join_posts}
        select platform, start_local, end_local, minutes, count_posts, {first_text} as first_text
        from w order by start_local""", [week, *params])
    days = [week + timedelta(days=i) for i in range(7)]
    labels = {d: f"{d:%a %d %b}" for d in days + [week + timedelta(days=7)]}
    traces: dict[str, dict[str, list]] = {}
    for r in df.iter_rows(named=True):
        start: datetime = r["start_local"]
        end: datetime = max(r["end_local"], start + timedelta(minutes=MIN_BAR_MINUTES))
        hover = (f"{start:%a %H:%M}–{r['end_local']:%H:%M}, {r['minutes']:.0f} min, {r['count_posts']} posts"
                 f"<br>{esc_short(r['first_text'], 90)}" if r["first_text"] else
                 f"{start:%a %H:%M}–{r['end_local']:%H:%M}, {r['minutes']:.0f} min, {r['count_posts']} posts")
        t = traces.setdefault(r["platform"], {"y": [], "base": [], "x": [], "text": []})
        # A session that runs past local midnight is drawn as two pieces, one on each day's row.
        piece = start
        while piece < end:
            midnight = datetime.combine(piece.date() + timedelta(days=1), datetime.min.time())
            stop = min(end, midnight)
            if piece.date() in labels:
                t["y"].append(labels[piece.date()])
                t["base"].append(piece.hour + piece.minute / 60 + piece.second / 3600)
                t["x"].append((stop - piece).total_seconds() / 3600)
                t["text"].append(hover)
            piece = stop
    fig = go.Figure()
    for i, (platform, t) in enumerate(sorted(traces.items())):
        fig.add_trace(go.Bar(y=t["y"], x=t["x"], base=t["base"], orientation="h", name=esc(platform),
                             marker_color=SERIES_COLOURS[i % len(SERIES_COLOURS)], hovertext=t["text"],
                             hovertemplate="%{hovertext}<extra></extra>", width=0.7))
    layout(fig, height=330, barmode="overlay", xaxis={"range": [0, 24], "dtick": 2, "title": f"hour of day ({zone})"},
           yaxis={"categoryorder": "array", "categoryarray": [labels[d] for d in days], "autorange": "reversed",
                  "type": "category"})
    fig.update_yaxes(tickvals=[labels[d] for d in days])
    if not df.height:
        p.absent = f"Data absent: no sessions in the week of {week:%d %b %Y}."
        return p
    p.figure = fig
    return p


def posts_per_day(con: duckdb.DuckDBPyConnection) -> Panel:
    """Stacked posts per day by kind."""
    p = Panel("posts_per_day", "Posts per day by kind",
              "Each bar is one UTC day, stacked by kind: originals, replies, quotes and reposts.")
    p.absent = missing(con, "daily_activity")
    if p.absent:
        return p
    df = query_pl(con, "select day, sum(count_original) as original, sum(count_reply) as reply, "
                       "sum(count_quote) as quote, sum(count_repost) as repost from daily_activity group by day order by day")
    fig = go.Figure([go.Bar(x=df["day"].to_list(), y=df[k].to_list(), name=k, marker_color=c)
                     for k, c in KIND_COLOURS.items()])
    layout(fig, barmode="stack", yaxis_title="posts", bargap=0.1)
    p.figure = fig
    return p


def posts_per_platform(con: duckdb.DuckDBPyConnection) -> Panel:
    """Posts per day, one line per platform."""
    p = Panel("posts_per_platform", "Posts per day by platform",
              "One line per platform; a platform with no line has no collected posts in the period.")
    p.absent = missing(con, "daily_activity")
    if p.absent:
        return p
    df = query_pl(con, "select platform, day, sum(count_posts) as n from daily_activity group by all order by platform, day")
    fig = go.Figure()
    for i, platform in enumerate(df["platform"].unique(maintain_order=True).to_list()):
        s = df.filter(df["platform"] == platform)
        fig.add_trace(go.Scatter(x=s["day"].to_list(), y=s["n"].to_list(), mode="lines", name=esc(platform),
                                 line={"color": SERIES_COLOURS[i % len(SERIES_COLOURS)]}))
    layout(fig, height=280, yaxis_title="posts", yaxis_rangemode="tozero")
    p.figure = fig
    return p
