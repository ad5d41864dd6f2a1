"""Claims registry (file + press) and the verdict rules."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from postaudit.claims import CLAIMS_SCHEMA, judge_share, load_claims_file, to_claims, to_verdicts
from postaudit.sources.errors import InputError

EXAMPLE = Path(__file__).resolve().parents[1] / "docs" / "claims.example.toml"
GOOD = """
[[claim]]
id = "a"
text = "I spend 20% of my time on Twitter"
platform = "Twitter"
metric = "time_share"
value = 20
unit = "percent"
"""


def write(tmp_path, text, name="claims.toml"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_example_file_loads():
    claims = load_claims_file(EXAMPLE)
    assert claims.height == 2
    assert claims["claim_id"].to_list() == ["file:rowan-vale-gbd-interview", "file:rowan-vale-two-hours"]
    assert claims["platform"].to_list() == ["x", "all"]
    assert str(claims["period_start"][1]) == "2025-09-01"


def test_platform_names_normalised_and_yaml_accepted(tmp_path):
    assert load_claims_file(write(tmp_path, GOOD))["platform"][0] == "x"
    yml = "claim:\n  - {id: b, text: t, metric: time_per_day, value: 2, unit: hours_per_day}\n"
    assert load_claims_file(write(tmp_path, yml, "c.yaml"))["unit"][0] == "hours_per_day"


@pytest.mark.parametrize("change, message", [
    (('value = 20', 'value = "lots"'), r"claim\[0\] \(a\)\.value: must be a non-negative number"),
    (('unit = "percent"', 'unit = "hours"'), r"claim\[0\] \(a\)\.unit: 'hours' does not fit metric 'time_share'"),
    (('metric = "time_share"', 'metric = "vibes"'), r"claim\[0\] \(a\)\.metric: 'vibes' is not one of"),
    (('id = "a"\n', ''), r"claim\[0\]\.id: required"),
    (('platform = "Twitter"', 'platfrom = "x"'), r"claim\[0\] \(a\)\: unknown field\(s\) \['platfrom'\]"),
    (('unit = "percent"', 'unit = "percent"\nperiod = "September"'), r"\.period: 'September' is not"),
    (('unit = "percent"', 'unit = "percent"\ntolerance = 5'), r"\.tolerance: must be a relative tolerance"),
    (('value = 20', 'value = 20\nvalue = 21'), r"not valid TOML"),
])
def test_bad_file_names_file_and_field(tmp_path, change, message):
    path = write(tmp_path, GOOD.replace(*change))
    with pytest.raises(InputError, match=message) as err:
        load_claims_file(path)
    assert str(path) in str(err.value)


def test_duplicate_ids_rejected(tmp_path):
    with pytest.raises(InputError, match=r"claim\[1\] \(a\)\.id: duplicate"):
        load_claims_file(write(tmp_path, GOOD + GOOD))


@pytest.mark.parametrize("claimed, low, high, verdict", [
    (0.10, 0.20, 0.30, "contradicted (more than claimed)"),      # floor 0.20 > 0.125
    (0.20, 0.16, 0.40, "supported"),                            # floor within 0.15..0.25
    (0.60, 0.02, 0.10, "contradicted (less than claimed, assuming reading ≤ 3× posting time)"),  # 0.4 < 0.45
    (0.40, 0.02, 0.10, "not contradicted"),                      # 0.4 ≥ 0.30: reading could make it up
])
def test_verdict_rules(claimed, low, high, verdict):
    assert judge_share(claimed, low, high, tolerance=0.25, k_max=3.0)[0] == verdict


def estimates_frame(cons_low=0.05, central=0.1, lib_high=0.3):
    common = {"platform": "x", "account_id": "a", "window_start": pl.date(2025, 9, 1), "count_days": 28,
              "count_posts": 500}
    rows = []
    for name, share, lo, hi, week in (("conservative", 0.06, cons_low, 0.07, 70.0),
                                      ("central", central, central * 0.8, central * 1.2, 62.5),
                                      ("liberal", 0.25, 0.2, lib_high, 50.0)):
        rows.append({"assumption_set": name, "share": share, "ci_low": lo, "ci_high": hi,
                     "baseline_hours": week * 4, "share_waking": share / 2, "ci_low_waking": lo / 2,
                     "ci_high_waking": hi / 2, "n_boot": 100, "block_days": 7, "level": 0.95})
    return pl.DataFrame(rows).with_columns(**{k: pl.lit(v) for k, v in common.items() if k != "window_start"},
                                           window_start=common["window_start"], window_end=pl.date(2025, 9, 28))


def claims_frame(rows):
    return to_claims(pl.DataFrame(rows, schema={k: CLAIMS_SCHEMA[k] for k in rows[0]}))


def test_verdict_rows_carry_estimate_interval_tipping_point_and_assumptions():
    claims = claims_frame([
        {"claim_id": "s", "kind": "time_share", "platform": "x", "value": 20.0, "unit": "percent"},
        {"claim_id": "h", "kind": "time_per_day", "platform": "x", "value": 1.0, "unit": "hours_per_day"},
        {"claim_id": "e", "kind": "headcount", "platform": None, "value": 1000.0, "unit": "people"},
        {"claim_id": "t", "kind": "time_share", "platform": "telegram", "value": 5.0, "unit": "percent"},
    ])
    v = {r["claim_id"]: r for r in to_verdicts(claims, estimates_frame()).iter_rows(named=True)}
    s = v["s"]
    assert s["verdict"] == "not contradicted" and s["estimate"] == pytest.approx(0.1)
    assert s["ci_low"] == pytest.approx(0.05) and s["ci_high"] == pytest.approx(0.3)
    assert s["tipping_point"] == pytest.approx(2.0) and s["count_posts"] == 500
    assert "3,200" in s["missing"] and "deleted" in s["missing"] and "scheduled" in s["missing"]
    assert set(json.loads(s["assumptions"])["sets"]) == {"conservative", "central", "liberal"}
    # 1 h/day against the central baseline of 62.5·4 h over 28 days: 0.1 share = 0.893 h/day observed
    assert v["h"]["tipping_point"] == pytest.approx(1.0 / (0.1 * 250 / 28))
    assert v["e"]["verdict"] == "not testable (headcount)" and v["e"]["estimate"] is None
    assert v["t"]["verdict"] == "not testable (no data)"


def test_build_judges_demo_claim_and_file_claims(tmp_path, sim_files):
    from postaudit import warehouse
    from postaudit.build import build_metrics, build_sql
    from postaudit.sources import press_rss, twarc_jsonl

    db = tmp_path / "wh.duckdb"
    con = warehouse.connect(db)
    try:
        warehouse.ensure_raw(con)
        warehouse.land_raw(con, "raw_x_pages", twarc_jsonl.fetch_pages(sim_files["timeline"]),
                           warehouse.Provenance("twarc_jsonl", str(sim_files["timeline"])))
        for f in sim_files["feeds"]:
            warehouse.land_raw(con, "raw_press_items", press_rss.fetch_file(f), warehouse.Provenance("rss_file", str(f)))
        build_sql(con)
        bad = write(tmp_path, GOOD.replace("value = 20", "value = -1"), "bad.toml")
        with pytest.raises(InputError, match="bad.toml: claim\\[0\\] \\(a\\)\\.value"):
            build_metrics(con, n_boot=100, claims_file=bad)
        assert not warehouse.table_exists(con, "claim_verdicts")  # nothing built from a bad claims file
        (tmp_path / "claims.toml").write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
        counts = build_metrics(con, n_boot=100)  # picks up claims.toml beside the warehouse
        for name in ("sessions", "daily_activity", "post_reactions", "timeshare_estimates", "timeshare_weekly",
                     "timeshare_sensitivity", "account_timezone", "account_reach", "conversation_metrics",
                     "claims", "claim_verdicts"):
            assert counts[name] > 0, name
        rows = con.execute("""select c.origin, v.verdict, v.estimate, v.ci_low, v.ci_high, v.tipping_point,
                                     v.assumptions, v.window_start, v.window_end, v.count_posts
                              from claims c join claim_verdicts v using (claim_id)
                              where c.kind = 'time_share' order by c.origin""").fetchall()
        assert {r[0] for r in rows} == {"press", "file:claims.toml"}
        for _, verdict, est, lo, hi, k, assumptions, start, end, n in rows:
            assert verdict in ("supported", "not contradicted") or verdict.startswith("contradicted")
            assert lo <= est <= hi and k > 0 and json.loads(assumptions)["k_max"] == 3.0 and start < end and n > 0
        period = con.execute("""select window_start, window_end from claim_verdicts
                                where claim_id = 'file:rowan-vale-two-hours'""").fetchall()[0]
        assert str(period[0]) >= "2025-09-01" and str(period[1]) <= "2025-09-30"
        assert warehouse.scalar(con, "select count(*) from claims") == warehouse.scalar(
            con, "select count(*) from claim_verdicts")
    finally:
        con.close()


def test_claims_are_judged_against_the_speakers_own_account():
    # two executives on X: "a" posts more, "b" belongs to the speaker and posts less
    big = estimates_frame(central=0.1).with_columns(account_id=pl.lit("a"), count_posts=pl.lit(900))
    small = estimates_frame(central=0.02).with_columns(account_id=pl.lit("b"), count_posts=pl.lit(100))
    estimates = pl.concat([big, small])
    names = {("x", "a"): "Jane Doe jdoe", ("x", "b"): "Rowan Vale (SIMULATED) rowanvale_sim"}
    claims = claims_frame([
        {"claim_id": "vale", "kind": "time_share", "platform": "x", "value": 20.0, "unit": "percent",
         "speaker": "Rowan Vale"},
        {"claim_id": "stranger", "kind": "time_share", "platform": "x", "value": 20.0, "unit": "percent",
         "speaker": "Max Mustermann"},
        {"claim_id": "anon", "kind": "time_share", "platform": "x", "value": 20.0, "unit": "percent",
         "speaker": None},
    ])
    v = {r["claim_id"]: r for r in to_verdicts(claims, estimates, account_names=names).iter_rows(named=True)}
    assert v["vale"]["account_id"] == "b" and v["vale"]["estimate"] == pytest.approx(0.02)
    assert v["stranger"]["verdict"] == "not testable (speaker)" and "Mustermann" in v["stranger"]["reason"]
    # with no speaker the rule stays: the account with the most posts, and the reason says so
    assert v["anon"]["account_id"] == "a" and "most posts" in v["anon"]["reason"]
