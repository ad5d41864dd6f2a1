"""Posts probably scheduled by a tool or a team: kept out of the floor and the estimate, counted and named.

A scheduled post is published by a tool at a chosen time, whether or not anyone is on the platform then,
so it says nothing about the person's sessions. Three signs, in order:

* `client`: the post's client (`source`) names a scheduling tool. X API v2 no longer returns `source`
  for other people's posts; the account archive carries it (as an HTML anchor, read into `client_name`).
* `exact_quarter_hour`: published at hh:00, :15, :30 or :45 with zero seconds, where the account's
  posts otherwise carry seconds, and more such posts than chance gives (a person posting by hand lands
  on one of these instants about once in 900 posts; the account is flagged only when its count has a
  Poisson tail probability below 1e-3, so a regular cadence is needed).
* `quarter_hour_cadence`: a tool whose posts go out some seconds late: among posts with no other own post
  within `ISOLATED_MINUTES` (a person in a session posts near other posts; a tool's post stands alone),
  an excess in the first `JITTER_SECONDS` of quarter hours (same tail test); those posts are flagged.
"""

from __future__ import annotations

import math

import polars as pl

SCHEDULING_CLIENTS = (
    "buffer", "hootsuite", "sprout social", "sprinklr", "socialflow", "khoros", "falcon.io", "agorapulse",
    "publer", "loomly", "sendible", "coschedule", "zapier", "ifttt", "dlvr.it", "media studio", "twitter ads",
    "x ads", "hubspot", "socialbee", "meetedgar", "typefully", "hypefury", "tweet hunter", "tweethunter",
    "planable", "post planner", "oktopost", "crowdfire", "emplifi", "meltwater", "social studio", "statusbrew",
    "contentstudio", "vista social", "metricool", "revive old post", "later.com", "later media", "tailwind",
    "postoplan", "nuelink", "socialpilot", "eclincher", "brandwatch", "cision", "semrush",
)
ALPHA = 1e-3
JITTER_SECONDS = 60
ISOLATED_MINUTES = 10.0
MIN_COUNT = 3
REASON = pl.Enum(["client", "exact_quarter_hour", "quarter_hour_cadence"])


def poisson_tail(k: int, lam: float) -> float:
    """An upper bound on P(X ≥ k) for X ~ Poisson(lam): the first term times a geometric series (k > lam)."""
    if k <= lam + 1 or lam <= 0:
        return 1.0 if lam > 0 or k <= 0 else 0.0
    log_first = k * math.log(lam) - lam - math.lgamma(k + 1)
    return min(1.0, math.exp(log_first) / (1 - lam / (k + 1)))


def is_scheduling_client(source: pl.Expr) -> pl.Expr:
    """Whether a client name names a scheduling tool (case-insensitive)."""
    s = source.str.to_lowercase()
    return pl.any_horizontal([s.str.contains(name, literal=True) for name in SCHEDULING_CLIENTS]).fill_null(False)


def flag_scheduled(posts: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    """Posts with `scheduled` (bool) and `scheduled_reason`, judged per group of `by` (an account).

    Needs created_at (UTC); reads `source` (the client name) when the frame has it.
    """
    at = pl.col("created_at")
    client = is_scheduling_client(pl.col("source")) if "source" in posts.columns else pl.lit(False)
    quarter = (at.dt.minute() % 15) == 0
    zero = (at.dt.second() == 0) & (at.dt.microsecond() == 0)
    p = (posts.with_columns(_client=client, _exact=quarter & zero, _near=quarter & ~zero & (at.dt.second() < JITTER_SECONDS),
                            _off_zero=~quarter & zero, _off=~quarter)
         .sort(*by, "created_at", maintain_order=True))
    # isolation: the account's previous and next posts, of any kind, are far away (a candidate must not
    # ignore its own neighbours: a burst in a quarter-hour minute would otherwise look like a lone post)
    gap = pl.duration(minutes=ISOLATED_MINUTES)
    p = p.with_columns(_isolated=((at - at.shift(1).over(by)).fill_null(gap * 2) > gap)
                       & ((at.shift(-1).over(by) - at).fill_null(gap * 2) > gap))
    stats = p.group_by(by).agg(n=pl.len(), exact=pl.col("_exact").sum(), off_zero=pl.col("_off_zero").sum(),
                               off=pl.col("_off").sum(), isolated=(pl.col("_isolated") & ~pl.col("_exact")).sum(),
                               near=(pl.col("_near") & pl.col("_isolated")).sum())
    decisions = []
    for row in stats.iter_rows(named=True):
        minute_resolution = row["off"] > 0 and row["off_zero"] / row["off"] >= 0.5
        # by hand, a post lands on an exact quarter-hour instant 4 times in 3600 seconds (1 in 900), or, with
        # minute-resolution times, in a quarter-hour minute 4 times in 60
        p_exact = (4 / 60) if minute_resolution else (4 / 3600)
        exact = row["exact"] >= MIN_COUNT and poisson_tail(row["exact"], row["n"] * p_exact) < ALPHA
        # an isolated post by hand falls in the first JITTER_SECONDS of a quarter hour 4·JITTER/3600 of the time
        near = (not minute_resolution and row["near"] >= MIN_COUNT
                and poisson_tail(row["near"], row["isolated"] * 4 * JITTER_SECONDS / 3600) < ALPHA)
        decisions.append({**{c: row[c] for c in by}, "_flag_exact": exact, "_flag_near": near})
    flags = pl.DataFrame(decisions, schema={**{c: posts.schema[c] for c in by}, "_flag_exact": pl.Boolean,
                                            "_flag_near": pl.Boolean})
    p = p.join(flags, on=by, how="left", nulls_equal=True, maintain_order="left")
    reason = (pl.when(pl.col("_client")).then(pl.lit("client"))
              .when(pl.col("_exact") & pl.col("_flag_exact")).then(pl.lit("exact_quarter_hour"))
              .when(pl.col("_near") & pl.col("_flag_near") & pl.col("_isolated")).then(pl.lit("quarter_hour_cadence"))
              .otherwise(None).cast(REASON))
    return (p.with_columns(scheduled_reason=reason).with_columns(scheduled=pl.col("scheduled_reason").is_not_null())
            .drop("_client", "_exact", "_near", "_off_zero", "_off", "_flag_exact", "_flag_near", "_isolated"))
