"""Flow: land posts from files or APIs into raw_x_pages."""

from __future__ import annotations

from prefect import flow, get_run_logger, task

from flows._common import open_db, run_id
from postaudit import warehouse
from postaudit.runs import finish_run, start_run
from postaudit.sources import twarc_jsonl


@task
def land_x_jsonl(db: str, path: str, simulated: bool) -> int:
    """Land one twarc2 JSONL file of X API v2 pages."""
    source = "simulated" if simulated else "twarc_jsonl"
    prov = warehouse.Provenance(source=source, origin=path, flow_run_id=run_id(), is_simulated=simulated)
    with open_db(db) as con:
        added = warehouse.land_raw(con, "raw_x_pages", twarc_jsonl.fetch_pages(path), prov)
    get_run_logger().info("%s: %d new pages", path, added)
    return added


@flow(name="collect_posts")
def collect_posts(db: str, x_jsonl: list[str] | None = None, simulated: bool = False) -> dict:
    """Collect posts from every configured source into the warehouse."""
    rid = run_id()
    with open_db(db) as con:
        start_run(con, rid, "collect_posts", {"db": db, "x_jsonl": x_jsonl, "simulated": simulated})
    counts = {"files": 0, "new_pages": 0}
    try:
        for path in x_jsonl or []:
            counts["new_pages"] += land_x_jsonl(db, path, simulated)
            counts["files"] += 1
    except Exception as exc:
        with open_db(db) as con:
            finish_run(con, rid, "failed", counts, str(exc))
        raise
    with open_db(db) as con:
        finish_run(con, rid, "completed", counts)
    return counts
