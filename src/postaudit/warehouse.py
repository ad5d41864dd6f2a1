"""The DuckDB warehouse: connect, apply the sql/ layers, and land rows in single transactions."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa

from postaudit import __version__

SQL_DIR = Path(__file__).resolve().parents[2] / "sql"
LAYERS = ("raw", "staging", "marts")
TOOL_VERSION = f"postaudit {__version__}"


class WarehouseError(RuntimeError):
    """A warehouse operation failed; the message says what to do."""


def connect(path: str | Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (and for writers create) the warehouse file, with UTC as the session time zone."""
    path = Path(path)
    if read_only and not path.exists():
        raise WarehouseError(f"no warehouse at {path}: run `postaudit demo` or an import first")
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        # DuckDB allows one writing process per file; say so instead of a bare lock error.
        raise WarehouseError(
            f"cannot open {path}: another postaudit process is probably writing to it ({exc})"
        ) from exc
    con.execute("SET TimeZone = 'UTC'")
    return con


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """All-or-nothing: commit on success, roll back and re-raise on any error."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


# ---------------------------------------------------------------- sql layers

def layer_files(layer: str, sql_dir: Path = SQL_DIR) -> list[Path]:
    """The .sql files of one layer, ordered so that every relation comes after those it reads."""
    files = sorted((sql_dir / layer).glob("*.sql"))
    names = {f.stem: f for f in files}
    deps = {
        f.stem: {n for n in names if n != f.stem and re.search(rf"\b{re.escape(n)}\b", _strip_comments(f.read_text()))}
        for f in files
    }
    ordered: list[Path] = []
    done: set[str] = set()

    def visit(name: str, trail: tuple[str, ...]) -> None:
        if name in done:
            return
        if name in trail:
            raise WarehouseError(f"sql/{layer}: circular reference {' -> '.join((*trail, name))}")
        for dep in sorted(deps[name]):
            visit(dep, (*trail, name))
        done.add(name)
        ordered.append(names[name])

    for name in names:
        visit(name, ())
    return ordered


def _strip_comments(sql: str) -> str:
    return re.sub(r"--[^\n]*", "", sql)


def apply_layers(con: duckdb.DuckDBPyConnection, layers: Iterable[str] = LAYERS) -> list[str]:
    """Create raw tables, staging views and mart tables from sql/, in one transaction."""
    built = []
    with transaction(con):
        for layer in layers:
            for path in layer_files(layer):
                sql = path.read_text()
                if layer == "raw":
                    con.execute(sql)
                elif layer == "staging":
                    con.execute(f"CREATE OR REPLACE VIEW {path.stem} AS\n{sql}")
                else:
                    con.execute(f"CREATE OR REPLACE TABLE {path.stem} AS\n{sql}")
                built.append(f"{layer}.{path.stem}")
    return built


def ensure_raw(con: duckdb.DuckDBPyConnection) -> None:
    """Make sure the raw tables exist (cheap; they are CREATE TABLE IF NOT EXISTS)."""
    for path in layer_files("raw"):
        con.execute(path.read_text())


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


RAW_COLUMNS = ["record_id", "source", "origin", "retrieved_at", "landed_at", "flow_run_id",
               "tool_version", "is_simulated", "record_key", "payload"]


def land_raw(con: duckdb.DuckDBPyConnection, table: str, records: Iterable[RawRecord], prov: Provenance) -> int:
    """Insert raw payloads into a raw table in one transaction; identical payloads land once. Returns rows added."""
    if not re.fullmatch(r"raw_[a-z0-9_]+", table):
        raise WarehouseError(f"{table!r} is not a raw table name")
    ensure_raw(con)
    now = datetime.now(UTC)
    seen: dict[str, RawRecord] = {}
    for rec in records:
        seen.setdefault(rec.record_id(prov.source), rec)
    if not seen:
        return 0
    batch = pa.table({
        "record_id": list(seen),
        "source": [prov.source] * len(seen),
        "origin": [prov.origin] * len(seen),
        "retrieved_at": pa.array([r.retrieved_at or prov.retrieved_at for r in seen.values()], pa.timestamp("us", "UTC")),
        "landed_at": pa.array([now] * len(seen), pa.timestamp("us", "UTC")),
        "flow_run_id": [prov.flow_run_id] * len(seen),
        "tool_version": [prov.tool_version] * len(seen),
        "is_simulated": [prov.is_simulated] * len(seen),
        "record_key": [r.key for r in seen.values()],
        "payload": [r.payload for r in seen.values()],
    })
    with transaction(con):
        before = scalar(con, f"SELECT count(*) FROM {table}")
        con.register("_raw_batch", batch)
        try:
            con.execute(f"INSERT OR IGNORE INTO {table} BY NAME SELECT * FROM _raw_batch")
        finally:
            con.unregister("_raw_batch")
        after = scalar(con, f"SELECT count(*) FROM {table}")
    return after - before


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
