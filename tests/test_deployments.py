"""prefect.yaml against a real local Prefect server: deploy --all, then one run through a process worker."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

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


@pytest.mark.slow
def test_deploy_all_and_run_audit_through_a_worker(prefect_server, tmp_path):
    env = prefect_server
    _run(env, "work-pool", "create", "postaudit-local", "--type", "process")
    out = _run(env, "--no-prompt", "deploy", "--all")
    assert "audit/daily-audit" in out

    db = tmp_path / "deployed.duckdb"
    html = tmp_path / "deployed.html"
    out = _run(env, "deployment", "run", "audit/daily-audit", "--param", f"db={db}", "--param", f"dashboard={html}",
               "--param", "days=7", "--param", "n_boot=100")
    assert "Created flow run" in out
    _run(env, "worker", "start", "--pool", "postaudit-local", "--run-once", timeout=300)

    api = env["PREFECT_API_URL"]
    runs = httpx.post(f"{api}/flow_runs/filter", json={"limit": 50}, timeout=10).json()
    parent = [r for r in runs if r["deployment_id"]]
    assert len(parent) == 1
    assert parent[0]["state"]["type"] == "COMPLETED", parent[0]["state"]
    assert db.exists() and html.exists()
