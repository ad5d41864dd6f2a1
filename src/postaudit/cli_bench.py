"""`postaudit bench`: run the benchmarks in benchmarks/ (a checkout-only tool, not part of the installed package)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer

from postaudit.cli import fail

# One `bench` group for every benchmark: the estimator's lives in cli_metrics, which owns the group.
from postaudit.cli_metrics import bench_app

RUN = Path(__file__).resolve().parents[2] / "benchmarks" / "run.py"


@bench_app.command("import")
def bench_import(
    sizes: Annotated[str, typer.Option(help="Post counts, comma-separated.")] = "10k,100k,1M",
    with_10m: Annotated[bool, typer.Option("--with-10m", help="Add 10M posts (~7 GB of JSONL).")] = False,
    press_sizes: Annotated[str, typer.Option(help="Article counts for press grouping ('' to skip).")] = "10k,100k",
    out: Annotated[Path | None, typer.Option(help="Report file. Default: docs/performance.md.")] = None,
) -> None:
    """Generate N posts as twarc2 JSONL and time import, twarc2 csv, DuckDB read_json, metrics and dashboard."""
    if not RUN.is_file():
        fail(f"{RUN} not found: `postaudit bench` runs from a source checkout")
    args = [sys.executable, str(RUN), "--sizes", sizes, "--press-sizes", press_sizes]
    if with_10m:
        args.append("--with-10m")
    if out:
        args += ["--out", str(out)]
    raise typer.Exit(subprocess.run(args, check=False).returncode)
