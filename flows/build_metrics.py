"""Flow: apply the SQL layers and compute the metric marts, skipped when no input changed since the last build."""

from __future__ import annotations

from prefect import flow, get_run_logger, task

from flows._common import open_db, run_id
from postaudit.build import build_metrics as build_metric_marts
from postaudit.build import build_sql
from postaudit.runs import finish_run, input_fingerprint, needs_build, start_run


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
def build_metrics(db: str, n_boot: int = 2000, force: bool = False) -> dict:
    """Rebuild every relation above raw from what the warehouse holds, unless nothing it reads has changed."""
    rid = run_id()
    with open_db(db) as con:
        start_run(con, rid, "build_metrics", {"db": db, "n_boot": n_boot, "force": force})
        inputs = input_fingerprint(con, n_boot=n_boot)
        if not force and not needs_build(con, inputs):
            finish_run(con, rid, "skipped", {"skipped": 1}, "no raw table, SQL file or parameter changed since "
                                                            "the last completed build")
            get_run_logger().info("inputs unchanged since the last build: marts kept as they are")
            return {"skipped": True}
    try:
        counts = {"sql_relations": apply_sql(db), **compute_metrics(db, n_boot)}
    except Exception as exc:
        with open_db(db) as con:
            finish_run(con, rid, "failed", {}, str(exc))
        raise
    with open_db(db) as con:
        finish_run(con, rid, "completed", {**counts, "inputs": inputs})
    return counts
