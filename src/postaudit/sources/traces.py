"""What a landing's traces (likes, edits, ad impressions, reactions ... : activity other than posts) came to.

Each source's trace views (its `trace_views` in the registry, in the stg_activity_events contract) are read for
the raw records just landed: how many traces of each kind they hold, and which the activity_events mart leaves
out and why (no time, a time that cannot be placed, an edit time Telegram may have set for a reaction). Those
left out are recorded in rejected_records, one row each, so a person can see them; landing the same file again
replaces what is recorded for it, and each build records them again in the same words (rejects.refresh).
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import duckdb

from postaudit import registry
from postaudit.rejects import CHECKED_SUFFIX
from postaudit.warehouse import staging_view

MAX_VALUE_CHARS = 200  # rejected_records.value keeps the first 200 characters


def summarize(con: duckdb.DuckDBPyConnection, source: str, record_ids: list[str], *, file: str | None = None) -> dict:
    """Traces of these raw records by kind, and those left out by reason (recorded in rejected_records).

    Call it inside the landing's transaction, so the record of what was left out commits with the records."""
    views = registry.SOURCES[source].trace_views
    kinds: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    now = datetime.now(UTC)
    for view in views:
        staging_view(con, view)
        con.execute("delete from rejected_records where source = ? and (file = ? or record_id in (select unnest(?)))",
                    [view, file, record_ids])
        # every trace view is checked (rejects.py): the rows left out are in <view>_checked only
        rows = con.execute(f"select kind, reject_reason, record_id, time_field, time_value from {view}{CHECKED_SUFFIX} "
                           "where record_id in (select unnest(?))", [record_ids]).fetchall()
        rejected = [r for r in rows if r[1] is not None]
        kinds.update(r[0] for r in rows if r[1] is None)
        reasons.update(r[1] for r in rejected)
        if rejected:
            con.executemany(
                "insert into rejected_records (source, file, line, record_id, field, value, reason, rejected_at) "
                "values (?, ?, null, ?, ?, ?, ?, ?)",
                [[view, file, rid, field, None if value is None else value[:MAX_VALUE_CHARS], f"{kind}: {reason}; left out", now]
                 for kind, reason, rid, field, value in rejected])
    return {"traces": dict(sorted(kinds.items())), "traces_left_out": dict(reasons.most_common())}


def describe(summary: dict) -> str:
    """One line for a person: '5 edit, 1 service traces; 2 left out (...)'."""
    kinds = summary["traces"]
    said = ", ".join(f"{n} {kind}" for kind, n in kinds.items()) or "no"
    line = f"traces of activity besides posts: {said}"
    left = summary["traces_left_out"]
    if left:
        reasons = "; ".join(f"{n}: {why}" for why, n in list(left.items())[:3])
        line += f"; {sum(left.values())} left out, recorded in rejected_records ({reasons})"
    return line
