"""One build runner for the CLI and the flow; every mart of a build is put in place together or not at all."""

from __future__ import annotations

import json

import pytest

from postaudit import build, warehouse
from postaudit.build_runner import held, run_build
from postaudit.sources import press_rss, twarc_jsonl

# Marts from every part of the build: press, posts metrics, claims and verdicts.
PYTHON_MARTS = ("press_articles", "press_stories", "press_claims", "press_daily", "press_post_daily", "sessions",
                "daily_activity", "timeshare_estimates", "post_reactions", "claims", "claim_verdicts")


def _land(con, sim_files, feeds: int) -> None:
    twarc_jsonl.land_file(con, sim_files["timeline"], source="simulated", is_simulated=True)
    for path in sim_files["feeds"][:feeds]:
        warehouse.land_raw(con, "raw_press_items", press_rss.fetch_file(path),
                           warehouse.Provenance("simulated", str(path), None, True))


def _snapshot(con) -> dict:
    return {t: con.execute(f"select count(*), hash(list(t order by all)::varchar) from {t} t").fetchall()[0]
            for t in PYTHON_MARTS}


def _runs(con) -> list[tuple]:
    return [(s, json.loads(c or "{}").get("skipped"), m) for s, c, m in con.execute(
        "select status, counts, message from runs order by started_at").fetchall()]


def test_runner_skips_unchanged_inputs_and_records_every_build(con, sim_files):
    _land(con, sim_files, feeds=1)
    first = run_build(held(con), "r1", {"via": "test"}, n_boot=100)
    assert not first.skipped and first.counts["sql_relations"] > 0 and first.counts["claim_verdicts"] >= 0
    again = run_build(held(con), "r2", {"via": "test"}, n_boot=100)
    assert again.skipped and again.last_built_at is not None
    assert run_build(held(con), "r3", {"via": "test"}, n_boot=100, force=True).reasons == ["forced"]
    assert [s for s, _, _ in _runs(con)] == ["completed", "skipped", "completed"]


def test_a_failed_build_leaves_every_mart_of_the_last_build(con, sim_files, monkeypatch):
    _land(con, sim_files, feeds=1)
    run_build(held(con), "ok", {}, n_boot=100)
    before = _snapshot(con)
    _land(con, sim_files, feeds=len(sim_files["feeds"]))        # more press: the next build would differ

    def broken(*args, **kwargs):
        raise RuntimeError("verdicts broke")

    monkeypatch.setattr(build, "to_verdicts", broken)           # the last step of the build fails
    with pytest.raises(RuntimeError, match="verdicts broke"):
        run_build(held(con), "bad", {}, n_boot=100)
    assert _snapshot(con) == before                             # press, posts metrics and claims all unchanged
    leftovers = con.execute("select table_name from information_schema.tables where table_name like '\\_building\\_%' "
                            "escape '\\'").fetchall()
    assert leftovers == []
    assert _runs(con)[-1] == ("failed", None, "verdicts broke")
    monkeypatch.undo()
    run_build(held(con), "ok2", {}, n_boot=100)
    after = _snapshot(con)
    assert after["press_articles"][0] > before["press_articles"][0]   # and the next good build moves them all
