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

import polars as pl

from postaudit.metrics.assumptions import CONSERVATIVE
from postaudit.metrics.sessions import interval_minutes, merge_intervals, with_begun

ACT_SECONDS = 60.0
THRESHOLDS_MINUTES = (2, 5, 10, 30, 60)
FEATURES = ("x_posts_per_day", "x_days", "x_floor", "f_burst", "one_act_10", "one_act_60",
            *(f"x_bridge_{t}" for t in THRESHOLDS_MINUTES if t != 10), "short_1", "short_5")


def floor_hours(posts: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    """Per group of `by`: hours of the union of [post − composition time, post] (conservative composition set)."""
    if posts.is_empty():
        return pl.DataFrame(schema={**{c: posts.schema[c] for c in by}, "floor_hours": pl.Float64})
    begun = with_begun(posts, {"floor": CONSERVATIVE}, by=by)
    intervals = begun.select(*by, started_at="begun_floor", ended_at="created_at", count_posts=pl.lit(1, pl.UInt32))
    merged = merge_intervals(intervals, by)
    return merged.group_by(by).agg(floor_hours=(interval_minutes() / 60).sum())


def _gaps(posts: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    """Posts sorted by account and time with t (epoch seconds), acc (account index), gap to the previous post."""
    t = pl.col("created_at").dt.epoch("us").cast(pl.Float64) / 1e6
    p = posts.select(*by, "created_at").sort(*by, "created_at", nulls_last=True)
    p = p.with_columns(acc=pl.struct(by).rle_id(), t=t)
    return p.with_columns(gap=pl.col("t").diff().over("acc"))


def _threshold_hours(acts: pl.DataFrame, minutes: float) -> pl.DataFrame:
    """Per account: T_τ (hours) and the share of one-act sessions when acts closer than τ minutes belong together."""
    s = (acts.with_columns(sid=(pl.col("gap").is_null() | (pl.col("gap") > minutes * 60)).cum_sum())
         .group_by("acc", "sid").agg(k=pl.len(), span=pl.col("end").max() - pl.col("t").min()))
    multi = pl.col("k") >= 2
    s = s.with_columns(length=pl.when(multi).then(pl.col("span") * (pl.col("k") + 1) / (pl.col("k") - 1)))
    s = s.with_columns(est=pl.coalesce("length", pl.col("length").mean().over("acc"), pl.col("span")))
    return s.group_by("acc").agg(**{f"t_{minutes:g}": pl.col("est").sum() / 3600,
                                    f"one_act_{minutes:g}": (pl.col("k") == 1).mean()})


def account_model(posts: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    """Per group of `by` (one person's account): model_hours, T_τ per threshold and the calibration features.

    `posts` holds created_at (UTC) and the columns of `by`. Features that need the window or the floor
    (x_posts_per_day, x_days, x_floor) are added by posting_time, which knows them.
    """
    p = _gaps(posts, by)
    keys = p.group_by("acc", maintain_order=True).agg(*(pl.col(c).first() for c in by))
    new_act = pl.col("gap").is_null() | (pl.col("gap") >= ACT_SECONDS)
    acts = (p.with_columns(act=new_act.cum_sum()).group_by("acc", "act", maintain_order=True)
            .agg(t=pl.col("t").first(), end=pl.col("t").last(), posts=pl.len())
            .with_columns(gap=pl.col("t").diff().over("acc")))
    out = keys.join(acts.group_by("acc").agg(f_burst=1 - pl.len() / pl.col("posts").sum()), on="acc", how="left")
    # the shape of the short gaps: posts placed independently in a session leave gaps whose density falls
    # from zero (many under a minute); separate pick-ups a few minutes apart leave a hole below their spacing
    g = pl.col("gap")
    under_15 = (g < 900).sum()
    out = out.join(p.group_by("acc").agg(short_1=((g < 60).sum() / under_15).fill_nan(None),
                                         short_5=((g < 300).sum() / under_15).fill_nan(None)), on="acc", how="left")
    for minutes in THRESHOLDS_MINUTES:
        out = out.join(_threshold_hours(acts, minutes), on="acc", how="left")
    logs = [pl.col(f"t_{t:g}").clip(1e-6).log() for t in THRESHOLDS_MINUTES]
    out = out.with_columns(model_hours=(pl.sum_horizontal(logs) / len(logs)).exp())
    return out.with_columns(
        *(((pl.col(f"t_{t:g}").clip(1e-6) / pl.col("model_hours")).log()).alias(f"x_bridge_{t}")
          for t in THRESHOLDS_MINUTES),
        short_1=pl.col("short_1").fill_null(0.5), short_5=pl.col("short_5").fill_null(0.5),
    ).sort("acc").drop("acc")
