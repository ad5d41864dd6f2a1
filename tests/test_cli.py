"""The command line: sql answers, errors are clear, help teaches."""

from __future__ import annotations

import re

from typer.testing import CliRunner

from postaudit import warehouse
from postaudit.cli import app
from postaudit.sources import twarc_jsonl

runner = CliRunner()


def test_import_build_and_sql(db_path, sim_files):
    r = runner.invoke(app, ["import", "x-jsonl", str(sim_files["timeline"]), "--db", str(db_path)])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["import", "rss", *map(str, sim_files["feeds"]), "--db", str(db_path)])
    assert r.exit_code == 0, r.output
    claims = db_path.parent / "claims.toml"
    claims.write_text('[[claim]]\nid = "tg"\ntext = "I read Telegram an hour a day"\nplatform = "telegram"\n'
                      'metric = "time_per_day"\nvalue = 1\nunit = "hours_per_day"\n', encoding="utf-8")
    r = runner.invoke(app, ["build", "--db", str(db_path), "--n-boot", "200"])
    assert r.exit_code == 0, r.output
    out = " ".join(r.output.split())
    # one line per verdict, and a warning for the claim whose platform has no data
    assert "Verdicts (" in out and re.search(r"time share on x: claimed [^;]+%; measured", out) and "[file:tg]" in out
    assert "warning: file:tg: not testable (no data)" in out
    r = runner.invoke(app, ["sql", "select count(*) as n from posts", "--db", str(db_path), "--format", "csv"])
    assert r.exit_code == 0, r.output
    con = warehouse.connect(db_path, read_only=True)
    expected = warehouse.scalar(con, "select count(*) from posts")
    con.close()
    pages = list(twarc_jsonl.fetch_pages(sim_files["timeline"]))
    assert expected > 0 and len(pages) > 0
    assert r.stdout.strip().splitlines() == ["n", str(expected)]


def test_sql_errors_are_clear(db_path, sim_files):
    runner.invoke(app, ["import", "x-jsonl", str(sim_files["timeline"]), "--db", str(db_path)])
    r = runner.invoke(app, ["sql", "select * from no_such_table", "--db", str(db_path)])
    assert r.exit_code == 2
    assert "query failed" in r.output and "no_such_table" in r.output
    r = runner.invoke(app, ["sql", "select 1", "--db", str(db_path.parent / "missing.duckdb")])
    assert r.exit_code == 2 and "no warehouse" in r.output


def test_sql_is_read_only(db_path, sim_files):
    runner.invoke(app, ["import", "x-jsonl", str(sim_files["timeline"]), "--db", str(db_path)])
    r = runner.invoke(app, ["sql", "drop table raw_x_pages", "--db", str(db_path)])
    assert r.exit_code == 2
    con = warehouse.connect(db_path, read_only=True)
    assert warehouse.table_exists(con, "raw_x_pages")
    con.close()


def test_bad_file_is_named_and_nothing_lands(db_path, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"data": []}\n{not json\n{"data": []}\n')   # a bad line with another after it
    r = runner.invoke(app, ["import", "x-jsonl", str(bad), "--db", str(db_path)])
    assert r.exit_code == 1
    assert "bad.jsonl:2" in r.output
    con = warehouse.connect(db_path, read_only=True)
    assert warehouse.scalar(con, "select count(*) from raw_x_pages") == 0
    con.close()


def test_help_explains_commands():
    r = runner.invoke(app, ["--help"])
    for cmd in ("demo", "build", "dashboard", "sql", "import"):
        assert cmd in r.output
    r = runner.invoke(app, ["sql", "--help"])
    assert "claim_verdicts" in r.output


def test_every_command_group_keeps_all_its_commands():
    # command modules add to shared groups; a module creating a second group of the same name would hide the first
    expected = {"import": {"x-jsonl", "x-archive", "telegram", "telegram-page", "slack", "table", "rss", "article"},
                "collect": {"x", "bluesky", "mastodon", "press"},
                "bench": {"estimator", "import", "verdicts"}}
    for group, commands in expected.items():
        r = runner.invoke(app, [group, "--help"])
        assert r.exit_code == 0, r.output
        listed = {line.split()[1] for line in r.output.splitlines() if line.startswith("│ ") and len(line.split()) > 2}
        assert commands <= listed, (group, commands - listed)


def test_claims_check_reports_every_error_and_checks_accounts(db_path, sim_files, tmp_path):
    bad = tmp_path / "claims.toml"
    bad.write_text('[[claim]]\nid = "a"\ntext = "t"\nplatform = "linkdin"\nmetric = "time_share"\nvalue = -1\n'
                   'unit = "percent"\n\n[[claim]]\nid = "b"\ntext = "t"\nmetric = "time_per_day"\nvalue = 2\n'
                   'unit = "hours"\n', encoding="utf-8")
    r = runner.invoke(app, ["claims", "check", str(bad)])
    out = " ".join(r.output.split())
    assert r.exit_code == 1
    assert "did you mean 'linkedin'" in out and "(a).value" in out and "(b).unit" in out
    assert "3 error(s)" in out
    runner.invoke(app, ["import", "x-jsonl", str(sim_files["timeline"]), "--db", str(db_path)])
    runner.invoke(app, ["build", "--db", str(db_path), "--n-boot", "100"])
    good = tmp_path / "good.toml"
    good.write_text('[[claim]]\nid = "x"\ntext = "t"\nplatform = "x"\naccount = "rowanvale_sim"\n'
                    'metric = "time_share"\nvalue = 20\nunit = "percent"\n\n'
                    '[[claim]]\nid = "who"\ntext = "t"\nplatform = "x"\naccount = "nobody_here"\n'
                    'metric = "time_share"\nvalue = 20\nunit = "percent"\n\n'
                    '[[claim]]\nid = "tg"\ntext = "t"\nplatform = "telegram"\nmetric = "time_share"\nvalue = 2\n'
                    'unit = "percent"\n', encoding="utf-8")
    r = runner.invoke(app, ["claims", "check", str(good), "--db", str(db_path)])
    out = " ".join(r.output.split())
    assert r.exit_code == 1, out
    assert "file:who.account: 'nobody_here' has no posts on x" in out and "rowanvale_sim" in out
    assert "warning:" in out and "file:tg: no posts on telegram" in out and "file:x." not in out
