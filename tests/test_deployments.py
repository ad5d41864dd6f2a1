"""The README's scheduled runs against a real `prefect server start`: deploy, schedules make runs, a worker runs one.

One server on loopback with its own PREFECT_HOME and port; the commands are the README's. Measured on the 2 shared
cores at load average 7-8: 111-115 s, of which the server's start took 39 s, each Prefect CLI start 6-9 s and
the worker with the audit (56 simulated days) 32 s.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

import duckdb
import httpx
import pytest

REPO = Path(__file__).resolve().parents[1]
PREFECT = str(Path(sys.executable).with_name("prefect"))
DEPLOYMENTS = {  # name → (minute, hours) of its cron in prefect.yaml
    "audit/daily-audit": (0, {6}),
    "collect_posts/hourly-posts": (5, set(range(24))),
    "collect_press/press-every-6h": (20, {0, 6, 12, 18}),
}


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
        yield env | {"_log": str(home / "server.log")}
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


def _run(env, *args, timeout=180) -> str:
    r = subprocess.run([PREFECT, *args], env=env, cwd=REPO, capture_output=True, text=True, timeout=timeout)
    assert r.returncode == 0, f"prefect {' '.join(args)} failed:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
    return r.stdout


def _api(env, path: str, body: dict) -> list[dict]:
    r = httpx.post(f"{env['PREFECT_API_URL']}/{path}", json=body, timeout=10)
    r.raise_for_status()
    return r.json()


def _scheduled(env) -> dict[str, list[datetime]]:
    """Auto-scheduled runs per deployment name: their expected start times."""
    names = _deployment_names(env)
    runs = _api(env, "flow_runs/filter", {"limit": 200, "flow_runs": {"state": {"type": {"any_": ["SCHEDULED"]}}}})
    out: dict[str, list[datetime]] = {}
    for r in runs:
        if r["auto_scheduled"] and r["deployment_id"] in names:
            out.setdefault(names[r["deployment_id"]], []).append(datetime.fromisoformat(r["expected_start_time"]))
    return out


def _deployment_names(env) -> dict[str, str]:
    flows = {f["id"]: f["name"] for f in _api(env, "flows/filter", {"limit": 50})}
    return {d["id"]: f"{flows[d['flow_id']]}/{d['name']}" for d in _api(env, "deployments/filter", {"limit": 50})}


def test_readme_lists_the_commands_this_test_runs():
    readme = (REPO / "README.md").read_text()
    for command in ("export PREFECT_API_URL=http://127.0.0.1:4200/api", "export POSTAUDIT_HOME=$PWD",
                    "prefect server start", "prefect work-pool create postaudit-local --type process",
                    "prefect deploy --all", "prefect worker start --pool postaudit-local",
                    "prefect deployment run audit/daily-audit"):
        assert command in readme, command


@pytest.mark.slow
def test_schedules_make_runs_and_a_worker_completes_the_daily_audit(prefect_server, tmp_path):
    """prefect.yaml's cron schedules produce scheduled runs; a process worker runs the audit on the demo's executive."""
    env = prefect_server
    _run(env, "work-pool", "create", "postaudit-local", "--type", "process")
    out = _run(env, "--no-prompt", "deploy", "--all")
    for name in DEPLOYMENTS:
        assert name in out, out[-2000:]

    # The scheduler service makes each deployment's next runs within seconds of the deploy (with SQLAlchemy
    # 2.1 every scheduler loop failed and none appeared). Prefect's defaults: at least 3 runs per deployment.
    deadline, scheduled = time.monotonic() + 60, {}
    while time.monotonic() < deadline:
        scheduled = _scheduled(env)
        if all(len(scheduled.get(name, [])) >= 3 for name in DEPLOYMENTS):
            break
        time.sleep(1)
    assert {name: len(scheduled.get(name, [])) >= 3 for name in DEPLOYMENTS} == dict.fromkeys(DEPLOYMENTS, True), (
        scheduled, [line for line in Path(env["_log"]).read_text().splitlines() if "Error" in line][-5:])
    for name, (minute, hours) in DEPLOYMENTS.items():
        times = scheduled[name]
        assert all(t.minute == minute and t.second == 0 and t.hour in hours for t in times), (name, times)
        assert min(times) > datetime.now(min(times).tzinfo)

    # Stop the schedules before starting a worker, so it can only pick up the run asked for below (a scheduled
    # run falling due meanwhile would otherwise run the deployment's default audits file).
    for deployment in _api(env, "deployments/filter", {"limit": 50}):
        for schedule in deployment["schedules"]:
            httpx.patch(f"{env['PREFECT_API_URL']}/deployments/{deployment['id']}/schedules/{schedule['id']}",
                        json={"active": False}, timeout=10).raise_for_status()
    deadline = time.monotonic() + 30
    while _scheduled(env) and time.monotonic() < deadline:
        time.sleep(1)
    assert _scheduled(env) == {}

    # The demo's simulated executive from examples/audits.toml, with the warehouse in a temporary folder.
    (tmp_path / "cfg").mkdir()
    shutil.copy(REPO / "examples" / "audits.toml", tmp_path / "cfg" / "audits.toml")
    audits_file = tmp_path / "cfg" / "audits.toml"
    out = _run(env, "deployment", "run", "audit/daily-audit", "--param", f"audits_file={audits_file}",
               "--param", "n_boot=200")
    run_id = re.search(r"UUID: ([0-9a-f-]{36})", out).group(1)
    _run(env, "worker", "start", "--pool", "postaudit-local", "--run-once", timeout=300)

    run = httpx.get(f"{env['PREFECT_API_URL']}/flow_runs/{run_id}", timeout=10).json()
    assert run["state"]["type"] == "COMPLETED", run["state"]
    assert run["name"] == "audit: rowan-vale"
    assert run["parameters"]["x_bearer_token_block"] == "x-bearer-token"  # a block's name, never a token
    artifacts = _api(env, "artifacts/filter", {"artifacts": {"flow_run_id": {"any_": [run_id]}}})
    by_key = {a["key"]: a for a in artifacts}
    assert set(by_key) == {"verdicts-audits", "dashboard-audits"}
    db, html = tmp_path / "data" / "postaudit.duckdb", tmp_path / "data" / "dashboard.html"
    assert by_key["dashboard-audits"]["data"].endswith(f"({html.resolve().as_uri()})") and html.exists()

    con = duckdb.connect(str(db), read_only=True)
    try:
        runs = con.execute("select flow_name, status, counts from runs order by started_at").fetchall()
        verdicts = [r[0] for r in con.execute("select claim_id from claim_verdicts").fetchall()]
        accounts = con.execute("select count(distinct account_id), bool_and(is_simulated) from posts").fetchall()[0]
    finally:
        con.close()
    assert [(f, s) for f, s, _ in runs] == [("audit", "completed"), ("build_metrics", "completed")]
    assert json.loads(runs[0][2])["new"] > 0 and accounts == (1, True)
    table = by_key["verdicts-audits"]["data"]
    assert table.startswith("## Verdicts: rowan-vale\n")
    assert verdicts and all(f"| {claim_id} |" in table for claim_id in verdicts)
    assert Counter(line.startswith("| ") for line in table.splitlines())[True] == len(verdicts) + 1  # + header
