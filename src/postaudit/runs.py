"""The runs table: one row per flow run with what it did, parameters stripped of secrets."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import duckdb

from postaudit.warehouse import ensure_raw, transaction

_SECRET_KEY = re.compile(r"token|secret|password|bearer|key|credential", re.I)


def redact(params: dict) -> dict:
    """Parameters safe to store: anything whose name looks like a credential is replaced."""
    return {k: ("[redacted]" if _SECRET_KEY.search(k) else v) for k, v in params.items()}


def start_run(con: duckdb.DuckDBPyConnection, run_id: str, flow_name: str, params: dict) -> None:
    """Record that a run started."""
    with transaction(con):
        ensure_raw(con)
        con.execute(
            "INSERT OR REPLACE INTO runs (run_id, flow_name, started_at, status, parameters) VALUES (?, ?, ?, 'running', ?)",
            [run_id, flow_name, datetime.now(UTC), json.dumps(redact(params), default=str)])


def finish_run(con: duckdb.DuckDBPyConnection, run_id: str, status: str, counts: dict | None = None,
               message: str | None = None) -> None:
    """Record how a run ended and what it counted."""
    with transaction(con):
        con.execute("UPDATE runs SET finished_at = ?, status = ?, counts = ?, message = ? WHERE run_id = ?",
                    [datetime.now(UTC), status, json.dumps(counts or {}, default=str), message, run_id])
