"""Panels on press coverage: stories vs copies over local days, outlets, languages, top stories.

The claims found in the press are on the verdict cards (each with its copies), not in a table here."""

from __future__ import annotations

import duckdb
import plotly.graph_objects as go

from postaudit.dashboards.figures import Panel, esc, esc_short, layout, link, missing
from postaudit.dashboards.zone import Zone
from postaudit.warehouse import query_pl, table_exists

TOP_OUTLETS = 15
TOP_STORIES = 12
HOVER_TITLE = 160    # a headline is rarely longer; a longer one is cut at a word, not mid-word


def press_daily(con: duckdb.DuckDBPyConnection, zone: Zone) -> Panel:
    """Unique stories and total copies per local day, with posting volume on the same time axis."""
    p = Panel("press_daily", "Press coverage per day vs posting",
              "Grey bars count every copy (syndicated and scraped included), red bars count each story once, on "
              "the day it first appeared; the blue line is the executive's posts per day (right axis).")
    p.absent = missing(con, "press_articles", "press_stories")
    if p.absent:
        return p
    posts = (f"select {zone.sql('created_at')}::date as day, count(*) as posts from posts group by 1"
             if table_exists(con, "posts") else "select null::date as day, 0 as posts where false")
    df = query_pl(con, f"""
        with a as (select {zone.sql('published_at')}::date as day, count(*) as copies from press_articles
                   where published_at is not null group by 1),
             s as (select {zone.sql('first_published_at')}::date as day, count(*) as stories,
                          list(title order by count_copies desc, title)[1:3] as titles
                   from press_stories where first_published_at is not null group by 1),
             p as ({posts}),
             days as (select day from a union select day from s union select day from p)
        select day, coalesce(copies, 0) as copies, coalesce(stories, 0) as stories, coalesce(posts, 0) as posts,
               coalesce(titles, []) as titles
        from days left join a using (day) left join s using (day) left join p using (day) order by day""")
    titles = ["<br>".join(esc_short(t, HOVER_TITLE) for t in ts) for ts in df["titles"].to_list()]
    fig = go.Figure([
        go.Bar(x=df["day"].to_list(), y=df["copies"].to_list(), name="all copies", marker_color="#c7c7c7"),
        go.Bar(x=df["day"].to_list(), y=df["stories"].to_list(), name="unique stories", marker_color="#e45756",
               hovertext=titles, hovertemplate="%{x|%d %b}: %{y} new stories<br>%{hovertext}<extra></extra>"),
        go.Scatter(x=df["day"].to_list(), y=df["posts"].to_list(), name="posts (right)", yaxis="y2", mode="lines",
                   line={"color": "#4c78a8", "width": 1.5}),
    ])
    most = max(df["copies"].max() or 0, 1)
    layout(fig, barmode="overlay", bargap=0.05, xaxis_title=f"day ({zone.label})",
           yaxis={"title": "articles", "rangemode": "tozero", "dtick": 1 if most <= 8 else None},
           yaxis2={"title": "posts", "overlaying": "y", "side": "right", "showgrid": False, "rangemode": "tozero"})
    p.figure = fig
    return p


def outlets(con: duckdb.DuckDBPyConnection) -> Panel:
    """Copies per outlet and how many of them were a story's first appearance."""
    p = Panel("outlets", f"Outlets (top {TOP_OUTLETS} by copies)",
              "Bar length is every copy an outlet ran; the red part is copies that were a story's first appearance, "
              "the grey part reprints of stories first run elsewhere.")
    p.absent = missing(con, "press_articles")
    if p.absent:
        return p
    df = query_pl(con, f"""
        select coalesce(outlet, outlet_domain, 'unknown') as outlet, count(*) as copies,
               count(*) filter (where is_canonical) as originals
        from press_articles group by 1 order by copies desc, outlet limit {TOP_OUTLETS}""")
    names = [esc(o) for o in df["outlet"].to_list()]
    fig = go.Figure([
        go.Bar(y=names, x=df["originals"].to_list(), orientation="h", name="first appearance", marker_color="#e45756"),
        go.Bar(y=names, x=(df["copies"] - df["originals"]).to_list(), orientation="h", name="reprint",
               marker_color="#c7c7c7"),
    ])
    layout(fig, height=max(220, 60 + 26 * df.height), barmode="stack",
           xaxis={"dtick": 1 if (df["copies"].max() or 0) <= 8 else None},
           yaxis={"autorange": "reversed"}, margin={"l": 230, "r": 25, "t": 15, "b": 45})
    p.figure = fig
    return p


def languages(con: duckdb.DuckDBPyConnection) -> Panel:
    """Copies and stories per detected article language."""
    p = Panel("languages", "Languages of the coverage",
              "Copies per detected article language, and the unique stories that have a copy in it.")
    p.absent = missing(con, "press_articles")
    if p.absent:
        return p
    df = query_pl(con, """
        select coalesce(language, 'unknown') as language, count(*) as copies, count(distinct story_id) as stories
        from press_articles group by 1 order by copies desc, language limit 20""")
    langs = [esc(x) for x in df["language"].to_list()]
    fig = go.Figure([go.Bar(x=langs, y=df["copies"].to_list(), name="copies", marker_color="#c7c7c7"),
                     go.Bar(x=langs, y=df["stories"].to_list(), name="unique stories", marker_color="#e45756")])
    layout(fig, height=260, barmode="group", yaxis_title="articles", xaxis={"type": "category"})
    p.figure = fig
    return p


def top_stories(con: duckdb.DuckDBPyConnection, zone: Zone) -> Panel:
    """The stories with the most copies: title linked to the first copy, date, outlets, languages."""
    p = Panel("top_stories", f"Most-copied stories (top {TOP_STORIES})",
              "A story is one piece of reporting with all its near-duplicate copies; the link goes to its first copy.")
    p.absent = missing(con, "press_stories")
    if p.absent:
        return p
    df = query_pl(con, f"""
        select title, canonical_url, first_published_at, outlets, languages, count_copies, is_simulated
        from press_stories order by count_copies desc, first_published_at limit {TOP_STORIES}""")
    rows = []
    for r in df.iter_rows(named=True):
        day = "" if r["first_published_at"] is None else f"{zone.day(r['first_published_at']):%Y-%m-%d}"
        rows.append(f"<tr><td class=\"t\">{link(r['canonical_url'], r['title'] or '(untitled)', simulated=bool(r['is_simulated']))}</td><td class=\"d\">{day}</td>"
                    f"<td class=\"n\">{r['count_copies']}</td><td>{esc(', '.join(r['outlets'] or []))}</td>"
                    f"<td>{esc(', '.join(r['languages'] or []))}</td></tr>")
    p.table_html = ("<table class=\"tbl\"><thead><tr><th>story</th><th>first seen (" + esc(zone.label) + ")</th><th>copies</th><th>outlets</th>"
                    f"<th>languages</th></tr></thead><tbody>{''.join(rows)}</tbody></table>")
    return p
