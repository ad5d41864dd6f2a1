"""Daily activity per account: posts by kind, active minutes and engagement."""

from __future__ import annotations

import polars as pl

KINDS = ("original", "reply", "quote", "repost")


def to_daily_activity(posts: pl.DataFrame, sessions: pl.DataFrame) -> pl.DataFrame:
    """One row per (platform, account, UTC day); reposts' counts are excluded because they belong to the original."""
    own = pl.col("kind") != "repost"
    per_day = (
        posts.with_columns(day=pl.col("created_at").dt.date())
        .group_by("platform", "account_id", "day")
        .agg(
            count_posts=pl.len(),
            **{f"count_{k}": (pl.col("kind") == k).sum() for k in KINDS},
            like_count=pl.col("like_count").filter(own).sum(),
            reply_count=pl.col("reply_count").filter(own).sum(),
            repost_count=pl.col("repost_count").filter(own).sum(),
            quote_count=pl.col("quote_count").filter(own).sum(),
            bookmark_count=pl.col("bookmark_count").filter(own).sum(),
            impression_count=pl.col("impression_count").filter(own).sum(),
        )
    )
    minutes = (
        sessions.with_columns(day=pl.col("started_at").dt.date())
        .group_by("platform", "account_id", "day")
        .agg(active_minutes=pl.col("minutes").sum(), count_sessions=pl.len())
    )
    return (
        per_day.join(minutes, on=["platform", "account_id", "day"], how="full", coalesce=True)
        .with_columns(pl.col("active_minutes", "count_sessions").fill_null(0))
        .with_columns(pl.col(pl.UInt32).cast(pl.Int64))
        .with_columns(engagement_rate=pl.when(pl.col("impression_count") > 0).then(
            (pl.col("like_count") + pl.col("reply_count") + pl.col("repost_count") + pl.col("quote_count"))
            / pl.col("impression_count")))
        .sort("platform", "account_id", "day")
    )
