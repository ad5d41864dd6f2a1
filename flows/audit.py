"""Flow: the whole audit, collect posts and press, build metrics, render the dashboard."""

from __future__ import annotations

from pathlib import Path

from prefect import flow, task

from flows._common import open_db, run_id
from flows.build_metrics import build_metrics
from flows.collect_posts import collect_posts
from flows.collect_press import collect_press
from flows.render_dashboard import render_dashboard
from postaudit import warehouse
from postaudit.sources import simulated as sim


@task
def simulate_inputs(out_dir: str, days: int, seed: int) -> dict:
    """Write the simulated executive's timeline, press feeds and ground truth as wire-format files."""
    world = sim.simulate(seed=seed, days=days)
    files = sim.write_files(world, Path(out_dir))
    return {"timeline": str(files["timeline"]), "feeds": [str(p) for p in files["feeds"]],
            "ground_truth": str(files["ground_truth"])}


@task
def land_ground_truth(db: str, path: str) -> int:
    """Land the simulator's ground-truth sessions (simulated data only)."""
    prov = warehouse.Provenance(source="simulated", origin=path, flow_run_id=run_id(), is_simulated=True)
    records = (warehouse.RawRecord(payload=line) for line in Path(path).read_text().splitlines() if line)
    with open_db(db) as con:
        return warehouse.land_raw(con, "raw_sim_ground_truth", records, prov)


@flow(name="audit")
def audit(db: str = "data/postaudit.duckdb", dashboard: str = "data/dashboard.html", source: str = "simulated",
          x_jsonl: list[str] | None = None, feed_files: list[str] | None = None,
          days: int = 56, seed: int = 7, n_boot: int = 2000) -> dict:
    """Run one audit end to end and return where its outputs are."""
    if source == "simulated":
        files = simulate_inputs(str(Path(db).parent / "demo"), days, seed)
        x_jsonl, feed_files = [files["timeline"]], files["feeds"]
        land_ground_truth(db, files["ground_truth"])
    elif source != "files":
        raise ValueError(f"unknown source {source!r}: use 'simulated' or 'files'")
    posts = collect_posts(db, x_jsonl=x_jsonl, simulated=source == "simulated")
    press = collect_press(db, feed_files=feed_files, simulated=source == "simulated")
    metrics = build_metrics(db, n_boot=n_boot)
    html = render_dashboard(db, dashboard)
    return {"db": db, "dashboard": html, "posts": posts, "press": press, "metrics": metrics}


if __name__ == "__main__":
    audit()
