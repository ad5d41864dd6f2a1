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
INTERVAL_SCHEMA = {"started_at": pl.Datetime("us", "UTC"), "ended_at": pl.Datetime("us", "UTC"),
                   "count_posts": pl.UInt32}
ACCOUNT = ["platform", "account_id"]


def _text_chars(columns: list[str]) -> pl.Expr:
    # The build reads length(text) from DuckDB as text_chars instead of the text itself (10M texts cost
    # gigabytes); DuckDB's length and polars' len_chars both count code points, so the two agree.
    if "text_chars" in columns:
        return pl.col("text_chars").fill_null(0).cast(pl.Float64)
    return pl.col("text").fill_null("").str.len_chars().cast(pl.Float64)


def _compose_expr(a: Assumptions, chars: pl.Expr) -> pl.Expr:
    base = pl.col("kind").replace_strict(a.compose_seconds, default=a.compose_seconds["original"], return_dtype=pl.Float64)
    typing = pl.when(pl.col("kind") == "repost").then(0.0).otherwise(chars / a.typing_chars_per_second)
    return base + typing


def compose_seconds(posts: pl.DataFrame, a: Assumptions = CENTRAL) -> pl.Series:
    """Seconds needed to write each post: a floor by kind plus typing time for originals, replies and quotes.

    Reads `text`, or `text_chars` (its length in characters) when the frame has it.
    """
    return posts.select(_compose_expr(a, _text_chars(posts.columns)).alias("compose_seconds")).to_series()


def _minutes(expr: pl.Expr) -> pl.Expr:
    return expr.dt.total_microseconds().cast(pl.Float64) / 60e6


def with_begun(posts: pl.DataFrame, compose: dict[str, Assumptions], by: list[str] = ACCOUNT) -> pl.DataFrame:
    """Posts sorted by account and time, with `begun_<set>`: when each post was begun under each composition set."""
    chars = _text_chars(posts.columns)
    at = pl.col("created_at").dt.cast_time_unit("us")
    begun = {f"begun_{name}": at - pl.duration(microseconds=(_compose_expr(a, chars) * 1e6).cast(pl.Int64))
             for name, a in compose.items()}
    return posts.select(*by, at.alias("created_at"), **begun).sort(*by, "created_at", nulls_last=True)


def split_sessions(begun: pl.DataFrame, gap_minutes: float, by: list[str] = ACCOUNT) -> pl.DataFrame:
    """One row per gap-split session of with_begun's posts: first and last post, count, span, range estimate,
    the account's mean session length, and the earliest `begun_<set>` of each composition set."""
    gap = pl.duration(microseconds=int(gap_minutes * 60e6))
    # Sorted by account then time, a session starts at an account's first post or after a long pause;
    # numbering sessions across the whole frame avoids a window function per account.
    first_of_account = pl.any_horizontal(pl.col(c).ne_missing(pl.col(c).shift(1)) for c in by)
    names = [c for c in begun.columns if c.startswith("begun_")]
    return (
        begun.with_columns(n=(first_of_account | (pl.col("created_at").diff() > gap)).fill_null(True).cum_sum())
        .group_by("n", maintain_order=True)
        .agg(*(pl.col(c).first() for c in by),
             first_post_at=pl.col("created_at").first(), last_post_at=pl.col("created_at").last(),
             count_posts=pl.len().cast(pl.UInt32), **{k: pl.col(k).min() for k in names})
        .drop("n")
        .with_columns(span_minutes=_minutes(pl.col("last_post_at") - pl.col("first_post_at")))
        .with_columns(range_minutes=pl.when(pl.col("count_posts") >= 2).then(
            pl.col("span_minutes") * (pl.col("count_posts") + 1) / (pl.col("count_posts") - 1)))
        .with_columns(mean_length_minutes=pl.col("range_minutes").mean().over(by))
    )


def gap_sessions(posts: pl.DataFrame, gap_minutes: float, compose: dict[str, Assumptions],
                 by: list[str] = ACCOUNT) -> pl.DataFrame:
    """One row per gap-split session, with `begun_<set>` (when its first post was begun) for each composition set.

    Which posts form a session depends only on the gap, so every composition set with that gap shares
    one split; session_parts then picks a set's begun time and padding. `by` names the account (the
    time-share summary passes one integer key instead of platform and account_id: faster to sort).
    """
    return split_sessions(with_begun(posts, compose, by), gap_minutes, by)


def session_parts(posts: pl.DataFrame, a: Assumptions = CENTRAL, split: pl.DataFrame | None = None,
                  by: list[str] = ACCOUNT) -> pl.DataFrame:
    """One row per gap-split session (not yet merged) with its span, its range estimate and its padding.

    With "gap" padding, a session of n posts placed uniformly in a session of length L leaves on
    average L/(n+1) unseen before the first and after the last post; L is the account's mean session
    length, estimated from its multi-post sessions by the unbiased range estimate span·(n+1)/(n−1).
    An account without multi-post sessions gets no padding beyond composition time.
    split: gap_sessions' (or split_sessions') result for a's gap, holding begun_<set> for a's composition
    set, to reuse it instead of re-splitting; by: the account's columns (see gap_sessions).
    """
    if posts.is_empty() and split is None:
        return pl.DataFrame(schema=PART_SCHEMA)
    if split is None:
        split = gap_sessions(posts, a.gap_minutes, {a.compose_set: a}, by)
    if a.padding == "gap":
        pad = (pl.col("mean_length_minutes") / (pl.col("count_posts").cast(pl.Float64) + 1)).fill_null(0.0)
    else:
        pad = pl.lit(0.0)
    return split.select(*by, "first_post_at", "last_post_at", pl.col(f"begun_{a.compose_set}").alias("begun_at"),
                        "count_posts", "span_minutes", "range_minutes", "mean_length_minutes", pad_minutes=pad)


def padded_intervals(parts: pl.DataFrame, by: list[str] = ACCOUNT) -> pl.DataFrame:
    """Session intervals: from the earlier of (first post − padding) and (first post begun) to last post + padding."""
    pad = pl.duration(microseconds=(pl.col("pad_minutes") * 60e6).cast(pl.Int64))
    return parts.select(
        *by, "count_posts",
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
    return merge_overlaps(padded_intervals(session_parts(posts, a)), by=ACCOUNT)


def merge_intervals(intervals: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    """Merge intervals (started_at, ended_at, count_posts) that overlap or touch within each group of `by`.

    The result is the union of the intervals, so merging already-merged pieces again (say, every
    account's sessions into one person's) gives the same intervals as merging all the raw ones.
    """
    s = intervals.select(*by, "started_at", "ended_at", "count_posts").sort(*by, "started_at")
    prev_end = pl.col("ended_at").cum_max().shift(1)
    s = s.with_columns(prev_end=prev_end.over(by) if by else prev_end)
    s = s.with_columns(g=(pl.col("prev_end").is_null() | (pl.col("started_at") > pl.col("prev_end"))).cum_sum())
    return (s.group_by("g", maintain_order=True)
            .agg(*[pl.col(c).first() for c in by], started_at=pl.col("started_at").min(),
                 ended_at=pl.col("ended_at").max(), count_posts=pl.col("count_posts").sum().cast(pl.UInt32))
            .drop("g"))


def with_session_ids(merged: pl.DataFrame) -> pl.DataFrame:
    """Merged sessions as rows of the sessions mart: a session_id of platform, account and start, and minutes."""
    out = merged.with_columns(
        session_id=pl.concat_str(["platform", "account_id", pl.col("started_at").dt.epoch("s").cast(pl.Utf8)],
                                 separator=":"),
        minutes=interval_minutes(),
    )
    return out.select(list(SESSION_SCHEMA))


def merge_overlaps(sessions: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    """Merge sessions whose intervals overlap within each group, so no minute is counted twice."""
    if sessions.is_empty():
        return pl.DataFrame(schema=SESSION_SCHEMA)
    s = merge_intervals(sessions, by)
    if "platform" not in by:
        s = s.with_columns(platform=pl.lit("all"))
    if "account_id" not in by:
        s = s.with_columns(account_id=pl.lit("all"))
    return with_session_ids(s)


def interval_minutes() -> pl.Expr:
    """Length of each interval (started_at to ended_at) in minutes: a session's `minutes`."""
    return _minutes(pl.col("ended_at") - pl.col("started_at"))
