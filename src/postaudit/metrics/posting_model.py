"""The posting-session estimate per account (provisional: the 30-min gap estimate, no calibrated interval yet)."""

from __future__ import annotations

import polars as pl

from postaudit.metrics.assumptions import CENTRAL
from postaudit.metrics.sessions import interval_minutes, merge_intervals, padded_intervals, session_parts

METHOD = "provisional: 30-min gaps, range padding; no calibrated interval"


def estimate_posting_hours(posts: pl.DataFrame, by: list[str], seed: int = 0) -> dict[tuple, dict]:
    """Per group of `by`: posting_hours and its 95% interval (None where not calibrated) and the method's name."""
    if posts.is_empty():
        return {}
    merged = merge_intervals(padded_intervals(session_parts(posts, CENTRAL, by=by), by=by), by)
    totals = merged.group_by(by).agg(hours=(interval_minutes() / 60).sum())
    return {tuple(r[c] for c in by): {"posting_hours": r["hours"], "posting_hours_low": None,
                                      "posting_hours_high": None, "method": METHOD}
            for r in totals.iter_rows(named=True)}
