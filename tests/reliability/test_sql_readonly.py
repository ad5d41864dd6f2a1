"""`postaudit sql` as an attacker would use it: every statement that would write a file, change a database, reach
the network or read a file outside the warehouse fails with a one-line message, and no file anywhere changes.

Read-only comes from DuckDB's own settings (warehouse.SANDBOX), not from parsing the SQL, so the attacks are
the statements themselves, in the forms DuckDB accepts.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from postaudit import warehouse
from postaudit.cli import app

POSTAUDIT = [sys.executable, "-m", "postaudit.cli"]
runner = CliRunner()

ATTACKS = {
    "copy_to_file": "copy posts to '{tmp}/out.csv'",
    "copy_over_the_warehouse": "copy posts to '{db}' (format csv)",
    "copy_select_to_file": "copy (select * from posts) to '{tmp}/out.parquet' (format parquet)",
    "export_database": "export database '{tmp}/export'",
    "export_over_the_warehouse": "export database '{tmp}'",
    "attach_read_write": "attach '{other}' as o (read_write)",
    "attach_then_delete": "attach '{other}' as o (read_write); delete from o.t",
    "attach_memory_then_copy": "attach ':memory:' as m; copy posts to '{tmp}/m.csv'",
    "install_extension": "install httpfs",
    "load_extension": "load httpfs",
    "force_install": "force install json",
    "several_statements": "select 1; drop table posts",
    "statements_after_a_comment": "select 1 -- ;\n; delete from posts",
    "read_blob_outside": "select * from read_blob('{secret}')",
    "read_text_outside": "select content from read_text('{secret}')",
    "read_csv_passwd": "select * from read_csv('/etc/passwd', sep = ':')",
    "glob_the_disk": "select * from glob('/etc/*')",
    "turn_access_back_on": "set enable_external_access = true",
    "unlock_configuration": "set lock_configuration = false",
    "drop_table": "drop table posts",
    "delete_rows": "delete from posts",
    "insert_rows": "insert into posts select * from posts",
    "create_table": "create table evil as select 1",
}


@pytest.fixture(scope="module")
def world(tmp_path_factory, sim_files) -> dict:
    """A warehouse with posts, another database beside it, and a secret file: everything an attack might touch.

    Shared by the module: every test checks that nothing in it changed.
    """
    from postaudit.sources import twarc_jsonl

    tmp_path = tmp_path_factory.mktemp("sql_world")
    db = tmp_path / "wh.duckdb"
    con = warehouse.connect(db)
    warehouse.land_raw(con, "raw_x_pages", twarc_jsonl.fetch_pages(sim_files["timeline"]),
                       warehouse.Provenance("twarc_jsonl", "t"))
    warehouse.apply_layers(con, ("raw", "staging"))
    con.execute("create table posts as select * from stg_posts")
    con.close()
    other = tmp_path / "other.duckdb"
    o = duckdb.connect(str(other))
    o.execute("create table t as select range as x from range(10)")
    o.close()
    secret = tmp_path / "secret.txt"
    secret.write_text("do not read me")
    return {"tmp": tmp_path, "db": db, "other": other, "secret": secret}


def _files(root: Path) -> dict[str, tuple[str, int]]:
    """Every file under root with its content hash and modification time."""
    return {str(p.relative_to(root)): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
            for p in sorted(root.rglob("*")) if p.is_file()}


def _one_line_error(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), stderr
    assert "Traceback" not in stderr
    return lines[0]


@pytest.mark.parametrize("name", list(ATTACKS))
def test_attack_fails_in_one_line_and_changes_no_file(world, name, tally):
    query = ATTACKS[name].format(**world)
    before = _files(world["tmp"])
    r = runner.invoke(app, ["sql", query, "--db", str(world["db"])])
    assert r.exit_code == 2, r.output
    line = _one_line_error(r.stderr)
    assert _files(world["tmp"]) == before, "a statement through `postaudit sql` changed or created a file"
    con = warehouse.connect(world["db"], read_only=True)
    try:
        assert warehouse.scalar(con, "select count(*) from posts") > 0
    finally:
        con.close()
    if ";" in ATTACKS[name]:
        assert "exactly one SQL statement" in line
    tally.add("sql", "attacks_tried")
    tally.add("sql", "attacks_refused")


def test_long_query_is_stopped_by_the_timeout(world, tally):
    """A careless cross join through the real command: stopped after --timeout, the file then writable at once."""
    started = time.monotonic()
    r = subprocess.run([*POSTAUDIT, "sql", "select count(*) from range(1000000) a, range(1000000) b",
                        "--timeout", "1", "--db", str(world["db"])], capture_output=True, text=True, timeout=60,
                       env={**os.environ, "COLUMNS": "200"})
    took = time.monotonic() - started
    assert r.returncode == 1
    assert "query stopped after 1 s (--timeout)" in _one_line_error(r.stderr)
    assert took < 15, f"the query ran {took:.1f} s past a 1 s timeout"
    con = warehouse.connect(world["db"], wait=0)   # a writer gets the file: the reader has let it go
    con.close()
    tally.add("sql", "timeout_stopped_after_s", round(took))


def test_default_timeout_is_the_writers_lock_wait(world, monkeypatch):
    monkeypatch.setenv("POSTAUDIT_LOCK_WAIT", "0.5")
    r = runner.invoke(app, ["sql", "select count(*) from range(1000000) a, range(1000000) b", "--db",
                            str(world["db"])])
    assert r.exit_code == 1 and "query stopped after 0.5 s" in r.stderr


def test_reads_still_work_and_print_any_type(world):
    """Nested values, BLOBs and markup-like names come out as text, in every format (csv used to fail)."""
    query = """select 1 as "[/x]", [1, 2] as l, {'a': [1]} as s, '[bold]x[/]' as v, 'ab'::blob as b,
               map {'k': 1} as m, count(*) over () as n from posts limit 1"""
    for fmt in ("table", "csv", "json"):
        r = runner.invoke(app, ["sql", query, "--format", fmt, "--db", str(world["db"])])
        assert r.exit_code == 0, r.output
        assert "[/x]" in r.stdout and "[bold]x[/]" in r.stdout
    r = runner.invoke(app, ["sql", query, "--format", "csv", "--db", str(world["db"])])
    assert r.stdout.splitlines()[1].startswith('1,"[1, 2]","{""a"": [1]}",[bold]x[/],ab,')
