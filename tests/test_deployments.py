"""prefect.yaml against a real local Prefect server: deploy --all, then one run through a process worker."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import httpx
import pytest

REPO = Path(__file__).resolve().parents[1]
PREFECT = str(Path(sys.executable).with_name("prefect"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def prefect_server(tmp_path_factory):
    """A real `prefect server start` on loopback with its own home, stopped after the module."""
    home = tmp_path_factory.mktemp("prefect_home")
    port = _free_port()
    env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "POSTAUDIT_HOME": str(REPO)}
    env.pop("PREFECT_TEST_MODE", None)
    log = open(home / "server.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen([PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                            env=env, stdout=log, stderr=subprocess.STDOUT, cwd=REPO)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None, (home / "server.log").read_text()[-3000:]
            time.sleep(0.5)
        else:
            pytest.fail("prefect server did not become healthy in 90 s")
        yield env
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


def _run(env, *args, timeout=180):
    r = subprocess.run([PREFECT, *args], env=env, cwd=REPO, capture_output=True, text=True, timeout=timeout)
    assert r.returncode == 0, f"prefect {' '.join(args)} failed:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
    return r.stdout


def _flow_runs(env) -> list[dict]:
    api = env["PREFECT_API_URL"]
    return httpx.post(f"{api}/flow_runs/filter", json={"limit": 100}, timeout=10).json()


@pytest.mark.slow
def test_deploy_all_and_run_each_deployment_through_a_worker(prefect_server, tmp_path):
    """Each deployment runs once through a process worker on a small SIMULATED audits file (no network)."""
    from postaudit import audits

    env = prefect_server
    _run(env, "work-pool", "create", "postaudit-local", "--type", "process")
    out = _run(env, "--no-prompt", "deploy", "--all")
    for name in ("audit/daily-audit", "collect_posts/hourly-posts", "collect_press/press-every-6h"):
        assert name in out, out[-2000:]

    audits_file = tmp_path / "audits.toml"
    audits_file.write_text(audits.simulated_audits_toml(2, days=7, db="wh/deployed.duckdb"))
    db, html = tmp_path / "wh" / "deployed.duckdb", tmp_path / "wh" / "dashboard.html"
    # One run at a time: each worker start picks up the one scheduled run and exits (--run-once).
    for deployment, extra in (("collect_posts/hourly-posts", ()), ("collect_press/press-every-6h", ()),
                              ("audit/daily-audit", ("--param", "n_boot=100"))):
        out = _run(env, "deployment", "run", deployment, "--param", f"audits_file={audits_file}", *extra)
        assert "Created flow run" in out
        _run(env, "worker", "start", "--pool", "postaudit-local", "--run-once", timeout=300)
        parents = [r for r in _flow_runs(env) if r["deployment_id"]]
        latest = max(parents, key=lambda r: r["created"])
        assert latest["state"]["type"] == "COMPLETED", (deployment, latest["state"])
        assert latest["parameters"].get("x_bearer_token_block") in (None, "x-bearer-token")

    assert len([r for r in _flow_runs(env) if r["deployment_id"]]) == 3
    assert db.exists() and html.exists()
    con = duckdb.connect(str(db), read_only=True)
    runs = con.execute("select flow_name, status, counts from runs order by started_at").fetchall()
    posts = con.execute("select count(distinct account_id), bool_and(is_simulated) from posts").fetchall()[0]
    con.close()
    assert [(f, s) for f, s, _ in runs] == [("collect_posts", "completed"), ("collect_press", "completed"),
                                            ("audit", "completed"), ("build_metrics", "completed")]
    counts = [json.loads(c) for _, _, c in runs]
    assert counts[0]["new"] > 0 and counts[1]["new"] > 0
    assert counts[2]["new"] == 0 and counts[2]["skipped"] == counts[0]["new"] + counts[1]["new"]  # incremental
    assert posts == (2, True)
