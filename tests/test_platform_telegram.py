"""Telegram Desktop exports: channel and group, new and old layouts, into posts and group_messages."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from fakes.platforms import tg_message, tg_service, write_telegram
from typer.testing import CliRunner

from postaudit import warehouse
from postaudit.cli import app
from postaudit.sources.errors import InputError
from postaudit.sources.telegram import import_telegram

T0 = 1_700_000_000  # 2023-11-14T22:13:20Z


def utc(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def posts(con, platform="telegram") -> dict:
    warehouse.apply_layers(con)
    rows = con.sql("select * from posts where platform = ? order by created_at", params=[platform]).pl()
    return {r["post_id"]: r for r in rows.to_dicts()}


@pytest.fixture()
def channel_new(tmp_path):
    """A channel exported by a recent Telegram Desktop: date_unixtime, entity lists, reactions."""
    return write_telegram(tmp_path / "channel" / "result.json", "public_channel", 1500000001, [
        tg_service(1, T0 - 60, action="create_channel"),
        tg_message(2, T0, from_id="channel1500000001", from_name="Exchange News",
                   text=["Listing ", {"type": "bold", "text": "XYZ"}, " today: ",
                         {"type": "link", "text": "https://ex.example/xyz"}],
                   reactions=[{"type": "emoji", "count": 40, "emoji": "👍"},
                              {"type": "emoji", "count": 2, "emoji": "🔥"}]),
        tg_message(3, T0 + 600, from_id="channel1500000001", text="", photo="photos/p1.jpg",
                   media_type="photo", reactions=[]),
        tg_message(4, T0 + 1200, from_id="channel1500000001", text="as promised",
                   forwarded_from="Other Channel"),
        tg_message(5, T0 + 1800, from_id="channel1500000001", text="follow-up", reply_to_message_id=2),
    ])


def test_channel_export_lands_posts_with_true_utc_times_and_kinds(con, channel_new):
    out = import_telegram(con, channel_new)
    assert out["records"] == 5 and out["new_records"] == 5 and out["executive_id"] == "*"
    got = posts(con)
    assert list(got) == ["1500000001/2", "1500000001/3", "1500000001/4", "1500000001/5"]  # service message gone
    first = got["1500000001/2"]
    # date_unixtime, not `date` (written two hours ahead as the exporter's local time)
    assert first["created_at"] == utc(T0)
    assert first["text"] == "Listing XYZ today: https://ex.example/xyz"
    assert first["like_count"] == 42 and first["kind"] == "original"
    assert first["account_id"] == "channel1500000001"
    assert got["1500000001/3"]["text"] is None and got["1500000001/3"]["like_count"] == 0
    assert got["1500000001/4"]["kind"] == "repost"
    reply = got["1500000001/5"]
    assert reply["kind"] == "reply" and reply["referenced_post_id"] == "1500000001/2"
    assert reply["like_count"] is None  # no reactions field: unknown, not zero
    assert {r["impression_count"] for r in got.values()} == {None}


def test_import_twice_changes_nothing(con, channel_new):
    import_telegram(con, channel_new)
    before = con.sql("select count(*) from raw_telegram_messages").fetchall()
    again = import_telegram(con, channel_new)
    assert again["new_records"] == 0
    assert con.sql("select count(*) from raw_telegram_messages").fetchall() == before
    assert len(posts(con)) == 4


@pytest.fixture()
def group_export(tmp_path):
    return write_telegram(tmp_path / "group" / "result.json", "private_supergroup", 1700000002, [
        tg_service(10, T0, action="invite_members"),
        tg_message(11, T0 + 10, from_id="user100", from_name="CEO", text="gm everyone"),
        tg_message(12, T0 + 40, from_id="user200", from_name="Ann", text="gm ceo!", reply_to_message_id=11),
        tg_message(13, T0 + 70, from_id="user300", from_name="Bob", text="when moon", reply_to_message_id=11),
        tg_message(14, T0 + 95, from_id="user100", from_name="CEO", text="soon", reply_to_message_id=13),
        tg_message(15, T0 + 300, from_id="user200", from_name="Ann", text="ok"),
    ])


def test_group_keeps_everyones_messages_and_picks_the_executive(con, group_export):
    out = import_telegram(con, group_export, from_id="user100")
    assert out["executive_id"] == "user100"
    got = posts(con)
    assert list(got) == ["1700000002/11", "1700000002/14"]
    assert got["1700000002/14"]["kind"] == "reply" and got["1700000002/14"]["referenced_post_id"] == "1700000002/13"
    gm = con.sql("select * from group_messages order by sent_at").pl()
    assert gm.columns == ["platform", "chat_id", "message_id", "sender_id", "sent_at", "reply_to_message_id",
                          "is_executive", "sender_name", "text", "chat_name"]
    assert gm["chat_name"].unique().to_list() == ["Exchange Chat"]  # from the export's header
    assert gm["message_id"].to_list() == ["11", "12", "13", "14", "15"]
    assert gm["is_executive"].to_list() == [True, False, False, True, False]
    assert gm["reply_to_message_id"].to_list() == [None, "11", "11", "13", None]
    assert gm["sent_at"].to_list()[1] == utc(T0 + 40)
    assert set(gm["platform"]) == {"telegram"} and set(gm["chat_id"]) == {"1700000002"}


def test_group_without_from_id_names_the_field_and_the_senders(con, group_export):
    with pytest.raises(InputError) as err:
        import_telegram(con, group_export)
    msg = str(err.value)
    assert str(group_export) in msg and "--from-id" in msg and "user200 (Ann, 2 messages)" in msg
    assert warehouse.scalar(con, "select count(*) from raw_telegram_messages") == 0


def test_from_id_digits_alone_are_accepted(con, group_export):
    assert import_telegram(con, group_export, from_id="100")["executive_id"] == "user100"


def test_old_export_needs_tz_for_its_local_dates(con, tmp_path):
    # Exports before date_unixtime (2021) and reactions (2022): `date` is local time on the exporting machine.
    msgs = [tg_message(1, None, _naive_epoch=T0, text="old times", local_offset_h=1),  # Berlin winter: UTC+1
            tg_message(2, None, _naive_epoch=T0 + 60, text=["a ", {"type": "mention", "text": "@x"}],
                       local_offset_h=1)]
    path = write_telegram(tmp_path / "old" / "result.json", "private_channel", 99, msgs)
    with pytest.raises(InputError) as err:
        import_telegram(con, path)
    assert str(path) in str(err.value) and "date_unixtime" in str(err.value) and "--tz" in str(err.value)
    assert warehouse.scalar(con, "select count(*) from raw_telegram_messages") == 0
    import_telegram(con, path, tz="Europe/Berlin")
    got = posts(con)
    assert [r["created_at"] for r in got.values()] == [utc(T0), utc(T0 + 60)]
    assert [r["like_count"] for r in got.values()] == [None, None]
    assert got["99/2"]["text"] == "a @x"


@pytest.mark.parametrize("mutate, field", [
    (lambda d: d.pop("messages"), "'messages'"),
    (lambda d: d.update(id="abc"), "'id'"),
    (lambda d: d["messages"][1].update(type="sticker"), "messages[1]"),
    (lambda d: d["messages"][2].update(text=5), "messages[2]"),
])
def test_unexpected_layout_names_file_and_field_and_lands_nothing(con, channel_new, mutate, field):
    data = json.loads(channel_new.read_text())
    mutate(data)
    channel_new.write_text(json.dumps(data))
    with pytest.raises(InputError) as err:
        import_telegram(con, channel_new)
    assert str(channel_new) in str(err.value) and field in str(err.value)
    assert warehouse.scalar(con, "select count(*) from raw_telegram_messages") == 0


def test_whole_account_export_is_refused_clearly(con, tmp_path):
    path = tmp_path / "result.json"
    path.write_text(json.dumps({"about": "...", "chats": {"about": "...", "list": []}}))
    with pytest.raises(InputError, match="'chats'.*whole-account export"):
        import_telegram(con, path)


def test_cli_import_telegram(db_path, group_export):
    runner = CliRunner()
    r = runner.invoke(app, ["import", "telegram", str(group_export), "--from-id", "user100", "--db", str(db_path)])
    assert r.exit_code == 0, r.output
    said = " ".join(r.output.split())  # rich wraps long lines
    assert "chat 1700000002, 5 messages, executive user100; 6 new records" in said
    r = runner.invoke(app, ["import", "telegram", str(group_export), "--db", str(db_path)])
    assert r.exit_code == 1 and "--from-id" in r.output
    r = runner.invoke(app, ["import", "telegram", "--help"])
    assert "date_unixtime" in r.output and "--tz" in r.output
