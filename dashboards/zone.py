"""The one time zone the page is drawn in: the audited account's local zone, stated or inferred.

Every axis, table and date on the page (and in the summary) uses it, so a session drawn at 22:00 and a
sleep window that starts at 22:00 mean the same clock. A stated IANA zone follows daylight saving; an
inferred zone is a fixed offset (how metrics/timezone.py infers it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import duckdb

from postaudit.marts import MARTS
from postaudit.metrics.localtime import fixed_offset_minutes, offset_name
from postaudit.warehouse import query_pl, table_exists

SOURCE_WORDS = {
    "stated": "stated in the claims file",
    "inferred": "inferred from the daily rhythm of the posts",
}


@dataclass(frozen=True)
class Zone:
    """A time zone by name (IANA, or a fixed offset such as UTC+08:45), and where it came from."""

    name: str
    source: str                     # stated | inferred | default
    fixed_minutes: int | None       # minutes east of UTC for a fixed offset; None for an IANA zone
    confidence: float | None = None  # share of bootstrap draws that chose an inferred offset

    @property
    def label(self) -> str:
        """For axis titles and table headers: 'local time, UTC+08:45' or 'UTC'."""
        return "UTC" if self.name == "UTC" else f"local time, {self.name}"

    @property
    def phrase(self) -> str:
        """A sentence part naming the zone and where it came from."""
        if self.source == "default":
            return "UTC (no local time zone could be inferred)"
        why = SOURCE_WORDS.get(self.source, self.source)
        if self.source == "inferred" and self.confidence is not None:
            why += f", {self.confidence:.0%} of bootstrap draws agree"
        dst = "; daylight saving followed" if self.fixed_minutes is None else ""
        return f"{self.name} ({why}{dst})"

    def sql(self, expr: str) -> str:
        """SQL turning a TIMESTAMPTZ expression into the local wall-clock TIMESTAMP.

        DuckDB reads 'UTC+08:45' as a POSIX zone (sign reversed, minutes dropped), so fixed offsets are added
        by hand; IANA zones go through ICU, which knows their daylight-saving rules.
        """
        if self.fixed_minutes is not None:
            return f"(timezone('UTC', {expr}) + to_minutes({int(self.fixed_minutes)}))"
        return f"timezone('{self.name}', {expr})"

    def local(self, ts: datetime) -> datetime:
        """An aware instant as naive local wall-clock time."""
        at = ts.astimezone(UTC)
        if self.fixed_minutes is not None:
            return at.replace(tzinfo=None) + timedelta(minutes=self.fixed_minutes)
        return at.astimezone(ZoneInfo(self.name)).replace(tzinfo=None)

    def day(self, ts: datetime | None) -> date | None:
        """The local calendar day of an instant."""
        return None if ts is None else self.local(ts).date()


UTC_ZONE = Zone("UTC", "default", 0)


def make_zone(name: str | None, source: str | None, confidence: float | None = None) -> Zone | None:
    """A Zone from a stored name, or None when the name is neither a fixed offset nor a known IANA zone."""
    if not name:
        return None
    fixed = fixed_offset_minutes(name)
    if fixed is not None:
        return Zone(offset_name(fixed), source or "inferred", fixed, confidence)
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return Zone(name, source or "stated", None, confidence)


def primary_account(con: duckdb.DuckDBPyConnection) -> tuple[str, str] | None:
    """The account the page is about: the one most claims were judged on, else the one with the most posts."""
    if table_exists(con, "claim_verdicts") and MARTS["claim_verdicts"].has("platform", "account_id"):
        rows = con.execute("""select platform, account_id from claim_verdicts
                              where account_id is not null and account_id <> 'all' and platform <> 'all'
                              group by all order by count(*) desc, platform, account_id limit 1""").fetchall()
        if rows:
            return rows[0]
    if table_exists(con, "posts"):
        rows = con.execute("select platform, account_id from posts group by all "
                           "order by count(*) desc, platform, account_id limit 1").fetchall()
        if rows:
            return rows[0]
    return None


def _confidence(con: duckdb.DuckDBPyConnection, account: tuple[str, str] | None, minutes: int | None) -> float | None:
    if account is None or minutes is None or not table_exists(con, "account_timezone"):
        return None
    rows = con.execute("select utc_offset_hours, confidence from account_timezone where platform = ? and "
                       "account_id = ?", list(account)).fetchall()
    if rows and rows[0][0] is not None and round(float(rows[0][0]) * 60) == minutes and rows[0][1] is not None:
        return float(rows[0][1])
    return None


def page_zone(con: duckdb.DuckDBPyConnection) -> Zone:
    """The zone of the primary account: stated (time_on_platform, then the claims file's verdicts) before
    inferred (time_on_platform, then account_timezone), else UTC."""
    account = primary_account(con)
    candidates: list[tuple[str | None, str | None]] = []
    if table_exists(con, "time_on_platform"):
        df = query_pl(con, "select platform, account_id, timezone, timezone_source from time_on_platform "
                           "where timezone is not null")
        rows = list(df.iter_rows(named=True))
        mine = [r for r in rows if account and (r["platform"], r["account_id"]) == account]
        merged = [r for r in rows if r["platform"] == "all"]
        stated = [r for r in rows if r["timezone_source"] == "stated"]
        candidates += [(r["timezone"], "stated") for r in stated[:1]]
        if table_exists(con, "claim_verdicts"):
            candidates += _stated_in_verdicts(con)
        candidates += [(r["timezone"], r["timezone_source"]) for r in (mine or merged or rows)[:1]]
    elif table_exists(con, "claim_verdicts"):
        candidates += _stated_in_verdicts(con)
    for name, source in candidates:
        if source not in ("stated", "inferred"):
            continue   # a 'default' zone is UTC for want of posts, not the account's zone
        zone = make_zone(name, source)
        if zone:
            return Zone(zone.name, zone.source, zone.fixed_minutes, _confidence(con, account, zone.fixed_minutes))
    return _from_account_timezone(con, account)


def _stated_in_verdicts(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    if not MARTS["claim_verdicts"].has("timezone", "timezone_source"):
        return []
    rows = con.execute("""select timezone from claim_verdicts where timezone_source = 'stated' and timezone is not null
                          group by 1 order by count(*) desc, 1 limit 1""").fetchall()
    return [(rows[0][0], "stated")] if rows else []


def _from_account_timezone(con: duckdb.DuckDBPyConnection, account: tuple[str, str] | None) -> Zone:
    if not table_exists(con, "account_timezone"):
        return UTC_ZONE
    order = "(platform = ? and account_id = ?) desc," if account else ""
    rows = con.execute(f"select utc_offset_hours, confidence from account_timezone where utc_offset_hours is not null "
                       f"order by {order} count_posts desc nulls last limit 1", list(account or [])).fetchall()
    if not rows:
        return UTC_ZONE
    minutes = round(float(rows[0][0]) * 60)
    return Zone(offset_name(minutes), "inferred", minutes, None if rows[0][1] is None else float(rows[0][1]))
