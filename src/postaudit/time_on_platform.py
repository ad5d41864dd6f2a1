"""Posting-session time per account and local window, in the `time_on_platform` columns the verdicts read.

The calibrated estimator lives in postaudit.metrics.posting_time (its `to_time_on_platform`); where that
module is absent, `legacy_time_on_platform` gives the same columns from the gap-padding estimator in
metrics/timeshare.py, so the verdicts work end to end. Which one ran is in each row's `method`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import polars as pl

from postaudit.metrics.assumptions import CONSERVATIVE, WAKING_HOURS_PER_DAY
from postaudit.metrics.sessions import merge_intervals, with_begun
from postaudit.metrics.timeshare import to_timeshare_estimates
from postaudit.metrics.timezone import infer_timezone

SCHEMA = {
    "platform": pl.Utf8, "account_id": pl.Utf8, "window_start": pl.Date, "window_end": pl.Date,
    "timezone": pl.Utf8, "timezone_source": pl.Utf8, "count_days": pl.Int64, "count_posts": pl.Int64,
    "count_scheduled_excluded": pl.Int64, "floor_hours": pl.Float64, "posting_hours": pl.Float64,
    "posting_hours_low": pl.Float64, "posting_hours_high": pl.Float64, "baseline_working_hours": pl.Float64,
    "baseline_waking_hours": pl.Float64, "baseline_day_hours": pl.Float64,
    **{f"{s}{b}{e}": pl.Float64 for b in ("working", "waking", "day") for s, e in
       (("share_", ""), ("share_", "_low"), ("share_", "_high"), ("floor_share_", ""))},
    "method": pl.Utf8,
}
LEGACY_METHOD = ("gap-padding estimator (metrics/timeshare.py, central 30-min gap; interval from the 10- and "
                 "30-min bootstraps); not calibrated across behaviour families")
TimeOnPlatform = Callable[..., pl.DataFrame]


def offset_name(hours: float) -> str:
    """A fixed UTC offset as 'UTC+05:30'."""
    sign = "+" if hours >= 0 else "-"
    minutes = round(abs(hours) * 60)
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def to_local(posts: pl.DataFrame, timezone: str | None) -> tuple[pl.DataFrame, str, str]:
    """Posts with created_at moved to local wall-clock time (still typed UTC, so UTC-day code cuts local days).

    timezone: an IANA name (daylight saving included), else inferred from the posts' daily rhythm
    (whole-hour offsets), else UTC. Returns the posts, the zone's name and whether it was stated or inferred.
    """
    if timezone:
        local = posts.with_columns(pl.col("created_at").dt.convert_time_zone(timezone)
                                   .dt.replace_time_zone(None).dt.replace_time_zone("UTC"))
        return local, timezone, "stated"
    offset = infer_timezone(posts, n_boot=100)["utc_offset_hours"] if posts.height else None
    if offset is None:
        return posts, "UTC", "default (too few posts to infer)"
    local = posts.with_columns(pl.col("created_at") + pl.duration(minutes=round(offset * 60)))
    return local, offset_name(offset), "inferred"


def floor_hours(local_posts: pl.DataFrame, first: date, last: date) -> float:
    """Hours the posts prove: the conservative composition time before each post, merged, nothing bridged."""
    p = local_posts.filter(pl.col("created_at").dt.date().is_between(first, last))
    if p.is_empty():
        return 0.0
    begun = with_begun(p, {"floor": CONSERVATIVE}, by=[])
    merged = merge_intervals(begun.select(started_at="begun_floor", ended_at="created_at",
                                          count_posts=pl.lit(1, dtype=pl.UInt32)), by=[])
    return float((merged["ended_at"] - merged["started_at"]).dt.total_microseconds().sum()) / 3.6e9


def _row(est: pl.DataFrame, platform: str, account_id: str, floor: float, zone: str, source: str) -> dict:
    central = est.filter((pl.col("platform") == platform) & (pl.col("assumption_set") == "central")).row(0, named=True)
    working = central["baseline_hours"]
    days = central["count_days"]
    waking, whole = WAKING_HOURS_PER_DAY * days, 24.0 * days
    # posting sessions hold at least the composition time the posts prove: the floor bounds them from below
    hours = max(central["observed_hours"], floor)
    low = max(min(central["ci_low_segmentation"] * working, hours), floor)
    high = max(central["ci_high_segmentation"] * working, hours)
    row = {"platform": platform, "account_id": account_id, "window_start": central["window_start"],
           "window_end": central["window_end"], "timezone": zone, "timezone_source": source, "count_days": days,
           "count_posts": central["count_posts"], "count_scheduled_excluded": 0, "floor_hours": floor,
           "posting_hours": hours, "posting_hours_low": low, "posting_hours_high": high,
           "baseline_working_hours": working, "baseline_waking_hours": waking, "baseline_day_hours": whole,
           "method": LEGACY_METHOD}
    for name, base in (("working", working), ("waking", waking), ("day", whole)):
        row |= {f"share_{name}": hours / base, f"share_{name}_low": low / base, f"share_{name}_high": high / base,
                f"floor_share_{name}": floor / base}
    return row


def _estimate(posts: pl.DataFrame, first: date | None, last: date | None, timezone: str | None,
              n_boot: int, seed: int) -> tuple[pl.DataFrame, float, str, str]:
    local, zone, source = to_local(posts, timezone)
    first = first or local["created_at"].min().date()
    last = last or local["created_at"].max().date()
    est = to_timeshare_estimates(local, n_boot=n_boot, seed=seed, first=first, last=last)
    return est, floor_hours(local, first, last), zone, source


def legacy_time_on_platform(posts: pl.DataFrame, *, first: date | None = None, last: date | None = None,
                            timezone: str | None = None, n_boot: int = 400, seed: int = 0) -> pl.DataFrame:
    """One row per (platform, account_id) and one 'all' row (every account merged), over local days first..last.

    Each account's zone is inferred on its own unless one is stated; the 'all' row uses the zone stated or
    inferred from every post together.
    """
    if posts.is_empty():
        return pl.DataFrame(schema=SCHEMA)
    rows = []
    accounts = posts.partition_by("platform", "account_id", as_dict=True, maintain_order=True)
    for (platform, account_id), own in accounts.items():
        est, floor, zone, source = _estimate(own, first, last, timezone, n_boot, seed)
        if est.is_empty():
            continue
        rows.append(_row(est, platform, account_id, floor, zone, source))
    if len(accounts) == 1:  # one account: the merged row is its own row
        rows += [{**r, "platform": "all", "account_id": "all"} for r in rows[:1]]
        return pl.DataFrame(rows, schema=SCHEMA)
    est, floor, zone, source = _estimate(posts, first, last, timezone, n_boot, seed)
    if not est.is_empty():
        rows.append(_row(est, "all", "all", floor, zone, source))
    return pl.DataFrame(rows, schema=SCHEMA)


def resolve() -> TimeOnPlatform:
    """The calibrated estimator's to_time_on_platform where it is installed, else the legacy adapter."""
    try:
        from postaudit.metrics.posting_time import to_time_on_platform
    except ImportError:
        return legacy_time_on_platform
    return to_time_on_platform


def utc_range(first: date, last: date) -> tuple[date, date]:
    """UTC dates that hold every instant of local days first..last in any zone (UTC−12 to UTC+14)."""
    return first - timedelta(days=1), last + timedelta(days=1)
