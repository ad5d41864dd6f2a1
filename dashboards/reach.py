"""Panels on reach: reactions and impressions, engagement rate, top posts, follower growth."""

from __future__ import annotations

import duckdb
import plotly.graph_objects as go

from postaudit.dashboards.figures import SERIES_COLOURS, Panel, esc, layout, link, missing
from postaudit.dashboards.zone import Zone
from postaudit.registry import post_url
from postaudit.warehouse import query_pl

TOP_POSTS = 15   # the table is a sample of the best-performing posts, not a listing: the page must stay small


def engagement(con: duckdb.DuckDBPyConnection, zone: Zone) -> Panel:
    """Reactions and impressions per local day, reposts excluded."""
    p = Panel("engagement", "Reactions and impressions per day",
              "Counts are the latest observed for each post, summed by the local day it was posted (left axis "
              "reactions, right axis impressions, dotted); reposts are left out because their counts belong to the "
              "original.")
    p.absent = missing(con, "posts")
    if p.absent:
        return p
    df = query_pl(con, f"""
        select {zone.sql('created_at')}::date as day, sum(like_count) as likes, sum(reply_count) as replies,
               sum(repost_count) as reposts, sum(quote_count) as quotes, sum(impression_count) as impressions
        from posts where kind is distinct from 'repost' group by day order by day""")
    fig = go.Figure([go.Scatter(x=df["day"].to_list(), y=df[c].to_list(), name=c, mode="lines")
                     for c in ("likes", "replies", "reposts", "quotes")])
    fig.add_trace(go.Scatter(x=df["day"].to_list(), y=df["impressions"].to_list(), name="impressions (right)",
                             mode="lines", line={"dash": "dot", "color": "#555"}, yaxis="y2"))
    layout(fig, yaxis={"title": "reactions", "rangemode": "tozero"}, xaxis_title=f"day ({zone.label})",
           yaxis2={"title": "impressions", "overlaying": "y", "side": "right", "showgrid": False, "rangemode": "tozero"})
    p.figure = fig
    return p


def engagement_rate(con: duckdb.DuckDBPyConnection, zone: Zone) -> Panel:
    """Weekly engagement rate, one line per basis (per impression, or per follower where impressions are missing)."""
    p = Panel("engagement_rate", "Engagement rate per week",
              "Reactions (likes, replies, reposts, quotes) divided by impressions, the median over each week's posts; "
              "where a platform reports no impressions the rate is per follower and labelled so. Reposts excluded.")
    p.absent = missing(con, "post_reactions")
    if p.absent:
        return p
    df = query_pl(con, f"""
        select date_trunc('week', {zone.sql('r.created_at')})::date as week, coalesce(r.rate_basis, 'unknown') as basis,
               median(r.engagement_rate) * 100 as median_rate, count(*) as n
        from post_reactions r
        where r.engagement_rate is not null
        group by all order by basis, week""")
    fig = go.Figure()
    for i, b in enumerate(df["basis"].unique(maintain_order=True).to_list()):
        s = df.filter(df["basis"] == b)
        fig.add_trace(go.Scatter(x=s["week"].to_list(), y=s["median_rate"].to_list(), mode="lines+markers",
                                 name=f"median per {esc(b).removesuffix('s')}", customdata=s["n"].to_list(),
                                 line={"color": SERIES_COLOURS[i % len(SERIES_COLOURS)]},
                                 hovertemplate="week of %{x|%d %b}: %{y:.2f}% (%{customdata} posts)<extra></extra>"))
    layout(fig, height=280, yaxis_title="% engagement", yaxis_rangemode="tozero", xaxis_title=f"week ({zone.label})")
    p.figure = fig
    return p


def top_posts(con: duckdb.DuckDBPyConnection, zone: Zone) -> Panel:
    """The most-reacted-to own posts (not reposts) as a table with text, local time, counts and a link."""
    p = Panel("top_posts", f"Top {TOP_POSTS} posts by reactions",
              "Own posts (reposts excluded) ranked by likes + replies + reposts + quotes, latest observed counts; "
              f"times are {zone.label}. A sample, not a listing. Simulated posts have no link: their ids could "
              "belong to real people's posts.")
    p.absent = missing(con, "posts")
    if p.absent:
        return p
    df = query_pl(con, f"""
        select platform, post_id, account_id, {zone.sql('created_at')} as created_local, kind, text, is_simulated,
               like_count, reply_count, repost_count, quote_count, impression_count,
               coalesce(like_count, 0) + coalesce(reply_count, 0) + coalesce(repost_count, 0)
                 + coalesce(quote_count, 0) as reactions
        from posts where kind is distinct from 'repost'
        order by reactions desc, created_at desc limit {TOP_POSTS}""")

    def num(v: object) -> str:
        return "–" if v is None else f"{v:,}"

    rows = []
    for r in df.iter_rows(named=True):
        url = None if r["is_simulated"] else post_url(r["platform"], r["post_id"], r["account_id"])
        rate = (f"{r['reactions'] / r['impression_count']:.2%}" if r["impression_count"] else "–")
        rows.append(
            f"<tr><td class=\"t\">{esc(r['text'])}</td><td class=\"d\">{r['created_local']:%Y-%m-%d %H:%M}</td>"
            f"<td>{esc(r['platform'])} {esc(r['kind'])}</td><td class=\"n\">{num(r['like_count'])}</td>"
            f"<td class=\"n\">{num(r['reply_count'])}</td><td class=\"n\">{num(r['repost_count'])}</td>"
            f"<td class=\"n\">{num(r['quote_count'])}</td><td class=\"n\">{num(r['impression_count'])}</td>"
            f"<td class=\"n\">{rate}</td><td>{link(url, 'open') if url else ('simulated' if r['is_simulated'] else '–')}</td></tr>")
    if not rows:
        p.absent = "Data absent: no own posts (only reposts) in this warehouse."
        return p
    p.table_html = (f"<table class=\"tbl\"><thead><tr><th>text</th><th>posted ({esc(zone.label)})</th><th>kind</th><th>likes</th>"
                    "<th>replies</th><th>reposts</th><th>quotes</th><th>impressions</th><th>rate</th><th>link</th>"
                    "</tr></thead><tbody>" + "".join(rows) + "</tbody></table>")
    return p


def followers(con: duckdb.DuckDBPyConnection, zone: Zone) -> Panel:
    """Followers per account as observed, one point per day."""
    p = Panel("followers", "Follower growth",
              "Each point is the day's highest observed public follower count of one account; gaps are days "
              "without an observation, not losses.")
    p.absent = missing(con, "account_snapshots")
    if p.absent:
        return p
    df = query_pl(con, f"""
        select platform, account_id, any_value(handle) as handle, {zone.sql('observed_at')}::date as day,
               max(followers_count) as followers
        from account_snapshots where followers_count is not null
        group by platform, account_id, day order by platform, account_id, day""")
    fig = go.Figure()
    for i, (platform, account) in enumerate(df.select("platform", "account_id").unique(maintain_order=True).iter_rows()):
        s = df.filter((df["platform"] == platform) & (df["account_id"] == account))
        name = f"{platform} @{s['handle'][0]}" if s["handle"][0] else f"{platform} {account}"
        fig.add_trace(go.Scatter(x=s["day"].to_list(), y=s["followers"].to_list(), mode="lines+markers",
                                 name=esc(name), line={"color": SERIES_COLOURS[i % len(SERIES_COLOURS)]}))
    layout(fig, height=280, yaxis_title="followers", xaxis_title=f"day ({zone.label})")
    p.figure = fig
    return p
