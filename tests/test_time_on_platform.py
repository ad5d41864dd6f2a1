"""The time_on_platform columns the verdicts read, from the one calibrated estimator: local days, floor, traces."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import polars as pl
import pytest

from postaudit.metrics.assumptions import WAKING_HOURS_PER_DAY
from postaudit.metrics.posting_time import to_time_on_platform
from postaudit.time_on_platform import SCHEMA, resolve, to_local

POSTS = {"platform": pl.Utf8, "account_id": pl.Utf8, "post_id": pl.Utf8, "created_at": pl.Datetime("us", "UTC"),
         "kind": pl.Utf8, "text": pl.Utf8}


def posts(times: list[datetime], account="a", text="") -> pl.DataFrame:
    return pl.DataFrame([{"platform": "x", "account_id": account, "post_id": f"{account}{i}", "created_at": t,
                          "kind": "original", "text": text} for i, t in enumerate(times)], schema=POSTS)


def traces(times: list[datetime], kind: str, account="a") -> pl.DataFrame:
    return pl.DataFrame({"platform": "x", "account_id": account, "kind": kind, "occurred_at": times},
                        schema={"platform": pl.Utf8, "account_id": pl.Utf8, "kind": pl.Utf8,
                                "occurred_at": pl.Datetime("us", "UTC")})


def test_local_days_follow_the_stated_zone_with_daylight_saving():
    # 22:30 UTC is 23:30 in Berlin in winter and 00:30 the next day in summer
    got = to_local(posts([datetime(2025, 1, 15, 22, 30, tzinfo=UTC), datetime(2025, 7, 15, 22, 30, tzinfo=UTC)]),
                   "Europe/Berlin")
    assert got[1:] == ("Europe/Berlin", "stated")
    assert got[0]["created_at"].dt.date().to_list() == [date(2025, 1, 15), date(2025, 7, 16)]
    # an inferred zone is the offset that puts the nightly lull at 03:30: posts 08:00-24:00 at UTC+5:30
    day = [datetime(2025, 3, d, tzinfo=UTC) + timedelta(hours=h - 5.5) for d in range(3, 20) for h in range(8, 24)]
    assert to_local(posts(day), None)[1:] == ("UTC+05:30", "inferred")


def test_the_verdicts_use_the_calibrated_estimator_and_nothing_else():
    assert resolve() is to_time_on_platform


def test_rows_have_the_contract_columns_per_account_and_all():
    start = datetime(2025, 3, 3, 7, 3, 17, tzinfo=UTC)  # posts with seconds on no quarter hour: not scheduled
    times = [start + timedelta(days=d, hours=h, minutes=m) for d in range(28) for h in (0, 6, 12) for m in (0, 4)]
    p = pl.concat([posts(times, "a", "hello there"), posts(times[::2], "b", "hi")])
    est = to_time_on_platform(p, first=date(2025, 3, 3), last=date(2025, 3, 30), timezone="Asia/Dubai")
    assert est.columns == list(SCHEMA) and est["account_id"].to_list() == ["a", "b", "all"]
    for r in est.iter_rows(named=True):
        assert r["count_days"] == 28 and r["timezone"] == "Asia/Dubai" and r["timezone_source"] == "stated"
        assert 0 < r["floor_hours"] <= r["posting_hours_low"] <= r["posting_hours"] <= r["posting_hours_high"]
        assert r["method"].startswith("range-padded sessions")
        assert r["baseline_waking_hours"] == pytest.approx(28 * WAKING_HOURS_PER_DAY)
        assert r["baseline_day_hours"] == 28 * 24 and r["baseline_working_hours"] == pytest.approx(62.5 * 4)
        assert r["share_day"] == pytest.approx(r["posting_hours"] / (28 * 24))
        assert r["floor_share_waking"] == pytest.approx(r["floor_hours"] / r["baseline_waking_hours"])
        # no traces: the activity columns are the posting ones
        assert r["count_traces"] == 0 and r["traces_used"] is None and r["trace_floor_hours"] == 0
        assert (r["activity_floor_hours"], r["activity_hours"], r["activity_hours_low"], r["activity_hours_high"]) \
            == (r["floor_hours"], r["posting_hours"], r["posting_hours_low"], r["posting_hours_high"])


def test_traces_raise_the_floor_and_are_reported_apart():
    start = datetime(2025, 3, 3, 7, 3, 17, tzinfo=UTC)
    times = [start + timedelta(days=d, hours=h) for d in range(28) for h in (0, 6, 12)]
    p = posts(times, "a", "hello there")
    # likes an hour after each post (reading sessions no post shows), and ad impressions beside them
    likes = [t + timedelta(hours=1, seconds=s) for t in times for s in (0, 20, 40)]
    ads = [t + timedelta(hours=1, minutes=2) for t in times]
    tr = pl.concat([traces(likes, "like"), traces(ads, "ad_impression"), traces(likes[:5], "like", account="z")])
    plain = to_time_on_platform(p, timezone="UTC").row(0, named=True)
    got = to_time_on_platform(p, timezone="UTC", traces=tr).row(0, named=True)
    # posts' own figures do not move; the traces' seconds (1 s each, merged where they overlap) are apart
    for c in ("floor_hours", "posting_hours", "posting_hours_low", "posting_hours_high", "share_working"):
        assert got[c] == plain[c]
    assert got["count_traces"] == len(likes) + len(ads)
    assert got["traces_used"] == f"like {len(likes)}, ad_impression {len(ads)}"
    assert got["trace_floor_hours"] == pytest.approx((len(likes) + len(ads)) / 3600)
    assert got["activity_floor_hours"] == pytest.approx(got["floor_hours"] + got["trace_floor_hours"])
    assert got["activity_hours"] > got["posting_hours"]
    assert got["activity_floor_hours"] <= got["activity_hours_low"] <= got["activity_hours"] <= got["activity_hours_high"]


def test_the_intervals_low_end_is_the_floor_and_the_high_end_holds_the_estimate():
    # two posts a minute apart at 9:00 and one at 13:00, every day for three weeks
    start = datetime(2025, 3, 3, 9, tzinfo=UTC)
    times = [start + timedelta(days=d, hours=h, minutes=m) for d in range(21) for h, m in ((0, 0), (0, 1), (4, 0))]
    got = to_time_on_platform(posts(times, text="a post of some length"), timezone="UTC", n_boot=50)
    for r in got.iter_rows(named=True):
        assert r["posting_hours_low"] == pytest.approx(r["floor_hours"]) and r["floor_hours"] > 0
        assert r["posting_hours_low"] <= r["posting_hours"] <= r["posting_hours_high"]
        assert r["share_working_low"] == pytest.approx(r["floor_share_working"])
