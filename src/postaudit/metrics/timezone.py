"""The account's time zone from its hour-of-day profile, with a bootstrap confidence, and its sleep window."""

from __future__ import annotations

import numpy as np
import polars as pl

# Relative activity by LOCAL hour (0..23), assumed: the shape of the diurnal curve Golder & Macy (Science 2011)
# found in 509M tweets — a deep trough around 3–6 am, a morning rise, a plateau and an evening peak.
# Only its shape matters (it is normalised); the trough does most of the work in placing the offset.
REFERENCE = np.array([0.55, 0.32, 0.18, 0.11, 0.09, 0.12, 0.28, 0.55, 0.80, 0.92, 0.95, 0.95,
                      0.95, 0.93, 0.92, 0.92, 0.93, 0.95, 1.00, 1.05, 1.10, 1.12, 1.02, 0.80])
OFFSETS = np.arange(-12, 15)  # whole hours; half-hour zones are placed at a neighbouring hour


def hour_profile(posts: pl.DataFrame) -> np.ndarray:
    """Posts per UTC hour of day (24 counts)."""
    hours = posts["created_at"].dt.hour().to_numpy()
    return np.bincount(hours, minlength=24).astype(float)


def _scores(counts: np.ndarray) -> np.ndarray:
    """Log-likelihood of the UTC hour counts under the reference curve shifted to each offset.

    counts may be (24,) or (draws, 24); local hour = UTC hour + offset.
    """
    logp = np.log(REFERENCE / REFERENCE.sum())
    shifted = np.stack([np.roll(logp, -off) for off in OFFSETS])  # shifted[o, utc_h] = logp[(utc_h + off) % 24]
    return counts @ shifted.T


def infer_timezone(posts: pl.DataFrame, n_boot: int = 500, seed: int = 0) -> dict:
    """UTC offset (hours) that best fits the reference daily curve, the share of day-bootstrap draws that agree, and the sleep window."""
    if posts.height < 24:
        return {"utc_offset_hours": None, "confidence": None, "count_posts": posts.height,
                "method": f"not inferred: {posts.height} posts (need 24)", **_no_sleep()}
    days = posts.select(day=pl.col("created_at").dt.date(), hour=pl.col("created_at").dt.hour())
    day_ids = days["day"].rank("dense").cast(pl.Int64).to_numpy() - 1
    matrix = np.zeros((day_ids.max() + 1, 24))
    np.add.at(matrix, (day_ids, days["hour"].to_numpy()), 1.0)
    best = int(OFFSETS[np.argmax(_scores(matrix.sum(axis=0)))])
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, matrix.shape[0], size=(n_boot, matrix.shape[0]))
    boot_counts = matrix[draws].sum(axis=1)
    boot = OFFSETS[np.argmax(_scores(boot_counts), axis=1)]
    return {"utc_offset_hours": float(best), "confidence": float((boot == best).mean()),
            "count_posts": posts.height, "method": "reference-curve fit, day bootstrap",
            **sleep_window(posts, best)}


def _no_sleep() -> dict:
    return {"sleep_start_local": None, "sleep_end_local": None, "sleep_hours_max": None, "count_nights": 0}


def sleep_window(posts: pl.DataFrame, utc_offset_hours: float) -> dict:
    """Typical longest nightly gap in local time: its median start and end hour and its median length.

    Each night runs from local noon to noon; the longest gap between posts in it is an upper bound on
    that night's sleep (Leypunskiy et al. 2018 use the nightly lull the same way).
    """
    local = posts.select(t=pl.col("created_at") + pl.duration(minutes=int(round(utc_offset_hours * 60)))).sort("t")
    g = (local.with_columns(night=(pl.col("t") - pl.duration(hours=12)).dt.date(),
                            prev=pl.col("t").shift(1))
         .with_columns(gap_h=(pl.col("t") - pl.col("prev")).dt.total_seconds() / 3600)
         .filter(pl.col("prev").is_not_null() & (pl.col("gap_h") < 20)))
    # a gap belongs to the night its end falls in, if it starts after the previous local noon
    nights = (g.filter((pl.col("prev") - pl.duration(hours=12)).dt.date() >= pl.col("night") - pl.duration(days=1))
              .sort("gap_h", descending=True).group_by("night").first())
    if nights.is_empty():
        return _no_sleep()

    def hour_from_noon(col: str) -> np.ndarray:  # hours after local noon, so a night does not wrap at midnight
        t = nights[col]
        return ((t.dt.hour() + t.dt.minute() / 60 + 12) % 24).to_numpy()

    start = float((np.median(hour_from_noon("prev")) + 12) % 24)
    end = float((np.median(hour_from_noon("t")) + 12) % 24)
    return {"sleep_start_local": round(start, 2), "sleep_end_local": round(end, 2),
            "sleep_hours_max": float(nights["gap_h"].median()), "count_nights": nights.height}


def to_account_timezone(posts: pl.DataFrame, n_boot: int = 500, seed: int = 0) -> pl.DataFrame:
    """One row per (platform, account) with the inferred UTC offset, its confidence and the sleep window."""
    rows = [{"platform": platform, "account_id": account_id, **infer_timezone(g, n_boot=n_boot, seed=seed)}
            for (platform, account_id), g in posts.group_by("platform", "account_id", maintain_order=True)]
    schema = {"platform": pl.Utf8, "account_id": pl.Utf8, "utc_offset_hours": pl.Float64, "confidence": pl.Float64,
              "count_posts": pl.Int64, "method": pl.Utf8, "sleep_start_local": pl.Float64,
              "sleep_end_local": pl.Float64, "sleep_hours_max": pl.Float64, "count_nights": pl.Int64}
    return pl.DataFrame(rows, schema=schema)
