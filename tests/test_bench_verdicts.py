"""The verdict bench: claims with a known right answer on SIMULATED executives, scored per family."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import polars as pl

from postaudit.bench.verdicts import FAMILIES, SimulatedExecutive, run_bench, summarize
from postaudit.time_on_platform import legacy_time_on_platform


def test_bench_scores_every_family_and_its_targets():
    runs = run_bench(len(FAMILIES), n_boot=50)
    summary = summarize(runs)
    assert summary["family"].to_list() == ["all", *sorted(FAMILIES)]
    assert set(runs["kind"]) == {"honest", "understated_3x", "understated_3x_total", "random"}
    # every honest claim is the true total, in each unit and direction
    honest = runs.filter(pl.col("kind") == "honest")
    assert set(honest["direction"]) == {"about", "at_least", "at_most"} and honest["truth_in_band"].all()
    assert summary.filter(pl.col("family") == "all")["audits"][0] == len(FAMILIES)


def test_bench_takes_executives_from_any_generator():
    # a hand-made executive: one 20-minute session a day with three posts, and 40 more minutes of reading
    start = datetime(2025, 3, 3, 9, tzinfo=UTC)
    posts = pl.DataFrame([{"platform": "x", "account_id": "e", "post_id": f"{d}-{k}",
                           "created_at": start + timedelta(days=d, minutes=10 * k), "kind": "original",
                           "text": "a post of some length"} for d in range(28) for k in range(3)],
                         schema={"platform": pl.Utf8, "account_id": pl.Utf8, "post_id": pl.Utf8,
                                 "created_at": pl.Datetime("us", "UTC"), "kind": pl.Utf8, "text": pl.Utf8})

    def generate(i: int, seed: int) -> SimulatedExecutive:
        return SimulatedExecutive("hand-made", posts, date(2025, 3, 3), date(2025, 3, 30), 28.0, 28 / 3,
                                  timezone="UTC")

    runs = run_bench(2, generate=generate, estimator=legacy_time_on_platform, n_boot=50)
    assert set(runs["family"]) == {"hand-made"} and runs["executive"].n_unique() == 2
    assert runs.filter(pl.col("kind") == "honest")["verdict"].is_in(["consistent", "needs_unseen_reading",
                                                                     "supported_by_posts"]).all()
