"""Commands for the metrics area: `postaudit bench estimator` and `postaudit claims check`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from postaudit.cli import app, console, styled

bench_app = typer.Typer(help="Benchmarks: `estimator` scores the time-share estimator against SIMULATED ground "
                             "truth; `import` times import, metrics and dashboard against twarc-csv and DuckDB.",
                        no_args_is_help=True)
claims_app = typer.Typer(help="The claims file (claims.toml): check it before a build.", no_args_is_help=True)
app.add_typer(bench_app, name="bench")
app.add_typer(claims_app, name="claims")


@bench_app.command("estimator")
def bench_estimator(
    executives: Annotated[int, typer.Option(min=5, help="Simulated executives to score.")] = 200,
    days: Annotated[int, typer.Option(min=14, max=365, help="Days simulated per executive.")] = 56,
    n_boot: Annotated[int, typer.Option(min=100, help="Bootstrap draws per interval.")] = 400,
    seed: Annotated[int, typer.Option(help="Seed for the executives' personas.")] = 1,
    out: Annotated[Path | None, typer.Option(help="Also write every executive's row as CSV here.")] = None,
) -> None:
    """Run the time-share estimator on many SIMULATED executives and report coverage and bias."""
    from postaudit.metrics.bench import run_benchmark, summarize

    with console.status("Simulating and estimating...") as status:
        runs = run_benchmark(executives, days=days, n_boot=n_boot, seed=seed,
                             progress=lambda i: status.update(f"Executive {i}/{executives}"))
    summary = summarize(runs)
    table = Table("measure", "value", title=f"Estimator vs SIMULATED ground truth ({summary['executives']} executives, "
                                            f"{days} days, {n_boot} draws)")
    for key, value in summary.items():
        table.add_row(key, f"{value:.3f}" if isinstance(value, float) else str(value))
    console.print(table)
    print(json.dumps(summary))
    if out:
        runs.write_csv(out)
        console.print(f"rows: {out}")


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
