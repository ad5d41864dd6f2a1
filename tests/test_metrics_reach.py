"""Reach, reactions, conversation and group-chat metrics on hand-built frames."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
import pytest

from postaudit.metrics.groupchat import seconds_on_screen, to_group_chat_metrics
from postaudit.metrics.reach import burstiness, to_account_reach, to_conversation_metrics, to_post_reactions

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
US = pl.Datetime("us", "UTC")


def posts_frame():
    return pl.DataFrame({
        "platform": ["x", "x", "x", "bluesky"], "post_id": ["1", "2", "3", "b1"], "account_id": ["a", "a", "a", "b"],
        "created_at": [T0, T0 + timedelta(minutes=30), T0 + timedelta(hours=2), T0 + timedelta(hours=1)],
        "kind": ["original", "reply", "repost", "original"], "referenced_post_id": [None, "1", "9", None],
        "like_count": [10, 2, 500, 4], "reply_count": [3, 0, 50, 1], "repost_count": [5, 0, 70, 0],
        "quote_count": [2, 0, 5, 0], "bookmark_count": [1, 0, 9, 0], "impression_count": [1000, 0, 9000, None],
    }).with_columns(pl.col("created_at").cast(US))


def snapshots_frame():
    return pl.DataFrame({
        "platform": ["x", "bluesky", "bluesky"], "account_id": ["a", "b", "b"],
        "observed_at": [T0 - timedelta(days=1), T0 - timedelta(hours=1), T0 + timedelta(days=1)],
        "followers_count": [5000, 200, 260],
    }).with_columns(pl.col("observed_at").cast(US))


def test_reactions_exclude_reposts_and_label_the_rate_basis():
    r = to_post_reactions(posts_frame(), snapshots_frame())
    assert sorted(r["post_id"].to_list()) == ["1", "2", "b1"]  # the repost's counts belong to the original
    by = {row["post_id"]: row for row in r.iter_rows(named=True)}
    assert by["1"]["rate_basis"] == "impressions" and by["1"]["engagement_rate"] == pytest.approx(20 / 1000)
    # zero impressions is not a usable denominator: falls back to followers (5000), labelled so
    assert by["2"]["rate_basis"] == "followers" and by["2"]["engagement_rate"] == pytest.approx(2 / 5000)
    assert by["b1"]["rate_basis"] == "followers" and by["b1"]["engagement_rate"] == pytest.approx(5 / 200)


def test_account_reach_per_day_has_followers_and_impressions():
    reach = to_account_reach(to_post_reactions(posts_frame(), snapshots_frame()), snapshots_frame())
    x_day = reach.filter((pl.col("platform") == "x") & (pl.col("day") == T0.date())).row(0, named=True)
    assert x_day["count_posts"] == 2 and x_day["impressions"] == 1000 and x_day["likes"] == 12
    b = reach.filter(pl.col("platform") == "bluesky").sort("day")
    assert b["followers_count"].to_list() == [200, 260] and b["followers_change"].to_list() == [None, 60]


def test_burstiness_known_values_and_finite_size_correction():
    assert burstiness(np.full(50, 10.0))["burstiness"] == pytest.approx(-1)  # periodic
    assert burstiness(np.full(50, 10.0))["burstiness_corrected"] == pytest.approx(-1)
    n = 9
    extreme = np.array([0.0] * (n - 1) + [100.0])  # r = √(n−1): Kim & Jo's A_n is exactly 1, raw B is not
    b = burstiness(extreme)
    assert b["burstiness_corrected"] == pytest.approx(1)
    assert b["burstiness"] == pytest.approx((math.sqrt(n - 1) - 1) / (math.sqrt(n - 1) + 1))
    rng = np.random.default_rng(0)
    assert abs(burstiness(rng.exponential(5, 20000))["burstiness"]) < 0.02  # Poisson ≈ 0
    assert burstiness(np.array([5.0]))["burstiness"] is None


def test_conversation_metrics_time_to_answer_only_for_targets_in_warehouse():
    posts = posts_frame().vstack(posts_frame().filter(pl.col("post_id") == "2").with_columns(
        post_id=pl.lit("4"), referenced_post_id=pl.lit("not-here"), created_at=pl.col("created_at") + pl.duration(hours=3)))
    cm = to_conversation_metrics(posts).filter(pl.col("platform") == "x").row(0, named=True)
    assert cm["count_posts"] == 4 and cm["count_replies"] == 2 and cm["share_replies"] == pytest.approx(0.5)
    assert cm["count_replies_timed"] == 1 and cm["count_replies_target_missing"] == 1
    assert cm["median_minutes_to_answer"] == pytest.approx(30)


def chat():
    # chat c1: messages every 10 s; the executive's m0 and m4 draw 2 and 1 replies, others' messages 1 in total
    rows = []
    for i in range(8):
        rows.append({"platform": "telegram", "chat_id": "c1", "message_id": f"m{i}", "sender_id": "ceo" if i in (0, 4) else f"u{i}",
                     "sent_at": T0 + timedelta(seconds=10 * i), "reply_to_message_id": None, "is_executive": i in (0, 4)})
    rows[1]["reply_to_message_id"] = "m0"
    rows[2]["reply_to_message_id"] = "m0"
    rows[5]["reply_to_message_id"] = "m4"
    rows[6]["reply_to_message_id"] = "m5"
    return pl.DataFrame(rows).with_columns(pl.col("sent_at").cast(US))


def test_seconds_on_screen_is_time_until_k_newer_messages():
    s = seconds_on_screen(chat(), k=3)
    assert s["seconds_on_screen"].to_list() == [30.0] * 5 + [None] * 3


def test_group_chat_metrics_compare_executive_with_others():
    g = to_group_chat_metrics(chat(), ks=(2,)).row(0, named=True)
    assert g["count_messages"] == 8 and g["count_executive"] == 2
    assert g["median_seconds_on_screen"] == pytest.approx(20)
    assert g["replies_per_message_executive"] == pytest.approx(1.5)
    assert g["replies_per_message_others"] == pytest.approx(1 / 6)
    assert g["reply_ratio"] == pytest.approx(9)
    assert to_group_chat_metrics(chat().head(0)).is_empty()
