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

from postaudit.metrics.assumptions import CONSERVATIVE
from postaudit.metrics.calibration import MIN_DAYS, Calibration, feature_matrix
from postaudit.metrics.calibration import load as load_calibration
from postaudit.metrics.localtime import baselines, offset_name, resolve_zone, with_local_time
from postaudit.metrics.posting_model import account_model, floor_hours, trace_seconds
from postaudit.metrics.scheduled import flag_scheduled
from postaudit.metrics.sessions import compose_seconds
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
    # traces besides posts (activity_events: likes, ad impressions, edits, ...), apart from the posts' figures
    "count_traces": pl.Int64, "traces_used": pl.Utf8, "trace_floor_hours": pl.Float64,
    "activity_floor_hours": pl.Float64, "activity_hours": pl.Float64, "activity_hours_low": pl.Float64,
    "activity_hours_high": pl.Float64,
}
METHOD = "range-padded sessions at 2-60 min gaps, kNN calibration on a SIMULATED prior"
TRACE_COLUMNS = ["platform", "account_id", "kind", "occurred_at"]


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


def _model_rows(events: pl.DataFrame, keys: pl.DataFrame, traced: bool) -> pl.DataFrame:
    """Floor, model_hours and features per account of `keys` from its events (own posts, or posts and traces);
    x_posts_per_day counts events per window (the caller divides by its days)."""
    out = keys.join(floor_hours(events, ACCOUNT), on=ACCOUNT, how="left", nulls_equal=True)
    if events.height:
        out = out.join(account_model(events, ACCOUNT), on=ACCOUNT, how="left", nulls_equal=True)
    else:
        out = out.with_columns(model_hours=pl.lit(None, pl.Float64))
    counts = events.group_by(ACCOUNT).agg(n_events=pl.len(), n_traces=pl.col("is_trace").sum())
    out = out.join(counts, on=ACCOUNT, how="left", nulls_equal=True).with_columns(
        floor_hours=pl.col("floor_hours").fill_null(0.0))
    return out.with_columns(
        # the model never claims less than the events prove
        model_hours=pl.max_horizontal(pl.col("model_hours").fill_null(0.0), "floor_hours"),
        n_events=pl.col("n_events").fill_null(0),
        x_trace_share=(pl.col("n_traces") / pl.col("n_events")).fill_null(0.0) if traced else pl.lit(0.0),
    ).with_columns(x_floor=(pl.col("floor_hours") / pl.col("model_hours")).log()).drop("n_traces")


def _with_days(rows: pl.DataFrame) -> pl.DataFrame:
    days = (pl.col("window_end") - pl.col("window_start")).dt.total_days() + 1
    return rows.with_columns(x_posts_per_day=(pl.col("n_events") / days).log()).drop("n_events")


def _group_features(posts: pl.DataFrame, zones: pl.DataFrame, first: date | None, last: date | None,
                    traces: pl.DataFrame | None = None) -> tuple[pl.DataFrame, pl.DataFrame | None]:
    """Per account of `posts` (already flagged): window, counts, floor, model estimate and calibration features;
    with traces, the same over own posts and traces together for the accounts that have some (else None)."""
    local = with_local_time(posts, zones, ACCOUNT)
    window = local.group_by(ACCOUNT).agg(
        window_start=pl.lit(first, pl.Date) if first else pl.col("local_day").min(),
        window_end=pl.lit(last, pl.Date) if last else pl.col("local_day").max())
    inside = (local.join(window, on=ACCOUNT, nulls_equal=True)
              .filter(pl.col("local_day").is_between(pl.col("window_start"), pl.col("window_end"))))
    own = inside.filter(~pl.col("scheduled"))
    own = own.with_columns(compose=compose_seconds(own, CONSERVATIVE), is_trace=pl.lit(False))
    counts = inside.group_by(ACCOUNT).agg(count_posts=pl.len().cast(pl.Int64),
                                          count_scheduled_excluded=pl.col("scheduled").sum().cast(pl.Int64))
    days = (pl.col("window_end") - pl.col("window_start")).dt.total_days() + 1
    base = (zones.join(window, on=ACCOUNT, how="left", nulls_equal=True)
            .join(counts, on=ACCOUNT, how="left", nulls_equal=True)
            .with_columns(count_days=days.cast(pl.Int64), count_posts=pl.col("count_posts").fill_null(0),
                          count_scheduled_excluded=pl.col("count_scheduled_excluded").fill_null(0),
                          x_days=days.cast(pl.Float64).log()))
    events = own.select(*ACCOUNT, "created_at", "local_at", "compose", "is_trace")
    rows = _with_days(base.join(_model_rows(events, base.select(ACCOUNT), False), on=ACCOUNT, how="left",
                                nulls_equal=True))
    if traces is None or traces.is_empty():
        return rows, None
    t = (with_local_time(traces.select(*ACCOUNT, "kind", created_at=pl.col("occurred_at").dt.cast_time_unit("us")),
                         zones, ACCOUNT)
         .join(window, on=ACCOUNT, nulls_equal=True)
         .filter(pl.col("local_day").is_between(pl.col("window_start"), pl.col("window_end"))))
    if t.is_empty():
        return rows, None
    t = t.with_columns(compose=trace_seconds(t["kind"]), is_trace=pl.lit(True))
    used = (t.group_by(*ACCOUNT, "kind").len().sort("len", "kind", descending=[True, False])
            .group_by(ACCOUNT, maintain_order=True)
            .agg(count_traces=pl.col("len").sum().cast(pl.Int64),
                 traces_used=pl.concat_str("kind", pl.lit(" "), pl.col("len").cast(pl.Utf8)).str.join(", ")))
    trace_floor = floor_hours(t.select(*ACCOUNT, "created_at", "compose"), ACCOUNT).rename(
        {"floor_hours": "trace_floor_hours"})
    rows = (rows.join(used, on=ACCOUNT, how="left", nulls_equal=True)
            .join(trace_floor, on=ACCOUNT, how="left", nulls_equal=True))
    both = pl.concat([events, t.select(events.columns)]).sort(*ACCOUNT, "created_at", nulls_last=True)
    traced = base.join(used.select(ACCOUNT), on=ACCOUNT, how="semi", nulls_equal=True)
    activity = _with_days(traced.join(_model_rows(both, traced.select(ACCOUNT), True), on=ACCOUNT, how="left",
                                      nulls_equal=True))
    return rows, activity


def posting_features(posts: pl.DataFrame, *, first: date | None = None, last: date | None = None,
                     timezone: str | None = None, merged: bool = True, per_account: bool = True,
                     traces: pl.DataFrame | None = None, with_activity: bool = False):
    """Per account (and 'all'): window, zone, counts, floor_hours, model_hours and the calibration features.

    The part of to_time_on_platform before the calibration layer; the benchmark builds its table from it.
    traces: activity_events rows (platform, account_id, kind, occurred_at). With with_activity, returns
    (posts-only rows, rows over posts and traces for the accounts with traces in their window, or None).
    """
    if first is not None and last is not None and last < first:
        raise ValueError(f"the window ends ({last}) before it starts ({first})")
    cols = [c for c in ("platform", "account_id", "created_at", "kind", "text_chars", "text", "source")
            if c in posts.columns]
    p = posts.select(cols).with_columns(pl.col("created_at").dt.cast_time_unit("us"))
    # judged per account on everything given (not only the window): more posts show a cadence better
    p = flag_scheduled(p, ACCOUNT).drop("scheduled_reason")
    tr = None if traces is None or traces.is_empty() else traces.select(TRACE_COLUMNS).join(
        p.select(ACCOUNT).unique(), on=ACCOUNT, how="semi", nulls_equal=True)
    groups, activity = [], []
    if per_account:
        groups.append(_group_features(p, _zones(p, timezone), first, last, tr))
    if merged:
        everyone = p.with_columns(platform=pl.lit("all"), account_id=pl.lit("all")).sort("created_at")
        all_tr = None if tr is None else tr.with_columns(platform=pl.lit("all"), account_id=pl.lit("all"))
        groups.append(_group_features(everyone, _zones(everyone, timezone), first, last, all_tr))
    rows = pl.concat([g[0] for g in groups], how="diagonal_relaxed")
    if not with_activity:
        return rows
    activity = [g[1] for g in groups if g[1] is not None]
    return rows, (pl.concat(activity, how="diagonal_relaxed") if activity else None)


def calibrated(features: pl.DataFrame, table: Calibration | None = None, activity: bool = False) -> pl.DataFrame:
    """posting_hours, its 95% interval and the method's name for posting_features' rows (with activity, for its
    rows over posts and traces: every such row has events)."""
    table = table or load_calibration()
    x = feature_matrix(features, table.features)
    model = features["model_hours"].to_numpy()
    point, low, high = table.predict(x, model) if len(model) else (model, model, model)
    own = (features["count_posts"] - features["count_scheduled_excluded"]).to_numpy() > 0
    if activity:
        own = np.ones(len(model), bool)
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


def with_activity(est: pl.DataFrame, activity: pl.DataFrame | None, table: Calibration | None = None) -> pl.DataFrame:
    """The calibrated rows with the trace columns: activity_* from the rows over posts and traces where an
    account has traces in its window, else the posting figures (no traces: nothing more is shown)."""
    if activity is not None and activity.height:
        got = calibrated(activity, table, activity=True).select(
            *ACCOUNT, activity_floor_hours="floor_hours", activity_hours="posting_hours",
            activity_hours_low="posting_hours_low", activity_hours_high="posting_hours_high")
        est = est.join(got, on=ACCOUNT, how="left", nulls_equal=True)
    for c in ("count_traces", "traces_used", "trace_floor_hours", "activity_floor_hours", "activity_hours",
              "activity_hours_low", "activity_hours_high"):
        if c not in est.columns:
            est = est.with_columns(pl.lit(None, TIME_ON_PLATFORM_SCHEMA[c]).alias(c))
    traced = pl.col("count_traces").fill_null(0) > 0
    est = est.with_columns(
        count_traces=pl.col("count_traces").fill_null(0), trace_floor_hours=pl.col("trace_floor_hours").fill_null(0.0),
        activity_floor_hours=pl.when(traced).then("activity_floor_hours").otherwise("floor_hours"),
        **{f"activity_hours{e}": pl.when(traced).then(f"activity_hours{e}").otherwise(f"posting_hours{e}")
           for e in ("", "_low", "_high")})
    # Sessions with a post or a trace include every session with a post, so the activity estimate and its upper
    # end never fall below the posting ones (the two are calibrated apart and could cross: seen with 9 ad
    # traces, 1.32 h against 1.50 h). Raising them only widens the interval.
    return est.with_columns(
        **{f"activity_hours{e}": pl.when(pl.col(f"activity_hours{e}").is_not_null())
           .then(pl.max_horizontal(f"activity_hours{e}", f"posting_hours{e}")) for e in ("", "_high")})


def to_time_on_platform(posts: pl.DataFrame, *, first: date | None = None, last: date | None = None,
                        timezone: str | None = None, n_boot: int = 500, seed: int = 0,
                        merged: bool = True, per_account: bool = True,
                        traces: pl.DataFrame | None = None) -> pl.DataFrame:
    """One time_on_platform row per (platform, account_id), plus platform 'all' (every account as one person).

    posts: platform, account_id, post_id, created_at (UTC), kind, text or text_chars, and optionally source
    (the client's name). first/last: local dates of the window, inclusive (default: each account's first and
    last local day with a post). timezone: an IANA name or fixed offset for every account (default: inferred
    per account from its daily rhythm, metrics/timezone.py). n_boot, seed: part of the seam's signature; the
    calibrated interval draws no bootstrap (account_timezone's confidence figure is where one is drawn).
    merged: add the 'all' row; per_account: the accounts' own rows (the build streams accounts, then asks
    for 'all' alone). traces: activity_events rows (platform, account_id, kind, occurred_at) of the same
    accounts, or None: the activity_* columns then equal the posting ones.
    """
    if posts.is_empty():
        return pl.DataFrame(schema=TIME_ON_PLATFORM_SCHEMA)
    features, activity = posting_features(posts, first=first, last=last, timezone=timezone, merged=merged,
                                          per_account=per_account, traces=traces, with_activity=True)
    est = with_activity(calibrated(features), activity)
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
