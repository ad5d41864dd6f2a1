"""Score time_on_platform against SIMULATED ground truth, per behaviour family, with leave-one-family-out calibration.

Everything here runs on SIMULATED executives (src/postaudit/simulator/). The estimand: hours inside true
sessions that contain at least one of the executive's own posts, over the window. Each executive goes
through exactly the path `postaudit build` takes from its posts (metrics/posting_time.posting_features,
then the calibration layer), so the figures are those of the mart.

* `build_references`: the calibration table's SIMULATED executives (every calibration family, parameters
  drawn widely); `recalibrate` turns them into the shipped table (metrics/posting_calibration.npz).
* `score`: fresh executives per family, each scored with the shipped table ("in prior": its family was in
  the table) and with a table that leaves its family out, traits of mixed executives included ("held out").
"""

from __future__ import annotations

import hashlib
import inspect
import json
import zlib
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl

from postaudit.metrics.calibration import LEVEL, MIN_DAYS, Calibration, feature_matrix, from_references
from postaudit.metrics.calibration import load as load_calibration
from postaudit.metrics.posting_model import FEATURES
from postaudit.metrics.posting_time import calibrated, posting_features
from postaudit.simulator.behaviour import Behaviour, SimExecutive, simulate_executive
from postaudit.simulator.families import CALIBRATION_FAMILIES, FAMILIES, TRAITS
from postaudit.simulator.traces import draw_habit, with_traces
from postaudit.simulator.unseen import UNSEEN

REFERENCES_PER_FAMILY = 1000
BROAD_REFERENCES = 8000       # the continuous prior over every mechanism (simulator/families.broad)
TRACE_SHARE = 0.4             # share of SIMULATED executives that also leave likes and ad impressions
TABLE_VERSION = "table v3"
CHUNK = 400
Progress = Callable[[str], None]


def table_features() -> tuple[str, ...]:
    """The features the calibration conditions on (posting_model.FEATURES)."""
    return tuple(FEATURES)


def trait_names() -> list[str]:
    """Every family and trait a SIMULATED executive may carry, in a fixed order (bit positions)."""
    return sorted(set(FAMILIES) | set(TRAITS))


def _family_seed(family: str) -> int:
    """A family's stream of random numbers: the same whatever other families exist."""
    return zlib.crc32(family.encode())


def simulate_one(family: str, rng: np.random.Generator, days: tuple[int, int], account: str,
                 traces: float = TRACE_SHARE) -> tuple[SimExecutive, str, Behaviour | None, int]:
    """One SIMULATED executive of a family (or a test-only generator), its traits, Behaviour and seed.

    A share `traces` of the engine's executives also leave likes and ad impressions (simulator/traces.py);
    the test-only generators make their own.
    """
    if family in UNSEEN:
        d = int(rng.integers(days[0], days[1] + 1))
        start = date(2025, 1, 1) + timedelta(days=int(rng.integers(0, 300)))
        return UNSEEN[family](rng, start, d, account), family, None, d
    fam = FAMILIES[family]
    b = fam.draw(rng)
    d = int(rng.integers(days[0], days[1] + 1))
    seed = int(rng.integers(2**31))
    e = simulate_executive(b, seed=seed, days=d, start=fam.start(rng), user_id=account)
    if rng.random() < traces:
        e = with_traces(e, draw_habit(rng), seed=int(rng.integers(2**31)))
    return e, ",".join(sorted({family, *b.traits})), b, seed


def simulate_many(family: str, n: int, seed: int, days: tuple[int, int] = (7, 180)
                  ) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """n SIMULATED executives of a family: their posts and traces (one account each) and one truth row each."""
    rng = np.random.default_rng([seed, _family_seed(family)])
    posts, traces, truth = [], [], []
    for i in range(n):
        account = f"{family}-{seed}-{i}"
        e, traits, b, _ = simulate_one(family, rng, days, account)
        if e.posts.is_empty():
            continue
        posts.append(e.posts.select("created_at", "kind", "text_chars", "source").with_columns(
            platform=pl.lit("x"), account_id=pl.lit(account)))
        if e.traces is not None and e.traces.height:
            traces.append(e.traces.select("kind", "occurred_at").with_columns(
                platform=pl.lit("x"), account_id=pl.lit(account)))
        truth.append({"account_id": account, "family": family, "traits": traits,
                      "true_timezone": b.timezone if b else e.timezone, "days_simulated": e.days,
                      "truth_hours": e.truth_hours, "truth_activity_hours": e.truth_activity_hours,
                      "true_scheduled": int(e.posts["scheduled"].sum())})
    return (pl.concat(posts) if posts else pl.DataFrame(), pl.concat(traces) if traces else pl.DataFrame(),
            pl.DataFrame(truth))


def scored_features(family: str, n: int, seed: int, days: tuple[int, int] = (7, 180),
                    progress: Progress | None = None) -> pl.DataFrame:
    """posting_features of n SIMULATED executives of a family (no 'all' rows), joined with their truth.

    `events` says which rows: "posts" (every executive) or "posts+traces" (those with traces, truth_hours
    then the hours of sessions with a post or a trace).
    """
    frames = []
    for start in range(0, n, CHUNK):
        posts, traces, truth = simulate_many(family, min(CHUNK, n - start), seed * 1000 + start // CHUNK, days)
        if truth.is_empty():
            continue
        f, act = posting_features(posts, merged=False, traces=traces if traces.height else None, with_activity=True)
        frames.append(f.join(truth, on="account_id").with_columns(events=pl.lit("posts")))
        if act is not None:
            frames.append(act.join(truth, on="account_id").with_columns(
                truth_hours=pl.col("truth_activity_hours"), events=pl.lit("posts+traces")))
        if progress:
            progress(f"{family}: {start + truth.height}/{n}")
    return pl.concat(frames, how="diagonal_relaxed") if frames else pl.DataFrame()


# The modules (and this module's functions) whose code decides a SIMULATED executive's features and truth: a
# cached executive made by other code is made again; scoring code here may change without a new simulation.
CODE = ("metrics/posting_model.py", "metrics/posting_time.py", "metrics/scheduled.py", "metrics/localtime.py",
        "metrics/timezone.py", "metrics/sessions.py", "simulator/behaviour.py", "simulator/families.py",
        "simulator/traces.py", "simulator/unseen.py")
MAKERS = (simulate_one, simulate_many, scored_features)


def _cache_key(**params) -> str:
    root = Path(__file__).resolve().parents[1]
    code = hashlib.sha1(b"".join((root / name).read_bytes() for name in CODE)
                        + "".join(inspect.getsource(f) for f in MAKERS).encode()
                        + repr((TRACE_SHARE, CHUNK)).encode()).hexdigest()
    return hashlib.sha1(json.dumps({**params, "code": code}, sort_keys=True).encode()).hexdigest()[:12]


def cached(path: Path, make: Callable[[], pl.DataFrame]) -> pl.DataFrame:
    """A frame read from path, or made and written there first."""
    if path.is_file():
        return pl.read_parquet(path)
    frame = make()
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.write_parquet(path)
    return frame


def build_references(per_family: int = REFERENCES_PER_FAMILY, seed: int = 20251, cache: Path | None = None,
                     progress: Progress | None = None) -> pl.DataFrame:
    """The calibration table's SIMULATED executives, every calibration family (cached per family and size)."""
    frames = []
    for family in CALIBRATION_FAMILIES:
        n = BROAD_REFERENCES if family == "broad" else per_family
        make = lambda family=family, n=n: scored_features(family, n, seed, progress=progress)  # noqa: E731
        if cache is None:
            frames.append(make())
        else:
            key = _cache_key(kind="ref", family=family, n=n, seed=seed, features=table_features())
            frames.append(cached(cache / f"ref-{family}-{key}.parquet", make))
    return pl.concat(frames, how="diagonal_relaxed")


def _targets(rows: pl.DataFrame) -> pl.DataFrame:
    """Rows usable for calibration (own posts, a window of MIN_DAYS or more) with y = log(truth ÷ model)."""
    own = pl.col("count_posts") - pl.col("count_scheduled_excluded")
    return (rows.filter((own > 0) & (pl.col("count_days") >= MIN_DAYS) & (pl.col("truth_hours") > 0))
            .with_columns(y=(pl.col("truth_hours") / pl.col("model_hours")).log()))


def trait_bits(rows: pl.DataFrame) -> np.ndarray:
    """Each executive's family and traits as a bit mask over trait_names()."""
    names = trait_names()
    return np.array([sum(1 << names.index(t) for t in {f, *s.split(",")} if t in names)
                     for f, s in zip(rows["family"], rows["traits"], strict=True)], dtype=np.int64)


def held_out_scores(table: Calibration, folds: int = 5) -> np.ndarray:
    """Each reference's upper conformity score y − q_97.5% against quantiles from a table without its family: a
    named family's references (and, for `mixed`, the mixed ones) scored with every reference carrying that
    family left out (Dunn, Gao & Ramdas 2023: conformal prediction for a new group); the broad prior's by
    5-fold cross-validation (it has no families to leave out). Their quantiles reflect a family's shift, not
    only noise. (The lower end is the floor, metrics/calibration.py, so only the upper end is scored.)"""
    names = trait_names()
    x = table.z * table.scale + table.center
    fold = np.arange(len(table.y)) % folds
    scores = np.empty(len(table.y))
    for f in range(folds):
        mine = fold == f
        scores[mine] = table.y[mine] - table.quantiles(x[mine], mask=~mine)[:, 2]
    for i, name in enumerate(table.families):
        mine = table.family == i
        if name == "broad" or not mine.any():
            continue
        keep = (table.bits & (1 << names.index(name))) == 0
        scores[mine] = table.y[mine] - table.quantiles(x[mine], mask=keep)[:, 2]
    return scores


def worst_family_quantile(scores: np.ndarray, family: np.ndarray, level: float = LEVEL,
                          skip: int | None = None) -> float:
    """The largest level-quantile of scores over the families (a family can be skipped): δ that covers the family
    that needs most."""
    return max(float(np.quantile(scores[family == f], level)) for f in np.unique(family) if f != skip)


def recalibrate(references: pl.DataFrame, version: str, k: int | None = None) -> tuple[Calibration, dict]:
    """The calibration table from reference rows (posts alone, and posts with traces): low end at the floor, δ of
    the upper end from held-out scores (held_out_scores), the largest family's 95% quantile."""
    rows = _targets(references)
    families = tuple(CALIBRATION_FAMILIES)
    fam = np.array([families.index(f) for f in rows["family"]])
    kwargs = {} if k is None else {"k": k}
    table = from_references(table_features(), feature_matrix(rows, table_features()), rows["y"].to_numpy(), fam, families,
                            version=version, **kwargs)
    table = replace(table, bits=trait_bits(rows))
    scores = held_out_scores(table)
    table = replace(table, delta=max(0.0, worst_family_quantile(scores, fam)), scores=scores, floor_low=True)
    return table, held_out_parts(table)


def score(test: pl.DataFrame, table: Calibration, held_out: dict | None = None) -> pl.DataFrame:
    """Per test executive: estimate, interval and truth with the shipped table, and with its family held out.

    held_out: recalibrate's second result for the same references (δ without each family, trait masks).
    """
    names = trait_names()
    out = calibrated(test, table).with_columns(
        covered=(pl.col("posting_hours_low") <= pl.col("truth_hours"))
        & (pl.col("truth_hours") <= pl.col("posting_hours_high")),
        width_rel=(pl.col("posting_hours_high") - pl.col("posting_hours_low")) / pl.col("truth_hours"),
        log_error=(pl.col("posting_hours") / pl.col("truth_hours")).log(),
        floor_holds=pl.col("floor_hours") <= pl.col("truth_hours") * (1 + 1e-9))
    if held_out is None:
        return out
    parts = []
    for family, rows in out.partition_by("family", as_dict=True, maintain_order=True).items():
        name = family[0]
        if name not in names:   # a test-only generator: never in the table, held out as it is
            parts.append(rows.with_columns(lofo_hours="posting_hours", lofo_low="posting_hours_low",
                                           lofo_high="posting_hours_high"))
            continue
        bit = 1 << names.index(name)
        mask = (held_out["bits"] & bit) == 0
        delta = held_out["delta_without"].get(name, table.delta)
        got = calibrated(rows, table.restricted(mask, delta))
        parts.append(rows.with_columns(
            lofo_hours=got["posting_hours"], lofo_low=got["posting_hours_low"], lofo_high=got["posting_hours_high"]))
    out = pl.concat(parts)
    return out.with_columns(
        lofo_covered=(pl.col("lofo_low") <= pl.col("truth_hours")) & (pl.col("truth_hours") <= pl.col("lofo_high")),
        lofo_width_rel=(pl.col("lofo_high") - pl.col("lofo_low")) / pl.col("truth_hours"),
        lofo_log_error=(pl.col("lofo_hours") / pl.col("truth_hours")).log())


def is_test_only(family: str) -> bool:
    """Never in the calibration table: a test-only family or an unseen generator."""
    return family in UNSEEN or FAMILIES[family].test_only


def summary(scored: pl.DataFrame) -> pl.DataFrame:
    """The per-family table on posts alone: coverage, median width ÷ truth, floor ≤ truth share, bias; held-out
    columns too."""
    if "events" in scored.columns:
        scored = scored.filter(pl.col("events") == "posts")
    has_lofo = "lofo_covered" in scored.columns
    usable = scored.filter(pl.col("posting_hours_low").is_not_null())
    aggs = [pl.len().alias("executives"), pl.col("covered").mean().alias("coverage"),
            pl.col("width_rel").median().alias("median_width_rel"),
            (pl.col("log_error").median().exp() - 1).alias("median_bias"),
            pl.col("floor_holds").mean().alias("floor_holds")]
    if has_lofo:
        aggs += [pl.col("lofo_covered").mean().alias("heldout_coverage"),
                 pl.col("lofo_width_rel").median().alias("heldout_median_width_rel"),
                 (pl.col("lofo_log_error").median().exp() - 1).alias("heldout_median_bias")]
    table = usable.group_by("family").agg(*aggs)
    floors = scored.group_by("family").agg(floor_holds_all=pl.col("floor_holds").mean(), all_executives=pl.len())
    order = {name: i for i, name in enumerate([*FAMILIES, *UNSEEN])}
    return (table.join(floors, on="family").with_columns(
        coverage_se=(pl.col("coverage") * (1 - pl.col("coverage")) / pl.col("executives")).sqrt(),
        test_only=pl.col("family").map_elements(is_test_only, return_dtype=pl.Boolean))
        .sort(pl.col("family").replace_strict(order, default=99)))


def trace_figures(scored: pl.DataFrame) -> pl.DataFrame:
    """Per family, for the executives with traces: the interval on posts alone against the truth of posting
    sessions, and on posts and traces against the truth of sessions with a post or a trace (coverage, median
    width ÷ truth, how much of that truth the floor proves)."""
    if "events" not in scored.columns:
        return pl.DataFrame()
    traced = scored.filter(pl.col("events") == "posts+traces").select("account_id")
    both = scored.join(traced, on="account_id", how="semi").filter(pl.col("posting_hours_low").is_not_null())
    floor_share = (pl.col("floor_hours") / pl.col("truth_hours")).median()
    per = both.group_by("family", "events").agg(
        executives=pl.len(), coverage=pl.col("covered").mean(), width=pl.col("width_rel").median(),
        floor_share=floor_share, floor_holds=pl.col("floor_holds").mean())
    posts = per.filter(pl.col("events") == "posts").drop("events")
    act = per.filter(pl.col("events") == "posts+traces").drop("events", "executives")
    return posts.join(act, on="family", suffix="_traces").sort("family")


def shipped_table() -> Calibration:
    """The calibration table shipped in the package."""
    return load_calibration()


def test_set(families: list[str], n: int, seed: int, days: tuple[int, int], cache: Path | None,
             progress: Progress | None = None) -> pl.DataFrame:
    """Fresh SIMULATED executives per family (never in the table: another seed), cached per family and size."""
    frames = []
    for family in families:
        make = lambda family=family: scored_features(family, n, seed, days, progress)  # noqa: E731
        if cache is None:
            frames.append(make())
        else:
            key = _cache_key(kind="test", family=family, n=n, seed=seed, days=days)
            frames.append(cached(cache / f"test-{family}-{key}.parquet", make))
    return pl.concat(frames, how="diagonal_relaxed")


def scheduled_figures(scored: pl.DataFrame) -> pl.DataFrame:
    """Scheduled-post detection per family: posts excluded, truly scheduled, and the false-positive rate per post."""
    return scored.group_by("family").agg(
        posts=pl.col("count_posts").sum(), excluded=pl.col("count_scheduled_excluded").sum(),
        truly_scheduled=pl.col("true_scheduled").sum(),
        executives_with_exclusions=(pl.col("count_scheduled_excluded") > 0).mean(),
    ).with_columns(
        # in a family without scheduled posts every exclusion is a false positive; with them, exclusions
        # beyond the true count are (a lower bound: a flagged own post can hide behind a missed scheduled one)
        false_positive_per_post=pl.max_horizontal(pl.col("excluded") - pl.col("truly_scheduled"), pl.lit(0))
        / (pl.col("posts") - pl.col("truly_scheduled")),
        recall=pl.when(pl.col("truly_scheduled") > 0)
        .then(pl.min_horizontal("excluded", "truly_scheduled") / pl.col("truly_scheduled")),
    )


def timezone_figures(scored: pl.DataFrame) -> pl.DataFrame:
    """Inferred offset vs the true zone's offset at the window's start, per family (share exact, within 15/30/60
    min)."""

    from postaudit.metrics.localtime import fixed_offset_minutes
    from postaudit.simulator.behaviour import utc_offset_seconds

    def true_minutes(zone: str, start: date) -> int:
        return utc_offset_seconds(zone, start) // 60

    got = scored.with_columns(
        inferred=pl.col("timezone").map_elements(fixed_offset_minutes, return_dtype=pl.Int64),
        truth=pl.struct("true_timezone", "window_start").map_elements(
            lambda r: true_minutes(r["true_timezone"], r["window_start"]), return_dtype=pl.Int64))
    err = (pl.col("inferred") - pl.col("truth")).abs()
    return got.filter(pl.col("timezone_source") == "inferred").group_by("family").agg(
        executives=pl.len(), exact=(err == 0).mean(), within_15_min=(err <= 15).mean(),
        within_30_min=(err <= 30).mean(), within_60_min=(err <= 60).mean())


def run(families: list[str], executives: int, seed: int, days: tuple[int, int], cache: Path | None,
        table: Calibration, held_out: dict | None, short_executives: int = 0,
        progress: Progress | None = None) -> dict[str, pl.DataFrame]:
    """Score every family (and short windows of 7–13 days over mixed behaviour): rows, summary, scheduled, zones."""
    test = test_set(families, executives, seed, days, cache, progress)
    scored = score(test, table, held_out)
    posts = scored.filter(pl.col("events") == "posts")
    out = {"rows": scored, "summary": summary(scored), "scheduled": scheduled_figures(posts),
           "timezones": timezone_figures(posts), "traces": trace_figures(scored)}
    if short_executives:
        short = test_set(["mixed"], short_executives, seed + 1, (7, 13), cache, progress)
        s = score(short.filter(pl.col("events") == "posts"), table, None).with_columns(
            family=pl.lit("short windows (7-13 days)"))
        out["short"] = s.group_by("family").agg(
            executives=pl.len(), coverage=pl.col("covered").mean(), median_width_rel=pl.col("width_rel").median(),
            floor_holds=pl.col("floor_holds").mean(), median_bias=pl.col("log_error").median().exp() - 1)
    return out


def held_out_parts(table: Calibration) -> dict:
    """What leave-one-family-out scoring needs from a table: its trait masks, and δ from the other families' scores."""
    delta_without = {name: max(0.0, worst_family_quantile(table.scores, table.family, skip=i))
                     for i, name in enumerate(table.families)}
    return {"bits": table.bits, "delta_without": delta_without}


def oracle(families: list[str], n: int, replicates: int, seed: int, days: tuple[int, int],
           table: Calibration | None = None, progress: Progress | None = None) -> pl.DataFrame:
    """How narrow a 95% interval can be for an estimator told more than the posts show, per family.

    * `oracle`: knows the executive's family and every parameter of its Behaviour (and the window): it
      simulates `replicates` more executives with exactly those parameters and takes the 2.5-97.5% range
      of truth ÷ model_hours among them (times the executive's model_hours), or of the truth itself,
      whichever is narrower in the family's median: each is a 95% interval given the parameters.
    * `family_only`: knows the family, not its parameters: the calibration table restricted to that
      family's own references (a kNN estimate of the family's posterior).
    Engine families only (the unseen generators draw their parameters inside).
    """
    table = table or load_calibration()
    rows = []
    for family in families:
        if family in UNSEEN:
            continue
        rng = np.random.default_rng([seed, _family_seed(family), 99])
        for i in range(n):
            e, traits, b, _ = simulate_one(family, rng, days, f"{family}-o{i}", traces=0.0)
            if e.posts.is_empty() or e.truth_hours <= 0:
                continue
            reps = [e] + [simulate_executive(b, seed=int(rng.integers(2**31)), days=e.days, start=e.start,
                                             user_id=f"{family}-o{i}-{j}") for j in range(replicates)]
            posts = pl.concat([r.posts.select("created_at", "kind", "text_chars", "source").with_columns(
                platform=pl.lit("x"), account_id=pl.lit(f"{j}")) for j, r in enumerate(reps) if r.posts.height])
            f = posting_features(posts, merged=False)
            model = dict(zip(f["account_id"], f["model_hours"], strict=True))
            truth = np.array([r.truth_hours for r in reps])
            ratio = np.array([truth[j] / model[str(j)] if model.get(str(j)) else np.nan for j in range(len(reps))])
            ok = np.isfinite(ratio[1:]) & (truth[1:] > 0)
            lo_r, hi_r = np.quantile(ratio[1:][ok], [0.025, 0.975])
            lo_t, hi_t = np.quantile(truth[1:][ok], [0.025, 0.975])
            m0 = model.get("0") or np.nan
            rows.append({"family": family, "traits": traits, "truth_hours": truth[0],
                         "ratio_low": m0 * lo_r, "ratio_high": m0 * hi_r, "truth_low": lo_t, "truth_high": hi_t})
            if progress:
                progress(f"oracle {family}: {i + 1}/{n}")
    got = pl.DataFrame(rows)
    out = got.group_by("family", maintain_order=True).agg(
        executives=pl.len(),
        oracle_ratio_coverage=((pl.col("ratio_low") <= pl.col("truth_hours"))
                               & (pl.col("truth_hours") <= pl.col("ratio_high"))).mean(),
        oracle_ratio_width=((pl.col("ratio_high") - pl.col("ratio_low")) / pl.col("truth_hours")).median(),
        oracle_truth_coverage=((pl.col("truth_low") <= pl.col("truth_hours"))
                               & (pl.col("truth_hours") <= pl.col("truth_high"))).mean(),
        oracle_truth_width=((pl.col("truth_high") - pl.col("truth_low")) / pl.col("truth_hours")).median())
    return out.with_columns(oracle_width=pl.min_horizontal("oracle_ratio_width", "oracle_truth_width"))


def family_only_widths(scored: pl.DataFrame, table: Calibration) -> pl.DataFrame:
    """Per calibration family: coverage and median width ÷ truth with the table cut to that family's own
    references (knowing the family, not its parameters)."""
    out = []
    posts = scored.filter(pl.col("events") == "posts") if "events" in scored.columns else scored
    for (name,), rows in posts.partition_by("family", as_dict=True, maintain_order=True).items():
        if name not in table.families:
            continue
        got = calibrated(rows, table.restricted(table.family == table.families.index(name), 0.0))
        ok = got.filter(pl.col("posting_hours_low").is_not_null())
        out.append({"family": name, "family_only_coverage": float(((ok["posting_hours_low"] <= ok["truth_hours"])
                                                                   & (ok["truth_hours"] <= ok["posting_hours_high"])).mean()),
                    "family_only_width": float(((ok["posting_hours_high"] - ok["posting_hours_low"])
                                                / ok["truth_hours"]).median())})
    return pl.DataFrame(out)
