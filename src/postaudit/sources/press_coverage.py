"""One press collection run: GDELT, feeds, then the article pages they point to (`postaudit collect press`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import duckdb

from postaudit.http import PoliteClient
from postaudit.sources import articles, press_gdelt, press_rss
from postaudit.warehouse import ensure_raw, query_pl, staging_view

Progress = Callable[[str], None]
FULL_TEXT_CHARS = 1500   # feed entries at least this long carry the article itself, not a teaser


def urls_without_page(con: duckdb.DuckDBPyConnection, start: datetime | None = None, end: datetime | None = None,
                      limit: int = 200) -> list[str]:
    """URLs that GDELT or a feed listed (seen/published in the window) whose page has not been landed yet."""
    ensure_raw(con)
    staging_view(con, "stg_press_items")  # only the press views, so this works before the first `postaudit build`
    frame = query_pl(con, """
        select url, min(coalesce(published_at, seen_at)) as first_at
        from stg_press_items
        where url like 'http%'
          -- a feed entry that already carries the full text (content:encoded) needs no page fetch
          and (item_kind = 'gdelt' or (item_kind = 'feed_entry' and length(coalesce(body_html, '')) < ?))
          and url not in (select url from stg_press_pages where url is not null)
          and (cast(? as timestamptz) is null or coalesce(published_at, seen_at) >= ?)
          and (cast(? as timestamptz) is null or coalesce(published_at, seen_at) < ?)
        group by url order by first_at desc nulls last, url limit ?""", [FULL_TEXT_CHARS, start, start, end, end, limit])
    return frame["url"].to_list()


def collect_press(con: duckdb.DuckDBPyConnection, *, query: str | list[str] | None, feeds: list[str],
                  start: datetime, end: datetime, fetch_articles: bool = False, max_articles: int = 200,
                  gdelt_url: str = press_gdelt.BASE_URL, gdelt_client: PoliteClient | None = None,
                  web_client: PoliteClient | None = None, flow_run_id: str | None = None,
                  progress: Progress | None = None) -> dict:
    """Collect GDELT (when a query is given), feeds, and optionally the article pages; counts and notes merged."""
    say = progress or (lambda _m: None)
    counts: dict = {"notes": []}

    def merge(part: dict) -> None:
        for k, v in part.items():
            if k == "notes":
                counts["notes"].extend(v)
            else:
                counts[k] = counts.get(k, 0) + v

    if query:
        merge(press_gdelt.collect_gdelt(con, query, start, end, base_url=gdelt_url, client=gdelt_client,
                                        flow_run_id=flow_run_id, progress=say))
    if feeds:
        merge(press_rss.collect_feeds(con, feeds, client=web_client, flow_run_id=flow_run_id, progress=say))
    if fetch_articles:
        urls = urls_without_page(con, start, end, max_articles)
        say(f"fetching {len(urls)} article pages")
        merge(articles.collect_articles(con, urls, client=web_client, flow_run_id=flow_run_id, progress=say))
    return counts
