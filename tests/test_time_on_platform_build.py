"""time_on_platform end to end: SIMULATED executives → twarc2 JSONL → import x-jsonl → build → the mart vs truth."""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

from postaudit import warehouse
from postaudit.build import window_time_on_platform
from postaudit.cli import app
from postaudit.metrics.calibration import MIN_DAYS
from postaudit.metrics.calibration import load as load_calibration
from postaudit.metrics.posting_model import FEATURES
from postaudit.metrics.posting_time import TIME_ON_PLATFORM_SCHEMA, to_time_on_platform
from postaudit.simulator.behaviour import Behaviour, simulate_executive
from postaudit.simulator.traces import TraceHabit, with_traces
from postaudit.simulator.wire import write_jsonl
from postaudit.sources import simulated

EXECUTIVES = {
    "111": Behaviour(timezone="Europe/Berlin"),
    "222": Behaviour(timezone="Asia/Kolkata", scheduled_per_day=3, scheduled_minutes=(0, 30), placement=(0.6, 4.0)),
    "333": Behaviour(timezone="America/New_York", p_post=0.1, sessions_weekday=25, posts_per_session=1.2),
}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("top")
    exes = {uid: simulate_executive(b, seed=int(uid), days=24, start=date(2025, 10, 13), user_id=uid)
            for uid, b in EXECUTIVES.items()}
    path = write_jsonl([(e, f"sim_{uid}") for uid, e in exes.items()], tmp / "timeline.jsonl")
    db = tmp / "wh.duckdb"
    runner = CliRunner()
    assert runner.invoke(app, ["import", "x-jsonl", str(path), "--db", str(db)]).exit_code == 0
    r = runner.invoke(app, ["build", "--db", str(db), "--n-boot", "100"])
    assert r.exit_code == 0, r.output
    con = warehouse.connect(db)
    try:
        mart = con.sql("select * from time_on_platform").pl()
        window = window_time_on_platform(con)
        claim = {k: window(k, date(2025, 10, 20), date(2025, 11, 2), "Europe/Berlin") for k in ("x", "all")}
    finally:
        con.close()
    return exes, mart, claim


def _posts(exes) -> pl.DataFrame:
    return pl.concat([e.posts.select("created_at", "kind", "text_chars", "source").with_columns(
        platform=pl.lit("x"), account_id=pl.lit(uid)) for uid, e in exes.items()])


def test_build_fills_the_mart_with_the_contract_columns_one_row_per_account_and_all(built):
    _, mart, _ = built
    assert mart.columns == list(TIME_ON_PLATFORM_SCHEMA)
    assert sorted(mart["account_id"].to_list()) == ["111", "222", "333", "all"]
    assert mart.filter(pl.col("platform") == "all").height == 1


def test_the_mart_equals_the_benchmark_path_on_the_same_posts(built):
    exes, mart, _ = built
    direct = to_time_on_platform(_posts(exes))
    numeric = [c for c, t in TIME_ON_PLATFORM_SCHEMA.items() if t == pl.Float64]
    a = mart.sort("platform", "account_id")
    b = direct.sort("platform", "account_id")
    assert a.select("platform", "account_id", "timezone", "window_start", "window_end", "count_posts",
                    "count_scheduled_excluded").equals(
        b.select("platform", "account_id", "timezone", "window_start", "window_end", "count_posts",
                 "count_scheduled_excluded"))
    for c in numeric:
        assert a[c].to_list() == pytest.approx(b[c].to_list(), rel=1e-9, nan_ok=True), c


def test_the_mart_against_the_simulated_truth(built):
    exes, mart, _ = built
    rows = {r["account_id"]: r for r in mart.iter_rows(named=True)}
    for uid, e in exes.items():
        r = rows[uid]
        assert r["floor_hours"] <= e.truth_hours                       # a floor is a floor
        assert r["posting_hours_low"] <= r["posting_hours"] <= r["posting_hours_high"]
        assert r["posting_hours_high"] > r["posting_hours_low"]        # 24 days: a real interval
        assert 1 / 3 < r["posting_hours"] / e.truth_hours < 3
        assert r["count_days"] >= 23 and r["timezone_source"] == "inferred"
    # the team's posts on the hour and half hour are excluded, the others' own posts are not
    assert rows["222"]["count_scheduled_excluded"] >= 0.9 * int(exes["222"].posts["scheduled"].sum())
    assert rows["111"]["count_scheduled_excluded"] <= 2
    assert rows["all"]["count_posts"] == sum(r["count_posts"] for k, r in rows.items() if k != "all")


def test_a_stated_zone_and_window_cut_local_days_and_short_windows_get_no_interval(built):
    exes, _, _ = built
    posts = _posts({"111": exes["111"]})
    week = to_time_on_platform(posts, timezone="Europe/Berlin", first=date(2025, 10, 20), last=date(2025, 10, 26),
                               merged=False)
    r = week.row(0, named=True)
    assert r["count_days"] == 7 and r["baseline_day_hours"] == 7 * 24 + 1      # clocks went back on 26 October
    assert r["posting_hours_low"] is not None                                  # 7 days: calibrated
    three = to_time_on_platform(posts, timezone="Europe/Berlin", first=date(2025, 10, 20), last=date(2025, 10, 22),
                                merged=False).row(0, named=True)
    assert three["count_days"] < MIN_DAYS
    assert three["posting_hours_low"] is None and three["posting_hours_high"] is None
    assert three["share_working_low"] is None and "no calibrated interval" in three["method"]
    assert three["posting_hours"] >= three["floor_hours"] > 0


def test_a_claims_window_is_estimated_from_the_warehouse_as_from_the_posts(built):
    exes, _, claim = built
    direct = to_time_on_platform(_posts(exes), first=date(2025, 10, 20), last=date(2025, 11, 2),
                                 timezone="Europe/Berlin")
    assert claim["x"].equals(direct.filter(pl.col("platform") != "all"))
    assert claim["all"].equals(direct.filter(pl.col("platform") == "all"))
    assert claim["x"]["count_days"].to_list() == [14] * 3


def test_the_shipped_calibration_table_matches_the_model():
    table = load_calibration()
    assert table.features == tuple(FEATURES)
    assert len(table.y) >= 1000 and table.delta >= 0
    assert len(set(table.family.tolist())) == len(table.families)
    # the low end is the floor; δ of the upper end covers the family that needs most
    assert table.floor_low and table.scores is not None
    assert np.isclose(table.delta, max(float(np.quantile(table.scores[table.family == f], 0.95))
                                       for f in range(len(table.families))), atol=1e-5)


def test_build_reads_activity_events_and_a_stated_zone(tmp_path):
    # the traces land as the simulated source lands its own (raw_sim_traces), and the build makes activity_events
    e = simulate_executive(Behaviour(timezone="Asia/Kolkata"), seed=5, days=21, start=date(2025, 10, 13),
                           user_id="444")
    e = with_traces(e, TraceHabit(like_sessions=0.6, ad_sessions=0.4), seed=2)
    path = write_jsonl([(e, "sim_444")], tmp_path / "timeline.jsonl")
    db = tmp_path / "wh.duckdb"
    runner = CliRunner()
    assert runner.invoke(app, ["import", "x-jsonl", str(path), "--db", str(db)]).exit_code == 0
    traces = tmp_path / "traces.jsonl"
    traces.write_text("".join(json.dumps({"platform": "x", "account_id": "444", "kind": t["kind"], "target_id": str(i),
                                          "occurred_at": t["occurred_at"].strftime("%Y-%m-%dT%H:%M:%SZ")}) + "\n"
                              for i, t in enumerate(e.traces.iter_rows(named=True))))
    con = warehouse.connect(db)
    try:
        assert simulated.land_traces(con, traces)["new_records"] == e.traces.height
    finally:
        con.close()
    bad = runner.invoke(app, ["build", "--db", str(db), "--timezone", "Mars/Olympus"])
    assert bad.exit_code != 0 and "Mars/Olympus" in bad.output
    r = runner.invoke(app, ["build", "--db", str(db), "--n-boot", "100", "--timezone", "Asia/Kolkata"])
    assert r.exit_code == 0, r.output
    con = warehouse.connect(db)
    try:
        row = con.sql("select * from time_on_platform where account_id = '444'").pl().row(0, named=True)
    finally:
        con.close()
    assert row["timezone"] == "Asia/Kolkata" and row["timezone_source"] == "stated"
    assert 0 < row["count_traces"] <= e.traces.height and row["traces_used"].startswith(("like", "ad_impression"))
    assert row["floor_hours"] < row["activity_floor_hours"] <= e.truth_activity_hours
    assert row["activity_hours"] > row["posting_hours"]
