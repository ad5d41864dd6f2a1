"""The official X archive: zip and folder, split parts, older tweet.js, note-tweet.js, bad input, one model with the API."""

from __future__ import annotations

import json
import os
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fakes.x_api import HANDLE, TOKEN, FakeX, make_posts
from typer.testing import CliRunner

from postaudit import warehouse
from postaudit.cli import app
from postaudit.sources import x_api, x_archive
from postaudit.sources.errors import InputError

ACCOUNT = "44196397"
GENERATED = "2025-12-07T09:15:00.000Z"
SOURCE_HTML = '<a href="http://twitter.com/download/iphone" rel="nofollow">Twitter for iPhone</a>'


def tweet(id_str, created_at, text, likes="3", reposts="1", **extra) -> dict:
    """A post as the archive writes it: v1.1 shape, counts as strings."""
    t = {"edit_info": {"initial": {"editTweetIds": [id_str], "editableUntil": "2025-12-06T19:20:30.000Z",
                                   "editsRemaining": "5", "isEditEligible": True}},
         "retweeted": False, "source": SOURCE_HTML, "entities": {"hashtags": [], "symbols": [], "user_mentions": [],
                                                                 "urls": []},
         "display_text_range": ["0", str(len(text))], "favorite_count": likes, "id_str": id_str,
         "truncated": False, "retweet_count": reposts, "id": id_str, "created_at": created_at, "favorited": False,
         "full_text": text, "lang": "en"}
    t.update(extra)
    return t


LONG = "A long post " + "y" * 300 + " and its ending"
POSTS = [
    tweet("1001", "Sat Dec 06 18:20:30 +0000 2025", "plain original", likes="12", reposts="4",
          an_unknown_field={"kept": True}),
    tweet("1002", "Sat Dec 06 19:00:00 +0200 2025", "@bob agreed", in_reply_to_status_id_str="900",
          in_reply_to_user_id_str="77", in_reply_to_screen_name="bob"),
    tweet("1003", "Sun Dec 07 08:00:00 +0000 2025", "look at this https://t.co/abc",
          entities={"urls": [{"url": "https://t.co/abc", "expanded_url": "https://twitter.com/carol/status/555",
                              "display_url": "twitter.com/carol/status/555"}]}),
    tweet("1004", "Sun Dec 07 08:30:00 +0000 2025", "RT @dave: something worth sharing", likes="0", reposts="0"),
    tweet("1005", "Sun Dec 07 09:00:05 +0000 2025", LONG[:270] + "… https://t.co/zzz"),
]
NOTE = {"noteTweet": {"noteTweetId": "88001", "updatedAt": "2025-12-07T09:00:05.000Z",
                      "lifecycle": {"value": "00", "name": "Created", "originalValue": "0"},
                      "createdAt": "2025-12-07T09:00:05.000Z",
                      "core": {"styletags": [], "urls": [], "text": LONG, "mentions": [], "cashtags": [],
                               "hashtags": []}}}


def ytd(name: str, part: int, rows: list) -> str:
    return f"window.YTD.{name}.part{part} = " + json.dumps(rows, indent=2)


def archive_files(posts=POSTS, *, manifest=True, older=False, split=True) -> dict[str, str]:
    """The files of a small archive, as X lays them out under data/."""
    files = {"data/account.js": ytd("account", 0, [{"account": {"email": "x@example.com", "createdVia": "web",
                                                                 "username": HANDLE, "accountId": ACCOUNT,
                                                                 "createdAt": "2009-06-02T20:12:29.000Z",
                                                                 "accountDisplayName": "The Executive"}}]),
             "data/note-tweet.js": ytd("note_tweet", 0, [NOTE]),
             "data/like.js": ytd("like", 0, [{"like": {"tweetId": "5", "fullText": "not ours"}}])}
    if manifest:
        files["data/manifest.js"] = "window.__THAR_CONFIG = " + json.dumps(
            {"userInfo": {"accountId": ACCOUNT, "userName": HANDLE, "displayName": "The Executive"},
             "archiveInfo": {"sizeBytes": "1000", "generationDate": GENERATED, "isPartialArchive": False,
                             "maxPartSizeBytes": "53687091200"}}, indent=2)
    if older:
        files["data/tweet.js"] = ytd("tweet", 0, [t for t in posts])          # bare objects, no wrapper
    elif split:
        files["data/tweets.js"] = ytd("tweets", 0, [{"tweet": t} for t in posts[:3]])
        files["data/tweets-part1.js"] = ytd("tweets", 1, [{"tweet": t} for t in posts[3:]])
    else:
        files["data/tweets.js"] = ytd("tweets", 0, [{"tweet": t} for t in posts])
    return files


def write_folder(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def write_zip(path: Path, files: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, text in files.items():
            zf.writestr(name, text)
    return path


def posts_by_id(con) -> dict:
    warehouse.apply_layers(con)
    rows = con.sql("select * from posts").pl().to_dicts()
    return {r["post_id"]: r for r in rows}


def test_folder_with_split_parts_and_note_lands_typed_posts(con, tmp_path):
    result = x_archive.import_archive(con, write_folder(tmp_path / "arch", archive_files()))
    assert result["posts"] == 5 and result["notes"] == 1 and result["files"] == 3
    assert result["exported_at_from"].startswith("data/manifest.js")
    posts = posts_by_id(con)
    assert set(posts) == {"1001", "1002", "1003", "1004", "1005"}
    assert {k: p["kind"] for k, p in posts.items()} == {"1001": "original", "1002": "reply", "1003": "quote",
                                                        "1004": "repost", "1005": "original"}
    assert posts["1002"]["referenced_post_id"] == "900" and posts["1002"]["in_reply_to_user_id"] == "77"
    assert posts["1003"]["referenced_post_id"] == "555"
    assert posts["1002"]["created_at"] == datetime(2025, 12, 6, 17, 0, tzinfo=UTC)   # +0200 converted to UTC
    assert posts["1001"]["created_at"] == datetime(2025, 12, 6, 18, 20, 30, tzinfo=UTC)
    assert posts["1005"]["text"] == LONG                       # the full text from note-tweet.js
    assert posts["1001"]["like_count"] == 12 and posts["1001"]["repost_count"] == 4
    for missing in ("reply_count", "quote_count", "bookmark_count", "impression_count"):
        assert all(p[missing] is None for p in posts.values()), missing    # missing, not zero
    assert all(p["account_id"] == ACCOUNT and p["sources"] == ["x_archive"] for p in posts.values())
    observed = con.execute("select distinct observed_at, client_name from stg_x_archive_posts").fetchall()
    assert observed == [(datetime(2025, 12, 7, 9, 15, tzinfo=UTC), "Twitter for iPhone")]
    raw = con.execute("select payload from raw_x_archive_tweets where (payload -> 'tweet' ->> 'id_str') = '1001'")
    assert json.loads(raw.fetchall()[0][0])["tweet"]["an_unknown_field"] == {"kept": True}
    again = x_archive.import_archive(con, tmp_path / "arch")
    assert again["new_records"] == 0


def test_zip_without_manifest_uses_the_zip_mtime_and_account_js(con, tmp_path):
    path = write_zip(tmp_path / "twitter-2025-12-07.zip", archive_files(manifest=False, split=False))
    stamp = datetime(2025, 12, 8, 10, 0, tzinfo=UTC).timestamp()
    os.utime(path, (stamp, stamp))
    result = x_archive.import_archive(con, path)
    assert result["account_id"] == ACCOUNT and "modification time" in result["exported_at_from"]
    posts = posts_by_id(con)
    assert len(posts) == 5 and posts["1005"]["text"] == LONG
    assert {p["metrics_observed_at"] for p in posts.values()} == {datetime(2025, 12, 8, 10, 0, tzinfo=UTC)}
    origin = con.execute("select distinct origin from raw_x_archive_tweets order by 1").fetchall()
    assert origin == [(f"{path}!data/note-tweet.js",), (f"{path}!data/tweets.js",)]


def test_older_tweet_js_with_bare_objects(con, tmp_path):
    x_archive.import_archive(con, write_folder(tmp_path / "old", archive_files(older=True)))
    posts = posts_by_id(con)
    assert set(posts) == {"1001", "1002", "1003", "1004", "1005"} and posts["1004"]["kind"] == "repost"


@pytest.mark.parametrize("broken, where", [
    ("window.YTD.tweets.part1 = [\n  {\"tweet\": {\"id_str\": \"1\"}},\n  {\"tweet\": \n]", "line 4"),
    ("tweets = [{\"tweet\": {\"id_str\": \"1\"}}]", "line 1"),
    ("window.YTD.tweets.part1 = [{\"tweet\": {\"no_id\": 1}}]", "element 0"),
    ("window.YTD.tweets.part1 = [] ; alert(1)", "unexpected text"),
])
def test_malformed_part_names_file_and_position_and_lands_nothing(con, tmp_path, broken, where):
    files = archive_files()
    files["data/tweets-part1.js"] = broken
    root = write_folder(tmp_path / "bad", files)
    with pytest.raises(InputError) as err:
        x_archive.import_archive(con, root)
    assert "data/tweets-part1.js" in str(err.value) and where in str(err.value)
    assert con.execute("select count(*) from raw_x_archive_tweets").fetchall()[0][0] == 0


def test_not_an_archive(con, tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no tweets.js"):
        x_archive.import_archive(con, tmp_path / "empty")
    (tmp_path / "x.zip").write_bytes(b"not a zip")
    with pytest.raises(InputError, match="x.zip: not a zip"):
        x_archive.import_archive(con, tmp_path / "x.zip")


def test_a_post_seen_in_archive_and_api_is_one_row_with_both_sources(con, tmp_path):
    api_posts = make_posts(10)
    shared = next(p for p in api_posts if (p.get("referenced_tweets") or [{}])[0].get("type") == "quoted")
    # The archive shows the same post with its own (older, export-time) counts and without a permalink, so its
    # kind guess is "original"; the API knows it is a quote.
    archived = tweet(shared["id"], "Wed Jan 01 06:00:00 +0000 2025", shared["text"], likes="2", reposts="1")
    files = archive_files(posts=[archived], split=False)
    files["data/manifest.js"] = files["data/manifest.js"].replace(GENERATED, "2099-01-01T00:00:00.000Z")
    x_archive.import_archive(con, write_folder(tmp_path / "a", files))
    with FakeX(posts=api_posts) as fake:
        x_api.collect_x(con, HANDLE, client=fake.mount(x_api.make_client(TOKEN)),
                        policy=x_api.RetryPolicy(sleep=lambda s: None))
    posts = posts_by_id(con)
    assert len(posts) == len(api_posts)
    row = posts[shared["id"]]
    assert row["sources"] == ["x_api", "x_archive"] and row["count_observations"] == 2
    assert row["kind"] == "quote" and row["referenced_post_id"] == shared["referenced_tweets"][0]["id"]
    assert row["impression_count"] == shared["public_metrics"]["impression_count"]   # only the API has it
    assert row["like_count"] == 2           # the newest observation (the archive, exported "2099") wins for likes
    assert row["conversation_id"] == shared["conversation_id"]


def test_cli_import_x_archive(db_path, tmp_path):
    path = write_zip(tmp_path / "a.zip", archive_files())
    r = CliRunner().invoke(app, ["import", "x-archive", str(path), "--db", str(db_path)])
    assert r.exit_code == 0, r.output
    out = " ".join(r.output.split())    # rich wraps long lines
    assert "5 posts (0 deleted before the export, 0 in Communities) and 1 long-post texts" in out and GENERATED[:10] in out
    bad = archive_files()
    bad["data/tweets.js"] = "window.YTD.tweets.part0 = [{"
    r = CliRunner().invoke(app, ["import", "x-archive", str(write_zip(tmp_path / "b.zip", bad)), "--db", str(db_path)])
    out = " ".join(r.output.split())
    assert r.exit_code == 1 and "data/tweets.js" in out and "nothing from this archive" in out
