"""Flow: collect posts from every configured account, in parallel, through the landing area."""

from __future__ import annotations

from prefect import flow

from postaudit import audits as audits_mod
from postaudit.audits import Job
from postaudit.flows._common import run_name
from postaudit.flows._tasks import resolve, run_collection


@flow(name="collect_posts", flow_run_name=run_name("collect_posts"))
def collect_posts(db: str | None = None, x_jsonl: list[str] | None = None, simulated: bool = False,
                  audits_file: str | None = None, executive: str | None = None, landing_dir: str | None = None,
                  state_dir: str | None = None, x_bearer_token_block: str | None = "x-bearer-token",
                  recheck_files: bool = False) -> dict:
    """Collect posts from the audits file's accounts (and/or twarc2 JSONL files) into the warehouse.

    Files unchanged since their last successful read are skipped; recheck_files=True reads them anyway.
    """
    audits, db, landing_dir, state_dir = resolve(db, audits_file, landing_dir, state_dir)
    jobs = [Job("files", "posts", "x_jsonl", p, is_simulated=simulated) for p in x_jsonl or []]
    if audits:
        jobs += audits_mod.jobs(audits, "posts", executive)
    return run_collection("collect_posts", jobs, db, landing_dir, state_dir, x_bearer_token_block,
                          {"db": db, "x_jsonl": x_jsonl, "simulated": simulated, "audits_file": audits_file,
                           "executive": executive}, legacy=("files", "new_pages", "raw_x_pages"),
                          recheck_files=recheck_files)

