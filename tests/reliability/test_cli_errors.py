"""Every command of the CLI with bad input: a one-line message naming what is wrong, never a traceback.

The cases are the issue's (rich markup in names and ids, nested JSON 100,000 levels deep, a record over the size
limit) plus the ordinary mistakes (missing or wrong files, a folder that cannot be made). Every command the app
registers must have a case here, so a new command cannot skip the check.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from postaudit import warehouse
from postaudit.cli import app
from postaudit.limits import MAX_RECORD_BYTES

runner = CliRunner()
DEEP = "[" * 100_000 + "]" * 100_000
MARKUP = "[/x]"


def _page(text: str = "hello") -> str:
    return json.dumps({"data": [{"id": "1", "text": text, "created_at": "2025-03-03T09:00:00.000Z",
                                 "author_id": "42"}], "meta": {"result_count": 1}})


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, str]:
    """One bad input of each kind, written once for the module."""
    root = tmp_path_factory.mktemp("cli_errors")
    f: dict[str, Path] = {}

    def put(name: str, text: str) -> Path:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    f["deep_flat"] = put("deep_flat.jsonl", '{"id": "1", "text": "x", "nested": ' + DEEP + "}\n")
    f["markup_path"] = put("[b]x[/[/x].jsonl", "{not json\n")
    f["giant_line"] = put("giant.jsonl", _page("x" * (MAX_RECORD_BYTES + 10)) + "\n")
    f["bom_deep"] = put("bom_deep.jsonl", "\ufeff" + '{"data": ' + DEEP + "}\n")
    chat = {"name": "c", "type": "private_group", "id": 1, "messages": [
        {"id": 1, "type": "message", "date": "2025-01-01T00:00:00", "date_unixtime": "1735689600", "from": "a",
         "from_id": "user1", "text": "hi"}]}
    f["telegram_deep"] = put("tg_deep/result.json", json.dumps(chat).replace('"text": "hi"', '"text": "hi", "x": ' + DEEP))
    f["telegram"] = put(f"{MARKUP}tg/result.json", json.dumps(chat))
    put("slack/channels.json", '[{"id": "C1", "name": "general"}]')
    put("slack/users.json", '[{"id": "U1", "name": "ceo"}]')
    put("slack/general/2025-01-01.json", json.dumps([{"type": "message", "user": "U1", "text": "x",
                                                      "ts": "1735689600.000100"}]))
    f["slack"] = root / "slack"
    put("slack_deep/channels.json", '[{"id": "C1", "name": "general"}]')
    put("slack_deep/users.json", '[{"id": "U1", "name": "ceo"}]')
    put("slack_deep/general/2025-01-01.json", DEEP)
    f["slack_deep"] = root / "slack_deep"
    f["csv"] = put("t.csv", "Sent,Body\n2025-01-01T09:00:00Z,hi\n")
    f["ndjson_deep"] = put("deep.ndjson", '{"t": "2025-01-01T00:00:00Z", "x": ' + DEEP + "}\n")
    put("archive/data/tweets.js", "window.YTD.tweets.part0 = [" + DEEP + "]")
    f["archive_deep"] = root / "archive"
    f["feed"] = put("feed.xml", "<rss><channel><item>" * 100)
    f["claims_bad"] = put("claims.toml", "[[claim]\nid=")
    f["audits_bad"] = put("audits.toml", "nonsense = [")
    f["a_file"] = put("a_file", "x")
    f["not_db"] = put("not_a_db.duckdb", "this is not a DuckDB file")
    f["db"] = root / "wh.duckdb"
    warehouse.connect(f["db"]).close()
    f["missing"] = root / "missing.jsonl"
    return {k: str(v) for k, v in f.items()}


def _cases(f: dict[str, str]) -> dict[str, tuple[list[str], str]]:
    """Case name → (arguments, a fragment the one error line must hold)."""
    db = ["--db", f["db"]]
    under_a_file = str(Path(f["a_file"]) / "wh.duckdb")
    return {
        "demo: warehouse folder cannot be made": (["demo", "--db", under_a_file], "cannot create"),
        "build: no warehouse": (["build", "--db", f["missing"]], "no warehouse"),
        "build: not a DuckDB file": (["build", "--db", f["not_db"]], "not a valid DuckDB"),
        "build: broken claims file": (["build", *db, "--claims", f["claims_bad"]], "not valid TOML"),
        "dashboard: not a DuckDB file": (["dashboard", "--db", f["not_db"]], "not a valid DuckDB"),
        "report: not a DuckDB file": (["report", "--db", f["not_db"]], "not a valid DuckDB"),
        "report: markup as the format": (["report", "--format", MARKUP, *db], MARKUP),
        "sql: markup in the query": (["sql", f"select {MARKUP}", *db], "query failed"),
        "sql: several statements": (["sql", "select [1] as l; select 2", *db], "one SQL statement"),
        "sql: not a DuckDB file": (["sql", "select 1", "--db", f["not_db"]], "not a valid DuckDB"),
        "sql: read_blob": (["sql", f"select * from read_blob('{f['csv']}')", *db], "Permission Error"),
        "run: broken audits file": (["run", f["audits_bad"]], "not valid TOML"),
        "audits check: broken audits file": (["audits", "check", f["audits_bad"]], "not valid TOML"),
        "audits simulate: folder cannot be made": (["audits", "simulate", "2", "--out",
                                                     str(Path(f["a_file"]) / "a.toml")], "cannot write"),
        "claims check: broken claims file": (["claims", "check", f["claims_bad"]], "not valid TOML"),
        "import x-jsonl: markup in the path": (["import", "x-jsonl", f["markup_path"], *db], "not valid JSON"),
        "import x-jsonl: deep JSON": (["import", "x-jsonl", f["deep_flat"], *db], "nested too deeply"),
        "import x-jsonl: deep JSON, BOM": (["import", "x-jsonl", f["bom_deep"], *db], "nested too deeply"),
        "import x-jsonl: record over the limit": (["import", "x-jsonl", f["giant_line"], *db], "MiB limit"),
        "import x-jsonl: no such file": (["import", "x-jsonl", f["missing"], *db], "no such file"),
        "import x-jsonl: warehouse folder cannot be made": (["import", "x-jsonl", f["csv"], "--db", under_a_file],
                                                            "cannot create"),
        "import x-archive: deep JSON": (["import", "x-archive", f["archive_deep"], *db], "nested too deeply"),
        "import telegram: deep JSON": (["import", "telegram", f["telegram_deep"], *db], "nested too deeply"),
        "import telegram: markup in path and id": (["import", "telegram", f["telegram"], "--from-id", MARKUP, *db],
                                                   "no message has from_id"),
        "import slack: markup in the user": (["import", "slack", f["slack"], "--user", MARKUP, *db],
                                             "no user with id or name"),
        "import slack: deep JSON": (["import", "slack", f["slack_deep"], "--user", "U1", *db], "nested too deeply"),
        "import table: markup in a column name": (["import", "table", f["csv"], "--map", f"time={MARKUP}",
                                                   "--platform", "wechat", "--account", "a", *db], "no column"),
        "import table: markup in the mapping": (["import", "table", f["csv"], "--map", MARKUP, "--platform", "wechat",
                                                 "--account", "a", *db], "FIELD=COLUMN"),
        "import table: deep JSON": (["import", "table", f["ndjson_deep"], "--map", "time=t", "--platform", "wechat",
                                     "--account", "a", *db], "nested too deeply"),
        "import rss: broken XML": (["import", "rss", f["feed"], *db], "not well-formed XML"),
        "import article: no such file": (["import", "article", f["missing"], *db], "no such file"),
        "collect x: markup in the handle, no token": (["collect", "x", "--handle", MARKUP, *db], "X_BEARER_TOKEN"),
        "collect bluesky: markup in the handle": (["collect", "bluesky", MARKUP, "--base-url",
                                                   "http://127.0.0.1:9/xrpc", *db], "127.0.0.1:9"),
        "collect mastodon: markup in the account": (["collect", "mastodon", MARKUP, *db], MARKUP),
        "collect press: markup in a date": (["collect", "press", "--query", "x", "--since", MARKUP, *db], MARKUP),
        "bench import: bad size": (["bench", "import", "--sizes", MARKUP], ""),
        "bench estimator: too few executives": (["bench", "estimator", "--executives", "1"], ""),
        "bench claims: not a folder": (["bench", "claims", f["csv"]], "not a folder"),
        "export: no such relation": (["export", "nosuch", "--out", f["missing"] + ".csv", *db], "no relation"),
        "export: over the warehouse": (["export", "runs", "--out", f["db"], *db], "refusing to overwrite"),
        "rewrite-warehouse: not a DuckDB file": (["rewrite-warehouse", "--db", f["not_db"]], "not a valid DuckDB"),
        "bench verdicts: too few executives": (["bench", "verdicts", "--executives", "1"], ""),
        "import telegram-page: no such file": (["import", "telegram-page", f["missing"], *db], "no such file"),
    }


def _commands(group: typer.Typer, prefix: str = "") -> set[str]:
    names = {f"{prefix}{c.name or c.callback.__name__.replace('_', '-')}" for c in group.registered_commands}
    for sub in group.registered_groups:
        names |= _commands(sub.typer_instance, f"{prefix}{sub.name} ")
    return names


def test_every_command_has_a_bad_input_case(files):
    covered = {name.split(":")[0] for name in _cases(files)}
    assert _commands(app) <= covered, _commands(app) - covered


@pytest.mark.parametrize("name", list(_cases(defaultdict(str))))
def test_bad_input_ends_in_one_line(files, name, monkeypatch, tally):
    monkeypatch.delenv("X_BEARER_TOKEN", raising=False)
    args, fragment = _cases(files)[name]
    r = runner.invoke(app, args)
    escaped = r.exception if r.exception is not None and not isinstance(r.exception, SystemExit) else None
    assert escaped is None, f"{name}: {type(escaped).__name__}: {escaped}"
    assert r.exit_code != 0, r.output
    assert "Traceback" not in r.output
    # `import article` reports a file it skips as a note (and exits 1), as it does for several files at once
    errors = [line for line in r.stderr.splitlines() if line.startswith(("error:", "note:"))]
    if fragment:
        assert len(errors) == 1 and fragment in errors[0], r.stderr
    tally.add("cli_errors", "cases")
    tally.add("cli_errors", "one_line_checked", bool(fragment))


def test_an_error_nobody_foresaw_still_ends_in_one_line(tmp_path):
    """Through the real entry point: a claims file nested too deeply for Python's TOML parser."""
    claims = tmp_path / "claims.toml"
    claims.write_text("x = " + "[" * 5000 + "]" * 5000)
    r = subprocess.run([sys.executable, "-m", "postaudit.cli", "claims", "check", str(claims)], capture_output=True,
                       text=True, timeout=60, env={k: v for k, v in os.environ.items() if k != "POSTAUDIT_TRACEBACK"})
    lines = [line for line in r.stderr.splitlines() if line.strip()]
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert len(lines) == 1 and lines[0].startswith("error:") and "POSTAUDIT_TRACEBACK=1" in lines[0], r.stderr
