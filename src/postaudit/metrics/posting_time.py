"""time_on_platform: per account (and all accounts merged), what posts prove and what they suggest about time spent.

* `floor_hours`: the union of each post's stated composition time before it (conservative set) and nothing
  else: no gap is bridged, so no threshold decides it.
* `posting_hours` with a 95% interval: an estimate of the hours inside sessions that contain at least one
  of the account's own posts (metrics/posting_model.py, calibrated by simulation in metrics/calibration.py).
* Posts probably scheduled by a tool or a team (metrics/scheduled.py) are counted and left out of both.
* Days and baselines are local: the stated zone (IANA, daylight saving included) or one inferred per account.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from postaudit.metrics.calibration import MIN_DAYS, Calibration, feature_matrix
from postaudit.metrics.calibration import load as load_calibration
from postaudit.metrics.localtime import baselines, offset_name, resolve_zone, with_local_time
from postaudit.metrics.posting_model import account_model, floor_hours
from postaudit.metrics.scheduled import flag_scheduled
from postaudit.metrics.timezone import best_offsets

ACCOUNT = ["platform", "account_id"]
TIME_ON_PLATFORM_SCHEMA = {
    "platform": pl.Utf8, "account_id": pl.Utf8, "window_start": pl.Date, "window_end": pl.Date,
    "timezone": pl.Utf8, "timezone_source": pl.Utf8, "count_days": pl.Int64, "count_posts": pl.Int64,
    "count_scheduled_excluded": pl.Int64, "floor_hours": pl.Float64, "posting_hours": pl.Float64,
    "posting_hours_low": pl.Float64, "posting_hours_high": pl.Float64, "baseline_working_hours": pl.Float64,
    "baseline_waking_hours": pl.Float64, "baseline_day_hours": pl.Float64,
    **{f"share_{b}{end}": pl.Float64 for b in ("working", "waking", "day") for end in ("", "_low", "_high")},
    **{f"floor_share_{b}": pl.Float64 for b in ("working", "waking", "day")},
    "method": pl.Utf8,
}
METHOD = "range-padded sessions at 2-60 min gaps, kNN calibration on a SIMULATED prior"


def _zones(posts: pl.DataFrame, timezone: str | None) -> pl.DataFrame:
    """Per account: the zone used and whether it was stated, inferred, or the UTC default (too few posts to infer)."""
    accounts = posts.select(ACCOUNT).unique(maintain_order=True)
    if timezone is not None:
        return accounts.with_columns(timezone=pl.lit(resolve_zone(timezone)), timezone_source=pl.lit("stated"))
    tz = best_offsets(posts, ACCOUNT)
    return accounts.join(tz, on=ACCOUNT, how="left", nulls_equal=True, maintain_order="left").select(
        *ACCOUNT,
        timezone=pl.col("utc_offset_hours").map_elements(lambda h: offset_name(round(h * 60)), return_dtype=pl.Utf8)
        .fill_null("UTC"),
        timezone_source=pl.when(pl.col("utc_offset_hours").is_null()).then(pl.lit("default"))
        .otherwise(pl.lit("inferred")))


def _group_features(posts: pl.DataFrame, zones: pl.DataFrame, first: date | None, last: date | None) -> pl.DataFrame:
    """Per account of `posts` (already flagged): window, counts, floor, model estimate and calibration features."""
    local = with_local_time(posts, zones, ACCOUNT)
    window = local.group_by(ACCOUNT).agg(
        window_start=pl.lit(first, pl.Date) if first else pl.col("local_day").min(),
        window_end=pl.lit(last, pl.Date) if last else pl.col("local_day").max())
    inside = (local.join(window, on=ACCOUNT, nulls_equal=True)
              .filter(pl.col("local_day").is_between(pl.col("window_start"), pl.col("window_end"))))
    own = inside.filter(~pl.col("scheduled"))
    counts = inside.group_by(ACCOUNT).agg(count_posts=pl.len().cast(pl.Int64),
                                          count_scheduled_excluded=pl.col("scheduled").sum().cast(pl.Int64))
    out = (zones.join(window, on=ACCOUNT, how="left", nulls_equal=True)
           .join(counts, on=ACCOUNT, how="left", nulls_equal=True)
           .join(floor_hours(own, ACCOUNT), on=ACCOUNT, how="left", nulls_equal=True))
    if own.height:
        out = out.join(account_model(own, ACCOUNT), on=ACCOUNT, how="left", nulls_equal=True)
    else:
        out = out.with_columns(model_hours=pl.lit(None, pl.Float64))
    days = (pl.col("window_end") - pl.col("window_start")).dt.total_days() + 1
    out = out.with_columns(
        count_days=days.cast(pl.Int64), count_posts=pl.col("count_posts").fill_null(0),
        count_scheduled_excluded=pl.col("count_scheduled_excluded").fill_null(0),
        floor_hours=pl.col("floor_hours").fill_null(0.0),
    )
    return out.with_columns(
        # the model never claims less than the posts prove
        model_hours=pl.max_horizontal(pl.col("model_hours").fill_null(0.0), "floor_hours"),
        x_posts_per_day=((pl.col("count_posts") - pl.col("count_scheduled_excluded")) / days).log(),
        x_days=days.cast(pl.Float64).log(),
    ).with_columns(x_floor=(pl.col("floor_hours") / pl.col("model_hours")).log())


def posting_features(posts: pl.DataFrame, *, first: date | None = None, last: date | None = None,
                     timezone: str | None = None, merged: bool = True, per_account: bool = True) -> pl.DataFrame:
    """Per account (and 'all'): window, zone, counts, floor_hours, model_hours and the calibration features.

    The part of to_time_on_platform before the calibration layer; the benchmark builds its table from it.
    """
    if first is not None and last is not None and last < first:
        raise ValueError(f"the window ends ({last}) before it starts ({first})")
    cols = [c for c in ("platform", "account_id", "created_at", "kind", "text_chars", "text", "source")
            if c in posts.columns]
    p = posts.select(cols).with_columns(pl.col("created_at").dt.cast_time_unit("us"))
    # judged per account on everything given (not only the window): more posts show a cadence better
    p = flag_scheduled(p, ACCOUNT).drop("scheduled_reason")
    groups = [_group_features(p, _zones(p, timezone), first, last)] if per_account else []
    if merged:
        everyone = p.with_columns(platform=pl.lit("all"), account_id=pl.lit("all")).sort("created_at")
        groups.append(_group_features(everyone, _zones(everyone, timezone), first, last))
    return pl.concat(groups, how="diagonal_relaxed")


def calibrated(features: pl.DataFrame, table: Calibration | None = None) -> pl.DataFrame:
    """posting_hours, its 95% interval and the method's name for posting_features' rows."""
    table = table or load_calibration()
    x = feature_matrix(features, table.features)
    model = features["model_hours"].to_numpy()
    point, low, high = table.predict(x, model) if len(model) else (model, model, model)
    own = (features["count_posts"] - features["count_scheduled_excluded"]).to_numpy() > 0
    short = own & (features["count_days"].to_numpy() < MIN_DAYS)
    floor = features["floor_hours"].to_numpy()
    point = np.where(own, np.maximum(point, floor), 0.0)
    low = np.where(short, np.nan, np.where(own, np.clip(low, floor, point), 0.0))
    high = np.where(short, np.nan, np.where(own, np.maximum(high, point), 0.0))
    method = f"{METHOD} ({table.version})"
    methods = np.where(~own, "no own posts in the window",
                       np.where(short, f"{method}; window under {MIN_DAYS} days: no calibrated interval", method))
    return features.with_columns(posting_hours=pl.Series(point), posting_hours_low=pl.Series(low).fill_nan(None),
                                 posting_hours_high=pl.Series(high).fill_nan(None), method=pl.Series(methods))


def to_time_on_platform(posts: pl.DataFrame, *, first: date | None = None, last: date | None = None,
                        timezone: str | None = None, n_boot: int = 500, seed: int = 0,
                        merged: bool = True, per_account: bool = True) -> pl.DataFrame:
    """One time_on_platform row per (platform, account_id), plus platform 'all' (every account as one person).

    posts: platform, account_id, post_id, created_at (UTC), kind, text or text_chars, and optionally source
    (the client's name). first/last: local dates of the window, inclusive (default: each account's first and
    last local day with a post). timezone: an IANA name or fixed offset for every account (default: inferred
    per account from its daily rhythm, metrics/timezone.py). n_boot, seed: part of the seam's signature; the
    calibrated interval draws no bootstrap (account_timezone's confidence figure is where one is drawn).
    merged: add the 'all' row; per_account: the accounts' own rows (the build streams accounts, then asks
    for 'all' alone).
    """
    if posts.is_empty():
        return pl.DataFrame(schema=TIME_ON_PLATFORM_SCHEMA)
    est = calibrated(posting_features(posts, first=first, last=last, timezone=timezone, merged=merged,
                                      per_account=per_account))
    rows = []
    for r in est.iter_rows(named=True):
        base = baselines(r["timezone"], r["window_start"], r["window_end"])
        row = {**r, **base}
        for b in ("working", "waking", "day"):
            denominator = base[f"baseline_{b}_hours"]
            for end in ("", "_low", "_high"):
                value = row[f"posting_hours{end}"]
                row[f"share_{b}{end}"] = None if value is None else value / denominator
            row[f"floor_share_{b}"] = row["floor_hours"] / denominator
        rows.append({c: row[c] for c in TIME_ON_PLATFORM_SCHEMA})
    return pl.DataFrame(rows, schema=TIME_ON_PLATFORM_SCHEMA).sort(
        pl.col("platform") == "all", *ACCOUNT, nulls_last=True, maintain_order=True)
