"""Group copies of one story: near-duplicate text (MinHash-LSH), same headline, and cross-language copies
(shared numbers and names within a few days), with candidate blocking so 100k articles stay feasible."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime

import numpy as np
import polars as pl
from datasketch import MinHash, MinHashLSH

NUM_PERM = 128   # permutations per MinHash; 128 is datasketch's usual choice for Jaccard 0.5-0.8
SHINGLE = 5      # words per shingle
MAX_BLOCK = 60   # a (token, day) block larger than this is too common to say "same story" (e.g. the CEO's name)
Progress = Callable[[str], None]


def shingles(text: str, k: int = SHINGLE) -> set[str]:
    """Word k-shingles of lower-cased text (empty for texts shorter than k words: too short to compare)."""
    words = re.findall(r"\w+", (text or "").lower())
    return {" ".join(words[i:i + k]) for i in range(len(words) - k + 1)}


_NUMBER = re.compile(r"(?<![\w.,])\d+(?:[.,]\d{3})*(?:[.,]\d+)?(?![\w])")
_CAPWORD = re.compile(r"[A-ZÄÖÜ][a-zäöüß]+(?:-[A-ZÄÖÜ][a-zäöüß]+)?")
# Capitalised function words that start sentences (and German nouns that start every other one) are not names.
_NOT_NAME = {
    "the", "a", "an", "in", "on", "at", "for", "and", "but", "he", "she", "it", "they", "we", "i", "his", "her",
    "mr", "mrs", "ms", "dr", "asked", "after", "when", "this", "that", "der", "die", "das", "den", "dem", "des",
    "ein", "eine", "einer", "im", "mit", "auf", "für", "und", "aber", "er", "sie", "es", "wir", "ich", "sein",
    "seine", "ihr", "ihre", "herr", "frau", "als", "wie", "nach", "bei", "vor", "so",
}


def fingerprint(text: str) -> set[str]:
    """Language-neutral anchors: numbers ("#1000" for 1,000 and 1.000) and adjacent capitalised word pairs ("@rowan vale")."""
    nums = set()
    for n in _NUMBER.findall(text or ""):
        if re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", n):
            nums.add(re.sub(r"[.,]", "", n))
        else:
            nums.add(n.replace(",", "."))
    names = set()
    for m in re.finditer(r"(?:[A-ZÄÖÜ][\wäöüß-]*\s+){1,3}[A-ZÄÖÜ][\wäöüß-]*", text or ""):
        words = [w for w in m.group(0).split() if w.lower() not in _NOT_NAME and _CAPWORD.fullmatch(w)]
        names.update(f"{a.lower()} {b.lower()}" for a, b in zip(words, words[1:], strict=False))
    return {f"#{n}" for n in nums} | {f"@{n}" for n in names}


def _strong_number(token: str) -> bool:
    # Years and small numbers turn up everywhere; "20" (a share) or "1000" (a headcount) mark a particular story.
    if not token.startswith("#"):
        return False
    try:
        value = float(token[1:])
    except ValueError:
        return False
    return value >= 10 and not (1900 <= value <= 2100 and value.is_integer())


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


def _minhash_links(texts: list[str], threshold: float, uf: _UnionFind) -> int:
    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
    links = 0
    for i, text in enumerate(texts):
        sh = shingles(text)
        if not sh:
            continue   # an empty MinHash would "match" every other empty one
        mh = MinHash(num_perm=NUM_PERM)
        mh.update_batch([s.encode() for s in sh])
        for j in lsh.query(mh):
            uf.union(i, int(j))
            links += 1
        lsh.insert(str(i), mh)
    return links


def _title_key(title: str | None) -> str | None:
    words = re.findall(r"\w+", (title or "").lower())
    # Short headlines ("Markets wrap", "Live updates") repeat across unrelated stories: need six words or more.
    return " ".join(words) if len(words) >= 6 else None


def _day(when: datetime | None) -> int | None:
    return when.toordinal() if when else None


def _title_links(rows: list[dict], window_days: int, uf: _UnionFind) -> int:
    by_title: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for i, r in enumerate(rows):
        key, day = _title_key(r["title"]), _day(r["when"])
        if key and day is not None:
            by_title[key].append((day, i))
    links = 0
    for members in by_title.values():
        members.sort()
        for (d1, i), (d2, j) in zip(members, members[1:], strict=False):
            if d2 - d1 <= window_days:
                uf.union(i, j)
                links += 1
    return links


def _cross_language_links(rows: list[dict], prints: list[set[str]], window_days: int, overlap: float,
                          min_shared: int, uf: _UnionFind, max_block: int = MAX_BLOCK) -> int:
    # Block: two copies can only match when they share a strong number on days at most window_days apart.
    blocks: dict[tuple[str, int], list[int]] = defaultdict(list)
    for i, r in enumerate(rows):
        day = _day(r["when"])
        if day is None or not r["language"]:
            continue
        for tok in prints[i]:
            if _strong_number(tok):
                blocks[(tok, day)].append(i)
    pairs: set[tuple[int, int]] = set()
    for (tok, day), members in blocks.items():
        if len(members) > max_block:
            continue
        near = [j for d in range(day, day + window_days + 1) for j in blocks.get((tok, d), ())]
        if len(near) > max_block * (window_days + 1):
            continue
        for i in members:
            for j in near:
                if i != j and rows[i]["language"] != rows[j]["language"]:
                    pairs.add((min(i, j), max(i, j)))
    links = 0
    for i, j in pairs:
        shared = prints[i] & prints[j]
        numbers = sum(1 for t in shared if _strong_number(t))
        names = sum(1 for t in shared if t.startswith("@"))
        if numbers < 1 or names < 1 or len(shared) < min_shared:
            continue
        if len(shared) / min(len(prints[i]), len(prints[j])) >= overlap:
            uf.union(i, j)
            links += 1
    return links


def assign_stories(articles: pl.DataFrame, threshold: float = 0.6, cross_language_days: int = 3,
                   cross_language_overlap: float = 0.5, min_shared: int = 3,
                   progress: Progress | None = None) -> pl.DataFrame:
    """Add story_id and is_canonical to articles (article_id, text, title, language, published_at).

    Copies join one story when their word shingles are near-duplicates (MinHash-LSH at `threshold`), when they
    carry the same headline within `cross_language_days`, or when, in different languages and within
    `cross_language_days`, they share at least `min_shared` anchors (a strong number and a name among them) making up
    `cross_language_overlap` of the smaller fingerprint. The earliest copy is canonical and names the story.
    """
    say = progress or (lambda _m: None)
    if articles.is_empty():
        return articles.with_columns(pl.lit(None, pl.Utf8).alias("story_id"),
                                     pl.lit(None, pl.Boolean).alias("is_canonical"))
    rows = articles.select("article_id", "text", "title", "language", pl.col("published_at").alias("when")).to_dicts()
    uf = _UnionFind(len(rows))
    texts = [r["text"] or "" for r in rows]
    say(f"stories: near-duplicate text among {len(rows)} copies")
    n_text = _minhash_links(texts, threshold, uf)
    n_title = _title_links(rows, cross_language_days, uf)
    say("stories: cross-language copies")
    prints = [fingerprint(t) for t in texts]
    n_cross = _cross_language_links(rows, prints, cross_language_days, cross_language_overlap, min_shared, uf)
    say(f"stories: {n_text} text, {n_title} headline and {n_cross} cross-language links")
    groups = np.array([uf.find(i) for i in range(len(rows))])
    framed = articles.with_columns(pl.Series("_group", groups))
    canon = (framed.sort("published_at", "article_id", nulls_last=True)
             .group_by("_group", maintain_order=True).agg(pl.first("article_id").alias("story_id")))
    out = framed.join(canon, on="_group").drop("_group")
    return out.with_columns((pl.col("story_id") == pl.col("article_id")).alias("is_canonical"))


def to_stories(articles: pl.DataFrame) -> pl.DataFrame:
    """One row per story: the canonical (earliest) copy, its outlets, languages and copy count."""
    return (
        articles.sort("published_at", "article_id", nulls_last=True)
        .group_by("story_id")
        .agg(
            pl.col("title").drop_nulls().first().alias("title"),
            pl.col("url").first().alias("canonical_url"),
            pl.col("outlet").first().alias("canonical_outlet"),
            pl.col("published_at").min().alias("first_published_at"),
            pl.col("published_at").max().alias("last_published_at"),
            pl.col("outlet").drop_nulls().unique().sort().alias("outlets"),
            pl.col("language").drop_nulls().unique().sort().alias("languages"),
            pl.len().alias("count_copies"),
            pl.col("outlet").drop_nulls().n_unique().alias("count_outlets"),
            pl.col("is_simulated").any().alias("is_simulated"),
        )
        .sort("first_published_at", "story_id", nulls_last=True)
    )
