"""The runs table: one row per flow run with what it did, parameters stripped of secrets."""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from postaudit.warehouse import (
    ensure_raw,
    hold_lock,
    lock_is_held,
    release_lock,
    scratch_dir,
    sweep_parts,
    transaction,
)

_SECRET_KEY = re.compile(r"token|secret|password|bearer|key|credential", re.I)


def redact(params: dict) -> dict:
    """Parameters safe to store: anything whose name looks like a credential is replaced."""
    return {k: ("[redacted]" if _SECRET_KEY.search(k) else v) for k, v in params.items()}


def start_run(con: duckdb.DuckDBPyConnection, run_id: str, flow_name: str, params: dict) -> None:
    """Record that a run started, after cleaning up what killed runs left behind (clean_interrupted).

    The process holds a lock for the run until finish_run: that is how a later run tells it from a dead one.
    """
    ensure_raw(con)
    clean_interrupted(con)
    lock = _run_lock(con, run_id)
    if run_id not in _HELD:
        with contextlib.suppress(BlockingIOError):  # held already: the same run going on in another process
            _HELD[run_id] = (hold_lock(lock), lock)
    with transaction(con):
        con.execute(
            "INSERT OR REPLACE INTO runs (run_id, flow_name, started_at, status, parameters) VALUES (?, ?, ?, 'running', ?)",
            [run_id, flow_name, datetime.now(UTC), json.dumps(redact(params), default=str)])


def finish_run(con: duckdb.DuckDBPyConnection, run_id: str, status: str, counts: dict | None = None,
               message: str | None = None) -> None:
    """Record how a run ended and what it counted."""
    with transaction(con):
        con.execute("UPDATE runs SET finished_at = ?, status = ?, counts = ?, message = ? WHERE run_id = ?",
                    [datetime.now(UTC), status, json.dumps(counts or {}, default=str), message, run_id])
    if run_id in _HELD:
        release_lock(*_HELD.pop(run_id))


# ---------------------------------------------------------------- what a killed run leaves behind

_HELD: dict[str, tuple[int, Path]] = {}   # run_id -> (descriptor, lock file) of the runs this process is doing
INTERRUPTED = ("interrupted: the process running it ended before it finished (killed, crashed or shut down); "
               "marked by the next run")


def _run_lock(con: duckdb.DuckDBPyConnection, run_id: str) -> Path:
    return scratch_dir(con) / f".postaudit-run-{hashlib.sha256(run_id.encode()).hexdigest()[:16]}.lock"


def clean_interrupted(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Mark runs whose process is gone `interrupted`, drop half-built marts and parts folders no one is using.

    A run is alive while some process holds its lock (the kernel lets go of it when the process dies, kill -9
    included); a `running` row whose lock is free is a run that will never finish. The `_building_*` tables
    (build.MartWriter) are dropped when no build is alive; parts of large files being landed
    (warehouse.land_jsonl) when no process holds them. Returns what it cleaned.
    """
    ensure_raw(con)
    now = datetime.now(UTC)
    running = con.execute("SELECT run_id, flow_name FROM runs WHERE status = 'running'").fetchall()
    dead = [(rid, flow) for rid, flow in running if rid not in _HELD and not lock_is_held(_run_lock(con, rid))]
    with transaction(con):
        for rid, _flow in dead:
            con.execute("UPDATE runs SET status = 'interrupted', finished_at = ?, message = ? WHERE run_id = ? "
                        "AND status = 'running'", [now, INTERRUPTED, rid])
    for rid, _flow in dead:
        _run_lock(con, rid).unlink(missing_ok=True)
    builds_alive = any(flow == "build_metrics" for rid, flow in running if (rid, flow) not in dead)
    half_built = [] if builds_alive else [t for (t,) in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE starts_with(table_name, '_building_') "
        "AND table_schema = 'main'").fetchall()]
    for table in half_built:
        con.execute(f'DROP TABLE IF EXISTS main."{table}"')
    parts = sweep_parts(scratch_dir(con))
    return {"interrupted_runs": len(dead), "half_built_marts": len(half_built), "parts_folders": len(parts)}


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
    """What a build reads: row count and newest landed_at per raw table, the SQL (files and what the registry
    derives), the tool version, params."""
    from postaudit.rejects import MACROS
    from postaudit.warehouse import LAYERS, TOOL_VERSION, layer_relations

    raw = {}
    for table in raw_tables(con):
        n, last = con.execute(f"SELECT count(*), max(landed_at) FROM {table}").fetchall()[0]
        raw[table] = [n, last.isoformat() if last else None]
    sql = hashlib.sha256(MACROS.encode())    # how staging reads values is part of its SQL
    for layer in LAYERS:
        for name, text in layer_relations(layer):
            sql.update(f"{layer}/{name}".encode() + b"\0" + text.encode() + b"\0")
    return {"raw": raw, "sql": sql.hexdigest()[:16], "version": TOOL_VERSION,
            "params": json.loads(json.dumps(params, default=str, sort_keys=True))}


DEFAULT_CLAIMS_FILE = "claims.toml"  # looked for beside the warehouse file when no claims file is given


def claims_path(con: duckdb.DuckDBPyConnection, claims_file: str | Path | None = None) -> Path | None:
    """The claims file a build reads: the one given, else claims.toml beside the warehouse file, if any.

    Here rather than in postaudit.build, which uses it too, so that deciding to skip a build does not import
    the metrics stack (~0.5 s of scipy and datasketch).
    """
    if claims_file:
        return Path(claims_file)
    rows = con.execute("select path from duckdb_databases() where database_name = current_database()").fetchall()
    if not rows or not rows[0][0]:
        return None
    path = Path(rows[0][0]).parent / DEFAULT_CLAIMS_FILE
    return path if path.is_file() else None


def build_inputs(con: duckdb.DuckDBPyConnection, n_boot: int, claims_file: str | Path | None = None,
                 timezone: str | None = None) -> dict:
    """The fingerprint builds are cached on: input_fingerprint with n_boot, the claims file the build reads and a
    stated time zone (only when one is stated, so earlier builds' fingerprints still match)."""
    path = claims_path(con, claims_file)
    claims = None
    if path is not None and path.is_file():
        claims = {"path": str(path.resolve()), "sha256": hashlib.sha256(path.read_bytes()).hexdigest()[:16]}
    return input_fingerprint(con, n_boot=n_boot, claims=claims, **({"timezone": timezone} if timezone else {}))


def last_build(con: duckdb.DuckDBPyConnection, flow_name: str = "build_metrics") -> tuple[dict | None, datetime | None]:
    """The inputs the last completed build saw and when it finished ((None, None) if there was none)."""
    ensure_raw(con)
    rows = con.execute("SELECT counts, finished_at FROM runs WHERE flow_name = ? AND status = 'completed' "
                       "ORDER BY finished_at DESC LIMIT 1", [flow_name]).fetchall()
    if not rows or rows[0][0] is None:
        return None, None
    return json.loads(rows[0][0]).get("inputs"), rows[0][1]


def last_build_fingerprint(con: duckdb.DuckDBPyConnection, flow_name: str = "build_metrics") -> dict | None:
    """The inputs the last completed build saw (None if there was none)."""
    return last_build(con, flow_name)[0]


BUILD_MARTS = ("posts", "claim_verdicts")


def build_reasons(con: duckdb.DuckDBPyConnection, fingerprint: dict, marts: tuple[str, ...] = BUILD_MARTS
                  ) -> list[str]:
    """Why a build is needed, in words; empty when the last completed build saw exactly these inputs."""
    from postaudit.warehouse import table_exists

    missing = [m for m in marts if not table_exists(con, m)]
    if missing:
        return [f"mart {', '.join(missing)} missing"]
    old = last_build_fingerprint(con)
    if old is None:
        return ["no completed build recorded"]
    reasons = []
    old_raw, new_raw = old.get("raw", {}), fingerprint.get("raw", {})
    for table in sorted(set(old_raw) | set(new_raw)):
        before, after = old_raw.get(table), new_raw.get(table)
        if before is None or after is None:
            reasons.append(f"{table} {'added' if before is None else 'gone'}")
        elif before != after:
            reasons.append(f"{table} {before[0]:,} → {after[0]:,} rows" if before[0] != after[0]
                           else f"{table} re-landed (newest landed_at {after[1]})")
    if old.get("sql") != fingerprint.get("sql"):
        reasons.append("sql/ files changed")
    if old.get("version") != fingerprint.get("version"):
        reasons.append(f"tool version {old.get('version')} → {fingerprint.get('version')}")
    old_p, new_p = old.get("params", {}), fingerprint.get("params", {})
    reasons += [f"{k} changed" for k in sorted(set(old_p) | set(new_p)) if old_p.get(k) != new_p.get(k)]
    return reasons or (["inputs changed"] if old != fingerprint else [])


def _dashboard_code() -> Path:
    """Where the dashboard's modules are (postaudit.dashboards, installed or in a checkout); nothing is imported."""
    spec = importlib.util.find_spec("postaudit.dashboards")
    return Path(spec.origin).parent


DASHBOARD_CODE = _dashboard_code()


def dashboard_is_current(path: str | Path, built_at: datetime | None) -> bool:
    """True when the dashboard file is newer than the last completed build and than the code that renders it."""
    path = Path(path)
    if built_at is None or not path.is_file():
        return False
    rendered = path.stat().st_mtime_ns
    code = max((p.stat().st_mtime_ns for p in DASHBOARD_CODE.rglob("*.py")), default=0)
    return rendered > int(built_at.timestamp() * 1e9) and rendered > code


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
