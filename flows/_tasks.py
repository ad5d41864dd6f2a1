"""Tasks shared by the collection flows: fan out fetch jobs, then one loader merges the landing area."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from prefect import get_run_logger, task, unmapped

from postaudit import audits as audits_mod
from postaudit import landing, registry, runs
from postaudit.audits import Job
from postaudit.flows._common import WAREHOUSE_LIMIT, existing_limits, in_db, limited, open_db, run_id
from postaudit.flows._fetch import run_job
from postaudit.runs import finish_run, start_run


@task(task_run_name="fetch {job.executive} {job.source} {job.target}")
def fetch(job: Job, landing_dir: str, state_dir: str, limit: str | None, x_bearer_token_block: str | None,
          recheck_files: bool = False) -> dict:
    """Fetch one account or feed into the landing area, holding a slot of its API's concurrency limit."""
    logger = get_run_logger()
    secrets = _secrets(x_bearer_token_block) if registry.get(job.source).secret else {}
    with limited(limit):
        counts = run_job(job, landing_dir, state_dir, run_id(), secrets=secrets, progress=logger.info,
                         recheck_files=recheck_files)
    counts["ran_on"] = _where()
    if counts.get("unchanged_since"):
        logger.info("%s %s %s: unchanged since %s: skipped (recheck_files=true reads it again)",
                    job.executive, job.source, job.target, counts["unchanged_since"])
    else:
        logger.info("%s %s %s: %d raw rows to the landing area", job.executive, job.source, job.target,
                    counts["fetched"])
    return counts


def _where() -> str:
    """Which worker ran the task: a dask worker's address, else the process and thread."""
    try:
        from distributed import get_worker

        return f"dask:{get_worker().address}"
    except (ImportError, ValueError):
        return f"pid {os.getpid()} {threading.current_thread().name}"


def _secrets(block_name: str | None) -> dict:
    """The X token from its Secret block (read inside the task, so it is never a parameter or a result)."""
    if not block_name:
        return {}
    from prefect.blocks.system import Secret

    try:
        return {"x_bearer_token": Secret.load(block_name).get()}
    except ValueError:  # no such block: fall back to X_BEARER_TOKEN in the worker's environment
        return {}


@task
def load_landing(db: str, landing_dir: str, limit: str | None) -> dict:
    """The one writer: merge every pending landing batch into the warehouse and refresh the freshness view."""
    with limited(limit), open_db(db) as con:
        counts = landing.load_batches(con, landing_dir)
        runs.refresh_freshness(con)
    for err in counts["errors"]:
        get_run_logger().error("quarantined batch: %s", err)
    return counts


def resolve(db: str | None, audits_file: str | None, landing_dir: str | None, state_dir: str | None):
    """The audits (or None) and the warehouse, landing and state paths: explicit arguments beat the file."""
    audits = audits_mod.load(audits_file) if audits_file else None
    db = db or (audits.db if audits else "data/postaudit.duckdb")
    landing_dir = landing_dir or (audits.landing if audits else str(Path(db).parent / "landing"))
    state_dir = state_dir or (audits.state if audits else str(Path(db).parent / "state"))
    return audits, db, landing_dir, state_dir


def collect(jobs: list[Job], db: str, landing_dir: str, state_dir: str, x_bearer_token_block: str | None,
            recheck_files: bool = False) -> dict:
    """Run the jobs in parallel on the flow's task runner, then load; counts with the failures listed."""
    logger = get_run_logger()
    apis = {j.api for j in jobs if j.api}
    present = existing_limits(apis | {WAREHOUSE_LIMIT})
    for name in sorted(apis - present):
        logger.warning("no global concurrency limit %r on the server: %s calls are not rate-limited across runs "
                       "(create it: prefect gcl create %s --limit 1)", name, name, name)
    futures = fetch.map(jobs, unmapped(landing_dir), unmapped(state_dir),
                        [j.api if j.api in present else None for j in jobs], unmapped(x_bearer_token_block),
                        unmapped(recheck_files))
    results, errors = [], []
    for job, future in zip(jobs, futures, strict=True):
        try:
            results.append(future.result())
        except Exception as exc:  # noqa: BLE001 - one account failing must not lose the others' batches
            errors.append(f"{job.executive} {job.source} {job.target}: {exc}")
            logger.error("fetch failed: %s", errors[-1])
    loaded = load_landing(db, landing_dir, WAREHOUSE_LIMIT if WAREHOUSE_LIMIT in present else None)
    total = runs.tally(results)
    total.update(new=loaded["new"], skipped=loaded["skipped"], failed=len(errors) + loaded["failed"])
    return {"jobs": len(jobs), **total, "unchanged": sum(1 for r in results if r.get("unchanged_since")),
            "batches": loaded["batches"], "tables": loaded["tables"],
            "workers": sorted({r["ran_on"] for r in results}),
            "errors": errors + loaded["errors"]}


def run_collection(name: str, jobs: list[Job], db: str, landing_dir: str, state_dir: str,
                   block: str | None, params: dict, legacy: tuple[str, str, str], recheck_files: bool = False) -> dict:
    """Record the run, fan out, load, record the counts; fail the run (after loading the rest) if a fetch failed."""
    rid = run_id()
    in_db(db, start_run, rid, name, {**params, "recheck_files": recheck_files})
    try:
        counts = collect(jobs, db, landing_dir, state_dir, block, recheck_files)
    except Exception as exc:
        in_db(db, finish_run, rid, "failed", {}, str(exc))
        raise
    files_key, new_key, table = legacy
    counts[files_key] = sum(1 for j in jobs if j.executive == "files")
    counts[new_key] = counts["tables"].get(table, 0)
    status = "failed" if counts["errors"] else "completed"
    in_db(db, finish_run, rid, status, counts, "; ".join(counts["errors"]) or None)
    if counts["errors"]:
        raise RuntimeError(f"{len(counts['errors'])} of {len(jobs)} fetches failed (the rest were loaded): "
                           + "; ".join(counts["errors"]))
    return counts
