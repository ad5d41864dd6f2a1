"""What the verdicts need around the calibrated estimator (postaudit.metrics.posting_time): its type, local posts.

There is one estimator: `metrics.posting_time.to_time_on_platform`, the function the build fills the
`time_on_platform` mart with; verdicts call it for each claim's own window.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import polars as pl

from postaudit.metrics.localtime import local_time, offset_name, resolve_zone
from postaudit.metrics.posting_time import TIME_ON_PLATFORM_SCHEMA as SCHEMA
from postaudit.metrics.posting_time import to_time_on_platform
from postaudit.metrics.timezone import best_offsets

TimeOnPlatform = Callable[..., pl.DataFrame]
__all__ = ["SCHEMA", "TimeOnPlatform", "resolve", "to_local", "utc_range"]


def resolve() -> TimeOnPlatform:
    """The estimator verdicts use: the calibrated to_time_on_platform (the mart's own)."""
    return to_time_on_platform


def to_local(posts: pl.DataFrame, timezone: str | None) -> tuple[pl.DataFrame, str, str]:
    """Posts with created_at moved to local wall-clock time (still typed UTC, so UTC-day code cuts local days).

    timezone: an IANA name or fixed offset (daylight saving included), else the offset inferred from every
    post together as to_time_on_platform infers it (metrics/timezone.best_offsets), else UTC under 24 posts.
    Returns the posts, the zone's name and whether it was stated or inferred.
    """
    if timezone:
        zone = resolve_zone(timezone)
        return posts.with_columns(local_time(pl.col("created_at"), zone).dt.replace_time_zone("UTC")), zone, "stated"
    got = best_offsets(posts.select("created_at").with_columns(one=pl.lit(1)), ["one"])
    hours = got["utc_offset_hours"][0] if got.height else None
    if hours is None:
        return posts, "UTC", "default (too few posts to infer)"
    minutes = round(hours * 60)
    return posts.with_columns(pl.col("created_at") + pl.duration(minutes=minutes)), offset_name(minutes), "inferred"


def utc_range(first: date, last: date) -> tuple[date, date]:
    """UTC dates that hold every instant of local days first..last in any zone (UTC−12 to UTC+14)."""
    return first - timedelta(days=1), last + timedelta(days=1)
