"""The `postaudit` command line."""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import duckdb
import typer
from rich.console import Console
from rich.status import Status
from rich.text import Text

from postaudit import registry, settings, warehouse
from postaudit.errors import InputError


class _App(typer.Typer):
    """The command line; an error nobody foresaw still ends in one line (POSTAUDIT_TRACEBACK=1 shows where)."""

    def __call__(self, *args, **kwargs):
        try:
            return super().__call__(*args, **kwargs)
        except (SystemExit, KeyboardInterrupt):
            raise
        except BaseException as exc:  # polars reports a panic as a BaseException (pyo3 PanicException)
            if os.environ.get("POSTAUDIT_TRACEBACK"):
                raise
            # DuckDB appends paragraphs of generic advice; the first one says what happened.
            what = " ".join(str(exc).split("\n\n")[0].split()) or "no message"
            console.print(styled("error:", "bold red", f"{what} ({type(exc).__name__}, not foreseen by postaudit: "
                                                        "run again with POSTAUDIT_TRACEBACK=1 to see where)"))
            sys.exit(1)


app = _App(
    help="Test what public figures claim about their own social-media habits against their observable activity.\n\n"
         "Start with `postaudit demo`, then explore the warehouse with `postaudit sql \"select ...\"`.",
    no_args_is_help=True, rich_markup_mode="markdown", pretty_exceptions_enable=False)
import_app = typer.Typer(help="Import posts or press you already have as files.", no_args_is_help=True)
collect_app = typer.Typer(help="Collect posts or press from online sources (APIs, feeds).", no_args_is_help=True)
app.add_typer(import_app, name="import")
app.add_typer(collect_app, name="collect")

class _PlainStatus(Status):
    def update(self, status=None, **kwargs) -> None:
        super().update(Text(status) if isinstance(status, str) else status, **kwargs)


class _PlainConsole(Console):
    """A console that never reads text as markup, status lines included (rich's spinner parses a str always)."""

    def status(self, status, **kwargs) -> Status:
        return _PlainStatus(Text(status) if isinstance(status, str) else status, console=self, **kwargs)


# Messages carry data (paths, ids, handles, column names, queries): rich would read "[/x]" in them as markup and
# fail, so markup is off and the few styled words are given as Text (`styled`). soft_wrap: a message is one
# line (the terminal wraps it), so it can be copied and searched whole.
console = _PlainConsole(stderr=True, markup=False, soft_wrap=True)
DbOption = Annotated[Path | None, typer.Option(
    "--db", help="Warehouse file. Default: $POSTAUDIT_DB, else data/postaudit.duckdb.", show_default=False)]


def styled(label: str, style: str, rest: object = "") -> Text:
    """A styled label and plain text after it: nothing in `rest` is read as markup."""
    return Text.assemble((label, style), f" {rest}" if rest != "" else "")


def fail(message: str, code: int = 2) -> None:
    """Print a clear error and exit without a traceback."""
    console.print(styled("error:", "bold red", message))
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
    _connect(cfg.db_path).close()  # a warehouse that cannot be opened is said now, not from inside the flow
    # Prefect's own files (its temporary server's database, results) go beside the warehouse, not in ~/.prefect.
    # Prefect creates its home without parents, so on a fresh clone data/ must exist first.
    home = Path(os.environ.setdefault("PREFECT_HOME", str((cfg.data_dir / "prefect").resolve())))
    home.mkdir(parents=True, exist_ok=True)
    _quiet_prefect()
    from postaudit.flows._common import start_prefect_services
    from postaudit.flows.audit import audit

    start_prefect_services()
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
        chats = (warehouse.scalar(con, "select count(*) from group_messages")
                 if warehouse.table_exists(con, "group_messages") else 0)
        traces = (con.execute("select kind, count(*) from activity_events where is_simulated group by kind "
                              "order by count(*) desc, kind").fetchall()
                  if warehouse.table_exists(con, "activity_events") else [])
        used = (con.execute("select count_traces, activity_floor_hours, activity_hours, floor_hours, posting_hours "
                            "from time_on_platform where platform = 'x' and count_traces > 0").fetchall()
                if warehouse.table_exists(con, "time_on_platform") else [])
    finally:
        con.close()
    console.print(styled("SIMULATED audit:", "bold", f"{posts} posts, {chats} group-chat messages, {stories} press "
                                                     f"stories ({copies} copies)."))
    if traces:
        said = ", ".join(f"{n} {kind}" for kind, n in traces)
        console.print(styled("SIMULATED traces besides posts:", "bold", f"{said} in activity_events."), highlight=False)
    for n, act_floor, act, floor, est in used:
        console.print(f"  time_on_platform (x) used {n} traces: floor {floor:.1f} h → {act_floor:.1f} h with "
                      f"traces, estimate {est:.1f} h → {act:.1f} h", highlight=False)
    print_verdicts(db)


def print_verdicts(db: Path, warn: bool = False) -> None:
    """Each claim's verdict in one line, and (warn) the claims whose platform or period has no data."""
    from postaudit.verdicts import data_warnings, verdict_line

    con = warehouse.connect(db, read_only=True)
    try:
        if not warehouse.table_exists(con, "claim_verdicts"):
            return
        verdicts = warehouse.query_pl(con, "select * from claim_verdicts order by metric, claim_id")
    finally:
        con.close()
    console.print(styled("Verdicts", "bold", f"({verdicts.height} claims; `postaudit sql \"select * from "
                                              "claim_verdicts\"` has the reasons):"))
    for v in verdicts.iter_rows(named=True):
        console.print("  " + verdict_line(v), highlight=False)
    for w in data_warnings(verdicts) if warn else []:
        console.print(styled("warning:", "yellow", w), highlight=False)


@app.command()
def build(db: DbOption = None,
          n_boot: Annotated[int, typer.Option(min=100, help="Bootstrap draws per interval.")] = 2000,
          claims: Annotated[Path | None, typer.Option(
              help="Claims file (TOML or YAML) to judge besides the claims found in the press. "
                   "Default: claims.toml beside the warehouse, if present. See docs/claims.example.toml.")] = None,
          force: Annotated[bool, typer.Option(help="Build even if no input changed since the last build.")] = False,
          timezone: Annotated[str | None, typer.Option(
              help="The account holders' time zone (IANA, e.g. Europe/Berlin, daylight saving followed, or an "
                   "offset such as UTC+05:30): local days and baselines are cut in it. Default: inferred per "
                   "account from its nightly lull in posting.")] = None,
          ) -> None:
    """Apply the SQL layers (raw → staging → marts) and compute every metric from what the warehouse holds.

    Writes sessions, daily_activity, timeshare_estimates (+ weekly, sensitivity grid), account_timezone,
    post_reactions, account_reach, conversation_metrics, press marts, claims and claim_verdicts.

    Skipped when nothing it reads changed since the last completed build (row counts and newest landing
    time of every raw table, the sql/ files, the claims file, --n-boot, the tool version), as in scheduled
    runs; --force builds anyway. Every build is recorded in the `runs` table.

    Data never fails a build: a value staging cannot read (a time that is not one, a count that is not a
    number) is NULL in the marts, or the record is left out where it cannot be placed, and each one is listed
    in `rejected_records` with its file, field, value and reason; the build says how many.
    """
    import uuid

    from postaudit.build_runner import held, run_build

    cfg = settings.load(db)
    if not cfg.db_path.exists():
        fail(f"no warehouse at {cfg.db_path}: import something first, or run `postaudit demo`")
    if claims is not None and not claims.is_file():
        fail(f"claims file {claims} does not exist")
    if timezone is not None:
        from postaudit.metrics.localtime import resolve_zone

        try:
            timezone = resolve_zone(timezone)
        except ValueError as exc:
            fail(f"--timezone: {exc}")
    con = _connect(cfg.db_path)
    params = {"db": str(cfg.db_path), "claims": str(claims) if claims else None, "via": "postaudit build",
              "timezone": timezone}
    try:
        with console.status("Building...") as status:
            result = run_build(held(con), f"cli-{uuid.uuid4()}", params, n_boot=n_boot, claims_file=claims,
                               force=force, progress=lambda m: status.update(f"Building: {m}"), timezone=timezone)
    except InputError as exc:
        fail(str(exc))
    finally:
        con.close()
    if result.skipped:
        console.print(f"Marts up to date: no raw table, SQL file, claims file or --n-boot changed since the build "
                      f"of {result.last_built_at:%Y-%m-%d %H:%M:%S} UTC; skipped (--force builds anyway).")
    else:
        counts = dict(result.counts)
        built = counts.pop("sql_relations")
        console.print(f"Built {built} SQL relations and: " + ", ".join(f"{k} ({v})" for k, v in counts.items()))
    if result.rejected_line():
        console.print(result.rejected_line())
    if not result.skipped:
        print_verdicts(cfg.db_path, warn=True)


@app.command()
def dashboard(db: DbOption = None,
              out: Annotated[Path | None, typer.Option(help="Output file. Default: dashboard.html beside the warehouse.")] = None
              ) -> None:
    """Render the self-contained dashboard HTML (opens offline, from file://) from the marts."""
    from postaudit.dashboards.report import render

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
def report(db: DbOption = None,
           format: Annotated[str, typer.Option("--format", help="md: Markdown text to paste into an email; pdf: the "
                                                          "same page, one A4 sheet, printed by headless Chromium.")] = "md",
           out: Annotated[Path | None, typer.Option(help="Output file; `-` writes Markdown to stdout. Default: "
                                                         "summary.md or summary.pdf beside the warehouse.")] = None
           ) -> None:
    """Write the one-page summary for an editor: each verdict, its evidence in numbers, assumptions and caveats.

    Example: postaudit report --format pdf --out vale.pdf
    """
    from postaudit.dashboards.summary import FORMATS, summarise, to_markdown, write_summary

    if format not in FORMATS:
        fail(f"unknown --format {format!r}: use md or pdf")
    if str(out) == "-" and format != "md":
        fail("--out - writes Markdown only; give a file for --format pdf")
    cfg = settings.load(db)
    con = _connect(cfg.db_path, read_only=True)
    try:
        if not warehouse.table_exists(con, "claim_verdicts"):
            fail("the warehouse has no verdicts yet: run `postaudit build` first")
        if str(out) == "-":
            sys.stdout.write(to_markdown(summarise(con)))
            return
        try:
            path = write_summary(con, out or cfg.db_path.parent / f"summary.{format}", format)
        except InputError as exc:
            fail(str(exc))
    finally:
        con.close()
    print(path.resolve())


@import_app.command("rss")
def import_rss(paths: Annotated[list[Path], typer.Argument(help="RSS 2.0 or Atom files.")], db: DbOption = None) -> None:
    """Land the entries of saved RSS or Atom feed files."""
    from postaudit.sources import press_rss

    _land_files(db, "raw_press_items", "rss_file", paths, press_rss.fetch_file)


def _land_files(db, table, source, paths, reader) -> None:
    land_each(db, paths, lambda con, path: f"{warehouse.land_raw(con, table, reader(path), warehouse.Provenance(source, str(path)))} new records")


NEXT_STEP = "Run `postaudit build` to update the marts."


def land_each(db: Path | None, paths: list[Path], land: Callable[[duckdb.DuckDBPyConnection, Path], str]) -> None:
    """Land each file in its own transaction and report it; a bad file, or one that changes while it is read,
    lands nothing and the others go on."""
    from postaudit.landing import unchanged_while_read

    con = open_warehouse(db)
    failed = 0
    try:
        for path in paths:
            try:
                with unchanged_while_read(path):
                    said = land(con, path)
                console.print(f"{path}: {said}")
            except InputError as exc:
                failed += 1
                console.print(styled("error:", "bold red", f"{exc} (nothing from this file was landed)"))
    finally:
        con.close()
    if failed < len(paths):
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


# Command modules that add their commands to `app`, `import_app` or `collect_app` when imported: the
# sources' command modules come from the source registry, then the areas that are not sources.
COMMAND_MODULES: tuple[str, ...] = tuple(dict.fromkeys((
    *registry.command_modules(), "postaudit.cli_ops", "postaudit.cli_metrics", "postaudit.cli_bench",
    "postaudit.cli_verdicts", "postaudit.cli_export")))
for _name in COMMAND_MODULES:
    importlib.import_module(_name)

if __name__ == "__main__":
    # Run as `python -m postaudit.cli`, this file is `__main__`; the command modules registered on the
    # importable `postaudit.cli`, so run that one.
    importlib.import_module("postaudit.cli").app()
