"""Collection flows: a failed fetch does not lose the others, limits are used when they exist, builds are cached."""

from __future__ import annotations

import json
import os
import time

import duckdb
import pytest

from postaudit import registry
from postaudit.registry import Source, SourceUnavailable


def _runs(db) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return [(f, s, json.loads(c or "{}"), m) for f, s, c, m in
                con.execute("select flow_name, status, counts, message from runs order by started_at").fetchall()]
    finally:
        con.close()


def test_a_failed_fetch_fails_the_run_after_loading_the_rest(prefect_harness, sim_files, tmp_path):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate

    from postaudit.flows.collect_posts import collect_posts

    with get_client(sync_client=True) as client:  # the loader holds this limit when it exists
        client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name="postaudit-warehouse", limit=1))
    db = tmp_path / "wh.duckdb"
    missing = tmp_path / "missing.jsonl"
    with pytest.raises(RuntimeError, match=r"1 of 2 fetches failed .*missing.jsonl: no such file"):
        collect_posts(str(db), x_jsonl=[str(sim_files["timeline"]), str(missing)], simulated=True)
    [(flow, status, counts, message)] = _runs(db)
    assert (flow, status, counts["failed"]) == ("collect_posts", "failed", 1)
    assert counts["new"] == counts["fetched"] > 0 and "missing.jsonl" in message
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("select count(*) from raw_x_pages").fetchall()[0][0] == counts["new"]
    assert {r[0] for r in con.execute("select source from freshness").fetchall()} == {"simulated"}
    con.close()
    assert not list((tmp_path / "landing").glob("*/*.jsonl"))  # every batch was loaded and moved


def test_build_is_skipped_until_an_input_changes(prefect_harness, sim_files, tmp_path):
    from postaudit.flows.build_metrics import build_metrics
    from postaudit.flows.collect_press import collect_press

    db = str(tmp_path / "wh.duckdb")
    collect_press(db, feed_files=[str(p) for p in sim_files["feeds"][:2]], simulated=True)
    first = build_metrics(db, n_boot=100)
    assert not first.get("skipped")
    skipped = build_metrics(db, n_boot=100)
    con = duckdb.connect(db, read_only=True)
    [(built_at,)] = con.execute("select finished_at from runs where status = 'completed' and flow_name = "
                                "'build_metrics'").fetchall()
    con.close()
    assert skipped == {"skipped": True, "last_built_at": built_at.isoformat()}
    assert not build_metrics(db, n_boot=100, force=True).get("skipped")
    collect_press(db, feed_files=[str(p) for p in sim_files["feeds"]], simulated=True)  # more feeds: new rows
    assert not build_metrics(db, n_boot=100).get("skipped")
    statuses = [(f, s) for f, s, _, _ in _runs(db) if f == "build_metrics"]
    assert statuses == [("build_metrics", s) for s in ("completed", "skipped", "completed", "completed")]


def test_missing_source_modules_say_not_available_yet(monkeypatch):
    nowhere = Source("nowhere", "posts", "x", "api", (), "postaudit collect nowhere", "postaudit.cli",
                     entry="postaudit.sources.nowhere:collect_x")
    monkeypatch.setitem(registry.SOURCES, "nowhere", nowhere)
    with pytest.raises(SourceUnavailable, match="'nowhere' is not available yet: postaudit.sources.nowhere:collect_x"):
        registry.get("nowhere").entry_point()
    with pytest.raises(SourceUnavailable, match="unknown source 'myspace'"):
        registry.get("myspace")


def test_connection_sources_go_through_a_private_db_and_the_landing_area(prefect_harness, tmp_path):
    """import_telegram writes through a connection: it gets a private DuckDB, the loader gets its rows."""
    from postaudit.flows.collect_posts import collect_posts

    export = {"name": "Jane's channel", "type": "public_channel", "id": 1234, "messages": [
        {"id": i, "type": "message", "date": f"2025-09-0{i}T10:00:00", "date_unixtime": str(1756720800 + i * 86400),
         "from": "Jane", "from_id": "channel1234", "text": f"post {i}"} for i in range(1, 4)]}
    (tmp_path / "result.json").write_text(json.dumps(export))
    # written a minute ago: a file younger than landing.SETTLE_S would be read again by the second run
    old = time.time() - 60
    os.utime(tmp_path / "result.json", (old, old))
    (tmp_path / "audits.toml").write_text(
        '[settings]\ndb = "wh.duckdb"\n[[executive]]\nid = "jane"\nname = "Jane Doe"\n'
        '[executive.accounts]\ntelegram = ["result.json"]\n')
    first = collect_posts(audits_file=str(tmp_path / "audits.toml"))
    again = collect_posts(audits_file=str(tmp_path / "audits.toml"))
    # three messages and the chat's listing (its name, for group_messages)
    assert (first["jobs"], first["fetched"], first["new"], first["failed"]) == (1, 4, 4, 0)
    # the file is unchanged since it was read: not read again, nothing new
    assert (again["new"], again["skipped"]) == (0, 0)
    con = duckdb.connect(str(tmp_path / "wh.duckdb"), read_only=True)
    assert con.execute("select count(*), min(source) from raw_telegram_messages").fetchall()[0] == (3, "telegram_export")
    assert con.execute("select payload ->> 'name' from raw_chat_listings").fetchall() == [("Jane's channel",)]
    con.close()
