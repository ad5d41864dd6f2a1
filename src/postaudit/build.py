"""Build everything above raw: SQL layers, press marts, sessions, daily activity, time-share and verdicts."""

from __future__ import annotations

from collections.abc import Callable

import duckdb
import polars as pl

from postaudit.claims import to_verdicts
from postaudit.metrics.activity import to_daily_activity
from postaudit.metrics.assumptions import CENTRAL
from postaudit.metrics.sessions import to_sessions
from postaudit.metrics.timeshare import to_timeshare_estimates
from postaudit.press.build import build_press
from postaudit.warehouse import apply_layers, query_pl, replace_table

Progress = Callable[[str], None]


def build_sql(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply sql/raw, sql/staging and sql/marts in order."""
    return apply_layers(con)


def build_metrics(con: duckdb.DuckDBPyConnection, n_boot: int = 2000, progress: Progress | None = None) -> dict[str, int]:
    """Compute the Python marts from posts and press; returns row counts per relation."""
    say = progress or (lambda _msg: None)
    counts: dict[str, int] = {}
    say("press: cleaning, languages, stories, claims")
    counts.update(build_press(con))
    posts = query_pl(con, "select * from posts")
    say(f"sessions from {posts.height} posts")
    sessions = to_sessions(posts, CENTRAL)
    counts["sessions"] = replace_table(con, "sessions", sessions)
    counts["daily_activity"] = replace_table(con, "daily_activity", to_daily_activity(posts, sessions))
    say(f"time-share estimates ({n_boot} bootstrap draws per assumption set)")
    estimates = to_timeshare_estimates(posts, n_boot=n_boot) if posts.height else pl.DataFrame()
    if estimates.height:
        counts["timeshare_estimates"] = replace_table(con, "timeshare_estimates", estimates)
    claims = query_pl(con, "select * from press_claims")
    counts["claims"] = replace_table(con, "claims", claims)
    say("verdicts")
    counts["claim_verdicts"] = replace_table(con, "claim_verdicts", to_verdicts(claims, estimates))
    return counts
