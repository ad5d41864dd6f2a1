"""The landing area: fetchers write immutable batch files, one loader merges them into the warehouse.

DuckDB allows one writer per file, so parallel fetchers never open the warehouse. Each fetcher writes
its raw records to `<landing>/<source>/<batch>.jsonl` (temp file, fsync, rename: a batch is either
complete or absent), and `load_batches` lands each batch in one transaction, then moves the file to
`<landing>/_loaded/`. What the fetcher's importer recorded in its own `rejected_records` (a twarc2 line cut
short, ...) travels beside the batch as `<batch>.rejected.json`, written before the batch appears, and is
landed in the batch's transaction. Raw rows are keyed by a content hash and inserted with INSERT OR IGNORE, so a loader
that crashed after committing but before moving a file re-lands that batch as a no-op: nothing lost,
nothing doubled. A batch that cannot be read goes to `<landing>/_failed/` with a note saying why.

The quick check: a file source whose resolved path, size and mtime_ns equal what its last successful read
recorded is not read again (`file_stamp`, `unchanged_since`, `mark_file_read` for fetch jobs, with the
record in the job's state file; `landed_unchanged`, `record_landed` for `postaudit import`, with the
record in the warehouse's `file_fingerprints`, written once the rows are committed).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from postaudit.errors import InputError
from postaudit.warehouse import (
    BATCH_BYTES,
    BATCH_ROWS,
    RAW_COLUMNS,
    Provenance,
    RawRecord,
    commit_check,
    connect,
    ensure_raw,
    insert_raw_columns,
    scalar,
    transaction,
)

LOADED = "_loaded"
FAILED = "_failed"
BATCH_COLUMNS = [c for c in RAW_COLUMNS if c != "landed_at"]  # the loader stamps landed_at
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
_TABLE = re.compile(r"raw_[a-z0-9_]+")


def iter_batch_rows(table: str, records: Iterable[RawRecord], prov: Provenance) -> Iterator[dict]:
    """Rows for one raw table with the provenance stamped on each, as `land_raw` would insert them, one at a time."""
    return iter_table_rows(((table, rec) for rec in records), prov)


def iter_table_rows(records: Iterable[tuple[str, RawRecord]], prov: Provenance) -> Iterator[dict]:
    """Rows for (raw table, record) pairs with the provenance stamped on each, one at a time, once each."""
    seen: set[tuple[str, str]] = set()
    for table, rec in records:
        rid = rec.record_id(prov.source)
        if (table, rid) in seen:
            continue
        seen.add((table, rid))
        yield {"table": table, "record_id": rid, "source": prov.source, "origin": prov.origin,
               "retrieved_at": (rec.retrieved_at or prov.retrieved_at).isoformat(),
               "flow_run_id": prov.flow_run_id, "tool_version": prov.tool_version,
               "is_simulated": prov.is_simulated, "record_key": rec.key, "payload": rec.payload}


def batch_rows(table: str, records: Iterable[RawRecord], prov: Provenance) -> list[dict]:
    """Rows for one raw table with the provenance stamped on each, as `land_raw` would insert them."""
    return list(iter_batch_rows(table, records, prov))


def write_batch(records: Iterable[RawRecord], landing_dir: str | Path, source: str, *, table: str,
                prov: Provenance, batch_id: str | None = None) -> Path | None:
    """Write raw records for one table as an immutable batch file; None when there is nothing to write."""
    return write_stream(iter_batch_rows(table, records, prov), landing_dir, source, batch_id=batch_id)[0]


def write_rows(rows: Iterable[dict], landing_dir: str | Path, source: str, *, batch_id: str | None = None,
               rejected: Callable[[], list[dict]] | None = None) -> Path | None:
    """Write ready raw rows (each with its table and provenance) atomically to `<landing>/<source>/`."""
    return write_stream(rows, landing_dir, source, batch_id=batch_id, rejected=rejected)[0]


def write_stream(rows: Iterable[dict], landing_dir: str | Path, source: str, *, batch_id: str | None = None,
                 rejected: Callable[[], list[dict]] | None = None) -> tuple[Path | None, int]:
    """Write raw rows as they come to one batch file, atomically; (path or None when empty, rows written).

    rejected: called once the rows are read, gives the rejected_records rows (REJECTED_COLUMNS) the reading
    left; they are written beside the batch before it appears (an empty batch when no row was left).

    Rows stream from the reader to the file, so memory does not grow with the input (holding a 1M-post
    file's rows as a list before writing them took 6.2 GB at peak, with the loader's copy).
    """
    if not _NAME.fullmatch(source) or source.startswith("_"):
        raise ValueError(f"{source!r} is not a usable source name for the landing area")
    batch_id = batch_id or uuid.uuid4().hex
    if not _NAME.fullmatch(batch_id):
        raise ValueError(f"{batch_id!r} is not a usable batch name")
    folder = Path(landing_dir) / source
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / f"{batch_id}.jsonl"
    tmp = folder / f".{batch_id}.{uuid.uuid4().hex[:8]}.tmp"
    n = 0
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            for row in rows:
                missing = [c for c in ("table", *BATCH_COLUMNS) if c not in row]
                if missing or not _TABLE.fullmatch(str(row["table"])):
                    raise ValueError(f"batch row without {missing or 'a raw_* table'}: {str(row)[:200]}")
                fh.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
                n += 1
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        tmp.unlink(missing_ok=True)  # a half-written batch never becomes visible
        raise
    got = rejected() if rejected else []
    if not n and not got:
        tmp.unlink()
        return None, 0
    # A read whose every record was rejected still lands: an empty batch carries its rejects to rejected_records.
    if got:   # before the batch appears, so a loader that sees the batch sees its rejects too
        beside = rejected_path(final)
        part = folder / f".{beside.name}.{uuid.uuid4().hex[:8]}.tmp"
        part.write_text(json.dumps(got, ensure_ascii=False, default=str), encoding="utf-8")
        os.replace(part, beside)
    os.replace(tmp, final)  # atomic on one file system: readers see the whole batch or none of it
    return final, n


def pending_batches(landing_dir: str | Path) -> list[Path]:
    """Batch files waiting to be loaded, oldest first (temp files and loaded/failed folders excluded)."""
    root = Path(landing_dir)
    if not root.is_dir():
        return []
    files = [p for d in root.iterdir() if d.is_dir() and not d.name.startswith(("_", "."))
             for p in d.glob("*.jsonl") if not p.name.startswith(".")]
    return sorted(files, key=lambda p: (p.stat().st_mtime_ns, str(p)))


def iter_batch(path: Path) -> Iterator[tuple[str, dict]]:
    """A batch's rows one at a time, each with its raw table; a bad line raises InputError naming file and line."""
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
            yield row.pop("table"), row


def _existing_raw_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute("SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'raw\\_%' ESCAPE '\\'"
                       ).fetchall()
    return {r[0] for r in rows}


def load_batch(con: duckdb.DuckDBPyConnection, path: Path, *, chunk_rows: int = BATCH_ROWS,
               chunk_bytes: int = BATCH_BYTES) -> dict:
    """Land one batch file in one transaction; returns rows, new and new per table. Does not move the file.

    Rows go in as they are read, in chunks of chunk_rows rows or chunk_bytes of payload, so memory does
    not grow with the batch; a bad line anywhere rolls the whole batch back.
    """
    known = _existing_raw_tables(con)
    now = datetime.now(UTC)
    rows = 0
    before: dict[str, int] = {}
    chunks: dict[str, list[dict]] = {}
    sizes: dict[str, int] = {}
    with transaction(con):
        for table, row in iter_batch(path):
            if table not in known:
                raise InputError(f"{path}: field 'table': no raw table {table} in sql/raw")
            if table not in before:
                before[table] = scalar(con, f"SELECT count(*) FROM {table}")
            chunks.setdefault(table, []).append(row)
            sizes[table] = sizes.get(table, 0) + len(row["payload"] or "")
            rows += 1
            if len(chunks[table]) >= chunk_rows or sizes[table] >= chunk_bytes:
                _insert_rows(con, table, chunks.pop(table), now)
                sizes[table] = 0
        for table, items in chunks.items():
            _insert_rows(con, table, items, now)
        per_table = {table: scalar(con, f"SELECT count(*) FROM {table}") - n for table, n in before.items()}
        _land_rejected(con, rejected_path(path))
    return {"rows": rows, "new": sum(per_table.values()), "tables": per_table}


REJECTED_COLUMNS = ("source", "file", "line", "record_id", "field", "value", "reason", "rejected_at")


def rejected_path(batch: Path) -> Path:
    """Where a batch's rejected records travel: beside it, named so no loader takes it for a batch."""
    return batch.with_suffix(".rejected.json")


def _land_rejected(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    # As the importers do: what a file's import rejects now replaces what was recorded for that file before.
    if not path.exists():
        return
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))
        values = [[r[c] for c in REJECTED_COLUMNS] for r in rows]
    except (json.JSONDecodeError, TypeError, KeyError) as exc:
        raise InputError(f"{path}: not a list of rejected records ({exc})") from None
    for source, file in {(v[0], v[1]) for v in values}:
        con.execute("DELETE FROM rejected_records WHERE source = ? AND file IS NOT DISTINCT FROM ?", [source, file])
    con.executemany(f"INSERT INTO rejected_records ({', '.join(REJECTED_COLUMNS)}) VALUES "
                    f"({', '.join('?' * len(REJECTED_COLUMNS))})", values)


def _scratch_rejected(scratch: duckdb.DuckDBPyConnection) -> list[dict]:
    # Only the importers' own rows: staging's (source stg_...) are found again by the warehouse's build.
    if not scalar(scratch, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'rejected_records'"):
        return []
    got = scratch.execute(f"SELECT {', '.join(REJECTED_COLUMNS)} FROM rejected_records "
                          "WHERE source NOT LIKE 'stg\\_%' ESCAPE '\\'").fetchall()
    return [dict(zip(REJECTED_COLUMNS, r, strict=True)) for r in got]


def _insert_rows(con: duckdb.DuckDBPyConnection, table: str, items: list[dict], now: datetime) -> None:
    # Batch rows carry their own provenance (fetchers stamp each), so they go in column by column as they are.
    columns = {c: [r[c] for r in items] for c in BATCH_COLUMNS}
    columns["is_simulated"] = [bool(v) for v in columns["is_simulated"]]
    insert_raw_columns(con, table, {**columns, "landed_at": [now] * len(items)})


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
            if rejected_path(path).exists():
                _move(rejected_path(path), root, FAILED)
            dest.with_suffix(".error.txt").write_text(f"{exc}\n", encoding="utf-8")
            counts["failed"] += 1
            counts["errors"].append(str(exc))
            continue
        _move(path, root, LOADED)
        if rejected_path(path).exists():
            _move(rejected_path(path), root, LOADED)
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
    got = _scratch_rejected(scratch)
    path = write_rows(rows, landing_dir, source, batch_id=batch_id, rejected=lambda: got)
    if path is not None:
        # Marked only after the batch file exists; a crash in between re-exports rows the loader then ignores
        # (and rejects it replaces per file). Exported rejects leave the scratch, so a later run with nothing
        # new writes no batch.
        with transaction(scratch):
            if rows:
                scratch.executemany("INSERT OR IGNORE INTO _landing_exported VALUES (?, ?)",
                                    [[r["table"], r["record_id"]] for r in rows])
            if got:
                scratch.execute("DELETE FROM rejected_records WHERE source NOT LIKE 'stg\\_%' ESCAPE '\\'")
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


# ---------------------------------------------------------------- the quick check: files already read

# A file modified this close to the moment it was stat'ed may change again within the same timestamp tick
# without its size or mtime changing (git's "racily clean" entries; coarse clocks tick every 4 ms on ext4,
# 1-2 s on FAT and some network file systems): such a record never lets the next run skip.
SETTLE_S = 2.0


def file_stamp(path: str | Path) -> dict | None:
    """What the quick check compares: resolved path, size and mtime_ns (a folder: totals over every file in it).

    None when the path does not exist, so the source's own reader reports the error as usual.
    """
    p = Path(path).resolve()
    try:
        st = p.stat()
    except OSError:
        return None
    if not p.is_dir():
        return {"path": str(p), "size": st.st_size, "mtime_ns": st.st_mtime_ns}
    # An unpacked archive or export folder: a file added, removed, renamed or rewritten anywhere under it
    # changes the listing digest, even when the totals happen to stay equal.
    digest, size, newest = hashlib.sha256(), 0, st.st_mtime_ns
    for root, dirs, names in os.walk(p):
        dirs.sort()
        newest = max(newest, os.stat(root).st_mtime_ns)
        for name in sorted(names):
            f = Path(root, name)
            s = f.stat()
            digest.update(f"{f.relative_to(p).as_posix()}\0{s.st_size}\0{s.st_mtime_ns}\n".encode())
            size += s.st_size
            newest = max(newest, s.st_mtime_ns)
    return {"path": str(p), "size": size, "mtime_ns": newest, "listing": digest.hexdigest()[:16]}


def _settled(stamp: dict, read_at: datetime) -> bool:
    return stamp["mtime_ns"] < int((read_at.timestamp() - SETTLE_S) * 1e9)


def open_file_state(path: str | Path) -> duckdb.DuckDBPyConnection:
    """A file job's state DuckDB (created on first use) holding what its last successful read saw."""
    # Opened for milliseconds at a time; two runs reading the same file wait for each other instead of failing.
    state = connect(path, wait=10)
    state.execute("CREATE TABLE IF NOT EXISTS _file_state (id INTEGER PRIMARY KEY, stamp VARCHAR, "
                  "read_at TIMESTAMPTZ, batch VARCHAR)")
    return state


def unchanged_since(state: duckdb.DuckDBPyConnection, stamp: dict | None, landing_dir: str | Path) -> datetime | None:
    """When the last successful read of this job saw exactly this stamp; None when the file must be read.

    Also None when the batch that read wrote was quarantined by the loader (its rows never reached the
    warehouse), or when the file was still being written when it was read (see SETTLE_S).
    """
    if stamp is None:
        return None
    rows = state.execute("SELECT stamp, read_at, batch FROM _file_state WHERE id = 1").fetchall()
    if not rows or json.loads(rows[0][0]) != stamp or not _settled(stamp, rows[0][1]):
        return None
    batch = rows[0][2]
    if batch and any((Path(landing_dir) / FAILED).glob(f"*/{batch}.jsonl")):
        return None
    return rows[0][1]


def mark_file_read(state: duckdb.DuckDBPyConnection, stamp: dict | None, read_at: datetime, batch: str) -> None:
    """Record a finished read: call only after its batch file exists, so a crash never marks an unread file."""
    if stamp is not None:
        state.execute("INSERT OR REPLACE INTO _file_state VALUES (1, ?, ?, ?)", [json.dumps(stamp), read_at, batch])


# ---------------------------------------------------------------- files that change while they are read

class FileChanged(InputError):
    """The input file changed while it was read: nothing read from it was committed."""


@contextmanager
def unchanged_while_read(path: str | Path) -> Iterator[dict | None]:
    """Within the block, every transaction commits only while `path` has its size and mtime of the block's start.

    Yields that stamp (for the quick check's record). A file still being written (a twarc2 run, a copy in
    progress) changes between the start and the commit: the commit is refused with FileChanged naming the file,
    and so is any other error raised by reading a file that changed (a line cut in half, say), because the
    change is its cause. Several transactions in one block (a file landed in parts) all see the same check.
    """
    before = file_stamp(path)

    def check() -> None:
        after = file_stamp(path)
        if after != before:
            raise FileChanged(_changed(path, before, after))

    try:
        with commit_check(check):
            yield before
    except Exception as exc:
        if isinstance(exc, FileChanged) or file_stamp(path) == before:
            raise
        raise FileChanged(_changed(path, before, file_stamp(path))) from None


def _changed(path: str | Path, before: dict | None, after: dict | None) -> str:
    if before is None or after is None:
        what = "appeared" if before is None else "disappeared"
    elif before["size"] != after["size"]:
        what = f"size {before['size']:,} → {after['size']:,} bytes"
    else:
        what = "modification time changed, same size"
    return (f"{path}: changed while it was read ({what}), so what was read may be cut short or mixed; import it "
            "again once whatever writes it has finished")


# ---------------------------------------------------------------- the quick check for `postaudit import`

def landed_unchanged(con: duckdb.DuckDBPyConnection, importer: str, stamp: dict | None) -> datetime | None:
    """When this importer last landed the file with exactly this stamp; None when it must be read."""
    if stamp is None:
        return None
    ensure_raw(con)
    rows = con.execute("SELECT size_bytes, mtime_ns, listing, read_at, landed_at FROM file_fingerprints "
                       "WHERE path = ? AND importer = ?", [stamp["path"], importer]).fetchall()
    if not rows:
        return None
    size, mtime_ns, listing, read_at, landed_at = rows[0]
    same = (size, mtime_ns, listing) == (stamp["size"], stamp["mtime_ns"], stamp.get("listing"))
    return landed_at if same and _settled(stamp, read_at) else None


def record_landed(con: duckdb.DuckDBPyConnection, importer: str, stamp: dict | None, read_at: datetime,
                  count_records: int) -> None:
    """Record that a file was landed whole; call only after its rows were committed.

    Written after the landing, not with it: a large file lands in several transactions (warehouse.land_jsonl),
    and a crash between the last of them and this record only means the file is read once more next time.
    """
    if stamp is None:
        return
    ensure_raw(con)
    con.execute("INSERT OR REPLACE INTO file_fingerprints VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [stamp["path"], importer, stamp["size"], stamp["mtime_ns"], stamp.get("listing"), read_at,
                 datetime.now(UTC), count_records])
