"""The runs table: one row per flow run with what it did, parameters stripped of secrets."""

from __future__ import annotations

import hashlib
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


# ---------------------------------------------------------------- counts, freshness and build caching

COUNT_KEYS = ("fetched", "new", "updated", "skipped", "failed")


def tally(counts: list[dict]) -> dict:
    """Sum per-job counts into the run's fetched/new/updated/skipped/failed (missing keys count 0)."""
    total = dict.fromkeys(COUNT_KEYS, 0)
    for c in counts:
        for k in COUNT_KEYS:
            if isinstance(c.get(k), int):
                total[k] += c[k]
    return total


def raw_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The raw_* tables that exist in the warehouse."""
    rows = con.execute("SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'raw\\_%' ESCAPE '\\' "
                       "AND table_type = 'BASE TABLE' ORDER BY 1").fetchall()
    return [r[0] for r in rows]


def input_fingerprint(con: duckdb.DuckDBPyConnection, **params) -> dict:
    """What a build reads: row count and newest landed_at per raw table, the SQL files, the tool version, params."""
    from postaudit.warehouse import SQL_DIR, TOOL_VERSION

    raw = {}
    for table in raw_tables(con):
        n, last = con.execute(f"SELECT count(*), max(landed_at) FROM {table}").fetchall()[0]
        raw[table] = [n, last.isoformat() if last else None]
    sql = hashlib.sha256()
    for path in sorted(SQL_DIR.rglob("*.sql")):
        sql.update(path.relative_to(SQL_DIR).as_posix().encode() + b"\0" + path.read_bytes())
    return {"raw": raw, "sql": sql.hexdigest()[:16], "version": TOOL_VERSION,
            "params": json.loads(json.dumps(params, default=str, sort_keys=True))}


def last_build_fingerprint(con: duckdb.DuckDBPyConnection, flow_name: str = "build_metrics") -> dict | None:
    """The inputs the last completed build saw (None if there was none)."""
    ensure_raw(con)
    rows = con.execute("SELECT counts FROM runs WHERE flow_name = ? AND status = 'completed' "
                       "ORDER BY finished_at DESC LIMIT 1", [flow_name]).fetchall()
    if not rows or rows[0][0] is None:
        return None
    return json.loads(rows[0][0]).get("inputs")


def needs_build(con: duckdb.DuckDBPyConnection, fingerprint: dict, marts: tuple[str, ...] = ("posts", "claim_verdicts")
                ) -> bool:
    """True unless the last completed build saw exactly these inputs and its marts are still there."""
    from postaudit.warehouse import table_exists

    if not all(table_exists(con, m) for m in marts):
        return True
    return last_build_fingerprint(con) != fingerprint


def refresh_freshness(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)create the `freshness` view: one row per raw table and source with counts and newest times."""
    parts = [f"SELECT '{t}' AS raw_table, source, bool_or(is_simulated) AS is_simulated, count(*) AS count_records, "
             f"max(retrieved_at) AS last_retrieved_at, max(landed_at) AS last_landed_at FROM {t} GROUP BY source"
             for t in raw_tables(con)]
    body = "\nUNION ALL\n".join(parts) if parts else (
        "SELECT NULL::VARCHAR AS raw_table, NULL::VARCHAR AS source, NULL::BOOLEAN AS is_simulated, "
        "0::BIGINT AS count_records, NULL::TIMESTAMPTZ AS last_retrieved_at, NULL::TIMESTAMPTZ AS last_landed_at "
        "WHERE false")
    con.execute(f"CREATE OR REPLACE VIEW freshness AS\n{body}")
