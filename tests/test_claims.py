"""The claims file, press + file claims in one relation, and claim_verdicts assembled from what the data show."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from postaudit.claims import (
    CLAIMS_SCHEMA,
    Verdict,
    check_claims_file,
    load_claims_file,
    press_claim_id,
    to_claims,
)
from postaudit.sources.errors import InputError
from postaudit.time_on_platform import SCHEMA as TOP_SCHEMA
from postaudit.verdicts import (
    VERDICT_SCHEMA,
    FrameInputs,
    claim_window,
    data_warnings,
    to_verdicts,
    verdict_line,
)

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


# ---------------------------------------------------------------- the claims file

def test_example_file_loads_with_directions_dates_and_details():
    claims = load_claims_file(EXAMPLE)
    by_id = {r["claim_id"]: r for r in claims.iter_rows(named=True)}
    share = by_id["file:rowan-vale-gbd-interview"]
    assert share["platform"] == "x" and share["direction"] == "about" and share["published_at"] is not None
    tops = by_id["file:rowan-vale-two-hours"]
    assert tops["direction"] == "at_most" and str(tops["period_start"]) == "2025-09-01"
    assert json.loads(by_id["file:rowan-vale-platforms"]["detail"])["sequence"] == ["wechat", "slack", "telegram"]
    assert all(c.startswith("file:") for c in claims["claim_id"])


def test_direction_date_timezone_and_range(tmp_path):
    text = GOOD.replace('unit = "percent"', 'unit = "percent"\ndirection = "at_most"\ndate = 2025-03-04\n'
                        'timezone = "Asia/Kolkata"\naccount = "@cz_sim"')
    c = load_claims_file(write(tmp_path, text)).row(0, named=True)
    assert c["direction"] == "at_most"
    # the claim's date is midnight in its own zone
    assert c["published_at"] == datetime(2025, 3, 3, 18, 30, tzinfo=UTC)
    assert json.loads(c["detail"]) == {"account": "cz_sim", "timezone": "Asia/Kolkata"}
    rng = GOOD.replace("value = 20", "value_low = 200000\nvalue_high = 900000").replace(
        '"time_share"', '"group_members"').replace('"percent"', '"members"').replace('"Twitter"', '"telegram"')
    r = load_claims_file(write(tmp_path, rng)).row(0, named=True)
    assert (r["value_low"], r["value"], r["value_high"]) == (200000, 550000, 900000)
    # kinds without a number need none
    ama = 'id = "b"\ntext = "whenever I speak it becomes an AMA"\nmetric = "ama_effect"\nplatform = "telegram"\n'
    b = load_claims_file(write(tmp_path, "[[claim]]\n" + ama)).row(0, named=True)
    assert b["value"] is None and b["unit"] is None and b["direction"] is None


def test_platform_names_normalised_and_yaml_accepted(tmp_path):
    assert load_claims_file(write(tmp_path, GOOD))["platform"][0] == "x"
    yml = "claim:\n  - {id: b, text: t, metric: time_per_day, value: 2, unit: hours_per_day, date: 2025-01-02}\n"
    got = load_claims_file(write(tmp_path, yml, "c.yaml")).row(0, named=True)
    assert got["unit"] == "hours_per_day" and got["published_at"] == datetime(2025, 1, 2, tzinfo=UTC)


@pytest.mark.parametrize("change, message", [
    (('value = 20', 'value = "lots"'), r"claim\[0\] \(a\)\.value: must be a non-negative number"),
    (('unit = "percent"', 'unit = "hours"'), r"claim\[0\] \(a\)\.unit: 'hours' does not fit metric 'time_share'"),
    (('metric = "time_share"', 'metric = "vibes"'), r"claim\[0\] \(a\)\.metric: 'vibes' is not one of"),
    (('id = "a"\n', ''), r"claim\[0\]\.id: required"),
    (('platform = "Twitter"', 'platfrom = "x"'), r"claim\[0\] \(a\)\: unknown field\(s\) \['platfrom'\]"),
    (('platform = "Twitter"', 'platform = "linkdin"'), r"\.platform: 'linkdin' is not a known platform \(did you "
                                                       r"mean 'linkedin'\?\)"),
    (('unit = "percent"', 'unit = "percent"\nperiod = "September"'), r"\.period: 'September' is not"),
    (('unit = "percent"', 'unit = "percent"\ntolerance = 5'), r"\.tolerance: must be a relative tolerance"),
    (('unit = "percent"', 'unit = "percent"\ndirection = "roughly"'), r"\.direction: 'roughly' is not one of"),
    (('unit = "percent"', 'unit = "percent"\ndate = "last spring"'), r"\.date: 'last spring' is not a date"),
    (('unit = "percent"', 'unit = "percent"\ntimezone = "Mars/Olympus"'), r"\.timezone: 'Mars/Olympus' is not"),
    (('value = 20', 'value = 20\nvalue = 21'), r"not valid TOML"),
])
def test_bad_file_names_file_and_field(tmp_path, change, message):
    path = write(tmp_path, GOOD.replace(*change))
    with pytest.raises(InputError, match=message) as err:
        load_claims_file(path)
    assert str(path) in str(err.value)


def test_every_error_is_reported_at_once(tmp_path):
    bad = GOOD.replace('platform = "Twitter"', 'platform = "linkdin"').replace("value = 20", "value = -1")
    other = ('[[claim]]\nid = "c"\ntext = "t"\nmetric = "platform_history"\n')
    claims, errors = check_claims_file(write(tmp_path, bad + GOOD.replace('id = "a"', 'id = "ok"') + other + bad))
    assert claims["claim_id"].to_list() == ["file:ok"]
    assert len(errors) == 6
    assert sum(".platform: 'linkdin'" in e for e in errors) == 2 and sum(".value:" in e for e in errors) == 2
    assert any("claim[2] (c).detail.sequence: required" in e for e in errors)
    assert any("claim[3] (a).id: duplicate" in e for e in errors)
    with pytest.raises(InputError, match=r"^6 errors in the claims file:\n"):
        load_claims_file(tmp_path / "claims.toml")


def test_duplicate_ids_rejected(tmp_path):
    with pytest.raises(InputError, match=r"claim\[1\] \(a\)\.id: duplicate"):
        load_claims_file(write(tmp_path, GOOD + GOOD))


# ---------------------------------------------------------------- press + file claims

OLD_PRESS = {"claim_id": pl.Utf8, "article_id": pl.Utf8, "kind": pl.Utf8, "metric": pl.Utf8, "platform": pl.Utf8,
             "value": pl.Float64, "unit": pl.Utf8, "sentence": pl.Utf8, "speaker": pl.Utf8, "story_id": pl.Utf8,
             "language": pl.Utf8, "origin": pl.Utf8, "is_simulated": pl.Boolean,
             "published_at": pl.Datetime("us", "UTC"), "source_url": pl.Utf8}


def test_older_press_rows_become_one_claim_per_story_with_the_earliest_copy():
    day = datetime(2025, 9, 11, 11, tzinfo=UTC)
    row = {"kind": "time_share", "metric": "time_share", "platform": "x", "value": 20.0, "unit": "percent",
           "sentence": '"I spend about 20% of my time on Twitter," Vale said.', "speaker": "Rowan Vale",
           "story_id": "s1", "language": "en", "origin": "press", "is_simulated": True}
    old = pl.DataFrame([
        {**row, "claim_id": "h2", "article_id": "a2", "published_at": day + timedelta(hours=2), "source_url": "u2"},
        {**row, "claim_id": "h1", "article_id": "a1", "published_at": day, "source_url": "u1"},
        {**row, "claim_id": "h3", "article_id": "a3", "story_id": "s2", "value": 1000.0, "kind": "headcount",
         "metric": "headcount", "unit": "people", "published_at": day, "source_url": "u3"},
    ], schema=OLD_PRESS)
    claims = to_claims(old)
    assert claims.columns == list(CLAIMS_SCHEMA) and claims.height == 2
    share = claims.filter(pl.col("metric") == "time_share").row(0, named=True)
    assert share["article_id"] == "a1" and share["count_copies"] == 2 and share["source_url"] == "u1"
    assert share["claim_id"] == press_claim_id("s1", "time_share", "x", 20.0, None, row["sentence"])
    assert share["value_low"] == share["value_high"] == 20.0 and share["self_report"] is True
    # rows already in the claims schema (stream 15's) pass unchanged, and file claims join them
    again = to_claims(claims, load_claims_file(EXAMPLE))
    assert again.filter(pl.col("origin") == "press").equals(claims)
    assert again.filter(pl.col("origin").str.starts_with("file:")).height == load_claims_file(EXAMPLE).height


# ---------------------------------------------------------------- verdicts on hand-made estimates

START = date(2025, 6, 1)


def top_row(first=START, last=START + timedelta(days=89), platform="x", account_id="a", **over) -> dict:
    """A time_on_platform row: 90 days, 18 posting hours (0.2 h a day), interval 15–22, floor 4."""
    days = (last - first).days + 1
    working, waking, whole = 62.5 / 7 * days, 17.1 * days, 24.0 * days
    row = {"platform": platform, "account_id": account_id, "window_start": first, "window_end": last,
           "timezone": "UTC+08:00", "timezone_source": "inferred", "count_days": days, "count_posts": 900,
           "count_scheduled_excluded": 12, "floor_hours": 4.0, "posting_hours": 18.0, "posting_hours_low": 15.0,
           "posting_hours_high": 22.0, "baseline_working_hours": working, "baseline_waking_hours": waking,
           "baseline_day_hours": whole, "method": "hand-made", **over}
    for name in ("working", "waking", "day"):
        base = row[f"baseline_{name}_hours"]
        row |= {f"share_{name}": row["posting_hours"] / base, f"share_{name}_low": row["posting_hours_low"] / base,
                f"share_{name}_high": row["posting_hours_high"] / base,
                f"floor_share_{name}": row["floor_hours"] / base}
    return row


def hand_made(**over):
    """An estimator that returns top_row for the window it is asked about (per account, and 'all')."""
    calls = []

    def estimator(posts, *, first=None, last=None, timezone=None, n_boot=0, seed=0):
        calls.append((first, last, timezone))
        accounts = posts.select("platform", "account_id").unique().rows()
        rows = [top_row(first, last, p, a, **over) for p, a in accounts] + [top_row(first, last, "all", "all", **over)]
        return pl.DataFrame(rows, schema=TOP_SCHEMA)

    estimator.calls = calls
    return estimator


def posts_frame(days=200, per_day=10, accounts=(("x", "a"),), start=datetime(2025, 3, 1, 8, tzinfo=UTC)):
    rows = [{"platform": p, "account_id": a, "post_id": f"{a}{d}-{k}", "created_at": start + timedelta(days=d, minutes=7 * k),
             "kind": "original", "text_chars": 40}
            for p, a in accounts for d in range(days) for k in range(per_day)]
    return pl.DataFrame(rows, schema={"platform": pl.Utf8, "account_id": pl.Utf8, "post_id": pl.Utf8,
                                      "created_at": pl.Datetime("us", "UTC"), "kind": pl.Utf8, "text_chars": pl.Int64})


def claim(cid="c", metric="time_per_day", value=0.2, unit="hours_per_day", direction="about", platform="x",
          made=datetime(2025, 9, 1, tzinfo=UTC), **more) -> dict:
    return {"claim_id": cid, "story_id": cid, "metric": metric, "value": value, "value_low": value,
            "value_high": value, "unit": unit, "direction": direction, "platform": platform, "published_at": made,
            "sentence": "I spend some time on X", "origin": "file:claims.toml", "is_simulated": False, **more}


def judge(claims: list[dict], inputs=None, estimator=None):
    keys = dict.fromkeys(k for c in claims for k in c)
    frame = to_claims(pl.DataFrame(), pl.DataFrame(claims, schema={k: CLAIMS_SCHEMA[k] for k in keys}))
    got = to_verdicts(frame, inputs or FrameInputs(posts_frame()), estimator=estimator or hand_made(), n_boot=50)
    assert got.columns == list(VERDICT_SCHEMA) and got["claim_id"].n_unique() == got.height == frame.height
    return {r["claim_id"]: r for r in got.iter_rows(named=True)}


def test_verdict_rows_carry_figures_in_the_claims_unit_with_window_and_missing():
    est = hand_made()
    v = judge([claim("perday", value=0.2), claim("perweek", metric="time_per_week", value=84, unit="minutes_per_week"),
               claim("share", metric="time_share", value=2.0, unit="percent")], estimator=est)
    d = v["perday"]
    assert d["verdict"] == Verdict.CONSISTENT and d["verdict_text"] == "consistent"
    assert d["estimate"] == pytest.approx(18 / 90) and d["floor"] == pytest.approx(4 / 90)
    assert (d["estimate_low"], d["estimate_high"]) == (pytest.approx(15 / 90), pytest.approx(22 / 90))
    assert (d["claimed_low"], d["claimed_high"]) == (pytest.approx(0.15), pytest.approx(0.25))
    # the 90 days before the claim (1 Sep), in the claim's unit; scheduled posts and the zone named
    assert (d["window_start"], d["window_end"], d["window_basis"]) == (date(2025, 6, 3), date(2025, 8, 31),
                                                                       "before_claim")
    assert d["count_days"] == 90 and d["count_scheduled_excluded"] == 12 and d["timezone"] == "UTC+08:00"
    assert "12 probably scheduled posts" in d["missing"] and "deleted" in d["missing"]
    assert est.calls[0][:2] == (date(2025, 6, 3), date(2025, 8, 31))
    assert v["perweek"]["estimate"] == pytest.approx(18 / 90 * 7 * 60)
    share = v["share"]
    assert share["baseline"] in ("working", "waking", "day") and share["share_working"] == pytest.approx(
        18 / (62.5 / 7 * 90))
    assert share["estimate"] == pytest.approx(share[f"share_{share['baseline']}"] * 100)
    assert json.loads(share["assumptions"])["baselines"]["working"].startswith("working hours: 62.5 h")


def test_direction_decides_between_understated_and_consistent():
    v = judge([claim("about", value=0.05), claim("most", value=0.05, direction="at_most"),
               claim("least", value=0.05, direction="at_least"), claim("floor", value=0.03, direction="at_most"),
               claim("high", value=2.0), claim("waking", value=20.0, direction="at_least")])
    assert v["about"]["verdict"] == Verdict.PROBABLY_UNDERSTATED      # 0.0375..0.0625 < 15/90
    assert v["most"]["verdict"] == Verdict.PROBABLY_UNDERSTATED
    assert v["least"]["verdict"] == Verdict.CONSISTENT                 # floor 4/90 = 0.044 < 0.05 ≤ the interval
    assert v["floor"]["verdict_text"] == "contradicted (posts alone prove more)"  # floor 0.044 > 0.03
    assert v["high"]["verdict"] == Verdict.NEEDS_UNSEEN_READING and v["high"]["r_star"] == pytest.approx(9.0)
    assert v["waking"]["verdict_text"] == "contradicted (more than the whole waking day)"


def test_my_time_is_judged_against_three_baselines():
    # 18 h in 90 days: 2.2% of working hours, 1.2% of waking hours, 0.83% of the day
    v = judge([claim("s1", metric="time_share", value=1.2, unit="percent"),
               claim("s2", metric="time_share", value=0.1, unit="percent"),
               claim("s3", metric="time_share", value=40, unit="percent")])
    assert v["s1"]["verdict"] == Verdict.CONSISTENT and v["s1"]["baseline"] == "waking"
    # 0.1% of any baseline is below the floor everywhere: contradicted, since every baseline agrees
    assert v["s2"]["verdict"] == Verdict.CONTRADICTED
    assert v["s3"]["verdict"] == Verdict.NEEDS_UNSEEN_READING and "other baselines" in v["s3"]["reason"]


def test_windows_fall_back_to_the_data_nearest_the_date_and_need_14_days():
    c = claim(made=datetime(2026, 6, 1, tzinfo=UTC))
    w = claim_window(c, date(2025, 3, 1), date(2025, 9, 16))
    assert (w.first, w.last, w.basis) == (date(2025, 6, 19), date(2025, 9, 16), "data_span")
    assert "hold 0 days of data" in w.note
    early = claim_window(claim(made=datetime(2025, 3, 5, tzinfo=UTC)), date(2025, 3, 1), date(2025, 9, 16))
    assert (early.first, early.last) == (date(2025, 3, 1), date(2025, 5, 29))
    undated = claim_window(claim(made=None), date(2025, 3, 1), date(2025, 9, 16))
    assert undated.last == date(2025, 9, 16) and undated.days == 90 and "no date" in undated.note
    period = claim_window(claim(period_start=date(2025, 9, 1), period_end=date(2025, 9, 30)),
                          date(2025, 3, 1), date(2025, 9, 16))
    assert (period.first, period.last, period.basis) == (date(2025, 9, 1), date(2025, 9, 16), "period")
    v = judge([claim("short", period_start=date(2025, 9, 10), period_end=date(2025, 9, 30)),
               claim("nodata", platform="telegram")])
    assert v["short"]["verdict_text"] == "not testable (too few days)" and v["short"]["count_days"] == 7
    assert v["nodata"]["verdict_text"] == "not testable (no data)"
    warnings = data_warnings(pl.DataFrame(list(v.values()), schema=VERDICT_SCHEMA))
    assert [w.split(":")[0] for w in warnings] == ["short", "nodata"]


def test_claims_are_judged_against_the_speakers_own_account():
    posts = pl.concat([posts_frame(per_day=20, accounts=(("x", "a"),)), posts_frame(per_day=5, accounts=(("x", "b"),))])
    accounts = FrameInputs(posts).accounts().with_columns(
        display_name=pl.when(pl.col("account_id") == "b").then(pl.lit("Rowan Vale (SIMULATED)"))
        .otherwise(pl.lit("Jane Doe")))
    v = judge([claim("vale", speaker="Rowan Vale"), claim("stranger", speaker="Max Mustermann"),
               claim("anon"), claim("named", detail=json.dumps({"account": "a"})),
               claim("missing", detail=json.dumps({"account": "zz"}))], FrameInputs(posts, accounts))
    assert v["vale"]["account_id"] == "b"
    assert v["stranger"]["verdict_text"] == "not testable (speaker)" and "Mustermann" in v["stranger"]["reason"]
    assert v["anon"]["account_id"] == "a" and "most posts" in v["anon"]["reason"]
    assert v["named"]["account_id"] == "a"
    assert v["missing"]["verdict_text"] == "not testable (account)"


def test_posts_per_day_counts_every_post_with_an_interval_over_days():
    v = judge([claim("pd", metric="posts_per_day", value=10, unit="posts_per_day"),
               claim("pw", metric="posts_per_week", value=20, unit="posts_per_week"),
               claim("few", metric="posts_per_day", value=1, unit="posts_per_day", direction="at_most")])
    assert v["pd"]["verdict"] == Verdict.CONSISTENT and v["pd"]["estimate"] == pytest.approx(10)
    assert v["pd"]["estimate_low"] <= 10 <= v["pd"]["estimate_high"] and v["pd"]["count_posts"] == 900
    assert v["pw"]["verdict"] == Verdict.CONTRADICTED and v["pw"]["estimate"] == pytest.approx(70)
    assert v["few"]["verdict_text"] == "contradicted (more posts than claimed)"


def test_history_absence_headcount_and_other_kinds():
    posts = posts_frame(days=30, accounts=(("x", "a"), ("telegram", "t")))
    accounts = FrameInputs(posts).accounts().with_columns(
        account_created_at=pl.when(pl.col("platform") == "x").then(pl.lit(datetime(2025, 4, 1, tzinfo=UTC)))
        .otherwise(None).cast(pl.Datetime("us", "UTC")),
        last_observed_at=pl.lit(datetime(2025, 6, 1, tzinfo=UTC)))
    inputs = FrameInputs(posts, accounts)
    v = judge([claim("order", metric="platform_history", value=None, unit=None, direction=None, platform=None,
                     detail=json.dumps({"sequence": ["x", "telegram"]})),
               claim("wrong", metric="platform_history", value=None, unit=None, direction=None, platform=None,
                     detail=json.dumps({"sequence": ["wechat", "telegram"]})),
               claim("quit", metric="quit_or_absent", value=None, unit=None, direction=None, platform="telegram",
                     detail=json.dumps({"since": "2025-03-10"})),
               claim("gone", metric="quit_or_absent", value=None, unit=None, direction=None, platform="telegram",
                     detail=json.dumps({"since": "2025-04-15"})),
               claim("fb", metric="quit_or_absent", value=None, unit=None, direction=None, platform="facebook",
                     detail=json.dumps({"since": "2019-01-01"})),
               claim("staff", metric="headcount", value=1000, unit="people", platform=None)], inputs)
    # x's account was created 1 Apr, after telegram's first activity (1 Mar): "x first" cannot hold
    assert v["order"]["verdict_text"] == "contradicted (order)"
    assert v["wrong"]["verdict_text"] == "not testable (accounts missing)" and v["wrong"]["reason"] == (
        "of the platforms the claim names (wechat and telegram), the warehouse holds activity on telegram; importing "
        "the person's accounts or chat exports on wechat would make the order testable")
    assert v["quit"]["verdict_text"] == "contradicted (active after the date)" and v["quit"]["count_posts"] == 200
    assert v["gone"]["verdict"] == Verdict.CONSISTENT
    assert v["fb"]["verdict_text"] == "not testable (no account)" and "facebook account" in v["fb"]["reason"]
    assert v["staff"]["verdict"] == Verdict.NOT_TESTABLE and "company register" in v["staff"]["reason"]


def test_one_line_per_verdict():
    v = judge([claim("perday", value=0.2, direction="at_most")])["perday"]
    line = verdict_line(v)
    assert line.startswith("consistent — time per day on x: claimed at most 0.2 hours per day; measured 0.2 hours "
                           "per day")
    assert "[perday]" in line and "\n" not in line


# ---------------------------------------------------------------- through the build, on the simulator's files

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
        assert counts["claims"] == counts["claim_verdicts"] > 0
        rows = con.sql("""select c.origin, v.* from claims c join claim_verdicts v using (claim_id)
                          where c.metric = 'time_share'""").pl()
        assert set(rows["origin"]) == {"press", "file:claims.toml"}
        for r in rows.iter_rows(named=True):
            assert r["verdict"] in {v.value for v in Verdict}
            assert r["estimate_low"] <= r["estimate"] <= r["estimate_high"] and r["floor"] <= r["estimate"]
            assert r["window_start"] < r["window_end"] and r["count_posts"] > 0 and r["account_id"]
            assert r["method"] and r["timezone"]
        period = con.execute("""select window_start, window_end, window_basis from claim_verdicts
                                where claim_id = 'file:rowan-vale-two-hours'""").fetchall()[0]
        assert str(period[0]) >= "2025-09-01" and str(period[1]) <= "2025-09-30" and period[2] == "period"
    finally:
        con.close()
