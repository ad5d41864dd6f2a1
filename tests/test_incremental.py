"""Incremental runs: unchanged files are not read again, unchanged inputs are not built again, nor the dashboard.

The input files are the small SIMULATED executive's (tests/conftest.py `sim_files`), copied per test so a
test can rewrite them. Their modification times are set a minute into the past: a file modified within
landing.SETTLE_S of being read is always read again (see test_a_file_modified_just_before_it_was_read_...).
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from postaudit import landing
from postaudit.cli import app

runner = CliRunner()


def _age(path: Path, seconds: float = 60) -> None:
    """Set a file's modification time into the past (past SETTLE_S: a record of it can be skipped)."""
    t = time.time_ns() - int(seconds * 1e9)
    os.utime(path, ns=(t, t))


def _garble_in_place(path: Path) -> None:
    """Overwrite a file with the same number of bytes of non-JSON and put its mtime back (the quick check's blind spot)."""
    st = path.stat()
    path.write_bytes(b"#" * st.st_size)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


@pytest.fixture()
def setup(tmp_path, sim_files) -> dict:
    """An audits file with one live executive whose posts are an x_jsonl file and press one feed file; no network."""
    timeline = tmp_path / "inputs" / "timeline.jsonl"
    feed = tmp_path / "inputs" / "feed.xml"
    timeline.parent.mkdir()
    shutil.copy(sim_files["timeline"], timeline)
    shutil.copy(sim_files["feeds"][1], feed)
    _age(timeline)
    _age(feed)
    audits = tmp_path / "audits.toml"
    audits.write_text('[settings]\ndb = "wh.duckdb"\nn_boot = 100\n'
                      '[[executive]]\nid = "jane"\nname = "Jane Doe"\n'
                      '[executive.accounts]\nx_jsonl = ["inputs/timeline.jsonl"]\n'
                      '[executive.press]\ngdelt = false\nfeeds = ["inputs/feed.xml"]\n')
    return {"audits": str(audits), "timeline": timeline, "feed": feed, "db": tmp_path / "wh.duckdb",
            "landing": tmp_path / "landing", "dashboard": tmp_path / "dashboard.html"}


def _out(result) -> str:
    """A command's output with the console's line wrapping undone."""
    return " ".join(result.output.split())


def _logs(state) -> str:
    """What a flow run (with its tasks) logged, as the Prefect server stored it."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId
    from prefect.logging.handlers import APILogWorker

    APILogWorker.drain_all(timeout=5)
    with get_client(sync_client=True) as client:
        logs = client.read_logs(LogFilter(flow_run_id=LogFilterFlowRunId(any_=[state.state_details.flow_run_id])))
    return "\n".join(log.message for log in logs)


def _q(db: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        con.execute("SET TimeZone = 'UTC'")
        return con.execute(sql).fetchall()
    finally:
        con.close()


# ---------------------------------------------------------------- file sources in flows

def test_an_unchanged_file_is_skipped_without_reading_it(prefect_harness, setup):
    from postaudit.flows.collect_posts import collect_posts

    first = collect_posts(audits_file=setup["audits"])
    assert first["fetched"] == first["new"] > 0 and first["unchanged"] == 0
    pages = _q(setup["db"], "select count(*) from raw_x_pages")[0][0]

    # Same size and mtime, contents destroyed: a run that read the file would fail on the first line.
    _garble_in_place(setup["timeline"])
    state = collect_posts(audits_file=setup["audits"], return_state=True)
    second = state.result()
    assert (second["unchanged"], second["fetched"], second["new"], second["failed"]) == (1, 0, 0, 0)
    assert "timeline.jsonl: unchanged since " in _logs(state) and ": skipped" in _logs(state)
    counts = json.loads(_q(setup["db"], "select counts from runs order by started_at desc limit 1")[0][0])
    assert counts["unchanged"] == 1
    assert _q(setup["db"], "select count(*) from raw_x_pages")[0][0] == pages

    # recheck_files reads it: now the garbage is seen, and nothing lands.
    with pytest.raises(RuntimeError, match=r"1 of 1 fetches failed .*timeline.jsonl:1: not valid JSON"):
        collect_posts(audits_file=setup["audits"], recheck_files=True)
    assert _q(setup["db"], "select count(*) from raw_x_pages")[0][0] == pages


def test_a_changed_or_rechecked_file_is_read_again(prefect_harness, setup):
    from postaudit.flows.collect_posts import collect_posts

    first = collect_posts(audits_file=setup["audits"])
    forced = collect_posts(audits_file=setup["audits"], recheck_files=True)
    assert (forced["unchanged"], forced["fetched"], forced["new"], forced["skipped"]) == (0, first["fetched"], 0,
                                                                                          first["fetched"])
    _age(setup["timeline"], 30)  # touched: same bytes, new mtime
    touched = collect_posts(audits_file=setup["audits"])
    assert (touched["unchanged"], touched["fetched"], touched["new"]) == (0, first["fetched"], 0)
    assert collect_posts(audits_file=setup["audits"])["unchanged"] == 1

    with open(setup["timeline"], "a") as fh:  # one more page: a new size
        fh.write(json.dumps({"data": [], "meta": {"result_count": 0, "note": "appended"}}) + "\n")
    _age(setup["timeline"], 20)
    grown = collect_posts(audits_file=setup["audits"])
    assert (grown["unchanged"], grown["fetched"], grown["new"]) == (0, first["fetched"] + 1, 1)


def test_a_file_modified_just_before_it_was_read_is_read_again(prefect_harness, setup):
    """Racily clean (as git calls it): a write in the same clock tick could leave size and mtime unchanged."""
    from postaudit.flows.collect_posts import collect_posts

    os.utime(setup["timeline"])  # modified now
    collect_posts(audits_file=setup["audits"])
    again = collect_posts(audits_file=setup["audits"])
    assert (again["unchanged"], again["new"]) == (0, 0) and again["fetched"] > 0
    _age(setup["timeline"])
    collect_posts(audits_file=setup["audits"])  # read once more (new mtime), now settled
    assert collect_posts(audits_file=setup["audits"])["unchanged"] == 1


def test_a_crash_before_the_record_means_the_file_is_read_again(prefect_harness, setup, monkeypatch):
    from postaudit.flows.collect_posts import collect_posts

    def crash(*args, **kwargs):
        raise RuntimeError("simulated crash")

    # Crash halfway through writing the batch: no batch (not even a temp file), no record.
    rows = landing.iter_table_rows

    def crash_halfway(*args, **kwargs):
        for i, row in enumerate(rows(*args, **kwargs)):
            if i == 5:
                raise RuntimeError("simulated crash")
            yield row

    with monkeypatch.context() as m:
        m.setattr(landing, "iter_table_rows", crash_halfway)
        with pytest.raises(RuntimeError, match="simulated crash"):
            collect_posts(audits_file=setup["audits"])
    assert _q(setup["db"], "select count(*) from raw_x_pages")[0][0] == 0
    assert [p for p in setup["landing"].rglob("*") if p.is_file()] == []
    # Crash after the batch was written, before the record: the batch is loaded, the file still counts as unread.
    with monkeypatch.context() as m:
        m.setattr(landing, "mark_file_read", crash)
        with pytest.raises(RuntimeError, match="simulated crash"):
            collect_posts(audits_file=setup["audits"])
    landed = _q(setup["db"], "select count(*) from raw_x_pages")[0][0]
    assert landed > 0
    after = collect_posts(audits_file=setup["audits"])
    assert (after["unchanged"], after["fetched"], after["new"], after["skipped"]) == (0, landed, 0, landed)
    assert collect_posts(audits_file=setup["audits"])["unchanged"] == 1


def test_a_quarantined_batch_means_the_file_is_read_again(prefect_harness, setup):
    from postaudit.flows.collect_posts import collect_posts

    first = collect_posts(audits_file=setup["audits"])
    # As if the loader had failed on the batch: it lies in _failed and its rows never reached the warehouse.
    [batch] = (setup["landing"] / landing.LOADED).glob("*/*.jsonl")
    failed = setup["landing"] / landing.FAILED / batch.parent.name / batch.name
    failed.parent.mkdir(parents=True)
    batch.rename(failed)
    again = collect_posts(audits_file=setup["audits"])
    assert (again["unchanged"], again["fetched"]) == (0, first["fetched"])


def test_folder_stamp_changes_with_any_file_under_it(tmp_path):
    folder = tmp_path / "export"
    (folder / "data").mkdir(parents=True)
    (folder / "data" / "a.js").write_text("one")
    (folder / "b.json").write_text("two")
    for p in (folder / "data" / "a.js", folder / "b.json"):
        _age(p)
    stamp = landing.file_stamp(folder)
    assert stamp == landing.file_stamp(folder) and stamp["path"] == str(folder.resolve())
    _age(folder / "data" / "a.js", 30)  # same size, rewritten
    assert landing.file_stamp(folder)["listing"] != stamp["listing"]
    stamp = landing.file_stamp(folder)
    (folder / "data" / "a.js").rename(folder / "data" / "c.js")  # renamed: same size and mtime
    assert landing.file_stamp(folder)["listing"] != stamp["listing"]
    assert landing.file_stamp(tmp_path / "missing") is None


# ---------------------------------------------------------------- `postaudit import x-jsonl`

def test_import_x_jsonl_skips_a_file_already_landed_unchanged(tmp_path, sim_files):
    db = tmp_path / "wh.duckdb"
    timeline = tmp_path / "timeline.jsonl"
    shutil.copy(sim_files["timeline"], timeline)
    _age(timeline)
    r = runner.invoke(app, ["import", "x-jsonl", str(timeline), "--db", str(db)])
    assert r.exit_code == 0 and " new records (" in _out(r), r.output
    pages = _q(db, "select count(*) from raw_x_pages")[0][0]
    [(path, size, landed_at, n)] = _q(db, "select path, size_bytes, landed_at, count_records from file_fingerprints")
    assert (path, size, n) == (str(timeline.resolve()), timeline.stat().st_size, pages)

    _garble_in_place(timeline)  # not read: the skip does not see it
    r = runner.invoke(app, ["import", "x-jsonl", str(timeline), "--db", str(db)])
    assert r.exit_code == 0, r.output
    assert "already landed" in _out(r) and "use --recheck to read it again" in _out(r)

    # --recheck reads it: the bad line stops it, nothing lands and the fingerprint stays the old one.
    r = runner.invoke(app, ["import", "x-jsonl", str(timeline), "--db", str(db), "--recheck"])
    assert r.exit_code == 1 and "timeline.jsonl:1" in _out(r), r.output
    assert _q(db, "select landed_at from file_fingerprints")[0][0] == landed_at
    assert _q(db, "select count(*) from raw_x_pages")[0][0] == pages

    shutil.copy(sim_files["timeline"], timeline)  # restored: a new mtime, so read again
    _age(timeline, 30)
    r = runner.invoke(app, ["import", "x-jsonl", str(timeline), "--db", str(db)])
    assert r.exit_code == 0 and "0 new records" in _out(r), r.output
    assert _q(db, "select landed_at from file_fingerprints")[0][0] > landed_at


def test_import_x_jsonl_crash_before_the_record_reads_the_file_again(tmp_path, sim_files, monkeypatch):
    db = tmp_path / "wh.duckdb"
    timeline = tmp_path / "timeline.jsonl"
    shutil.copy(sim_files["timeline"], timeline)
    _age(timeline)

    def crash(*args, **kwargs):
        raise RuntimeError("simulated crash")

    with monkeypatch.context() as m:
        m.setattr(landing, "record_landed", crash)
        r = runner.invoke(app, ["import", "x-jsonl", str(timeline), "--db", str(db)])
    assert isinstance(r.exception, RuntimeError)
    pages = _q(db, "select count(*) from raw_x_pages")[0][0]
    assert pages > 0 and _q(db, "select count(*) from file_fingerprints")[0][0] == 0  # landed, not recorded
    r = runner.invoke(app, ["import", "x-jsonl", str(timeline), "--db", str(db)])
    assert r.exit_code == 0 and f"0 new records ({pages} pages" in _out(r), r.output
    r = runner.invoke(app, ["import", "x-jsonl", str(timeline), "--db", str(db)])
    assert "already landed" in _out(r), r.output


def test_import_x_jsonl_records_nothing_for_a_file_that_failed(tmp_path):
    db = tmp_path / "wh.duckdb"
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"data": [], "meta": {}}\n{not json\n{"data": [], "meta": {}}\n')
    _age(bad)
    for _ in range(2):  # the second attempt reads it again and fails again
        r = runner.invoke(app, ["import", "x-jsonl", str(bad), "--db", str(db)])
        assert r.exit_code == 1 and "bad.jsonl:2" in _out(r), r.output
    assert _q(db, "select count(*) from file_fingerprints")[0][0] == 0
    assert _q(db, "select count(*) from raw_x_pages")[0][0] == 0


# ---------------------------------------------------------------- `postaudit build`

def test_build_skips_until_an_input_changes_and_flows_agree(prefect_harness, tmp_path, sim_files):
    from postaudit.flows.build_metrics import build_metrics

    db = tmp_path / "wh.duckdb"
    args = ["--db", str(db), "--n-boot", "100"]
    assert runner.invoke(app, ["import", "x-jsonl", str(sim_files["timeline"]), "--db", str(db)]).exit_code == 0
    r = runner.invoke(app, ["build", *args])
    assert r.exit_code == 0 and r.output.startswith("Built "), r.output
    r = runner.invoke(app, ["build", *args])
    assert r.exit_code == 0 and "Marts up to date" in _out(r) and "skipped (--force builds anyway)" in _out(r)
    r = runner.invoke(app, ["build", *args, "--force"])
    assert r.exit_code == 0 and r.output.startswith("Built "), r.output
    # The flow sees the CLI's build: same rule, same record.
    assert build_metrics(str(db), n_boot=100)["skipped"] is True
    assert runner.invoke(app, ["build", "--db", str(db), "--n-boot", "200"]).output.startswith("Built ")
    assert runner.invoke(app, ["build", "--db", str(db), "--n-boot", "200"]).exit_code == 0
    assert runner.invoke(app, ["import", "rss", str(sim_files["feeds"][0]), "--db", str(db)]).exit_code == 0
    r = runner.invoke(app, ["build", "--db", str(db), "--n-boot", "200"])
    assert r.output.startswith("Built "), r.output  # new press rows
    shutil.copy(Path(__file__).parents[1] / "docs" / "claims.example.toml", tmp_path / "claims.toml")
    r = runner.invoke(app, ["build", "--db", str(db), "--n-boot", "200"])
    assert r.output.startswith("Built "), r.output  # a claims file beside the warehouse is an input too
    statuses = [s for (s,) in _q(db, "select status from runs where flow_name = 'build_metrics' order by started_at")]
    assert statuses == ["completed", "skipped", "completed", "skipped", "completed", "skipped", "completed",
                        "completed"]


# ---------------------------------------------------------------- the audit flow end to end, and the dashboard

def test_a_nothing_new_audit_reads_no_file_builds_nothing_and_keeps_the_dashboard(prefect_harness, setup):
    from postaudit.flows.audit import audit

    first = audit(audits_file=setup["audits"], dashboard=str(setup["dashboard"]))
    assert first["dashboard_rendered"] and not first["metrics"].get("skipped")
    rendered = setup["dashboard"].stat().st_mtime_ns

    state = audit(audits_file=setup["audits"], dashboard=str(setup["dashboard"]), return_state=True)
    second = state.result()
    assert (second["collected"]["unchanged"], second["collected"]["fetched"]) == (2, 0)
    assert second["metrics"]["skipped"] is True and second["dashboard_rendered"] is False
    assert setup["dashboard"].stat().st_mtime_ns == rendered
    assert "not rendered again" in _logs(state)

    # A dashboard older than the last build (say `postaudit build` ran since) is rendered again.
    _age(setup["dashboard"], 3600)
    assert audit(audits_file=setup["audits"], dashboard=str(setup["dashboard"]))["dashboard_rendered"] is True
    setup["dashboard"].unlink()
    assert audit(audits_file=setup["audits"], dashboard=str(setup["dashboard"]))["dashboard_rendered"] is True
    forced = audit(audits_file=setup["audits"], dashboard=str(setup["dashboard"]), force_build=True)
    assert not forced["metrics"].get("skipped") and forced["dashboard_rendered"] is True


def test_postaudit_run_says_what_it_skipped(prefect_harness, setup, monkeypatch):
    for name in ("PREFECT_SERVER_ANALYTICS_ENABLED", "PREFECT_LOGGING_LEVEL", "PREFECT_SERVER_LOGGING_LEVEL"):
        monkeypatch.setenv(name, os.environ.get(name, "WARNING" if "LEVEL" in name else "false"))
    r = runner.invoke(app, ["run", setup["audits"]])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["run", setup["audits"]])
    assert r.exit_code == 0, r.output
    assert "2 file source(s) unchanged since their last read: skipped" in _out(r)
    assert "Marts unchanged" in _out(r) and "Dashboard not rendered again" in _out(r)
    r = runner.invoke(app, ["run", setup["audits"], "--recheck-files"])
    assert r.exit_code == 0 and "unchanged since their last read" not in _out(r), r.output


def test_the_claims_file_is_the_one_given_else_claims_toml_beside_the_warehouse(tmp_path, con):
    from postaudit import runs

    assert runs.claims_path(con) is None
    (tmp_path / "claims.toml").write_text("")
    assert runs.claims_path(con) == tmp_path / "claims.toml"
    assert runs.claims_path(con, tmp_path / "other.toml") == tmp_path / "other.toml"
