"""`postaudit bench`: run the benchmarks in benchmarks/ (a checkout-only tool, not part of the installed package)."""

from __future__ import annotations

import json
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


@bench_app.command("claims")
def bench_claims(
    folder: Annotated[Path, typer.Argument(help="A labelled folder: article files and labels.jsonl "
                                                 "(e.g. ../shared/press-dev).")],
    db: Annotated[Path | None, typer.Option(help="Warehouse to build (must not exist; a folder with --per-article). "
                                                 "Default: a temporary file, removed afterwards.")] = None,
    files: Annotated[str | None, typer.Option(help="Score only these files (comma-separated names).")] = None,
    split: Annotated[bool, typer.Option(help="Also score the first and the second half of the files apart.")] = False,
    per_article: Annotated[bool, typer.Option(help="One warehouse per article (--db is then a folder): copies of "
                                                   "one story are scored each on its own.")] = False,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the scores as JSON here.")] = None,
) -> None:
    """Import a labelled folder into a fresh warehouse, build, and print recall and precision per claim kind.

    Recall counts the labelled self-reported claims found (same metric, value within 15% or in the labelled
    range, no conflicting platform); precision the found claims that match a label (a third party's estimate
    must be marked self_report = false). Example: postaudit bench claims ../shared/press-dev --split
    """
    import tempfile

    from rich.table import Table

    from postaudit.bench.claims import run, score
    from postaudit.cli import console
    from postaudit.sources.errors import InputError

    if not folder.is_dir():
        fail(f"{folder}: not a folder")
    tmp = None
    if db is None:
        tmp = tempfile.TemporaryDirectory(prefix="postaudit-bench-claims-")
        db = Path(tmp.name) / ("bench" if per_article else "bench.duckdb")
    try:
        with console.status("Importing and building...") as status:
            timings: list[tuple[int, float]] = []
            found, labels = run(folder, db, progress=lambda m: status.update(m), per_article=per_article,
                                timings=timings)
    except InputError as exc:
        fail(str(exc))
    names = [a["file"] for a in labels]
    only = set(files.split(",")) if files else None
    sets = [("all files" if not only else "selected files", only)]
    if split:
        half = (len(names) + 1) // 2
        sets += [(f"first half ({names[0]} … {names[half - 1]})", set(names[:half])),
                 (f"second half ({names[half]} … {names[-1]})", set(names[half:]))]
    results = {}
    for title, subset in sets:
        s = score(found, labels, subset)
        results[title] = s
        table = Table("kind", "self-reports found", "recall", "claims found", "false positives", "precision",
                      title=f"Claims vs labels: {title}")
        for metric, c in s["per_metric"].items():
            rec = f"{c['recalled'] / c['labelled']:.2f}" if c["labelled"] else "–"
            prec = f"{(c['found'] - c['false_positives']) / c['found']:.2f}" if c["found"] else "–"
            table.add_row(metric, f"{c['recalled']}/{c['labelled']}", rec, str(c["found"]),
                          str(c["false_positives"]), prec)
        console.print(table)
        for fp in s["false_positive_claims"][:8]:
            console.print("false positive:", *fp)
        print(f"claims recall {s['recall']:.2f} ({s['recalled']}/{s['labelled']}), precision {s['precision']:.2f} "
              f"({s['found'] - s['false_positives']}/{s['found']})")
    ms = sorted(t for _c, t in timings)
    if ms:
        chars = sum(c for c, _t in timings) / len(timings)
        print(f"extraction: {len(ms)} articles of {chars:,.0f} characters on average, {sum(ms) / len(ms):.1f} ms "
              f"per article (median {ms[len(ms) // 2]:.1f}, max {ms[-1]:.1f})")
    if tmp is not None:
        tmp.cleanup()
    else:
        console.print(f"warehouse: {db} (score it with press-dev's score.py too)")
    if json_out:
        json_out.write_text(json.dumps({k: {kk: vv for kk, vv in v.items() if kk != "false_positive_claims"}
                                        for k, v in results.items()}, indent=2))
