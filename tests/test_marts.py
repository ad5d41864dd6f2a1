"""The mart declarations (postaudit.marts) are what a build makes: same columns, same kinds of values, none left out."""

from __future__ import annotations

import pytest

from postaudit import marts, registry, warehouse
from postaudit.build_runner import held, run_build
from postaudit.sources import press_rss, twarc_jsonl

# Tables in the warehouse that are not marts: raw payloads and the state that collection and runs keep.
STATE_TABLES = {"runs", "feed_state", "file_fingerprints", "sync_cursors", "rejected_records"}


@pytest.fixture(scope="module")
def built(tmp_path_factory, sim_files):
    con = warehouse.connect(tmp_path_factory.mktemp("marts") / "wh.duckdb")
    twarc_jsonl.land_file(con, sim_files["timeline"], source="simulated", is_simulated=True)
    for path in sim_files["feeds"]:
        warehouse.land_raw(con, "raw_press_items", press_rss.fetch_file(path),
                           warehouse.Provenance("simulated", str(path), None, True))
    run_build(held(con), "marts", {}, n_boot=100)
    yield con
    con.close()


def test_every_mart_has_its_declared_columns_and_kinds(built):
    wrong = {}
    for name, mart in marts.MARTS.items():
        found = {c: marts.kind_of(t) for c, t in built.execute(
            "select column_name, data_type from information_schema.columns where table_name = ? "
            "order by ordinal_position", [name]).fetchall()}
        assert found, f"{name} was not built"
        if found != mart.columns:
            wrong[name] = {"missing": sorted(mart.columns.keys() - found.keys()),
                           "undeclared": sorted(found.keys() - mart.columns.keys()),
                           "kind": {c: (mart.columns[c], k) for c, k in found.items()
                                    if c in mart.columns and mart.columns[c] != k}}
    assert not wrong, f"marts differ from postaudit/marts.py: {wrong}"


def test_no_mart_goes_undeclared(built):
    tables = {r[0] for r in built.execute(
        "select table_name from information_schema.tables where table_schema = 'main' "
        "and table_type = 'BASE TABLE'").fetchall()}
    undeclared = tables - marts.MARTS.keys() - registry.RAW_TABLES.keys() - STATE_TABLES
    assert not undeclared, f"declare these marts in postaudit/marts.py: {sorted(undeclared)}"


def test_declarations_use_known_kinds_and_per_account_marts_have_accounts():
    for mart in marts.MARTS.values():
        assert set(mart.columns.values()) <= set(marts.KINDS), mart.name
        assert not mart.by_account or mart.has("platform", "account_id"), mart.name
