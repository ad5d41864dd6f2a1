"""Shared fixtures: one Prefect test harness per session, small simulated inputs, temporary warehouses."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest

# Prefect's analytics write to its sqlite file while the temporary server does, and lose the lock race.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
# Tests never touch the user's ~/.prefect (profiles, result storage, the temporary server's database): a Prefect
# home of the session's own, set before anything imports Prefect. Subprocess tests pass their own.
PREFECT_HOME = tempfile.mkdtemp(prefix="postaudit-test-prefect-")
os.environ["PREFECT_HOME"] = PREFECT_HOME
os.environ.pop("PREFECT_PROFILES_PATH", None)
atexit.register(shutil.rmtree, PREFECT_HOME, ignore_errors=True)


@pytest.fixture(scope="session")
def prefect_harness():
    """One temporary Prefect server for the whole session (each start costs ~7 s)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=60):
        _start_prefect_services()
        yield


def _start_prefect_services() -> None:
    """Start Prefect's services here, outside any run (flows/_common.py says why)."""
    from postaudit.flows._common import start_prefect_services

    start_prefect_services()


@pytest.fixture(scope="session")
def sim_files(tmp_path_factory) -> dict:
    """A small simulated executive written as wire-format files (X API v2 JSONL, RSS, ground truth)."""
    from postaudit.sources import simulated

    world = simulated.simulate(seed=3, days=21)
    return simulated.write_files(world, tmp_path_factory.mktemp("sim"))


@pytest.fixture()
def db_path(tmp_path) -> Path:
    """A path for a fresh warehouse file."""
    return tmp_path / "wh.duckdb"


@pytest.fixture()
def con(db_path):
    """A connection to a fresh warehouse file with the raw tables created."""
    from postaudit import warehouse

    c = warehouse.connect(db_path)
    warehouse.ensure_raw(c)
    yield c
    c.close()
