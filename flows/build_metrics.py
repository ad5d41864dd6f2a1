"""Flow: apply the SQL layers and compute the metric marts, skipped when no input changed since the last build."""

from __future__ import annotations

from prefect import flow, get_run_logger, task

from flows._common import open_db, run_id
from postaudit.runs import build_inputs, build_reasons, finish_run, last_build, start_run


@task
def apply_sql(db: str) -> int:
    """Build raw tables, staging views and SQL marts."""
    from postaudit.build import build_sql

    with open_db(db) as con:
        return len(build_sql(con))


@task
def compute_metrics(db: str, n_boot: int, claims_file: str | None = None) -> dict:
    """Compute press marts, sessions, activity, time-share and verdicts."""
    # Imported here: the metrics stack (scipy, datasketch) takes ~0.5 s to import, a nothing-new run never needs it.
    from postaudit.build import build_metrics as build_metric_marts

    logger = get_run_logger()
    with open_db(db) as con:
        return build_metric_marts(con, n_boot=n_boot, progress=logger.info, claims_file=claims_file)


@flow(name="build_metrics")
def build_metrics(db: str, n_boot: int = 2000, force: bool = False, claims_file: str | None = None) -> dict:
    """Rebuild every relation above raw from what the warehouse holds, unless nothing it reads has changed.

    claims_file: the claims file to judge (default: claims.toml beside the warehouse, if any).
    A skipped build returns {"skipped": True, "last_built_at": when the build whose marts stand finished}.
    """
    logger = get_run_logger()
    rid = run_id()
    with open_db(db) as con:
        start_run(con, rid, "build_metrics", {"db": db, "n_boot": n_boot, "force": force, "claims_file": claims_file})
        inputs = build_inputs(con, n_boot=n_boot, claims_file=claims_file)
        reasons = ["forced"] if force else build_reasons(con, inputs)
        if not reasons:
            built_at = last_build(con)[1]
            finish_run(con, rid, "skipped", {"skipped": 1}, "no raw table, SQL file, claims file or parameter "
                                                            "changed since the last completed build")
            logger.info("inputs unchanged since the build of %s: marts kept as they are", built_at)
            return {"skipped": True, "last_built_at": built_at.isoformat()}
    logger.info("building: %s", "; ".join(reasons))
    try:
        counts = {"sql_relations": apply_sql(db), **compute_metrics(db, n_boot, claims_file)}
    except Exception as exc:
        with open_db(db) as con:
            finish_run(con, rid, "failed", {}, str(exc))
        raise
    with open_db(db) as con:
        finish_run(con, rid, "completed", {**counts, "inputs": inputs})
    return counts
