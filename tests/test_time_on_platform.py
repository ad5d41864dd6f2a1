"""The time_on_platform columns the verdicts read, from the gap-padding adapter: local days, floor, baselines."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import polars as pl
import pytest

from postaudit.metrics.assumptions import WAKING_HOURS_PER_DAY
from postaudit.time_on_platform import (
    SCHEMA,
    floor_hours,
    legacy_time_on_platform,
    offset_name,
    resolve,
    to_local,
)

POSTS = {"platform": pl.Utf8, "account_id": pl.Utf8, "post_id": pl.Utf8, "created_at": pl.Datetime("us", "UTC"),
         "kind": pl.Utf8, "text": pl.Utf8}


def posts(times: list[datetime], account="a", text="") -> pl.DataFrame:
    return pl.DataFrame([{"platform": "x", "account_id": account, "post_id": f"{account}{i}", "created_at": t,
                          "kind": "original", "text": text} for i, t in enumerate(times)], schema=POSTS)


def test_local_days_follow_the_stated_zone_with_daylight_saving():
    # 22:30 UTC is 23:30 in Berlin in winter and 00:30 the next day in summer
    got = to_local(posts([datetime(2025, 1, 15, 22, 30, tzinfo=UTC), datetime(2025, 7, 15, 22, 30, tzinfo=UTC)]),
                   "Europe/Berlin")
    assert got[1:] == ("Europe/Berlin", "stated")
    assert got[0]["created_at"].dt.date().to_list() == [date(2025, 1, 15), date(2025, 7, 16)]
    assert offset_name(5.5) == "UTC+05:30" and offset_name(-3) == "UTC-03:00"


def test_floor_is_composition_time_before_each_post_merged():
    t = datetime(2025, 3, 3, 9, tzinfo=UTC)
    # conservative composition: 45 s for an original plus 4 characters a second; two posts 10 s apart overlap
    p = posts([t, t + timedelta(seconds=10), t + timedelta(hours=2)], text="x" * 20)
    assert floor_hours(p, date(2025, 3, 3), date(2025, 3, 3)) == pytest.approx((50 + 10 + 50) / 3600)


def test_rows_have_the_contract_columns_per_account_and_all():
    start = datetime(2025, 3, 3, 7, tzinfo=UTC)
    times = [start + timedelta(days=d, hours=h, minutes=m) for d in range(28) for h in (0, 6, 12) for m in (0, 4)]
    p = pl.concat([posts(times, "a", "hello there"), posts(times[::2], "b", "hi")])
    est = legacy_time_on_platform(p, first=date(2025, 3, 3), last=date(2025, 3, 30), timezone="Asia/Dubai",
                                  n_boot=50)
    assert est.columns == list(SCHEMA) and est["account_id"].to_list() == ["a", "b", "all"]
    for r in est.iter_rows(named=True):
        assert r["count_days"] == 28 and r["timezone"] == "Asia/Dubai" and r["timezone_source"] == "stated"
        assert 0 < r["floor_hours"] <= r["posting_hours_low"] <= r["posting_hours"] <= r["posting_hours_high"]
        assert r["method"].startswith("gap-padding estimator")
        assert r["baseline_waking_hours"] == pytest.approx(28 * WAKING_HOURS_PER_DAY)
        assert r["baseline_day_hours"] == 28 * 24 and r["baseline_working_hours"] == pytest.approx(62.5 * 4)
        assert r["share_day"] == pytest.approx(r["posting_hours"] / (28 * 24))
        assert r["floor_share_waking"] == pytest.approx(r["floor_hours"] / r["baseline_waking_hours"])
    a, b, merged = est.rows(named=True)
    assert merged["posting_hours"] >= max(a["posting_hours"], b["posting_hours"])  # b's posts are a's: merged once
    assert merged["posting_hours"] <= a["posting_hours"] + b["posting_hours"]
    assert callable(resolve())
