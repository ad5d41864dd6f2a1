"""Checks for values read from TOML files (the audits file): each error names the file and the field."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

from postaudit.errors import InputError


class AuditsError(InputError):
    """The audits file is invalid; the message names the file and the field."""


_MISSING = object()


def only(raw: dict, allowed: set[str], where: str) -> None:
    """Refuse fields that are not among `allowed`, listing those that are."""
    extra = sorted(set(raw) - allowed)
    if extra:
        raise AuditsError(f"{where}: unknown field(s) {', '.join(extra)} (allowed: {', '.join(sorted(allowed))})")


def table(raw: dict, key: str, where: str, required: bool = True) -> dict:
    """A sub-table (empty when absent and not required)."""
    value = raw.get(key)
    if value is None:
        if required:
            raise AuditsError(f"{where}.{key}: missing")
        return {}
    if not isinstance(value, dict):
        raise AuditsError(f"{where}.{key}: expected a table")
    return value


def string(raw: dict, key: str, where: str, default=_MISSING):
    """A non-empty string field (the default when absent; missing without one is an error)."""
    if key not in raw:
        if default is _MISSING:
            raise AuditsError(f"{where}.{key}: missing")
        return default
    value = raw[key]
    if not isinstance(value, str) or not value.strip():
        raise AuditsError(f"{where}.{key}: expected a non-empty string, got {value!r}")
    return value


def strings(raw: dict, key: str, where: str) -> list[str]:
    """A list of non-empty strings (a single string counts as a list of one)."""
    value = raw.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise AuditsError(f"{where}.{key}: expected a list of non-empty strings")
    return value


def whole(raw: dict, key: str, where: str, default: int, minimum: int) -> int:
    """A whole number at least `minimum`."""
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise AuditsError(f"{where}.{key}: expected a whole number >= {minimum}, got {value!r}")
    return value


def day(raw: dict, key: str, where: str, default: date) -> date:
    """A date (TOML date or YYYY-MM-DD text)."""
    value = raw.get(key, default)
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            raise AuditsError(f"{where}.{key}: {value!r} is not a date like 2025-09-01") from None
    if not isinstance(value, date):
        raise AuditsError(f"{where}.{key}: expected a date like 2025-09-01")
    return value


def is_url(value: str) -> bool:
    """An http(s) URL, as opposed to a local path."""
    return value.startswith(("http://", "https://"))


def resolve(base: Path, value: str | None) -> str | None:
    """A path from the file, relative to the file's folder (home expanded)."""
    if value is None:
        return None
    p = Path(value).expanduser()
    return os.path.normpath(p if p.is_absolute() else base / p)
