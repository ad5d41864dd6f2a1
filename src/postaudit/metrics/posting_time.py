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

import polars as pl

from postaudit.metrics.assumptions import CONSERVATIVE
from postaudit.metrics.localtime import baselines, offset_name, resolve_zone, with_local_time
from postaudit.metrics.posting_model import estimate_posting_hours
from postaudit.metrics.scheduled import flag_scheduled
from postaudit.metrics.sessions import interval_minutes, merge_intervals, with_begun
from postaudit.metrics.timezone import to_account_timezone

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
GROUP = ["platform", "account_id"]


def floor_hours(posts: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    """Per group of `by`: hours of the union of [post − composition time, post] (conservative composition set)."""
    if posts.is_empty():
        return pl.DataFrame(schema={**{c: posts.schema[c] for c in by}, "floor_hours": pl.Float64})
    begun = with_begun(posts, {"floor": CONSERVATIVE}, by=by)
    intervals = begun.select(*by, started_at="begun_floor", ended_at="created_at", count_posts=pl.lit(1, pl.UInt32))
    merged = merge_intervals(intervals, by)
    return merged.group_by(by).agg(floor_hours=(interval_minutes() / 60).sum())


def _zones(posts: pl.DataFrame, timezone: str | None, n_boot: int, seed: int) -> pl.DataFrame:
    """Per account: the zone used and whether it was stated, inferred, or the UTC default (too few posts)."""
    accounts = posts.select(ACCOUNT).unique(maintain_order=True)
    if timezone is not None:
        return accounts.with_columns(timezone=pl.lit(resolve_zone(timezone)), timezone_source=pl.lit("stated"))
    tz = to_account_timezone(posts.select(*ACCOUNT, "created_at"), n_boot=n_boot, seed=seed)
    return accounts.join(tz, on=ACCOUNT, how="left", nulls_equal=True, maintain_order="left").select(
        *ACCOUNT,
        timezone=pl.col("utc_offset_hours").map_elements(lambda h: offset_name(round(h * 60)), return_dtype=pl.Utf8)
        .fill_null("UTC"),
        timezone_source=pl.when(pl.col("utc_offset_hours").is_null()).then(pl.lit("default"))
        .otherwise(pl.lit("inferred")))


def _rows(posts: pl.DataFrame, zones: pl.DataFrame, first: date | None, last: date | None,
          accounts: pl.DataFrame, seed: int) -> list[dict]:
    local = with_local_time(posts, zones, ACCOUNT)
    spans = local.group_by(ACCOUNT).agg(lo=pl.col("local_day").min(), hi=pl.col("local_day").max())
    bounds = {(r["platform"], r["account_id"]): (first or r["lo"], last or r["hi"]) for r in spans.iter_rows(named=True)}
    window = pl.DataFrame([{"platform": p, "account_id": a, "_first": f, "_last": la} for (p, a), (f, la) in bounds.items()],
                          schema={"platform": pl.Utf8, "account_id": pl.Utf8, "_first": pl.Date, "_last": pl.Date})
    inside = (local.join(window, on=ACCOUNT, nulls_equal=True)
              .filter(pl.col("local_day").is_between(pl.col("_first"), pl.col("_last"))).drop("_first", "_last"))
    flagged = inside
    own = flagged.filter(~pl.col("scheduled"))
    floors = {(r[0], r[1]): r[2] for r in floor_hours(own, ACCOUNT).iter_rows()}
    estimates = estimate_posting_hours(own, ACCOUNT, seed=seed)
    counts = {(r[0], r[1]): (r[2], r[3]) for r in flagged.group_by(ACCOUNT).agg(
        pl.len(), pl.col("scheduled").sum()).iter_rows()}
    rows = []
    for platform, account_id, zone, source in zones.join(accounts, on=ACCOUNT, nulls_equal=True).iter_rows():
        key = (platform, account_id)
        lo, hi = bounds.get(key, (first, last))
        if lo is None or hi is None or hi < lo:
            continue
        n, n_sched = counts.get(key, (0, 0))
        est = estimates.get(key, {"posting_hours": 0.0, "posting_hours_low": 0.0, "posting_hours_high": 0.0,
                                  "method": "no posts in the window"})
        base = baselines(zone, lo, hi)
        row = {"platform": platform, "account_id": account_id, "window_start": lo, "window_end": hi,
               "timezone": zone, "timezone_source": source, "count_days": (hi - lo).days + 1,
               "count_posts": int(n), "count_scheduled_excluded": int(n_sched), "floor_hours": float(floors.get(key, 0.0)),
               **{k: est[k] for k in ("posting_hours", "posting_hours_low", "posting_hours_high")}, **base}
        for b in ("working", "waking", "day"):
            denominator = base[f"baseline_{b}_hours"]
            for end in ("", "_low", "_high"):
                value = row[f"posting_hours{end}"]
                row[f"share_{b}{end}"] = None if value is None else value / denominator
            row[f"floor_share_{b}"] = row["floor_hours"] / denominator
        row["method"] = est["method"]
        rows.append(row)
    return rows


def to_time_on_platform(posts: pl.DataFrame, *, first: date | None = None, last: date | None = None,
                        timezone: str | None = None, n_boot: int = 500, seed: int = 0,
                        merged: bool = True) -> pl.DataFrame:
    """One time_on_platform row per (platform, account_id), plus platform 'all' (every account as one person).

    posts: platform, account_id, post_id, created_at (UTC), kind, text or text_chars, and optionally source
    (the client's name). first/last: local dates of the window, inclusive (default: each account's first and
    last local day with a post). timezone: an IANA name or fixed offset for every account (default: inferred
    per account from its daily rhythm). n_boot, seed: the time-zone inference's day bootstrap.
    """
    if first is not None and last is not None and last < first:
        raise ValueError(f"the window ends ({last}) before it starts ({first})")
    if posts.is_empty():
        return pl.DataFrame(schema=TIME_ON_PLATFORM_SCHEMA)
    cols = [c for c in ("platform", "account_id", "created_at", "kind", "text_chars", "text", "source")
            if c in posts.columns]
    p = posts.select(cols).with_columns(pl.col("created_at").dt.cast_time_unit("us"))
    # judged per account on everything given (not only the window): more posts show a cadence better
    p = flag_scheduled(p, ACCOUNT).drop("scheduled_reason")
    accounts = p.select(ACCOUNT).unique(maintain_order=True).sort(ACCOUNT, nulls_last=True)
    rows = _rows(p, _zones(p, timezone, n_boot, seed), first, last, accounts, seed)
    if merged:
        everyone = p.with_columns(platform=pl.lit("all"), account_id=pl.lit("all")).sort("created_at")
        rows += _rows(everyone, _zones(everyone, timezone, n_boot, seed), first, last,
                      everyone.select(ACCOUNT).unique(), seed)
    return pl.DataFrame(rows, schema=TIME_ON_PLATFORM_SCHEMA)
