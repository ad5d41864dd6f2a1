"""Panels on time spent: the calibrated whole-period estimate per account (what the verdicts use), the older
session-gap estimate week by week, and how that one moves with its assumptions."""

from __future__ import annotations

import duckdb
import plotly.graph_objects as go

from postaudit.dashboards.figures import SERIES_COLOURS, Panel, esc, layout, missing, tiles
from postaudit.dashboards.zone import Zone
from postaudit.verdict_rules import fmt
from postaudit.warehouse import query_pl, table_exists


def _claim_lines(fig: go.Figure, claimed_pcts: list[float]) -> None:
    for pct in claimed_pcts:
        fig.add_hline(y=pct, line_dash="dash", line_color="#d62728",
                      annotation_text=f"claimed {pct:g}%", annotation_position="top left")


def _pct(share: float | None) -> str:
    return "?" if share is None else f"{share:.1%}"


def _account_names(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], str]:
    if not table_exists(con, "accounts"):
        return {}
    return {(p, a): f"{p} @{h}" if h else f"{p} {a}"
            for p, a, h in con.execute("select platform, account_id, handle from accounts").fetchall()}


def time_on_platform(con: duckdb.DuckDBPyConnection, zone: Zone) -> Panel:
    """Hours a day in posting sessions per account (and every account merged), with the floor the posts prove."""
    p = Panel("time_on_platform", "Hours a day in posting sessions, whole period",
              "Bars: the calibrated estimate of time in sessions that hold at least one post (what the verdicts "
              "use), with its 95% interval; diamonds: what the posts alone prove (composition time before each "
              "post). Reading without posting leaves no trace and is not in either. Local days, "
              f"{zone.label}.")
    p.absent = missing(con, "time_on_platform")
    if p.absent:
        return p
    df = query_pl(con, """
        select platform, account_id, window_start, window_end, count_days, count_posts, timezone,
               floor_hours / count_days as floor, posting_hours / count_days as est,
               posting_hours_low / count_days as lo, posting_hours_high / count_days as hi,
               share_working, share_waking, share_day
        from time_on_platform where count_days > 0
        order by platform = 'all', posting_hours desc, platform, account_id""")
    if df.filter(df["platform"] != "all").height == 1:
        df = df.filter(df["platform"] != "all")      # one account: the merged row is the same row
    names = _account_names(con)
    labels = [esc("all accounts, time counted once" if r["platform"] == "all" else
                  names.get((r["platform"], r["account_id"]), f"{r['platform']} {r['account_id']}"))
              for r in df.iter_rows(named=True)]
    hover = [f"{fmt(r['est'])} h a day (95% {fmt(r['lo'])}–{fmt(r['hi'])}); {_pct(r['share_working'])} of working, "
             f"{_pct(r['share_waking'])} of waking hours, {_pct(r['share_day'])} of the day; {r['count_posts'] or 0:,} "
             f"posts on {r['count_days']} days, {r['window_start']} to {r['window_end']}"
             for r in df.iter_rows(named=True)]
    fig = go.Figure([
        go.Bar(y=labels, x=df["est"].to_list(), orientation="h", name="posting sessions", marker_color="#4c78a8",
               error_x={"type": "data", "symmetric": False, "array": (df["hi"] - df["est"]).to_list(),
                        "arrayminus": (df["est"] - df["lo"]).to_list(), "color": "#1d232b"},
               hovertext=hover, hovertemplate="%{hovertext}<extra></extra>"),
        go.Scatter(y=labels, x=df["floor"].to_list(), mode="markers", name="the posts alone prove",
                   marker={"symbol": "diamond", "size": 11, "color": "#e45756", "line": {"color": "#fff", "width": 1}},
                   hovertemplate="the posts alone prove %{x:.2f} h a day<extra></extra>"),
    ])
    layout(fig, height=max(200, 110 + 46 * df.height), xaxis={"title": "hours a day", "rangemode": "tozero"},
           yaxis={"autorange": "reversed", "automargin": True}, margin={"l": 20, "r": 25, "t": 34, "b": 50})
    p.figure = fig
    return p


def _distinct_series(df, series) -> list[tuple[str, str]]:
    """Series whose weekly values differ from every series kept before them: 'all' is dropped when it only
    repeats one account's line."""
    kept, seen = [], []
    ordered = sorted(series.iter_rows(), key=lambda s: s[0] == "all")   # named accounts first
    for platform, account in ordered:
        s = df.filter((df["platform"] == platform) & (df["account_id"] == account))
        key = [(w, round(v, 9)) for w, v in zip(s["week_start"].to_list(), s["share"].to_list(), strict=True)]
        if key in seen:
            continue
        seen.append(key)
        kept.append((platform, account))
    return kept


def timeshare_weekly(con: duckdb.DuckDBPyConnection, claimed_pcts: list[float], zone: Zone) -> Panel:
    """Weekly share of working time seen in posting (the session-gap estimate), its interval, the claim as a line."""
    p = Panel("timeshare_weekly", "Share of working time in posting sessions, week by week",
              "The older session-gap estimate, week by week: each line is the week's central estimate as % of a "
              "working week, the shaded band its 95% interval; the dashed red line is the claimed share. A line "
              "that would repeat another is left out. Reading leaves no trace in posts.")
    p.absent = missing(con, "timeshare_weekly")
    if p.absent:
        return p
    df = query_pl(con, """
        select platform, account_id, week_start, share * 100 as share, ci_low * 100 as lo, ci_high * 100 as hi
        from timeshare_weekly order by platform, account_id, week_start""")
    series = df.select("platform", "account_id").unique(maintain_order=True)
    several_accounts = series["account_id"].n_unique() > series["platform"].n_unique()
    fig = go.Figure()
    for i, (platform, account) in enumerate(_distinct_series(df, series)):
        s = df.filter((df["platform"] == platform) & (df["account_id"] == account))
        name = esc("all accounts" if platform == "all" else f"{platform} {account}" if several_accounts else platform)
        colour = SERIES_COLOURS[i % len(SERIES_COLOURS)]
        x = s["week_start"].to_list()
        fig.add_trace(go.Scatter(x=x + x[::-1], y=s["hi"].to_list() + s["lo"].to_list()[::-1], fill="toself", mode="lines",
                                 fillcolor=colour, opacity=0.18, line={"width": 0}, hoverinfo="skip",
                                 name=f"{name} 95% interval", showlegend=False))
        fig.add_trace(go.Scatter(x=x, y=s["share"].to_list(), mode="lines+markers", name=name,
                                 line={"color": colour},
                                 customdata=list(zip(s["lo"].to_list(), s["hi"].to_list(), strict=True)),
                                 hovertemplate="week of %{x|%d %b %Y}: %{y:.1f}% "
                                               "(95% interval %{customdata[0]:.1f}–%{customdata[1]:.1f}%)"
                                               # the name by reference: text in a template would be read as one
                                               "<extra>%{fullData.name}</extra>"))
    _claim_lines(fig, claimed_pcts)
    layout(fig, yaxis_title="% of working week", yaxis_rangemode="tozero", xaxis_title=f"week ({zone.label})")
    p.figure = fig
    return p


def sensitivity(con: duckdb.DuckDBPyConnection) -> Panel:
    """The assumption grid: share for every composition-time set × session gap (rows) × working week (columns)."""
    p = Panel("sensitivity", "How the session-gap estimate moves with its assumptions",
              "Each cell is the whole-period share (%) under one combination: composition-time set and session gap "
              "down, working-week length across. Darker means more time; the spread is the uncertainty no interval "
              "shows.")
    p.absent = missing(con, "timeshare_sensitivity")
    if p.absent:
        return p
    # One grid, for the series with the most cells; several grids would not stay "small".
    top = con.execute("select platform, account_id from timeshare_sensitivity group by all "
                      "order by count(*) desc, platform, account_id limit 1").fetchall()[0]
    df = query_pl(con, """
        select compose_set as compose, gap_minutes, weekly_work_hours, avg(share) * 100 as share
        from timeshare_sensitivity where platform is not distinct from ? and account_id is not distinct from ?
        group by all order by compose, gap_minutes, weekly_work_hours""", list(top))
    rows = [(c, g) for c, g in df.select("compose", "gap_minutes").unique(maintain_order=True).iter_rows()]
    cols = sorted(df["weekly_work_hours"].unique().to_list())
    cell = {(r["compose"], r["gap_minutes"], r["weekly_work_hours"]): r["share"] for r in df.iter_rows(named=True)}
    y, base, z, hover, text = [], [], [], [], []
    for c, g in rows:
        for j, h in enumerate(cols):
            v = cell.get((c, g, h))
            y.append(f"{esc(c)} · {g:g} min gap")
            base.append(j)
            z.append(v)
            text.append("" if v is None else f"{v:.1f}%")
            hover.append(f"{esc(c)} composition times, {g:g}-min gap, {h:g} h working week: "
                         + ("no estimate" if v is None else f"{v:.1f}% of working time"))
    fig = go.Figure(tiles(y=y, base=base, z=z, hover=hover, colorbar="%", text=text))
    layout(fig, height=70 + 26 * len(rows),
           xaxis={"range": [0, len(cols)], "tickvals": [j + 0.5 for j in range(len(cols))],
                  "ticktext": [f"{h:g} h" for h in cols], "title": "working week (hours)", "showgrid": False},
           yaxis={"autorange": "reversed", "type": "category", "automargin": True},
           margin={"l": 20, "r": 20, "t": 10, "b": 50})
    p.figure = fig
    return p
