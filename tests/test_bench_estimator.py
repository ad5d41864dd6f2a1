"""`postaudit bench estimator`: the per-family table on a few SIMULATED executives (the real run is in docs)."""

from __future__ import annotations

import json

import numpy as np
from typer.testing import CliRunner

from postaudit.bench import estimator as bench
from postaudit.cli import app


def test_quick_bench_prints_every_figure_per_family_with_the_held_out_columns(tmp_path):
    r = CliRunner().invoke(app, ["bench", "estimator", "--quick", "--executives", "6", "--families",
                                 "classic,pickup_rate", "--cache", str(tmp_path), "--days", "14,30"])
    assert r.exit_code == 0, r.output
    summary = {row["family"]: row for row in json.loads(r.output.strip().splitlines()[-1])["summary"]}
    assert set(summary) == {"classic", "pickup_rate"}
    for row in summary.values():
        for key in ("coverage", "median_width_rel", "floor_holds_all", "median_bias", "heldout_coverage",
                    "heldout_median_width_rel"):
            assert row[key] is not None
    assert summary["pickup_rate"]["test_only"] and not summary["classic"]["test_only"]
    assert list(tmp_path.glob("test-classic-*.parquet"))   # cached for the next run


def test_unknown_family_is_one_line_error(tmp_path):
    r = CliRunner().invoke(app, ["bench", "estimator", "--families", "nobody", "--cache", str(tmp_path)])
    assert r.exit_code != 0 and "unknown families nobody" in r.output


def test_held_out_scoring_keeps_the_family_and_its_mixed_carriers_out():
    table = bench.shipped_table()
    names = bench.trait_names()
    bit = 1 << names.index("phone_pickups")
    carriers = (table.bits & bit) != 0
    pickups = table.family == table.families.index("phone_pickups")
    mixed = table.family == table.families.index("mixed")
    assert carriers[pickups].all() and carriers[mixed].any() and not carriers[mixed].all()
    assert bench.held_out_parts(table)["delta_without"].keys() == set(table.families)


def test_delta_covers_the_family_that_needs_most():
    scores = np.r_[np.zeros(90), np.linspace(0, 1, 11)[1:]]
    family = np.r_[np.zeros(90, int), np.ones(10, int)]
    assert np.isclose(bench.worst_family_quantile(scores, family, 0.95), np.quantile(scores[90:], 0.95))
    assert bench.worst_family_quantile(scores, family, 0.95, skip=1) == 0.0
