"""Commands for the metrics area: `postaudit bench estimator` and `postaudit claims check`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from postaudit.cli import app, console, fail
from postaudit.sources.errors import InputError

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
    """Run the time-share estimator on many SIMULATED executives and report coverage, bias and verdict accuracy."""
    from postaudit.bench.estimator import run_benchmark, summarize, verdict_table

    with console.status("Simulating and estimating...") as status:
        runs = run_benchmark(executives, days=days, n_boot=n_boot, seed=seed,
                             progress=lambda i: status.update(f"Executive {i}/{executives}"))
    summary = summarize(runs)
    table = Table("measure", "value", title=f"Estimator vs SIMULATED ground truth ({summary['executives']} executives, "
                                            f"{days} days, {n_boot} draws)")
    for key, value in summary.items():
        table.add_row(key, f"{value:.3f}" if isinstance(value, float) else str(value))
    console.print(table)
    vt = Table("claim", "verdict", "count", title="Verdicts per kind of claim")
    for row in verdict_table(runs).iter_rows():
        vt.add_row(*(str(v) for v in row))
    console.print(vt)
    print(json.dumps(summary))
    if out:
        runs.write_csv(out)
        console.print(f"rows: {out}")


@claims_app.command("check")
def claims_check(path: Annotated[Path, typer.Argument(help="A claims file (TOML or YAML).")]) -> None:
    """Validate a claims file and list its claims; errors name the file and the field."""
    from postaudit.claims import load_claims_file

    try:
        claims = load_claims_file(path)
    except InputError as exc:
        fail(str(exc))
    table = Table("id", "metric", "platform", "value", "unit", "period")
    for c in claims.iter_rows(named=True):
        period = f"{c['period_start']}/{c['period_end']}" if c["period_start"] else ""
        table.add_row(c["claim_id"], c["metric"], c["platform"] or "all", f"{c['value']:g}", c["unit"], period)
    console.print(table)
    console.print(f"{claims.height} claims OK. `postaudit build` reads claims.toml beside the warehouse.")
