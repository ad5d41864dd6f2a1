"""`postaudit export` writes whole files in three formats and never the warehouse; `rewrite-warehouse` makes old files readable."""

from __future__ import annotations

import csv
import json

import duckdb
import polars as pl
import pytest
from typer.testing import CliRunner

from postaudit import warehouse
from postaudit.cli import app

runner = CliRunner()
TEXT = 'a "quoted", comma\nand a second line'


@pytest.fixture()
def wh(db_path):
    """A warehouse with nested, text, time and numeric columns, as the marts have."""
    con = warehouse.connect(db_path)
    con.execute(f"""CREATE TABLE things AS SELECT * FROM (VALUES
        (1, '{TEXT.replace("'", "''")}', ['x', 'y'], {{'n': 2, 'tag': 'b'}}, TIMESTAMPTZ '2025-03-03 07:42:00+00', 0.25),
        (2, NULL, [], NULL, NULL, NULL)) t(id, text, sources, detail, created_at, share)""")
    con.execute("CREATE VIEW big_things AS SELECT * FROM things WHERE id > 1")
    con.close()
    return db_path


def _export(db, *args):
    return runner.invoke(app, ["export", *args, "--db", str(db)])


def test_csv_writes_nested_columns_as_json_text(wh, tmp_path):
    out = tmp_path / "out" / "things.csv"
    r = _export(wh, "things", "--out", str(out))
    assert r.exit_code == 0, r.output
    assert "Wrote 2 rows" in r.output
    with open(out, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [row["id"] for row in rows] == ["1", "2"]
    assert rows[0]["text"] == TEXT
    assert json.loads(rows[0]["sources"]) == ["x", "y"] and json.loads(rows[1]["sources"]) == []
    assert json.loads(rows[0]["detail"]) == {"n": 2, "tag": "b"} and rows[1]["detail"] == ""
    assert rows[0]["created_at"].startswith("2025-03-03 07:42:00")  # UTC, as in the warehouse


def test_parquet_and_json_keep_nested_values(wh, tmp_path):
    r = _export(wh, "things", "--out", str(tmp_path / "t.parquet"))
    assert r.exit_code == 0, r.output
    frame = pl.read_parquet(tmp_path / "t.parquet")
    assert frame["sources"].to_list() == [["x", "y"], []]
    assert frame["detail"].to_list()[0] == {"n": 2, "tag": "b"}
    r = _export(wh, "select id, sources from things where share is null", "--out", str(tmp_path / "t.data"),
                "--format", "json")
    assert r.exit_code == 0, r.output
    assert json.loads((tmp_path / "t.data").read_text()) == [{"id": 2, "sources": []}]


def test_views_and_queries_export_too(wh, tmp_path):
    assert _export(wh, "big_things", "--out", str(tmp_path / "v.csv")).exit_code == 0
    assert (tmp_path / "v.csv").read_text().count("\n") == 2  # header and one row
    r = _export(wh, "select count(*) as n from things;", "--out", str(tmp_path / "n.csv"))
    assert r.exit_code == 0, r.output
    assert (tmp_path / "n.csv").read_text().split() == ["n", "2"]


def test_refuses_to_overwrite_the_warehouse(wh):
    before = wh.read_bytes()
    for target in (wh, wh.with_name(wh.name + ".wal")):
        r = _export(wh, "things", "--out", str(target), "--format", "csv")
        assert r.exit_code == 2 and "refusing to overwrite" in r.output
    assert wh.read_bytes() == before


def test_a_failed_export_leaves_the_old_file_and_no_temporary(wh, tmp_path):
    out = tmp_path / "keep.csv"
    out.write_text("old contents\n")
    # passes DuckDB's checks, fails while rows are written
    r = _export(wh, "select id, error('boom at row ' || id) as e from things", "--out", str(out))
    assert r.exit_code == 2 and "boom" in r.output and "nothing was written" in r.output
    assert out.read_text() == "old contents\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.csv", "wh.duckdb"]


@pytest.mark.parametrize(("what", "message"), [
    ("no_such_relation", "no relation 'no_such_relation'"),
    ("selec 1", "syntax error"),
    ("select 1; select 2", "one SELECT query"),
    ("drop table things", "one SELECT query"),
])
def test_bad_input_is_one_clear_line_and_writes_nothing(wh, tmp_path, what, message):
    r = _export(wh, what, "--out", str(tmp_path / "x.csv"))
    assert r.exit_code == 2 and message in r.output, r.output
    assert not (tmp_path / "x.csv").exists()


def test_format_comes_from_the_suffix_or_is_asked_for(wh, tmp_path):
    r = _export(wh, "things", "--out", str(tmp_path / "x.txt"))
    assert r.exit_code == 2 and "--format must be csv, parquet or json" in r.output


def test_new_warehouses_open_in_duckdb_1_4_and_old_ones_can_be_rewritten(tmp_path):
    new = tmp_path / "new.duckdb"
    warehouse.connect(new).close()
    con = warehouse.connect(new, read_only=True)
    assert warehouse.storage_version(con) == "v1.4.0+"
    con.close()

    old = tmp_path / "old.duckdb"  # as postaudit wrote it before: DuckDB 2.0's default format
    con = duckdb.connect(str(old))
    con.execute("CREATE TABLE t AS SELECT range AS i, [range, range + 1] AS l FROM range(1000)")
    con.execute("CREATE VIEW v AS SELECT sum(i) AS total FROM t")
    con.close()
    r = runner.invoke(app, ["rewrite-warehouse", "--db", str(old)])
    assert r.exit_code == 0, r.output
    assert "old.duckdb.bak" in r.output
    con = warehouse.connect(old, read_only=True)
    assert warehouse.storage_version(con) == "v1.4.0+"
    assert con.execute("SELECT total FROM v").fetchall() == [(499500,)]
    assert con.execute("SELECT l FROM t WHERE i = 7").fetchall() == [([7, 8],)]
    con.close()
    backup = duckdb.connect(str(old) + ".bak", read_only=True)
    assert not warehouse.is_compatible(warehouse.storage_version(backup))
    backup.close()
    r = runner.invoke(app, ["rewrite-warehouse", "--db", str(old)])
    assert r.exit_code == 0 and "nothing to do" in r.output
