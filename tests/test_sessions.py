"""Known-answer tests for sessions and the time-share arithmetic."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import polars as pl
import pytest

from postaudit.metrics.assumptions import CENTRAL
from postaudit.metrics.sessions import merge_overlaps, to_sessions
from postaudit.metrics.timeshare import baseline_minutes, block_bootstrap_ratio

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)  # a Monday


def posts(offsets_min, kinds=None, text="x" * 30):
    kinds = kinds or ["repost"] * len(offsets_min)
    return pl.DataFrame({
        "platform": "x", "account_id": "1", "post_id": [str(i) for i in range(len(offsets_min))],
        "created_at": [T0 + timedelta(minutes=m) for m in offsets_min], "kind": kinds, "text": text,
    }).with_columns(pl.col("created_at").dt.cast_time_unit("us"))


def test_gaps_split_sessions_and_single_posts_are_not_zero():
    floor = CENTRAL.replace(padding="compose")
    s = to_sessions(posts([0, 5, 20, 100, 300]), floor)  # 30-min threshold: {0,5,20} {100} {300}
    assert s["count_posts"].to_list() == [3, 1, 1]
    repost = CENTRAL.compose_seconds["repost"] / 60
    assert s["minutes"].to_list() == pytest.approx([20 + repost, repost, repost])
    # gap padding: mean length L = 20·(3+1)/(3−1) = 40 min; each session gets L/(n+1) at both ends
    g = to_sessions(posts([0, 5, 20, 100, 300]), CENTRAL)
    assert g["minutes"].to_list() == pytest.approx([20 + 2 * 40 / 4, 2 * 40 / 2, 2 * 40 / 2])


def test_composition_time_depends_on_kind_and_length():
    s = to_sessions(posts([0], kinds=["original"], text="y" * 300), CENTRAL)
    expected = (CENTRAL.compose_seconds["original"] + 300 / CENTRAL.typing_chars_per_second) / 60
    assert s["minutes"][0] == pytest.approx(expected)


def test_overlapping_sessions_merge_once():
    frame = pl.DataFrame({
        "platform": ["x", "telegram"], "account_id": ["1", "1"],
        "started_at": [T0, T0 + timedelta(minutes=10)], "ended_at": [T0 + timedelta(minutes=20), T0 + timedelta(minutes=30)],
        "count_posts": [2, 3],
    }).with_columns(pl.col("started_at", "ended_at").dt.cast_time_unit("us"))
    merged = merge_overlaps(frame, by=["account_id"])
    assert merged.height == 1
    assert merged["minutes"][0] == pytest.approx(30)
    assert merged["count_posts"][0] == 5


def test_baseline_splits_week_like_porter_nohria():
    days = pl.Series(pl.date_range(date(2025, 3, 3), date(2025, 3, 9), "1d", eager=True))  # Mon..Sun
    base = baseline_minutes(days, 62.5)
    assert base.sum() == pytest.approx(62.5 * 60)
    assert base[0] / base[6] == pytest.approx(9.7 / 3.9)


def test_block_bootstrap_interval_contains_ratio_and_is_degenerate_for_constant_series():
    rng = np.random.default_rng(1)
    num = rng.gamma(2, 30, size=70)
    den = np.full(70, 500.0)
    lo, hi = block_bootstrap_ratio(num, den, n_boot=500, seed=2)
    assert lo < num.sum() / den.sum() < hi
    lo, hi = block_bootstrap_ratio(np.full(28, 50.0), np.full(28, 500.0), n_boot=200)
    assert lo == pytest.approx(0.1) and hi == pytest.approx(0.1)
