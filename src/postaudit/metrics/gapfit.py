"""A per-account session gap threshold from the bimodal distribution of inter-post gaps (Halfaker et al. 2015)."""

from __future__ import annotations

import math

import numpy as np
import polars as pl

MIN_GAPS = 30          # fewer gaps than this cannot show two modes; fall back to the fixed threshold
BOUNDS = (5.0, 120.0)  # minutes: a fitted threshold outside this range is clipped, and the clip is reported


def inter_post_minutes(posts: pl.DataFrame) -> np.ndarray:
    """Minutes between consecutive posts of each account (the account's first post has none)."""
    gaps = (posts.sort("platform", "account_id", "created_at")
            .select(pl.col("created_at").diff().over("platform", "account_id").dt.total_microseconds() / 60e6)
            .to_series().drop_nulls())
    return gaps.filter(gaps > 0).to_numpy().astype(float)


def fit_gap_threshold(gaps_minutes: np.ndarray, iterations: int = 200) -> dict:
    """Fit two normal components to log gaps (EM) and return where the within-session one stops dominating.

    Halfaker et al. (WWW 2015) find inter-activity times bimodal on a log scale across many systems and
    put the session boundary where the two fitted components cross. Returns the threshold in minutes,
    the two component means (minutes), and whether the fit was usable.
    """
    x = np.log(gaps_minutes[gaps_minutes > 0])
    if len(x) < MIN_GAPS:
        return {"threshold_minutes": None, "ok": False, "reason": f"only {len(x)} gaps (need {MIN_GAPS})"}
    mu = np.quantile(x, [0.25, 0.75])
    sd = np.array([x.std(), x.std()]) / 2 + 1e-3
    w = np.array([0.5, 0.5])
    for _ in range(iterations):
        dens = w * np.exp(-0.5 * ((x[:, None] - mu) / sd) ** 2) / (sd * math.sqrt(2 * math.pi))
        resp = dens / np.maximum(dens.sum(axis=1, keepdims=True), 1e-300)
        nk = resp.sum(axis=0) + 1e-9
        w = nk / len(x)
        mu = (resp * x[:, None]).sum(axis=0) / nk
        sd = np.sqrt((resp * (x[:, None] - mu) ** 2).sum(axis=0) / nk) + 1e-3
    order = np.argsort(mu)
    mu, sd, w = mu[order], sd[order], w[order]
    if w.min() < 0.05 or mu[1] - mu[0] < 1.0:  # one mode dominates, or modes less than e× apart
        return {"threshold_minutes": None, "ok": False, "reason": "gap distribution is not bimodal"}
    grid = np.linspace(mu[0], mu[1], 2001)
    d0 = w[0] * np.exp(-0.5 * ((grid - mu[0]) / sd[0]) ** 2) / sd[0]
    d1 = w[1] * np.exp(-0.5 * ((grid - mu[1]) / sd[1]) ** 2) / sd[1]
    cross = grid[np.argmax(d1 > d0)] if (d1 > d0).any() else mu[1]
    raw = float(math.exp(cross))
    clipped = float(min(max(raw, BOUNDS[0]), BOUNDS[1]))
    return {"threshold_minutes": clipped, "raw_threshold_minutes": raw, "ok": True,
            "within_mode_minutes": float(math.exp(mu[0])), "between_mode_minutes": float(math.exp(mu[1])),
            "within_weight": float(w[0]), "reason": "clipped" if clipped != raw else "fitted"}
