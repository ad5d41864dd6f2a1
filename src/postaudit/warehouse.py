"""The DuckDB warehouse: connect, apply the sql/ layers, and land rows in single transactions."""

from __future__ import annotations

import contextlib
import fcntl
import gzip
import hashlib
import importlib.resources
import os
import re
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

import duckdb
import polars as pl
import pyarrow as pa

from postaudit import __version__, registry, rejects
from postaudit.limits import MAX_RECORD_BYTES


def _sql_dir() -> Path:
    """The sql/ layers: package data of an installed postaudit, else the repository's sql/ folder (a checkout)."""
    packaged = importlib.resources.files("postaudit") / "sql"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[2] / "sql"


SQL_DIR = _sql_dir()
LAYERS = ("raw", "staging", "marts")
TOOL_VERSION = f"postaudit {__version__}"


class WarehouseError(RuntimeError):
    """A warehouse operation failed; the message says what to do."""


# DuckDB 2.0 writes files in its newest storage format by default, which DuckDB 1.x (its CLI up to 1.5.6, DBeaver
# and other tools on a 1.x driver) refuses: "Trying to read a database file with version number ...". A file
# created with this setting is readable by DuckDB 1.4.0 and newer. It only takes effect when the file is created;
# an existing file keeps its format (`postaudit rewrite-warehouse` rewrites one). Every connection passes the
# same config: DuckDB refuses a second connection to an open file with a different one.
STORAGE_COMPATIBILITY = "v1.4.0"
STORAGE_CONFIG = {"storage_compatibility_version": STORAGE_COMPATIBILITY}


def connect(path: str | Path, *, read_only: bool = False, wait: float | None = None,
            sandbox: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (and for writers create, readable by DuckDB 1.4+) the warehouse file, with UTC as the session time zone.

    DuckDB lets one process write a file, or several read it, never both: while another process holds it,
    keep trying for `wait` seconds (default $POSTAUDIT_LOCK_WAIT, else LOCK_WAIT_S), then say who holds it.
    sandbox (read-only connections only): DuckDB's own settings keep arbitrary SQL from writing or reading
    anything but the warehouse: no file access (COPY, EXPORT, ATTACH, read_*), no extensions, and the
    configuration locked so no statement can change that.
    """
    path = Path(path)
    if sandbox and not read_only:
        raise ValueError("a sandboxed connection is read-only")
    if read_only and not path.exists():
        raise WarehouseError(f"no warehouse at {path}: run `postaudit demo` or an import first")
    if not read_only:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise WarehouseError(f"cannot create the warehouse's folder {path.parent}: {exc.strerror or exc}") from None
    wait = lock_wait() if wait is None else max(0.0, wait)
    deadline = time.monotonic() + wait
    pause = 0.05
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only,
                                 config={**STORAGE_CONFIG, **(SANDBOX if sandbox else {})})
            break
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise WarehouseError(f"cannot open {path}: {exc}") from exc
            left = deadline - time.monotonic()
            if left <= 0:
                mode = "read" if read_only else "write to"
                raise WarehouseError(
                    f"cannot {mode} {path}: another process has it open (DuckDB allows one writing process, or "
                    f"several reading ones, per file); waited {wait:g} s. Run again when it has finished, or set "
                    f"POSTAUDIT_LOCK_WAIT=SECONDS to wait longer. DuckDB says: {exc}") from exc
            # Flow tasks open and close the file per task: a short back-off usually finds a gap between them.
            time.sleep(min(pause, left))
            pause = min(pause * 2, 1.0)
    con.execute("SET TimeZone = 'UTC'")
    # DuckDB's default cache is 80% of RAM and it keeps pages it has read or written until then (measured:
    # landing 10M posts grew to 9.8 GB). 4 GB keeps a laptop usable and held landing and the SQL layers of 10M
    # posts to ~4.4 GB peak (docs/performance.md); bigger builds spill to disk instead of failing.
    limit = os.environ.get("POSTAUDIT_DUCKDB_MEMORY_LIMIT", DEFAULT_MEMORY_LIMIT).strip()
    if limit.lower() not in ("", "duckdb"):
        try:
            con.execute("SET memory_limit = ?", [limit])
        except duckdb.Error as exc:
            con.close()
            raise WarehouseError(f"POSTAUDIT_DUCKDB_MEMORY_LIMIT={limit!r} is not a memory size DuckDB accepts "
                                 f"(e.g. 4GB, 800MB; 'duckdb' keeps DuckDB's own default): {exc}") from exc
    if sandbox:
        con.execute("SET lock_configuration = true")  # last: from here on no statement can change a setting
    return con


DEFAULT_MEMORY_LIMIT = "4GB"
# DuckDB settings (https://duckdb.org/docs/stable/operations_manual/securing_duckdb/overview) for connections that
# run SQL typed by a user: with external access off, COPY ... TO, EXPORT DATABASE, ATTACH, INSTALL and the
# read_* functions on files all fail with DuckDB's "Permission Error"; the read-only connection refuses writes
# to the warehouse itself; lock_configuration keeps any statement from turning these back on.
SANDBOX = {"enable_external_access": False, "autoload_known_extensions": False,
           "autoinstall_known_extensions": False, "allow_community_extensions": False,
           "allow_unsigned_extensions": False}


def storage_version(con: duckdb.DuckDBPyConnection) -> str:
    """The storage format of the connection's warehouse file: 'v1.4.0+' (DuckDB 1.4 and newer read it), 'v2.0.0+', ..."""
    tags = scalar(con, "SELECT tags FROM duckdb_databases() WHERE database_name = current_database()") or {}
    return dict(tags).get("storage_version", "unknown")


def is_compatible(version: str) -> bool:
    """True when a file of this storage format opens in DuckDB 1.4 (the format STORAGE_COMPATIBILITY writes)."""
    found = re.fullmatch(r"v(\d+)\.(\d+)\.(\d+)\+?", version)
    return bool(found) and tuple(map(int, found.groups())) <= (1, 4, 0)


def rewrite_compatible(path: str | Path) -> Path:
    """Rewrite an existing warehouse in the storage format DuckDB 1.4+ reads; returns the kept original (<name>.bak).

    Copies every table, view and sequence into a new file, then swaps it in with one rename: an interrupted
    rewrite leaves the warehouse as it was. Needs about the warehouse's size in free space beside it.
    """
    path = Path(path)
    fresh, backup = path.with_name(path.name + ".rewrite"), path.with_name(path.name + ".bak")
    fresh.unlink(missing_ok=True)
    con = connect(path)  # as the one writer: nothing changes the warehouse while it is copied
    try:
        con.execute("CHECKPOINT")
        name = scalar(con, "SELECT current_database()")
        target = str(fresh).replace("'", "''")
        con.execute(f"ATTACH '{target}' AS _rewritten (STORAGE_VERSION '{STORAGE_COMPATIBILITY}')")
        try:
            con.execute(f'COPY FROM DATABASE "{name}" TO _rewritten')
        finally:
            con.execute("DETACH _rewritten")
    except BaseException:
        con.close()
        fresh.unlink(missing_ok=True)
        raise
    con.close()
    backup.unlink(missing_ok=True)
    try:
        os.link(path, backup)  # instant on one file system; the original's bytes stay under the backup name
    except OSError:
        shutil.copy2(path, backup)
    os.replace(fresh, path)
    return backup


# Long enough to slip into the gap between two flow tasks or let a `postaudit sql` finish; short enough that a
# second audit started by mistake says why it cannot write instead of hanging.
LOCK_WAIT_S = 10.0


def lock_wait() -> float:
    """Seconds to wait for another process's lock on the warehouse: $POSTAUDIT_LOCK_WAIT, else LOCK_WAIT_S."""
    value = os.environ.get("POSTAUDIT_LOCK_WAIT", "").strip()
    try:
        return max(0.0, float(value)) if value else LOCK_WAIT_S
    except ValueError:
        raise WarehouseError(f"POSTAUDIT_LOCK_WAIT={value!r}: give a number of seconds") from None


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection, *, check_inputs: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
    """All-or-nothing: commit on success, roll back and re-raise on any error.

    Inside `unchanged_while_read(path)`, it commits only while that file is as it was when the block began.
    """
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
        if check_inputs:
            for check in _COMMIT_CHECKS.get():
                check()
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


# ---------------------------------------------------------------- files that change while they are read

_COMMIT_CHECKS: ContextVar[tuple[Callable[[], None], ...]] = ContextVar("postaudit_commit_checks", default=())


@contextmanager
def commit_check(check: Callable[[], None]) -> Iterator[None]:
    """Within the block, every `transaction` calls check() before it commits; an exception it raises rolls back."""
    token = _COMMIT_CHECKS.set((*_COMMIT_CHECKS.get(), check))
    try:
        yield
    finally:
        _COMMIT_CHECKS.reset(token)


# ---------------------------------------------------------------- sql layers

def layer_files(layer: str, sql_dir: Path = SQL_DIR) -> list[Path]:
    """The .sql files of one layer, ordered so that every relation comes after those it reads."""
    files = {f.stem: f for f in sorted((sql_dir / layer).glob("*.sql"))}
    return [files[name] for name, _ in _ordered(layer, {n: f.read_text() for n, f in files.items()})]


def layer_relations(layer: str, sql_dir: Path = SQL_DIR) -> list[tuple[str, str]]:
    """(relation, SQL) of one layer in build order: its sql/ files plus what the source registry derives.

    raw: the state tables in sql/raw and every registered raw table's DDL; staging: the views in sql/staging (a
    view with a `rejects` column as `<name>_checked` and `<name>`, postaudit/rejects.py) and the union views
    (stg_posts, stg_account_observations); marts: sql/marts.
    """
    sql = {f.stem: f.read_text() for f in sorted((sql_dir / layer).glob("*.sql"))}
    if layer == "raw":   # tables read nothing: no order to find (ensure_raw runs this before every landing)
        return [*sql.items(), *((name, raw_ddl(name)) for name in registry.RAW_TABLES)]
    if layer == "staging":
        sql = {n: s for name, text in sql.items() for n, s in rejects.split_checked(name, text)}
        sql |= registry.derived_staging()
    return _ordered(layer, sql)


def _ordered(layer: str, sql: dict[str, str]) -> list[tuple[str, str]]:
    # relation names are words: a text reads the names among its words (one pass per text, not one per name)
    words = {name: set(re.findall(r"\w+", re.sub(r"--[^\n]*", "", text))) for name, text in sql.items()}
    deps = {name: (found & sql.keys()) - {name} for name, found in words.items()}
    ordered: list[tuple[str, str]] = []
    done: set[str] = set()

    def visit(name: str, trail: tuple[str, ...]) -> None:
        if name in done:
            return
        if name in trail:
            raise WarehouseError(f"sql/{layer}: circular reference {' -> '.join((*trail, name))}")
        for dep in sorted(deps[name]):
            visit(dep, (*trail, name))
        done.add(name)
        ordered.append((name, sql[name]))

    for name in sql:
        visit(name, ())
    return ordered


# Every raw table has these columns; the comments on origin, retrieved_at and record_key come from its declaration.
RAW_COLUMN_TYPES = {"record_id": "VARCHAR PRIMARY KEY", "source": "VARCHAR NOT NULL", "origin": "VARCHAR NOT NULL",
                    "retrieved_at": "TIMESTAMPTZ NOT NULL", "landed_at": "TIMESTAMPTZ NOT NULL",
                    "flow_run_id": "VARCHAR", "tool_version": "VARCHAR NOT NULL", "is_simulated": "BOOLEAN NOT NULL",
                    "record_key": "VARCHAR", "payload": "JSON NOT NULL"}


def raw_ddl(name: str) -> str:
    """CREATE TABLE IF NOT EXISTS for a registered raw table, commented from its declaration."""
    table = registry.RAW_TABLES[name]
    notes = {"origin": table.origin, "retrieved_at": table.retrieved_at, "record_key": table.record_key}
    lines = [f"    {col:<13} {kind}" + ("," if col != "payload" else "") for col, kind in RAW_COLUMN_TYPES.items()]
    lines = [f"{line:<40} -- {notes[col]}" if notes.get(col) else line
             for line, col in zip(lines, RAW_COLUMN_TYPES, strict=True)]
    header = [f"-- {table.grain}", *(f"-- {n}" for n in table.notes),
              "-- record_id is a hash of source, record_key and payload, so landing the same payload twice adds nothing."]
    return "\n".join([*header, f"CREATE TABLE IF NOT EXISTS {name} (", *lines, ");"]) + "\n"


def apply_layers(con: duckdb.DuckDBPyConnection, layers: Iterable[str] = LAYERS) -> list[str]:
    """Create raw tables, staging views and mart tables from sql/ and the registry, in one transaction.

    With the marts, the values staging rejects now replace its earlier rows in rejected_records.
    """
    built = []
    layers = tuple(layers)
    with transaction(con):
        cached: list[str] = []
        for layer in layers:
            if layer == "staging":
                rejects.create_macros(con)
            if layer == "marts" and "staging" in layers:
                cached, checked = _cache_shared_staging(con)
                rejects.refresh(con, checked, [t for t in registry.RAW_TABLES if scalar(con, f"SELECT count(*) FROM {t}")])
            for name, sql in layer_relations(layer):
                if layer == "raw":
                    con.execute(sql)
                elif layer == "staging":
                    con.execute(f"CREATE OR REPLACE VIEW {name} AS\n{sql}")
                else:
                    con.execute(f"CREATE OR REPLACE TABLE {name} AS\n{sql}")
                built.append(f"{layer}.{name}")
        for name in cached:
            con.execute(f"DROP TABLE temp.main.{name}")
    return built


def _cache_shared_staging(con: duckdb.DuckDBPyConnection) -> tuple[list[str], list[str]]:
    """Evaluate each staging view that two or more marts read once, into a temp table that shadows it.

    Staging views parse raw JSON; without this, every mart reading stg_posts parses every page again
    (measured at 1M posts: 9.8 s per pass, four passes). A checked view is read twice too (by its rows and
    for rejected_records): cached when its raw tables hold any rows. Returns the temp tables (they live only
    for this build) and the checked views with rows.
    """
    marts = [sql for _, sql in layer_relations("marts")]
    staging = layer_relations("staging")
    rows = {t: scalar(con, f"SELECT count(*) FROM {t}") for t in registry.RAW_TABLES}
    # a checked view over empty raw tables has no rows: neither cached nor asked for rejects (each costs a bind)
    checked = [v for v, _ in staging if v.endswith(rejects.CHECKED_SUFFIX) and _raw_rows(v, dict(staging), rows)]
    shared = [v for v, _ in staging if v in checked or sum(registry.reads(m, v) for m in marts) >= 2]
    for name in shared:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM main.{name}")
    return shared, checked


def _raw_rows(view: str, staging: dict[str, str], rows: dict[str, int]) -> int:
    """Rows of the raw tables a staging view reads, itself or through the staging views it reads."""
    sql = staging[view]
    return (sum(n for t, n in rows.items() if registry.reads(sql, t))
            + sum(_raw_rows(v, staging, rows) for v in staging if v != view and registry.reads(sql, v)))


def ensure_raw(con: duckdb.DuckDBPyConnection) -> None:
    """Make sure the raw tables exist (cheap; they are CREATE TABLE IF NOT EXISTS)."""
    for _, sql in layer_relations("raw"):
        con.execute(sql)


def staging_view(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """(Re)create one staging view and the staging views it reads, without building the rest."""
    relations = dict(layer_relations("staging"))
    needed: list[str] = []

    def visit(view: str) -> None:
        for other in relations:
            if other != view and other not in needed and registry.reads(relations[view], other):
                visit(other)
        if view not in needed:
            needed.append(view)

    visit(name)
    rejects.create_macros(con)
    for view in needed:
        con.execute(f"CREATE OR REPLACE VIEW {view} AS\n{relations[view]}")


# ---------------------------------------------------------------- landing

@dataclass(frozen=True)
class Provenance:
    """Where a batch of raw records came from; secrets never go in here."""

    source: str
    origin: str
    flow_run_id: str | None = None
    is_simulated: bool = False
    tool_version: str = TOOL_VERSION
    retrieved_at: datetime = field(default_factory=lambda: datetime.now(UTC))


@dataclass(frozen=True)
class RawRecord:
    """One payload exactly as it arrived, with its own retrieval time when the source gives one."""

    payload: str
    retrieved_at: datetime | None = None
    key: str | None = None  # extra identity, e.g. the account a page belongs to

    def record_id(self, source: str) -> str:
        h = hashlib.sha256(source.encode())
        h.update(b"\0")
        if self.key:
            h.update(self.key.encode())
        h.update(b"\0")
        h.update(self.payload.encode())
        return h.hexdigest()


RAW_COLUMNS = list(RAW_COLUMN_TYPES)


# A batch is flushed at whichever limit comes first: rows keep the per-batch overhead small for short
# records (RSS items, ~1 KB); bytes keep memory bounded for X pages (100 posts, ~60 KB each, so 10k
# pages would be ~600 MB held in Python and again in Arrow).
BATCH_ROWS = 10_000
BATCH_BYTES = 32 * 1024 * 1024


def land_raw(con: duckdb.DuckDBPyConnection, table: str, records: Iterable[RawRecord], prov: Provenance,
             *, batch_rows: int = BATCH_ROWS, batch_bytes: int = BATCH_BYTES) -> int:
    """Insert raw payloads into a raw table in one transaction; identical payloads land once. Returns rows added.

    Records stream through in bounded batches, so memory does not grow with the input; a record that fails
    to parse after some batches went in rolls the whole transaction back, so nothing of the input lands.
    """
    _check_raw_name(table)
    ensure_raw(con)
    with transaction(con):
        writer = RawWriter(con, table, prov, batch_rows=batch_rows, batch_bytes=batch_bytes)
        for rec in records:
            writer.add(rec)
        return writer.close()


class RawWriter:
    """Stream raw records into one raw table in bounded batches, inside the caller's open transaction.

    For a source that fills several raw tables from one pass over a file (one writer per table, all
    inside one `transaction`), so nothing has to collect the whole file first. `close()` returns rows added.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, table: str, prov: Provenance, *,
                 batch_rows: int = BATCH_ROWS, batch_bytes: int = BATCH_BYTES):
        _check_raw_name(table)
        self.con, self.table, self.prov = con, table, prov
        self.batch_rows, self.batch_bytes = batch_rows, batch_bytes
        self.now = datetime.now(UTC)
        self.before = scalar(con, f"SELECT count(*) FROM {table}")
        self.batch: dict[str, RawRecord] = {}
        self.size = 0

    def add(self, rec: RawRecord) -> None:
        """Queue one record; a full batch is inserted at once."""
        rid = rec.record_id(self.prov.source)
        if rid in self.batch:
            return
        self.batch[rid] = rec
        self.size += len(rec.payload)
        if len(self.batch) >= self.batch_rows or self.size >= self.batch_bytes:
            self.flush()

    def flush(self) -> None:
        """Insert what is queued."""
        if self.batch:
            _insert_batch(self.con, self.table, self.batch, self.prov, self.now)
        self.batch, self.size = {}, 0

    def close(self) -> int:
        """Insert the rest; rows this writer added to the table."""
        self.flush()
        return scalar(self.con, f"SELECT count(*) FROM {self.table}") - self.before


def _check_raw_name(table: str) -> None:
    if not re.fullmatch(r"raw_[a-z0-9_]+", table):
        raise WarehouseError(f"{table!r} is not a raw table name")


def _insert_batch(con: duckdb.DuckDBPyConnection, table: str, batch: dict[str, RawRecord], prov: Provenance,
                  now: datetime) -> None:
    n = len(batch)
    recs = list(batch.values())
    insert_raw_columns(con, table, {
        "record_id": list(batch), "source": [prov.source] * n, "origin": [prov.origin] * n,
        "retrieved_at": [r.retrieved_at or prov.retrieved_at for r in recs], "landed_at": [now] * n,
        "flow_run_id": [prov.flow_run_id] * n, "tool_version": [prov.tool_version] * n,
        "is_simulated": [prov.is_simulated] * n, "record_key": [r.key for r in recs],
        "payload": [r.payload for r in recs]})


_RAW_TYPES = {"retrieved_at": pa.timestamp("us", "UTC"), "landed_at": pa.timestamp("us", "UTC"),
              "is_simulated": pa.bool_()}


def insert_raw_columns(con: duckdb.DuckDBPyConnection, table: str, columns: dict[str, list]) -> None:
    """Insert one batch of raw rows, given column by column (RAW_COLUMNS), keeping rows already there."""
    _check_raw_name(table)
    arrow = pa.table({c: pa.array(columns[c], _RAW_TYPES.get(c, pa.string())) for c in RAW_COLUMNS})
    con.register("_raw_batch", arrow)
    try:
        # INSERT OR IGNORE keeps the row already there (landed earlier, or by an earlier batch of this
        # transaction), so the first copy of a payload wins, as it did when all records were collected first.
        con.execute(f"INSERT OR IGNORE INTO {table} BY NAME SELECT * FROM _raw_batch")
    finally:
        con.unregister("_raw_batch")


# DuckDB keeps a transaction's new rows in memory until it commits (measured, one transaction, 4 GB limit:
# 2.3 GB and 8.3 s for 1M posts, 3.9 GB and 28.3 s for 3M). Files larger than this land in parts of about
# this size, one transaction each, after the whole file has been checked.
CHUNK_BYTES = 512 * 1024 * 1024


def land_jsonl(con: duckdb.DuckDBPyConnection, table: str, path: str | Path, prov: Provenance, *,
               check_sql: str = "true", retrieved_at_path: str | None = None, key: str | None = None,
               fallback: Callable[[], Iterable[RawRecord]] | None = None, chunk_bytes: int = CHUNK_BYTES,
               progress: Callable[[str], None] | None = None) -> JsonlLanded:
    """Land each line of a JSONL file (plain or gzip) as one raw record, DuckDB reading and hashing it.

    Same record_id, dedup and provenance as land_raw over the same lines. check_sql is a condition on
    `payload` every line must meet (and no line may exceed limits.MAX_RECORD_BYTES); when a line is not JSON
    or fails it, nothing lands and, if given, `fallback()` (the source's own line parser) is landed through
    land_raw instead, so its error names the line. Lines are counted by the INSERT that lands them.
    A file over chunk_bytes is checked whole first, then lands in parts, one transaction each: a bad line
    still lands nothing, an error in a later part (the file changing under it, say) takes the parts already
    in back out, and a load cut short (kill, power) leaves whole parts that landing the file again
    completes without doubling anything (record_id).
    """
    _check_raw_name(table)
    path = Path(path)
    ensure_raw(con)
    sweep_parts(scratch_dir(con))  # parts an earlier, killed load left behind
    with open(path, "rb") as fh:
        head = fh.read(3)
    if head.startswith(b"\xef\xbb\xbf"):
        # A byte-order mark: DuckDB's reader rejects it; the source's parser accepts it.
        return _fallback(con, table, prov, fallback, f"{path}: starts with a byte-order mark")
    compression = "gzip" if head[:2] == b"\x1f\x8b" else "none"
    check_sql = f"({check_sql}) and strlen(payload) <= {MAX_RECORD_BYTES}"
    insert = _jsonl_insert(table, check_sql, retrieved_at_path)
    landed_at = datetime.now(UTC)
    args = [prov.source, key, prov.source, prov.origin, prov.retrieved_at, landed_at,
            prov.flow_run_id, prov.tool_version, prov.is_simulated, key]
    try:
        if path.stat().st_size <= chunk_bytes:
            with _line_counter(con) as lines, transaction(con):
                added = scalar(con, insert.format(compression=compression), [*args, str(path)])
            return JsonlLanded(added, lines[0])
        if progress:
            progress(f"{path.name}: {path.stat().st_size / 1e6:,.0f} MB; checking every line before landing it in parts")
        bad = scalar(con, f"""SELECT count(*) FILTER (WHERE NOT coalesce(({check_sql}), false))
                              FROM (SELECT json::VARCHAR AS payload FROM read_json_objects(?,
                              format = 'newline_delimited', compression = '{compression}'))""", [str(path)])
        if bad:
            raise duckdb.InvalidInputException(f"{bad} line(s) fail the input check")
    except (duckdb.InvalidInputException, duckdb.ConversionException, duckdb.IOException) as exc:
        return _fallback(con, table, prov, fallback, str(exc))
    added = 0
    try:
        with parts_folder(con) as tmp, _line_counter(con) as lines:
            for i, part in enumerate(_split_lines(path, compression, chunk_bytes, tmp), start=1):
                with transaction(con):
                    added += scalar(con, insert.format(compression="none"), [*args, str(part)])
                part.unlink()
                if progress:
                    progress(f"{path.name}: part {i} landed")
    except Exception:
        if added:
            # Rows this load inserted are the only ones stamped with its landed_at (INSERT OR IGNORE kept
            # every older copy as it was), so they can be taken back out exactly.
            with transaction(con, check_inputs=False):
                con.execute(f"DELETE FROM {table} WHERE landed_at = ? AND source = ? AND origin = ?",
                            [landed_at, prov.source, prov.origin])
        raise
    return JsonlLanded(added, lines[0])


@contextmanager
def _line_counter(con: duckdb.DuckDBPyConnection) -> Iterator[list[int]]:
    """Count the lines _jsonl_insert's INSERTs read, as they read them, in the yielded [count].

    The INSERT itself reports only rows added (duplicates are ignored); the line count comes from the same
    pass through a function it calls once per chunk of lines. Registered outside any transaction: DuckDB
    cannot remove a function in a transaction that failed.
    """
    seen, lock = [0], threading.Lock()

    def tally(rows: pa.Array) -> pa.Array:
        with lock:  # DuckDB's threads call in one at a time under the GIL, but may be switched mid-update
            seen[0] += len(rows)
        return rows

    con.create_function(_TALLY, tally, [duckdb.sqltype("BOOLEAN")], duckdb.sqltype("BOOLEAN"), type="arrow",
                        side_effects=True)
    try:
        yield seen
    finally:
        con.remove_function(_TALLY)


_TALLY = "postaudit_count_lines"


class JsonlLanded(NamedTuple):
    """What land_jsonl did: records added to the table, and lines read from the file."""

    added: int
    lines: int


def _jsonl_insert(table: str, check_sql: str, retrieved_at_path: str | None) -> str:
    """One streaming INSERT over a JSONL file: a line failing the check aborts it (error()), nothing is staged.

    The hash is RawRecord.record_id's, sha256(source NUL key NUL payload), so both paths dedup alike.
    """
    stamp = f"try_cast(payload ->> '{retrieved_at_path}' AS TIMESTAMPTZ)" if retrieved_at_path else "NULL"
    return f"""
        INSERT OR IGNORE INTO {table} BY NAME
        SELECT sha256(? || chr(0) || coalesce(?, '') || chr(0) || payload) AS record_id,
               ? AS source, ? AS origin,
               coalesce({stamp}, ?::TIMESTAMPTZ) AS retrieved_at, ?::TIMESTAMPTZ AS landed_at,
               ? AS flow_run_id, ? AS tool_version, ? AS is_simulated, ? AS record_key,
               CASE WHEN coalesce(({check_sql}), false) THEN payload ELSE error('{_BAD_LINE}') END AS payload
        FROM (SELECT json::VARCHAR AS payload
              FROM read_json_objects(?, format = 'newline_delimited', compression = '{{compression}}'))
        WHERE {_TALLY}(true)"""


def scratch_dir(con: duckdb.DuckDBPyConnection) -> Path:
    """Beside the warehouse file (same disk, usually the roomiest), else the system's temp folder."""
    rows = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchall()
    return Path(rows[0][0]).resolve().parent if rows and rows[0][0] else Path(tempfile.gettempdir())


# ---------------------------------------------------------------- what a killed process leaves behind

# A process holds an exclusive flock on a lock file for as long as a scratch folder or a run is its; the
# kernel drops the lock when the process ends however it ends (kill -9 included), so a lock that can be taken
# belongs to nobody, and what it guards is a leftover.
PARTS_PREFIX = "postaudit-part-"
_PARTS_NAME = re.compile(r"postaudit-part-[a-z0-9_]{8,12}")  # ours, and tempfile's names of earlier versions
OLD_LEFTOVER_S = 3600  # a parts folder without a lock file (made before locks existed) counts as left after this


def hold_lock(path: Path) -> int:
    """Create `path` and hold an exclusive lock on it; returns the descriptor (release_lock ends it)."""
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o644)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return fd


def release_lock(fd: int, path: Path) -> None:
    """Remove the lock file, then let the lock go."""
    with contextlib.suppress(OSError):
        path.unlink()
    os.close(fd)


def lock_is_held(path: Path) -> bool:
    """True while a live process (this one included) holds the lock on `path`."""
    try:
        fd = os.open(path, os.O_RDWR)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


@contextmanager
def parts_folder(con: duckdb.DuckDBPyConnection) -> Iterator[Path]:
    """A private folder beside the warehouse for a file's parts, removed after; a killed process's is swept later."""
    root = scratch_dir(con)
    name = f"{PARTS_PREFIX}{uuid.uuid4().hex[:12]}"
    lock = root / f".{name}.lock"
    fd = hold_lock(lock)  # first the lock, then the folder: a folder never exists unguarded
    folder = root / name
    try:
        folder.mkdir()
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        release_lock(fd, lock)


def sweep_parts(root: Path) -> list[Path]:
    """Remove parts folders (and their lock files) that no live process holds; returns what was removed."""
    removed = []
    for folder in sorted(root.glob(f"{PARTS_PREFIX}*")):
        if not folder.is_dir() or not _PARTS_NAME.fullmatch(folder.name):
            continue
        lock = root / f".{folder.name}.lock"
        if lock.exists():
            if lock_is_held(lock):
                continue
        elif time.time() - folder.stat().st_mtime < OLD_LEFTOVER_S:
            continue
        shutil.rmtree(folder, ignore_errors=True)
        with contextlib.suppress(OSError):
            lock.unlink()
        removed.append(folder)
    return removed


def _split_lines(path: Path, compression: str, chunk_bytes: int, out_dir: Path) -> Iterator[Path]:
    """Write the file's lines into plain parts of about chunk_bytes, one at a time (the caller deletes each)."""
    opener = gzip.open if compression == "gzip" else open
    with opener(path, "rb") as src:
        i = 0
        while True:
            part = out_dir / f"part{i:05d}.jsonl"
            size = 0
            with open(part, "wb") as dst:
                for line in src:
                    dst.write(line)
                    size += len(line)
                    if size >= chunk_bytes:
                        break
            if not size:
                part.unlink()
                return
            if not line.endswith(b"\n"):
                with open(part, "ab") as dst:
                    dst.write(b"\n")
            yield part
            i += 1


_BAD_LINE = "postaudit: a line fails the input check"


def _fallback(con, table, prov, fallback, reason: str) -> JsonlLanded:
    if fallback is None:
        raise WarehouseError(f"nothing landed: {reason}")
    read = 0

    def counted() -> Iterator[RawRecord]:
        nonlocal read
        for rec in fallback():
            read += 1
            yield rec

    return JsonlLanded(land_raw(con, table, counted(), prov), read)


def replace_table(con: duckdb.DuckDBPyConnection, name: str, frame: pl.DataFrame) -> int:
    """Replace a Python-computed mart with a polars frame, atomically."""
    if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
        raise WarehouseError(f"{name!r} is not a valid relation name")
    arrow = frame.to_arrow()
    with transaction(con):
        con.register("_mart_frame", arrow)
        try:
            con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM _mart_frame")
        finally:
            con.unregister("_mart_frame")
    return frame.height


def query_pl(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> pl.DataFrame:
    """Run a query and return a polars frame."""
    return con.sql(sql, params=params).pl()


def table_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """True when a table or view of that name exists."""
    return scalar(con, "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]) > 0


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None):
    """The first value of a query's first row (None for no rows); reads the result to the end, as DuckDB 2 requires."""
    rows = con.execute(sql, params or []).fetchall()
    return rows[0][0] if rows else None
