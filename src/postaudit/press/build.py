"""Build the press marts (press_articles, press_stories, press_claims, claim_copies, press_daily,
press_post_daily, press_post_links) from staged press items."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable

import duckdb
import polars as pl

from postaudit.press.claim_stories import to_story_claims
from postaudit.press.claims_found import find_claims
from postaudit.press.clean import clean_text, clean_title, detect_languages, language_code, normalize_url
from postaudit.press.stories import assign_stories, to_stories
from postaudit.warehouse import query_pl, replace_table, table_exists

Progress = Callable[[str], None]
ARTICLE_SCHEMA = {
    "article_id": pl.Utf8, "url": pl.Utf8, "outlet": pl.Utf8, "outlet_domain": pl.Utf8, "author": pl.Utf8,
    "published_at": pl.Datetime("us", "UTC"), "date_basis": pl.Utf8, "language": pl.Utf8, "title": pl.Utf8,
    "text": pl.Utf8, "post_urls": pl.List(pl.Utf8), "retrieved_at": pl.Datetime("us", "UTC"), "source": pl.Utf8,
    "sources": pl.List(pl.Utf8), "is_simulated": pl.Boolean,
}
# Which source's value wins for a field when one URL arrived several ways: the page itself, then its feed entry,
# then GDELT's record (which has no text and only the time GDELT's crawler saw the URL).
_RANK = {"page": 0, "feed_entry": 1, "gdelt": 2}
_STATUS_URL = re.compile(r"https?://(?:www\.|mobile\.)?(?:twitter|x)\.com/(\w{1,15})/status(?:es)?/(\d{5,25})", re.I)


def _first(rows: list[dict], field: str):
    return next((r[field] for r in rows if r.get(field)), None)


def merge_items(items: pl.DataFrame) -> list[dict]:
    """One dict per article URL (normalised), fields taken from the best source that has them."""
    by_url: dict[str, list[dict]] = defaultdict(list)
    for r in items.iter_rows(named=True):
        key = normalize_url(r["url"])
        if key:
            by_url[key].append(r)
    merged = []
    for key, rows in by_url.items():
        # The record id breaks the last ties, so the merge never depends on the order rows were landed in.
        rows.sort(key=lambda r: (_RANK.get(r["item_kind"], 9), -(len(r["body_text"] or r["body_html"] or "")),
                                 r["retrieved_at"], str(r.get("record_id") or "")))
        text_row = next((r for r in rows if r["body_text"] or r["body_html"]), None)
        published = _first(rows, "published_at")
        basis = next((("published" if r["item_kind"] == "page" else "feed") for r in rows if r.get("published_at")),
                     None)
        if published is None and _first(rows, "seen_at") is not None:
            published, basis = min(r["seen_at"] for r in rows if r.get("seen_at")), "gdelt_seen"
        html = " ".join(r["body_html"] or "" for r in rows)
        merged.append({
            "article_id": key,   # replaced by a hash below; the key is kept for readability while merging
            "url": rows[0]["url"],
            "title": next((t for t in (clean_title(r.get("title")) for r in rows) if t), None),
            "outlet": _first(rows, "outlet") or _first(rows, "outlet_domain") or _host(rows[0]["url"]),
            "outlet_domain": _first(rows, "outlet_domain") or _host(rows[0]["url"]),
            "author": _first(rows, "author"),
            "published_at": published,
            "date_basis": basis,
            "declared_language": language_code(_first(rows, "declared_language")),
            "body_html": text_row["body_html"] if text_row else None,
            "body_text": text_row["body_text"] if text_row else None,
            "post_urls": sorted({m.group(0) for m in _STATUS_URL.finditer(html)}
                                | {u for r in rows for u in (r.get("post_urls") or [])}),
            "retrieved_at": min(r["retrieved_at"] for r in rows),
            "source": (text_row or rows[0])["source"],
            "sources": sorted({r["source"] for r in rows}),
            "is_simulated": any(r["is_simulated"] for r in rows),
        })
    return merged


def _host(url: str | None) -> str | None:
    m = re.match(r"https?://(?:www\.)?([^/:?#]+)", url or "")
    return m.group(1).lower() if m else None


def to_articles(items: pl.DataFrame, threshold: float = 0.6, progress: Progress | None = None) -> pl.DataFrame:
    """Merge items per URL, clean text, detect language and assign stories; one row per copy."""
    import hashlib

    say = progress or (lambda _m: None)
    merged = merge_items(items)
    say(f"press: cleaning {len(merged)} articles")
    texts = [clean_text(m["body_html"], m["body_text"]) for m in merged]
    detected = detect_languages(texts)
    rows = []
    for m, text, lang in zip(merged, texts, detected, strict=True):
        rows.append({
            **{k: m[k] for k in ARTICLE_SCHEMA if k in m and k not in ("article_id", "text", "language")},
            "article_id": hashlib.sha256(m["article_id"].encode()).hexdigest()[:16],
            "text": text, "language": lang or m["declared_language"],
        })
    articles = pl.DataFrame(rows, schema=ARTICLE_SCHEMA)
    return assign_stories(articles, threshold=threshold, progress=say)


def to_claims(articles: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Claims found in every copy, grouped per story: (press_claims, claim_copies)."""
    found = []
    cols = ["article_id", "text", "title", "story_id", "language", "published_at", "author", "url", "outlet",
            "is_simulated"]
    for art in articles.select(cols).iter_rows(named=True):
        published = art["published_at"].date() if art["published_at"] else None
        for claim in find_claims(art["article_id"], art["text"] or "", title=art["title"],
                                 language=art["language"], published=published, author=art["author"]):
            found.append({**claim, "story_id": art["story_id"], "language": art["language"], "url": art["url"],
                          "outlet": art["outlet"], "published_at": art["published_at"],
                          "is_simulated": art["is_simulated"]})
    return to_story_claims(found)


def to_press_daily(articles: pl.DataFrame) -> pl.DataFrame:
    """Attention per UTC day: unique stories (each story once per day it ran), new stories, and all copies."""
    dated = articles.filter(pl.col("published_at").is_not_null()).with_columns(
        pl.col("published_at").dt.date().alias("day"))
    first = dated.group_by("story_id").agg(pl.col("day").min().alias("first_day"))
    return (
        dated.join(first, on="story_id")
        .group_by("day")
        .agg(
            pl.col("story_id").n_unique().alias("count_stories"),
            pl.col("story_id").filter(pl.col("day") == pl.col("first_day")).n_unique().alias("count_new_stories"),
            pl.len().alias("count_copies"),
            pl.col("outlet").n_unique().alias("count_outlets"),
            pl.col("is_simulated").any().alias("is_simulated"),
        )
        .sort("day")
    )


def to_post_links(articles: pl.DataFrame, posts: pl.DataFrame, max_lag_days: int = 30,
                  min_quote_words: int = 6, min_match: float = 0.6) -> pl.DataFrame:
    """Articles that link or quote a post, with the lag from post to article in hours.

    Links: an x.com/twitter.com status URL in the article. Quotes: a quoted passage of at least `min_quote_words`
    words whose word 4-grams mostly (`min_match`) occur in one post published before the article.
    """
    schema = {"article_id": pl.Utf8, "story_id": pl.Utf8, "post_id": pl.Utf8, "platform": pl.Utf8,
              "link_kind": pl.Utf8, "post_created_at": pl.Datetime("us", "UTC"),
              "article_published_at": pl.Datetime("us", "UTC"), "lag_hours": pl.Float64, "is_simulated": pl.Boolean}
    if articles.is_empty() or posts.is_empty():
        return pl.DataFrame(schema=schema)
    post_rows = {(r["platform"], r["post_id"]): r for r in
                 posts.select("platform", "post_id", "created_at", "text", "is_simulated").iter_rows(named=True)}
    x_posts = {pid: r for (plat, pid), r in post_rows.items() if plat == "x"}
    grams: dict[tuple[str, ...], set[tuple[str, str]]] = defaultdict(set)
    for key, r in post_rows.items():
        words = _words(r["text"])
        for i in range(len(words) - 3):
            grams[tuple(words[i:i + 4])].add(key)
    out = []
    for a in articles.select("article_id", "story_id", "published_at", "text", "post_urls",
                             "is_simulated").iter_rows(named=True):
        found: dict[tuple[str, str], str] = {}
        for url in a["post_urls"] or []:
            m = _STATUS_URL.search(url)
            if m and m.group(2) in x_posts:
                found[("x", m.group(2))] = "url"
        for quote in _quotes(a["text"] or ""):
            words = _words(quote)
            if len(words) < min_quote_words:
                continue
            qgrams = [tuple(words[i:i + 4]) for i in range(len(words) - 3)]
            hits: dict[tuple[str, str], int] = defaultdict(int)
            for g in qgrams:
                for key in grams.get(g, ()):
                    hits[key] += 1
            for key, n in hits.items():
                if n / len(qgrams) >= min_match:
                    found.setdefault(key, "quote")
        for key, kind in found.items():
            post = post_rows[key]
            lag = ((a["published_at"] - post["created_at"]).total_seconds() / 3600
                   if a["published_at"] and post["created_at"] else None)
            if lag is not None and (lag < -1 or lag > max_lag_days * 24) and kind == "quote":
                continue   # a quote "before" the post or a month later is a coincidence, not a source
            out.append({"article_id": a["article_id"], "story_id": a["story_id"], "post_id": key[1],
                        "platform": key[0], "link_kind": kind, "post_created_at": post["created_at"],
                        "article_published_at": a["published_at"], "lag_hours": lag,
                        "is_simulated": bool(a["is_simulated"] or post["is_simulated"])})
    return pl.DataFrame(out, schema=schema)


def _words(text: str | None) -> list[str]:
    return re.findall(r"\w+", (text or "").lower())


def _quotes(text: str) -> list[str]:
    return re.findall(r"[\"“„«]([^\"“”„«»]{10,600})[\"”“»]", text)


def to_press_marts(con: duckdb.DuckDBPyConnection, threshold: float = 0.6,
                   progress: Progress | None = None) -> dict[str, pl.DataFrame]:
    """The press marts computed from staged press items (and posts, for the links): relation name -> frame."""
    say = progress or (lambda _m: None)
    items = query_pl(con, "select * from stg_press_items")
    articles = to_articles(items, threshold=threshold, progress=say)
    stories = to_stories(articles)
    say(f"press: claims in {articles.height} copies")
    claims, copies = to_claims(articles)
    daily = to_press_daily(articles)
    posts = (query_pl(con, "select platform, post_id, created_at, text, is_simulated from posts")
             if table_exists(con, "posts") else pl.DataFrame())
    links = to_post_links(articles, posts)
    return {"press_articles": articles, "press_stories": stories, "press_claims": claims, "claim_copies": copies,
            "press_daily": daily, "press_post_links": links, "press_post_daily": to_press_post_daily(con, daily)}


def build_press(con: duckdb.DuckDBPyConnection, threshold: float = 0.6,
                progress: Progress | None = None) -> dict[str, int]:
    """Write press_articles, press_stories, press_claims (one row per claim of a story), claim_copies,
    press_daily, press_post_daily, press_post_links."""
    return {name: replace_table(con, name, frame) for name, frame in to_press_marts(con, threshold, progress).items()}


def to_press_post_daily(con: duckdb.DuckDBPyConnection, daily: pl.DataFrame) -> pl.DataFrame:
    """Coverage and posting on one UTC day axis (days with either), for "does coverage follow posting?"."""
    posts = ("select created_at::date as day, count(*) as count_posts, "
             "count(*) filter (where kind <> 'repost') as count_own_posts from posts group by 1"
             if table_exists(con, "posts") else
             "select cast(null as date) as day, 0::bigint as count_posts, 0::bigint as count_own_posts where false")
    con.register("_press_daily", daily.to_arrow())
    try:
        return query_pl(con, f"""
            with p as ({posts}),
            final as (
                select coalesce(d.day, p.day) as day,
                       coalesce(d.count_stories, 0) as count_stories,
                       coalesce(d.count_copies, 0) as count_copies,
                       coalesce(p.count_posts, 0) as count_posts,
                       coalesce(p.count_own_posts, 0) as count_own_posts
                from _press_daily d full join p on d.day = p.day
            )
            select * from final order by day""")
    finally:
        con.unregister("_press_daily")
