"""Group-chat claims: on-screen time over screen sizes, the AMA effect with its permutation test, member counts."""

from __future__ import annotations

import json
import zipfile
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from postaudit import warehouse
from postaudit.claims import CLAIMS_SCHEMA, Verdict, to_claims
from postaudit.metrics import groupchat
from postaudit.sources import simulated, simulated_chat
from postaudit.sources.errors import InputError
from postaudit.sources.telegram import import_telegram
from postaudit.sources.telegram_page import import_telegram_page, member_count, to_listing
from postaudit.verdicts import FrameInputs, to_verdicts

REAL = Path(__file__).resolve().parents[1] / ".." / "shared" / "real-exports"
T0 = datetime(2025, 9, 1, 8, tzinfo=UTC)


@pytest.mark.parametrize("text, question", [
    ("when listing?", True), ("Is the app down", True), ("Wann kommt das Update", True),
    ("Warum dauert die Auszahlung so lange", True), ("Gibt es news", True), ("thanks team", False),
    ("Danke an alle", False), ("gm", False), ("", False), (None, False), ("What's next", True),
])
def test_questions_in_english_and_german(text, question):
    assert groupchat.is_question(text) is question


def chat(n=60, every_s=10, texts=None, executive=()):
    rows = [{"platform": "telegram", "chat_id": "c1", "message_id": str(i), "sender_id": "ceo" if i in executive
             else f"u{i % 7}", "sent_at": T0 + timedelta(seconds=every_s * i), "reply_to_message_id": None,
             "is_executive": i in executive, "text": (texts or {}).get(i, "ok"), "sender_name": "x"}
            for i in range(n)]
    return pl.DataFrame(rows).with_columns(pl.col("sent_at").dt.cast_time_unit("us"))


def test_a_message_leaves_the_screen_when_newer_lines_fill_it():
    # every message is two lines (name + one line of text): a 10-line screen holds five newer ones
    s = groupchat.seconds_until_pushed_off(chat(), screen_lines=10)
    assert s[0] == pytest.approx(50) and s[-1] != s[-1]  # the last are still on screen (NaN)
    # a 200-character message wraps to 1 + ceil(200/36) = 7 lines: with two more (7 + 2 + 2 ≥ 10) it is gone
    long = groupchat.seconds_until_pushed_off(chat(texts={1: "x" * 200}), screen_lines=10)
    assert long[0] == pytest.approx(30)


def test_visibility_spans_screen_sizes_with_typical_and_busiest_values():
    c = chat(n=400, every_s=30, executive={50, 150, 250, 300})
    got = groupchat.visibility(c, own_only=True, n_boot=50)
    assert [v.k for v in got] == list(groupchat.SCREEN_MESSAGES)
    assert [v.typical for v in got] == [pytest.approx(30 * k) for k in groupchat.SCREEN_MESSAGES]
    assert all(v.typical_low <= v.typical <= v.typical_high and v.count_messages == 4 for v in got)


def small_group(**over) -> dict:
    persona = simulated.Persona()
    g = replace(simulated_chat.GroupPersona(), messages_per_day=250.0, active_senders=400, days=21, **over)
    return simulated_chat.simulate_group(persona, date(2025, 9, 1), g, seed=3)


def export_frame(got: dict) -> pl.DataFrame:
    """The simulated export as group_messages rows (what staging would give)."""
    rows = []
    for m in got["export"]["messages"]:
        if m["type"] != "message":
            continue
        rows.append({"platform": "telegram", "chat_id": str(got["export"]["id"]), "message_id": str(m["id"]),
                     "sender_id": m["from_id"], "sent_at": datetime.fromtimestamp(int(m["date_unixtime"]), UTC),
                     "reply_to_message_id": str(m["reply_to_message_id"]) if "reply_to_message_id" in m else None,
                     "is_executive": m["from_id"] == got["executive_from_id"], "text": m["text"],
                     "sender_name": m["from"], "chat_name": got["export"]["name"]})
    return pl.DataFrame(rows, infer_schema_length=None).with_columns(pl.col("sent_at").dt.cast_time_unit("us"))


def test_ama_effect_is_found_where_simulated_and_not_where_absent():
    found = groupchat.ama_effect(export_frame(small_group()), ["Rowan", "@rowanvale_sim"], n_perm=200, n_boot=100)
    ten = found[0]
    assert ten.minutes == 10 and ten.effect_low > 0 and ten.p_value < 0.05 and ten.share_burst > 0.5
    assert ten.after > ten.matched and ten.count_matched > 0
    none = groupchat.ama_effect(export_frame(small_group(ama_extra=0.0)), ["Rowan"], n_perm=200, n_boot=100)
    assert none[0].p_value > 0.05 and none[0].effect_low < 0 < none[0].effect_high


@pytest.mark.parametrize("extra, count", [
    ("352 104 members, 4 120 online", 352104), ("10 612 280 subscribers", 10612280),
    ("1\u202f204 members", 1204), ("1.2K subscribers", 1200), ("12,345 subscribers", 12345),
])
def test_member_counts_as_tme_pages_write_them(extra, count):
    assert member_count(extra) == count


def test_tme_page_lands_as_the_exports_member_count(con, tmp_path):
    got = small_group()
    export = tmp_path / "result.json"
    export.write_text(json.dumps(got["export"]), encoding="utf-8")
    page = tmp_path / "page.html"
    page.write_text(simulated_chat.tme_page(got["group"]), encoding="utf-8")
    with pytest.raises(InputError, match="no Telegram export in the warehouse named"):
        import_telegram_page(con, page)
    import_telegram(con, export, from_id=got["executive_from_id"])
    out = import_telegram_page(con, page)
    assert out["chat_id"] == str(got["export"]["id"]) and out["count_members"] == 352_104
    assert import_telegram_page(con, page)["new_records"] == 0
    warehouse.apply_layers(con)
    row = con.sql("select * from chat_member_counts").pl().row(0, named=True)
    assert (row["platform"], row["count_members"], row["source"]) == ("telegram", 352_104, "telegram_page")
    assert row["chat_name"] == got["group"].name
    with pytest.raises(InputError, match="no tgme_page_extra block"):
        to_listing("<html><body>nothing here</body></html>")


@pytest.mark.skipif(not (REAL / "slack" / "hfaran-testarchive.zip").is_file(), reason="real exports absent")
def test_real_slack_export_gives_each_channels_member_count(con):
    from postaudit.sources.slack import import_slack

    path = REAL / "slack" / "hfaran-testarchive.zip"
    with zipfile.ZipFile(path) as z:
        listed = {c["id"]: len(c["members"]) for c in json.loads(z.read("channels.json"))}
    import_slack(con, path, user="U0BMQB6JE")
    warehouse.apply_layers(con)
    got = dict(con.execute("select chat_id, count_members from chat_member_counts").fetchall())
    assert got == listed and set(got.values()) == {4}
    names = dict(con.execute("select distinct chat_id, chat_name from group_messages").fetchall())
    assert set(names.values()) <= {"enrique", "traveling-sailor"} and names


@pytest.mark.skipif(not (REAL / "telegram" / "result.json").is_file(), reason="real exports absent")
def test_real_telegram_export_has_no_member_count_and_says_what_would(con):
    import_telegram(con, REAL / "telegram" / "result.json", tz="Europe/Moscow")
    warehouse.apply_layers(con)
    assert warehouse.scalar(con, "select count(*) from chat_member_counts") == 0
    assert con.execute("select distinct chat_name from group_messages").fetchall() == [("test",)]


def chat_claims(rows: list[dict]) -> pl.DataFrame:
    base = {"story_id": "s", "platform": "telegram", "published_at": datetime(2025, 9, 11, tzinfo=UTC),
            "origin": "file:claims.toml", "is_simulated": True}
    rows = [{**base, **r} for r in rows]
    keys = dict.fromkeys(k for r in rows for k in r)
    return to_claims(pl.DataFrame(), pl.DataFrame(rows, schema={k: CLAIMS_SCHEMA[k] for k in keys}))


def test_group_chat_verdicts_end_to_end():
    got = small_group()
    messages = export_frame(got)
    members = pl.DataFrame({"platform": ["telegram"], "chat_id": [str(got["export"]["id"])],
                            "chat_name": [got["group"].name], "count_members": [352_104],
                            "observed_at": [datetime(2025, 9, 22, tzinfo=UTC)], "source": ["telegram_page"]})
    posts = messages.filter(pl.col("is_executive")).select(
        "platform", account_id="sender_id", post_id="message_id", created_at="sent_at", kind=pl.lit("original"),
        text="text")
    claims = chat_claims([
        {"claim_id": "screen", "metric": "message_visibility", "value": 2.0, "unit": "seconds", "direction": "about",
         "sentence": "My messages stay on screen for about two seconds"},
        {"claim_id": "screen_all", "metric": "message_visibility", "value": 600.0, "unit": "seconds",
         "direction": "about", "sentence": "A message stays up for ten minutes"},
        {"claim_id": "ama", "metric": "ama_effect", "sentence": "Whenever I speak it becomes an AMA"},
        {"claim_id": "size", "metric": "group_members", "value": 550_000.0, "value_low": 200_000.0,
         "value_high": 900_000.0, "unit": "members", "direction": "about"},
        {"claim_id": "small", "metric": "group_members", "value": 5_000.0, "unit": "members", "direction": "at_most"},
    ])
    inputs = FrameInputs(posts, messages_frame=messages, members_frame=members)
    v = {r["claim_id"]: r for r in to_verdicts(claims, inputs, n_boot=50).iter_rows(named=True)}
    screen = v["screen"]
    assert screen["verdict_text"] == "contradicted (messages stay on screen longer than claimed)"
    assert screen["estimate_low"] > 2.5 and "5 messages: typical" in screen["reason"]
    assert json.loads(screen["assumptions"])["own_messages"] is True
    assert json.loads(v["screen_all"]["assumptions"])["own_messages"] is False
    assert v["ama"]["verdict"] == Verdict.SUPPORTED and v["ama"]["estimate_low"] > 0
    assert "10 min:" in v["ama"]["reason"] and "30 min:" in v["ama"]["reason"]
    assert v["size"]["verdict"] == Verdict.CONSISTENT and v["size"]["estimate"] == 352_104
    assert v["small"]["verdict_text"] == "contradicted (more members than claimed)"
    # without a member count: distinct senders are only a floor, and the reason says what would decide it
    bare = {r["claim_id"]: r for r in to_verdicts(claims, FrameInputs(posts, messages_frame=messages),
                                                  n_boot=50).iter_rows(named=True)}
    assert bare["size"]["verdict_text"] == "not testable (no member count)"
    assert "t.me page" in bare["size"]["reason"] and "channels.json" in bare["size"]["reason"]
    assert bare["size"]["floor"] == messages["sender_id"].n_unique()
    few = to_verdicts(chat_claims([{"claim_id": "tiny", "metric": "group_members", "value": 10.0, "unit": "members",
                                    "direction": "at_most"}]), FrameInputs(posts, messages_frame=messages), n_boot=50)
    assert few["verdict_text"][0] == "contradicted (more people wrote in it than the claim allows members)"
    none = to_verdicts(claims, FrameInputs(posts), n_boot=50)
    assert set(none["verdict_text"]) == {"not testable (no chat export)", "not testable (no member count)"}
