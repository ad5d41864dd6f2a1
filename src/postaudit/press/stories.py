"""Group copies of one story: near-duplicate text (MinHash-LSH) and cross-language copies (shared numbers and names)."""

from __future__ import annotations

import re
from datetime import timedelta

import polars as pl
from datasketch import MinHash, MinHashLSH

NUM_PERM = 128  # permutations per MinHash; 128 is datasketch's usual choice for Jaccard 0.5-0.8


def shingles(text: str, k: int = 5) -> set[str]:
    """Word k-shingles of lower-cased text."""
    words = re.findall(r"\w+", text.lower())
    if len(words) < k:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i:i + k]) for i in range(len(words) - k + 1)}


_NUMBER = re.compile(r"\d+(?:[.,]\d{3})*(?:[.,]\d+)?")
_NAME = re.compile(r"\b[A-Z][a-zäöüß]+(?:\s+[A-Z][a-zäöüß]+)+\b")


def fingerprint(text: str) -> set[str]:
    """Language-neutral anchors of a text: its numbers (1,000 = 1.000) and multi-word proper names."""
    nums = {re.sub(r"[.,]", "", n) for n in _NUMBER.findall(text)}
    names = {n.lower() for n in _NAME.findall(text)}
    return {f"#{n}" for n in nums} | {f"@{n}" for n in names}


class _UnionFind:
    def __init__(self, n: int):
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def assign_stories(articles: pl.DataFrame, threshold: float = 0.6, cross_language_days: int = 3,
                   cross_language_overlap: float = 0.5) -> pl.DataFrame:
    """Add story_id and is_canonical to articles (article_id, text, language, published_at); earliest copy is canonical."""
    if articles.is_empty():
        return articles.with_columns(pl.lit(None, pl.Utf8).alias("story_id"), pl.lit(None, pl.Boolean).alias("is_canonical"))
    rows = articles.select("article_id", "text", "language", "published_at").to_dicts()
    uf = _UnionFind(len(rows))
    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
    for i, row in enumerate(rows):
        mh = MinHash(num_perm=NUM_PERM)
        for s in shingles(row["text"] or ""):
            mh.update(s.encode())
        for j in lsh.query(mh):
            uf.union(i, int(j))
        lsh.insert(str(i), mh)
    # Translations share no shingles; link them by the quotes' numbers and names, close in time.
    prints = [fingerprint(r["text"] or "") for r in rows]
    window = timedelta(days=cross_language_days)
    for i in range(len(rows)):
        for j in range(i + 1, len(rows)):
            a, b = rows[i], rows[j]
            if a["language"] == b["language"] or not prints[i] or not prints[j]:
                continue
            if a["published_at"] and b["published_at"] and abs(a["published_at"] - b["published_at"]) > window:
                continue
            if not any(p.startswith("#") for p in prints[i] & prints[j]):
                continue
            overlap = len(prints[i] & prints[j]) / min(len(prints[i]), len(prints[j]))
            if overlap >= cross_language_overlap:
                uf.union(i, j)
    groups = [uf.find(i) for i in range(len(rows))]
    framed = articles.with_columns(pl.Series("_group", groups))
    canon = (framed.sort("published_at", "article_id", nulls_last=True)
             .group_by("_group", maintain_order=True).agg(pl.first("article_id").alias("story_id")))
    out = framed.join(canon, on="_group").drop("_group")
    return out.with_columns((pl.col("story_id") == pl.col("article_id")).alias("is_canonical"))


def to_stories(articles: pl.DataFrame) -> pl.DataFrame:
    """One row per story: the canonical copy, its outlets, languages and copy count."""
    return (
        articles.sort("published_at", nulls_last=True)
        .group_by("story_id")
        .agg(
            pl.col("title").first().alias("title"),
            pl.col("url").first().alias("canonical_url"),
            pl.col("published_at").min().alias("first_published_at"),
            pl.col("outlet").unique().sort().alias("outlets"),
            pl.col("language").drop_nulls().unique().sort().alias("languages"),
            pl.len().alias("count_copies"),
            pl.col("is_simulated").any().alias("is_simulated"),
        )
        .sort("first_published_at")
    )
