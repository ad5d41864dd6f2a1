"""Limits every file importer applies to one record, so that no single record can break a build or a parser.

Size. One raw record (a post, a message, an archive element, a table row, a twarc page of up to 100 posts)
may hold at most MAX_RECORD_BYTES of UTF-8. Why 16 MiB: it is far above anything a platform produces (an X post
holds at most 25,000 characters, a Slack message 40,000, a Telegram message 4,096; a twarc page of 100 such
posts with its includes stays under ~10 MB; article pages are fetched with a 5 MB cap). Measured here
(`postaudit build` on an X archive of five posts, one of them long prose): a 17 MB post peaked at 0.58 GB, a
53 MB one made every build fail at the 4 GB memory limit, as staging parses and copies the text several times
over. A record over the limit refuses its file, naming the file, the record and its size: nothing is
truncated, so raw stays verbatim.

Nesting. Python's json parser recurses once per nesting level and fails past its recursion limit (~1,000
levels) with a RecursionError naming no file; `loads` and `raw_decode` turn that into an InputError naming it.
No export this tool reads nests deeper than about a dozen levels.
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

from postaudit.sources.errors import InputError

MAX_RECORD_BYTES = 16 * 1024 * 1024
T = TypeVar("T", str, bytes)


def check_size(payload: T, where: str) -> T:
    """The payload (text or bytes) itself when it fits MAX_RECORD_BYTES, else an InputError naming `where`."""
    # A character is at most 4 bytes in UTF-8: encode only text that might be over the limit.
    size = len(payload)
    if isinstance(payload, str) and size * 4 > MAX_RECORD_BYTES:
        size = len(payload.encode("utf-8", "surrogatepass"))
    if size > MAX_RECORD_BYTES:
        raise InputError(f"{where}: one record of {size / 1e6:,.1f} MB, over the {MAX_RECORD_BYTES // 2**20} MiB "
                         "limit for one post or page (no platform writes posts this large, and it would exhaust "
                         "memory in every build)")
    return payload


def _too_deep(where: str) -> InputError:
    return InputError(f"{where}: JSON nested too deeply for the parser (over ~1,000 levels): "
                      "not an export this tool reads")


def loads(text: str | bytes, where: str, **kwargs) -> Any:
    """json.loads, with nesting too deep for Python's parser reported as an InputError naming `where`."""
    try:
        return json.loads(text, **kwargs)
    except RecursionError:
        raise _too_deep(where) from None


def raw_decode(text: str, start: int, where: str) -> tuple[Any, int]:
    """json.JSONDecoder().raw_decode from `start`, with too-deep nesting reported as for `loads`."""
    try:
        return json.JSONDecoder().raw_decode(text, start)
    except RecursionError:
        raise _too_deep(where) from None


def dumps(value: Any, where: str, **kwargs) -> str:
    """json.dumps of a parsed value, with too-deep nesting reported as for `loads`."""
    try:
        return json.dumps(value, **kwargs)
    except RecursionError:
        raise _too_deep(where) from None
