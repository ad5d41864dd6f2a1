"""Shared task plumbing for the flows: the run id, a warehouse connection per task, global concurrency limits."""

from __future__ import annotations

import uuid
from contextlib import contextmanager, nullcontext

from prefect.runtime import flow_run

from postaudit import warehouse

WAREHOUSE_LIMIT = "postaudit-warehouse"


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


def existing_limits(names: set[str]) -> set[str]:
    """Those of the named global concurrency limits that exist on the Prefect server (none without a server)."""
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    found = set()
    try:
        with get_client(sync_client=True) as client:
            for name in sorted(names):
                try:
                    client.read_global_concurrency_limit_by_name(name)
                    found.add(name)
                except ObjectNotFound:
                    pass
    except Exception:  # noqa: BLE001 - no reachable API: run unlimited rather than not at all
        return set()
    return found


def limited(name: str | None):
    """Hold one slot of a global concurrency limit, or nothing when the limit is not defined (name None)."""
    if name is None:
        return nullcontext()
    from prefect.concurrency.sync import concurrency

    return concurrency(name, occupy=1, strict=False)
