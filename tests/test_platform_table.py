"""Generic CSV/JSONL import with a column mapping; naive times refused unless --tz; across platforms in posts."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from fakes.platforms import tg_message, write_telegram
from typer.testing import CliRunner

from postaudit import warehouse
from postaudit.cli import app
from postaudit.sources.errors import InputError
from postaudit.sources.table_import import import_table, parse_mapping
from postaudit.sources.telegram import import_telegram

CSV = (
    "Msg Id,Sent at,Body,Type,Likes,Parent\n"
    "a1,2024-03-01T09:30:00+01:00,\"hello, world\",original,12,\n"
    "a2,2024-03-01 10:00:00Z,re: hi,reply,,a1\n"
    "a3,1709290800,boost,REPOST,0,a1\n"
    "a4,1709290860123,ms epoch,,3,\n"
    "a5,2024-03-01T12:00:00.250-05:00,\"multi\nline\",quote,7,a2\n"
)
MAP = "time=Sent at,text=Body,id=Msg Id,kind=Type,likes=Likes,reply_to=Parent"


def by_id(con, platform) -> dict:
    warehouse.apply_layers(con)
    rows = con.sql("select * from posts where platform = ? order by post_id", params=[platform]).pl().to_dicts()
    return {r["post_id"]: r for r in rows}


def test_csv_with_mapping_lands_posts_in_utc(con, tmp_path):
    path = tmp_path / "linkedin.csv"
    path.write_text(CSV)
    out = import_table(con, path, MAP, platform="linkedin", account="ceo")
    assert out["rows"] == 5 and out["new_records"] == 5
    got = by_id(con, "linkedin")
    assert got["a1"]["created_at"] == datetime(2024, 3, 1, 8, 30, tzinfo=UTC)
    assert got["a2"]["created_at"] == datetime(2024, 3, 1, 10, 0, tzinfo=UTC)
    assert got["a3"]["created_at"] == datetime.fromtimestamp(1709290800, UTC)
    assert got["a4"]["created_at"] == datetime.fromtimestamp(1709290860.123, UTC)  # 13 digits: milliseconds
    assert got["a5"]["created_at"] == datetime(2024, 3, 1, 17, 0, 0, 250000, tzinfo=UTC)
    assert [got[k]["kind"] for k in sorted(got)] == ["original", "reply", "repost", "original", "quote"]
    assert got["a1"]["text"] == "hello, world" and got["a5"]["text"] == "multi\nline"
    assert got["a1"]["like_count"] == 12 and got["a2"]["like_count"] is None
    # a repost row's counts are the original's: kept apart, not the executive's own
    assert got["a3"]["like_count"] is None and got["a3"]["original_like_count"] == 0
    assert got["a2"]["referenced_post_id"] == "a1" and got["a1"]["referenced_post_id"] is None
    assert {r["account_id"] for r in got.values()} == {"ceo"}
    assert import_table(con, path, MAP, platform="linkedin", account="ceo")["new_records"] == 0


def test_jsonl_naive_times_with_tz_and_account_column(con, tmp_path):
    path = tmp_path / "wechat.jsonl"
    lines = [{"CreateTime": "2024-01-15 09:00:00", "StrContent": "winter", "Sender": "wxid_ceo"},
             {"CreateTime": "2024-07-15 09:00:00", "StrContent": "summer", "Sender": "wxid_ceo", "extra": [1]},
             {"CreateTime": 1721030400, "StrContent": "epoch number", "Sender": "wxid_ceo"}]
    path.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n")
    import_table(con, path, "time=CreateTime,text=StrContent,account=Sender", platform="wechat",
                 tz="Europe/Berlin")
    warehouse.apply_layers(con)
    rows = con.sql("select text, created_at, account_id, post_id from posts where platform = 'wechat' "
                   "order by created_at").pl().to_dicts()
    # Berlin is UTC+1 in January and UTC+2 in July
    assert [(r["text"], r["created_at"]) for r in rows] == [
        ("winter", datetime(2024, 1, 15, 8, 0, tzinfo=UTC)),
        ("summer", datetime(2024, 7, 15, 7, 0, tzinfo=UTC)),
        ("epoch number", datetime.fromtimestamp(1721030400, UTC))]
    assert {r["account_id"] for r in rows} == {"wxid_ceo"}
    assert all(r["post_id"].startswith("row:") for r in rows) and len({r["post_id"] for r in rows}) == 3


def test_naive_time_without_tz_is_refused_naming_file_row_and_column(con, tmp_path):
    path = tmp_path / "posts.csv"
    path.write_text("when,text\n2024-03-01T09:00:00Z,ok\n2024-03-01 10:00:00,local?\n")
    with pytest.raises(InputError) as err:
        import_table(con, path, "time=when,text=text", platform="wechat", account="ceo")
    msg = str(err.value)
    assert f"{path}: row 2 (line 3), column 'when'" in msg and "no time zone" in msg and "--tz" in msg
    assert warehouse.scalar(con, "select count(*) from raw_table_rows") == 0
    path = tmp_path / "posts.jsonl"
    path.write_text('{"t": "2024-03-01T09:00:00"}\n')
    with pytest.raises(InputError, match=r"posts.jsonl: line 1, column 't'.*no time zone"):
        import_table(con, path, "time=t", platform="wechat", account="ceo")


@pytest.mark.parametrize("content, mapping, expected", [
    ("t,x\n2024-03-01T09:00Z,1\n", "time=t,likes=nope", r"no row has the column\(s\) likes=nope"),
    ("t,x\n2024-03-01T09:00Z,1\n", "time=missing", r"row 1 \(line 2\): no column 'missing'"),
    ("t,x\n03/01/2024 9:00,1\n", "time=t", r"row 1 \(line 2\), column 't': '03/01/2024 9:00' is not a time"),
    ("t,x\n2024-03-01T09:00Z,12k\n", "time=t,likes=x", r"column 'x': '12k' is not a whole number"),
    ("t,x\n2024-03-01T09:00Z,retweet\n", "time=t,kind=x", r"kind 'retweet' is not one of original, reply"),
    ("t,x\n2024-03-01T09:00Z,1\n2024-03-01T09:01Z,1\n", "time=t,id=x", r"row 2 \(line 3\).*id '1' already used"),
    ("t,x\n2024-03-01T09:00Z,1,extra\n", "time=t", r"row 1 \(line 2\): 3 fields where the header has 2"),
    ("t,x\n2024-02-30T09:00Z,1\n", "time=t", r"not a valid date and time"),
])
def test_bad_rows_name_the_place_and_land_nothing(con, tmp_path, content, mapping, expected):
    path = tmp_path / "in.csv"
    path.write_text(content)
    with pytest.raises(InputError, match=expected):
        import_table(con, path, mapping, platform="other", account="ceo")
    assert warehouse.scalar(con, "select count(*) from raw_table_rows") == 0


def test_mapping_syntax_errors():
    assert parse_mapping("time=Sent at, text = Body ") == {"time": "Sent at", "text": "Body"}
    with pytest.raises(InputError, match="unknown field 'when'"):
        parse_mapping("when=x")
    with pytest.raises(InputError, match="`time=COLUMN` is required"):
        parse_mapping("text=x")
    with pytest.raises(InputError, match="not FIELD=COLUMN"):
        parse_mapping("time")


def test_platforms_meet_in_posts_with_utc_times(con, tmp_path):
    """A Telegram channel and a CSV of another platform land in one posts model, told apart by platform."""
    tg = write_telegram(tmp_path / "tg" / "result.json", "public_channel", 5, [
        tg_message(1, 1709283600, from_id="channel5", text="on telegram")])  # 2024-03-01T09:00:00Z
    import_telegram(con, tg)
    path = tmp_path / "x.csv"
    path.write_text("t,body\n2024-03-01T10:05:00+01:00,on wechat\n")
    import_table(con, path, "time=t,text=body", platform="wechat", account="ceo")
    warehouse.apply_layers(con)
    rows = con.sql("select platform, created_at, text from posts order by platform").fetchall()
    assert rows == [("telegram", datetime(2024, 3, 1, 9, 0, tzinfo=UTC), "on telegram"),
                    ("wechat", datetime(2024, 3, 1, 9, 5, tzinfo=UTC), "on wechat")]


def test_cli_import_table_and_its_help(db_path, tmp_path):
    path = tmp_path / "posts.csv"
    path.write_text(CSV)
    runner = CliRunner()
    r = runner.invoke(app, ["import", "table", str(path), "--map", MAP, "--platform", "linkedin", "--account", "ceo",
                            "--db", str(db_path)])
    assert r.exit_code == 0, r.output
    assert "5 rows as linkedin posts; 5 new records" in " ".join(r.output.split())
    naive = tmp_path / "naive.csv"
    naive.write_text("t\n2024-03-01 09:00\n")
    r = runner.invoke(app, ["import", "table", str(naive), "--map", "time=t", "--platform", "x2", "--account", "c",
                            "--db", str(db_path)])
    assert r.exit_code == 1 and "no time zone" in r.output
    r = runner.invoke(app, ["import", "table", str(naive), "--map", "when=t", "--platform", "x2", "--db", str(db_path)])
    assert r.exit_code == 2 and "unknown field 'when'" in r.output
    r = runner.invoke(app, ["import", "table", "--help"])
    said = " ".join(r.output.split())
    assert "FIELD=COLUMN" in said and "--tz" in said and "offset" in said


def test_time_format_reads_day_first_local_times(con, tmp_path):
    path = tmp_path / "linkedin.csv"
    # 30/03/2025 is the day Berlin moves to summer time (UTC+1 before 02:00, UTC+2 after)
    path.write_text("Date,Post\n03/03/2025 07:42,winter\n30/03/2025 01:30,before the change\n"
                    "30/03/2025 03:30,after the change\n13/12/2025 23:59,december\n")
    out = import_table(con, path, "time=Date,text=Post", platform="linkedin", account="jane",
                       tz="Europe/Berlin", time_format="%d/%m/%Y %H:%M")
    assert out["rows"] == out["new_records"] == 4
    got = {r["text"]: r["created_at"] for r in by_id(con, "linkedin").values()}
    assert got == {"winter": datetime(2025, 3, 3, 6, 42, tzinfo=UTC),
                   "before the change": datetime(2025, 3, 30, 0, 30, tzinfo=UTC),
                   "after the change": datetime(2025, 3, 30, 1, 30, tzinfo=UTC),
                   "december": datetime(2025, 12, 13, 22, 59, tzinfo=UTC)}
    # the payload is kept as it arrived; importing again adds nothing
    assert con.execute("select payload ->> 'Date' from raw_table_rows order by 1 limit 1").fetchall() == [
        ("03/03/2025 07:42",)]
    assert import_table(con, path, "time=Date,text=Post", platform="linkedin", account="jane",
                        tz="Europe/Berlin", time_format="%d/%m/%Y %H:%M")["new_records"] == 0


def test_time_format_with_zone_and_twelve_hour_clock_in_jsonl(con, tmp_path):
    path = tmp_path / "posts.jsonl"
    rows = [{"at": "Mar 3, 2025 7:42 PM +0530", "body": "evening in India"},
            {"at": "Mar 4, 2025 12:05 AM -0800", "body": "midnight in California"}]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    import_table(con, path, "time=at,text=body", platform="threads", account="c", time_format="%b %d, %Y %I:%M %p %z")
    got = {r["text"]: r["created_at"] for r in by_id(con, "threads").values()}
    assert got == {"evening in India": datetime(2025, 3, 3, 14, 12, tzinfo=UTC),
                   "midnight in California": datetime(2025, 3, 4, 8, 5, tzinfo=UTC)}


@pytest.mark.parametrize(("content", "fmt", "tz", "expected"), [
    ("t\n03/03/2025 07:42\n2025-03-03 07:42\n", "%d/%m/%Y %H:%M", "UTC",
     "row 2 (line 3), column 't': '2025-03-03 07:42' does not match --time-format '%d/%m/%Y %H:%M'"),
    ("t\n31/02/2025 07:42\n", "%d/%m/%Y %H:%M", "UTC", "'31/02/2025 07:42' does not match"),
    ("t\n03/03/2025 07:42\n", "%d/%m/%Y %H:%M", None, "reads no time zone (%z or %Z): add --tz"),
    ("t\n03/03/2025 07:42\n", "%d/%m/%Y %Q", "UTC", "--time-format '%d/%m/%Y %Q': "),
    ("t,x\n,a\n", "%d/%m/%Y", "UTC", "row 1 (line 2), column 't': no time"),
])
def test_time_format_mismatches_are_named_and_nothing_lands(con, tmp_path, content, fmt, tz, expected):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    with pytest.raises(InputError) as err:
        import_table(con, path, "time=t", platform="wechat", account="c", tz=tz, time_format=fmt)
    assert expected in str(err.value)
    assert warehouse.scalar(con, "select count(*) from raw_table_rows") == 0


def test_cli_time_format_as_in_the_readme(db_path, tmp_path):
    path = tmp_path / "posts.csv"
    path.write_text("Date,Post\n03/03/2025 07:42,hello\n")
    r = CliRunner().invoke(app, ["import", "table", str(path), "--platform", "linkedin", "--account", "jane",
                                 "--map", "time=Date,text=Post", "--time-format", "%d/%m/%Y %H:%M",
                                 "--tz", "Europe/Berlin", "--db", str(db_path)])
    assert r.exit_code == 0, r.output
    con = warehouse.connect(db_path)
    try:
        assert by_id(con, "linkedin")  # built through the real layers
        assert con.execute("select created_at from posts").fetchall() == [(datetime(2025, 3, 3, 6, 42, tzinfo=UTC),)]
    finally:
        con.close()
