"""Build everything above raw: SQL layers, press marts, sessions, activity, time-share, reach and verdicts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import duckdb
import polars as pl

from postaudit.claims import load_claims_file, to_claims, to_verdicts
from postaudit.metrics.activity import to_daily_activity
from postaudit.metrics.assumptions import CENTRAL
from postaudit.metrics.groupchat import to_group_chat_metrics
from postaudit.metrics.reach import to_account_reach, to_conversation_metrics, to_post_reactions
from postaudit.metrics.sessions import to_sessions
from postaudit.metrics.timeshare import to_timeshare_estimates, to_timeshare_sensitivity, to_timeshare_weekly
from postaudit.metrics.timezone import to_account_timezone
from postaudit.press.build import build_press
from postaudit.warehouse import apply_layers, query_pl, replace_table, table_exists

Progress = Callable[[str], None]
DEFAULT_CLAIMS_FILE = "claims.toml"  # looked for beside the warehouse file when no claims file is given


def build_sql(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply sql/raw, sql/staging and sql/marts in order."""
    return apply_layers(con)


def default_claims_file(con: duckdb.DuckDBPyConnection) -> Path | None:
    """claims.toml beside the warehouse file, if there is one."""
    rows = con.execute("select path from duckdb_databases() where database_name = current_database()").fetchall()
    if not rows or not rows[0][0]:
        return None
    path = Path(rows[0][0]).parent / DEFAULT_CLAIMS_FILE
    return path if path.is_file() else None


def build_metrics(con: duckdb.DuckDBPyConnection, n_boot: int = 2000, progress: Progress | None = None,
                  claims_file: str | Path | None = None) -> dict[str, int]:
    """Compute the Python marts from posts and press; returns row counts per relation.

    claims_file: a claims file (TOML/YAML) whose claims are judged with the press's; default claims.toml
    beside the warehouse. It is read first, so a bad file stops the build before anything is replaced.
    """
    say = progress or (lambda _msg: None)
    claims_path = Path(claims_file) if claims_file else default_claims_file(con)
    file_claims = load_claims_file(claims_path) if claims_path else None
    counts: dict[str, int] = {}
    say("press: cleaning, languages, stories, claims")
    counts.update(build_press(con))
    posts = query_pl(con, "select * from posts")
    say(f"sessions from {posts.height} posts")
    sessions = to_sessions(posts, CENTRAL)
    counts["sessions"] = replace_table(con, "sessions", sessions)
    counts["daily_activity"] = replace_table(con, "daily_activity", to_daily_activity(posts, sessions))
    snapshots = query_pl(con, "select * from account_snapshots") if table_exists(con, "account_snapshots") else None
    estimates = pl.DataFrame()
    if posts.height:
        say("time zones and sleep windows")
        counts["account_timezone"] = replace_table(con, "account_timezone", to_account_timezone(posts))
        say(f"time-share estimates ({n_boot} bootstrap draws per assumption set)")
        estimates = to_timeshare_estimates(posts, n_boot=n_boot)
        counts["timeshare_estimates"] = replace_table(con, "timeshare_estimates", estimates)
        counts["timeshare_sensitivity"] = replace_table(con, "timeshare_sensitivity", to_timeshare_sensitivity(posts))
        counts["timeshare_weekly"] = replace_table(con, "timeshare_weekly",
                                                   to_timeshare_weekly(posts, n_boot=max(100, n_boot // 4)))
        say("reach, reactions and conversation")
        snaps = snapshots if snapshots is not None else pl.DataFrame(
            schema={"platform": pl.Utf8, "account_id": pl.Utf8, "observed_at": pl.Datetime("us", "UTC"),
                    "followers_count": pl.Int64})
        reactions = to_post_reactions(posts, snaps)
        counts["post_reactions"] = replace_table(con, "post_reactions", reactions)
        counts["account_reach"] = replace_table(con, "account_reach", to_account_reach(reactions, snaps))
        counts["conversation_metrics"] = replace_table(con, "conversation_metrics", to_conversation_metrics(posts))
    group_metrics = None
    if table_exists(con, "group_messages"):
        say("group chats")
        group_metrics = to_group_chat_metrics(query_pl(con, "select * from group_messages"))
        counts["group_chat_metrics"] = replace_table(con, "group_chat_metrics", group_metrics)
    claims = to_claims(query_pl(con, "select * from press_claims"), file_claims)
    counts["claims"] = replace_table(con, "claims", claims)
    say("verdicts")
    account_posts = {(p, a): n for p, a, n in posts.group_by("platform", "account_id").len().iter_rows()} \
        if posts.height else {}

    def estimator(platform: str, first: date, last: date) -> pl.DataFrame:
        sel = posts if platform == "all" else posts.filter(pl.col("platform") == platform)
        sel = sel.filter(pl.col("created_at").dt.date().is_between(first, last))
        if sel.is_empty():
            return pl.DataFrame()
        est = to_timeshare_estimates(sel, n_boot=n_boot, first=first, last=last)
        return est.filter(pl.col("platform") == platform)

    names = {(p, a): f"{n or ''} {h or ''}" for p, a, n, h in con.execute(
        "select platform, account_id, display_name, handle from accounts").fetchall()} \
        if table_exists(con, "accounts") else {}
    verdicts = to_verdicts(claims, estimates, estimator=estimator, group_metrics=group_metrics,
                           account_posts=account_posts, account_names=names)
    counts["claim_verdicts"] = replace_table(con, "claim_verdicts", verdicts)
    return counts
