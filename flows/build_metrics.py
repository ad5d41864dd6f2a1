"""Flow: apply the SQL layers and compute the metric marts."""

from __future__ import annotations

from prefect import flow, get_run_logger, task

from flows._common import open_db, run_id
from postaudit.build import build_metrics as build_metric_marts
from postaudit.build import build_sql
from postaudit.runs import finish_run, start_run


@task
def apply_sql(db: str) -> int:
    """Build raw tables, staging views and SQL marts."""
    with open_db(db) as con:
        return len(build_sql(con))


@task
def compute_metrics(db: str, n_boot: int) -> dict:
    """Compute press marts, sessions, activity, time-share and verdicts."""
    logger = get_run_logger()
    with open_db(db) as con:
        return build_metric_marts(con, n_boot=n_boot, progress=logger.info)


@flow(name="build_metrics")
def build_metrics(db: str, n_boot: int = 2000) -> dict:
    """Rebuild every relation above raw from what the warehouse holds."""
    rid = run_id()
    with open_db(db) as con:
        start_run(con, rid, "build_metrics", {"db": db, "n_boot": n_boot})
    try:
        counts = {"sql_relations": apply_sql(db), **compute_metrics(db, n_boot)}
    except Exception as exc:
        with open_db(db) as con:
            finish_run(con, rid, "failed", {}, str(exc))
        raise
    with open_db(db) as con:
        finish_run(con, rid, "completed", counts)
    return counts
