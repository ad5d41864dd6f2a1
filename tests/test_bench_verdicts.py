"""The verdict bench: claims with a known right answer on SIMULATED executives, scored per family."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import polars as pl

from postaudit.bench.verdicts import SimulatedExecutive, family_simulator, run_bench, summarize
from postaudit.metrics.posting_time import to_time_on_platform
from postaudit.simulator.families import FAMILIES
from postaudit.simulator.unseen import UNSEEN


def test_bench_scores_every_family_of_the_simulator_and_its_targets():
    names = [*FAMILIES, *UNSEEN]
    runs = run_bench(len(names), n_boot=50)
    summary = summarize(runs)
    assert summary["family"].to_list() == ["all", *sorted(names)]
    assert set(runs["kind"]) == {"honest", "understated_3x", "understated_3x_at_most", "understated_3x_total",
                                 "overstated_3x", "overstated_3x_at_least", "random"}
    # dishonest claims lie outside their band: understated ones below the truth, overstated ones above it
    for kind, above in (("understated_3x_total", True), ("overstated_3x", False), ("overstated_3x_at_least", False)):
        rows = runs.filter(pl.col("kind") == kind)
        assert not rows["truth_in_band"].any() and (rows["truth_above_band"] == above).all()
    wrong = summary.filter(pl.col("family") == "all")["wrong_contradiction_rate"][0]
    assert wrong != wrong or 0 <= wrong <= 1   # NaN when nothing was contradicted
    # every honest claim is the true total, in each unit and direction; the calibrated estimator judged them
    honest = runs.filter(pl.col("kind") == "honest")
    assert set(honest["direction"]) == {"about", "at_least", "at_most"} and honest["truth_in_band"].all()
    assert summary.filter(pl.col("family") == "all")["audits"][0] == len(names)
    assert runs["method"].str.starts_with("range-padded sessions").all()


def test_the_simulated_truth_holds_reading_and_traces_stay_inside_sessions():
    for i in range(8):
        ex = family_simulator(days=21, traces=1.0)(i, 3)
        assert ex.true_total_hours >= ex.true_posting_hours > 0
        assert ex.first <= ex.last and (ex.last - ex.first).days == 20


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

    runs = run_bench(2, generate=generate, estimator=to_time_on_platform, n_boot=50)
    assert set(runs["family"]) == {"hand-made"} and runs["executive"].n_unique() == 2
    assert runs.filter(pl.col("kind") == "honest")["verdict"].is_in(["consistent", "needs_unseen_reading",
                                                                     "supported_by_posts"]).all()
