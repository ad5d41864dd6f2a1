"""Score the time-share estimator against the simulator's ground truth over many simulated executives.

Everything here runs on SIMULATED executives. The estimand is the true share of the observable part:
minutes of ground-truth sessions with at least one post, over the same working-time baseline.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, datetime

import numpy as np
import polars as pl

from postaudit.claims import K_MAX, TOLERANCE, judge_share
from postaudit.metrics.assumptions import ALL, CENTRAL, Assumptions
from postaudit.metrics.timeshare import (
    SEGMENTATION_GAP,
    baseline_minutes,
    estimate,
    with_segmentation_interval,
)
from postaudit.metrics.timezone import infer_timezone
from postaudit.sources.simulated import Persona, World, simulate

KINDS = {"retweeted": "repost", "replied_to": "reply", "quoted": "quote"}


def world_posts(world: World) -> pl.DataFrame:
    """The simulated posts as a posts frame (platform, account_id, created_at, kind, text)."""
    rows = []
    for p in world.posts:
        refs = p.get("referenced_tweets") or []
        kind = KINDS.get(refs[0]["type"], "original") if refs else "original"
        rows.append({"platform": "x", "account_id": p["author_id"], "post_id": p["id"],
                     "created_at": datetime.fromisoformat(p["created_at"].replace("Z", "+00:00")), "kind": kind,
                     "text": (p.get("note_tweet") or {}).get("text") or p["text"]})
    schema = {"platform": pl.Utf8, "account_id": pl.Utf8, "post_id": pl.Utf8,
              "created_at": pl.Datetime("us", "UTC"), "kind": pl.Utf8, "text": pl.Utf8}
    return pl.DataFrame(rows, schema=schema)


def true_shares(world: World, first: date, last: date, weekly_hours: float) -> dict:
    """The simulator's true minutes (all sessions and posting sessions only) over a window, as shares."""
    t = pl.DataFrame(world.sessions).with_columns(
        day=pl.col("session_start").str.to_datetime(time_zone="UTC").dt.date()
    ).filter(pl.col("day").is_between(first, last))
    days = pl.Series(pl.date_range(first, last, "1d", eager=True))
    base = float(baseline_minutes(days, weekly_hours).sum())
    observable = float(t.filter(pl.col("count_posts") > 0)["minutes"].sum())
    return {"true_share_observable": observable / base, "true_share_total": float(t["minutes"].sum()) / base}


def random_persona(rng: random.Random, i: int) -> Persona:
    """A simulated executive with its own rhythm, burstiness, session length and reading ratio."""
    return replace(
        Persona(),
        name=f"Bench Exec {i}", handle=f"bench_{i}_sim", user_id=str(910000000000000000 + i),
        utc_offset_hours=rng.randint(-8, 10),
        wake_hour=rng.uniform(5.5, 8.5), sleep_hour=rng.uniform(22.0, 24.5),
        sessions_weekday=rng.uniform(4, 20), sessions_weekend=rng.uniform(2, 14),
        session_median_min=rng.uniform(3, 20), session_sigma=rng.uniform(0.4, 1.2),
        p_session_posts=rng.uniform(0.2, 0.9), posts_per_active_session=rng.uniform(1.2, 4.5),
    )


def claims_for(truth: dict) -> dict[str, float]:
    """Three claims per executive with a known right answer: honest, understated, inflated."""
    return {
        # the true total share (reading included): any contradiction of it is wrong
        "honest": truth["true_share_total"],
        # a third / a tenth of the time visible in posts alone: "contradicted (more than claimed)" is right
        "understated": truth["true_share_observable"] / 3,
        "understated_10x": truth["true_share_observable"] / 10,
        # ten times the true total: "contradicted (less …)" is right, "not contradicted" is not wrong
        "inflated": truth["true_share_total"] * 10,
    }


def verdict_ok(kind: str, verdict: str) -> bool:
    """Whether a verdict is right (or at least not wrong) for a claim of known kind."""
    if kind == "honest":
        return not verdict.startswith("contradicted")
    if kind.startswith("understated"):
        return verdict.startswith("contradicted (more")
    return verdict.startswith("contradicted (less") or verdict == "not contradicted"


def run_one(i: int, seed: int, days: int, n_boot: int, central: Assumptions = CENTRAL) -> dict:
    """Simulate one executive, estimate, and compare with the ground truth."""
    rng = random.Random(seed * 100_003 + i)
    persona = random_persona(rng, i)
    world = simulate(seed=rng.randrange(2**31), days=days, persona=persona)
    posts = world_posts(world)
    if posts.height < 10:
        return {"executive": i, "skipped": True}
    sets = {**ALL, "central": central}
    est = {name: estimate(posts, a, n_boot=n_boot, seed=i) for name, a in sets.items()}
    short = estimate(posts, central.replace(gap_minutes=SEGMENTATION_GAP), n_boot=n_boot, seed=i)
    c = est["central"] = with_segmentation_interval(est["central"], short)
    truth = true_shares(world, c["window_start"], c["window_end"], central.weekly_work_hours)
    tz = infer_timezone(posts, n_boot=100, seed=i)
    row = {
        "executive": i, "skipped": False, "count_posts": posts.height,
        "sessions_weekday": persona.sessions_weekday, "session_median_min": persona.session_median_min,
        "session_sigma": persona.session_sigma, "p_session_posts": persona.p_session_posts,
        "posts_per_active_session": persona.posts_per_active_session, **truth,
        "share": c["share"], "ci_low": c["ci_low"], "ci_high": c["ci_high"],
        "floor": est["conservative"]["share"], "floor_ci_low": est["conservative"]["ci_low"],
        "ci_low_segmentation": c["ci_low_segmentation"], "ci_high_segmentation": c["ci_high_segmentation"],
        "covered": c["ci_low"] <= truth["true_share_observable"] <= c["ci_high"],
        "covered_segmentation": (c["ci_low_segmentation"] <= truth["true_share_observable"]
                                 <= c["ci_high_segmentation"]),
        "covered_verdict_range": (est["conservative"]["ci_low"] <= truth["true_share_observable"]
                                  <= est["liberal"]["ci_high"]),
        "floor_holds": est["conservative"]["ci_low"] <= truth["true_share_observable"],
        "rel_error": c["share"] / truth["true_share_observable"] - 1,
        "true_offset": persona.utc_offset_hours, "inferred_offset": tz["utc_offset_hours"],
        "tz_confidence": tz["confidence"],
    }
    for kind, claimed in claims_for(truth).items():
        verdict, _ = judge_share(claimed, est["conservative"]["ci_low"], est["liberal"]["ci_high"],
                                 TOLERANCE, K_MAX)
        row[f"verdict_{kind}"] = verdict
        row[f"ok_{kind}"] = verdict_ok(kind, verdict)
    return row


def run_benchmark(executives: int = 200, days: int = 56, n_boot: int = 400, seed: int = 1,
                  central: Assumptions = CENTRAL, progress=None) -> pl.DataFrame:
    """One row per simulated executive: truth, estimate, interval, coverage and verdicts."""
    rows = []
    for i in range(executives):
        rows.append(run_one(i, seed, days, n_boot, central))
        if progress:
            progress(i + 1)
    return pl.DataFrame(rows).filter(~pl.col("skipped"))


def summarize(runs: pl.DataFrame) -> dict:
    """Coverage, bias and verdict accuracy over a benchmark run."""
    rel = runs["rel_error"].to_numpy()
    out = {
        "executives": runs.height,
        "coverage": float(runs["covered"].mean()),
        "coverage_segmentation": float(runs["covered_segmentation"].mean()),
        "coverage_verdict_range": float(runs["covered_verdict_range"].mean()),
        "floor_holds": float(runs["floor_holds"].mean()),
        "median_rel_error": float(np.median(rel)),
        "mean_rel_error": float(rel.mean()),
        "mean_abs_rel_error": float(np.abs(rel).mean()),
        "median_ci_width_rel": float(((runs["ci_high"] - runs["ci_low"]) / runs["true_share_observable"]).median()),
        "tz_exact": float((runs["inferred_offset"] == runs["true_offset"]).mean()),
        "tz_within_1h": float(((runs["inferred_offset"] - runs["true_offset"]).abs() <= 1).mean()),
    }
    for kind in ("honest", "understated", "understated_10x", "inflated"):
        out[f"verdict_ok_{kind}"] = float(runs[f"ok_{kind}"].mean())
    return out


def verdict_table(runs: pl.DataFrame) -> pl.DataFrame:
    """How often each verdict was given, per claim kind."""
    frames = [runs.group_by(f"verdict_{k}").len().rename({f"verdict_{k}": "verdict", "len": "count"})
              .with_columns(claim=pl.lit(k)) for k in ("honest", "understated", "understated_10x", "inflated")]
    return pl.concat(frames).select("claim", "verdict", "count").sort("claim", "count", descending=[False, True])
