"""Shared task plumbing for the flows: the run id and name, a warehouse connection per task, concurrency limits."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from contextlib import contextmanager, nullcontext
from pathlib import Path

from prefect.runtime import flow_run

from postaudit import warehouse

WAREHOUSE_LIMIT = "postaudit-warehouse"


def start_prefect_services() -> None:
    """Start the Prefect services our flows use (log and event workers, one per concurrency limit) outside any run.

    A service registers its exit-time drain with a copy of the context it starts in, and keeps it until the
    process exits. Started lazily inside a flow or task run, that context holds the run (and through its result
    store, the results Prefect keeps in memory), DuckDB objects included, which then outlive DuckDB's module and
    end the process with "nanobind: leaked ... instances". Started before the run, the context holds nothing.

    Without a configured API (the CLI's demo and run), Prefect's temporary server is started first: exit
    handlers run last-registered first, so the services drain while it still runs; started after them, it stops
    first and a service's drain starts a new one that outlives the process.
    """
    from prefect.concurrency.services import ConcurrencySlotAcquisitionWithLeaseService
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker
    from prefect.settings import PREFECT_API_URL

    from postaudit import registry

    if not PREFECT_API_URL.value():
        from prefect.server.api.server import SubprocessASGIServer

        SubprocessASGIServer().start()  # the one instance the flow's client uses too (a singleton per port)

    APILogWorker.instance()
    EventsWorker.instance()
    for name in {WAREHOUSE_LIMIT, *registry.api_limits().values()}:  # `limited(name)` holds one name at a time
        ConcurrencySlotAcquisitionWithLeaseService.instance(frozenset([name]))


def run_id() -> str:
    """The current Prefect flow run id (a fresh id outside Prefect)."""
    return str(flow_run.get_id() or uuid.uuid4())


def audited(parameters: dict) -> str:
    """Who a run audits, from its parameters: the executive, the audits file's executives, or the demo's."""
    if parameters.get("executive"):
        return parameters["executive"]
    if parameters.get("audits_file"):
        from postaudit import audits

        try:
            ids = [e.id for e in audits.load(parameters["audits_file"]).executives]
        except Exception:  # noqa: BLE001 - a bad file fails the run itself, with its own message; name it by file
            return Path(parameters["audits_file"]).name
        return ", ".join(ids[:3]) + (f" +{len(ids) - 3} more" if len(ids) > 3 else "") if ids else "no executives"
    if parameters.get("simulated") or parameters.get("source") == "simulated":
        return "simulated executive"
    return "files"


def run_name(flow_name: str) -> Callable[[], str]:
    """A flow_run_name for @flow: 'audit: rowan-vale', so the runs list says whom each run audits."""
    def name() -> str:
        from prefect.runtime import flow_run

        return f"{flow_name}: {audited(flow_run.parameters)}"
    return name


def artifact_key(kind: str, parameters: dict) -> str:
    """An artifact key (lower-case letters, digits, dashes) per audit scope, so the UI lists one series per scope."""
    scope = parameters.get("executive") or (Path(parameters["audits_file"]).stem if parameters.get("audits_file")
                                            else "demo" if parameters.get("source") == "simulated" else "files")
    return re.sub(r"[^a-z0-9]+", "-", f"{kind}-{scope}".lower()).strip("-")


@contextmanager
def open_db(db: str):
    """A connection for one task; DuckDB holds one writer per file, so tasks open, work and close."""
    con = warehouse.connect(db)
    try:
        yield con
    finally:
        con.close()


def in_db(db: str, fn, *args):
    """fn(con, *args) on a connection opened and closed for this call alone.

    Use it in code that may raise out of a flow: Prefect's engine keeps a failed flow's exception, and with it
    every frame of its traceback, alive until the process exits; a connection left in such a frame (even
    closed) is then still alive when DuckDB's binding checks for leaks at exit ("nanobind: leaked ...").
    """
    with open_db(db) as con:
        return fn(con, *args)


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
