"""Panels on time spent: weekly time-share with its interval, the assumption grid, the per-assumption estimates."""

from __future__ import annotations

import duckdb
import plotly.graph_objects as go

from postaudit.dashboards.figures import SERIES_COLOURS, Panel, esc, layout, missing
from postaudit.warehouse import query_pl


def _claim_lines(fig: go.Figure, claimed_pcts: list[float]) -> None:
    for pct in claimed_pcts:
        fig.add_hline(y=pct, line_dash="dash", line_color="#d62728",
                      annotation_text=f"claimed {pct:g}%", annotation_position="top left")


def timeshare_weekly(con: duckdb.DuckDBPyConnection, claimed_pcts: list[float]) -> Panel:
    """Weekly share of working time seen in posting, a band for its interval, the claim as a dashed line."""
    p = Panel("timeshare_weekly", "Share of working time visible in posting, week by week",
              "Each line is the week's central estimate of time spent posting, as % of a working week, the shaded "
              "band its 95% interval; the dashed red line is the claimed share. Reading leaves no trace in posts.")
    p.absent = missing(con, "timeshare_weekly")
    if p.absent:
        return p
    df = query_pl(con, """
        select platform, account_id, week_start, share * 100 as share, ci_low * 100 as lo, ci_high * 100 as hi
        from timeshare_weekly order by platform, account_id, week_start""")
    series = df.select("platform", "account_id").unique(maintain_order=True)
    several_accounts = series["account_id"].n_unique() > series["platform"].n_unique()
    fig = go.Figure()
    for i, (platform, account) in enumerate(series.iter_rows()):
        s = df.filter((df["platform"] == platform) & (df["account_id"] == account))
        name = esc(f"{platform} {account}" if several_accounts else platform)
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
    layout(fig, yaxis_title="% of working week", yaxis_rangemode="tozero")
    p.figure = fig
    return p


def sensitivity(con: duckdb.DuckDBPyConnection) -> Panel:
    """The assumption grid: share for every session gap × composition-time set × working-week length."""
    p = Panel("sensitivity", "How the estimate moves with the assumptions",
              "Each cell is the whole-period share (%) under one combination: session gap and composition-time set "
              "across, working week down. Darker means more time; the spread is the uncertainty no interval shows.")
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
    xs = [(c, g) for c, g in df.select("compose", "gap_minutes").unique(maintain_order=True).iter_rows()]
    ys = sorted(df["weekly_work_hours"].unique().to_list())
    cell = {(r["compose"], r["gap_minutes"], r["weekly_work_hours"]): r["share"] for r in df.iter_rows(named=True)}
    z = [[cell.get((c, g, h)) for c, g in xs] for h in ys]
    labels = [f"{esc(c)}<br>gap {g:g} min" for c, g in xs]
    fig = go.Figure(go.Heatmap(
        z=z, x=labels, y=[f"{h:g} h/week" for h in ys], colorscale="Blues", colorbar={"title": "%"},
        text=[[("" if v is None else f"{v:.1f}%") for v in row] for row in z], texttemplate="%{text}",
        hovertemplate="%{x}, %{y}: %{z:.1f}% of working time<extra></extra>"))
    fig.update_xaxes(title_text="composition-time set (compose set) and session gap")
    layout(fig, height=280, xaxis={"type": "category", "tickangle": 0, "tickfont": {"size": 10}})
    p.figure = fig
    return p


def estimates(con: duckdb.DuckDBPyConnection, claimed_pcts: list[float]) -> Panel:
    """Whole-period share per named assumption set with 95% intervals and the claimed share."""
    p = Panel("timeshare", "Whole-period share per assumption set vs the claim",
              "Bars are the time visible in posting under the conservative (a hard floor), central and liberal "
              "assumptions, with 95% intervals; the dashed line is the claimed share. Reading is not counted.")
    p.absent = missing(con, "timeshare_estimates")
    if p.absent:
        return p
    df = query_pl(con, """
        select assumption_set, avg(share) * 100 as share, min(ci_low) * 100 as lo, max(ci_high) * 100 as hi
        from timeshare_estimates group by assumption_set
        order by case assumption_set when 'conservative' then 0 when 'central' then 1 else 2 end""")
    fig = go.Figure(go.Bar(
        x=[esc(s) for s in df["assumption_set"].to_list()], y=df["share"].to_list(), name="estimate",
        marker_color="#4c78a8",
        error_y={"type": "data", "symmetric": False, "array": (df["hi"] - df["share"]).to_list(),
                 "arrayminus": (df["share"] - df["lo"]).to_list()},
        hovertemplate="%{x}: %{y:.1f}%<extra></extra>"))
    _claim_lines(fig, claimed_pcts)
    layout(fig, height=280, yaxis_title="% of working time")
    p.figure = fig
    return p
