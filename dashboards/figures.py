"""Plotly figures, each built from one mart query."""

from __future__ import annotations

import html
from dataclasses import dataclass

import duckdb
import plotly.graph_objects as go
import polars as pl

from postaudit.warehouse import query_pl, table_exists

KIND_COLOURS = {"original": "#1f77b4", "reply": "#ff7f0e", "quote": "#2ca02c", "repost": "#9467bd"}
WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


@dataclass
class Panel:
    """A figure with the title and one-line caption that tell a reader how to read it."""

    key: str
    title: str
    caption: str
    figure: go.Figure


def esc(value: object) -> str:
    """Escape text from posts and articles so it renders as text, never as markup."""
    return html.escape("" if value is None else str(value), quote=True)


def _layout(fig: go.Figure, **kw) -> go.Figure:
    fig.update_layout(margin={"l": 50, "r": 20, "t": 20, "b": 40}, height=320, template="plotly_white",
                      legend={"orientation": "h", "y": -0.2}, **kw)
    return fig


def posts_per_day(con: duckdb.DuckDBPyConnection) -> Panel:
    """Stacked posts per day by kind."""
    df = query_pl(con, "select day, sum(count_original) as original, sum(count_reply) as reply, "
                       "sum(count_quote) as quote, sum(count_repost) as repost from daily_activity group by day order by day")
    fig = go.Figure([go.Bar(x=df["day"].to_list(), y=df[k].to_list(), name=k, marker_color=c)
                     for k, c in KIND_COLOURS.items()])
    _layout(fig, barmode="stack", yaxis_title="posts")
    return Panel("posts_per_day", "Posts per day by kind",
                 "Each bar is one UTC day; colours split originals, replies, quotes and reposts.", fig)


def activity_heatmap(con: duckdb.DuckDBPyConnection) -> Panel:
    """Hour-of-day by weekday post counts (UTC)."""
    df = query_pl(con, "select weekday_utc, hour_utc, sum(count_posts) as n from hourly_activity group by all")
    grid = [[0] * 24 for _ in range(7)]
    for r in df.iter_rows(named=True):
        grid[r["weekday_utc"] - 1][r["hour_utc"]] = r["n"]
    fig = go.Figure(go.Heatmap(z=grid, x=list(range(24)), y=WEEKDAYS, colorscale="Blues",
                               hovertemplate="%{y} %{x}:00 UTC: %{z} posts<extra></extra>"))
    _layout(fig, xaxis_title="hour of day (UTC)")
    return Panel("activity_heatmap", "When posts are written (hour × weekday, UTC)",
                 "Darker cells hold more posts; the empty band of hours is when the account sleeps.", fig)


def timeshare(con: duckdb.DuckDBPyConnection, claimed_pct: float | None) -> Panel:
    """Observed share of working time per assumption set, with 95% intervals and the claimed share."""
    df = query_pl(con, "select assumption_set, share, ci_low, ci_high from timeshare_estimates "
                       "order by case assumption_set when 'conservative' then 0 when 'central' then 1 else 2 end")
    fig = go.Figure(go.Bar(
        x=df["assumption_set"].to_list(), y=(df["share"] * 100).to_list(), name="observed floor",
        error_y={"type": "data", "symmetric": False, "array": ((df["ci_high"] - df["share"]) * 100).to_list(),
                 "arrayminus": ((df["share"] - df["ci_low"]) * 100).to_list()},
        marker_color="#4c78a8"))
    if claimed_pct is not None:
        fig.add_hline(y=claimed_pct, line_dash="dash", line_color="#d62728",
                      annotation_text=f"claimed {claimed_pct:g}%", annotation_position="top left")
    _layout(fig, yaxis_title="% of working time")
    return Panel("timeshare", "Share of working time visible in posts vs the claim",
                 "Bars are the posting floor under each assumption set with 95% intervals; "
                 "the dashed line is the claimed share. Reading time is not visible, so bars can only be lower bounds.",
                 fig)


def engagement(con: duckdb.DuckDBPyConnection) -> Panel:
    """Daily reactions and impressions, reposts excluded."""
    df = query_pl(con, "select day, sum(like_count) as likes, sum(reply_count) as replies, sum(repost_count) as reposts, "
                       "sum(quote_count) as quotes, sum(impression_count) as impressions "
                       "from daily_activity group by day order by day")
    fig = go.Figure([go.Scatter(x=df["day"].to_list(), y=df[c].to_list(), name=c, mode="lines")
                     for c in ("likes", "replies", "reposts", "quotes")])
    fig.add_trace(go.Scatter(x=df["day"].to_list(), y=df["impressions"].to_list(), name="impressions",
                             mode="lines", line={"dash": "dot"}, yaxis="y2"))
    _layout(fig, yaxis_title="reactions", yaxis2={"title": "impressions", "overlaying": "y", "side": "right"})
    return Panel("engagement", "Reactions and impressions per day",
                 "Counts are the latest observed for each post, summed by posting day; reposts are left out "
                 "because their counts belong to the original.", fig)


def followers(con: duckdb.DuckDBPyConnection) -> Panel:
    """Followers as observed over time."""
    df = query_pl(con, "select observed_at, followers_count from account_snapshots order by observed_at")
    fig = go.Figure(go.Scatter(x=df["observed_at"].to_list(), y=df["followers_count"].to_list(), mode="lines+markers",
                               name="followers"))
    _layout(fig, yaxis_title="followers")
    return Panel("followers", "Follower growth", "Each point is one observation of the account's public follower count.",
                 fig)


def press(con: duckdb.DuckDBPyConnection) -> Panel:
    """Unique stories and total copies per day, with posting volume on the same time axis."""
    df = query_pl(con, """
        with a as (select published_at::date as day, count(*) as copies, count(distinct story_id) as stories
                   from press_articles where published_at is not null group by 1),
             p as (select day, sum(count_posts) as posts from daily_activity group by 1)
        select coalesce(a.day, p.day) as day, coalesce(stories, 0) as stories, coalesce(copies, 0) as copies,
               coalesce(posts, 0) as posts
        from a full join p on a.day = p.day order by day""")
    fig = go.Figure([
        go.Bar(x=df["day"].to_list(), y=df["copies"].to_list(), name="all copies", marker_color="#c7c7c7"),
        go.Bar(x=df["day"].to_list(), y=df["stories"].to_list(), name="unique stories", marker_color="#e45756"),
        go.Scatter(x=df["day"].to_list(), y=df["posts"].to_list(), name="posts", yaxis="y2", mode="lines",
                   line={"color": "#4c78a8"}),
    ])
    _layout(fig, barmode="overlay", yaxis_title="articles",
            yaxis2={"title": "posts", "overlaying": "y", "side": "right"})
    return Panel("press", "Press coverage per day vs posting",
                 "Grey bars count every copy (syndicated and scraped included), red bars count each story once; "
                 "the line is the executive's posts per day.", fig)


def all_panels(con: duckdb.DuckDBPyConnection, claimed_pct: float | None) -> list[Panel]:
    """Every panel whose source relation exists."""
    panels = []
    if table_exists(con, "daily_activity"):
        panels.append(posts_per_day(con))
    if table_exists(con, "hourly_activity"):
        panels.append(activity_heatmap(con))
    if table_exists(con, "timeshare_estimates"):
        panels.append(timeshare(con, claimed_pct))
    if table_exists(con, "daily_activity"):
        panels.append(engagement(con))
    if table_exists(con, "account_snapshots"):
        panels.append(followers(con))
    if table_exists(con, "press_articles"):
        panels.append(press(con))
    return panels


def claim_cards(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """One row per distinct claim (copies of one story's claim counted once) with its verdict and sources."""
    if not (table_exists(con, "claims") and table_exists(con, "claim_verdicts")):
        return pl.DataFrame()
    return query_pl(con, """
        select c.kind, c.platform, c.value, c.unit, any_value(c.speaker) filter (where c.speaker is not null) as speaker,
               arg_min(c.sentence, a.published_at) as sentence, any_value(v.verdict) as verdict,
               any_value(v.reason) as reason, any_value(v.estimate) as estimate, any_value(v.ci_low) as ci_low,
               any_value(v.ci_high) as ci_high, any_value(v.tipping_point) as tipping_point,
               list(distinct a.url order by a.url) as urls, list(distinct a.outlet order by a.outlet) as outlets
        from claims c
        join claim_verdicts v using (claim_id)
        left join press_articles a using (article_id)
        group by c.story_id, c.kind, c.platform, c.value, c.unit
        order by case when c.kind like 'time%' then 0 else 1 end, c.kind""")
