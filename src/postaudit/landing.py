"""The landing area: fetchers write immutable batch files, one loader merges them into the warehouse.

DuckDB allows one writer per file, so parallel fetchers never open the warehouse. Each fetcher writes
its raw records to `<landing>/<source>/<batch>.jsonl` (temp file, fsync, rename: a batch is either
complete or absent), and `load_batches` lands each batch in one transaction, then moves the file to
`<landing>/_loaded/`. Raw rows are keyed by a content hash and inserted with INSERT OR IGNORE, so a loader
that crashed after committing but before moving a file re-lands that batch as a no-op: nothing lost,
nothing doubled. A batch that cannot be read goes to `<landing>/_failed/` with a note saying why.
"""

from __future__ import annotations

import json
import os
import re
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from postaudit.sources.errors import InputError
from postaudit.warehouse import RAW_COLUMNS, Provenance, RawRecord, ensure_raw, scalar, transaction

LOADED = "_loaded"
FAILED = "_failed"
BATCH_COLUMNS = [c for c in RAW_COLUMNS if c != "landed_at"]  # the loader stamps landed_at
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
_TABLE = re.compile(r"raw_[a-z0-9_]+")


def batch_rows(table: str, records: Iterable[RawRecord], prov: Provenance) -> list[dict]:
    """Rows for one raw table with the provenance stamped on each, as `land_raw` would insert them."""
    rows, seen = [], set()
    for rec in records:
        rid = rec.record_id(prov.source)
        if rid in seen:
            continue
        seen.add(rid)
        rows.append({"table": table, "record_id": rid, "source": prov.source, "origin": prov.origin,
                     "retrieved_at": (rec.retrieved_at or prov.retrieved_at).isoformat(),
                     "flow_run_id": prov.flow_run_id, "tool_version": prov.tool_version,
                     "is_simulated": prov.is_simulated, "record_key": rec.key, "payload": rec.payload})
    return rows


def write_batch(records: Iterable[RawRecord], landing_dir: str | Path, source: str, *, table: str,
                prov: Provenance, batch_id: str | None = None) -> Path | None:
    """Write raw records for one table as an immutable batch file; None when there is nothing to write."""
    return write_rows(batch_rows(table, records, prov), landing_dir, source, batch_id=batch_id)


def write_rows(rows: list[dict], landing_dir: str | Path, source: str, *, batch_id: str | None = None) -> Path | None:
    """Write ready raw rows (each with its table and provenance) atomically to `<landing>/<source>/`."""
    if not rows:
        return None
    if not _NAME.fullmatch(source) or source.startswith("_"):
        raise ValueError(f"{source!r} is not a usable source name for the landing area")
    batch_id = batch_id or uuid.uuid4().hex
    if not _NAME.fullmatch(batch_id):
        raise ValueError(f"{batch_id!r} is not a usable batch name")
    for row in rows:
        missing = [c for c in ("table", *BATCH_COLUMNS) if c not in row]
        if missing or not _TABLE.fullmatch(str(row["table"])):
            raise ValueError(f"batch row without {missing or 'a raw_* table'}: {str(row)[:200]}")
    folder = Path(landing_dir) / source
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / f"{batch_id}.jsonl"
    tmp = folder / f".{batch_id}.{uuid.uuid4().hex[:8]}.tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, final)  # atomic on one file system: readers see the whole batch or none of it
    return final


def pending_batches(landing_dir: str | Path) -> list[Path]:
    """Batch files waiting to be loaded, oldest first (temp files and loaded/failed folders excluded)."""
    root = Path(landing_dir)
    if not root.is_dir():
        return []
    files = [p for d in root.iterdir() if d.is_dir() and not d.name.startswith(("_", "."))
             for p in d.glob("*.jsonl") if not p.name.startswith(".")]
    return sorted(files, key=lambda p: (p.stat().st_mtime_ns, str(p)))


def read_batch(path: Path) -> dict[str, list[dict]]:
    """A batch's rows grouped by raw table; a bad line raises InputError naming file and line."""
    by_table: dict[str, list[dict]] = {}
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"{path}:{lineno}: not valid JSON ({exc.msg})") from None
            if not isinstance(row, dict):
                raise InputError(f"{path}:{lineno}: expected a JSON object")
            missing = [c for c in ("table", *BATCH_COLUMNS) if c not in row]
            if missing:
                raise InputError(f"{path}:{lineno}: missing field(s) {', '.join(missing)}")
            if not _TABLE.fullmatch(str(row["table"])):
                raise InputError(f"{path}:{lineno}: field 'table': {row['table']!r} is not a raw table")
            try:
                row["retrieved_at"] = datetime.fromisoformat(row["retrieved_at"])
            except (TypeError, ValueError):
                raise InputError(f"{path}:{lineno}: field 'retrieved_at': not an ISO timestamp") from None
            by_table.setdefault(row.pop("table"), []).append(row)
    return by_table


def _existing_raw_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute("SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'raw\\_%' ESCAPE '\\'"
                       ).fetchall()
    return {r[0] for r in rows}


def load_batch(con: duckdb.DuckDBPyConnection, path: Path) -> dict:
    """Land one batch file in one transaction; returns rows, new and new per table. Does not move the file."""
    by_table = read_batch(path)
    known = _existing_raw_tables(con)
    unknown = sorted(set(by_table) - known)
    if unknown:
        raise InputError(f"{path}: field 'table': no raw table {', '.join(unknown)} in sql/raw")
    now = datetime.now(UTC)
    rows = new = 0
    per_table: dict[str, int] = {}
    with transaction(con):
        for table, items in by_table.items():
            arrow = pa.table({
                "record_id": [r["record_id"] for r in items],
                "source": [r["source"] for r in items],
                "origin": [r["origin"] for r in items],
                "retrieved_at": pa.array([r["retrieved_at"] for r in items], pa.timestamp("us", "UTC")),
                "landed_at": pa.array([now] * len(items), pa.timestamp("us", "UTC")),
                "flow_run_id": [r["flow_run_id"] for r in items],
                "tool_version": [r["tool_version"] for r in items],
                "is_simulated": [bool(r["is_simulated"]) for r in items],
                "record_key": [r["record_key"] for r in items],
                "payload": [r["payload"] for r in items],
            })
            before = scalar(con, f"SELECT count(*) FROM {table}")
            con.register("_landing_batch", arrow)
            try:
                con.execute(f"INSERT OR IGNORE INTO {table} BY NAME SELECT * FROM _landing_batch")
            finally:
                con.unregister("_landing_batch")
            added = scalar(con, f"SELECT count(*) FROM {table}") - before
            per_table[table] = per_table.get(table, 0) + added
            new += added
            rows += len(items)
    return {"rows": rows, "new": new, "tables": per_table}


def _move(path: Path, landing_dir: Path, folder: str) -> Path:
    dest = landing_dir / folder / path.parent.name / path.name
    dest.parent.mkdir(parents=True, exist_ok=True)
    os.replace(path, dest)
    return dest


def load_batches(con: duckdb.DuckDBPyConnection, landing_dir: str | Path) -> dict:
    """Merge every pending batch into the warehouse, one transaction each; returns counts and errors."""
    root = Path(landing_dir)
    ensure_raw(con)
    counts: dict = {"batches": 0, "fetched": 0, "new": 0, "skipped": 0, "failed": 0, "errors": [], "tables": {}}
    for path in pending_batches(root):
        try:
            got = load_batch(con, path)
        except (InputError, duckdb.Error, UnicodeDecodeError) as exc:
            # Quarantine, with the reason beside it, and go on: one bad batch must not block the others.
            dest = _move(path, root, FAILED)
            dest.with_suffix(".error.txt").write_text(f"{exc}\n", encoding="utf-8")
            counts["failed"] += 1
            counts["errors"].append(str(exc))
            continue
        _move(path, root, LOADED)
        counts["batches"] += 1
        counts["fetched"] += got["rows"]
        counts["new"] += got["new"]
        counts["skipped"] += got["rows"] - got["new"]
        for table, added in got["tables"].items():
            counts["tables"][table] = counts["tables"].get(table, 0) + added
    return counts


def export_new_raw(scratch: duckdb.DuckDBPyConnection, landing_dir: str | Path, source: str,
                   batch_id: str | None = None) -> tuple[Path | None, int]:
    """Copy raw rows a source wrote into a fetcher's private DuckDB to one landing batch, once each.

    Source modules write through a connection (`collect_x(con, ...)`); giving each fetcher its own small
    DuckDB file keeps their cursors there and keeps them off the warehouse's single writer.
    """
    scratch.execute("CREATE TABLE IF NOT EXISTS _landing_exported (tbl VARCHAR, record_id VARCHAR, "
                    "PRIMARY KEY (tbl, record_id))")
    rows: list[dict] = []
    for table in sorted(_existing_raw_tables(scratch)):
        if table == "runs":
            continue
        cols = ", ".join(f"r.{c}" for c in BATCH_COLUMNS)
        found = scratch.execute(
            f"SELECT {cols} FROM {table} r ANTI JOIN _landing_exported e ON e.tbl = ? AND e.record_id = r.record_id",
            [table]).fetchall()
        for values in found:
            row = dict(zip(BATCH_COLUMNS, values, strict=True))
            row["table"] = table
            row["retrieved_at"] = row["retrieved_at"].isoformat()
            rows.append(row)
    path = write_rows(rows, landing_dir, source, batch_id=batch_id)
    if rows:
        # Marked only after the batch file exists; a crash in between re-exports rows the loader then ignores.
        with transaction(scratch):
            scratch.executemany("INSERT OR IGNORE INTO _landing_exported VALUES (?, ?)",
                                [[r["table"], r["record_id"]] for r in rows])
    return path, len(rows)


# ---------------------------------------------------------------- a fetcher's private warehouse

def open_scratch(path: str | Path | None) -> duckdb.DuckDBPyConnection:
    """A fetcher's private DuckDB (in memory when path is None) with the raw tables and its fetch state."""
    scratch = duckdb.connect(str(path) if path else ":memory:")
    scratch.execute("SET TimeZone = 'UTC'")
    ensure_raw(scratch)
    scratch.execute("CREATE TABLE IF NOT EXISTS _fetch_state (id INTEGER PRIMARY KEY, last_success_at TIMESTAMPTZ)")
    return scratch


def last_success(scratch: duckdb.DuckDBPyConnection) -> datetime | None:
    """When this fetcher last finished a fetch (None the first time)."""
    return scalar(scratch, "SELECT last_success_at FROM _fetch_state WHERE id = 1")


def mark_success(scratch: duckdb.DuckDBPyConnection, at: datetime) -> None:
    """Record a finished fetch, so the next one starts from there."""
    scratch.execute("INSERT OR REPLACE INTO _fetch_state VALUES (1, ?)", [at])
