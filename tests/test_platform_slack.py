"""Slack workspace exports (folder and zip) into posts and group_messages."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from fakes.platforms import slack_msg, write_slack
from typer.testing import CliRunner

from postaudit import warehouse
from postaudit.cli import app
from postaudit.sources.errors import InputError
from postaudit.sources.slack import import_slack

DAYS = {
    "general/2024-01-02": [
        slack_msg("1704189600.000100", "U200", "", subtype="channel_join"),
        slack_msg("1704189700.123456", "U100", "Q1 numbers are out", thread_ts="1704189700.123456",
                  reply_count=2, reply_users_count=2, latest_reply="1704189900.000001",
                  replies=[{"user": "U200", "ts": "1704189800.500000"}, {"user": "U100", "ts": "1704189900.000001"}],
                  reactions=[{"name": "tada", "users": ["U200"], "count": 3}, {"name": "eyes", "users": ["U200"],
                                                                                 "count": 1}]),
        slack_msg("1704189800.500000", "U200", "great!", thread_ts="1704189700.123456",
                  parent_user_id="U100"),
        slack_msg("1704189900.000001", "U100", "thanks", thread_ts="1704189700.123456", parent_user_id="U100"),
        {"type": "message", "subtype": "bot_message", "text": "BTC 42k", "ts": "1704189950.000000",
         "bot_id": "B300", "username": "pricebot"},
    ],
    "general/2024-01-03": [
        slack_msg("1704276000.000000", "U200", "anyone here?"),
    ],
    "announcements/2024-01-03": [
        slack_msg("1704277000.654321", "U100", "We are moving to Telegram"),
    ],
}


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture(params=["folder", "zip"])
def export(request, tmp_path):
    if request.param == "zip":
        return write_slack(tmp_path / "export.zip", DAYS, as_zip=True)
    return write_slack(tmp_path / "export", DAYS)


def test_export_lands_executive_posts_and_everyones_messages(con, export):
    out = import_slack(con, export, user="U100")
    assert out["executive_id"] == "U100" and out["channels"] == 2 and out["records"] == 7
    warehouse.apply_layers(con)
    posts = {r["post_id"]: r for r in con.sql(
        "select * from posts where platform = 'slack' order by created_at").pl().to_dicts()}
    assert list(posts) == ["C01GENERAL/1704189700.123456", "C01GENERAL/1704189900.000001",
                           "C02ANNOUNCE/1704277000.654321"]
    parent = posts["C01GENERAL/1704189700.123456"]
    # ts kept to the microsecond (a float would round .123456)
    assert parent["created_at"] == utc("2024-01-02T10:01:40.123456")
    assert parent["kind"] == "original" and parent["like_count"] == 4 and parent["reply_count"] == 2
    reply = posts["C01GENERAL/1704189900.000001"]
    assert reply["kind"] == "reply" and reply["referenced_post_id"] == "C01GENERAL/1704189700.123456"
    assert reply["created_at"] == utc("2024-01-02T10:05:00.000001") and reply["like_count"] is None
    assert posts["C02ANNOUNCE/1704277000.654321"]["reply_count"] == 0
    gm = con.sql("select * from group_messages where platform = 'slack' order by sent_at").pl()
    # the join and the bot post are events, not messages
    assert gm["message_id"].to_list() == ["1704189700.123456", "1704189800.500000", "1704189900.000001",
                                          "1704276000.000000", "1704277000.654321"]
    assert gm["is_executive"].to_list() == [True, False, True, False, True]
    assert gm["reply_to_message_id"].to_list() == [None, "1704189700.123456", "1704189700.123456", None, None]
    assert gm["sender_id"].to_list() == ["U100", "U200", "U100", "U200", "U100"]


def test_import_twice_changes_nothing(con, export):
    import_slack(con, export, user="U100")
    assert import_slack(con, export, user="U100")["new_records"] == 0
    assert warehouse.scalar(con, "select count(*) from raw_slack_messages") == 7


def test_user_by_name(con, export):
    assert import_slack(con, export, user="@ceo")["executive_id"] == "U100"
    assert import_slack(con, export, user="Chief Executive")["executive_id"] == "U100"


def test_missing_or_unknown_user_is_explained(con, export):
    with pytest.raises(InputError, match=r"--user.*U100 \(ceo, 3 messages\)"):
        import_slack(con, export)
    with pytest.raises(InputError, match=r"users.json: no user with id or name 'nobody'"):
        import_slack(con, export, user="nobody")
    assert warehouse.scalar(con, "select count(*) from raw_slack_messages") == 0


def test_bad_day_file_names_file_and_field_and_lands_nothing(con, tmp_path):
    days = {**DAYS, "general/2024-01-04": [slack_msg("1704362400.000000", "U100", "ok"),
                                           {"type": "message", "user": "U100", "text": "x", "ts": 1704362500.5}]}
    root = write_slack(tmp_path / "export", days)
    with pytest.raises(InputError) as err:
        import_slack(con, root, user="U100")
    assert "general/2024-01-04.json: message 1: field 'ts'" in str(err.value)
    assert warehouse.scalar(con, "select count(*) from raw_slack_messages") == 0


def test_not_an_export_is_refused(con, tmp_path):
    (tmp_path / "folder").mkdir()
    with pytest.raises(InputError, match="no channels.json"):
        import_slack(con, tmp_path / "folder", user="U100")
    root = write_slack(tmp_path / "export", DAYS)
    (root / "channels.json").write_text(json.dumps({"channels": []}))
    with pytest.raises(InputError, match="channels.json: not a JSON list"):
        import_slack(con, root, user="U100")


def test_cli_import_slack(db_path, tmp_path):
    root = write_slack(tmp_path / "export", DAYS)
    runner = CliRunner()
    r = runner.invoke(app, ["import", "slack", str(root), "--user", "U100", "--db", str(db_path)])
    assert r.exit_code == 0, r.output
    said = " ".join(r.output.split())  # rich wraps long lines
    assert "2 channels, 7 records, executive U100; 7 new records" in said
    r = runner.invoke(app, ["import", "slack", str(root), "--db", str(db_path)])
    assert r.exit_code == 1 and "--user" in r.output
