"""A canary bearer token through the CLI and a Prefect flow run: it reaches the fake X API and nowhere else.

Searched: log records (caplog), captured stdout/stderr, Prefect flow-run parameters, task-run inputs and the logs
stored on the Prefect server, the warehouse file, the landing area, the per-account state databases and the
rendered dashboard: every file under the run's folder.
"""

from __future__ import annotations

import functools
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fakes.x_api import HANDLE, FakeX, make_posts, make_user
from typer.testing import CliRunner

from postaudit import warehouse
from postaudit.build import build_metrics, build_sql
from postaudit.cli import app
from postaudit.dashboards.report import render
from postaudit.sources import x_api

CANARY = "canary-7Hq2-x-bearer-d41d8cd98f00b204e980"


def _files_with(root: Path, secret: str) -> list[str]:
    hits = []
    for f in root.rglob("*"):
        if f.is_file() and secret.encode() in f.read_bytes():
            hits.append(str(f))
    return hits


def _checkpoint(db: Path) -> None:
    con = warehouse.connect(db)
    con.execute("CHECKPOINT")
    con.close()


def _fake(monkeypatch, fake: FakeX) -> None:
    """Route the real client to the fake, and make retry waits instant (the waits are tested elsewhere)."""
    real = x_api.make_client
    monkeypatch.setattr(x_api, "make_client", lambda token, **kw: fake.mount(real(token, **kw)))
    monkeypatch.setattr(x_api, "RetryPolicy", functools.partial(x_api.RetryPolicy, sleep=lambda s: None))


def test_canary_token_via_cli_leaks_nowhere(tmp_path, monkeypatch, caplog, capfd, tally):
    caplog.set_level(logging.DEBUG)
    db = tmp_path / "wh.duckdb"
    with FakeX(token=CANARY) as fake:
        _fake(monkeypatch, fake)
        monkeypatch.setenv("X_BEARER_TOKEN", CANARY)
        fake.fault("503", "timeline")
        fake.fault("429", "timeline", reset=None)
        ok = CliRunner().invoke(app, ["collect", "x", "--handle", HANDLE, "--db", str(db)])
        fake.token = "rotated"                                    # the error path must not print it either
        bad = CliRunner().invoke(app, ["collect", "x", "--handle", HANDLE, "--db", str(db)])
        sent = sum(r["authorization"] == f"Bearer {CANARY}" for r in fake.requests)
    assert ok.exit_code == 0, ok.output
    assert bad.exit_code == 1 and "401" in bad.output
    assert sent > 0                                               # it really was used
    monkeypatch.chdir(tmp_path)
    build_con = warehouse.connect(db)
    build_sql(build_con)
    build_metrics(build_con, n_boot=100)
    render(build_con, tmp_path / "dashboard.html")
    build_con.close()
    _checkpoint(db)
    out, err = capfd.readouterr()
    places = {"cli output": ok.output + bad.output, "logs": caplog.text, "stdout/stderr": out + err}
    leaks = [name for name, text in places.items() if CANARY in text] + _files_with(tmp_path, CANARY)
    tally.add("secrets", "places_searched", len(places) + sum(1 for f in tmp_path.rglob("*") if f.is_file()))
    tally.add("secrets", "requests_carrying_canary", sent)
    tally.add("secrets", "leaks", len(leaks))
    assert leaks == []


def test_canary_token_via_prefect_flow_leaks_nowhere(prefect_harness, tmp_path, monkeypatch, caplog, capfd, tally):
    from prefect.blocks.system import Secret
    from prefect.client.orchestration import get_client

    from postaudit.flows.collect_posts import collect_posts

    caplog.set_level(logging.DEBUG)
    Secret(value=CANARY).save("canary-x-token", overwrite=True)
    monkeypatch.delenv("X_BEARER_TOKEN", raising=False)
    start = datetime.now(UTC) - timedelta(days=10)
    posts = make_posts(120, start=start, step=timedelta(hours=1))
    (tmp_path / "audits.toml").write_text(
        '[settings]\ndb = "wh.duckdb"\n[[executive]]\nid = "ceo"\nname = "The Executive"\n'
        f'[executive.accounts]\nx = ["@{HANDLE}"]\n')
    with FakeX(posts=posts, users={HANDLE: make_user(tweet_count=120)}, token=CANARY) as fake:
        _fake(monkeypatch, fake)
        fake.fault("503", "timeline")
        result = collect_posts(audits_file=str(tmp_path / "audits.toml"), x_bearer_token_block="canary-x-token")
        sent = sum(r["authorization"] == f"Bearer {CANARY}" for r in fake.requests)
    assert result["failed"] == 0 and result["new"] > 0, result
    assert sent > 0
    _checkpoint(tmp_path / "wh.duckdb")
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs()
        task_runs = client.read_task_runs()
        logs = client.read_logs()
    server_text = " ".join([str(r.parameters) + str(r.state) for r in runs]
                           + [str(t.task_inputs) + str(t.state) + str(t.name) for t in task_runs]
                           + [log.message for log in logs])
    assert any("canary-x-token" in str(r.parameters) for r in runs)   # the block's NAME is the parameter
    out, err = capfd.readouterr()
    places = {"prefect runs, task runs, logs": server_text, "logs": caplog.text, "stdout/stderr": out + err,
              "flow result": str(result)}
    leaks = [name for name, text in places.items() if CANARY in text] + _files_with(tmp_path, CANARY)
    tally.add("secrets", "places_searched", len(places) + sum(1 for f in tmp_path.rglob("*") if f.is_file()))
    tally.add("secrets", "prefect_runs_searched", len(runs) + len(task_runs))
    tally.add("secrets", "requests_carrying_canary", sent)
    tally.add("secrets", "leaks", len(leaks))
    assert leaks == []
