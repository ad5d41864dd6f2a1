"""Sessions from inter-post gaps, padded so one-post sessions are never zero, overlaps merged."""

from __future__ import annotations

import polars as pl

from postaudit.metrics.assumptions import CENTRAL, Assumptions

SESSION_SCHEMA = {"platform": pl.Utf8, "account_id": pl.Utf8, "session_id": pl.Utf8,
                  "started_at": pl.Datetime("us", "UTC"), "ended_at": pl.Datetime("us", "UTC"),
                  "count_posts": pl.UInt32, "minutes": pl.Float64}


def compose_seconds(posts: pl.DataFrame, a: Assumptions = CENTRAL) -> pl.Series:
    """Seconds needed to write each post: a floor by kind plus typing time for originals, replies and quotes."""
    base = pl.col("kind").replace_strict(a.compose_seconds, default=a.compose_seconds["original"], return_dtype=pl.Float64)
    typing = pl.when(pl.col("kind") == "repost").then(0.0).otherwise(
        pl.col("text").fill_null("").str.len_chars().cast(pl.Float64) / a.typing_chars_per_second)
    return posts.select((base + typing).alias("compose_seconds")).to_series()


def to_sessions(posts: pl.DataFrame, a: Assumptions = CENTRAL) -> pl.DataFrame:
    """One row per session per account: posts closer than the gap threshold belong together.

    A session starts when its first post was begun (post time minus composition time) and
    ends at its last post, so a one-post session lasts its composition time, not zero.
    """
    if posts.is_empty():
        return pl.DataFrame(schema=SESSION_SCHEMA)
    gap = pl.duration(seconds=a.gap_minutes * 60)
    p = (
        posts.select("platform", "account_id", "created_at", "kind", "text")
        .with_columns(compose_seconds(posts, a))
        .sort("platform", "account_id", "created_at")
        .with_columns(
            begun_at=pl.col("created_at") - pl.duration(milliseconds=(pl.col("compose_seconds") * 1000).cast(pl.Int64)))
        .with_columns(
            new=(pl.col("created_at").diff().over("platform", "account_id") > gap).fill_null(True))
        .with_columns(n=pl.col("new").cum_sum().over("platform", "account_id"))
    )
    sessions = (
        p.group_by("platform", "account_id", "n", maintain_order=True)
        .agg(started_at=pl.col("begun_at").min(), ended_at=pl.col("created_at").max(), count_posts=pl.len())
    )
    return merge_overlaps(sessions, by=["platform", "account_id"])


def merge_overlaps(sessions: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    """Merge sessions whose intervals overlap within each group, so no minute is counted twice."""
    if sessions.is_empty():
        return pl.DataFrame(schema=SESSION_SCHEMA)
    s = (
        sessions.sort([*by, "started_at"])
        .with_columns(prev_end=pl.col("ended_at").cum_max().shift(1).over(by))
        .with_columns(new=(pl.col("prev_end").is_null() | (pl.col("started_at") > pl.col("prev_end"))))
        .with_columns(g=pl.col("new").cum_sum().over(by))
        .group_by([*by, "g"], maintain_order=True)
        .agg(started_at=pl.col("started_at").min(), ended_at=pl.col("ended_at").max(),
             count_posts=pl.col("count_posts").sum().cast(pl.UInt32))
    )
    key = pl.concat_str([*by, pl.col("started_at").dt.epoch("s").cast(pl.Utf8)], separator=":") if by else (
        pl.col("started_at").dt.epoch("s").cast(pl.Utf8))
    out = s.with_columns(
        session_id=key,
        minutes=(pl.col("ended_at") - pl.col("started_at")).dt.total_microseconds() / 60e6,
    )
    if "platform" not in by:
        out = out.with_columns(platform=pl.lit("all"))
    if "account_id" not in by:
        out = out.with_columns(account_id=pl.lit("all"))
    return out.select(list(SESSION_SCHEMA))
