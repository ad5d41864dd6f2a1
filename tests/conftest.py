"""Shared fixtures: one Prefect test harness per session, small simulated inputs, temporary warehouses."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Prefect's analytics write to its sqlite file while the temporary server does, and lose the lock race.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


@pytest.fixture(scope="session")
def prefect_harness():
    """One temporary Prefect server for the whole session (each start costs ~7 s)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=60):
        yield


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
