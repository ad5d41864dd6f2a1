"""Group chats: how long a message stays on screen, and the replies the executive's messages draw vs others'.

Frame contract (the `group_messages` relation): platform, chat_id, message_id, sender_id, sent_at,
reply_to_message_id, is_executive.
"""

from __future__ import annotations

import polars as pl

GROUP_SCHEMA = {"platform": pl.Utf8, "chat_id": pl.Utf8, "k": pl.Int64, "count_messages": pl.Int64,
                "count_executive": pl.Int64, "median_seconds_on_screen": pl.Float64,
                "p25_seconds_on_screen": pl.Float64, "p75_seconds_on_screen": pl.Float64,
                "median_seconds_on_screen_executive": pl.Float64, "replies_per_message_executive": pl.Float64,
                "replies_per_message_others": pl.Float64, "reply_ratio": pl.Float64}


def seconds_on_screen(messages: pl.DataFrame, k: int) -> pl.DataFrame:
    """Each message's time until k newer messages have arrived in its chat (null for the last k: still on screen)."""
    if k < 1:
        raise ValueError("k must be at least 1")
    return (messages.sort("platform", "chat_id", "sent_at", "message_id")
            .with_columns(seconds_on_screen=(pl.col("sent_at").shift(-k).over("platform", "chat_id")
                                             - pl.col("sent_at")).dt.total_microseconds() / 1e6))


def to_group_chat_metrics(messages: pl.DataFrame, ks: tuple[int, ...] = (1, 5, 10, 20)) -> pl.DataFrame:
    """One row per (platform, chat, k): on-screen time percentiles and replies drawn, executive vs others."""
    if messages.is_empty():
        return pl.DataFrame(schema=GROUP_SCHEMA)
    replies = (messages.filter(pl.col("reply_to_message_id").is_not_null())
               .group_by("platform", "chat_id", pl.col("reply_to_message_id").alias("message_id"))
               .agg(replies=pl.len().cast(pl.Int64)))
    m = (messages.join(replies, on=["platform", "chat_id", "message_id"], how="left")
         .with_columns(pl.col("replies").fill_null(0), pl.col("is_executive").fill_null(False)))
    frames = []
    for k in ks:
        s = seconds_on_screen(m, k)
        exe, other = pl.col("is_executive"), ~pl.col("is_executive")
        frames.append(s.group_by("platform", "chat_id").agg(
            k=pl.lit(k, dtype=pl.Int64),
            count_messages=pl.len().cast(pl.Int64),
            count_executive=exe.sum().cast(pl.Int64),
            median_seconds_on_screen=pl.col("seconds_on_screen").median(),
            p25_seconds_on_screen=pl.col("seconds_on_screen").quantile(0.25),
            p75_seconds_on_screen=pl.col("seconds_on_screen").quantile(0.75),
            median_seconds_on_screen_executive=pl.col("seconds_on_screen").filter(exe).median(),
            replies_per_message_executive=pl.col("replies").filter(exe).mean(),
            replies_per_message_others=pl.col("replies").filter(other).mean(),
        ))
    out = pl.concat(frames).with_columns(
        reply_ratio=pl.when(pl.col("replies_per_message_others") > 0)
        .then(pl.col("replies_per_message_executive") / pl.col("replies_per_message_others")))
    return out.select(list(GROUP_SCHEMA)).cast(GROUP_SCHEMA).sort("platform", "chat_id", "k")
