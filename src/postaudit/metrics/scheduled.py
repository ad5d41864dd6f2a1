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

import numpy as np
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


def is_scheduling_client(name: str | None) -> bool:
    """Whether a client name names a scheduling tool (case-insensitive)."""
    low = (name or "").lower()
    return any(tool in low for tool in SCHEDULING_CLIENTS)


def _client_flags(posts: pl.DataFrame) -> pl.Expr:
    """Per post, whether its client is a scheduling tool: judged once per distinct client name (there are few)."""
    if "source" not in posts.columns:
        return pl.lit(False)
    names = [n for n in posts["source"].unique().to_list() if n is not None]
    tools = [n for n in names if is_scheduling_client(n)]
    return pl.col("source").is_in(tools).fill_null(False) if tools else pl.lit(False)


def _decide(n: np.ndarray, exact: np.ndarray, near: np.ndarray, isolated: np.ndarray, off: np.ndarray,
            off_zero: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per account, whether its exact-instant posts and its lone near-instant posts are a cadence (tail tests)."""
    flag_exact = np.zeros(len(n), bool)
    flag_near = np.zeros(len(n), bool)
    for i in range(len(n)):
        minute_resolution = off[i] > 0 and off_zero[i] / off[i] >= 0.5
        # by hand, a post lands on an exact quarter-hour instant 4 times in 3600 seconds (1 in 900), or, with
        # minute-resolution times, in a quarter-hour minute 4 times in 60
        p_exact = (4 / 60) if minute_resolution else (4 / 3600)
        flag_exact[i] = exact[i] >= MIN_COUNT and poisson_tail(int(exact[i]), n[i] * p_exact) < ALPHA
        # a lone post by hand falls in the first JITTER_SECONDS of a quarter hour 4·JITTER/3600 of the time
        flag_near[i] = (not minute_resolution and near[i] >= MIN_COUNT
                        and poisson_tail(int(near[i]), isolated[i] * 4 * JITTER_SECONDS / 3600) < ALPHA)
    return flag_exact, flag_near


def flag_scheduled(posts: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    """Posts (sorted by `by`, then time) with `scheduled` (bool) and `scheduled_reason`, judged per group of `by`.

    Needs created_at (UTC); reads `source` (the client name) when the frame has it.
    """
    p = posts.sort(*by, "created_at", maintain_order=True, nulls_last=True)
    if p.is_empty():
        return p.with_columns(scheduled_reason=pl.lit(None, REASON), scheduled=pl.lit(False))
    acc = p.select(pl.struct(by).rle_id()).to_series().to_numpy().astype(np.int64)
    us = p["created_at"].dt.epoch("us").to_numpy()
    seconds = us // 1_000_000
    second, minute = seconds % 60, (seconds // 60) % 60
    quarter = minute % 15 == 0
    zero = (second == 0) & (us % 1_000_000 == 0)
    exact, near = quarter & zero, quarter & ~zero & (second < JITTER_SECONDS)
    client = p.select(_client_flags(p)).to_series().to_numpy() if "source" in p.columns else np.zeros(len(p), bool)
    # lone: the account's previous and next posts, of any kind, are far away (a candidate must not ignore its
    # own neighbours: a burst in a quarter-hour minute would otherwise look like a lone post)
    same_prev = np.r_[False, acc[1:] == acc[:-1]]
    same_next = np.r_[acc[1:] == acc[:-1], False]
    gap = ISOLATED_MINUTES * 60e6
    before = np.where(same_prev, us - np.r_[us[:1], us[:-1]], np.inf)
    after = np.where(same_next, np.r_[us[1:], us[-1:]] - us, np.inf)
    isolated = (before > gap) & (after > gap)
    m = int(acc.max()) + 1

    def count(mask: np.ndarray) -> np.ndarray:
        return np.bincount(acc, mask, m)

    flag_exact, flag_near = _decide(np.bincount(acc, minlength=m), count(exact), count(near & isolated),
                                    count(isolated & ~exact), count(~quarter), count(~quarter & zero))
    reason = np.where(client, 0, np.where(exact & flag_exact[acc], 1,
                                          np.where(near & flag_near[acc] & isolated, 2, -1)))
    names = np.array([*REASON.categories, None], dtype=object)
    return p.with_columns(scheduled_reason=pl.Series(names[reason].tolist(), dtype=REASON),
                          scheduled=pl.Series(reason >= 0))
