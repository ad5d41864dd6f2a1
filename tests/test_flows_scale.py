"""Simulated executives audited on a dask.distributed cluster started as a real one is: same results as sequentially.

A `dask scheduler` and two `dask worker` processes run on loopback, each started as its own process, as on
a cluster. The fetch tasks are shipped to the worker processes, which report to the same Prefect server;
fetchers still never touch the warehouse: they write landing batches and one loader task merges them.
The `workers` count shows the fetches really ran on both dask workers.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from postaudit import audits

DASK = str(Path(sys.executable).with_name("dask"))
EXECUTIVES = 20

COMPARED = {
    "posts": "platform, post_id",
    "accounts": "platform, account_id",
    "sessions": "account_id, started_at",
    "timeshare_estimates": "platform, account_id, assumption_set",
    "claims": "claim_id",
    "raw_x_pages": "record_id",
}
# raw_press_items is compared by count only: an RSS item's payload names the feed file it was read from,
# and the two runs read their simulated feeds from different folders.
# Provenance that legitimately differs between two runs: when, which run, and the per-run file paths.
VOLATILE = {"landed_at", "flow_run_id", "origin", "observed_at_run"}


def _rows(db, table: str, order: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        cols = [r[0] for r in con.execute(f"describe {table}").fetchall() if r[0] not in VOLATILE]
        order = order if all(c.strip() in cols for c in order.split(",")) else ", ".join(cols[:3])
        rows = con.execute(f"select {', '.join(cols)} from {table} order by {order}").fetchall()
    finally:
        con.close()
    return [tuple(_num(v) for v in row) for row in rows]


def _num(v):
    # Sums over all accounts depend on row order in the last bits (float addition is not associative),
    # and rows arrive in a different order from parallel fetchers: compare floats to 12 significant digits.
    return float(f"{v:.12g}") if isinstance(v, float) else v


def _verdicts(db) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute("""select claim_id, verdict, account_id, estimate, estimate_low, estimate_high
                              from claim_verdicts order by claim_id""").fetchall()
    finally:
        con.close()
    assert rows  # (7 days of posts each: the time claims are "not testable (too few days)", the same in both)
    return [tuple(map(_num, r)) for r in rows]


@pytest.fixture()
def dask_cluster(tmp_path):
    """`dask scheduler` and two `dask worker` processes on loopback; yields the scheduler's address."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    logs, procs = [], []
    commands = [[DASK, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"]] + [
        [DASK, "worker", address, "--host", "127.0.0.1", "--nthreads", "2", "--nworkers", "1", "--name", f"w{i}",
         "--no-dashboard", "--local-directory", str(tmp_path / f"w{i}")] for i in (1, 2)]
    try:
        for i, command in enumerate(commands):
            logs.append(open(tmp_path / f"dask-{i}.log", "w"))  # noqa: SIM115 - closed below
            procs.append(subprocess.Popen(command, stdout=logs[-1], stderr=subprocess.STDOUT, env=os.environ.copy()))
            if i == 0:
                time.sleep(1)
        from distributed import Client

        with Client(address, timeout=60) as client:
            client.wait_for_workers(2, timeout=120)
            assert len(set(client.run(os.getpid).values()) - {os.getpid()}) == 2  # two processes, neither this one
        yield address
    finally:
        for proc in reversed(procs):
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        for log in logs:
            log.close()


@pytest.mark.slow
def test_executives_on_a_dask_cluster_equal_the_sequential_run(prefect_harness, dask_cluster, tmp_path):
    from prefect.task_runners import ThreadPoolTaskRunner

    from postaudit.flows.audit import audit, dask_runner

    results = {}
    for name, runner in (("sequential", ThreadPoolTaskRunner(max_workers=1)),
                         ("dask", dask_runner(address=dask_cluster))):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "audits.toml").write_text(audits.simulated_audits_toml(EXECUTIVES, days=7))
        results[name] = audit.with_options(task_runner=runner)(audits_file=str(folder / "audits.toml"), n_boot=100)
    seq, dsk = results["sequential"], results["dask"]
    assert len(seq["executives"]) == len(dsk["executives"]) == EXECUTIVES
    for r in (seq, dsk):
        assert r["collected"]["jobs"] == 2 * EXECUTIVES and r["collected"]["failed"] == 0
        assert r["collected"]["new"] == r["collected"]["fetched"] > 0
    assert len(seq["collected"]["workers"]) == 1
    assert len(dsk["collected"]["workers"]) == 2 and all(w.startswith("dask:tcp://127.0.0.1:")
                                                         for w in dsk["collected"]["workers"])

    for table, order in COMPARED.items():
        a, b = _rows(seq["db"], table, order), _rows(dsk["db"], table, order)
        assert a, table
        assert a == b, f"{table} differs between the sequential and the dask run"
    # each claim is judged against its speaker's own account, so the verdicts must agree row for row
    assert _verdicts(seq["db"]) == _verdicts(dsk["db"])
    assert seq["collected"]["tables"] == dsk["collected"]["tables"]
    con = duckdb.connect(seq["db"], read_only=True)
    assert con.execute("select count(distinct account_id) from posts").fetchall()[0][0] == EXECUTIVES
    assert con.execute("select bool_and(is_simulated) from posts").fetchall()[0][0] is True
    con.close()
