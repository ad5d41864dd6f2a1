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
import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
import polars as pl

from postaudit.metrics.calibration import LEVEL, MIN_DAYS, Calibration, feature_matrix, from_references
from postaudit.metrics.calibration import load as load_calibration
from postaudit.metrics.posting_model import FEATURES
from postaudit.metrics.posting_time import calibrated, posting_features
from postaudit.simulator.behaviour import simulate_executive
from postaudit.simulator.families import CALIBRATION_FAMILIES, FAMILIES, TRAITS

REFERENCES_PER_FAMILY = 1500
TABLE_VERSION = "table v1"
CHUNK = 400
Progress = Callable[[str], None]


def table_features() -> tuple[str, ...]:
    """The features the calibration conditions on (posting_model.FEATURES)."""
    return tuple(FEATURES)


def trait_names() -> list[str]:
    """Every family and trait a SIMULATED executive may carry, in a fixed order (bit positions)."""
    return sorted(set(FAMILIES) | set(TRAITS))


def simulate_many(family: str, n: int, seed: int, days: tuple[int, int] = (7, 180)) -> tuple[pl.DataFrame, pl.DataFrame]:
    """n SIMULATED executives of a family: their posts (one account each) and one truth row per executive."""
    fam = FAMILIES[family]
    rng = np.random.default_rng([seed, sorted(FAMILIES).index(family)])
    posts, truth = [], []
    for i in range(n):
        b = fam.draw(rng)
        d = int(rng.integers(days[0], days[1] + 1))
        account = f"{family}-{seed}-{i}"
        e = simulate_executive(b, seed=int(rng.integers(2**31)), days=d, start=fam.start(rng), user_id=account)
        if e.posts.is_empty():
            continue
        posts.append(e.posts.select("created_at", "kind", "text_chars", "source").with_columns(
            platform=pl.lit("x"), account_id=pl.lit(account)))
        truth.append({"account_id": account, "family": family, "traits": ",".join(sorted({family, *b.traits})),
                      "true_timezone": b.timezone, "days_simulated": d, "truth_hours": e.truth_hours,
                      "true_scheduled": int(e.posts["scheduled"].sum())})
    return pl.concat(posts) if posts else pl.DataFrame(), pl.DataFrame(truth)


def scored_features(family: str, n: int, seed: int, days: tuple[int, int] = (7, 180),
                    progress: Progress | None = None) -> pl.DataFrame:
    """posting_features of n SIMULATED executives of a family (no 'all' rows), joined with their truth."""
    frames = []
    for start in range(0, n, CHUNK):
        posts, truth = simulate_many(family, min(CHUNK, n - start), seed * 1000 + start // CHUNK, days)
        if truth.is_empty():
            continue
        f = posting_features(posts, merged=False)
        frames.append(f.join(truth, on="account_id"))
        if progress:
            progress(f"{family}: {start + truth.height}/{n}")
    return pl.concat(frames, how="diagonal_relaxed") if frames else pl.DataFrame()


# The modules whose code decides a SIMULATED executive's features and truth: a cached executive made by other
# code is made again.
CODE = ("metrics/posting_model.py", "metrics/posting_time.py", "metrics/scheduled.py", "metrics/localtime.py",
        "metrics/timezone.py", "metrics/sessions.py", "simulator/behaviour.py", "simulator/families.py")


def _cache_key(**params) -> str:
    root = Path(__file__).resolve().parents[1]
    code = hashlib.sha1(b"".join((root / name).read_bytes() for name in CODE)).hexdigest()
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
        make = lambda family=family: scored_features(family, per_family, seed, progress=progress)  # noqa: E731
        if cache is None:
            frames.append(make())
        else:
            key = _cache_key(kind="ref", family=family, n=per_family, seed=seed, features=table_features())
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


def cross_validated_scores(table: Calibration, folds: int = 5) -> np.ndarray:
    """Each reference's conformity score E = max(q_lo − y, y − q_hi) (Romano et al. 2019) against quantiles from
    the references outside its fold (folds by executive, so a family is always among the references)."""
    x = table.z * table.scale + table.center
    fold = np.arange(len(table.y)) % folds
    scores = np.empty(len(table.y))
    for f in range(folds):
        mine = fold == f
        q = table.quantiles(x[mine], mask=~mine)
        scores[mine] = np.maximum(q[:, 0] - table.y[mine], table.y[mine] - q[:, 2])
    return scores


def family_quantile(scores: np.ndarray, family: np.ndarray, level: float = LEVEL, skip: int | None = None) -> float:
    """The level-quantile of scores with every family weighted equally (a family can be skipped)."""
    keep = np.ones(len(scores), bool) if skip is None else family != skip
    s, f = scores[keep], family[keep]
    counts = np.bincount(f)
    w = 1.0 / counts[f]
    order = np.argsort(s)
    cum = np.cumsum(w[order]) / w.sum()
    return float(s[order][min(np.searchsorted(cum, level), len(s) - 1)])


def recalibrate(references: pl.DataFrame, version: str, k: int | None = None) -> tuple[Calibration, dict]:
    """The calibration table from reference rows, δ from cross-validated scores (every family weighted equally)."""
    rows = _targets(references)
    families = tuple(CALIBRATION_FAMILIES)
    fam = np.array([families.index(f) for f in rows["family"]])
    kwargs = {} if k is None else {"k": k}
    table = from_references(table_features(), feature_matrix(rows, table_features()), rows["y"].to_numpy(), fam, families,
                            version=version, **kwargs)
    scores = cross_validated_scores(table)
    table = replace(table, delta=max(0.0, family_quantile(scores, fam)), bits=trait_bits(rows),
                    scores=scores)
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


def summary(scored: pl.DataFrame) -> pl.DataFrame:
    """The per-family table: coverage, median width ÷ truth, floor ≤ truth share, bias; held-out columns too."""
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
    order = {name: i for i, name in enumerate(FAMILIES)}
    return (table.join(floors, on="family").with_columns(
        coverage_se=(pl.col("coverage") * (1 - pl.col("coverage")) / pl.col("executives")).sqrt(),
        test_only=pl.col("family").map_elements(lambda f: FAMILIES[f].test_only, return_dtype=pl.Boolean))
        .sort(pl.col("family").replace_strict(order, default=99)))


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
    """Inferred offset vs the true zone's offset at the window's start, per family (share exact, within 30/60 min)."""
    from datetime import date

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
        exact=(err == 0).mean(), within_30_min=(err <= 30).mean(), within_60_min=(err <= 60).mean())


def run(families: list[str], executives: int, seed: int, days: tuple[int, int], cache: Path | None,
        table: Calibration, held_out: dict | None, short_executives: int = 0,
        progress: Progress | None = None) -> dict[str, pl.DataFrame]:
    """Score every family (and short windows of 7–13 days over mixed behaviour): rows, summary, scheduled, zones."""
    test = test_set(families, executives, seed, days, cache, progress)
    scored = score(test, table, held_out)
    out = {"rows": scored, "summary": summary(scored), "scheduled": scheduled_figures(scored),
           "timezones": timezone_figures(scored)}
    if short_executives:
        short = test_set(["mixed"], short_executives, seed + 1, (7, 13), cache, progress)
        s = score(short, table, None).with_columns(family=pl.lit("short windows (7-13 days)"))
        out["short"] = s.group_by("family").agg(
            executives=pl.len(), coverage=pl.col("covered").mean(), median_width_rel=pl.col("width_rel").median(),
            floor_holds=pl.col("floor_holds").mean(), median_bias=pl.col("log_error").median().exp() - 1)
    return out


def held_out_parts(table: Calibration) -> dict:
    """What leave-one-family-out scoring needs from a table: its trait masks, and δ from the other families' scores."""
    delta_without = {name: max(0.0, family_quantile(table.scores, table.family, skip=i))
                     for i, name in enumerate(table.families)}
    return {"bits": table.bits, "delta_without": delta_without}
