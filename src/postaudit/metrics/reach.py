"""Reach and reaction per post and per day, followers over time, and conversation metrics (frames in, frames out)."""

from __future__ import annotations

import math

import numpy as np
import polars as pl

REACTIONS = ("like_count", "reply_count", "repost_count", "quote_count")


def to_post_reactions(posts: pl.DataFrame, snapshots: pl.DataFrame) -> pl.DataFrame:
    """One row per own post (reposts excluded: their counts belong to the original) with its engagement rate.

    The rate is reactions ÷ impressions; where a platform reports no impressions it is reactions ÷ the
    followers at the latest snapshot before the post (else the earliest after), and rate_basis says which.
    """
    own = posts.filter(pl.col("kind") != "repost").select(
        "platform", "post_id", "account_id", pl.col("created_at").dt.cast_time_unit("us"), "kind",
        *REACTIONS, "bookmark_count", "impression_count")
    snaps = (snapshots.filter(pl.col("followers_count").is_not_null())
             .select("platform", "account_id", pl.col("observed_at").dt.cast_time_unit("us"), "followers_count")
             .sort("observed_at"))
    own = own.sort("created_at")
    before = own.join_asof(snaps, left_on="created_at", right_on="observed_at", by=["platform", "account_id"],
                           strategy="backward", check_sortedness=False).rename({"followers_count": "f_before"}).drop("observed_at")
    out = before.join_asof(snaps, left_on="created_at", right_on="observed_at", by=["platform", "account_id"],
                           strategy="forward", check_sortedness=False).rename({"followers_count": "f_after"}).drop("observed_at")
    reactions = pl.sum_horizontal(*[pl.col(c).fill_null(0) for c in REACTIONS])
    has_imp = pl.col("impression_count").is_not_null() & (pl.col("impression_count") > 0)
    followers = pl.coalesce("f_before", "f_after")
    return (out.with_columns(followers_at_post=followers, reactions=reactions)
            .with_columns(
                rate_basis=pl.when(has_imp).then(pl.lit("impressions"))
                .when(pl.col("followers_at_post") > 0).then(pl.lit("followers")),
                engagement_rate=pl.when(has_imp).then(pl.col("reactions") / pl.col("impression_count"))
                .when(pl.col("followers_at_post") > 0).then(pl.col("reactions") / pl.col("followers_at_post")))
            .drop("f_before", "f_after")
            .sort("platform", "account_id", "created_at"))


def to_account_reach(post_reactions: pl.DataFrame, snapshots: pl.DataFrame) -> pl.DataFrame:
    """One row per (platform, account, UTC day): followers (last snapshot that day), own posts, impressions, reactions."""
    followers = (snapshots.filter(pl.col("followers_count").is_not_null())
                 .with_columns(day=pl.col("observed_at").dt.date()).sort("observed_at")
                 .group_by("platform", "account_id", "day").agg(followers_count=pl.col("followers_count").last()))
    daily = (post_reactions.with_columns(day=pl.col("created_at").dt.date())
             .group_by("platform", "account_id", "day")
             .agg(count_posts=pl.len().cast(pl.Int64),
                  impressions=pl.col("impression_count").sum(),
                  posts_with_impressions=pl.col("impression_count").is_not_null().sum().cast(pl.Int64),
                  **{c.replace("_count", "s"): pl.col(c).sum() for c in (*REACTIONS, "bookmark_count")},
                  reactions=pl.col("reactions").sum()))
    out = (followers.join(daily, on=["platform", "account_id", "day"], how="full", coalesce=True)
           .sort("platform", "account_id", "day")
           .with_columns(
               followers_change=pl.col("followers_count").diff().over("platform", "account_id"),
               impressions_per_post=pl.when(pl.col("posts_with_impressions") > 0)
               .then(pl.col("impressions") / pl.col("posts_with_impressions")),
               reactions_per_post=pl.col("reactions") / pl.col("count_posts"))
           .with_columns(pl.col("count_posts").fill_null(0)))
    return out


def burstiness(inter_event: np.ndarray) -> dict:
    """Goh & Barabási's B = (σ−μ)/(σ+μ) and Kim & Jo's (2016) finite-size corrected A_n.

    n is the number of inter-event times and σ their population standard deviation, so r = σ/μ
    ranges up to √(n−1) and A_n = (√(n+1)·r − √(n−1)) / ((√(n+1) − 2)·r + √(n−1)) reaches 1 there.
    """
    x = np.asarray(inter_event, dtype=float)
    n = len(x)
    if n < 2 or x.mean() <= 0:
        return {"burstiness": None, "burstiness_corrected": None, "count_intervals": n}
    mu, sigma = x.mean(), x.std()
    r = sigma / mu
    b = (sigma - mu) / (sigma + mu)
    a = (math.sqrt(n + 1) * r - math.sqrt(n - 1)) / ((math.sqrt(n + 1) - 2) * r + math.sqrt(n - 1))
    return {"burstiness": float(b), "burstiness_corrected": float(a), "count_intervals": n}


CONVERSATION_SCHEMA = {"platform": pl.Utf8, "account_id": pl.Utf8, "count_posts": pl.Int64, "count_replies": pl.Int64,
                       "share_replies": pl.Float64, "count_replies_timed": pl.Int64,
                       "count_replies_target_missing": pl.Int64, "median_minutes_to_answer": pl.Float64,
                       "burstiness": pl.Float64, "burstiness_corrected": pl.Float64, "count_intervals": pl.Int64,
                       "burstiness_method": pl.Utf8}
BURSTINESS_METHOD = ("B = (σ−μ)/(σ+μ) (Goh & Barabási 2008); corrected A_n (Kim & Jo 2016), "
                     "n = inter-post intervals, population σ")


def reply_targets(posts: pl.DataFrame) -> pl.DataFrame:
    """The posts frame with target_at: when each reply's referenced post was made, if it is in the frame."""
    targets = posts.select("platform", pl.col("post_id").alias("referenced_post_id"),
                           pl.col("created_at").dt.cast_time_unit("us").alias("target_at"))
    replies = posts.filter(pl.col("kind") == "reply").select("platform", "post_id", "referenced_post_id")
    got = replies.join(targets, on=["platform", "referenced_post_id"], how="left").select(
        "platform", "post_id", "target_at")
    return posts.join(got, on=["platform", "post_id"], how="left", maintain_order="left")


def to_conversation_metrics(posts: pl.DataFrame) -> pl.DataFrame:
    """One row per (platform, account): share of replies, median time to answer, burstiness of posting.

    Time to answer needs the replied-to post: replies whose referenced_post_id is in the warehouse are
    measured (reply time − target time), the rest are skipped and counted. When the frame holds only some
    accounts, give it a target_at column (the replied-to post's time, looked up across all posts);
    without one, targets are looked up in the frame itself.
    """
    if "target_at" not in posts.columns:
        posts = reply_targets(posts)
    p = posts.select("platform", "account_id", pl.col("created_at").dt.cast_time_unit("us"), "kind",
                     pl.col("target_at").dt.cast_time_unit("us")).sort("platform", "account_id", "created_at",
                                                                       nulls_last=True)
    answer = (pl.col("created_at") - pl.col("target_at")).dt.total_seconds() / 60
    reply = pl.col("kind") == "reply"
    timed = reply & answer.is_not_null() & (answer >= 0)
    per_account = p.group_by("platform", "account_id", maintain_order=True).agg(
        count_posts=pl.len().cast(pl.Int64), count_replies=reply.sum().cast(pl.Int64),
        count_replies_timed=timed.sum().cast(pl.Int64), median_minutes_to_answer=answer.filter(timed).median(),
        gaps=pl.col("created_at").diff().dt.total_seconds().drop_nulls().cast(pl.Float64))
    bursts = pl.DataFrame([burstiness(g.to_numpy()) for g in per_account["gaps"]],
                          schema={"burstiness": pl.Float64, "burstiness_corrected": pl.Float64,
                                  "count_intervals": pl.Int64})
    out = pl.concat([per_account.drop("gaps"), bursts], how="horizontal").with_columns(
        share_replies=pl.when(pl.col("count_posts") > 0).then(pl.col("count_replies") / pl.col("count_posts")),
        count_replies_target_missing=pl.col("count_replies") - pl.col("count_replies_timed"),
        burstiness_method=pl.lit(BURSTINESS_METHOD))
    return out.select(list(CONVERSATION_SCHEMA)).cast(CONVERSATION_SCHEMA)
