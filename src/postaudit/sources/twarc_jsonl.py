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
import zlib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

import duckdb

from postaudit import limits
from postaudit.sources.errors import InputError
from postaudit.sources.surrogates import refuse_lone_surrogates
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


def fetch_records(path: str | Path, *, skip_bad_lines: bool = False, skipped: list[Skipped] | None = None,
                  stats: dict | None = None) -> Iterator[tuple[str, RawRecord]]:
    """Yield (raw table, record) for each line: pages, stream lines and flattened posts.

    A cut last line is skipped; any other bad line raises InputError naming it, unless skip_bad_lines. Skipped lines
    are appended to `skipped` when given; `stats["posts"]` counts the post objects read.
    """
    stats = {} if stats is None else stats
    stats["posts"] = 0
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
                refuse_lone_surrogates(line, where)
                good += 1
                stats["posts"] += _posts_in(obj) if table == PAGES else 1
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
    except (OSError, EOFError, zlib.error) as exc:
        raise InputError(f"{path}: cannot read ({exc})") from None


def _posts_in(page: dict) -> int:
    data = page.get("data")
    items = data if isinstance(data, list) else [data] if isinstance(data, dict) else []
    return sum(1 for p in items if isinstance(p, dict) and "text" in p)


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


def fetch_pages(path: str | Path, skipped: list[Skipped] | None = None) -> Iterator[RawRecord]:
    """Yield each response page or stream line of a twarc2 JSONL file; a flattened line is an error here (use
    `land_file`). A cut last line is skipped and appended to `skipped` when given."""
    for table, rec in fetch_records(path, skipped=skipped):
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
    (the result's `skipped` lists them). `posts` counts the post objects read (None: some, not counted).
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
                # counting posts would read the file again (as long as landing it): only when its first line
                # holds none, which is what a users or counts lookup saved as JSONL looks like
                posts = count_posts(con, path) if not _first_line_posts(path) else None
                return {"pages": landed.lines, "flat_posts": 0, "new_records": landed.added, "skipped": [],
                        "posts": posts}
        except WarehouseError:
            pass
    read = {PAGES: 0, FLAT: 0}
    skipped: list[Skipped] = []
    stats: dict = {}
    # Stream in bounded batches inside one transaction: a bad line anywhere still lands nothing of the file,
    # and memory no longer grows with the file (docs/performance.md: 6.3 GB peak at 1M posts before).
    with transaction(con):
        writers = {PAGES: RawWriter(con, PAGES, prov), FLAT: RawWriter(con, FLAT, prov)}
        for table, rec in fetch_records(path, skip_bad_lines=skip_bad_lines, skipped=skipped, stats=stats):
            writers[table].add(rec)
            read[table] += 1
        added = {table: w.close() for table, w in writers.items()}
        record_rejected(con, source, str(path), skipped)
    for s in skipped:
        if progress:
            progress(f"{s.file}:{s.line}: skipped: {s.reason}")
    return {"pages": read[PAGES], "flat_posts": read[FLAT], "new_records": added[PAGES] + added[FLAT],
            "skipped": skipped, "posts": stats["posts"]}


def _first_line_posts(path: Path) -> int:
    with _open(path) as fh:
        line = next((x for x in fh if x.strip()), "")
    try:
        return _posts_in(limits.loads(line, str(path)))
    except (ValueError, InputError):
        return 0


def count_posts(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    """Post objects (with text) in a file of pages and stream lines, read by DuckDB. Zero says the file holds no
    posts (a users or counts lookup), not that it failed."""
    with open(path, "rb") as fh:
        compression = "gzip" if fh.read(2) == b"\x1f\x8b" else "none"
    return con.execute(f"""
        select coalesce(sum(len(list_filter(
                   case json_type(json, '$.data') when 'ARRAY' then json_extract(json, '$.data[*]')
                                                  when 'OBJECT' then [json -> '$.data'] end,
                   lambda p: (p ->> 'text') is not null))), 0)
        from read_json_objects(?, format = 'newline_delimited', compression = '{compression}')""",
                       [str(path)]).fetchall()[0][0]


def record_rejected(con: duckdb.DuckDBPyConnection, source: str, file: str, skipped: list[Skipped]) -> None:
    """Replace what rejected_records holds for this file with the lines skipped now (inside the caller's
    transaction)."""
    con.execute("delete from rejected_records where source = ? and file = ?", [source, file])
    now = datetime.now(UTC)
    for s in skipped:
        con.execute("insert into rejected_records (source, file, line, record_id, field, value, reason, rejected_at) "
                    "values (?, ?, ?, null, null, ?, ?, ?)", [source, s.file, s.line, s.value, s.reason, now])


def _retrieved_at(obj: dict) -> datetime | None:
    # twarc writes {"__twarc": {"retrieved_at": "<ISO time>"}}; anything else is no stamp (import time is used)
    meta = obj.get("__twarc")
    stamp = meta.get("retrieved_at") if isinstance(meta, dict) else None
    if not isinstance(stamp, str) or not stamp:
        return None
    try:
        return datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None
