"""Flow: land press items from feeds into raw_press_items."""

from __future__ import annotations

from prefect import flow, get_run_logger, task

from flows._common import open_db, run_id
from postaudit import warehouse
from postaudit.runs import finish_run, start_run
from postaudit.sources import press_rss


@task
def land_feed_file(db: str, path: str, simulated: bool) -> int:
    """Land the entries of one RSS/Atom file."""
    prov = warehouse.Provenance(source="simulated" if simulated else "rss_file", origin=path,
                                flow_run_id=run_id(), is_simulated=simulated)
    with open_db(db) as con:
        added = warehouse.land_raw(con, "raw_press_items", press_rss.fetch_file(path), prov)
    get_run_logger().info("%s: %d new items", path, added)
    return added


@flow(name="collect_press")
def collect_press(db: str, feed_files: list[str] | None = None, simulated: bool = False) -> dict:
    """Collect press coverage from every configured source into the warehouse."""
    rid = run_id()
    with open_db(db) as con:
        start_run(con, rid, "collect_press", {"db": db, "feed_files": feed_files, "simulated": simulated})
    counts = {"files": 0, "new_items": 0}
    try:
        for path in feed_files or []:
            counts["new_items"] += land_feed_file(db, path, simulated)
            counts["files"] += 1
    except Exception as exc:
        with open_db(db) as con:
            finish_run(con, rid, "failed", counts, str(exc))
        raise
    with open_db(db) as con:
        finish_run(con, rid, "completed", counts)
    return counts
