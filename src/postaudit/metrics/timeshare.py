"""Share of working time spent posting: an observable floor, with a moving-block bootstrap interval."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl

from postaudit.metrics.assumptions import ALL, WEEKDAY_SHARE, WEEKEND_SHARE, Assumptions
from postaudit.metrics.sessions import to_sessions


def daily_minutes(sessions: pl.DataFrame, first: date, last: date) -> pl.DataFrame:
    """Active minutes for every day in [first, last], zero on days without sessions."""
    days = pl.DataFrame({"day": pl.date_range(first, last, "1d", eager=True)})
    got = (sessions.with_columns(day=pl.col("started_at").dt.date())
           .group_by("day").agg(minutes=pl.col("minutes").sum()))
    return days.join(got, on="day", how="left").with_columns(pl.col("minutes").fill_null(0.0))


def baseline_minutes(days: pl.Series, weekly_hours: float) -> np.ndarray:
    """Working minutes each day: the weekly total split between weekdays and weekends as Porter & Nohria found."""
    weekend = days.dt.weekday().to_numpy() >= 6
    return np.where(weekend, WEEKEND_SHARE, WEEKDAY_SHARE) * weekly_hours * 60.0


def block_bootstrap_ratio(num: np.ndarray, den: np.ndarray, block: int = 7, n_boot: int = 2000,
                          seed: int = 0, level: float = 0.95) -> tuple[float, float]:
    """Interval for sum(num)/sum(den) by a circular moving-block bootstrap over days (Künsch 1989)."""
    n = len(num)
    if n == 0:
        return (float("nan"), float("nan"))
    block = max(1, min(block, n))
    rng = np.random.default_rng(seed)
    n_blocks = -(-n // block)
    starts = rng.integers(0, n, size=(n_boot, n_blocks))
    idx = (starts[:, :, None] + np.arange(block)[None, None, :]).reshape(n_boot, -1)[:, :n] % n
    ratios = num[idx].sum(axis=1) / den[idx].sum(axis=1)
    lo, hi = np.quantile(ratios, [(1 - level) / 2, 1 - (1 - level) / 2])
    return float(lo), float(hi)


def estimate(posts: pl.DataFrame, a: Assumptions, first: date | None = None, last: date | None = None,
             n_boot: int = 2000, seed: int = 0) -> dict:
    """Time-share estimate for one assumption set over a window of whole UTC days."""
    if posts.is_empty():
        raise ValueError("no posts in the window: nothing to estimate")
    first = first or posts["created_at"].min().date()
    last = last or posts["created_at"].max().date()
    sessions = to_sessions(posts, a)
    daily = daily_minutes(sessions, first, last)
    minutes = daily["minutes"].to_numpy()
    base = baseline_minutes(daily["day"], a.weekly_work_hours)
    lo, hi = block_bootstrap_ratio(minutes, base, n_boot=n_boot, seed=seed)
    return {
        "assumption_set": a.name,
        "window_start": first,
        "window_end": last,
        "count_days": len(daily),
        "count_posts": posts.height,
        "count_sessions": sessions.height,
        "observed_hours": float(minutes.sum() / 60),
        "baseline_hours": float(base.sum() / 60),
        "share": float(minutes.sum() / base.sum()),
        "ci_low": lo,
        "ci_high": hi,
        "gap_minutes": a.gap_minutes,
        "weekly_work_hours": a.weekly_work_hours,
    }


def to_timeshare_estimates(posts: pl.DataFrame, n_boot: int = 2000, seed: int = 0) -> pl.DataFrame:
    """One row per (platform, account, assumption set) with the share of working time and its 95% interval."""
    rows = []
    for (platform, account_id), group in posts.group_by("platform", "account_id"):
        for a in ALL.values():
            rows.append({"platform": platform, "account_id": account_id, **estimate(group, a, n_boot=n_boot, seed=seed)})
    return pl.DataFrame(rows)


def window_days(first: date, last: date) -> int:
    """Number of whole days in a window."""
    return (last - first + timedelta(days=1)).days
