"""The account's time zone from its nightly lull in posting, with a bootstrap confidence, and its sleep window."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import polars as pl

# Relative activity by LOCAL hour (0..23), assumed: the shape of the diurnal curve Golder & Macy (Science 2011)
# found in 509M tweets — a deep trough around 3–6 am, a morning rise, a plateau and an evening peak.
# Only its shape matters (it is normalised); the trough does most of the work in placing the offset.
REFERENCE = np.array([0.55, 0.32, 0.18, 0.11, 0.09, 0.12, 0.28, 0.55, 0.80, 0.92, 0.95, 0.95,
                      0.95, 0.93, 0.92, 0.92, 0.93, 0.95, 1.00, 1.05, 1.10, 1.12, 1.02, 0.80])
# The UTC offsets in use somewhere (hours): whole hours plus India's +5:30, Nepal's +5:45, Iran's +3:30,
# Newfoundland's -3:30, central Australia's +9:30 and the rest of the half- and three-quarter-hour zones.
OFFSETS = np.array(sorted([*range(-12, 15), -9.5, -3.5, 3.5, 4.5, 5.5, 5.75, 6.5, 8.75, 9.5, 10.5, 12.75, 13.75]))
BINS = 96  # quarter hours of the day
STEPS = np.round(OFFSETS * 4).astype(int)


def hour_profile(posts: pl.DataFrame) -> np.ndarray:
    """Posts per UTC hour of day (24 counts)."""
    hours = posts["created_at"].dt.hour().to_numpy()
    return np.bincount(hours, minlength=24).astype(float)


def _quarter_curve() -> np.ndarray:
    """The hourly reference curve read at every quarter hour (periodic linear interpolation between hour midpoints)."""
    at = (np.arange(BINS) + 0.5) / 4
    return np.interp(at, np.arange(25) + 0.5 - 1, np.r_[REFERENCE[-1], REFERENCE], period=24)


_LOGP = np.log(_quarter_curve() / _quarter_curve().sum())
_SHIFTED = np.stack([np.roll(_LOGP, -s) for s in STEPS])  # _SHIFTED[o, utc_q] = logp[(utc_q + 4·offset) % 96]


# The nightly lull: the quiet 6 hours of the day (the circular window of LULL_QUARTERS quarter hours with the
# fewest posts; among equally quiet windows, the middle of the longest run of them) are centred on the
# person's local night, taken to be centred at LULL_CENTRE_LOCAL (*assumed*: 03:30, within the 3-5 am range
# of mid-sleep Roenneberg et al., Sleep Medicine Reviews 2007, report for most adults; the quietest hours of
# Golder & Macy's 2011 curve, 2-5 am, agree). Fitting the lull instead of a whole daily curve leaves
# the shape of the day free (commuters, evening readers); a night owl, whose night is centred hours later,
# is placed that many hours east, and nothing in post times alone can tell the two apart.
LULL_QUARTERS = 24
LULL_CENTRE_LOCAL = 3.5
# Offsets a day apart across the date line read alike; the populous side is kept (+13 New Zealand's summer
# and Tonga over -11, +12 over -12, -10 Hawaii over +14).
LULL_OFFSETS = np.array([o for o in OFFSETS if o not in (-12, -11, 14)])


def lull_centres(counts: np.ndarray) -> np.ndarray:
    """UTC hour at the centre of each row's quietest LULL_QUARTERS-long window of quarter-hour counts (rows × 96);
    NaN for a row without posts."""
    counts = np.atleast_2d(np.asarray(counts, dtype=float))
    n, w = counts.shape[0], LULL_QUARTERS
    wrapped = np.concatenate([counts, counts[:, :w]], axis=1)
    cum = np.concatenate([np.zeros((n, 1)), np.cumsum(wrapped, axis=1)], axis=1)
    sums = cum[:, w:w + BINS] - cum[:, :BINS]           # window starting at each quarter hour
    quiet = sums <= sums.min(axis=1, keepdims=True) + 1e-9
    # distance to the nearest window that is not among the quietest, both ways round the clock: its
    # largest value is the middle of the longest quiet run
    fwd, bwd = np.zeros((n, BINS)), np.zeros((n, BINS))
    run_f, run_b = np.zeros(n), np.zeros(n)
    for _ in range(2):
        for j in range(BINS):
            run_f = np.where(quiet[:, j], run_f + 1, 0)
            fwd[:, j] = run_f
            k = BINS - 1 - j
            run_b = np.where(quiet[:, k], run_b + 1, 0)
            bwd[:, k] = run_b
    depth = np.minimum(fwd, bwd) + 0.5 * (fwd > bwd)    # an even run's two middles: the later one first
    start = np.argmax(np.where(quiet, depth, -1), axis=1)
    rows = np.arange(n)
    length = np.minimum(fwd[rows, start] + bwd[rows, start] - 1, BINS)
    start = start - 0.5 * (length % 2 == 0)              # ... then the point between them
    centre = ((start + w / 2) / 4) % 24
    return np.where((counts.sum(axis=1) > 0) & ~quiet.all(axis=1), centre, np.nan)


def lull_offsets(counts: np.ndarray) -> np.ndarray:
    """The UTC offset (hours, in use somewhere) that puts each row's nightly lull at LULL_CENTRE_LOCAL; where no
    lull shows (no posts, or posts at every hour alike) the reference curve's best offset."""
    counts = np.atleast_2d(np.asarray(counts, dtype=float))
    if counts.shape[0] == 0:
        return np.zeros(0)
    raw = LULL_CENTRE_LOCAL - lull_centres(counts)
    d = np.abs((LULL_OFFSETS[None, :] - raw[:, None] + 12) % 24 - 12)
    lull = LULL_OFFSETS[np.argmin(np.nan_to_num(d, nan=0.0), axis=1)]
    curve = OFFSETS[np.argmax(_scores(counts), axis=1)]
    return np.where(np.isnan(raw), curve, lull)


def _scores(counts: np.ndarray) -> np.ndarray:
    """Log-likelihood of the UTC quarter-hour counts under the reference curve shifted to each offset.

    counts may be (96,) or (draws, 96); local time = UTC + offset.
    """
    return counts @ _SHIFTED.T


ACCOUNT = ["platform", "account_id"]
NOON = pl.duration(hours=12)


def _fit(day_ids: np.ndarray, quarters: np.ndarray, n_boot: int, seed: int) -> tuple[float, float]:
    """Best offset (hours) for posts on (dense) day ids at UTC quarter hours, and the share of day-bootstrap draws that agree."""
    cells = day_ids * BINS + quarters
    matrix = np.bincount(cells, minlength=(day_ids.max() + 1) * BINS).reshape(-1, BINS).astype(float)
    best = float(lull_offsets(matrix.sum(axis=0))[0])
    # a draw's histogram is the sum of its days' (float32 halves the product's cost; the counts are exact)
    boot = lull_offsets(_day_draws(matrix.shape[0], n_boot, seed) @ matrix.astype(np.float32))
    return best, float((boot == best).mean())


@lru_cache(maxsize=16)  # ≤ 16 × 3 MB at 500 draws × 800 days
def _day_draws(n_days: int, n_boot: int, seed: int) -> np.ndarray:
    """How often each day is drawn in each of n_boot resamples of n_days days (read-only, n_boot × n_days).

    Times the day-by-quarter-hour counts it gives the same sums as matrix[draws].sum(axis=1) (whole numbers, so
    exactly) without an n_boot × days × 96 array; accounts with as many active days share it.
    """
    draws = np.random.default_rng(seed).integers(0, n_days, size=(n_boot, n_days))
    times = np.bincount((np.arange(n_boot)[:, None] * n_days + draws).ravel(), minlength=n_boot * n_days)
    times = times.reshape(n_boot, n_days).astype(np.float32)
    times.flags.writeable = False
    return times


def _day_hours(posts: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    day = pl.col("created_at").dt.date().rank("dense").cast(pl.Int64) - 1
    at = pl.col("created_at")
    return posts.select(day_id=day.over(by) if by else day,
                        quarter=(at.dt.hour().cast(pl.Int64) * 4 + at.dt.minute().cast(pl.Int64) // 15))


def infer_timezone(posts: pl.DataFrame, n_boot: int = 500, seed: int = 0) -> dict:
    """UTC offset (hours, in use somewhere) that puts the nightly lull at 03:30 local, the share of day-bootstrap
    draws that agree, and the sleep window."""
    if posts.height < 24:
        return {"utc_offset_hours": None, "confidence": None, "count_posts": posts.height,
                "method": f"not inferred: {posts.height} posts (need 24)", **_no_sleep()}
    d = _day_hours(posts, [])
    best, confidence = _fit(d["day_id"].to_numpy(), d["quarter"].to_numpy(), n_boot, seed)
    return {"utc_offset_hours": best, "confidence": confidence,
            "count_posts": posts.height, "method": "nightly-lull fit, day bootstrap",
            **sleep_window(posts, best)}


def _no_sleep() -> dict:
    return {"sleep_start_local": None, "sleep_end_local": None, "sleep_hours_max": None, "count_nights": 0}


def _longest_nightly_gaps(local: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    """Per night (local noon to noon), the longest gap between posts: its start (prev), end (t) and hours.

    `local` holds local post times t, sorted by `by` then t.
    """
    prev = pl.col("t").shift(1)
    g = (local.with_columns(night=(pl.col("t") - NOON).dt.date(), prev=prev.over(by) if by else prev)
         .with_columns(gap_h=(pl.col("t") - pl.col("prev")).dt.total_seconds() / 3600)
         .filter(pl.col("prev").is_not_null() & (pl.col("gap_h") < 20)))
    # a gap belongs to the night its end falls in, if it starts after the previous local noon
    return (g.filter((pl.col("prev") - NOON).dt.date() >= pl.col("night") - pl.duration(days=1))
            .sort("gap_h", descending=True).group_by(*by, "night").first())


def _sleep_summary(nights: pl.DataFrame) -> dict:
    if nights.is_empty():
        return _no_sleep()

    def hour_from_noon(col: str) -> np.ndarray:  # hours after local noon, so a night does not wrap at midnight
        t = nights[col]
        return ((t.dt.hour() + t.dt.minute() / 60 + 12) % 24).to_numpy()

    start = float((np.median(hour_from_noon("prev")) + 12) % 24)
    end = float((np.median(hour_from_noon("t")) + 12) % 24)
    return {"sleep_start_local": round(start, 2), "sleep_end_local": round(end, 2),
            "sleep_hours_max": float(nights["gap_h"].median()), "count_nights": nights.height}


def sleep_window(posts: pl.DataFrame, utc_offset_hours: float) -> dict:
    """Typical longest nightly gap in local time: its median start and end hour and its median length.

    Each night runs from local noon to noon; the longest gap between posts in it is an upper bound on
    that night's sleep (Leypunskiy et al. 2018 use the nightly lull the same way).
    """
    local = posts.select(t=pl.col("created_at") + pl.duration(minutes=int(round(utc_offset_hours * 60)))).sort("t")
    return _sleep_summary(_longest_nightly_gaps(local, []))


def best_offsets(posts: pl.DataFrame, by: list[str], min_posts: int = 24) -> pl.DataFrame:
    """Per group of `by`: the best-fitting UTC offset (hours; null under min_posts posts), as to_account_timezone
    finds it, without its bootstrap confidence and sleep window (one histogram product for every group)."""
    at = pl.col("created_at")
    cells = (posts.group_by(*by, quarter=at.dt.hour().cast(pl.Int64) * 4 + at.dt.minute().cast(pl.Int64) // 15)
             .len().with_columns(acc=pl.struct(by).rank("dense").cast(pl.Int64) - 1))
    keys = cells.group_by("acc").agg(*(pl.col(c).first() for c in by)).sort("acc")
    counts = np.zeros((keys.height, BINS))
    np.add.at(counts, (cells["acc"].to_numpy(), cells["quarter"].to_numpy()), cells["len"].to_numpy())
    best = lull_offsets(counts) if keys.height else np.zeros(0)
    enough = counts.sum(1) >= min_posts
    return keys.with_columns(utc_offset_hours=pl.Series(np.where(enough, best, np.nan)).fill_nan(None)).drop("acc")


TIMEZONE_SCHEMA = {"platform": pl.Utf8, "account_id": pl.Utf8, "utc_offset_hours": pl.Float64,
                   "confidence": pl.Float64, "count_posts": pl.Int64, "method": pl.Utf8,
                   "sleep_start_local": pl.Float64, "sleep_end_local": pl.Float64, "sleep_hours_max": pl.Float64,
                   "count_nights": pl.Int64}


def to_account_timezone(posts: pl.DataFrame, n_boot: int = 500, seed: int = 0) -> pl.DataFrame:
    """One row per (platform, account) with the inferred UTC offset, its confidence and the sleep window.

    Same as infer_timezone per account, with the per-post work done for all accounts at once.
    """
    p = posts.select(*ACCOUNT, "created_at").sort(*ACCOUNT, "created_at", nulls_last=True)
    p = p.with_columns(_day_hours(p, ACCOUNT))
    sizes = p.group_by(ACCOUNT, maintain_order=True).len()
    ends = np.cumsum(sizes["len"].to_numpy())
    day_ids, quarters = p["day_id"].to_numpy(), p["quarter"].to_numpy()
    rows, offsets = [], []
    for (platform, account_id, n), end in zip(sizes.iter_rows(), ends, strict=True):
        if n < 24:
            rows.append({"platform": platform, "account_id": account_id, "utc_offset_hours": None, "confidence": None,
                         "count_posts": n, "method": f"not inferred: {n} posts (need 24)", **_no_sleep()})
            continue
        best, confidence = _fit(day_ids[end - n:end], quarters[end - n:end], n_boot, seed)
        rows.append({"platform": platform, "account_id": account_id, "utc_offset_hours": best,
                     "confidence": confidence, "count_posts": n, "method": "nightly-lull fit, day bootstrap"})
        offsets.append({"platform": platform, "account_id": account_id, "offset_minutes": int(round(best * 60))})
    if offsets:
        local = (p.join(pl.DataFrame(offsets, schema={"platform": pl.Utf8, "account_id": pl.Utf8,
                                                      "offset_minutes": pl.Int64}),
                        on=ACCOUNT, nulls_equal=True, maintain_order="left")
                 .select(*ACCOUNT, t=pl.col("created_at") + pl.duration(minutes=pl.col("offset_minutes"))))
        nights = _longest_nightly_gaps(local, ACCOUNT).sort(*ACCOUNT, nulls_last=True)
        per_account = nights.partition_by(ACCOUNT, as_dict=True)
        for row in rows:
            if row["utc_offset_hours"] is not None:
                got = per_account.get((row["platform"], row["account_id"]), nights.clear())
                row.update(_sleep_summary(got))
    return pl.DataFrame(rows, schema=TIMEZONE_SCHEMA)
