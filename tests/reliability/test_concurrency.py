"""Two processes on one warehouse file: writers wait or fail saying why; readers and the dashboard keep working.

DuckDB lets one process open a file read-write, or several open it read-only, never both at once (checked here,
not assumed). warehouse.connect retries a locked file for $POSTAUDIT_LOCK_WAIT seconds (default 10), then fails
with a message naming the lock; the CLI prints it without a traceback and exits non-zero.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from postaudit import warehouse

POSTAUDIT = [sys.executable, "-m", "postaudit.cli"]

_HOLD = textwrap.dedent("""
    import sys, time
    from postaudit import warehouse
    con = warehouse.connect({db!r}, read_only={ro})
    con.execute("select count(*) from information_schema.tables").fetchall()
    print("holding", flush=True)
    time.sleep({seconds})
    con.close()
""")


def _env(wait: float) -> dict:
    return {**os.environ, "POSTAUDIT_LOCK_WAIT": str(wait)}


def _hold(db: Path, seconds: float, read_only: bool = False) -> subprocess.Popen:
    """Another process holding the file (a long audit, or a reader), until it has the lock."""
    proc = subprocess.Popen([sys.executable, "-c", _HOLD.format(db=str(db), ro=read_only, seconds=seconds)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(0))
    assert proc.stdout.readline().strip() == "holding", proc.stderr.read()
    return proc


def _cli(args: list[str], wait: float, timeout: float = 60) -> tuple[subprocess.CompletedProcess, float]:
    t = time.monotonic()
    r = subprocess.run([*POSTAUDIT, *args], capture_output=True, text=True, timeout=timeout, env=_env(wait))
    return r, time.monotonic() - t


@pytest.fixture(scope="module")
def built_db(tmp_path_factory, sim_files) -> Path:
    """A warehouse with the simulated executive imported and built (posts, marts) for readers to read."""
    db = tmp_path_factory.mktemp("conc") / "wh.duckdb"
    r, _ = _cli(["import", "x-jsonl", str(sim_files["timeline"]), "--db", str(db)], 0)
    assert r.returncode == 0, r.stderr
    r, _ = _cli(["build", "--db", str(db), "--n-boot", "100"], 0)
    assert r.returncode == 0, r.stderr
    return db


def _posts(db: Path) -> int:
    con = warehouse.connect(db, read_only=True, wait=5)
    try:
        return warehouse.scalar(con, "select count(*) from posts")
    finally:
        con.close()


def _clean_failure(r: subprocess.CompletedProcess, what: str) -> None:
    out = " ".join((r.stdout + r.stderr).split())
    assert r.returncode != 0
    assert "Traceback" not in out, out
    assert "another process has it open" in out and "POSTAUDIT_LOCK_WAIT" in out, out
    assert what in out


@pytest.mark.parametrize("command", ["import", "build", "sql", "dashboard"])
def test_without_waiting_a_locked_file_fails_clearly(built_db, tally, command):
    args = {"import": ["import", "rss", "/nonexistent.xml"], "build": ["build", "--n-boot", "100"],
            "sql": ["sql", "select count(*) from posts"], "dashboard": ["dashboard"]}[command]
    holder = _hold(built_db, 30)
    try:
        r, took = _cli([*args, "--db", str(built_db)], wait=0)
    finally:
        holder.kill()
        holder.wait()
    _clean_failure(r, "read" if command in ("sql", "dashboard") else "write to")
    tally.add("concurrency", f"refused_clearly.{command}")
    assert _posts(built_db) > 0          # the holder's lock did not hurt the file


def test_a_second_writer_waits_for_the_first_then_both_land(tmp_path, sim_files, tally):
    db = tmp_path / "wh.duckdb"
    holder = _hold(db, 2.0)             # a first writer (an import or an audit) still busy for 2 s
    try:
        r, took = _cli(["import", "x-jsonl", str(sim_files["timeline"]), "--db", str(db)], wait=20)
    finally:
        holder.wait(30)
    assert r.returncode == 0, r.stderr
    assert took >= 1.0                  # it waited for the lock rather than failing
    tally.add("concurrency", "writer_waited_then_landed")
    tally.note("concurrency", f"second writer waited {took:.1f} s for a writer holding the file 2 s, then landed")
    con = warehouse.connect(db, read_only=True, wait=5)
    try:
        assert warehouse.scalar(con, "select count(*) - count(distinct record_id) from raw_x_pages") == 0
        assert warehouse.scalar(con, "select count(*) from raw_x_pages") > 0
    finally:
        con.close()


def test_two_imports_at_once_both_land_nothing_doubled(tmp_path, sim_files, tally):
    db = tmp_path / "wh.duckdb"
    env = _env(30)
    procs = [subprocess.Popen([*POSTAUDIT, "import", kind, str(path), "--db", str(db)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=env)
             for kind, path in [("x-jsonl", sim_files["timeline"]), ("rss", sim_files["feeds"][0]),
                                ("x-jsonl", sim_files["timeline"])]]
    results = [(p.wait(60), p.stderr.read()) for p in procs]
    assert [code for code, _ in results] == [0, 0, 0], results
    tally.add("concurrency", "simultaneous_writers_ok", len(procs))
    con = warehouse.connect(db, read_only=True, wait=5)
    try:
        for t in ("raw_x_pages", "raw_press_items"):
            assert warehouse.scalar(con, f"select count(*) - count(distinct record_id) from {t}") == 0
            assert warehouse.scalar(con, f"select count(*) from {t}") > 0
        # the same file imported twice at once landed once
        pages = sum(1 for line in Path(sim_files["timeline"]).read_text().splitlines() if line.strip())
        assert warehouse.scalar(con, "select count(*) from raw_x_pages") == pages
    finally:
        con.close()


def test_readers_share_the_file_and_wait_out_a_writer(built_db, tmp_path, tally):
    expected = _posts(built_db)
    # several readers at once, no writer: all read
    procs = [subprocess.Popen([*POSTAUDIT, "sql", "select count(*) as n from posts", "--format", "csv", "--db",
                               str(built_db)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env=_env(0)) for _ in range(3)]
    reader_holder = _hold(built_db, 1.0, read_only=True)
    outs = [(p.wait(60), p.stdout.read()) for p in procs]
    assert all(code == 0 and out.split() == ["n", str(expected)] for code, out in outs), outs
    reader_holder.wait(30)
    tally.add("concurrency", "parallel_readers_ok", len(procs) + 1)
    # a reader while a writer holds the file: DuckDB refuses it; with the wait it reads once the writer is done
    holder = _hold(built_db, 2.0)
    try:
        r, took = _cli(["sql", "select count(*) as n from posts", "--format", "csv", "--db", str(built_db)], wait=20)
        d, _ = _cli(["dashboard", "--db", str(built_db), "--out", str(tmp_path / "d.html")], wait=20)
    finally:
        holder.wait(30)
    assert r.returncode == 0 and r.stdout.split() == ["n", str(expected)], r.stderr
    assert took >= 1.0
    assert d.returncode == 0 and (tmp_path / "d.html").stat().st_size > 100_000, d.stderr
    tally.add("concurrency", "reader_waited_for_writer")
    tally.note("concurrency", f"`postaudit sql` waited {took:.1f} s for a writer holding the file 2 s, then read")
    # and a writer while a reader holds it: the reader's lock blocks the writer too; it waits
    reader = _hold(built_db, 1.5, read_only=True)
    try:
        w, took = _cli(["import", "rss", "/nonexistent.xml", "--db", str(built_db)], wait=20)
    finally:
        reader.wait(30)
    assert took >= 0.5 and "nothing from this file was landed" in " ".join(w.stderr.split())
    tally.add("concurrency", "writer_waited_for_reader")


def test_lock_wait_setting_is_checked(monkeypatch, tmp_path):
    monkeypatch.setenv("POSTAUDIT_LOCK_WAIT", "soon")
    with pytest.raises(warehouse.WarehouseError, match="POSTAUDIT_LOCK_WAIT='soon'"):
        warehouse.connect(tmp_path / "x.duckdb")
    monkeypatch.setenv("POSTAUDIT_LOCK_WAIT", "2.5")
    assert warehouse.lock_wait() == 2.5


def test_a_file_that_is_not_a_warehouse_is_not_blamed_on_a_lock(tmp_path):
    bogus = tmp_path / "notes.duckdb"
    bogus.write_text("these are my notes, not a database\n" * 100)
    with pytest.raises(warehouse.WarehouseError) as err:
        warehouse.connect(bogus, wait=0)
    assert "another process" not in str(err.value) and str(bogus) in str(err.value)
