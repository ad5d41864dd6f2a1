"""Commands for operation: `postaudit sql` (read-only queries), `postaudit run audits.toml`, `postaudit audits ...`."""

from __future__ import annotations

import csv
import json
import sys
import threading
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated, Any

import duckdb
import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from postaudit import registry, settings, warehouse
from postaudit.cli import DbOption, _quiet_prefect, app, console, fail, styled
from postaudit.errors import InputError

FETCH_ROWS = 2048


@app.command()
def sql(query: Annotated[str, typer.Argument(help='One DuckDB statement, e.g. "select count(*) from posts".')],
        db: DbOption = None,
        fmt: Annotated[str, typer.Option("--format", help="table, csv or json")] = "table",
        limit: Annotated[int, typer.Option(help="Most rows to print in table format.")] = 50,
        timeout: Annotated[float | None, typer.Option(
            min=0, help="Stop the query after this many seconds; 0: no limit. Default: as long as writers wait "
                        "for the warehouse ($POSTAUDIT_LOCK_WAIT, else 10 s).", show_default=False)] = None,
        ) -> None:
    """Run one read-only SQL statement on the warehouse and print the result.

    Read-only by DuckDB's own settings, whatever the statement: the warehouse is opened read-only, with no
    access to any other file (COPY ... TO, EXPORT DATABASE, ATTACH, read_csv/read_text/read_blob on files all
    fail), no extensions and the settings locked. One statement per call. Writers wait for a running query
    only so long (POSTAUDIT_LOCK_WAIT), so a query stops after --timeout; the default equals that wait.

    Relations to try: posts, accounts, account_snapshots, post_metric_snapshots, sessions, daily_activity,
    timeshare_estimates, timeshare_weekly, timeshare_sensitivity, account_timezone, post_reactions,
    account_reach, conversation_metrics, group_messages, chat_member_counts, press_articles, press_stories,
    press_daily, claim_copies, time_on_platform,
    claims, claim_verdicts, runs.
    """
    if fmt not in ("table", "csv", "json"):
        fail("--format must be table, csv or json")
    try:
        seconds = warehouse.lock_wait() if timeout is None else timeout
        con = warehouse.connect(settings.load(db).db_path, read_only=True, sandbox=True)
    except warehouse.WarehouseError as exc:
        fail(str(exc))
    # A timer thread interrupts the connection; DuckDB then raises InterruptException in this one.
    timer = threading.Timer(seconds, con.interrupt) if seconds else None
    try:
        statements = con.extract_statements(query)
        if len(statements) != 1:
            fail("give exactly one SQL statement" + (f" (this is {len(statements)}, joined by ';'): run them one "
                                                     "call at a time" if statements else ""))
        if timer:
            timer.start()
        result = con.execute(statements[0])
        columns = _unique([d[0] for d in result.description or []])
        _print_rows(fmt, columns, _rows(result), limit)
    except duckdb.InterruptException:
        fail(f"query stopped after {seconds:g} s (--timeout). While it runs no other process can write to the "
             "warehouse, and writers wait only POSTAUDIT_LOCK_WAIT seconds; give --timeout 0 for no limit when "
             "nothing needs to write", code=1)
    except duckdb.Error as exc:
        fail(f"query failed: {' '.join(str(exc).split())}")
    finally:
        if timer:
            timer.cancel()
        con.close()


def _rows(result: duckdb.DuckDBPyConnection) -> Iterator[tuple]:
    while chunk := result.fetchmany(FETCH_ROWS):
        yield from chunk


def _unique(names: list[str]) -> list[str]:
    """Column names, a repeated one numbered (select 1 as a, 2 as a): JSON objects keep every value."""
    seen: dict[str, int] = {}
    out = []
    for n in names:
        seen[n] = seen.get(n, 0) + 1
        out.append(n if seen[n] == 1 else f"{n}_{seen[n]}")
    return out


def _print_rows(fmt: str, columns: list[str], rows: Iterator[tuple], limit: int) -> None:
    """Write rows as they come (memory stays flat for any result size), every value as plain text."""
    if fmt == "csv":
        out = csv.writer(sys.stdout, lineterminator="\n")
        out.writerow(columns)
        out.writerows([_cell(v) for v in row] for row in rows)
        return
    if fmt == "json":
        sys.stdout.write("[")
        for i, row in enumerate(rows):
            sys.stdout.write(("\n" if i == 0 else ",\n") + json.dumps(dict(zip(columns, row, strict=True)),
                                                                       default=_json_value, ensure_ascii=False))
        sys.stdout.write("\n]\n")
        return
    # Names and values are data: rich would read "[/x]" in them as markup, so they go in as Text.
    table = Table(show_lines=False)
    for c in columns:
        table.add_column(Text(c))
    count = 0
    for row in rows:
        count += 1
        if count <= limit:
            table.add_row(*(Text(_cell(v)) for v in row))
    Console(markup=False).print(table)
    if count > limit:
        console.print(f"({count} rows, first {limit} shown; use --limit or --format csv)")


def _cell(value: Any) -> str:
    """One value as text: nested values (lists, structs, maps) as JSON, BLOBs as DuckDB writes them."""
    if value is None:
        return ""
    if isinstance(value, list | tuple | dict):
        return json.dumps(value, default=_json_value, ensure_ascii=False)
    if isinstance(value, bytes | bytearray | memoryview):
        return _blob(bytes(value))
    if isinstance(value, datetime | date | time):
        return value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
    return str(value)


def _json_value(value: Any) -> Any:
    if isinstance(value, bytes | bytearray | memoryview):
        return _blob(bytes(value))
    if isinstance(value, datetime | date | time | timedelta):
        return _cell(value)
    return str(value)


def _blob(data: bytes) -> str:
    """A BLOB as DuckDB casts one to VARCHAR: printable ASCII kept, every other byte as \\xHH."""
    return "".join(chr(b) if 32 <= b < 127 and b != 92 else f"\\x{b:02X}" for b in data)


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
    from postaudit.flows._common import start_prefect_services
    from postaudit.flows.audit import audit, dask_runner

    start_prefect_services()
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
        console.print(styled(str(e.id), "bold", f"{e.name}{label}: " + ", ".join(f"{j.source} {j.target}" for j in jobs)))
    print(f"{audits_file}: {len(parsed.executives)} executive(s), warehouse {parsed.db}")


@audits_app.command("simulate")
def simulate(n: Annotated[int, typer.Argument(min=1, max=10000, help="How many simulated executives.")],
             out: Annotated[Path, typer.Option(help="Where to write the audits file.")],
             days: Annotated[int, typer.Option(min=1, max=3650, help="Days of simulated activity each.")] = 7,
             db: Annotated[str, typer.Option(help="Warehouse path written into the file (relative to it).")]
             = "postaudit.duckdb") -> None:
    """Write an audits file with N SIMULATED executives, for trying scheduled and scaled-out runs."""
    from postaudit import audits

    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(audits.simulated_audits_toml(n, days=days, db=db), encoding="utf-8")
    except OSError as exc:
        fail(f"cannot write {out}: {exc.strerror or exc}")
    print(out.resolve())
