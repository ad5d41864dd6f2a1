"""Flow: apply the SQL layers and compute the metric marts, skipped when no input changed since the last build."""

from __future__ import annotations

from prefect import flow, get_run_logger, task

from postaudit.build_runner import run_build
from postaudit.flows._common import open_db, run_id


@task
def apply_sql(db: str) -> int:
    """Build raw tables, staging views and SQL marts."""
    from postaudit.build import build_sql

    with open_db(db) as con:
        return len(build_sql(con))


@task
def compute_metrics(db: str, n_boot: int, claims_file: str | None = None, timezone: str | None = None) -> dict:
    """Compute press marts, sessions, activity, time-share and verdicts."""
    # Imported here: the metrics stack (scipy, datasketch) takes ~0.5 s to import, a nothing-new run never needs it.
    from postaudit.build import build_metrics as build_metric_marts

    logger = get_run_logger()
    with open_db(db) as con:
        return build_metric_marts(con, n_boot=n_boot, progress=logger.info, claims_file=claims_file,
                                  timezone=timezone)


@flow(name="build_metrics")
def build_metrics(db: str, n_boot: int = 2000, force: bool = False, claims_file: str | None = None,
                  timezone: str | None = None) -> dict:
    """Rebuild every relation above raw from what the warehouse holds, unless nothing it reads has changed.

    claims_file: the claims file to judge (default: claims.toml beside the warehouse, if any).
    timezone: a zone stated for every account (the audits file's working_hours.timezone), else inferred.
    A skipped build returns {"skipped": True, "last_built_at": when the build whose marts stand finished}.
    """
    result = run_build(lambda: open_db(db), run_id(), {"db": db, "claims_file": claims_file, "timezone": timezone},
                       n_boot=n_boot, claims_file=claims_file, force=force, timezone=timezone,
                       steps=lambda: {"sql_relations": apply_sql(db),
                                      **compute_metrics(db, n_boot, claims_file, timezone)},
                       progress=get_run_logger().info)
    if result.skipped:
        return {"skipped": True, "last_built_at": result.last_built_at.isoformat()}
    return result.counts
