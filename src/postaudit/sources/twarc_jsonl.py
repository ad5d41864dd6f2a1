"""twarc2 JSONL: one X API v2 response page per line, plain or gzip."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from postaudit.sources.errors import InputError
from postaudit.warehouse import RawRecord


def _open(path: Path):
    with open(path, "rb") as fh:
        magic = fh.read(2)
    return gzip.open(path, "rt", encoding="utf-8-sig") if magic == b"\x1f\x8b" else open(path, encoding="utf-8-sig")


def fetch_pages(path: str | Path) -> Iterator[RawRecord]:
    """Yield each response page of a twarc2 JSONL file as a raw record; bad lines raise InputError naming the line."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    try:
        with _open(path) as fh:
            for lineno, line in enumerate(fh, start=1):
                line = line.strip()
                if not line:
                    continue
                try:
                    page = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise InputError(f"{path}:{lineno}: not valid JSON ({exc.msg} at column {exc.colno})") from None
                if not isinstance(page, dict) or not ("data" in page or "meta" in page or "errors" in page):
                    raise InputError(f"{path}:{lineno}: not an X API v2 response page (no 'data' or 'meta' key)")
                yield RawRecord(payload=line, retrieved_at=_retrieved_at(page))
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except (OSError, EOFError) as exc:
        raise InputError(f"{path}: cannot read ({exc})") from None


def _retrieved_at(page: dict) -> datetime | None:
    stamp = (page.get("__twarc") or {}).get("retrieved_at")
    if not stamp:
        return None
    try:
        return datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None
