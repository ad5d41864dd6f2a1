"""twarc2 JSONL, plain or gzip: one X API v2 response page per line, or (`twarc2 flatten`) one post per line.

A flattened line is an API v2 post object with `author`, `__twarc` and referenced posts inlined. It lands untouched
in its own raw table (raw_x_flat_tweets) rather than wrapped into a page, so the raw layer stays exactly what the
file held; stg_x_posts and stg_x_users read both tables with the same field mapping.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import duckdb

from postaudit import limits
from postaudit.sources.errors import InputError
from postaudit.warehouse import (
    Provenance,
    RawRecord,
    RawWriter,
    WarehouseError,
    ensure_raw,
    land_jsonl,
    transaction,
)

PAGES, FLAT = "raw_x_pages", "raw_x_flat_tweets"


def _open(path: Path):
    with open(path, "rb") as fh:
        magic = fh.read(2)
    return gzip.open(path, "rt", encoding="utf-8-sig") if magic == b"\x1f\x8b" else open(path, encoding="utf-8-sig")


def fetch_records(path: str | Path) -> Iterator[tuple[str, RawRecord]]:
    """Yield (raw table, record) for each line: response pages and flattened posts; bad lines raise InputError."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    try:
        with _open(path) as fh:
            lines = 0
            for lineno, line in enumerate(fh, start=1):
                line = line.strip()
                if not line:
                    continue
                lines += 1
                try:
                    obj = limits.loads(line, f"{path}:{lineno}")
                except json.JSONDecodeError as exc:
                    raise InputError(f"{path}:{lineno}: not valid JSON ({exc.msg} at column {exc.colno})") from None
                limits.check_size(line, f"{path}:{lineno}")
                if isinstance(obj, dict) and ("data" in obj or "meta" in obj or "errors" in obj):
                    yield PAGES, RawRecord(payload=line, retrieved_at=_retrieved_at(obj))
                elif isinstance(obj, dict) and "id" in obj and ("text" in obj or "author_id" in obj):
                    yield FLAT, RawRecord(payload=line, retrieved_at=_retrieved_at(obj))
                else:
                    raise InputError(f"{path}:{lineno}: neither an X API v2 response page (no 'data' or 'meta' "
                                     "key) nor a flattened post (no 'id' and 'text')")
            if not lines:
                # twarc2 writes a page with result_count 0 when nothing matched: an empty file is a failed export.
                raise InputError(f"{path}: empty file (no lines): not a twarc2 export")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except (OSError, EOFError) as exc:
        raise InputError(f"{path}: cannot read ({exc})") from None


def fetch_pages(path: str | Path) -> Iterator[RawRecord]:
    """Yield each response page of a twarc2 JSONL file; a flattened line is an error here (use `land_file`)."""
    for table, rec in fetch_records(path):
        if table != PAGES:
            raise InputError(f"{path}: holds flattened posts (`twarc2 flatten`): land it with twarc_jsonl.land_file")
        yield rec


# A line DuckDB may land as a response page: the same test fetch_records applies in Python.
PAGE_CHECK = ("json_type(payload) = 'OBJECT' and (json_exists(payload, '$.data') or json_exists(payload, '$.meta') "
              "or json_exists(payload, '$.errors'))")


def land_file(con: duckdb.DuckDBPyConnection, path: str | Path, *, source: str = "twarc_jsonl",
              flow_run_id: str | None = None, is_simulated: bool = False,
              progress: Callable[[str], None] | None = None) -> dict:
    """Land one twarc2 file (pages and/or flattened posts); a bad line lands nothing of it."""
    ensure_raw(con)
    path = Path(path)
    prov = Provenance(source, str(path), flow_run_id=flow_run_id, is_simulated=is_simulated)
    if path.is_file() and path.stat().st_size:
        # Fast path when every line is a response page (the common twarc2 export): DuckDB reads, checks and
        # hashes the lines itself (warehouse.land_jsonl; 1M posts landed in ~7 s instead of ~21 s in Python).
        # Any other line (flattened posts, bad JSON, a byte-order mark) aborts it with nothing landed, and the
        # line parser below lands the file or names the bad line.
        try:
            landed = land_jsonl(con, PAGES, path, prov, check_sql=PAGE_CHECK,
                                retrieved_at_path="$.__twarc.retrieved_at", progress=progress)
            if landed.lines:
                return {"pages": landed.lines, "flat_posts": 0, "new_records": landed.added}
        except WarehouseError:
            pass
    read = {PAGES: 0, FLAT: 0}
    # Stream in bounded batches inside one transaction: a bad line anywhere still lands nothing of the file,
    # and memory no longer grows with the file (docs/performance.md: 6.3 GB peak at 1M posts before).
    with transaction(con):
        writers = {PAGES: RawWriter(con, PAGES, prov), FLAT: RawWriter(con, FLAT, prov)}
        for table, rec in fetch_records(path):
            writers[table].add(rec)
            read[table] += 1
        added = {table: w.close() for table, w in writers.items()}
    return {"pages": read[PAGES], "flat_posts": read[FLAT], "new_records": added[PAGES] + added[FLAT]}


def _retrieved_at(obj: dict) -> datetime | None:
    stamp = (obj.get("__twarc") or {}).get("retrieved_at")
    if not stamp:
        return None
    try:
        return datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None
