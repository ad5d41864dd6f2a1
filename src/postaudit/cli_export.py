"""Commands that write the warehouse out: `postaudit export` (a relation or query to a file), `rewrite-warehouse`."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated

import duckdb
import typer

from postaudit import settings, warehouse
from postaudit.cli import DbOption, _connect, app, console, fail

FORMATS = {"csv": "(FORMAT csv, HEADER true)", "parquet": "(FORMAT parquet)", "json": "(FORMAT json, ARRAY true)"}
SUFFIXES = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet", ".json": "json"}
RELATION = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Types CSV has no cell for: written as JSON text ([1, 2], {"a": 1}) so any CSV reader gets one value per cell.
NESTED = re.compile(r"(\[\d*\]$|^(STRUCT|MAP|UNION)\()")


@app.command()
def export(
    what: Annotated[str, typer.Argument(
        metavar="RELATION_OR_QUERY",
        help='A relation (posts, claim_verdicts, ...) or a query ("select ... from posts where ...").')],
    out: Annotated[Path, typer.Option("--out", help="The file to write; replaced in one step if it exists.")],
    fmt: Annotated[str | None, typer.Option(
        "--format", help="csv, parquet or json (an array of objects). Default: from --out's suffix.",
        show_default=False)] = None,
    db: DbOption = None,
) -> None:
    """Write a relation or a query's result to a CSV, Parquet or JSON file.

    The file appears whole or not at all (written beside --out under a temporary name, then renamed), and
    never in place of the warehouse. CSV writes list and struct columns as JSON text; Parquet and JSON keep
    them nested. Times are in UTC.

        postaudit export claim_verdicts --out verdicts.csv
        postaudit export "select * from posts where platform = 'x'" --out x_posts.parquet
    """
    cfg = settings.load(db)
    _refuse_warehouse(out, cfg.db_path)
    fmt = (fmt or SUFFIXES.get(out.suffix.lower(), "")).lower()
    if fmt not in FORMATS:
        fail(f"--format must be csv, parquet or json (or give --out a .csv, .parquet or .json name), not {fmt or out.name!r}")
    if out.is_dir():
        fail(f"--out {out} is a folder: give a file name")
    con = _connect(cfg.db_path, read_only=True)
    try:
        query = _query(con, what.strip().rstrip(";").strip())
        if fmt == "csv":
            query = _flatten_nested(con, query)
        out.parent.mkdir(parents=True, exist_ok=True)
        with console.status(f"Writing {out}..."):
            rows = _copy_atomically(con, query, out, fmt)
    finally:
        con.close()
    console.print(f"Wrote {rows} rows ({out.stat().st_size:,} bytes, {fmt}).")
    print(out.resolve())


def _refuse_warehouse(out: Path, db: Path) -> None:
    target = out.resolve()
    for protected in (db, db.with_name(db.name + ".wal")):
        if target == protected.resolve():
            fail(f"--out {out} is the warehouse{' log' if protected != db else ''}: refusing to overwrite it")


def _query(con: duckdb.DuckDBPyConnection, what: str) -> str:
    """A SELECT for a relation name, else the query itself once DuckDB has checked it."""
    if RELATION.fullmatch(what):
        if not warehouse.table_exists(con, what):
            names = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables WHERE NOT "
                                               "regexp_matches(table_name, '^(raw|stg)_') ORDER BY 1").fetchall()]
            fail(f"no relation {what!r} in the warehouse; relations: {', '.join(names)} (and raw_*, stg_*)")
        return f"SELECT * FROM {_quoted(what)}"
    try:
        statements = con.extract_statements(what)
        if len(statements) != 1 or statements[0].type != duckdb.StatementType.SELECT:
            fail("give one relation name or one SELECT query (the warehouse is opened read-only)")
        con.execute(f"DESCRIBE {what}").fetchall()
    except duckdb.Error as exc:
        fail(f"query failed: {exc}")
    return what


def _flatten_nested(con: duckdb.DuckDBPyConnection, query: str) -> str:
    columns = [(name, str(ctype)) for name, ctype, *_ in con.execute(f"DESCRIBE {query}").fetchall()]
    if not any(NESTED.search(ctype) for _, ctype in columns):
        return query
    select = ", ".join(f"CAST(to_json({_quoted(name)}) AS VARCHAR) AS {_quoted(name)}" if NESTED.search(ctype)
                       else _quoted(name) for name, ctype in columns)
    return f"SELECT {select} FROM ({query})"


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _copy_atomically(con: duckdb.DuckDBPyConnection, query: str, out: Path, fmt: str) -> int:
    """COPY to a temporary name in the target's folder, then rename over the target (atomic on POSIX)."""
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        path = str(tmp).replace("'", "''")
        rows = warehouse.scalar(con, f"COPY ({query}) TO '{path}' {FORMATS[fmt]}")
        os.replace(tmp, out)
    except duckdb.Error as exc:
        fail(f"export failed: {exc} (nothing was written)")
    finally:
        tmp.unlink(missing_ok=True)
    return int(rows or 0)


@app.command("rewrite-warehouse")
def rewrite_warehouse(db: DbOption = None) -> None:
    """Rewrite a warehouse created before postaudit wrote files DuckDB 1.4+ can open (DuckDB CLI, DBeaver, ...).

    Warehouses created now are readable by DuckDB 1.4 and newer. One created by an earlier version is in
    DuckDB 2.0's own format, which 1.x tools refuse ("Trying to read a database file with version number
    ..."). This copies it into the compatible format and swaps it in; the original stays beside it as
    <name>.bak until you delete it. Needs the warehouse's size in free space; nothing else may use it meanwhile.
    """
    cfg = settings.load(db)
    con = _connect(cfg.db_path, read_only=True)
    try:
        version = warehouse.storage_version(con)
    finally:
        con.close()
    if warehouse.is_compatible(version):
        console.print(f"{cfg.db_path} is already readable by DuckDB 1.4+ (storage {version}): nothing to do.")
        return
    with console.status(f"Rewriting {cfg.db_path} (storage {version}) for DuckDB 1.4+..."):
        try:
            backup = warehouse.rewrite_compatible(cfg.db_path)
        except (warehouse.WarehouseError, duckdb.Error) as exc:
            fail(f"rewrite failed, the warehouse is unchanged: {exc}")
    console.print(f"Rewritten: {cfg.db_path} now opens in DuckDB 1.4 and newer. The original is {backup}; "
                  "delete it once you are satisfied.")
