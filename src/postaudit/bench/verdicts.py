"""Score the verdict rules on SIMULATED executives whose true time on the platform is known.

Everything here runs on SIMULATED data. Each executive comes from a generator (by default every behaviour
family of src/postaudit/simulator, the test-only generators included; swap it for another simulator's), is
estimated by the calibrated `to_time_on_platform` (with the persona's traces where it leaves some), and
gets claims with a known right answer (honest, understated, overstated and random, in every direction); the
rules in postaudit.verdict_rules judge them. Targets (docs/methodology.md, "Verdicts on the bench"): no honest
claim contradicted; at most 5% of contradictions wrong (the truth inside the claim's band); claims understated
3x flagged (contradicted or probably understated) in at least 80%; "probably understated" wrong (the true
total inside the band) in at most 5%.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import polars as pl

from postaudit.bench.estimator import TRACE_SHARE, simulate_one
from postaudit.claims import Verdict
from postaudit.metrics.localtime import local_time, resolve_zone
from postaudit.simulator.families import FAMILIES
from postaudit.simulator.unseen import UNSEEN
from postaudit.time_on_platform import TimeOnPlatform, resolve
from postaudit.verdict_rules import claim_band
from postaudit.verdicts import judge_time_row

HONEST_UNITS = (("percent", "working"), ("percent", "waking"), ("percent", "day"), ("hours_per_day", None))
FLAGGED = {Verdict.CONTRADICTED.value, Verdict.PROBABLY_UNDERSTATED.value}
DIRECTIONS = ("about", "at_least", "at_most")
# verdicts that place the claim against the data (above, below, proven); "consistent" says only that they overlap
INFORMATIVE = {*FLAGGED, Verdict.SUPPORTED_BY_POSTS.value, Verdict.NEEDS_UNSEEN_READING.value}


@dataclass(frozen=True)
class SimulatedExecutive:
    """One simulated executive: posts, the local window to judge, and the true hours in it."""

    family: str
    posts: pl.DataFrame          # platform, account_id, post_id, created_at (UTC), kind, text
    first: date                  # local days first..last
    last: date
    true_total_hours: float      # every session starting in the window, reading included
    true_posting_hours: float    # sessions with at least one own post
    timezone: str | None = None  # a zone the claim states, or None (the estimator infers it)
    traces: pl.DataFrame | None = None   # activity_events rows (likes, ad impressions), if the persona leaves any


Generator = Callable[[int, int], SimulatedExecutive]


# ---------------------------------------------------------------- the simulator's behaviour families

def family_simulator(days: int = 56, families: list[str] | None = None, traces: float = TRACE_SHARE) -> Generator:
    """Executives from src/postaudit/simulator: every behaviour family (test-only ones and the unseen generators
    included), cycled by the executive's index; a share of the engine's executives also leave traces."""
    names = families or [*FAMILIES, *UNSEEN]

    def generate(i: int, seed: int) -> SimulatedExecutive:
        family = names[i % len(names)]
        rng = np.random.default_rng([seed, i])
        e, _, _, _ = simulate_one(family, rng, (days, days), f"bench-{i}", traces)
        zone = e.timezone
        first, last = e.start, e.start + timedelta(days=days - 1)
        local = e.sessions.select(pl.col("count_posts"), hours=(pl.col("ended_at") - pl.col("started_at"))
                                  .dt.total_seconds() / 3600,
                                  day=local_time(pl.col("started_at"), resolve_zone(zone)).dt.date())
        inside = local.filter(pl.col("day").is_between(first, last))
        posts = e.posts.with_row_index("n").select(
            platform=pl.lit("x"), account_id=pl.lit(f"bench-{i}"), post_id=pl.col("n").cast(pl.Utf8),
            created_at="created_at", kind="kind", text_chars="text_chars", source="source")
        tr = None
        if e.traces is not None and e.traces.height:
            tr = e.traces.select(platform=pl.lit("x"), account_id=pl.lit(f"bench-{i}"), kind="kind",
                                 occurred_at="occurred_at")
        return SimulatedExecutive(family, posts, first, last, float(inside["hours"].sum()),
                                  float(inside.filter(pl.col("count_posts") > 0)["hours"].sum()), traces=tr)

    return generate


# ---------------------------------------------------------------- claims with a known right answer

def _in_unit(hours: float, unit: str, baseline: str | None, row: dict) -> float:
    if unit == "percent":
        return hours / row[f"baseline_{baseline}_hours"] * 100
    return hours / row["count_days"]


def claims_for(ex: SimulatedExecutive, row: dict, rng: random.Random) -> Iterator[dict]:
    """Claims with a known right answer, in every unit: honest ones (the true total, every direction);
    understated ones (the true posting-session time ÷ 3 as "about" and "at most", the true total ÷ 3);
    overstated ones (the true total × 3 as "about" and "at least"); and random ones (the true total × 10^U,
    U uniform on [-1, 1], in a random direction)."""
    for unit, baseline in HONEST_UNITS:
        total = _in_unit(ex.true_total_hours, unit, baseline, row)
        posting = _in_unit(ex.true_posting_hours, unit, baseline, row)
        claims = [("honest", d, total) for d in DIRECTIONS]
        claims += [("understated_3x", "about", posting / 3), ("understated_3x_at_most", "at_most", posting / 3),
                   ("understated_3x_total", "about", total / 3), ("overstated_3x", "about", total * 3),
                   ("overstated_3x_at_least", "at_least", total * 3),
                   ("random", rng.choice(DIRECTIONS), total * 10 ** rng.uniform(-1, 1))]
        for kind, direction, value in claims:
            yield {"kind": kind, "unit": unit, "baseline": baseline, "direction": direction, "value": value,
                   "truth": total}


def _truth_in_band(claim: dict) -> bool:
    band = claim_band(claim["value"], claim["direction"])
    return band.low <= claim["truth"] <= band.high


def _truth_above_band(claim: dict) -> bool:
    return claim["truth"] > claim_band(claim["value"], claim["direction"]).high


def run_one(generate: Generator, estimator: TimeOnPlatform, i: int, seed: int, n_boot: int) -> list[dict]:
    """One simulated audit: every claim's verdict against the truth (an empty list if the executive never posted)."""
    ex = generate(i, seed)
    if ex.posts.height < 2:
        return []
    more = {} if ex.traces is None else {"traces": ex.traces}
    est = estimator(ex.posts, first=ex.first, last=ex.last, timezone=ex.timezone, n_boot=n_boot, seed=i, **more)
    rows = est.filter(pl.col("platform") == "all")
    if rows.is_empty():
        return []
    row = rows.row(0, named=True)
    traced = (row.get("count_traces") or 0) > 0
    floor = row["activity_floor_hours"] if traced else row["floor_hours"]   # the floor the verdict judges on
    rng = random.Random(seed * 7_919 + i)
    out = []
    for claim in claims_for(ex, row, rng):
        got = judge_time_row({**claim, "value_low": None, "value_high": None, "tolerance": None}, row)
        if claim["unit"] == "percent" and got["baseline"] is None:
            got["baseline"] = claim["baseline"]
        out.append({"executive": i, "family": ex.family, "kind": claim["kind"], "unit": claim["unit"],
                    "claimant_baseline": claim["baseline"], "direction": claim["direction"],
                    "claimed": claim["value"], "truth": claim["truth"], "verdict": got["verdict"],
                    "truth_in_band": _truth_in_band(claim), "truth_above_band": _truth_above_band(claim),
                    "floor_above_truth": row["floor_hours"] > ex.true_posting_hours + 1e-9,
                    "floor_above_total": floor > ex.true_total_hours * (1 + 1e-9),
                    # a simulated total beyond the waking day breaks the capacity rule's premise
                    "truth_above_waking_day": ex.true_total_hours > row["baseline_waking_hours"],
                    "covered": row["posting_hours_low"] <= ex.true_posting_hours <= row["posting_hours_high"],
                    "traced": traced, "method": row["method"]})
    return out


def run_bench(executives: int = 2000, seed: int = 1, n_boot: int = 200, generate: Generator | None = None,
              estimator: TimeOnPlatform | None = None, progress: Callable[[int], None] | None = None) -> pl.DataFrame:
    """One row per (simulated executive, claim) with its verdict and whether the truth was in the claim's band."""
    generate = generate or family_simulator()
    estimator = estimator or resolve()
    rows: list[dict] = []
    for i in range(executives):
        rows += run_one(generate, estimator, i, seed, n_boot)
        if progress:
            progress(i + 1)
    return pl.DataFrame(rows)


def summarize(runs: pl.DataFrame) -> pl.DataFrame:
    """Per family (and 'all'): the three targets and what lies behind them."""
    frames = [runs, *[g for _, g in sorted(runs.partition_by("family", as_dict=True).items())]]
    out = []
    for g in frames:
        family = "all" if g is runs else g["family"][0]
        honest = g.filter(pl.col("kind") == "honest")
        under = g.filter(pl.col("kind") == "understated_3x")
        under_total = g.filter(pl.col("kind") == "understated_3x_total")
        pu = g.filter(pl.col("verdict") == Verdict.PROBABLY_UNDERSTATED.value)
        contradicted = g.filter(pl.col("verdict") == Verdict.CONTRADICTED.value)
        flagged = g["verdict"].is_in(FLAGGED)
        understated = g.filter(pl.col("truth_above_band"))
        per_exec = g.unique("executive")
        held = honest.filter(~pl.col("floor_above_truth"))
        out.append({
            "family": family, "audits": per_exec.height, "claims": g.height,
            "honest_contradicted": int((honest["verdict"] == Verdict.CONTRADICTED.value).sum()),
            "honest_claims": honest.height,
            "understated_3x_flagged": _share(under["verdict"].is_in(FLAGGED)),
            "understated_3x_total_flagged": _share(under_total["verdict"].is_in(FLAGGED)),
            "understated_3x_at_most_flagged": _share(
                g.filter(pl.col("kind") == "understated_3x_at_most")["verdict"].is_in(FLAGGED)),
            # every claim, every kind: contradictions of claims whose band holds the truth
            "contradictions": contradicted.height,
            "wrong_contradiction_rate": _share(contradicted["truth_in_band"]),
            "share_flagged": _share(flagged),
            "flagged_wrong": _share(g.filter(flagged)["truth_in_band"]),
            "understated_claims_flagged": _share(understated["verdict"].is_in(FLAGGED)),
            "overstated_contradicted": _share(g.filter(pl.col("kind").str.starts_with("overstated"))["verdict"]
                                              == Verdict.CONTRADICTED.value),
            "informative_share": _share(g["verdict"].is_in(INFORMATIVE)),
            "probably_understated": pu.height,
            "probably_understated_wrong": _share(pu["truth_in_band"]),
            # the rules' part, apart from the estimator's: with a floor that holds and an interval that covers
            "honest_contradicted_where_floor_holds": int((held["verdict"] == Verdict.CONTRADICTED.value).sum()),
            "honest_floor_above_total": int(honest["floor_above_total"].sum()),
            "audits_truth_above_waking_day": int(per_exec["truth_above_waking_day"].sum()),
            "honest_contradicted_where_truth_fits_waking_day": int(
                (honest.filter(~pl.col("truth_above_waking_day"))["verdict"] == Verdict.CONTRADICTED.value).sum()),
            "audits_with_traces": int(per_exec["traced"].sum()),
            "probably_understated_wrong_where_covered": _share(pu.filter(pl.col("covered"))["truth_in_band"]),
            "honest_consistent": _share(honest["verdict"].is_in(["consistent", "supported_by_posts"])),
            "interval_covers_posting_time": _share(per_exec["covered"]),
            "floor_above_posting_time": _share(per_exec["floor_above_truth"]),
        })
    return pl.DataFrame(out)


def _share(flags: pl.Series) -> float:
    return float(flags.mean()) if flags.len() else math.nan


TARGETS = {"honest_contradicted": "= 0", "understated_3x_flagged": "≥ 0.80", "probably_understated_wrong": "≤ 0.05",
           "wrong_contradiction_rate": "≤ 0.05"}

