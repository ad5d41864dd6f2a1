"""What the page (and the one-page summary) says first: whose accounts, which period, in which zone, how much."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from postaudit.dashboards.zone import Zone
from postaudit.warehouse import query_pl, scalar, table_exists


@dataclass(frozen=True)
class Header:
    """The title and the sentence under it, and whether the data are simulated."""

    title: str
    period: str
    simulated: bool


def header(con: duckdb.DuckDBPyConnection, zone: Zone) -> Header:
    """'postaudit report: @handle', and 'N posts on x and telegram, 01 Sep 2025 to 26 Oct 2025 …' in local days."""
    title, sub = "postaudit report", "No posts collected yet."
    if table_exists(con, "accounts"):
        df = query_pl(con, "select platform, handle from accounts order by count_posts_collected desc nulls last limit 4")
        names = [f"@{h}" if h else p for p, h in df.iter_rows()]
        if names:
            title = "postaudit report: " + ", ".join(names)
    simulated = False
    if table_exists(con, "posts"):
        n, first, last, platforms, simulated = con.execute(
            f"select count(*), min({zone.sql('created_at')}), max({zone.sql('created_at')}), "
            "string_agg(distinct platform, ', ' order by platform), coalesce(bool_or(is_simulated), false) "
            "from posts").fetchall()[0]
        if n:
            sub = f"{n:,} posts on {platforms}, {first:%d %b %Y} to {last:%d %b %Y}; times in {zone.phrase}"
            if table_exists(con, "press_articles") and table_exists(con, "press_stories"):
                copies = scalar(con, "select count(*) from press_articles")
                stories = scalar(con, "select count(*) from press_stories")
                sub += f"; {stories:,} press stories in {copies:,} copies" if copies else "; no press collected"
            sub += "."
    return Header(title, sub, bool(simulated))
