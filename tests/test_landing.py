"""The landing area: atomic immutable batches, one idempotent loader, quarantine of bad batches."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import duckdb
import pytest

from postaudit import landing, warehouse
from postaudit.sources.errors import InputError
from postaudit.warehouse import Provenance, RawRecord


def _records(n: int, start: int = 0) -> list[RawRecord]:
    return [RawRecord(payload=json.dumps({"data": [{"id": str(i)}], "meta": {}}), key=f"k{i}") for i in range(start, start + n)]


def _count(con, table="raw_x_pages") -> int:
    return warehouse.scalar(con, f"select count(*) from {table}")


def test_write_batch_is_atomic_and_loads_once(con, tmp_path):
    land = tmp_path / "landing"
    prov = Provenance("twarc_jsonl", "file.jsonl", flow_run_id="r1")
    path = landing.write_batch(_records(5), land, "twarc_jsonl", table="raw_x_pages", prov=prov, batch_id="r1-a")
    assert path == land / "twarc_jsonl" / "r1-a.jsonl"
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".")]  # no temp file left behind
    counts = landing.load_batches(con, land)
    assert (counts["batches"], counts["fetched"], counts["new"], counts["failed"]) == (1, 5, 5, 0)
    assert counts["tables"] == {"raw_x_pages": 5}
    assert _count(con) == 5
    assert not path.exists() and (land / "_loaded" / "twarc_jsonl" / "r1-a.jsonl").exists()
    assert landing.load_batches(con, land)["batches"] == 0  # nothing pending any more


def test_record_ids_match_land_raw(con, tmp_path):
    """A record landed directly and through the landing area is the same row: no double counting."""
    prov = Provenance("twarc_jsonl", "f", flow_run_id="r")
    warehouse.land_raw(con, "raw_x_pages", _records(3), prov)
    landing.write_batch(_records(4), tmp_path, "twarc_jsonl", table="raw_x_pages", prov=prov)
    counts = landing.load_batches(con, tmp_path)
    assert (counts["fetched"], counts["new"], counts["skipped"]) == (4, 1, 3)
    assert _count(con) == 4


def test_reloading_after_a_crash_loses_nothing_and_doubles_nothing(con, tmp_path):
    prov = Provenance("simulated", "sim", is_simulated=True)
    first = landing.write_batch(_records(4), tmp_path, "simulated", table="raw_x_pages", prov=prov, batch_id="b1")
    landing.write_batch(_records(3, start=10), tmp_path, "simulated", table="raw_x_pages", prov=prov, batch_id="b2")
    # A loader that committed b1 and died before moving it: b1 is still pending.
    landing.load_batch(con, first)
    assert _count(con) == 4
    counts = landing.load_batches(con, tmp_path)
    assert (counts["batches"], counts["new"], counts["skipped"]) == (2, 3, 4)
    assert _count(con) == 7
    assert warehouse.scalar(con, "select bool_and(is_simulated) from raw_x_pages") is True


def test_a_batch_lands_all_or_nothing_and_bad_batches_are_quarantined(con, tmp_path):
    prov = Provenance("twarc_jsonl", "f")
    good = landing.write_batch(_records(2), tmp_path, "twarc_jsonl", table="raw_x_pages", prov=prov, batch_id="good")
    bad = tmp_path / "twarc_jsonl" / "bad.jsonl"
    lines = good.read_text().splitlines()
    fresh = landing.batch_rows("raw_x_pages", _records(1, start=50), prov)[0]
    bad.write_text(json.dumps(fresh) + "\n" + lines[1][:40] + "\n")  # a new, valid first line; then a cut one
    unknown = tmp_path / "twarc_jsonl" / "unknown.jsonl"
    row = json.loads(lines[0])
    unknown.write_text(json.dumps({**row, "table": "raw_nonexistent", "record_id": "zz"}) + "\n")
    counts = landing.load_batches(con, tmp_path)
    assert counts["batches"] == 1 and counts["failed"] == 2
    assert any("bad.jsonl:2" in e and "not valid JSON" in e for e in counts["errors"])
    assert any("unknown.jsonl" in e and "raw_nonexistent" in e for e in counts["errors"])
    assert _count(con) == 2  # the good batch only; nothing from the bad one (its first line was fine)
    assert (tmp_path / "_failed" / "twarc_jsonl" / "bad.error.txt").read_text().startswith(str(bad))


def test_temp_files_are_not_loaded(con, tmp_path):
    folder = tmp_path / "x_api"
    folder.mkdir()
    (folder / ".half-written.tmp").write_text('{"table": "raw_x_pages"')
    assert landing.pending_batches(tmp_path) == []
    assert landing.load_batches(con, tmp_path)["batches"] == 0


def test_parallel_writers_then_one_loader(con, tmp_path):
    prov = Provenance("twarc_jsonl", "f")

    def write(i: int):
        return landing.write_batch(_records(10, start=i * 5), tmp_path, "twarc_jsonl", table="raw_x_pages", prov=prov)

    with ThreadPoolExecutor(8) as pool:
        paths = list(pool.map(write, range(16)))
    assert len(set(paths)) == 16
    counts = landing.load_batches(con, tmp_path)
    assert counts["fetched"] == 160 and counts["new"] == 16 * 5 + 5  # overlapping ids land once
    assert _count(con) == counts["new"]


def test_export_new_raw_from_a_fetcher_database(tmp_path, con):
    scratch = duckdb.connect(str(tmp_path / "state.duckdb"))
    scratch.execute("SET TimeZone = 'UTC'")
    prov = Provenance("bluesky", "https://example.invalid/feed", flow_run_id="r1")
    warehouse.land_raw(scratch, "raw_x_pages", _records(3), prov)
    path, n = landing.export_new_raw(scratch, tmp_path / "landing", "bluesky", batch_id="e1")
    assert n == 3 and path.exists()
    assert landing.export_new_raw(scratch, tmp_path / "landing", "bluesky")[1] == 0  # exported once
    warehouse.land_raw(scratch, "raw_x_pages", _records(2, start=3), prov)
    assert landing.export_new_raw(scratch, tmp_path / "landing", "bluesky", batch_id="e2")[1] == 2
    scratch.close()
    counts = landing.load_batches(con, tmp_path / "landing")
    assert counts["new"] == 5
    origin, flow_run = con.execute("select distinct origin, flow_run_id from raw_x_pages").fetchall()[0]
    assert (origin, flow_run) == ("https://example.invalid/feed", "r1")  # provenance carried through


def test_bad_source_or_table_names_are_refused(tmp_path):
    prov = Provenance("x", "f")
    with pytest.raises(ValueError):
        landing.write_batch(_records(1), tmp_path, "../escape", table="raw_x_pages", prov=prov)
    with pytest.raises(ValueError):
        landing.write_batch(_records(1), tmp_path, "ok", table="posts", prov=prov)


def test_a_batch_loads_in_chunks_and_still_all_or_nothing(con, tmp_path):
    prov = Provenance("twarc_jsonl", "f")
    path = landing.write_batch(_records(5), tmp_path, "twarc_jsonl", table="raw_x_pages", prov=prov, batch_id="c")
    warehouse.land_raw(con, "raw_x_pages", _records(1, start=3), prov)  # one row of the batch is already there
    assert landing.load_batch(con, path, chunk_rows=2) == {"rows": 5, "new": 4, "tables": {"raw_x_pages": 4}}
    # Two full chunks go in before the cut last line: all of it rolls back.
    more = landing.write_batch(_records(5, start=10), tmp_path, "twarc_jsonl", table="raw_x_pages", prov=prov)
    more.write_text(more.read_text() + '{"table": "raw_x_pages", "record_id"\n')
    with pytest.raises(InputError, match=r":6: not valid JSON"):
        landing.load_batch(con, more, chunk_rows=2)
    assert _count(con) == 5


def test_write_stream_counts_rows_and_writes_nothing_for_none(tmp_path):
    prov = Provenance("twarc_jsonl", "f")
    path, n = landing.write_stream(landing.iter_batch_rows("raw_x_pages", _records(3) + _records(2), prov),
                                   tmp_path, "twarc_jsonl", batch_id="s")
    assert (path, n) == (tmp_path / "twarc_jsonl" / "s.jsonl", 3)  # the repeated records once
    assert len(path.read_text().splitlines()) == 3
    assert landing.write_stream(iter([]), tmp_path, "twarc_jsonl", batch_id="empty") == (None, 0)
    assert sorted(p.name for p in (tmp_path / "twarc_jsonl").iterdir()) == ["s.jsonl"]


def test_a_read_that_rejected_every_record_still_lands_its_rejects(con, tmp_path):
    """No row left to land is no reason to lose why: an empty batch carries the rejects to rejected_records."""
    reject = {"source": "twarc_jsonl", "file": "/data/cut.jsonl", "line": 1, "record_id": None, "field": "line",
              "value": '{"data": {"id', "reason": "cut short", "rejected_at": "2026-01-01T00:00:00+00:00"}
    path, n = landing.write_stream(iter([]), tmp_path, "twarc_jsonl", batch_id="all-bad", rejected=lambda: [reject])
    assert (path, n) == (tmp_path / "twarc_jsonl" / "all-bad.jsonl", 0)
    counts = landing.load_batches(con, tmp_path)
    assert (counts["batches"], counts["fetched"], counts["failed"]) == (1, 0, 0)
    assert con.execute("select source, file, line, reason from rejected_records").fetchall() == [
        ("twarc_jsonl", "/data/cut.jsonl", 1, "cut short")]
    assert not list(tmp_path.glob("twarc_jsonl/*")), "the empty batch and its rejects moved to _loaded"


def test_a_fetcher_whose_records_were_all_rejected_exports_the_rejects_once(tmp_path, con):
    """A stateful fetcher's rejects reach the warehouse with no row beside them, and are not sent again."""
    scratch = landing.open_scratch(tmp_path / "state.duckdb")
    scratch.execute("INSERT INTO rejected_records (source, file, line, field, value, reason, rejected_at) VALUES "
                    "('bluesky', 'https://example.invalid/feed', 3, 'createdAt', 'soon', 'not a time', now())")
    path, n = landing.export_new_raw(scratch, tmp_path / "landing", "bluesky", batch_id="r1")
    assert n == 0 and path is not None and path.exists()
    assert landing.export_new_raw(scratch, tmp_path / "landing", "bluesky", batch_id="r2") == (None, 0)
    scratch.close()
    assert landing.load_batches(con, tmp_path / "landing")["batches"] == 1
    assert con.execute("select source, line, field, reason from rejected_records").fetchall() == [
        ("bluesky", 3, "createdAt", "not a time")]
