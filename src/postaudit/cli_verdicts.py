"""`postaudit bench verdicts`: score the verdict rules on SIMULATED executives with a known true time."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from postaudit.cli import console
from postaudit.cli_metrics import bench_app


@bench_app.command("verdicts")
def bench_verdicts(
    executives: Annotated[int, typer.Option(min=6, help="Simulated audits (executives), spread over the families.")] = 2000,
    days: Annotated[int, typer.Option(min=14, max=365, help="Days simulated per executive.")] = 56,
    n_boot: Annotated[int, typer.Option(min=50, help="Bootstrap draws per interval.")] = 200,
    seed: Annotated[int, typer.Option(help="Seed for the executives.")] = 1,
    out: Annotated[Path | None, typer.Option(help="Also write every claim's row as CSV here.")] = None,
) -> None:
    """Judge honest, understated, overstated and random claims of SIMULATED executives; report the targets per family.

    Honest claims are the true total (reading included) in every unit and direction; "understated 3x" is the
    true posting-session time ÷ 3 (about and at most) or the true total ÷ 3; "overstated 3x" the true total × 3
    (about and at least); random claims the total × 10^U, U on [-1, 1], in a random direction. Targets: no
    honest claim contradicted; wrong contradictions (truth inside the claim's band) ≤ 5% of contradictions;
    understated 3x flagged (contradicted or probably understated) in ≥ 80%; "probably understated" wrong
    (truth inside the band) in ≤ 5%. "informative share": verdicts that place the claim against the data
    (contradicted, probably understated, supported by posts, needs unseen reading), not merely "consistent".
    Executives come from every behaviour family of src/postaudit/simulator (the test-only families and
    generators included), cycled; posting-session time from the calibrated metrics.posting_time estimator,
    with the persona's SIMULATED likes and ad impressions where it leaves some.
    """
    from postaudit.bench.verdicts import TARGETS, family_simulator, run_bench, summarize

    with console.status("Simulating, estimating, judging...") as status:
        runs = run_bench(executives, seed=seed, n_boot=n_boot, generate=family_simulator(days),
                         progress=lambda i: status.update(f"Audit {i}/{executives}"))
    summary = summarize(runs)
    method = runs["method"][0] if runs.height else "none"
    families = summary["family"].to_list()
    table = Table("measure", "target", *families, title=f"Verdicts vs SIMULATED truth: {summary['audits'][0]} audits, "
                                                        f"{days} days, {n_boot} draws")
    for measure in summary.columns[1:]:
        values = summary[measure].to_list()
        table.add_row(measure.replace("_", " "), TARGETS.get(measure, ""),
                      *(("–" if math.isnan(v) else f"{v:.3f}") if isinstance(v, float) else str(v) for v in values))
    console.print(table)
    console.print(f"Posting-session time from: {method}")
    print(json.dumps({"method": method, "families": summary.to_dicts()}, default=str))
    if out:
        runs.write_csv(out)
        console.print(f"rows: {out}")
