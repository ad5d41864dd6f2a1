"""Sessions from inter-post gaps, padded so one-post sessions are never zero, overlaps merged."""

from __future__ import annotations

import polars as pl

from postaudit.metrics.assumptions import CENTRAL, Assumptions

SESSION_SCHEMA = {"platform": pl.Utf8, "account_id": pl.Utf8, "session_id": pl.Utf8,
                  "started_at": pl.Datetime("us", "UTC"), "ended_at": pl.Datetime("us", "UTC"),
                  "count_posts": pl.UInt32, "minutes": pl.Float64}
# Per gap-split session before merging: what the bootstrap needs to re-estimate the padding per draw.
PART_SCHEMA = {"platform": pl.Utf8, "account_id": pl.Utf8, "first_post_at": pl.Datetime("us", "UTC"),
               "last_post_at": pl.Datetime("us", "UTC"), "begun_at": pl.Datetime("us", "UTC"),
               "count_posts": pl.UInt32, "span_minutes": pl.Float64, "range_minutes": pl.Float64,
               "mean_length_minutes": pl.Float64, "pad_minutes": pl.Float64}


def compose_seconds(posts: pl.DataFrame, a: Assumptions = CENTRAL) -> pl.Series:
    """Seconds needed to write each post: a floor by kind plus typing time for originals, replies and quotes."""
    base = pl.col("kind").replace_strict(a.compose_seconds, default=a.compose_seconds["original"], return_dtype=pl.Float64)
    typing = pl.when(pl.col("kind") == "repost").then(0.0).otherwise(
        pl.col("text").fill_null("").str.len_chars().cast(pl.Float64) / a.typing_chars_per_second)
    return posts.select((base + typing).alias("compose_seconds")).to_series()


def _minutes(expr: pl.Expr) -> pl.Expr:
    return expr.dt.total_microseconds().cast(pl.Float64) / 60e6


def session_parts(posts: pl.DataFrame, a: Assumptions = CENTRAL) -> pl.DataFrame:
    """One row per gap-split session (not yet merged) with its span, its range estimate and its padding.

    With "gap" padding, a session of n posts placed uniformly in a session of length L leaves on
    average L/(n+1) unseen before the first and after the last post; L is the account's mean session
    length, estimated from its multi-post sessions by the unbiased range estimate span·(n+1)/(n−1).
    An account without multi-post sessions gets no padding beyond composition time.
    """
    if posts.is_empty():
        return pl.DataFrame(schema=PART_SCHEMA)
    gap = pl.duration(microseconds=int(a.gap_minutes * 60e6))
    p = (
        posts.select("platform", "account_id", pl.col("created_at").dt.cast_time_unit("us"), "kind", "text")
        .with_columns(compose_seconds(posts, a))
        .sort("platform", "account_id", "created_at")
        .with_columns(
            begun_at=pl.col("created_at") - pl.duration(microseconds=(pl.col("compose_seconds") * 1e6).cast(pl.Int64)))
        .with_columns(new=(pl.col("created_at").diff().over("platform", "account_id") > gap).fill_null(True))
        .with_columns(n=pl.col("new").cum_sum().over("platform", "account_id"))
    )
    parts = (
        p.group_by("platform", "account_id", "n", maintain_order=True)
        .agg(first_post_at=pl.col("created_at").min(), last_post_at=pl.col("created_at").max(),
             begun_at=pl.col("begun_at").min(), count_posts=pl.len().cast(pl.UInt32))
        .with_columns(span_minutes=_minutes(pl.col("last_post_at") - pl.col("first_post_at")))
        .with_columns(range_minutes=pl.when(pl.col("count_posts") >= 2).then(
            pl.col("span_minutes") * (pl.col("count_posts") + 1) / (pl.col("count_posts") - 1)))
        .with_columns(mean_length_minutes=pl.col("range_minutes").mean().over("platform", "account_id"))
    )
    if a.padding == "gap":
        pad = (pl.col("mean_length_minutes") / (pl.col("count_posts").cast(pl.Float64) + 1)).fill_null(0.0)
    else:
        pad = pl.lit(0.0)
    return parts.with_columns(pad_minutes=pad).select(list(PART_SCHEMA))


def padded_intervals(parts: pl.DataFrame) -> pl.DataFrame:
    """Session intervals: from the earlier of (first post − padding) and (first post begun) to last post + padding."""
    pad = pl.duration(microseconds=(pl.col("pad_minutes") * 60e6).cast(pl.Int64))
    return parts.select(
        "platform", "account_id", "count_posts",
        started_at=pl.min_horizontal(pl.col("begun_at"), pl.col("first_post_at") - pad),
        ended_at=pl.col("last_post_at") + pad,
    )


def to_sessions(posts: pl.DataFrame, a: Assumptions = CENTRAL) -> pl.DataFrame:
    """One row per session per account: posts closer than the gap threshold belong together.

    A session starts when its first post was begun (post time minus composition time) or one
    padding earlier, and ends at its last post plus the padding, so a one-post session is never
    zero; sessions that overlap once padded are merged.
    """
    if posts.is_empty():
        return pl.DataFrame(schema=SESSION_SCHEMA)
    return merge_overlaps(padded_intervals(session_parts(posts, a)), by=["platform", "account_id"])


def merge_overlaps(sessions: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    """Merge sessions whose intervals overlap within each group, so no minute is counted twice."""
    if sessions.is_empty():
        return pl.DataFrame(schema=SESSION_SCHEMA)
    sort_by = [*by, "started_at"]
    s = sessions.sort(sort_by)
    if by:
        s = s.with_columns(prev_end=pl.col("ended_at").cum_max().shift(1).over(by))
    else:
        s = s.with_columns(prev_end=pl.col("ended_at").cum_max().shift(1))
    s = s.with_columns(new=(pl.col("prev_end").is_null() | (pl.col("started_at") > pl.col("prev_end"))))
    s = s.with_columns(g=pl.col("new").cum_sum().over(by) if by else pl.col("new").cum_sum())
    s = (s.group_by([*by, "g"], maintain_order=True)
         .agg(started_at=pl.col("started_at").min(), ended_at=pl.col("ended_at").max(),
              count_posts=pl.col("count_posts").sum().cast(pl.UInt32)))
    if "platform" not in by:
        s = s.with_columns(platform=pl.lit("all"))
    if "account_id" not in by:
        s = s.with_columns(account_id=pl.lit("all"))
    out = s.with_columns(
        session_id=pl.concat_str(["platform", "account_id", pl.col("started_at").dt.epoch("s").cast(pl.Utf8)],
                                 separator=":"),
        minutes=_minutes(pl.col("ended_at") - pl.col("started_at")),
    )
    return out.select(list(SESSION_SCHEMA))
