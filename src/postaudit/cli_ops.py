"""Commands for unattended and scaled-out operation: `postaudit run audits.toml`, `postaudit audits ...`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from postaudit import registry
from postaudit.cli import _quiet_prefect, app, console, fail
from postaudit.errors import InputError

audits_app = typer.Typer(help="Check or generate audits files.", no_args_is_help=True)
app.add_typer(audits_app, name="audits")


@app.command()
def run(audits_file: Annotated[Path, typer.Argument(help="The audits file (see examples/audits.toml).")],
        executive: Annotated[str | None, typer.Option(help="Run only the executive with this id.")] = None,
        dask_workers: Annotated[int, typer.Option(
            min=0, help="Fan out on a dask.distributed LocalCluster with this many workers (0: Prefect's threads).")] = 0,
        dask_address: Annotated[str | None, typer.Option(
            help="Fan out on an existing dask scheduler, e.g. tcp://10.0.0.5:8786.")] = None,
        force_build: Annotated[bool, typer.Option(help="Rebuild the marts even if no input changed.")] = False,
        recheck_files: Annotated[bool, typer.Option(
            help=f"Read file sources ({', '.join(sorted(registry.file_sources()))}) even when their size and "
                 "modification time are unchanged since the last successful read.")] = False,
        ) -> None:
    """Run every audit in an audits file: collect posts and press in parallel, build the marts, render the dashboard.

    Incremental: a file source whose path, size and modification time are unchanged since its last successful
    read is skipped; the build is skipped when no input changed; the dashboard is not rendered again when it is
    newer than the last build.
    """
    from postaudit import audits

    try:
        parsed = audits.load(audits_file)
        parsed.select(executive)
    except InputError as exc:
        fail(str(exc))
    _quiet_prefect()
    from postaudit.flows.audit import audit, dask_runner

    flow = audit
    if dask_workers or dask_address:
        flow = audit.with_options(task_runner=dask_runner(n_workers=dask_workers or 2, address=dask_address))
    with console.status(f"Running {len(parsed.select(executive))} audit(s) from {audits_file}..."):
        result = flow(audits_file=str(audits_file), executive=executive, force_build=force_build,
                      recheck_files=recheck_files)
    c = result["collected"]
    console.print(f"{len(result['executives'])} executive(s), {c['jobs']} fetches: {c['fetched']} raw records fetched, "
                  f"{c['new']} new, {c['skipped']} already there, {c['failed']} failed.")
    if c.get("unchanged"):
        console.print(f"{c['unchanged']} file source(s) unchanged since their last read: skipped "
                      "(--recheck-files reads them again).")
    if result["metrics"].get("skipped"):
        console.print(f"Marts unchanged: no input changed since the build of {result['metrics']['last_built_at']} "
                      "(--force-build rebuilds).")
    if not result.get("dashboard_rendered", True):
        console.print("Dashboard not rendered again: it is newer than the last build.")
    print(f"Warehouse: {Path(result['db']).resolve()}")
    print(f"Dashboard: {Path(result['dashboard']).resolve()}")


@audits_app.command("check")
def check(audits_file: Annotated[Path, typer.Argument(help="The audits file to validate.")]) -> None:
    """Validate an audits file and list the fetches a run would make."""
    from postaudit import audits

    try:
        parsed = audits.load(audits_file)
    except InputError as exc:
        fail(str(exc))
    for e in parsed.executives:
        jobs = audits.jobs(parsed, "posts", e.id) + audits.jobs(parsed, "press", e.id)
        label = " (SIMULATED)" if e.is_simulated else ""
        console.print(f"[bold]{e.id}[/] {e.name}{label}: " + ", ".join(f"{j.source} {j.target}" for j in jobs))
    print(f"{audits_file}: {len(parsed.executives)} executive(s), warehouse {parsed.db}")


@audits_app.command("simulate")
def simulate(n: Annotated[int, typer.Argument(min=1, max=10000, help="How many simulated executives.")],
             out: Annotated[Path, typer.Option(help="Where to write the audits file.")],
             days: Annotated[int, typer.Option(min=1, max=3650, help="Days of simulated activity each.")] = 7,
             db: Annotated[str, typer.Option(help="Warehouse path written into the file (relative to it).")]
             = "postaudit.duckdb") -> None:
    """Write an audits file with N SIMULATED executives, for trying scheduled and scaled-out runs."""
    from postaudit import audits

    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(audits.simulated_audits_toml(n, days=days, db=db), encoding="utf-8")
    print(out.resolve())
