"""Commands for the metrics area: `postaudit bench estimator` and `postaudit claims check`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from postaudit.cli import app, console, fail, styled

bench_app = typer.Typer(help="Benchmarks: `estimator` scores the time-share estimator against SIMULATED ground "
                             "truth; `import` times import, metrics and dashboard against twarc-csv and DuckDB.",
                        no_args_is_help=True)
claims_app = typer.Typer(help="The claims file (claims.toml): check it before a build.", no_args_is_help=True)
app.add_typer(bench_app, name="bench")
app.add_typer(claims_app, name="claims")


@bench_app.command("estimator")
def bench_estimator(
    executives: Annotated[int, typer.Option(min=5, help="SIMULATED executives per family (Monte Carlo error of a "
                                                        "95% coverage: ±1.5 points at 200).")] = 200,
    families: Annotated[str | None, typer.Option(help="Families to score, comma-separated (default: all, the "
                                                      "test-only ones included).")] = None,
    quick: Annotated[bool, typer.Option(help="40 executives per family, no short-window row: a first look.")] = False,
    days: Annotated[str, typer.Option(help="Window lengths drawn per executive, as MIN,MAX days.")] = "14,120",
    seed: Annotated[int, typer.Option(help="Seed of the test executives (the table's own are another seed).")] = 7,
    recalibrate: Annotated[bool, typer.Option(help="Simulate the calibration table's references again and write "
                                                   "the shipped table (minutes; cached per family).")] = False,
    references: Annotated[int, typer.Option(min=100, help="References per family with --recalibrate.")] = 1500,
    cache: Annotated[Path | None, typer.Option(help="Cache of simulated executives (default: benchmarks/data/"
                                                    "estimator in a checkout, else .postaudit-bench/).")] = None,
    oracle: Annotated[int, typer.Option(min=0, help="Also the oracle bound on width: N executives per engine "
                                                    "family, each with N twins of its exact parameters (minutes).")] = 0,
    out: Annotated[Path | None, typer.Option(help="Also write every executive's row as CSV here.")] = None,
    markdown: Annotated[Path | None, typer.Option(help="Also write the per-family table as Markdown here.")] = None,
) -> None:
    """Score time_on_platform against SIMULATED ground truth per behaviour family, each family also held out.

    Every figure is per family: 95%-interval coverage, median interval width ÷ truth, share of executives
    whose floor stays at or below the truth, and median bias; "held out" columns calibrate without the
    family (and without mixed executives carrying its trait). Families marked test-only are never in the
    calibration table: three of the engine's, and four generators written apart from it (semi_markov,
    hawkes, diurnal_trend, notification_replier; src/postaudit/simulator/unseen.py). Also prints how much
    SIMULATED traces (likes, ad impressions) tighten the interval, scheduled-post detection and time-zone
    inference per family.
    """
    from postaudit.bench import estimator as bench
    from postaudit.metrics.calibration import TABLE

    every = [*bench.FAMILIES, *bench.UNSEEN]
    names = every if families is None else [f.strip() for f in families.split(",") if f.strip()]
    unknown = [f for f in names if f not in every]
    if unknown:
        fail(f"unknown families {', '.join(unknown)}: choose from {', '.join(every)}")
    try:
        lo, hi = (int(v) for v in days.split(","))
    except ValueError:
        fail(f"--days must be MIN,MAX (e.g. 14,120), not {days!r}")
    if not 7 <= lo <= hi <= 366:
        fail("--days must lie between 7 and 366, MIN ≤ MAX")
    if quick:
        executives = min(executives, 40)
    cache = cache or _bench_cache()
    with console.status("Simulating and estimating...") as status:
        def progress(msg: str) -> None:
            status.update(f"SIMULATED executives: {msg}")

        if recalibrate:
            refs = bench.build_references(references, cache=cache, progress=progress)
            table, _ = bench.recalibrate(refs, version=f"{bench.TABLE_VERSION}, {references}/family")
            table.save(TABLE)
            bench.load_calibration.cache_clear()
        table = bench.shipped_table()
        held = bench.held_out_parts(table)
        got = bench.run(names, executives, seed, (lo, hi), cache, table, held,
                        short_executives=0 if quick else executives, progress=progress)
        if oracle:
            engine = [f for f in names if f in bench.FAMILIES]
            got["oracle"] = bench.oracle(engine, oracle, oracle, seed, (lo, hi), progress=progress).join(
                bench.family_only_widths(got["rows"], table), on="family", how="left")
    _print_estimator_tables(got, table, executives, (lo, hi), markdown)
    if "oracle" in got:
        _print_oracle(got["oracle"], got["summary"], oracle)
    if out:
        got["rows"].write_csv(out)
        console.print(f"rows: {out}")


def _bench_cache() -> Path:
    checkout = Path(__file__).resolve().parents[2] / "benchmarks"
    return checkout / "data" / "estimator" if checkout.is_dir() else Path(".postaudit-bench")


def _print_estimator_tables(got: dict, table, executives: int, days: tuple[int, int], markdown: Path | None) -> None:
    s = got["summary"]
    cols = ["family", "executives", "coverage", "coverage_se", "median_width_rel", "floor_holds_all", "median_bias",
            "heldout_coverage", "heldout_median_width_rel", "heldout_median_bias"]
    heads = ["family", "n", "coverage", "±SE", "width÷truth", "floor≤truth", "bias", "held-out cov.",
             "held-out width", "held-out bias"]
    t = Table(*heads, title=f"time_on_platform vs SIMULATED truth: {executives} executives per family, "
                            f"windows {days[0]}–{days[1]} days (calibration {table.version}, δ = {table.delta:.2f})")
    lines = ["| " + " | ".join(heads) + " |", "|" + "---|" * len(heads)]
    for r in s.iter_rows(named=True):
        name = r["family"] + (" (test-only)" if r["test_only"] else "")
        cells = [name, str(r["all_executives"])] + [_fmt(r[c], c) for c in cols[2:]]
        t.add_row(*cells)
        lines.append("| " + " | ".join(cells) + " |")
    console.print(t)
    if "short" in got:
        for r in got["short"].iter_rows(named=True):
            console.print(f"{r['family']}: {r['executives']} executives, coverage {r['coverage']:.3f}, "
                          f"median width ÷ truth {r['median_width_rel']:.2f}, floor ≤ truth {r['floor_holds']:.3f}, "
                          f"bias {r['median_bias']:+.2f}")
    if got.get("traces") is not None and got["traces"].height:
        tr = Table("family", "n", "posts: coverage", "width÷truth", "floor÷truth", "posts+traces: coverage",
                   "width÷truth", "floor÷truth", title="Executives with SIMULATED traces: posts alone (truth: posting "
                                                        "sessions) vs posts and traces (truth: sessions with either)")
        for r in got["traces"].iter_rows(named=True):
            tr.add_row(r["family"], str(r["executives"]), f"{r['coverage']:.3f}", f"{r['width']:.2f}",
                       f"{r['floor_share']:.3f}", f"{r['coverage_traces']:.3f}", f"{r['width_traces']:.2f}",
                       f"{r['floor_share_traces']:.3f}")
        console.print(tr)
    sched = Table("family", "posts", "excluded", "truly scheduled", "false positives / post", "recall",
                  title="Scheduled posts excluded")
    for r in got["scheduled"].sort("family").iter_rows(named=True):
        sched.add_row(r["family"], str(r["posts"]), str(r["excluded"]), str(r["truly_scheduled"]),
                      f"{r['false_positive_per_post']:.4f}", "" if r["recall"] is None else f"{r['recall']:.3f}")
    console.print(sched)
    tz = Table("family", "n", "exact", "within 15 min", "within 30 min", "within 60 min",
               title="Inferred time zone vs the true offset at the window's start")
    for r in got["timezones"].sort("family").iter_rows(named=True):
        tz.add_row(r["family"], str(r["executives"]), *(f"{r[c]:.2f}" for c in
                                                        ("exact", "within_15_min", "within_30_min", "within_60_min")))
    console.print(tz)
    if markdown:
        markdown.write_text("\n".join(lines) + "\n")
        console.print(f"table: {markdown}")
    print(json.dumps({"summary": s.to_dicts(), "delta": table.delta, "version": table.version}, default=str))


def _print_oracle(o, summary, n: int) -> None:
    widths = dict(zip(summary["family"], summary["median_width_rel"], strict=True))
    t = Table("family", "n", "shipped width÷truth", "family known: coverage", "width÷truth",
              "parameters known: coverage", "width÷truth",
              title=f"How narrow a 95% interval can be from posts (oracle: {n} twins per executive with its exact "
                    "parameters; the narrower of truth÷model and truth ranges)")
    for r in o.iter_rows(named=True):
        best_cov = (r["oracle_ratio_coverage"] if r["oracle_ratio_width"] <= r["oracle_truth_width"]
                    else r["oracle_truth_coverage"])
        t.add_row(r["family"], str(r["executives"]), _fmt(widths.get(r["family"]), "w"),
                  _fmt(r.get("family_only_coverage"), "coverage"), _fmt(r.get("family_only_width"), "w"),
                  _fmt(best_cov, "coverage"), _fmt(r["oracle_width"], "w"))
    console.print(t)
    print(json.dumps({"oracle": o.to_dicts()}, default=str))


def _fmt(v, col: str) -> str:
    if v is None:
        return ""
    if col.endswith("bias"):
        return f"{v:+.2f}"
    if col == "coverage_se":
        return f"{v:.3f}"
    return f"{v:.3f}" if "coverage" in col or "floor" in col else f"{v:.2f}"


@claims_app.command("check")
def claims_check(
    path: Annotated[Path, typer.Argument(help="A claims file (TOML or YAML).")],
    db: Annotated[Path | None, typer.Option(
        "--db", help="Also check each claim's platform and account against this warehouse.")] = None,
) -> None:
    """Validate a claims file and list its claims: every error at once, each naming the file, claim and field.

    Platforms must be known ids (x, telegram, slack, ... or all; names like Twitter are mapped). With --db,
    a claim naming an account the warehouse lacks is an error, and a platform without data a warning.
    """
    from postaudit.claims import check_claims_file

    claims, errors = check_claims_file(path)
    warnings: list[str] = []
    if db is not None:
        more, warnings = _against_warehouse(path, claims, db)
        errors += more
    for e in errors:
        console.print(styled("error:", "bold red", e), highlight=False)
    for w in warnings:
        console.print(styled("warning:", "yellow", w), highlight=False)
    if claims.height:
        table = Table("id", "metric", "direction", "platform", "value", "unit", "period", "date")
        for c in claims.iter_rows(named=True):
            period = f"{c['period_start']}/{c['period_end']}" if c["period_start"] else ""
            value = "" if c["value"] is None else (f"{c['value']:g}" if c["value_low"] == c["value_high"]
                                                   else f"{c['value_low']:g}–{c['value_high']:g}")
            made = f"{c['published_at']:%Y-%m-%d}" if c["published_at"] else ""
            table.add_row(c["claim_id"], c["metric"], c["direction"] or "", c["platform"] or "all", value,
                          c["unit"] or "", period, made)
        console.print(table)
    if errors:
        console.print(f"{len(errors)} error(s) in {path}; {claims.height} claims without errors.")
        raise typer.Exit(1)
    console.print(f"{claims.height} claims OK. `postaudit build` reads claims.toml beside the warehouse.")


def _against_warehouse(path: Path, claims, db: Path) -> tuple[list[str], list[str]]:
    """Errors (a named account is missing) and warnings (a platform without data) from the warehouse."""
    import json as json_mod

    from postaudit import warehouse
    from postaudit.build import WarehouseInputs
    from postaudit.cli import open_warehouse

    con = open_warehouse(db, read_only=True)
    try:
        if not warehouse.table_exists(con, "posts"):
            return [], [f"{db}: no posts yet (run `postaudit build` after an import); accounts not checked"]
        accounts = WarehouseInputs(con).accounts()
    finally:
        con.close()
    errors, warnings = [], []
    for c in claims.iter_rows(named=True):
        platform = c["platform"]
        if platform in (None, "all"):
            continue
        here = accounts.filter((accounts["platform"] == platform) & (accounts["count_posts"] > 0))
        named = json_mod.loads(c["detail"] or "{}").get("account")
        where = f"{path}: {c['claim_id']}"
        if named and not ((here["account_id"] == named) | (here["handle"].str.to_lowercase() == named.lower())).any():
            known = ", ".join(sorted(set(here["handle"].drop_nulls().to_list()) | set(here["account_id"].to_list()))[:8])
            errors.append(f"{where}.account: {named!r} has no posts on {platform} in {db} (there: {known or 'none'})")
        elif here.is_empty():
            warnings.append(f"{where}: no posts on {platform} in {db}: the claim will be judged not testable")
    return errors, warnings
