"""twarc2 JSONL, plain or gzip: every kind of line twarc2 writes.

- A response page (`twarc2 timeline/search/tweets/conversation`): {"data": [post, ...], "includes", "meta"}.
- A stream line (`twarc2 stream/filter/sample`): {"data": post, "includes", "matching_rules"}, `data` one object.
- An errors-only line ({"errors": [...]}, a disconnect or an unavailable post): lands, carries no post.
- A flattened post (`twarc2 flatten`): an API v2 post object with `author`, `__twarc` and referenced posts inlined.

Pages and stream lines land untouched in raw_x_pages, flattened posts in raw_x_flat_tweets, so the raw layer stays
exactly what the file held; stg_x_posts and stg_x_users read both with one field mapping.

Bad lines. An interrupted stream leaves its last line cut short: a last line that is not JSON is reported by its
line number and skipped, and the rest lands (as twarc-csv keeps the good lines). A bad line anywhere else refuses
the file, naming the line, unless `skip_bad_lines`: then the rest lands and each skipped line is recorded in
`rejected_records` (file, line, reason). A line that is JSON but not twarc2 output (an API v1.1 post from the old
`twarc`, a users lookup) is a bad line too.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

import duckdb

from postaudit.sources import limits
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


class Skipped(NamedTuple):
    """A line left out of a landing: where it was and why."""

    file: str
    line: int
    reason: str
    value: str


def fetch_records(path: str | Path, *, skip_bad_lines: bool = False,
                  skipped: list[Skipped] | None = None) -> Iterator[tuple[str, RawRecord]]:
    """Yield (raw table, record) for each line: pages, stream lines and flattened posts.

    A cut last line is skipped; any other bad line raises InputError naming it, unless skip_bad_lines. Skipped lines
    are appended to `skipped` when given.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    pending: Skipped | None = None   # a line that is not JSON: cut short if nothing follows it
    good = 0
    try:
        with _open(path) as fh:
            for lineno, line in enumerate(fh, start=1):
                line = line.strip()
                if not line:
                    continue
                if pending is not None:
                    _bad(pending, skip_bad_lines, skipped)
                    pending = None
                where = f"{path}:{lineno}"
                try:
                    obj = limits.loads(line, where)
                except json.JSONDecodeError as exc:
                    pending = Skipped(str(path), lineno, f"not valid JSON ({exc.msg} at column {exc.colno})",
                                      line[:200])
                    continue
                table, problem = _classify(obj)
                if problem:
                    _bad(Skipped(str(path), lineno, problem, line[:200]), skip_bad_lines, skipped)
                    continue
                limits.check_size(line, where)
                good += 1
                yield table, RawRecord(payload=line, retrieved_at=_retrieved_at(obj))
            if pending is not None:
                if not good:
                    _bad(pending, False, None)
                # the line an interrupted stream leaves: what came before it is whole
                if skipped is not None:
                    skipped.append(pending._replace(reason=f"cut short (the last line; {pending.reason})"))
            elif not good:
                # twarc2 writes a page with result_count 0 when nothing matched: an empty file is a failed export.
                raise InputError(f"{path}: no line of it is twarc2 output (every line skipped)" if skipped
                                 else f"{path}: empty file (no lines): not a twarc2 export")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except (OSError, EOFError) as exc:
        raise InputError(f"{path}: cannot read ({exc})") from None


def _classify(obj) -> tuple[str, str | None]:
    """The raw table a parsed line goes to, or why it is not twarc2 output."""
    if isinstance(obj, dict) and ("data" in obj or "meta" in obj or "errors" in obj):
        return PAGES, None
    if isinstance(obj, dict) and ("id_str" in obj or isinstance(obj.get("user"), dict)):
        return "", ("an X API v1.1 post (the old `twarc`, not twarc2): not read; collect it again with twarc2 or "
                    "`postaudit collect x`")
    if isinstance(obj, dict) and "id" in obj and ("text" in obj or "author_id" in obj):
        return FLAT, None
    return "", ("neither an X API v2 response page (no 'data' or 'meta' key) nor a flattened post (no 'id' "
                "and 'text')")


def _bad(line: Skipped, skip: bool, skipped: list[Skipped] | None) -> None:
    if not skip:
        raise InputError(f"{line.file}:{line.line}: {line.reason}")
    if skipped is not None:
        skipped.append(line)


def fetch_pages(path: str | Path) -> Iterator[RawRecord]:
    """Yield each response page or stream line of a twarc2 JSONL file; a flattened line is an error here (use
    `land_file`)."""
    for table, rec in fetch_records(path):
        if table != PAGES:
            raise InputError(f"{path}: holds flattened posts (`twarc2 flatten`): land it with twarc_jsonl.land_file")
        yield rec


# A line DuckDB may land as a response page: the same test fetch_records applies in Python.
PAGE_CHECK = ("json_type(payload) = 'OBJECT' and (json_exists(payload, '$.data') or json_exists(payload, '$.meta') "
              "or json_exists(payload, '$.errors'))")


def land_file(con: duckdb.DuckDBPyConnection, path: str | Path, *, source: str = "twarc_jsonl",
              flow_run_id: str | None = None, is_simulated: bool = False, skip_bad_lines: bool = False,
              progress: Callable[[str], None] | None = None) -> dict:
    """Land one twarc2 file (pages, stream lines and/or flattened posts); a bad line lands nothing of it.

    A cut last line, and with skip_bad_lines every bad line, is skipped instead and recorded in rejected_records
    (the result's `skipped` lists them).
    """
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
                with transaction(con):
                    record_rejected(con, source, str(path), [])
                return {"pages": landed.lines, "flat_posts": 0, "new_records": landed.added, "skipped": []}
        except WarehouseError:
            pass
    read = {PAGES: 0, FLAT: 0}
    skipped: list[Skipped] = []
    # Stream in bounded batches inside one transaction: a bad line anywhere still lands nothing of the file,
    # and memory no longer grows with the file (docs/performance.md: 6.3 GB peak at 1M posts before).
    with transaction(con):
        writers = {PAGES: RawWriter(con, PAGES, prov), FLAT: RawWriter(con, FLAT, prov)}
        for table, rec in fetch_records(path, skip_bad_lines=skip_bad_lines, skipped=skipped):
            writers[table].add(rec)
            read[table] += 1
        added = {table: w.close() for table, w in writers.items()}
        record_rejected(con, source, str(path), skipped)
    for s in skipped:
        if progress:
            progress(f"{s.file}:{s.line}: skipped: {s.reason}")
    return {"pages": read[PAGES], "flat_posts": read[FLAT], "new_records": added[PAGES] + added[FLAT],
            "skipped": skipped}


def record_rejected(con: duckdb.DuckDBPyConnection, source: str, file: str, skipped: list[Skipped]) -> None:
    """Replace what rejected_records holds for this file with the lines skipped now (inside the caller's
    transaction)."""
    con.execute("delete from rejected_records where source = ? and file = ?", [source, file])
    now = datetime.now(UTC)
    for s in skipped:
        con.execute("insert into rejected_records (source, file, line, record_id, field, value, reason, rejected_at) "
                    "values (?, ?, ?, null, null, ?, ?, ?)", [source, s.file, s.line, s.value, s.reason, now])


def _retrieved_at(obj: dict) -> datetime | None:
    stamp = (obj.get("__twarc") or {}).get("retrieved_at")
    if not stamp:
        return None
    try:
        return datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None
