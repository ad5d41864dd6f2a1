"""Verdict rules for claims, fixed before looking at data (docs/methodology.md explains each)."""

from __future__ import annotations

import json

import polars as pl

from postaudit.metrics.assumptions import ALL

TOLERANCE = 0.25   # relative: a 20% claim is "about right" between 15% and 25%
K_MAX = 3.0        # assumed cap: unobserved reading is at most 3x the observed posting time

NOT_TESTABLE = {
    "message_visibility": "how long a message stays on screen depends on everyone's messages in the group; "
                          "the executive's own posts cannot show it (a group export can: see the platforms issue)",
    "headcount": "an employee count leaves no trace in public posts",
}
MISSING = ("reading, likes and direct messages leave no public timestamp (the estimate is a floor); "
           "deleted and protected posts are absent; the X timeline endpoint reaches only the newest 3,200 posts")

VERDICT_SCHEMA = {
    "claim_id": pl.Utf8, "verdict": pl.Utf8, "reason": pl.Utf8, "claimed_value": pl.Float64, "unit": pl.Utf8,
    "platform": pl.Utf8, "estimate": pl.Float64, "ci_low": pl.Float64, "ci_high": pl.Float64,
    "tipping_point": pl.Float64, "tolerance": pl.Float64, "k_max": pl.Float64, "assumptions": pl.Utf8,
    "window_start": pl.Date, "window_end": pl.Date, "count_posts": pl.Int64, "missing": pl.Utf8,
}


def judge_share(claimed: float, est: dict[str, dict], tolerance: float = TOLERANCE, k_max: float = K_MAX) -> tuple[str, str]:
    """Verdict and reason for a claimed share (0..1) given estimates per assumption set."""
    low = est["conservative"]["ci_low"]
    high = est["liberal"]["ci_high"]
    lo_band, hi_band = claimed * (1 - tolerance), claimed * (1 + tolerance)
    if low > hi_band:
        return ("contradicted (more than claimed)",
                f"even the conservative lower bound {low:.1%} exceeds the claim's upper band {hi_band:.1%}")
    if lo_band <= low <= hi_band:
        return ("supported", f"the conservative lower bound {low:.1%} lies within {lo_band:.1%}–{hi_band:.1%}")
    if high * (1 + k_max) < lo_band:
        return (f"contradicted (less than claimed, assuming reading ≤ {k_max:g}× posting time)",
                f"the liberal upper bound {high:.1%} plus {k_max:g}× as much unobserved reading is still below {lo_band:.1%}")
    return ("not contradicted",
            "posting alone shows less time than claimed, but unobserved reading could make up the rest; "
            "this is not confirmation")


def to_verdicts(claims: pl.DataFrame, estimates: pl.DataFrame, tolerance: float = TOLERANCE,
                k_max: float = K_MAX) -> pl.DataFrame:
    """One verdict row per claim, with estimate, interval, tipping point and the assumptions used."""
    rows = []
    for c in claims.iter_rows(named=True):
        base = {"claim_id": c["claim_id"], "claimed_value": c["value"], "unit": c["unit"], "platform": c["platform"],
                "tolerance": tolerance, "k_max": k_max, "missing": MISSING}
        if c["kind"] in NOT_TESTABLE:
            rows.append({**base, "verdict": f"not testable ({c['kind'].replace('_', ' ')})", "reason": NOT_TESTABLE[c["kind"]]})
            continue
        platform = c["platform"]
        sel = estimates if platform in (None, "all") else estimates.filter(pl.col("platform") == platform)
        if sel.is_empty():
            rows.append({**base, "verdict": "not testable (no data)",
                         "reason": f"no posts on platform {platform!r} are in the warehouse"})
            continue
        est = {r["assumption_set"]: r for r in sel.iter_rows(named=True)}
        central = est["central"]
        if c["kind"] == "time_share" and c["unit"] == "percent":
            claimed = c["value"] / 100
            scale = 1.0
        elif c["kind"] == "time_per_day" and c["unit"] == "hours_per_day":
            # express the claim as a share of the same working-time baseline
            claimed = c["value"] * central["count_days"] / central["baseline_hours"]
            scale = 1.0
        else:
            rows.append({**base, "verdict": "not testable (unit)", "reason": f"no rule for {c['kind']} in {c['unit']}"})
            continue
        verdict, reason = judge_share(claimed, est, tolerance, k_max)
        rows.append({
            **base, "verdict": verdict, "reason": reason,
            "estimate": central["share"] * scale, "ci_low": est["conservative"]["ci_low"] * scale,
            "ci_high": est["liberal"]["ci_high"] * scale,
            "tipping_point": claimed / central["share"] if central["share"] > 0 else None,
            "assumptions": json.dumps({name: ALL[name].as_dict() for name in est}, sort_keys=True),
            "window_start": central["window_start"], "window_end": central["window_end"],
            "count_posts": central["count_posts"],
        })
    return pl.DataFrame(rows, schema=VERDICT_SCHEMA)
