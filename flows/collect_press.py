"""Flow: collect press coverage (feeds, GDELT, articles) for every executive, through the landing area."""

from __future__ import annotations

from prefect import flow

from postaudit import audits as audits_mod
from postaudit.audits import Job
from postaudit.flows._common import run_name
from postaudit.flows._tasks import resolve, run_collection


@flow(name="collect_press", flow_run_name=run_name("collect_press"))
def collect_press(db: str | None = None, feed_files: list[str] | None = None, simulated: bool = False,
                  audits_file: str | None = None, executive: str | None = None, landing_dir: str | None = None,
                  state_dir: str | None = None, recheck_files: bool = False) -> dict:
    """Collect press items for the audits file's executives (and/or saved RSS/Atom files) into the warehouse.

    Files unchanged since their last successful read are skipped; recheck_files=True reads them anyway.
    """
    audits, db, landing_dir, state_dir = resolve(db, audits_file, landing_dir, state_dir)
    jobs = [Job("files", "press", "rss_file", p, is_simulated=simulated) for p in feed_files or []]
    if audits:
        jobs += audits_mod.jobs(audits, "press", executive)
    return run_collection("collect_press", jobs, db, landing_dir, state_dir, None,
                          {"db": db, "feed_files": feed_files, "simulated": simulated, "audits_file": audits_file,
                           "executive": executive}, legacy=("files", "new_items", "raw_press_items"),
                          recheck_files=recheck_files)
