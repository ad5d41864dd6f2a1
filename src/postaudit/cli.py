"""The `postaudit` command line."""

from __future__ import annotations

import importlib
import json
import os
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import duckdb
import typer
from rich.console import Console
from rich.table import Table

from postaudit import settings, warehouse
from postaudit.sources.errors import InputError

app = typer.Typer(
    help="Test what public figures claim about their own social-media habits against their observable activity.\n\n"
         "Start with `postaudit demo`, then explore the warehouse with `postaudit sql \"select ...\"`.",
    no_args_is_help=True, rich_markup_mode="markdown", pretty_exceptions_enable=False)
import_app = typer.Typer(help="Import posts or press you already have as files.", no_args_is_help=True)
collect_app = typer.Typer(help="Collect posts or press from online sources (APIs, feeds).", no_args_is_help=True)
app.add_typer(import_app, name="import")
app.add_typer(collect_app, name="collect")

console = Console(stderr=True)
DbOption = Annotated[Path | None, typer.Option(
    "--db", help="Warehouse file. Default: $POSTAUDIT_DB, else data/postaudit.duckdb.", show_default=False)]


def fail(message: str, code: int = 2) -> None:
    """Print a clear error and exit without a traceback."""
    console.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(code)


def _quiet_prefect() -> None:
    # Prefect's analytics write to its sqlite file while the temporary server does, and lose the lock race.
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    # The temporary server gets 20 s to start by default; on a busy 2-core machine it took longer (measured 40 s
    # once under load) and the run failed before it began.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "WARNING")


@app.command()
def demo(
    db: DbOption = None,
    days: Annotated[int, typer.Option(min=7, max=3650, help="Days of simulated activity.")] = 56,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same executive.")] = 7,
    out: Annotated[Path | None, typer.Option(help="Dashboard file. Default: dashboard.html beside the warehouse.")] = None,
) -> None:
    """Run the whole audit on the built-in SIMULATED executive and print where the results are.

    Simulates posts (X API v2 pages) and press (RSS), lands them through the real parsers, builds
    sessions, time-share estimates and claim verdicts, and writes the dashboard. Runs as a Prefect flow
    on Prefect's temporary local server: no set-up needed.
    """
    cfg = settings.load(db)
    out = out or cfg.dashboard_path
    # Prefect's own files (its temporary server's database, results) go beside the warehouse, not in ~/.prefect.
    # Prefect creates its home without parents, so on a fresh clone data/ must exist first.
    home = Path(os.environ.setdefault("PREFECT_HOME", str((cfg.data_dir / "prefect").resolve())))
    home.mkdir(parents=True, exist_ok=True)
    _quiet_prefect()
    from flows.audit import audit

    with console.status("Running the audit flow on the simulated executive (Prefect starts a local server first)..."):
        result = audit(db=str(cfg.db_path), dashboard=str(out), source="simulated", days=days, seed=seed)
    _summary(cfg.db_path)
    print(f"Warehouse: {cfg.db_path.resolve()}")
    print(f"Dashboard: {Path(result['dashboard']).resolve()}")
    print(f'Next: postaudit sql "select kind, count(*) from posts group by kind"   (or: duckdb {cfg.db_path})')


def _summary(db: Path) -> None:
    con = warehouse.connect(db, read_only=True)
    try:
        posts = warehouse.scalar(con, "select count(*) from posts")
        stories = warehouse.scalar(con, "select count(*) from press_stories")
        copies = warehouse.scalar(con, "select count(*) from press_articles")
        rows = con.execute("""
            select distinct c.value, c.unit, v.verdict, v.estimate, v.estimate_floor, v.ci_low, v.ci_high, v.tipping_point
            from claims c join claim_verdicts v using (claim_id) where c.kind = 'time_share'""").fetchall()
    finally:
        con.close()
    console.print(f"[bold]SIMULATED audit[/]: {posts} posts, {stories} press stories ({copies} copies).")
    from postaudit.claims import tipping_text

    for value, unit, verdict, est, floor, lo, hi, k in rows:
        if est is None:
            console.print(f"Claim {value:g} {unit}: [bold]{verdict}[/]")
            continue
        console.print(f"Claim {value:g} {unit} of time on the platform: [bold]{verdict}[/]. Central estimate "
                      f"{est:.1%}, floor {floor:.1%} (conservative assumptions); range over assumption sets with 95% "
                      f"intervals {lo:.1%}–{hi:.1%}; {tipping_text(k)}.")


@app.command()
def build(db: DbOption = None,
          n_boot: Annotated[int, typer.Option(min=100, help="Bootstrap draws per interval.")] = 2000,
          claims: Annotated[Path | None, typer.Option(
              help="Claims file (TOML or YAML) to judge besides the claims found in the press. "
                   "Default: claims.toml beside the warehouse, if present. See docs/claims.example.toml.")] = None,
          force: Annotated[bool, typer.Option(help="Build even if no input changed since the last build.")] = False,
          ) -> None:
    """Apply the SQL layers (raw → staging → marts) and compute every metric from what the warehouse holds.

    Writes sessions, daily_activity, timeshare_estimates (+ weekly, sensitivity grid), account_timezone,
    post_reactions, account_reach, conversation_metrics, press marts, claims and claim_verdicts.

    Skipped when nothing it reads changed since the last completed build (row counts and newest landing
    time of every raw table, the sql/ files, the claims file, --n-boot, the tool version), as in scheduled
    runs; --force builds anyway. Every build is recorded in the `runs` table.
    """
    import uuid

    from postaudit import runs

    cfg = settings.load(db)
    if not cfg.db_path.exists():
        fail(f"no warehouse at {cfg.db_path}: import something first, or run `postaudit demo`")
    if claims is not None and not claims.is_file():
        fail(f"claims file {claims} does not exist")
    con = _connect(cfg.db_path)
    rid = f"cli-{uuid.uuid4()}"
    params = {"db": str(cfg.db_path), "n_boot": n_boot, "claims": str(claims) if claims else None, "force": force,
              "via": "postaudit build"}
    try:
        runs.start_run(con, rid, "build_metrics", params)
        inputs = runs.build_inputs(con, n_boot=n_boot, claims_file=claims)
        reasons = ["--force"] if force else runs.build_reasons(con, inputs)
        if not reasons:
            built_at = runs.last_build(con)[1]
            runs.finish_run(con, rid, "skipped", {"skipped": 1}, "no input changed since the last completed build")
            console.print(f"Marts up to date: no raw table, SQL file, claims file or --n-boot changed since the build "
                          f"of {built_at:%Y-%m-%d %H:%M:%S} UTC; skipped (--force builds anyway).")
            return
        counts, built = _build(con, rid, n_boot, claims, reasons, inputs)
    finally:
        con.close()
    console.print(f"Built {built} SQL relations and: " + ", ".join(f"{k} ({v})" for k, v in counts.items()))


def _build(con: duckdb.DuckDBPyConnection, rid: str, n_boot: int, claims: Path | None, reasons: list[str],
           inputs: dict) -> tuple[dict, int]:
    """Build and record the run as the build flow does, so the next skip check sees this build."""
    from postaudit import runs
    from postaudit.build import build_metrics, build_sql

    try:
        with console.status(f"Building ({'; '.join(reasons)})...") as status:
            built = len(build_sql(con))
            counts = build_metrics(con, n_boot=n_boot, claims_file=claims,
                                   progress=lambda m: status.update(f"Building: {m}"))
    except InputError as exc:
        runs.finish_run(con, rid, "failed", {}, str(exc))
        fail(str(exc))
    except Exception as exc:
        runs.finish_run(con, rid, "failed", {}, str(exc) or type(exc).__name__)
        raise
    runs.finish_run(con, rid, "completed", {**counts, "sql_relations": built, "inputs": inputs})
    return counts, built


@app.command()
def dashboard(db: DbOption = None,
              out: Annotated[Path | None, typer.Option(help="Output file. Default: dashboard.html beside the warehouse.")] = None
              ) -> None:
    """Render the self-contained dashboard HTML (opens offline, from file://) from the marts."""
    from dashboards.report import render

    cfg = settings.load(db)
    con = _connect(cfg.db_path, read_only=True)
    try:
        if not warehouse.table_exists(con, "daily_activity"):
            fail("the warehouse has no metrics yet: run `postaudit build` first")
        path = render(con, out or cfg.dashboard_path)
    finally:
        con.close()
    print(path.resolve())


@app.command()
def sql(query: Annotated[str, typer.Argument(help='A DuckDB query, e.g. "select count(*) from posts".')],
        db: DbOption = None,
        fmt: Annotated[str, typer.Option("--format", help="table, csv or json")] = "table",
        limit: Annotated[int, typer.Option(help="Most rows to print in table format.")] = 50) -> None:
    """Run one read-only SQL query on the warehouse and print the result.

    Relations to try: posts, accounts, account_snapshots, post_metric_snapshots, sessions, daily_activity,
    timeshare_estimates, timeshare_weekly, timeshare_sensitivity, account_timezone, post_reactions,
    account_reach, conversation_metrics, group_messages, press_articles, press_stories, press_daily,
    claims, claim_verdicts, runs.
    """
    cfg = settings.load(db)
    if fmt not in ("table", "csv", "json"):
        fail("--format must be table, csv or json")
    con = _connect(cfg.db_path, read_only=True)
    try:
        frame = warehouse.query_pl(con, query)
    except duckdb.Error as exc:
        fail(f"query failed: {exc}")
    finally:
        con.close()
    if fmt == "csv":
        sys.stdout.write(frame.write_csv())
    elif fmt == "json":
        sys.stdout.write(json.dumps(frame.to_dicts(), default=str, ensure_ascii=False, indent=1) + "\n")
    else:
        table = Table(*frame.columns, show_lines=False)
        for row in frame.head(limit).iter_rows():
            table.add_row(*("" if v is None else str(v) for v in row))
        Console().print(table)
        if frame.height > limit:
            console.print(f"({frame.height} rows, first {limit} shown; use --limit or --format csv)")


@import_app.command("rss")
def import_rss(paths: Annotated[list[Path], typer.Argument(help="RSS 2.0 or Atom files.")], db: DbOption = None) -> None:
    """Land the entries of saved RSS or Atom feed files."""
    from postaudit.sources import press_rss

    _land_files(db, "raw_press_items", "rss_file", paths, press_rss.fetch_file)


def _land_files(db, table, source, paths, reader) -> None:
    land_each(db, paths, lambda con, path: f"{warehouse.land_raw(con, table, reader(path), warehouse.Provenance(source, str(path)))} new records")


NEXT_STEP = "Run `postaudit build` to update the marts."


def land_each(db: Path | None, paths: list[Path], land: Callable[[duckdb.DuckDBPyConnection, Path], str]) -> None:
    """Land each file in its own transaction and report it; a bad file lands nothing and the others go on."""
    con = open_warehouse(db)
    failed = 0
    try:
        for path in paths:
            try:
                console.print(f"{path}: {land(con, path)}")
            except InputError as exc:
                failed += 1
                console.print(f"[bold red]error:[/] {exc} (nothing from this file was landed)")
    finally:
        con.close()
    console.print(NEXT_STEP)
    if failed:
        raise typer.Exit(1)


def open_warehouse(db: Path | None, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """The warehouse a command works on (--db, $POSTAUDIT_DB or the default), or a clear error and exit."""
    return _connect(settings.load(db).db_path, read_only=read_only)


def parse_when(value: str | None, option: str) -> datetime | None:
    """An option's date or ISO time as UTC (a bare date is midnight UTC); bad input exits with a message."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        fail(f"{option} {value!r} is not a date: use YYYY-MM-DD (UTC) or an ISO time like 2024-01-31T12:00:00Z")
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _connect(path: Path, read_only: bool = False):
    try:
        return warehouse.connect(path, read_only=read_only)
    except warehouse.WarehouseError as exc:
        fail(str(exc))


# Command modules that add their commands to `app`, `import_app` or `collect_app` when imported.
# Each area keeps its commands in its own module: add the module's name here.
COMMAND_MODULES: tuple[str, ...] = ("postaudit.cli_platforms", "postaudit.cli_press", "postaudit.cli_ops", "postaudit.cli_x",
                                    "postaudit.cli_metrics", "postaudit.cli_bench", "postaudit.cli_export")
for _name in COMMAND_MODULES:
    importlib.import_module(_name)

if __name__ == "__main__":
    # Run as `python -m postaudit.cli`, this file is `__main__`; the command modules registered on the
    # importable `postaudit.cli`, so run that one.
    importlib.import_module("postaudit.cli").app()
