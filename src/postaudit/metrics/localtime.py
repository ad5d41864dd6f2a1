"""Local time: time-zone names (IANA with daylight saving, or fixed offsets such as UTC+05:30), local days, baselines.

Days and baselines are cut in the account's local time. A stated IANA zone follows its daylight-saving
rules (a local day then lasts 23 or 25 hours twice a year); an inferred zone is a fixed offset.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import polars as pl

from postaudit.metrics.assumptions import CENTRAL, WAKING_HOURS_PER_DAY, WEEKDAY_SHARE, WEEKEND_SHARE

_FIXED = re.compile(r"^(?:UTC|GMT)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$")


def offset_name(minutes: int) -> str:
    """A fixed offset's name: 330 → 'UTC+05:30', -210 → 'UTC-03:30', 0 → 'UTC'."""
    if minutes == 0:
        return "UTC"
    sign = "+" if minutes > 0 else "-"
    h, m = divmod(abs(int(minutes)), 60)
    return f"UTC{sign}{h:02d}:{m:02d}"


def fixed_offset_minutes(zone: str) -> int | None:
    """Minutes east of UTC for a fixed-offset name ('UTC+05:30', '+0545', 'UTC'), else None (an IANA name)."""
    if zone.upper() in ("UTC", "GMT", "Z"):
        return 0
    m = _FIXED.match(zone.strip())
    if not m:
        return None
    minutes = int(m.group(2)) * 60 + int(m.group(3) or 0)
    return minutes if m.group(1) == "+" else -minutes


@lru_cache(maxsize=512)
def resolve_zone(zone: str) -> str:
    """The canonical name of a stated zone: an IANA name as given, a fixed offset as 'UTC+05:30'.

    Raises ValueError naming the zone when it is neither.
    """
    fixed = fixed_offset_minutes(zone)
    if fixed is not None:
        if not -14 * 60 <= fixed <= 14 * 60:
            raise ValueError(f"time zone {zone!r}: offsets run from UTC-14:00 to UTC+14:00")
        return offset_name(fixed)
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {zone!r}: use an IANA name such as Europe/Berlin or Asia/Kolkata, "
                         "or an offset such as UTC+05:30") from None
    return zone


def local_time(created_at: pl.Expr, zone: str) -> pl.Expr:
    """A UTC timestamp expression as naive local wall-clock time in `zone` (a name from resolve_zone)."""
    fixed = fixed_offset_minutes(zone)
    at = created_at.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
    if fixed is not None:
        return at + pl.duration(minutes=fixed)
    return created_at.dt.convert_time_zone(zone).dt.replace_time_zone(None)


def with_local_time(posts: pl.DataFrame, zones: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    """Posts with `local_at` (naive local time) and `local_day`, each in its group's zone (zones: by + timezone)."""
    p = posts.join(zones.select(*by, "timezone"), on=by, how="left", nulls_equal=True, maintain_order="left")
    offsets = {z: fixed_offset_minutes(z or "UTC") for z in p["timezone"].unique().to_list()}
    if all(v is not None for v in offsets.values()):
        # fixed offsets only (inferred zones): one shift per post, the order kept
        minutes = pl.col("timezone").replace_strict(offsets, return_dtype=pl.Int64)
        at = pl.col("created_at").dt.convert_time_zone("UTC").dt.replace_time_zone(None)
        return (p.with_columns(local_at=at + pl.duration(minutes=minutes))
                .with_columns(local_day=pl.col("local_at").dt.date()).drop("timezone"))
    parts = []
    for (zone,), part in p.partition_by("timezone", as_dict=True, maintain_order=True).items():
        parts.append(part.with_columns(local_at=local_time(pl.col("created_at"), zone or "UTC")))
    if not parts:
        return p.with_columns(local_at=pl.col("created_at").dt.replace_time_zone(None))
    out = pl.concat(parts).with_columns(local_day=pl.col("local_at").dt.date())
    return out.drop("timezone")


def day_hours(zone: str, first: date, last: date) -> np.ndarray:
    """Hours in each local day from first to last (24, or 23/25 on the days a daylight-saving zone changes clocks)."""
    n = (last - first).days + 1
    if fixed_offset_minutes(zone) is not None or n <= 0:
        return np.full(max(n, 0), 24.0)
    tz = ZoneInfo(zone)
    edges = [datetime(d.year, d.month, d.day, tzinfo=tz).timestamp()
             for d in (first + timedelta(days=i) for i in range(n + 1))]
    return np.diff(np.asarray(edges)) / 3600


def baselines(zone: str, first: date, last: date, weekly_work_hours: float = CENTRAL.weekly_work_hours) -> dict:
    """The window's baseline hours: working (Porter & Nohria 2018), waking (24 h − 6.9 h sleep) and the whole day."""
    n = (last - first).days + 1
    weekend = np.array([(first + timedelta(days=i)).weekday() >= 5 for i in range(n)], dtype=bool)
    working = np.where(weekend, WEEKEND_SHARE, WEEKDAY_SHARE) * weekly_work_hours
    return {"baseline_working_hours": float(working.sum()), "baseline_waking_hours": WAKING_HOURS_PER_DAY * n,
            "baseline_day_hours": float(day_hours(zone, first, last).sum())}
