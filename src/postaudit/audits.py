"""The audits file (audits.toml): who is audited, on which accounts and feeds, and where results go.

Relative paths in the file are resolved against the file's own folder, so the file can move with its inputs.
Errors name the file and the field, e.g. `audits.toml: executive[2] (ada-ng).accounts.x[0]: ...`.
"""

from __future__ import annotations

import hashlib
import os
import re
import tomllib
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from postaudit.sources.errors import InputError

SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
POST_PLATFORMS = ("x", "bluesky", "mastodon", "telegram", "slack", "x_jsonl", "x_archive")
# Which API each source talks to: one Prefect global concurrency limit per API (see docs/operations.md).
API_LIMITS = {"x_api": "x-api", "bluesky": "bluesky-api", "mastodon": "mastodon-api", "gdelt": "gdelt-api",
              "rss_feed": "feeds", "articles": "feeds"}


class AuditsError(InputError):
    """The audits file is invalid; the message names the file and the field."""


@dataclass(frozen=True)
class WorkingHours:
    """The working-time baseline a time share is measured against."""

    start: str = "09:00"
    end: str = "18:00"
    days: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri")
    timezone: str = "UTC"


@dataclass(frozen=True)
class Executive:
    """One audited person: accounts per platform, press search terms, claims and baseline."""

    id: str
    name: str
    aliases: tuple[str, ...] = ()
    source: str = "live"                         # live | simulated
    accounts: dict[str, tuple] = field(default_factory=dict)
    feeds: tuple[str, ...] = ()                  # RSS/Atom URLs or local files
    articles: tuple[str, ...] = ()               # article URLs to fetch in full
    gdelt: bool = True
    press_queries: tuple[str, ...] = ()
    claims: str | None = None
    working_hours: WorkingHours = WorkingHours()
    simulated: dict = field(default_factory=dict)

    @property
    def is_simulated(self) -> bool:
        return self.source == "simulated"

    def query(self) -> str:
        """The press query: the name and every alias as exact phrases, OR-ed (GDELT syntax)."""
        names = [self.name, *self.aliases]
        terms = " OR ".join(f'"{n}"' for n in names)
        return f"({terms})" if len(names) > 1 else terms


@dataclass(frozen=True)
class Audits:
    """A parsed audits file."""

    path: Path
    db: str
    dashboard: str
    landing: str
    state: str
    n_boot: int
    lookback_days: int
    refresh_days: int
    executives: tuple[Executive, ...]

    def select(self, executive: str | None) -> tuple[Executive, ...]:
        """All executives, or the one with that id (an error naming the ids there are)."""
        if executive is None:
            return self.executives
        found = tuple(e for e in self.executives if e.id == executive)
        if not found:
            raise AuditsError(f"{self.path}: no executive with id {executive!r} "
                              f"(there are: {', '.join(e.id for e in self.executives)})")
        return found


@dataclass(frozen=True)
class Job:
    """One fetch: a source for one account or feed of one executive. Picklable, so Dask can ship it."""

    executive: str
    kind: str            # posts | press
    source: str          # simulated, x_api, x_jsonl, x_archive, bluesky, mastodon, telegram, slack, rss_file, ...
    target: str          # handle, actor, path, URL or query
    options: tuple[tuple[str, object], ...] = ()
    is_simulated: bool = False

    @property
    def api(self) -> str | None:
        """The global concurrency limit this job must hold, None for local files."""
        return API_LIMITS.get(self.source)

    @property
    def key(self) -> str:
        """A short stable name for files and logs."""
        digest = hashlib.sha256(f"{self.source}\0{self.target}\0{self.options}".encode()).hexdigest()[:10]
        return f"{self.executive}-{self.source}-{digest}"

    def opt(self, name: str, default=None):
        return dict(self.options).get(name, default)


# ---------------------------------------------------------------- parsing

def load(path: str | Path) -> Audits:
    """Read and validate an audits file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise AuditsError(f"{path}: cannot read ({exc.strerror or exc})") from None
    return parse(text, path)


def parse(text: str, path: Path) -> Audits:
    """Validate audits TOML text; `path` names the file in errors and anchors relative paths."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise AuditsError(f"{path}: not valid TOML ({exc})") from None
    base = path.resolve().parent
    _only(doc, {"settings", "executive"}, f"{path}")
    settings = _table(doc, "settings", f"{path}", required=False)
    where = f"{path}: settings"
    _only(settings, {"db", "dashboard", "landing", "state", "n_boot", "lookback_days", "refresh_days"}, where)
    db = _path(base, _str(settings, "db", where, "data/postaudit.duckdb"))
    data_dir = Path(db).parent
    raw_execs = doc.get("executive")
    if not isinstance(raw_execs, list) or not raw_execs:
        raise AuditsError(f"{path}: executive: add at least one [[executive]] table")
    execs = []
    for i, raw in enumerate(raw_execs, start=1):
        if not isinstance(raw, dict):
            raise AuditsError(f"{path}: executive[{i}]: expected a table")
        execs.append(_executive(raw, f"{path}: executive[{i}]", base))
    ids = [e.id for e in execs]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise AuditsError(f"{path}: executive.id: duplicate id(s) {', '.join(dupes)}")
    return Audits(
        path=path, db=db,
        dashboard=_path(base, _str(settings, "dashboard", where, None)) if "dashboard" in settings
        else str(data_dir / "dashboard.html"),
        landing=_path(base, _str(settings, "landing", where, None)) if "landing" in settings
        else str(data_dir / "landing"),
        state=_path(base, _str(settings, "state", where, None)) if "state" in settings else str(data_dir / "state"),
        n_boot=_int(settings, "n_boot", where, 2000, 100),
        lookback_days=_int(settings, "lookback_days", where, 90, 1),
        refresh_days=_int(settings, "refresh_days", where, 3, 0),
        executives=tuple(execs))


def _executive(raw: dict, where: str, base: Path) -> Executive:
    _only(raw, {"id", "name", "aliases", "source", "claims", "accounts", "press", "working_hours", "simulated"}, where)
    ident = _str(raw, "id", where)
    if not SLUG.fullmatch(ident):
        raise AuditsError(f"{where}.id: {ident!r} must be lower-case letters, digits and dashes, e.g. 'ada-ng'")
    where = f"{where} ({ident})"
    name = _str(raw, "name", where)
    source = _str(raw, "source", where, "live")
    if source not in ("live", "simulated"):
        raise AuditsError(f"{where}.source: {source!r} must be 'live' or 'simulated'")
    aliases = tuple(_strs(raw, "aliases", where))
    claims = raw.get("claims")
    if claims is not None:
        claims = _path(base, _str(raw, "claims", where))
        if not Path(claims).is_file():
            raise AuditsError(f"{where}.claims: no such file {claims}")
    accounts = _accounts(_table(raw, "accounts", where, required=False), f"{where}.accounts", base)
    press = _table(raw, "press", where, required=False)
    pw = f"{where}.press"
    _only(press, {"feeds", "articles", "gdelt", "queries"}, pw)
    feeds = tuple(f if _is_url(f) else _path(base, f) for f in _strs(press, "feeds", pw))
    gdelt = press.get("gdelt", source == "live")
    if not isinstance(gdelt, bool):
        raise AuditsError(f"{pw}.gdelt: expected true or false")
    sim = _table(raw, "simulated", where, required=False)
    if source == "simulated":
        sw = f"{where}.simulated"
        _only(sim, {"seed", "days", "start", "handle", "user_id", "company"}, sw)
        sim = {"seed": _int(sim, "seed", sw, 7, 0), "days": _int(sim, "days", sw, 56, 1),
               "start": _date(sim, "start", sw, date(2025, 9, 1)).isoformat(),
               "handle": _str(sim, "handle", sw, f"{ident.replace('-', '_')}_sim"),
               "user_id": _str(sim, "user_id", sw, _sim_user_id(ident)),
               "company": _str(sim, "company", sw, "Simulated Exchange")}
        if not sim["user_id"].isdigit():
            raise AuditsError(f"{sw}.user_id: must be digits, like an X user id")
    elif sim:
        raise AuditsError(f"{where}.simulated: only allowed with source = \"simulated\"")
    return Executive(id=ident, name=name, aliases=aliases, source=source, accounts=accounts, feeds=feeds,
                     articles=tuple(_strs(press, "articles", pw)), gdelt=gdelt,
                     press_queries=tuple(_strs(press, "queries", pw)), claims=claims,
                     working_hours=_working_hours(_table(raw, "working_hours", where, required=False),
                                                  f"{where}.working_hours"),
                     simulated=sim)


def _accounts(raw: dict, where: str, base: Path) -> dict[str, tuple]:
    _only(raw, set(POST_PLATFORMS), where)
    out: dict[str, tuple] = {}
    for platform in ("x", "bluesky", "mastodon"):
        names = _strs(raw, platform, where)
        for j, n in enumerate(names):
            if not n.strip() or " " in n:
                raise AuditsError(f"{where}.{platform}[{j}]: {n!r} is not an account name")
        if platform == "x":
            names = [n.removeprefix("@") for n in names]
        if platform == "mastodon":
            for j, n in enumerate(names):
                if n.lstrip("@").count("@") != 1:
                    raise AuditsError(f"{where}.mastodon[{j}]: {n!r} must look like user@server")
        out[platform] = tuple(names)
    for platform in ("x_jsonl", "x_archive"):
        out[platform] = tuple(_path(base, p) for p in _strs(raw, platform, where))
    for platform, who in (("telegram", "from_id"), ("slack", "user")):
        items = raw.get(platform, [])
        if not isinstance(items, list):
            raise AuditsError(f"{where}.{platform}: expected a list of {{ path = ..., {who} = ... }} tables")
        parsed = []
        for j, item in enumerate(items):
            iw = f"{where}.{platform}[{j}]"
            if isinstance(item, str):
                item = {"path": item}
            if not isinstance(item, dict):
                raise AuditsError(f"{iw}: expected a path or {{ path = ..., {who} = ... }}")
            _only(item, {"path", who}, iw)
            parsed.append((_path(base, _str(item, "path", iw)), _str(item, who, iw, None)))
        out[platform] = tuple(parsed)
    return out


def _working_hours(raw: dict, where: str) -> WorkingHours:
    _only(raw, {"start", "end", "days", "timezone"}, where)
    start, end = _str(raw, "start", where, "09:00"), _str(raw, "end", where, "18:00")
    for name, value in (("start", start), ("end", end)):
        try:
            time.fromisoformat(value)
        except ValueError:
            raise AuditsError(f"{where}.{name}: {value!r} is not a time like 09:00") from None
    if time.fromisoformat(end) <= time.fromisoformat(start):
        raise AuditsError(f"{where}: end {end} must be after start {start}")
    days = tuple(d.lower() for d in _strs(raw, "days", where)) or WorkingHours.days
    bad = [d for d in days if d not in WEEKDAYS]
    if bad:
        raise AuditsError(f"{where}.days: {', '.join(bad)} not among {', '.join(WEEKDAYS)}")
    tz = _str(raw, "timezone", where, "UTC")
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise AuditsError(f"{where}.timezone: {tz!r} is not an IANA time zone like Europe/Berlin") from None
    return WorkingHours(start=start, end=end, days=days, timezone=tz)


# ---------------------------------------------------------------- field helpers

def _only(raw: dict, allowed: set[str], where: str) -> None:
    extra = sorted(set(raw) - allowed)
    if extra:
        raise AuditsError(f"{where}: unknown field(s) {', '.join(extra)} (allowed: {', '.join(sorted(allowed))})")


def _table(raw: dict, key: str, where: str, required: bool = True) -> dict:
    value = raw.get(key)
    if value is None:
        if required:
            raise AuditsError(f"{where}.{key}: missing")
        return {}
    if not isinstance(value, dict):
        raise AuditsError(f"{where}.{key}: expected a table")
    return value


_MISSING = object()


def _str(raw: dict, key: str, where: str, default=_MISSING):
    if key not in raw:
        if default is _MISSING:
            raise AuditsError(f"{where}.{key}: missing")
        return default
    value = raw[key]
    if not isinstance(value, str) or not value.strip():
        raise AuditsError(f"{where}.{key}: expected a non-empty string, got {value!r}")
    return value


def _strs(raw: dict, key: str, where: str) -> list[str]:
    value = raw.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise AuditsError(f"{where}.{key}: expected a list of non-empty strings")
    return value


def _int(raw: dict, key: str, where: str, default: int, minimum: int) -> int:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise AuditsError(f"{where}.{key}: expected a whole number >= {minimum}, got {value!r}")
    return value


def _date(raw: dict, key: str, where: str, default: date) -> date:
    value = raw.get(key, default)
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            raise AuditsError(f"{where}.{key}: {value!r} is not a date like 2025-09-01") from None
    if not isinstance(value, date):
        raise AuditsError(f"{where}.{key}: expected a date like 2025-09-01")
    return value


def _is_url(value: str) -> bool:
    return value.startswith(("http://", "https://"))


def _path(base: Path, value: str | None) -> str | None:
    if value is None:
        return None
    p = Path(value).expanduser()
    return os.path.normpath(p if p.is_absolute() else base / p)


def _sim_user_id(ident: str) -> str:
    # Simulated X ids start with 9000...: far above real ids issued so far, so they cannot collide with one.
    return "9" + str(int(hashlib.sha256(ident.encode()).hexdigest(), 16))[:17].rjust(17, "0")


# ---------------------------------------------------------------- jobs

def jobs(audits: Audits, kind: str, executive: str | None = None) -> list[Job]:
    """The fetches one collection run fans out to: one per account and source (kind: posts or press)."""
    if kind not in ("posts", "press"):
        raise ValueError(f"kind must be 'posts' or 'press', not {kind!r}")
    out: list[Job] = []
    for e in audits.select(executive):
        if e.is_simulated:
            sim = tuple(sorted({**e.simulated, "name": e.name}.items()))
            out.append(Job(e.id, kind, "simulated" if kind == "posts" else "simulated_press", e.id, sim, True))
        if kind == "posts":
            acc = e.accounts
            out += [Job(e.id, kind, "x_api", h, (("lookback_days", audits.lookback_days),
                                                  ("refresh_days", audits.refresh_days))) for h in acc.get("x", ())]
            out += [Job(e.id, kind, "x_jsonl", p) for p in acc.get("x_jsonl", ())]
            out += [Job(e.id, kind, "x_archive", p) for p in acc.get("x_archive", ())]
            out += [Job(e.id, kind, "bluesky", a, (("lookback_days", audits.lookback_days),))
                    for a in acc.get("bluesky", ())]
            out += [Job(e.id, kind, "mastodon", a, (("lookback_days", audits.lookback_days),))
                    for a in acc.get("mastodon", ())]
            out += [Job(e.id, kind, "telegram", p, (("from_id", w),)) for p, w in acc.get("telegram", ())]
            out += [Job(e.id, kind, "slack", p, (("user", w),)) for p, w in acc.get("slack", ())]
        else:
            out += [Job(e.id, kind, "rss_feed" if _is_url(f) else "rss_file", f) for f in e.feeds]
            if e.gdelt:
                out += [Job(e.id, kind, "gdelt", q, (("lookback_days", audits.lookback_days),))
                        for q in (e.press_queries or (e.query(),))]
            if e.articles:
                out.append(Job(e.id, kind, "articles", "\n".join(e.articles)))
    return out


# ---------------------------------------------------------------- simulated audits for the scale test

def simulated_audits_toml(n: int, days: int = 7, seed: int = 1, db: str = "data/scale/postaudit.duckdb") -> str:
    """An audits file with n SIMULATED executives (distinct names, handles, ids and seeds)."""
    lines = ["# SIMULATED executives for scale tests; none of them is a real person.",
             "[settings]", f'db = "{db}"', "n_boot = 200", ""]
    for i in range(1, n + 1):
        lines += ["[[executive]]", f'id = "sim-{i:03d}"', f'name = "Simulated Exec {i:03d}"',
                  f'aliases = ["S. Exec {i:03d}"]', 'source = "simulated"',
                  "[executive.simulated]", f"seed = {seed * 1000 + i}", f"days = {days}",
                  f'handle = "sim_exec_{i:03d}"', f'company = "Simulated Co {i:03d}"', ""]
    return "\n".join(lines)
