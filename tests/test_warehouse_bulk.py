"""Streaming land_raw (bounded batches in one transaction) and the DuckDB-side JSONL bulk path."""

from __future__ import annotations

import gzip
import json

import pytest

from postaudit import warehouse
from postaudit.sources import twarc_jsonl
from postaudit.sources.errors import InputError
from postaudit.warehouse import Provenance, RawRecord

X_CHECK = ("json_type(payload) = 'OBJECT' and (json_exists(payload, '$.data') or json_exists(payload, '$.meta') "
           "or json_exists(payload, '$.errors'))")


def _records(n: int, start: int = 0) -> list[RawRecord]:
    return [RawRecord(payload=json.dumps({"data": [{"id": str(i)}]})) for i in range(start, start + n)]


def _count(con) -> int:
    return warehouse.scalar(con, "select count(*) from raw_x_pages")


@pytest.mark.parametrize("n", [6, 7, 8, 13])
def test_batch_boundaries_land_every_record_once(con, n):
    # batch_rows=7: n below, at, just above and just under twice the batch size
    added = warehouse.land_raw(con, "raw_x_pages", iter(_records(n)), Provenance("t", "f"), batch_rows=7)
    assert added == n
    assert warehouse.scalar(con, "select count(distinct payload::varchar) from raw_x_pages") == n


def test_byte_limit_flushes_batches_too(con):
    recs = _records(20)
    size = len(recs[0].payload)
    added = warehouse.land_raw(con, "raw_x_pages", iter(recs), Provenance("t", "f"), batch_bytes=3 * size)
    assert added == 20


def test_duplicates_across_batches_land_once_and_first_copy_wins(con):
    first = _records(5)
    again = [RawRecord(r.payload, retrieved_at=warehouse.datetime(2020, 1, 1, tzinfo=warehouse.UTC)) for r in first]
    recs = [*first, *_records(3, start=5), *again]  # the repeats arrive two batches later
    added = warehouse.land_raw(con, "raw_x_pages", iter(recs), Provenance("t", "f"), batch_rows=3)
    assert added == 8
    assert warehouse.scalar(con, "select count(*) from raw_x_pages where year(retrieved_at) = 2020") == 0


def test_bad_record_after_first_batch_lands_nothing(con):
    def records():
        yield from _records(10)
        raise InputError("f.jsonl:11: not valid JSON")

    with pytest.raises(InputError, match="f.jsonl:11"):
        warehouse.land_raw(con, "raw_x_pages", records(), Provenance("t", "f"), batch_rows=3)
    assert _count(con) == 0
    # and a later, good landing still works on the same connection
    assert warehouse.land_raw(con, "raw_x_pages", iter(_records(4)), Provenance("t", "f"), batch_rows=3) == 4


def test_bad_line_in_a_real_file_after_several_batches_lands_nothing(con, sim_files, tmp_path):
    lines = sim_files["timeline"].read_text().splitlines()
    assert len(lines) > 10
    broken = tmp_path / "late.jsonl"
    # a bad line late in the file, after several batches (another line after it: a cut LAST line is skipped)
    broken.write_text("\n".join([*lines[:-1], lines[-1][:40], lines[0]]) + "\n")
    with pytest.raises(InputError, match=rf"late\.jsonl:{len(lines)}: not valid JSON"):
        warehouse.land_raw(con, "raw_x_pages", twarc_jsonl.fetch_pages(broken), Provenance("t", "b"), batch_rows=2)
    assert _count(con) == 0


def _ids(con) -> list[tuple]:
    return con.execute("select record_id, retrieved_at, source, origin, record_key, payload::varchar "
                       "from raw_x_pages order by record_id").fetchall()


def test_bulk_path_lands_exactly_what_land_raw_does(db_path, tmp_path, sim_files):
    prov = Provenance("twarc_jsonl", "some/file.jsonl", flow_run_id="r1")
    path = sim_files["timeline"]
    a = warehouse.connect(tmp_path / "a.duckdb")
    b = warehouse.connect(tmp_path / "b.duckdb")
    try:
        n_py = warehouse.land_raw(a, "raw_x_pages", twarc_jsonl.fetch_pages(path), prov)
        landed = warehouse.land_jsonl(b, "raw_x_pages", path, prov, check_sql=X_CHECK,
                                      retrieved_at_path="$.__twarc.retrieved_at")
        assert n_py == landed.added > 0
        assert landed.lines == len(path.read_text().splitlines())
        assert _ids(a) == _ids(b)
        # landing again through either path adds nothing: the hashes agree
        assert warehouse.land_jsonl(a, "raw_x_pages", path, prov, check_sql=X_CHECK).added == 0
        assert warehouse.land_raw(b, "raw_x_pages", twarc_jsonl.fetch_pages(path), prov) == 0
    finally:
        a.close()
        b.close()


def test_bulk_path_reads_gzip_and_dedups_repeated_lines(con, sim_files, tmp_path):
    lines = sim_files["timeline"].read_text().splitlines()
    gz = tmp_path / "pages.jsonl.gz"
    gz.write_bytes(gzip.compress(("\n".join([*lines, lines[0], ""]) + "\n").encode()))
    landed = warehouse.land_jsonl(con, "raw_x_pages", gz, Provenance("twarc_jsonl", str(gz)), check_sql=X_CHECK)
    assert landed == (len(set(lines)), len(lines) + 1)


@pytest.mark.parametrize("bad", ['{"data": [oops', '["not", "a", "page"]'])
def test_bulk_path_bad_line_falls_back_to_the_parser_error_and_lands_nothing(con, sim_files, tmp_path, bad):
    lines = sim_files["timeline"].read_text().splitlines()
    broken = tmp_path / "broken.jsonl"
    broken.write_text("\n".join([*lines[:5], bad, *lines[5:]]) + "\n")
    with pytest.raises(InputError, match=r"broken\.jsonl:6: "):
        warehouse.land_jsonl(con, "raw_x_pages", broken, Provenance("t", "b"), check_sql=X_CHECK,
                             fallback=lambda: twarc_jsonl.fetch_pages(broken))
    assert _count(con) == 0


def test_bulk_path_without_fallback_says_nothing_landed(con, tmp_path):
    broken = tmp_path / "x.jsonl"
    broken.write_text('{"data": []}\n{"data": [\n')
    with pytest.raises(warehouse.WarehouseError, match="nothing landed"):
        warehouse.land_jsonl(con, "raw_x_pages", broken, Provenance("t", "b"))
    assert _count(con) == 0


def test_shared_staging_views_are_parsed_once_and_marts_are_unchanged(con, sim_files):
    warehouse.land_raw(con, "raw_x_pages", twarc_jsonl.fetch_pages(sim_files["timeline"]), Provenance("t", "f"))
    warehouse.apply_layers(con)
    # posts read through the cached staging table must equal posts computed straight from the views
    direct = (warehouse.SQL_DIR / "marts" / "posts.sql").read_text()
    diff = warehouse.scalar(con, f"select count(*) from ((select * from posts) except all ({direct}))")
    assert warehouse.scalar(con, "select count(*) from posts") > 0
    assert diff == 0
    # the temp tables are gone after the build, and the staging views are views again
    assert warehouse.scalar(con, "select count(*) from duckdb_tables() where temporary") == 0
    assert warehouse.scalar(con, "select count(*) from duckdb_views() where view_name = 'stg_posts'") == 1


def test_two_writers_in_one_transaction_stream_and_roll_back_together(con):
    prov = Provenance("t", "f")
    with warehouse.transaction(con):
        pages = warehouse.RawWriter(con, "raw_x_pages", prov, batch_rows=2)
        other = warehouse.RawWriter(con, "raw_press_items", prov, batch_rows=2)
        for rec in _records(5):
            pages.add(rec)
            other.add(rec)
            pages.add(rec)  # a repeat inside the same batch
        assert (pages.close(), other.close()) == (5, 5)
    with pytest.raises(InputError), warehouse.transaction(con):
        w = warehouse.RawWriter(con, "raw_x_pages", prov, batch_rows=2)
        for rec in _records(6, start=100):
            w.add(rec)
        raise InputError("late bad line")
    assert _count(con) == 5


# ---- large files land in parts (chunk_bytes made tiny so the simulated timeline splits into several)

def _scratch_leftovers(tmp_path) -> list:
    return [p for p in tmp_path.iterdir() if p.name.startswith("postaudit-part-")]


@pytest.mark.parametrize("gzipped", [False, True])
def test_large_file_lands_in_parts_with_the_same_records(sim_files, tmp_path, gzipped):
    path = sim_files["timeline"]
    if gzipped:
        path = tmp_path / "timeline.jsonl.gz"
        path.write_bytes(gzip.compress(sim_files["timeline"].read_bytes()))
    prov = Provenance("twarc_jsonl", str(path))
    whole = warehouse.connect(tmp_path / "whole.duckdb")
    parts = warehouse.connect(tmp_path / "parts.duckdb")
    said: list[str] = []
    try:
        n_whole = warehouse.land_jsonl(whole, "raw_x_pages", path, prov, check_sql=X_CHECK)
        n_parts = warehouse.land_jsonl(parts, "raw_x_pages", path, prov, check_sql=X_CHECK, chunk_bytes=20_000,
                                       progress=said.append)
        assert n_parts == n_whole and n_whole.added > 0 and n_whole.lines >= n_whole.added
        assert len(said) >= 3, said  # it really went in several parts
        assert _ids(whole) == _ids(parts)
        assert warehouse.land_jsonl(parts, "raw_x_pages", path, prov, check_sql=X_CHECK, chunk_bytes=20_000) == (
            0, n_whole.lines)
    finally:
        whole.close()
        parts.close()
    assert _scratch_leftovers(tmp_path) == []


def test_large_file_with_a_bad_line_near_its_end_lands_no_part(con, sim_files, tmp_path):
    lines = sim_files["timeline"].read_text().splitlines()
    broken = tmp_path / "broken.jsonl"
    broken.write_text("\n".join([*lines, '{"data": [oops', lines[0]]) + "\n")   # not the last line: refused
    with pytest.raises(InputError, match=rf"broken\.jsonl:{len(lines) + 1}: "):
        warehouse.land_jsonl(con, "raw_x_pages", broken, Provenance("t", "b"), check_sql=X_CHECK, chunk_bytes=20_000,
                             fallback=lambda: twarc_jsonl.fetch_pages(broken))
    assert _count(con) == 0


def test_large_file_cut_short_is_completed_by_landing_it_again(sim_files, tmp_path):
    path = sim_files["timeline"]
    prov = Provenance("twarc_jsonl", str(path))

    def stop_after_two(msg: str) -> None:
        if msg.endswith("part 2 landed"):
            raise KeyboardInterrupt  # as a user's Ctrl-C between parts

    con = warehouse.connect(tmp_path / "w.duckdb")
    ref = warehouse.connect(tmp_path / "ref.duckdb")
    try:
        with pytest.raises(KeyboardInterrupt):
            warehouse.land_jsonl(con, "raw_x_pages", path, prov, check_sql=X_CHECK, chunk_bytes=20_000,
                                 progress=stop_after_two)
        landed = _count(con)
        warehouse.land_jsonl(ref, "raw_x_pages", path, prov, check_sql=X_CHECK)
        assert 0 < landed < _count(ref)  # whole parts stayed, the rest did not
        warehouse.land_jsonl(con, "raw_x_pages", path, prov, check_sql=X_CHECK, chunk_bytes=20_000)
        assert _ids(con) == _ids(ref)  # completed, nothing doubled
    finally:
        con.close()
        ref.close()
    assert _scratch_leftovers(tmp_path) == []
