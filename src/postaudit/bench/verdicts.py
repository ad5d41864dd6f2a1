"""Score the verdict rules on SIMULATED executives whose true time on the platform is known.

Everything here runs on SIMULATED data. Each executive comes from a generator (swap it for another
simulator's families), is estimated by a `to_time_on_platform` estimator, and gets claims with a known
right answer; the rules in postaudit.verdict_rules judge them. Targets (docs/methodology.md, "Verdicts on
the bench"): no honest claim contradicted; claims understated 3x flagged (contradicted or probably
understated) in at least 80%; "probably understated" wrong (the true total inside the band) in at most 5%.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta

import polars as pl

from postaudit.claims import Verdict
from postaudit.sources.simulated import Persona, simulate, world_posts
from postaudit.time_on_platform import TimeOnPlatform, resolve
from postaudit.verdict_rules import claim_band
from postaudit.verdicts import judge_time_row

HONEST_UNITS = (("percent", "working"), ("percent", "waking"), ("percent", "day"), ("hours_per_day", None))
FLAGGED = {Verdict.CONTRADICTED.value, Verdict.PROBABLY_UNDERSTATED.value}


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


Generator = Callable[[int, int], SimulatedExecutive]


# ---------------------------------------------------------------- families of the current simulator

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


def _between(rng: random.Random, lo: float, hi: float) -> float:
    return rng.uniform(lo, hi)


FAMILIES: dict[str, Callable[[random.Random, Persona], Persona]] = {
    # the existing simulator's broad prior
    "baseline": lambda rng, p: p,
    # reads a lot, rarely posts: most platform time leaves no trace
    "lurker": lambda rng, p: replace(p, p_session_posts=_between(rng, 0.03, 0.12),
                                     posts_per_active_session=_between(rng, 1.0, 1.5),
                                     sessions_weekday=_between(rng, 8, 25)),
    # many short phone pick-ups a few minutes apart
    "pickups": lambda rng, p: replace(p, session_median_min=_between(rng, 0.8, 3.0), session_sigma=0.5,
                                      sessions_weekday=_between(rng, 20, 45), sessions_weekend=_between(rng, 15, 35)),
    # few long sessions
    "long_sessions": lambda rng, p: replace(p, session_median_min=_between(rng, 25, 70),
                                            sessions_weekday=_between(rng, 1.5, 5), sessions_weekend=_between(rng, 1, 4)),
    # many posts in each session that has any
    "prolific": lambda rng, p: replace(p, posts_per_active_session=_between(rng, 5, 12),
                                       p_session_posts=_between(rng, 0.7, 0.95)),
    # awake late: sessions until 2-4 am local
    "night_owl": lambda rng, p: replace(p, wake_hour=_between(rng, 10.5, 13), sleep_hour=_between(rng, 25.5, 28)),
}


def current_simulator(days: int = 56) -> Generator:
    """Executives from postaudit.sources.simulated, cycling through FAMILIES (the executive's index picks one)."""
    names = list(FAMILIES)

    def generate(i: int, seed: int) -> SimulatedExecutive:
        rng = random.Random(seed * 1_000_003 + i)
        family = names[i % len(names)]
        persona = FAMILIES[family](rng, random_persona(rng, i))
        world = simulate(seed=rng.randrange(2**31), days=days, persona=persona)
        first, last = world.start, world.start + timedelta(days=days - 1)
        sessions = pl.DataFrame(world.sessions)
        local = (sessions["session_start"].str.to_datetime(time_zone="UTC")
                 + timedelta(hours=persona.utc_offset_hours)).dt.date()
        inside = sessions.filter(local.is_between(first, last))
        return SimulatedExecutive(family, world_posts(world), first, last,
                                  float(inside["minutes"].sum()) / 60,
                                  float(inside.filter(pl.col("count_posts") > 0)["minutes"].sum()) / 60)

    return generate


# ---------------------------------------------------------------- claims with a known right answer

def _in_unit(hours: float, unit: str, baseline: str | None, row: dict) -> float:
    if unit == "percent":
        return hours / row[f"baseline_{baseline}_hours"] * 100
    return hours / row["count_days"]


def claims_for(ex: SimulatedExecutive, row: dict, rng: random.Random) -> Iterator[dict]:
    """Honest claims (the true total, every unit and direction), understated ones (the true posting-session time
    ÷ 3, and the true total ÷ 3) and random ones (the true total × 10^U, U uniform on [-1, 1])."""
    for unit, baseline in HONEST_UNITS:
        total = _in_unit(ex.true_total_hours, unit, baseline, row)
        for direction in ("about", "at_least", "at_most"):
            yield {"kind": "honest", "unit": unit, "baseline": baseline, "direction": direction, "value": total,
                   "truth": total}
        yield {"kind": "understated_3x", "unit": unit, "baseline": baseline, "direction": "about",
               "value": _in_unit(ex.true_posting_hours, unit, baseline, row) / 3, "truth": total}
        yield {"kind": "understated_3x_total", "unit": unit, "baseline": baseline, "direction": "about",
               "value": total / 3, "truth": total}
        yield {"kind": "random", "unit": unit, "baseline": baseline, "direction": "about",
               "value": total * 10 ** rng.uniform(-1, 1), "truth": total}


def _truth_in_band(claim: dict) -> bool:
    band = claim_band(claim["value"], claim["direction"])
    return band.low <= claim["truth"] <= band.high


def run_one(generate: Generator, estimator: TimeOnPlatform, i: int, seed: int, n_boot: int) -> list[dict]:
    """One simulated audit: every claim's verdict against the truth (an empty list if the executive never posted)."""
    ex = generate(i, seed)
    if ex.posts.height < 2:
        return []
    est = estimator(ex.posts, first=ex.first, last=ex.last, timezone=ex.timezone, n_boot=n_boot, seed=i)
    rows = est.filter(pl.col("platform") == "all")
    if rows.is_empty():
        return []
    row = rows.row(0, named=True)
    rng = random.Random(seed * 7_919 + i)
    out = []
    for claim in claims_for(ex, row, rng):
        got = judge_time_row({**claim, "value_low": None, "value_high": None, "tolerance": None}, row)
        if claim["unit"] == "percent" and got["baseline"] is None:
            got["baseline"] = claim["baseline"]
        out.append({"executive": i, "family": ex.family, "kind": claim["kind"], "unit": claim["unit"],
                    "claimant_baseline": claim["baseline"], "direction": claim["direction"],
                    "claimed": claim["value"], "truth": claim["truth"], "verdict": got["verdict"],
                    "truth_in_band": _truth_in_band(claim),
                    "floor_above_truth": row["floor_hours"] > ex.true_posting_hours + 1e-9,
                    "covered": row["posting_hours_low"] <= ex.true_posting_hours <= row["posting_hours_high"],
                    "method": row["method"]})
    return out


def run_bench(executives: int = 2000, seed: int = 1, n_boot: int = 200, generate: Generator | None = None,
              estimator: TimeOnPlatform | None = None, progress: Callable[[int], None] | None = None) -> pl.DataFrame:
    """One row per (simulated executive, claim) with its verdict and whether the truth was in the claim's band."""
    generate = generate or current_simulator()
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
        per_exec = g.unique("executive")
        held = honest.filter(~pl.col("floor_above_truth"))
        out.append({
            "family": family, "audits": per_exec.height, "claims": g.height,
            "honest_contradicted": int((honest["verdict"] == Verdict.CONTRADICTED.value).sum()),
            "honest_claims": honest.height,
            "understated_3x_flagged": _share(under["verdict"].is_in(FLAGGED)),
            "understated_3x_total_flagged": _share(under_total["verdict"].is_in(FLAGGED)),
            "probably_understated": pu.height,
            "probably_understated_wrong": _share(pu["truth_in_band"]),
            # the rules' part, apart from the estimator's: with a floor that holds and an interval that covers
            "honest_contradicted_where_floor_holds": int((held["verdict"] == Verdict.CONTRADICTED.value).sum()),
            "probably_understated_wrong_where_covered": _share(pu.filter(pl.col("covered"))["truth_in_band"]),
            "honest_consistent": _share(honest["verdict"].is_in(["consistent", "supported_by_posts"])),
            "interval_covers_posting_time": _share(per_exec["covered"]),
            "floor_above_posting_time": _share(per_exec["floor_above_truth"]),
        })
    return pl.DataFrame(out)


def _share(flags: pl.Series) -> float:
    return float(flags.mean()) if flags.len() else math.nan


TARGETS = {"honest_contradicted": "= 0", "understated_3x_flagged": "≥ 0.80", "probably_understated_wrong": "≤ 0.05"}

