"""The time-share marts built from session summaries agree with the one-person estimator and across slicings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
import pytest

from postaudit.metrics.assumptions import ALL, CENTRAL
from postaudit.metrics.reach import to_conversation_metrics
from postaudit.metrics.timeshare import (
    SEGMENTATION,
    all_estimates,
    all_sensitivity,
    all_weekly,
    block_indices,
    draw_counts,
    estimate,
    merge_summaries,
    to_session_summary,
    to_timeshare_estimates,
    to_timeshare_sensitivity,
    to_timeshare_weekly,
)
from postaudit.metrics.timezone import infer_timezone, to_account_timezone

T0 = datetime(2025, 3, 3, tzinfo=UTC)  # a Monday


def bursts(account: str, start: datetime, days: int, seed: int, platform: str = "x") -> pl.DataFrame:
    """A few bursts of posts a day (SIMULATED), mixed kinds and text lengths."""
    rng = np.random.default_rng(seed)
    times = [start + timedelta(hours=12), start + timedelta(days=days - 1, hours=12)]  # the window is `days` long
    for d in range(days):
        for _ in range(rng.integers(0, 4)):
            t = start + timedelta(days=d, hours=float(rng.uniform(6, 22)))
            for _ in range(rng.integers(1, 6)):
                times.append(t)
                t += timedelta(minutes=float(rng.exponential(6)))
    kinds = rng.choice(["original", "reply", "quote", "repost"], size=len(times))
    return pl.DataFrame({
        "platform": platform, "account_id": account, "post_id": [f"{account}-{i}" for i in range(len(times))],
        "created_at": times, "kind": kinds, "text": ["x" * int(n) for n in rng.integers(0, 200, len(times))],
    }).with_columns(pl.col("created_at").dt.cast_time_unit("us"))


def rows_by(frame: pl.DataFrame, *keys: str) -> dict:
    return {tuple(r[k] for k in keys): r for r in frame.iter_rows(named=True)}


def assert_rows_close(got: dict, want: dict) -> None:
    assert got.keys() == want.keys()
    for k, row in want.items():
        for col, value in row.items():
            if isinstance(value, float):
                assert got[k][col] == pytest.approx(value, rel=1e-9, abs=1e-12), (k, col)
            else:
                assert got[k][col] == value, (k, col)


@pytest.fixture(scope="module")
def posts() -> pl.DataFrame:
    # a and b: windows of the same length starting on different weekdays (one bootstrap batch, different
    # baselines); c: on another platform, overlapping a; d: one-post sessions only (no mean session length)
    d = pl.DataFrame({"platform": "x", "account_id": "d", "post_id": ["d0", "d1"], "kind": "original",
                      "created_at": [T0, T0 + timedelta(days=2)], "text": "hi"}).with_columns(
        pl.col("created_at").dt.cast_time_unit("us"))
    return pl.concat([bursts("a", T0, 40, 1), bursts("b", T0 + timedelta(days=3), 40, 2),
                      bursts("c", T0 + timedelta(days=10), 25, 3, platform="telegram"), d], how="diagonal_relaxed")


def test_draw_counts_count_the_block_bootstrap_draws():
    # wrapping blocks, a cut last block, blocks longer than the window, single-day blocks
    for n, n_boot, block in [(1, 10, 7), (5, 50, 7), (7, 300, 1), (8, 100, 7), (30, 200, 7), (100, 50, 30)]:
        idx = block_indices(n, n_boot, block, seed=3)
        want = np.zeros((n, n_boot))
        np.add.at(want, (idx, np.arange(n_boot)[:, None]), 1)
        assert np.array_equal(draw_counts(n, n_boot, block, 3), want)


def test_each_account_row_is_the_one_person_estimate(posts):
    est = rows_by(to_timeshare_estimates(posts, n_boot=300), "platform", "account_id", "assumption_set")
    for (platform, account), group in posts.group_by("platform", "account_id"):
        for a in ALL.values():
            want = estimate(group, a, n_boot=300)
            if a.name == "central":
                short = estimate(group, SEGMENTATION, n_boot=300)
                assert est[(platform, account, "central")]["ci_low_segmentation"] == pytest.approx(
                    min(want["ci_low"], short["ci_low"]), rel=1e-9)
            assert_rows_close({0: est[(platform, account, a.name)]}, {0: want})
    assert est[("x", "d", "central")]["mean_session_minutes"] is None


def test_all_rows_are_the_estimate_over_every_post(posts):
    est = rows_by(to_timeshare_estimates(posts, n_boot=300).filter(pl.col("platform") == "all"), "assumption_set")
    assert_rows_close(est, {(a.name,): estimate(posts, a, n_boot=300) for a in ALL.values()})


def test_stacked_summaries_give_the_same_all_rows(posts):
    whole = to_session_summary(posts)
    parts = [to_session_summary(posts.filter(pl.col("account_id").is_in(ids))).for_all() for ids in (["a", "c"], ["b"], ["d"])]
    stacked = merge_summaries(parts)
    assert_rows_close(rows_by(pl.DataFrame(all_estimates(stacked, n_boot=200)), "assumption_set"),
                      rows_by(pl.DataFrame(all_estimates(whole, n_boot=200)), "assumption_set"))
    assert_rows_close(rows_by(pl.DataFrame(all_sensitivity(stacked)), "gap_minutes", "compose_set", "weekly_work_hours"),
                      rows_by(to_timeshare_sensitivity(posts).filter(pl.col("platform") == "all"),
                              "gap_minutes", "compose_set", "weekly_work_hours"))
    assert_rows_close(rows_by(pl.DataFrame(all_weekly(stacked, CENTRAL, n_boot=100)), "week_start"),
                      rows_by(to_timeshare_weekly(posts, n_boot=100).filter(pl.col("platform") == "all"), "week_start"))


def test_conversation_metrics_take_reply_targets_from_outside_the_frame():
    a = pl.DataFrame({"platform": "x", "account_id": "a", "post_id": ["a1"], "kind": "original",
                      "referenced_post_id": [None], "created_at": [T0]})
    b = pl.DataFrame({"platform": "x", "account_id": "b", "post_id": ["b1", "b2"], "kind": "reply",
                      "referenced_post_id": ["a1", "gone"], "created_at": [T0 + timedelta(minutes=12)] * 2})
    both = pl.concat([a, b], how="diagonal_relaxed").with_columns(pl.col("created_at").dt.cast_time_unit("us"))
    whole = to_conversation_metrics(both).filter(pl.col("account_id") == "b")
    # b alone, with the target time looked up elsewhere (as the build does in SQL), gives the same row
    alone = both.filter(pl.col("account_id") == "b").with_columns(
        target_at=pl.when(pl.col("referenced_post_id") == "a1").then(pl.lit(T0)).cast(pl.Datetime("us", "UTC")))
    assert to_conversation_metrics(alone).equals(whole)
    row = whole.row(0, named=True)
    assert row["count_replies_timed"] == 1 and row["median_minutes_to_answer"] == pytest.approx(12)
    # without a target column, a frame of b alone cannot time the answer
    assert to_conversation_metrics(both.filter(pl.col("account_id") == "b"))["count_replies_timed"][0] == 0


def test_account_timezone_is_infer_timezone_per_account(posts):
    tz = rows_by(to_account_timezone(posts, n_boot=100), "platform", "account_id")
    for (platform, account), group in posts.group_by("platform", "account_id"):
        assert tz[(platform, account)] == {"platform": platform, "account_id": account,
                                           **infer_timezone(group, n_boot=100)}
    assert tz[("x", "d")]["utc_offset_hours"] is None  # 2 posts: too few
