"""Shared task plumbing for the flows: the run id and a warehouse connection per task."""

from __future__ import annotations

import uuid
from contextlib import contextmanager

from prefect.runtime import flow_run

from postaudit import warehouse


def run_id() -> str:
    """The current Prefect flow run id (a fresh id outside Prefect)."""
    return str(flow_run.get_id() or uuid.uuid4())


@contextmanager
def open_db(db: str):
    """A connection for one task; DuckDB holds one writer per file, so tasks open, work and close."""
    con = warehouse.connect(db)
    try:
        yield con
    finally:
        con.close()
