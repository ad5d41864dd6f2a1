"""Build the press marts (press_articles, press_stories, press claims) from staged press items."""

from __future__ import annotations

import duckdb
import polars as pl

from postaudit.press.claims_found import find_claims
from postaudit.press.clean import detect_language, html_to_text, strip_boilerplate
from postaudit.press.stories import assign_stories, to_stories
from postaudit.warehouse import query_pl, replace_table

CLAIM_SCHEMA = {"claim_id": pl.Utf8, "article_id": pl.Utf8, "kind": pl.Utf8, "metric": pl.Utf8, "platform": pl.Utf8,
                "value": pl.Float64, "unit": pl.Utf8, "sentence": pl.Utf8, "speaker": pl.Utf8}


def to_articles(items: pl.DataFrame, threshold: float = 0.6) -> pl.DataFrame:
    """Clean text, detect language and assign stories; one row per copy, keyed by URL (newest landing wins)."""
    items = items.sort("retrieved_at").unique(subset=["url"], keep="last", maintain_order=True)
    texts = [strip_boilerplate(html_to_text(h)) for h in items["body_html"].to_list()]
    langs = [detect_language(t) or d for t, d in zip(texts, items["declared_language"].to_list(), strict=True)]
    articles = items.with_columns(
        pl.Series("text", texts, pl.Utf8),
        pl.Series("language", langs, pl.Utf8),
    ).select("article_id", "url", "outlet", "outlet_domain", "author", "published_at", "language", "title", "text",
             "retrieved_at", "source", "is_simulated")
    return assign_stories(articles, threshold=threshold)


def to_claims(articles: pl.DataFrame) -> pl.DataFrame:
    """Claims found in every copy, with the copy's story so copies of one claim can be counted once."""
    rows = []
    for art in articles.select("article_id", "text", "story_id", "language", "is_simulated").iter_rows(named=True):
        for claim in find_claims(art["article_id"], art["text"]):
            rows.append({**claim, "story_id": art["story_id"], "language": art["language"],
                         "origin": "press", "is_simulated": art["is_simulated"]})
    schema = {**CLAIM_SCHEMA, "story_id": pl.Utf8, "language": pl.Utf8, "origin": pl.Utf8, "is_simulated": pl.Boolean}
    return pl.DataFrame(rows, schema=schema)


def build_press(con: duckdb.DuckDBPyConnection, threshold: float = 0.6) -> dict[str, int]:
    """Write press_articles, press_stories and press_claims; returns row counts."""
    items = query_pl(con, "select * from stg_press_items")
    articles = to_articles(items, threshold=threshold)
    stories = to_stories(articles)
    claims = to_claims(articles)
    return {
        "press_articles": replace_table(con, "press_articles", articles),
        "press_stories": replace_table(con, "press_stories", stories),
        "press_claims": replace_table(con, "press_claims", claims),
    }
