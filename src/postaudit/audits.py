"""The audits file (audits.toml): who is audited, on which accounts and feeds, and where results go.

Relative paths in the file are resolved against the file's own folder, so the file can move with its inputs.
Errors name the file and the field, e.g. `audits.toml: executive[2] (ada-ng).accounts.x[0]: ...`.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from postaudit import registry
from postaudit.checks import AuditsError, day, only, resolve, string, strings, table, whole
from postaudit.registry import Job, JobContext

__all__ = ["Audits", "AuditsError", "Executive", "Job", "WorkingHours", "jobs", "load", "parse", "stated_timezone"]

SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class WorkingHours:
    """The working-time baseline a time share is measured against."""

    start: str = "09:00"
    end: str = "18:00"
    days: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri")
    timezone: str = "UTC"
    timezone_stated: bool = False             # the file names the zone (else UTC is only the default)


@dataclass(frozen=True)
class Executive:
    """One audited person: accounts per platform, press search terms, claims and baseline."""

    id: str
    name: str
    aliases: tuple[str, ...] = ()
    source: str = "live"                         # live | simulated
    accounts: dict[str, tuple] = field(default_factory=dict)   # [executive.accounts] field -> checked entries
    press: dict[str, tuple] = field(default_factory=dict)      # [executive.press] field -> checked entries
    gdelt: bool = True
    claims: str | None = None
    working_hours: WorkingHours = WorkingHours()
    simulated: dict = field(default_factory=dict)

    @property
    def is_simulated(self) -> bool:
        return self.source == "simulated"

    @property
    def feeds(self) -> tuple[str, ...]:
        """RSS/Atom URLs or local feed files."""
        return self.press.get("feeds", ())

    @property
    def articles(self) -> tuple[str, ...]:
        """Article URLs (or saved files) to read in full."""
        return self.press.get("articles", ())

    @property
    def press_queries(self) -> tuple[str, ...]:
        """GDELT queries instead of the name-based one."""
        return self.press.get("queries", ())

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
    only(doc, {"settings", "executive"}, f"{path}")
    settings = table(doc, "settings", f"{path}", required=False)
    where = f"{path}: settings"
    only(settings, {"db", "dashboard", "landing", "state", "n_boot", "lookback_days", "refresh_days"}, where)
    db = resolve(base, string(settings, "db", where, "data/postaudit.duckdb"))
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
        dashboard=resolve(base, string(settings, "dashboard", where, None)) if "dashboard" in settings
        else str(data_dir / "dashboard.html"),
        landing=resolve(base, string(settings, "landing", where, None)) if "landing" in settings
        else str(data_dir / "landing"),
        state=resolve(base, string(settings, "state", where, None)) if "state" in settings
        else str(data_dir / "state"),
        n_boot=whole(settings, "n_boot", where, 2000, 100),
        lookback_days=whole(settings, "lookback_days", where, 90, 1),
        refresh_days=whole(settings, "refresh_days", where, 3, 0),
        executives=tuple(execs))


def _executive(raw: dict, where: str, base: Path) -> Executive:
    only(raw, {"id", "name", "aliases", "source", "claims", "accounts", "press", "working_hours", "simulated"}, where)
    ident = string(raw, "id", where)
    if not SLUG.fullmatch(ident):
        raise AuditsError(f"{where}.id: {ident!r} must be lower-case letters, digits and dashes, e.g. 'ada-ng'")
    where = f"{where} ({ident})"
    name = string(raw, "name", where)
    source = string(raw, "source", where, "live")
    if source not in ("live", "simulated"):
        raise AuditsError(f"{where}.source: {source!r} must be 'live' or 'simulated'")
    aliases = tuple(strings(raw, "aliases", where))
    claims = raw.get("claims")
    if claims is not None:
        claims = resolve(base, string(raw, "claims", where))
        if not Path(claims).is_file():
            raise AuditsError(f"{where}.claims: no such file {claims}")
    accounts = _fields(table(raw, "accounts", where, required=False), "accounts", f"{where}.accounts", base)
    press_raw = dict(table(raw, "press", where, required=False))
    gdelt = press_raw.pop("gdelt", source == "live")
    if not isinstance(gdelt, bool):
        raise AuditsError(f"{where}.press.gdelt: expected true or false")
    press = _fields(press_raw, "press", f"{where}.press", base, extra={"gdelt"})
    sim = table(raw, "simulated", where, required=False)
    if source == "simulated":
        sw = f"{where}.simulated"
        only(sim, {"seed", "days", "start", "handle", "user_id", "company"}, sw)
        sim = {"seed": whole(sim, "seed", sw, 7, 0), "days": whole(sim, "days", sw, 56, 1),
               "start": day(sim, "start", sw, date(2025, 9, 1)).isoformat(),
               "handle": string(sim, "handle", sw, f"{ident.replace('-', '_')}_sim"),
               "user_id": string(sim, "user_id", sw, _sim_user_id(ident)),
               "company": string(sim, "company", sw, "Simulated Exchange")}
        if not sim["user_id"].isdigit():
            raise AuditsError(f"{sw}.user_id: must be digits, like an X user id")
    elif sim:
        raise AuditsError(f"{where}.simulated: only allowed with source = \"simulated\"")
    return Executive(id=ident, name=name, aliases=aliases, source=source, accounts=accounts, press=press,
                     gdelt=gdelt, claims=claims,
                     working_hours=_working_hours(table(raw, "working_hours", where, required=False),
                                                  f"{where}.working_hours"),
                     simulated=sim)


def _fields(raw: dict, section: str, where: str, base: Path, extra: set[str] = frozenset()) -> dict[str, tuple]:
    """The registered sources' fields of one section, each checked by its source's own rule."""
    fields = registry.audits_fields(section)
    only(raw, set(fields) | extra, where)
    return {key: f.check(raw.get(key), f"{where}.{key}", base) for key, f in fields.items()}


def _working_hours(raw: dict, where: str) -> WorkingHours:
    only(raw, {"start", "end", "days", "timezone"}, where)
    start, end = string(raw, "start", where, "09:00"), string(raw, "end", where, "18:00")
    for name, value in (("start", start), ("end", end)):
        try:
            time.fromisoformat(value)
        except ValueError:
            raise AuditsError(f"{where}.{name}: {value!r} is not a time like 09:00") from None
    if time.fromisoformat(end) <= time.fromisoformat(start):
        raise AuditsError(f"{where}: end {end} must be after start {start}")
    days = tuple(d.lower() for d in strings(raw, "days", where)) or WorkingHours.days
    bad = [d for d in days if d not in WEEKDAYS]
    if bad:
        raise AuditsError(f"{where}.days: {', '.join(bad)} not among {', '.join(WEEKDAYS)}")
    tz = string(raw, "timezone", where, "UTC")
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise AuditsError(f"{where}.timezone: {tz!r} is not an IANA time zone like Europe/Berlin") from None
    return WorkingHours(start=start, end=end, days=days, timezone=tz, timezone_stated="timezone" in raw)


def stated_timezone(executives) -> str | None:
    """The zone the audited executives' working_hours state, when they state one and the same (the build cuts
    every account's local days in it); None (inferred per account) otherwise."""
    zones = {e.working_hours.timezone for e in executives if e.working_hours.timezone_stated}
    return zones.pop() if len(zones) == 1 and all(e.working_hours.timezone_stated for e in executives) else None


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
        ctx = JobContext(e, audits.lookback_days, audits.refresh_days)
        for source in registry.sources(kind):
            entries = ()
            if source.audits is not None:
                entries = (e.accounts if source.audits.section == "accounts" else e.press).get(source.audits.key, ())
            out += [Job(e.id, kind, source.name, target, options, is_simulated=source.kind == "simulated")
                    for target, options in (source.jobs(entries, ctx) if source.jobs else [])]
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
