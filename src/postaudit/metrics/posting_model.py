"""The model behind posting_hours: range-padded sessions at several gap thresholds, and what the account shows.

For each account (posts sorted in time, scheduled posts already removed):

1. **Acts**: posts less than `ACT_SECONDS` apart are one act (a thread, or a burst of replies, is sent in
   one go and was written before its first post went out).
2. **Sessions at each threshold** τ in `THRESHOLDS_MINUTES`: acts closer than τ belong together. A session of
   k ≥ 2 acts and span s gives the unbiased range estimate L̂ = s·(k+1)/(k−1) of its length (k acts placed
   uniformly in a session of length L, Geiger & Halfaker 2013 pad by the within-session gap in the same
   spirit); a one-act session counts the account's mean L̂ (0 without multi-act sessions). T_τ is the sum.
3. **model_hours** is the geometric mean of T_τ over the thresholds: no single threshold fits every rhythm
   (the old benchmark: 30 min overshoots short-session executives, 10 min undershoots long ones), and
   which one fits is left to the calibration layer.
4. **Features** for the calibration layer (metrics/calibration.py): the bridging curve log(T_τ ÷ model) (how
   much time each threshold bridges: the shape of the account's gaps weighted by time), the share of
   one-act sessions at 10 and 60 min, the share of posts sent in bursts, the shape of the short gaps
   (shares under 1 and 5 minutes of those under 15), posts a day, window length, and log(floor ÷ model).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from postaudit.metrics.assumptions import CONSERVATIVE
from postaudit.metrics.sessions import compose_seconds

ACT_SECONDS = 60.0
THRESHOLDS_MINUTES = (2, 5, 10, 30, 60)
BASE_FEATURES = ("x_posts_per_day", "x_days", "x_floor", "f_burst", "one_act_10", "one_act_60",
                 *(f"x_bridge_{t}" for t in THRESHOLDS_MINUTES if t != 10), "short_1", "short_5")
# Mechanism detectors beyond the gap shape: how the gaps inside a 30-min cluster change with its number of
# acts (posts spread through a session of given length: gaps shrink as k grows; posts at a steady rate:
# they do not), the clusters' typical span, how far their spans vary over the day, and the share of
# events that are traces (zero for posts alone)
FEATURES = (*BASE_FEATURES, "gap_slope", "x_span_30", "span_hour_corr", "x_trace_share")
# Seconds each kind of trace proves, at the least (the trace's own interaction; *assumed*, after the
# Keystroke-Level Model of Card, Moran & Newell 1980: a keystroke or tap 0.2 s, pointing 1.1 s, mental
# preparation 1.35 s; and the MRC's viewable impression: at least half an ad on screen for 1 continuous
# second, MRC Viewable Ad Impression Measurement Guidelines 2014). An edit's changed characters are unknown,
# so it counts its least: finding the post and saving, as a repost counts 5 s.
TRACE_SECONDS = {"like": 1.0, "reaction": 1.0, "repost": 5.0, "ad_impression": 1.0, "ad_engagement": 1.0,
                 "edit": 5.0, "delete": 2.0, "pin": 2.0, "service": 2.0, "thread_reply": 20.0}
TRACE_DEFAULT_SECONDS = 1.0


def floor_hours(posts: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    """Per group of `by`: hours of the union of [post − composition time, post] (conservative composition set,
    or the seconds in a `compose` column where the frame has one: traces carry theirs)."""
    if posts.is_empty():
        return pl.DataFrame(schema={**{c: posts.schema[c] for c in by}, "floor_hours": pl.Float64})
    p = posts.sort(*by, "created_at", nulls_last=True)
    p = p.with_columns(acc=pl.struct(by).rle_id().cast(pl.Int64),
                       end=pl.col("created_at").dt.epoch("us").cast(pl.Float64) / 1e6,
                       compose=p["compose"] if "compose" in p.columns else compose_seconds(p, CONSERVATIVE))
    acc, end = p["acc"].to_numpy(), p["end"].to_numpy()
    end = end - end.min()               # seconds from the first post: small enough to offset per account below
    start = end - p["compose"].to_numpy()
    order = np.lexsort((start, acc))
    acc, start, end = acc[order], start[order], end[order]
    # the union per account: sorted by start, an interval opens a new piece when it starts after every
    # earlier one of its account has ended (accounts are kept apart by an offset of 10^10 s, ~300 years, each)
    shift = acc * 1e10
    reach = np.maximum.accumulate(end + shift)
    opens = np.r_[True, (start[1:] + shift[1:]) > reach[:-1]]
    first = np.flatnonzero(opens)
    length = np.maximum.reduceat(end, first) - start[first]
    n_acc = int(acc.max()) + 1
    keys = p.select(by).filter(pl.Series(np.r_[True, p["acc"].to_numpy()[1:] != p["acc"].to_numpy()[:-1]]))
    return keys.with_columns(floor_hours=pl.Series(np.bincount(acc[first], length, n_acc) / 3600))


def trace_seconds(kinds: pl.Series) -> pl.Series:
    """The least seconds each trace kind proves (TRACE_SECONDS; an unknown kind counts 1 s)."""
    return kinds.replace_strict(TRACE_SECONDS, default=TRACE_DEFAULT_SECONDS, return_dtype=pl.Float64)


def _cluster_shape(acc: np.ndarray, t: np.ndarray, gap: np.ndarray, hour: np.ndarray, n_acc: int) -> dict:
    """Per account, over clusters of acts closer than 30 min: the slope of log mean gap on log acts, log median
    span (minutes) of multi-act clusters, and the correlation of log span with the local hour of day."""
    new = ~(gap <= 1800)
    starts = np.flatnonzero(new)
    k = np.diff(np.append(starts, len(t))).astype(float)
    span = np.maximum.reduceat(t, starts) - t[starts]
    owner, h = acc[starts], hour[starts]
    multi = k >= 2
    out = {"gap_slope": np.zeros(n_acc), "x_span_30": np.zeros(n_acc), "span_hour_corr": np.zeros(n_acc)}
    if not multi.any():
        return out
    o, lk = owner[multi], np.log(k[multi])
    lg = np.log(np.maximum(span[multi] / (k[multi] - 1), 1.0))
    ls, hh = np.log(np.maximum(span[multi], 1.0) / 60), h[multi]
    n = np.bincount(o, minlength=n_acc).astype(float)

    def mean(v: np.ndarray) -> np.ndarray:
        return np.bincount(o, v, n_acc) / np.maximum(n, 1)

    def cov(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return mean(a * b) - mean(a) * mean(b)

    var_k, var_s, var_h = cov(lk, lk), cov(ls, ls), cov(hh, hh)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["gap_slope"] = np.where(var_k > 1e-9, cov(lk, lg) / var_k, 0.0)
        out["span_hour_corr"] = np.where((var_s > 1e-9) & (var_h > 1e-9), cov(ls, hh) / np.sqrt(var_s * var_h), 0.0)
    # the median span per account: sort by (account, span) and take each account's middle element
    order = np.lexsort((ls, o))
    first = np.searchsorted(o[order], np.arange(n_acc))
    mid = np.minimum(first + (n.astype(int) // 2), len(o) - 1)
    out["x_span_30"] = np.where(n > 0, ls[order][mid], 0.0)
    return out


def _threshold_hours(acc: np.ndarray, t: np.ndarray, end: np.ndarray, gap: np.ndarray, n_acc: int,
                     minutes: float) -> tuple[np.ndarray, np.ndarray]:
    """Per account: T_τ (hours) and the share of one-act sessions when acts closer than τ minutes belong together.

    Acts come sorted by account and time (acc, start t, end of its last post, gap to the previous act, NaN
    at an account's first act).
    """
    new = ~(gap <= minutes * 60)          # NaN (an account's first act) starts a session too
    starts = np.flatnonzero(new)
    k = np.diff(np.append(starts, len(t))).astype(float)
    span = np.maximum.reduceat(end, starts) - t[starts]
    owner = acc[starts]
    multi = k >= 2
    length = np.where(multi, span * (k + 1) / np.maximum(k - 1, 1), np.nan)
    n_multi = np.bincount(owner, multi, n_acc)
    mean = np.bincount(owner, np.where(multi, length, 0.0), n_acc) / np.maximum(n_multi, 1)
    est = np.where(multi, length, np.where(n_multi[owner] > 0, mean[owner], span))
    sessions = np.bincount(owner, minlength=n_acc)
    return np.bincount(owner, est, n_acc) / 3600, np.bincount(owner, ~multi, n_acc) / np.maximum(sessions, 1)


def account_model(posts: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    """Per group of `by` (one person's account): model_hours, T_τ per threshold and the calibration features.

    `posts` holds created_at (UTC) and the columns of `by`. Features that need the window or the floor
    (x_posts_per_day, x_days, x_floor) are added by posting_time, which knows them.
    """
    local = "local_at" in posts.columns
    p = posts.select(*by, "created_at", *(["local_at"] if local else [])).sort(*by, "created_at", nulls_last=True)
    acc = p.select(pl.struct(by).rle_id()).to_series().to_numpy().astype(np.int64)
    t = p["created_at"].dt.epoch("us").to_numpy() / 1e6
    at = p["local_at"] if local else p["created_at"]
    hour = (at.dt.hour().cast(pl.Float64) + at.dt.minute().cast(pl.Float64) / 60).to_numpy()
    n_acc = int(acc[-1]) + 1
    same = np.r_[False, acc[1:] == acc[:-1]]
    gap = np.where(same, t - np.r_[t[:1], t[:-1]], np.nan)
    # acts: posts closer than ACT_SECONDS go out together
    starts = np.flatnonzero(~(gap < ACT_SECONDS))
    act_acc, act_t = acc[starts], t[starts]
    act_end = np.maximum.reduceat(t, starts)
    # the gap to the previous act is measured between their first posts
    act_gap = np.where(np.r_[False, act_acc[1:] == act_acc[:-1]], act_t - np.r_[act_t[:1], act_t[:-1]], np.nan)
    n_posts = np.bincount(acc, minlength=n_acc)
    columns = {"f_burst": 1 - np.bincount(act_acc, minlength=n_acc) / n_posts}
    # the shape of the short gaps: posts placed independently in a session leave gaps whose density falls
    # from zero (many under a minute); separate pick-ups a few minutes apart leave a hole below their spacing
    under_15 = np.bincount(acc, gap < 900, n_acc)
    with np.errstate(invalid="ignore", divide="ignore"):
        columns["short_1"] = np.where(under_15 > 0, np.bincount(acc, gap < 60, n_acc) / under_15, 0.5)
        columns["short_5"] = np.where(under_15 > 0, np.bincount(acc, gap < 300, n_acc) / under_15, 0.5)
    columns |= _cluster_shape(act_acc, act_t, act_gap, hour[starts], n_acc)
    for minutes in THRESHOLDS_MINUTES:
        columns[f"t_{minutes:g}"], columns[f"one_act_{minutes:g}"] = _threshold_hours(
            act_acc, act_t, act_end, act_gap, n_acc, minutes)
    logs = np.stack([np.log(np.maximum(columns[f"t_{m:g}"], 1e-6)) for m in THRESHOLDS_MINUTES])
    model = np.exp(logs.mean(0))
    for m, row in zip(THRESHOLDS_MINUTES, logs, strict=True):
        columns[f"x_bridge_{m}"] = row - np.log(model)
    keys = p.select(by).filter(pl.Series(~same))
    return keys.with_columns(model_hours=pl.Series(model), **{k: pl.Series(v) for k, v in columns.items()})
