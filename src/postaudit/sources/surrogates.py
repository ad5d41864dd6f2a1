"""Lone UTF-16 surrogates: valid in JSON text (an escape like \\ud83d without its pair, as a post cut inside an
emoji can leave it) but not a character. Python's json reads them; DuckDB's JSON refuses them ("no low
surrogate in string") and UTF-8 cannot encode them, so a record holding one would fail mid-landing with a
traceback. Importers refuse such a record, naming it, before anything lands."""

from __future__ import annotations

import re

from postaudit.sources.errors import InputError

# \uD800-\uDBFF not followed by \uDC00-\uDFFF, or \uDC00-\uDFFF not preceded by a high one (escaped form)
_LONE = re.compile(r"\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})"
                   r"|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2}")


def refuse_lone_surrogates(payload: str, where: str) -> str:
    """The payload itself when it holds no lone surrogate (raw or escaped), else an InputError naming `where`."""
    try:
        payload.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InputError(f"{where}: holds a lone UTF-16 surrogate (U+{ord(payload[exc.start]):04X}), not a "
                         "character (a text cut inside an emoji?): refused") from None
    if "\\u" in payload and (m := _LONE.search(payload)):
        raise InputError(f"{where}: holds a lone UTF-16 surrogate ({m.group(0)}), not a character (a text cut "
                         "inside an emoji?): refused")
    return payload
