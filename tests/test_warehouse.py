"""Landing is idempotent and atomic; layers apply in dependency order."""

from __future__ import annotations

import pytest

from postaudit import warehouse
from postaudit.sources import twarc_jsonl
from postaudit.sources.errors import InputError


def test_landing_twice_adds_nothing(con, sim_files):
    prov = warehouse.Provenance("twarc_jsonl", str(sim_files["timeline"]))
    first = warehouse.land_raw(con, "raw_x_pages", twarc_jsonl.fetch_pages(sim_files["timeline"]), prov)
    second = warehouse.land_raw(con, "raw_x_pages", twarc_jsonl.fetch_pages(sim_files["timeline"]), prov)
    assert first == len(sim_files["timeline"].read_text().splitlines())
    assert second == 0


def test_bad_line_lands_nothing_and_names_the_line(con, sim_files, tmp_path):
    lines = sim_files["timeline"].read_text().splitlines()
    broken = tmp_path / "broken.jsonl"
    broken.write_text("\n".join([*lines[:3], lines[3][: len(lines[3]) // 2], *lines[4:]]) + "\n")
    with pytest.raises(InputError, match=r"broken\.jsonl:4: not valid JSON"):
        warehouse.land_raw(con, "raw_x_pages", twarc_jsonl.fetch_pages(broken), warehouse.Provenance("t", "b"))
    assert warehouse.scalar(con, "select count(*) from raw_x_pages") == 0


def test_provenance_is_kept(con, sim_files):
    prov = warehouse.Provenance("twarc_jsonl", "some/file.jsonl", flow_run_id="run-1")
    warehouse.land_raw(con, "raw_x_pages", twarc_jsonl.fetch_pages(sim_files["timeline"]), prov)
    row = con.execute("select distinct source, origin, flow_run_id, tool_version from raw_x_pages").fetchall()
    assert row == [("twarc_jsonl", "some/file.jsonl", "run-1", warehouse.TOOL_VERSION)]
    # twarc's own retrieved_at is kept per page, not the landing time
    assert warehouse.scalar(con, "select count(distinct retrieved_at) from raw_x_pages") > 1


def test_apply_layers_orders_marts_by_dependency(con, sim_files):
    names = [p.stem for p in warehouse.layer_files("marts")]
    assert names.index("posts") < names.index("accounts")
    built = warehouse.apply_layers(con)
    assert "marts.posts" in built and "staging.stg_x_posts" in built


def test_failed_transaction_leaves_warehouse_unchanged(con, sim_files):
    prov = warehouse.Provenance("twarc_jsonl", "f")
    warehouse.land_raw(con, "raw_x_pages", twarc_jsonl.fetch_pages(sim_files["timeline"]), prov)
    before = warehouse.scalar(con, "select count(*) from raw_x_pages")
    with pytest.raises(RuntimeError), warehouse.transaction(con):
        con.execute("delete from raw_x_pages")
        raise RuntimeError("boom")
    assert warehouse.scalar(con, "select count(*) from raw_x_pages") == before


def test_posts_keep_best_known_fields_across_observations(con, sim_files):
    warehouse.land_raw(con, "raw_x_pages", twarc_jsonl.fetch_pages(sim_files["timeline"]),
                       warehouse.Provenance("twarc_jsonl", "f"))
    warehouse.apply_layers(con)
    # the refresh page two days later carries the larger counts; posts must show the newest
    stale = warehouse.scalar(con, """
        select count(*) from posts p join post_metric_snapshots s using (platform, post_id)
        where s.observed_at = p.metrics_observed_at and s.impression_count <> p.impression_count""")
    assert stale == 0
    grew = warehouse.scalar(con, """
        select count(*) from (select post_id, max(impression_count) - min(impression_count) as d
                              from post_metric_snapshots group by post_id) where d > 0""")
    assert grew > 0


def _memory_limit(con) -> str:
    return warehouse.scalar(con, "select current_setting('memory_limit')")


def test_duckdb_memory_is_capped_by_default_and_configurable(tmp_path, monkeypatch):
    monkeypatch.delenv("POSTAUDIT_DUCKDB_MEMORY_LIMIT", raising=False)
    con = warehouse.connect(tmp_path / "a.duckdb")
    assert _memory_limit(con) == "3.7 GiB"  # DuckDB prints 4GB (10^9 bytes) in GiB
    con.close()
    monkeypatch.setenv("POSTAUDIT_DUCKDB_MEMORY_LIMIT", "800MB")
    con = warehouse.connect(tmp_path / "a.duckdb")
    assert _memory_limit(con) == "762.9 MiB"
    con.close()


def test_bad_memory_limit_is_refused_with_its_name(tmp_path, monkeypatch):
    monkeypatch.setenv("POSTAUDIT_DUCKDB_MEMORY_LIMIT", "lots")
    with pytest.raises(warehouse.WarehouseError, match="POSTAUDIT_DUCKDB_MEMORY_LIMIT='lots'"):
        warehouse.connect(tmp_path / "a.duckdb")
