"""Flow: the whole audit: collect posts and press, build metrics, render the dashboard.

Two ways in: an audits file (`audits_file=`, every executive or one) or the original single-audit
parameters (`source="simulated"` or `"files"`), which `postaudit demo` uses.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from prefect import flow, get_run_logger, task

from postaudit import audits as audits_mod
from postaudit import warehouse
from postaudit.flows._common import artifact_key, audited, open_db, run_id, run_name
from postaudit.flows._tasks import resolve, run_collection
from postaudit.flows.build_metrics import build_metrics
from postaudit.flows.collect_posts import collect_posts
from postaudit.flows.collect_press import collect_press
from postaudit.flows.render_dashboard import render_dashboard
from postaudit.runs import dashboard_is_current
from postaudit.sources import simulated as sim
from postaudit.sources import simulated_chat


@task
def simulate_inputs(out_dir: str, days: int, seed: int) -> dict:
    """Write the simulated executive's timeline, press feeds, Telegram group and ground truth as wire-format files."""
    world = sim.simulate(seed=seed, days=days)
    files = sim.write_files(world, Path(out_dir))
    interview = min(a["published"] for a in world.articles if "interview" in a["url"]).date()
    chat = simulated_chat.write_group_files(world.persona, world.start, Path(out_dir), made=interview, seed=seed,
                                            days=days)
    return {"timeline": str(files["timeline"]), "feeds": [str(p) for p in files["feeds"]],
            "ground_truth": str(files["ground_truth"]), "traces": str(files["traces"]), "chat_export": str(chat["export"]),
            "chat_page": str(chat["page"]), "chat_from_id": chat["from_id"], "claims": str(chat["claims"])}


@task
def land_group_chat(db: str, export: str, page: str, from_id: str) -> dict:
    """Land the simulated Telegram group through the real importers: its export, then its page's member count."""
    from postaudit.sources.telegram import import_telegram
    from postaudit.sources.telegram_page import import_telegram_page

    with open_db(db) as con:
        messages = import_telegram(con, export, from_id=from_id, flow_run_id=run_id(), is_simulated=True)
        members = import_telegram_page(con, page, chat_id=messages["chat_id"], flow_run_id=run_id(),
                                       is_simulated=True)
    return {"messages": messages["new_records"], "count_members": members["count_members"]}


@task
def land_ground_truth(db: str, path: str) -> int:
    """Land the simulator's ground-truth sessions (simulated data only)."""
    prov = warehouse.Provenance(source="simulated", origin=path, flow_run_id=run_id(), is_simulated=True)
    records = (warehouse.RawRecord(payload=line) for line in Path(path).read_text().splitlines() if line)
    with open_db(db) as con:
        return warehouse.land_raw(con, "raw_sim_ground_truth", records, prov)


@task
def land_simulated_traces(db: str, path: str) -> dict:
    """Land the simulated executive's likes and ad impressions (simulated data only); returns counts by kind."""
    from postaudit.sources import traces

    with open_db(db) as con:
        found = sim.land_traces(con, path, flow_run_id=run_id())
    get_run_logger().info("SIMULATED %s", traces.describe(found))
    return found


@task
def publish_results(db: str, dashboard: str, scope: dict) -> None:
    """Publish the verdict table (markdown) and the dashboard (link) as artifacts of this flow run."""
    from prefect.artifacts import create_link_artifact, create_markdown_artifact

    from postaudit.verdict_table import read_verdicts, to_markdown

    with open_db(db) as con:
        verdicts = read_verdicts(con)
    html = Path(dashboard).resolve()
    create_markdown_artifact(to_markdown(verdicts, f"Verdicts: {audited(scope)}", str(html)),
                             key=artifact_key("verdicts", scope),
                             description=f"claim_verdicts in {Path(db).resolve()}")
    create_link_artifact(html.as_uri(), link_text=f"Dashboard: {html.name}", key=artifact_key("dashboard", scope),
                         description="one self-contained HTML file, on the machine that ran the flow")


@flow(name="audit", flow_run_name=run_name("audit"))
def audit(db: str | None = None, dashboard: str | None = None, source: str = "simulated",
          x_jsonl: list[str] | None = None, feed_files: list[str] | None = None,
          days: int = 56, seed: int = 7, n_boot: int | None = None,
          audits_file: str | None = None, executive: str | None = None,
          x_bearer_token_block: str | None = "x-bearer-token", force_build: bool = False,
          recheck_files: bool = False) -> dict:
    """Run the audits in an audits file (or one audit from the parameters) end to end; returns where outputs are.

    Incremental: files unchanged since their last read are not read again (recheck_files=True reads them),
    the build is skipped when no input changed (force_build=True rebuilds), and then so is the dashboard
    when its file is newer than the last build.
    """
    if audits_file:
        return _audit_file(db, dashboard, audits_file, executive, n_boot, x_bearer_token_block, force_build,
                           recheck_files)
    db = db or "data/postaudit.duckdb"
    dashboard = dashboard or str(Path(db).parent / "dashboard.html")
    n_boot = n_boot or 2000
    claims_file = None
    if source == "simulated":
        files = simulate_inputs(str(Path(db).parent / "demo"), days, seed)
        x_jsonl, feed_files, claims_file = [files["timeline"]], files["feeds"], files["claims"]
        land_ground_truth(db, files["ground_truth"])
        land_simulated_traces(db, files["traces"])
        land_group_chat(db, files["chat_export"], files["chat_page"], files["chat_from_id"])
    elif source != "files":
        raise ValueError(f"unknown source {source!r}: use 'simulated' or 'files', or pass audits_file")
    posts = collect_posts(db, x_jsonl=x_jsonl, simulated=source == "simulated", recheck_files=recheck_files)
    press = collect_press(db, feed_files=feed_files, simulated=source == "simulated", recheck_files=recheck_files)
    metrics = build_metrics(db, n_boot=n_boot, force=force_build, claims_file=claims_file)
    html, rendered = _dashboard(db, dashboard, metrics)
    publish_results(db, html, {"source": source})
    return {"db": db, "dashboard": html, "dashboard_rendered": rendered, "posts": posts, "press": press,
            "metrics": metrics}


def _dashboard(db: str, out: str, metrics: dict) -> tuple[str, bool]:
    """Render the dashboard, unless the build was skipped and the file is newer than the build that stands."""
    built = metrics.get("last_built_at")
    if metrics.get("skipped") and built and dashboard_is_current(out, datetime.fromisoformat(built)):
        get_run_logger().info("dashboard %s is newer than the last build (%s): not rendered again", out, built)
        return out, False
    return render_dashboard(db, out), True


def _audit_file(db, dashboard, audits_file, executive, n_boot, block, force_build, recheck_files) -> dict:
    """Every executive's posts and press fan out together on this flow's task runner; one load; one build."""
    audits, db, landing_dir, state_dir = resolve(db, audits_file, None, None)
    dashboard = dashboard or audits.dashboard
    jobs = audits_mod.jobs(audits, "posts", executive) + audits_mod.jobs(audits, "press", executive)
    params = {"db": db, "audits_file": audits_file, "executive": executive}
    try:
        collected = run_collection("audit", jobs, db, landing_dir, state_dir, block,
                                   params, legacy=("files", "new_pages", "raw_x_pages"), recheck_files=recheck_files)
        failure = None
    except RuntimeError as exc:  # some fetches failed: build and render what did land, then fail the run
        collected, failure = None, exc
    metrics = build_metrics(db, n_boot=n_boot or audits.n_boot, force=force_build,
                            timezone=audits_mod.stated_timezone(audits.select(executive)))
    html, rendered = _dashboard(db, dashboard, metrics)
    publish_results(db, html, {"audits_file": audits_file, "executive": executive})
    if failure:
        raise failure
    return {"db": db, "dashboard": html, "dashboard_rendered": rendered, "collected": collected, "metrics": metrics,
            "executives": [e.id for e in audits.select(executive)]}


def dask_runner(n_workers: int = 2, threads_per_worker: int = 2, processes: bool = False, address: str | None = None):
    """A DaskTaskRunner: on an existing dask.distributed scheduler (address) or a LocalCluster it starts and stops."""
    from prefect_dask import DaskTaskRunner

    if address:
        return DaskTaskRunner(address=address)
    return DaskTaskRunner(cluster_kwargs={"n_workers": n_workers, "threads_per_worker": threads_per_worker,
                                          "processes": processes, "dashboard_address": None})


if __name__ == "__main__":
    audit()
