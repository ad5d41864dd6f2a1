"""Any other platform's posts as a CSV or JSONL file plus a column mapping: one raw record per row."""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import duckdb

from postaudit import limits
from postaudit.checks import AuditsError
from postaudit.registry import export_entries
from postaudit.sources.errors import InputError
from postaudit.sources.surrogates import refuse_lone_surrogates
from postaudit.warehouse import Provenance, RawRecord, land_raw

SOURCE = "table_import"
RAW_TABLE = "raw_table_rows"
# mapping field → what the column holds; only `time` is required
FIELDS = {
    "time": "when the post was made: ISO 8601 with an offset (2024-03-01T09:30:00+01:00, …Z) or Unix epoch "
            "seconds (13 digits: milliseconds); times without an offset need --tz",
    "text": "the post's text",
    "id": "the post's id on its platform (default: a hash of the row)",
    "kind": "original, reply, quote or repost (default: original)",
    "account": "who posted it (or give --account)",
    "reply_to": "the id of the post it replies to, quotes or reposts",
    "lang": "language code",
    "likes": "like count", "replies": "reply count", "reposts": "repost count", "quotes": "quote count",
    "views": "view / impression count",
}
COUNT_FIELDS = ("likes", "replies", "reposts", "quotes", "views")
KINDS = ("original", "reply", "quote", "repost")
# Accepted time texts. The staging view parses exactly these with DuckDB, so keep the two in step.
ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(?P<zone>Z|z|[+-]\d{2}(:?\d{2})?)?")
EPOCH = re.compile(r"\d+(\.\d+)?")
PLATFORM = re.compile(r"[a-z][a-z0-9_]{0,31}")
_EXTRA = "\0extra"  # DictReader's key for fields beyond the header


def parse_mapping(spec: str) -> dict[str, str]:
    """'time=Sent at,text=Body' → {'time': 'Sent at', 'text': 'Body'}; InputError on unknown fields."""
    mapping: dict[str, str] = {}
    for part in (p for p in spec.split(",") if p.strip()):
        field, sep, column = part.partition("=")
        field = field.strip().lower()
        if not sep or not column.strip():
            raise InputError(f"--map: {part!r} is not FIELD=COLUMN")
        if field not in FIELDS:
            raise InputError(f"--map: unknown field {field!r}; fields are {', '.join(FIELDS)}")
        mapping[field] = column.strip()
    if "time" not in mapping:
        raise InputError("--map: `time=COLUMN` is required (which column says when each post was made)")
    return mapping


_ENTRY = export_entries({"platform": True, "map": True, "account": False, "tz": False},
                        '{ path = ..., platform = ..., map = "time=...,text=..." }')


def audits_entries(value, where: str, base: Path) -> tuple:
    """The `table` entries of an audits file's [executive.accounts], with platform and mapping checked."""
    entries = _ENTRY(value, where, base)
    for j, entry in enumerate(entries):
        e = dict(entry)
        if not PLATFORM.fullmatch(e["platform"]):
            raise AuditsError(f"{where}[{j}].platform: {e['platform']!r} must be lower-case letters, digits and _")
        try:
            parse_mapping(e["map"])
        except InputError as exc:
            raise AuditsError(f"{where}[{j}].map: {exc}") from None
    return entries


def _rows(path: Path) -> Iterator[tuple[str, dict, str | None]]:
    """(where, row, original line) for each row: CSV/TSV by header, JSONL one object per line."""
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv"):
        with open(path, encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh, delimiter="\t" if suffix == ".tsv" else ",", restkey=_EXTRA)
            if not reader.fieldnames:
                raise InputError(f"{path}: empty file (no header row)")
            for row_no, row in enumerate(reader, start=1):
                where = f"{path}: row {row_no} (line {reader.line_num})"
                if _EXTRA in row or None in row.values():
                    count = len(row) - 1 + len(row.get(_EXTRA, [])) if _EXTRA in row else sum(
                        v is not None for v in row.values())
                    raise InputError(f"{where}: {count} fields where the header has {len(reader.fieldnames)}")
                yield where, row, None
    elif suffix in (".jsonl", ".ndjson"):
        with open(path, encoding="utf-8-sig") as fh:
            for lineno, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                where = f"{path}: line {lineno}"
                try:
                    row = limits.loads(line, where)
                except json.JSONDecodeError as exc:
                    raise InputError(f"{where}: not valid JSON ({exc.msg} at column {exc.colno})") from None
                if not isinstance(row, dict):
                    raise InputError(f"{where}: not a JSON object")
                yield where, row, line.strip()
    else:
        raise InputError(f"{path}: unknown file type {suffix!r}: use .csv, .tsv, .jsonl or .ndjson")


def _check_time(where: str, column: str, value, tz: str | None) -> None:
    if isinstance(value, bool) or value is None or value == "":
        raise InputError(f"{where}, column {column!r}: no time")
    if isinstance(value, int | float):
        return
    text = str(value).strip()
    if EPOCH.fullmatch(text):
        return
    m = ISO_TIME.fullmatch(text)
    if not m:
        raise InputError(f"{where}, column {column!r}: {text!r} is not a time this importer reads "
                         "(ISO 8601 like 2024-03-01T09:30:00+01:00, or Unix epoch seconds)")
    if not m.group("zone") and tz is None:
        raise InputError(f"{where}, column {column!r}: {text!r} has no time zone; add --tz ZONE (e.g. --tz "
                         "Europe/Berlin) if these are local times there, or export times with an offset")
    try:
        datetime.fromisoformat(text.replace("z", "Z").replace("Z", "+00:00"))
    except ValueError:
        raise InputError(f"{where}, column {column!r}: {text!r} is not a valid date and time") from None


def _check_row(where: str, row: dict, mapping: dict[str, str], tz: str | None, time_format: str | None) -> None:
    if mapping["time"] not in row:
        raise InputError(f"{where}: no column {mapping['time']!r} (mapped to time); columns are "
                         f"{', '.join(map(repr, row))}")
    value = row[mapping["time"]]
    if time_format is None:
        _check_time(where, mapping["time"], value, tz)
    elif isinstance(value, bool) or value is None or str(value).strip() == "":
        raise InputError(f"{where}, column {mapping['time']!r}: no time")
    for field in COUNT_FIELDS:
        value = row.get(mapping.get(field, "\0none"))
        if value in (None, "") or (isinstance(value, int) and not isinstance(value, bool)):
            continue
        if not (isinstance(value, str) and value.strip().isdigit()):
            raise InputError(f"{where}, column {mapping[field]!r}: {value!r} is not a whole number ({field})")
    kind = row.get(mapping.get("kind", "\0none"))
    if kind not in (None, "") and str(kind).strip().lower() not in KINDS:
        raise InputError(f"{where}, column {mapping['kind']!r}: kind {kind!r} is not one of {', '.join(KINDS)}")


def check_time_format(time_format: str, tz: str | None) -> bool:
    """Whether a strptime pattern reads times with their zone (%z, %Z); InputError if DuckDB cannot use it."""
    with duckdb.connect() as check:
        try:
            kind = check.execute("SELECT typeof(try_strptime(NULL::VARCHAR, ?))", [time_format]).fetchall()[0][0]
        except duckdb.Error as exc:
            raise InputError(f"--time-format {time_format!r}: {str(exc).splitlines()[0]}") from None
    aware = kind == "TIMESTAMP WITH TIME ZONE"
    if not aware and tz is None:
        raise InputError(f"--time-format {time_format!r} reads no time zone (%z or %Z): add --tz ZONE (e.g. --tz "
                         "Europe/Berlin) if these are local times there")
    return aware


def parse_times(texts: list[str], time_format: str, aware: bool) -> list[str | None]:
    """Each text read with the pattern by DuckDB's strptime, as ISO 8601 (UTC with an offset, else local); None: no match."""
    # DuckDB's own parser, so the staging view reads exactly what was checked here; the pattern must be a
    # constant there, which is why the reading is recorded with each row instead of left to the view.
    iso = "%Y-%m-%dT%H:%M:%S.%f+00:00" if aware else "%Y-%m-%dT%H:%M:%S.%f"
    with duckdb.connect() as con:
        con.execute("SET TimeZone = 'UTC'")
        return [r[0] for r in con.execute(
            "SELECT strftime(try_strptime(t, $fmt), $iso) FROM unnest($texts) WITH ORDINALITY AS u(t, n) ORDER BY n",
            {"fmt": time_format, "iso": iso, "texts": texts}).fetchall()]


def fetch_rows(path: str | Path, mapping: dict[str, str], *, platform: str, account: str | None = None,
               tz: str | None = None, time_format: str | None = None) -> Iterator[RawRecord]:
    """Check every row against the mapping, then yield them as raw records (CSV rows as JSON objects of text).

    With `time_format` (a strptime pattern such as '%d/%m/%Y %H:%M'), each record's key also holds its time as
    ISO 8601, read by DuckDB with that pattern.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    if not PLATFORM.fullmatch(platform):
        raise InputError(f"--platform {platform!r}: use a short lower-case name like wechat or linkedin")
    if account is None and "account" not in mapping:
        raise InputError(f"{path}: say whose posts these are: --account NAME, or --map account=COLUMN")
    if tz is not None:
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            raise InputError(f"--tz {tz!r}: not a time zone name (use an IANA name like Europe/Berlin)") from None
    settings = {"platform": platform, "map": mapping, "tz": tz, "account": account}
    aware = False
    if time_format is not None:
        aware = check_time_format(time_format, tz)
        settings["time_format"] = time_format
    key = json.dumps(settings, sort_keys=True)
    retrieved = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    records, seen_ids, present, times = [], {}, set(), []
    try:
        for where, row, line in _rows(path):
            _check_row(where, row, mapping, tz, time_format)
            times.append((where, str(row[mapping["time"]]).strip()))
            if "id" in mapping:
                value = row.get(mapping["id"])
                pid = "" if value is None else str(value).strip()
                if not pid:
                    # a CSV whose header lacks the column, or a JSONL row without the field, has no id either
                    missing = "" if mapping["id"] in row else f" (no such column; columns are {', '.join(map(repr, row))})"
                    raise InputError(f"{where}, column {mapping['id']!r}: empty id{missing}")
                if pid in seen_ids:
                    raise InputError(f"{where}, column {mapping['id']!r}: id {pid!r} already used at {seen_ids[pid]}")
                seen_ids[pid] = where
            present.update(row)
            payload = limits.check_size(line if line is not None else json.dumps(row, ensure_ascii=False), where)
            records.append(RawRecord(payload=payload, retrieved_at=retrieved, key=key))
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except csv.Error as exc:
        raise InputError(f"{path}: not readable CSV ({exc})") from None
    # JSONL rows may leave out a field; a mapped column no row has is a typo in --map
    missing = [f"{f}={c}" for f, c in mapping.items() if c not in present]
    if records and missing:
        raise InputError(f"{path}: no row has the column(s) {', '.join(missing)} named in --map; columns are "
                         f"{', '.join(sorted(present))}")
    if time_format is not None and records:
        parsed = parse_times([t for _, t in times], time_format, aware)
        for (where, text), iso in zip(times, parsed, strict=True):
            if iso is None:
                raise InputError(f"{where}, column {mapping['time']!r}: {text!r} does not match --time-format "
                                 f"{time_format!r}")
        records = [replace(rec, key=json.dumps({**settings, "time": iso}, sort_keys=True))
                   for rec, iso in zip(records, parsed, strict=True)]
    yield from records


def import_table(con: duckdb.DuckDBPyConnection, path: str | Path, mapping: dict[str, str] | str, *,
                 platform: str, account: str | None = None, tz: str | None = None, time_format: str | None = None,
                 flow_run_id: str | None = None) -> dict:
    """Land a CSV/JSONL file of posts in raw_table_rows (all or nothing); importing twice adds nothing."""
    if isinstance(mapping, str):
        mapping = parse_mapping(mapping)
    records = list(fetch_rows(path, mapping, platform=platform, account=account, tz=tz, time_format=time_format))
    for n, rec in enumerate(records, start=1):
        refuse_lone_surrogates(rec.payload, f"{path}: record {n}")
    added = land_raw(con, RAW_TABLE, records, Provenance(SOURCE, str(path), flow_run_id=flow_run_id))
    return {"file": str(path), "platform": platform, "rows": len(records), "new_records": added}
