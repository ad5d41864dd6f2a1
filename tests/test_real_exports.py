"""Real exports land exactly: the files in tests/fixtures/real (and ../shared/real-exports/articles) imported and
checked against counts taken with plain json/zipfile/xml code, never the importers' own output; then each defect
the real files showed, on those files (or on copies changed the one way a test says)."""

from __future__ import annotations

import json
import re
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
import real_exports as rx
from fakes.platforms import serve_mastodon_recorded
from typer.testing import CliRunner

from postaudit import warehouse
from postaudit.cli import app
from postaudit.errors import InputError
from postaudit.sources import articles, mastodon, press_rss, slack, telegram, twarc_jsonl, x_archive

TWARC = rx.REAL / "twarc2"
ARCHIVE = rx.REAL / "x-archive" / "milahu104.zip"
SLACK = rx.REAL / "slack" / "hfaran-testarchive.zip"
TG_NEW, TG_OLD = rx.REAL / "telegram" / "result.json", rx.REAL / "telegram" / "result_2020-11_767dc7f.json"
FEEDS = rx.REAL / "rss" / "feed-rs"
runner = CliRunner()


def _built(con):
    warehouse.apply_layers(con)
    return con


def _out(result) -> str:
    return " ".join(result.output.split())


# ---------------------------------------------------------------- every real file, one table


def test_every_real_file_imports_with_the_independent_count(httpserver):
    rows = rx.measure(httpserver)
    assert len(rows) >= 40
    for r in rows:
        if r.independent is None:     # the invalid feed: not XML for ElementTree either
            assert isinstance(r.imported, str) and r.imported.startswith("refused"), r
        else:
            assert r.imported == r.independent, r
    # the table in docs/reliability.md is this run's (regenerate: python -m tests.real_exports)
    doc = rx.DOC.read_text(encoding="utf-8").splitlines()
    assert all(line in doc for line in rx.table(rows).splitlines())


# ---------------------------------------------------------------- 1. twarc2 stream lines, a cut last line


def _data_ids(path: Path) -> set[str]:
    ids = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            obj = json.loads(line)
        except ValueError:
            continue
        ids.add(obj["data"]["id"])
    return ids


def test_stream_lines_land_and_a_cut_last_line_is_reported_and_recorded(db_path):
    path = TWARC / "streaming_output_with_error.jsonl"
    r = runner.invoke(app, ["import", "x-jsonl", str(path), "--db", str(db_path)])
    assert r.exit_code == 0, r.output
    assert "streaming_output_with_error.jsonl:8" in _out(r) and "skipped: cut short" in _out(r)
    con = warehouse.connect(db_path)
    try:
        _built(con)
        got = {p for (p,) in con.execute("select post_id from posts").fetchall()}
        assert got == _data_ids(path) and len(got) == 7
        assert con.execute("select file, line, reason like 'cut short%' from rejected_records").fetchall() == [
            (str(path), 8, True)]
        # authors of stream lines are account observations too
        assert warehouse.scalar(con, "select count(distinct account_id) from stg_x_users") == len(
            {json.loads(x)["data"]["author_id"] for x in path.read_text().splitlines()[:7]})
    finally:
        con.close()


def test_a_bad_line_inside_refuses_the_file_unless_skip_bad_lines(db_path, tmp_path):
    good = (TWARC / "2sets.jsonl").read_text(encoding="utf-8").splitlines()
    cut = (TWARC / "streaming_output_with_error.jsonl").read_text(encoding="utf-8").splitlines()[-1]
    path = tmp_path / "mixed.jsonl"
    path.write_text("\n".join([good[0], cut, good[1]]) + "\n", encoding="utf-8")
    r = runner.invoke(app, ["import", "x-jsonl", str(path), "--db", str(db_path)])
    assert r.exit_code == 1 and "mixed.jsonl:2: not valid JSON" in _out(r) and "Traceback" not in r.output
    r = runner.invoke(app, ["import", "x-jsonl", str(path), "--db", str(db_path), "--skip-bad-lines"])
    assert r.exit_code == 0 and "1 line(s) skipped" in _out(r), r.output
    con = warehouse.connect(db_path)
    try:
        assert warehouse.scalar(con, "select count(*) from raw_x_pages") == 2
        assert con.execute("select line, value = ? from rejected_records", [cut[:200]]).fetchall() == [(2, True)]
        _built(con)
        assert warehouse.scalar(con, "select count(*) from posts") == rx.twarc_posts(TWARC / "2sets.jsonl")["posts"]
    finally:
        con.close()


def test_api_v1_lines_and_users_lookups_are_not_posts(con, tmp_path):
    v1 = tmp_path / "v1.jsonl"
    v1.write_text(json.dumps({"created_at": "Wed Oct 10 20:19:24 +0000 2018", "id": 1, "id_str": "1",
                              "text": "old twarc", "user": {"id": 2}}) + "\n")
    with pytest.raises(InputError, match=r"v1\.jsonl:1: an X API v1.1 post"):
        twarc_jsonl.land_file(con, v1)
    users = tmp_path / "users.jsonl"    # `twarc2 users` writes pages whose data are users, not posts
    users.write_text(json.dumps({"data": [{"id": "12", "username": "jack", "name": "jack",
                                           "created_at": "2006-03-21T20:50:14.000Z"}]}) + "\n")
    assert twarc_jsonl.land_file(con, users)["posts"] == 0
    assert warehouse.scalar(_built(con), "select count(*) from posts") == 0
    r = runner.invoke(app, ["import", "x-jsonl", str(users), "--db", str(tmp_path / "w.duckdb")])
    assert r.exit_code == 0 and "no posts in it" in _out(r)       # said, not silent


# ---------------------------------------------------------------- 3. edits: one post per chain


def test_an_edited_post_is_one_post_with_its_first_time_latest_text_and_every_version_time(con):
    files = [TWARC / f"{n}.jsonl" for n in ("edited_before", "edited", "edited_after")]
    for f in files:
        twarc_jsonl.land_file(con, f)
    rows = _built(con).sql("select * from posts").pl().to_dicts()
    # independently: the chain, each version's own created_at, the latest version as the newest capture saw it
    pages = [json.loads(f.read_text()) for f in files]
    versions = {t["id"]: t for p in pages for t in p["includes"]["tweets"]}
    chain = pages[0]["data"][0]["edit_history_tweet_ids"]
    latest = max((p for p in pages if p["data"][0]["id"] == chain[-1]), key=lambda p: p["__twarc"]["retrieved_at"])
    assert len(rows) == 1
    post = rows[0]
    assert post["post_id"] == chain[0]
    assert post["created_at"] == datetime.fromisoformat(versions[chain[0]]["created_at"].replace("Z", "+00:00"))
    assert post["text"] == latest["data"][0]["text"]
    assert post["like_count"] == latest["data"][0]["public_metrics"]["like_count"]
    assert post["version_times"] == [datetime.fromisoformat(versions[i]["created_at"].replace("Z", "+00:00"))
                                     for i in chain]


def _archive_copy(tmp_path: Path, change) -> Path:
    """The real archive zip rewritten member by member; change(name, bytes) returns bytes, None (drop) or a list
    of (name, bytes) to write instead."""
    out = tmp_path / "archive.zip"
    with zipfile.ZipFile(ARCHIVE) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            got = change(info.filename, src.read(info))
            for name, data in (got if isinstance(got, list) else [] if got is None else [(info.filename, got)]):
                dst.writestr(name, data)
    return out


def _tweets() -> list[dict]:
    with zipfile.ZipFile(ARCHIVE) as zf:
        text = zf.read("data/tweets.js").decode("utf-8")
    return [r["tweet"] for r in json.loads(text[text.index("["):])]


def _ytd(name: str, rows: list) -> bytes:
    return f"window.YTD.{name}.part0 = {json.dumps(rows, indent=2, ensure_ascii=False)}".encode()


def test_an_edited_archive_post_is_one_post(con, tmp_path):
    first = next(t for t in _tweets() if not t["full_text"].startswith("RT @"))
    # its edit 90 s later, in the shape archives write (edit_info.edit.initialTweetId, editControlInitial)
    later_id = str(int(first["id_str"]) + (90_000 << 22))
    edit = {**first, "id_str": later_id, "id": later_id, "full_text": first["full_text"] + " (edited)",
            "created_at": datetime.fromtimestamp(((int(later_id) >> 22) + 1288834974657) // 1000, UTC)
            .strftime("%a %b %d %H:%M:%S +0000 %Y"),
            "edit_info": {"edit": {"initialTweetId": first["id_str"], "editControlInitial": {
                "editTweetIds": [first["id_str"], later_id], "editableUntil": "2026-03-05T16:44:51.000Z",
                "editsRemaining": "4", "isEditEligible": True}}}}

    def change(name, data):
        if name == "data/tweets.js":
            rows = json.loads(data.decode()[data.decode().index("["):])
            return _ytd("tweets", [*rows, {"tweet": edit}])
        return data

    x_archive.import_archive(con, _archive_copy(tmp_path, change))
    got = _built(con).execute("select count(*), count(*) filter (where post_id = ?) from posts",
                              [first["id_str"]]).fetchall()[0]
    assert got == (rx.archive_posts(ARCHIVE)["posts"], 1)
    text, times = con.execute("select text, len(version_times) from posts where post_id = ?",
                              [first["id_str"]]).fetchall()[0]
    assert text.endswith("(edited)") and times == 2


# ---------------------------------------------------------------- 2. long posts matched by text and time


def test_notes_join_their_own_post_never_a_neighbour_in_time(con, tmp_path):
    tweets = sorted(_tweets(), key=lambda t: datetime.strptime(t["created_at"], "%a %b %d %H:%M:%S %z %Y"))
    when = {t["id_str"]: datetime.strptime(t["created_at"], "%a %b %d %H:%M:%S %z %Y") for t in tweets}
    # the real archive's two posts 5 s apart (a reply thread): the first becomes a long post (its note continues
    # its text; the note leaves out the reply's leading @mention), the second stays short
    pairs = [(a, b) for a, b in zip(tweets, tweets[1:], strict=False)
             if (when[b["id_str"]] - when[a["id_str"]]).total_seconds() <= 5 and not a["full_text"].startswith("RT")]
    long_post, neighbour = max(pairs, key=lambda p: len(p[0]["full_text"]))
    body = long_post["full_text"].split(" ", 1)[1] if long_post["full_text"].startswith("@") else long_post["full_text"]

    def note(nid: str, text: str, at: datetime) -> dict:
        stamp = at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        return {"noteTweet": {"noteTweetId": nid, "updatedAt": stamp, "createdAt": stamp, "lifecycle": {
            "value": "00", "name": "Created", "originalName": "Created", "annotations": {}},
            "core": {"styletags": [], "urls": [], "text": text, "mentions": [], "cashtags": [], "hashtags": []}}}

    notes = [note("91", body + " and the rest of it, written for this test", when[long_post["id_str"]]),
             note("92", "a note whose post is not in this archive", datetime(2020, 1, 1, tzinfo=UTC))]

    def change(name, data):
        return _ytd("note_tweet", notes) if name == "data/note-tweet.js" else data

    result = x_archive.import_archive(con, _archive_copy(tmp_path, change))
    assert result["notes"] == 2 and result["unmatched_notes"] == ["92"]
    texts = dict(_built(con).execute("select post_id, text from posts where post_id in (?, ?)",
                                     [long_post["id_str"], neighbour["id_str"]]).fetchall())
    assert texts[long_post["id_str"]] == notes[0]["noteTweet"]["core"]["text"]
    assert texts[neighbour["id_str"]] == neighbour["full_text"]     # 5 s away, its own text kept
    assert warehouse.scalar(con, "select count(*) from posts where text like '%written for this test'") == 1


# ---------------------------------------------------------------- 4. deleted and community posts


def test_deleted_and_community_posts_land_flagged(con):
    x_archive.import_archive(con, ARCHIVE)
    deleted, community, total = _built(con).execute(
        "select count(deleted_at), count(community_id), count(*) from posts").fetchall()[0]
    said = rx.archive_posts(ARCHIVE)["manifest"]
    assert (deleted, community, total) == (said["deletedTweets"], said["communityTweet"],
                                           said["tweets"] + said["deletedTweets"] + said["communityTweet"])


def test_a_feed_entry_without_link_lands_under_a_stable_id(con, tmp_path):
    # the real BBC item with its <link> and <guid> removed (RSS 2.0 allows an item with only a title)
    xml = (FEEDS / "rss_2.0_bbc.xml").read_text(encoding="utf-8")
    item = re.search(r"<item>.*?</item>", xml, re.S)[0]
    bare = re.sub(r"<(link|guid)\b[^>]*>.*?</\1>", "", item, flags=re.S)
    for name in ("a.xml", "b.xml"):
        (tmp_path / name).write_text(xml.replace(item, bare), encoding="utf-8")
        land = warehouse.land_raw(con, "raw_press_items", press_rss.fetch_file(tmp_path / name),
                                  warehouse.Provenance("rss_file", name))
        assert land == 1
    # the same entry saved in two files is named the same, so the press build merges it into one article
    rows = con.execute("select distinct payload ->> 'url', payload ->> 'url_from' from raw_press_items").fetchall()
    assert len(rows) == 1 and rows[0][0].startswith("urn:postaudit:feed-entry:") and rows[0][1] == "content"


def test_an_undeclared_koi8r_feed_is_not_mojibake(con, tmp_path):
    title = "Глава компании рассказал, сколько времени он проводит в социальных сетях"
    body = ("Руководитель крупной компании сообщил журналистам, что ежедневно тратит около двух часов на чтение "
            "новостей и ответы подписчикам. По его словам, это помогает ему понимать настроения клиентов.")
    feed = (f"<rss version=\"2.0\"><channel><title>Новости</title><link>https://example.ru/</link><item>"
            f"<title>{title}</title><link>https://example.ru/a/1</link><description>{body}</description>"
            f"</item></channel></rss>")
    path = tmp_path / "koi8.xml"
    path.write_bytes(feed.encode("koi8_r"))      # no XML declaration, no charset anywhere
    [rec] = list(press_rss.fetch_file(path))
    assert json.loads(rec.payload)["title"] == title


def test_saved_article_pages_take_the_address_they_name():
    pages = sorted((rx.SHARED / "articles").glob("*.html")) if (rx.SHARED / "articles").is_dir() else []
    if not pages:
        pytest.skip("../shared/real-exports/articles is not here")
    con = rx._warehouse()
    out = articles.import_article_files(con, [str(p) for p in pages])
    got = {r[0] for r in con.execute("select payload ->> 'url' from raw_press_pages").fetchall()}
    assert out["files_skipped"] == 0 and got == {rx.page_address(p) for p in pages}
    assert not any(u.startswith("file:") for u in got)


# ---------------------------------------------------------------- 5. one Telegram channel exported twice


def test_old_and_new_telegram_exports_of_one_channel_are_one_account(con):
    for path in (TG_NEW, TG_OLD):
        telegram.import_telegram(con, path, tz="Europe/Berlin")
    rows = _built(con).execute("select account_id, count(*) from posts group by 1").fetchall()
    new = json.loads(TG_NEW.read_text())
    assert rows == [(f"channel{new['id']}", rx.telegram_messages(TG_NEW, TG_OLD)["posts"])]
    assert telegram.bare_chat_id(json.loads(TG_OLD.read_text())["id"], "private_channel") == new["id"]
    assert telegram.sender_id(9882011936) == "channel1292077344" and telegram.sender_id(4294967300) == "chat4"


def test_slack_exports_merge_as_zip_folder_wrapped_and_without_users_json(con, tmp_path):
    folder = tmp_path / "unpacked"
    with zipfile.ZipFile(SLACK) as zf:
        zf.extractall(folder)
    (folder / "users.json").unlink()               # some export tools leave it out
    wrapped = tmp_path / "wrapped.zip"
    with zipfile.ZipFile(SLACK) as src, zipfile.ZipFile(wrapped, "w") as dst:
        for info in src.infolist():
            dst.writestr(f"Mesos Slack export Mar 2016/{info.filename}", src.read(info))
    for path, user in ((SLACK, "hamza"), (folder, "U0BMQB6JE"), (folder, "hamza"), (wrapped, "hamza")):
        assert slack.import_slack(con, path, user=user)["executive_id"] == "U0BMQB6JE"
    ind = rx.slack_messages(SLACK, "U0BMQB6JE")
    assert _built(con).execute("select count(*) from group_messages").fetchall()[0][0] == ind["messages"]
    assert warehouse.scalar(con, "select count(*) from posts") == ind["posts"]


# ---------------------------------------------------------------- 6. zip and folder traps


def test_two_members_with_one_name_are_refused_naming_them(con, tmp_path):
    def change(name, data):
        return [(name, data), (name, data[:len(data) // 2])] if name == "data/tweets.js" else data

    with pytest.warns(UserWarning, match="Duplicate name"):
        path = _archive_copy(tmp_path, change)
    with pytest.raises(InputError, match="two members named 'data/tweets.js'"):
        x_archive.import_archive(con, path)
    assert warehouse.scalar(con, "select count(*) from raw_x_archive_tweets") == 0


def test_members_leaving_the_export_are_refused(con, tmp_path):
    def change(name, data):
        return [(name, data), ("../data/tweets-part1.js", _ytd("tweets", []))] if name == "data/manifest.js" else data

    with pytest.raises(InputError, match=r"'\.\./data/tweets-part1\.js' points outside the export"):
        x_archive.import_archive(con, _archive_copy(tmp_path, change))


def test_a_member_that_expands_too_far_is_refused_before_it_is_read(con, tmp_path):
    bomb = b"window.YTD.tweets.part1 = [" + b" " * (4 * 2**20) + b"]"      # 4 MiB that deflate to ~4 KB

    def change(name, data):
        return [(name, data), ("data/tweets-part1.js", bomb)] if name == "data/tweets.js" else data

    path = _archive_copy(tmp_path, change)
    with pytest.raises(InputError, match=r"tweets-part1\.js: expands [\d,]+-fold .* over the 100x cap"):
        x_archive.import_archive(con, path)


def test_the_total_read_from_one_export_is_capped(con, monkeypatch):
    monkeypatch.setenv("POSTAUDIT_MAX_EXPORT_BYTES", "1000000")
    with pytest.raises(InputError, match=r"data/tweets\.js: reading it would take this archive past"):
        x_archive.import_archive(con, ARCHIVE)


def test_a_symlink_out_of_an_export_folder_is_refused_and_one_inside_is_read(con, tmp_path):
    folder = tmp_path / "slack"
    with zipfile.ZipFile(SLACK) as zf:
        zf.extractall(folder)
    outside = tmp_path / "secret.json"
    outside.write_text(json.dumps([{"type": "message", "user": "U0BMQB6JE", "text": "not in the export",
                                    "ts": "1459000000.000001"}]))
    (folder / "enrique" / "2016-04-01.json").symlink_to(outside)
    with pytest.raises(InputError, match=r"enrique/2016-04-01\.json is a symlink to .*secret\.json, outside"):
        slack.import_slack(con, folder, user="hamza")
    (folder / "enrique" / "2016-04-01.json").unlink()
    (folder / "enrique" / "2016-04-01.json").symlink_to(folder / "enrique" / "2016-03-28.json")
    assert slack.import_slack(con, folder, user="hamza")["records"] > rx.slack_messages(SLACK)["records"]


# ---------------------------------------------------------------- 7. deep nesting: one line, no traceback


def _deep(n: int = 100_000) -> str:
    return "[" * n + "]" * n


@pytest.mark.parametrize("importer", ["x-jsonl", "telegram", "x-archive", "slack"])
def test_deeply_nested_json_ends_in_one_line_naming_the_file(db_path, tmp_path, importer):
    if importer == "x-jsonl":
        path = tmp_path / "deep.jsonl"
        # a flattened post: DuckDB's own reader takes 100,000 levels in a page; Python's parser is the one that fails
        path.write_text('{"id": "1", "text": "deep", "entities": ' + _deep() + "}\n")
        args = [str(path)]
    elif importer == "telegram":
        path = tmp_path / "result.json"
        doc = json.loads(TG_NEW.read_text())
        text = json.dumps(doc)
        path.write_text(text.replace('"text": "', '"deep": ' + _deep() + ', "text": "', 1))
        args = [str(path), "--tz", "Europe/Berlin"]
    elif importer == "x-archive":
        def change(name, data):
            return b"window.YTD.community_tweet.part0 = [" + _deep().encode() + b"]" \
                if name == "data/community-tweet.js" else data
        args = [str(_archive_copy(tmp_path, change))]
    else:
        folder = tmp_path / "slack"
        with zipfile.ZipFile(SLACK) as zf:
            zf.extractall(folder)
        (folder / "enrique" / "2016-04-01.json").write_text(_deep())
        args = [str(folder), "--user", "hamza"]
    r = runner.invoke(app, ["import", importer, *args, "--db", str(db_path)])
    assert r.exit_code == 1 and "nested too deeply" in _out(r), r.output
    assert "Traceback" not in r.output and isinstance(r.exception, SystemExit | None)


# ---------------------------------------------------------------- 8. reposts: whose counts


def test_a_repost_carries_no_counts_of_its_own_and_the_originals_apart(con):
    path = TWARC / "2sets.jsonl"
    twarc_jsonl.land_file(con, path)
    got = {r["post_id"]: r for r in _built(con).sql("select * from posts where kind = 'repost'").pl().to_dicts()}
    expected = {}
    for line in path.read_text().splitlines():
        page = json.loads(line)
        included = {t["id"]: t["public_metrics"] for t in page["includes"].get("tweets", [])}
        for t in page["data"]:
            ref = [r["id"] for r in t.get("referenced_tweets", []) if r["type"] == "retweeted"]
            if ref:
                expected[t["id"]] = (t["public_metrics"]["retweet_count"], (included.get(ref[0]) or {}).get("like_count"))
    assert set(got) == set(expected) and len(expected) > 50
    for pid, (reposts, likes) in expected.items():
        row = got[pid]
        assert row["like_count"] is None and row["repost_count"] is None and row["impression_count"] is None
        assert (row["original_repost_count"], row["original_like_count"]) == (reposts, likes)
    own = con.execute("select count(*) from posts where kind <> 'repost' and like_count is null").fetchall()[0][0]
    assert own == 0


# ---------------------------------------------------------------- 9. Mastodon and Bluesky in their real shapes


def test_real_mastodon_responses_land_with_their_kinds(con, httpserver):
    recorded = json.loads((rx.REAL / "mastodon" / "mastodon_py_responses.json").read_text())
    seen = serve_mastodon_recorded(httpserver, recorded)
    host = f"{httpserver.host}:{httpserver.port}"
    out = mastodon.collect_mastodon(con, f"@mastodonpy_test@{host}", base_url=httpserver.url_for("").rstrip("/"),
                                    sleep=lambda s: pytest.fail(f"waited {s} s"))
    assert out["statuses"] == rx.mastodon_statuses(rx.REAL / "mastodon" / "mastodon_py_responses.json")["posts"]
    assert [a.get("max_id") for a in seen][:2] == [None, "117020580489281910"]    # the recorded Link header
    rows = {r["post_id"].rsplit(":", 1)[1]: r for r in _built(con).sql("select * from posts").pl().to_dicts()}
    singles = {s["status"]["id"]: s["status"] for s in recorded["single_statuses"]}
    reblog = next(s for s in singles.values() if s["reblog"])
    assert reblog["url"].endswith("/activity")
    assert rows[reblog["id"]]["kind"] == "repost" and rows[reblog["id"]]["like_count"] is None
    assert rows[reblog["id"]]["original_like_count"] == reblog["reblog"]["favourites_count"]
    quote = next(s for s in singles.values() if (s["quote"] or {}).get("state") == "accepted" and not s["in_reply_to_id"]
                 and s["account"]["id"] == reblog["account"]["id"])
    assert rows[quote["id"]]["kind"] == "quote"
    assert rows[quote["id"]]["referenced_post_id"].endswith(quote["quote"]["quoted_status"]["id"])
    assert rows[quote["id"]]["quote_count"] == quote["quotes_count"]


def test_a_revoked_quote_is_no_quote(con):
    recorded = json.loads((rx.REAL / "mastodon" / "mastodon_py_responses.json").read_text())
    revoked = next(s["status"] for s in recorded["single_statuses"] if (s["status"]["quote"] or {}).get("state")
                   == "revoked")
    assert revoked["quote"]["quoted_status"] is None
    warehouse.land_raw(con, "raw_mastodon_pages", [warehouse.RawRecord(json.dumps([revoked]), key="admin@localhost")],
                       warehouse.Provenance("mastodon_api", "recorded"))
    kind, ref = _built(con).execute("select kind, referenced_post_id from posts").fetchall()[0]
    assert (kind, ref) == ("original", None)


# Bluesky: getAuthorFeed misses posts the repository has (atproto 2616); 2024 feed shapes


def test_bluesky_history_comes_from_the_repository_with_counts_from_the_appview(con, httpserver):
    from fakes.platforms import BSKY_DID, bsky_author, bsky_pinned, bsky_post, bsky_repost, serve_bluesky

    from postaudit.sources import bluesky

    other = bsky_author("did:plc:someoneelse123", "other.example")
    theirs = bsky_post("3korig", "2024-02-01T08:00:00.000Z", "their post", author=other, counts=(5, 6, 70, None))
    old = bsky_post("3jold", "2023-06-01T08:00:00.000Z", "an old post", counts=(1, 1, 9, None))
    feed = [bsky_pinned(old),
            bsky_repost(theirs, "2024-03-05T12:00:00.000Z", "3krp1", with_uri=False),
            {"post": bsky_post("3kr1", "2024-03-04T18:45:10.500Z", "thanks!", reply_to=theirs["uri"],
                               counts=(0, 0, 5, None)), "reply": {"root": theirs, "parent": theirs}},
            {"post": bsky_post("3ko1", "2024-03-01T07:00:00.000Z", "hello", counts=(10, 20, 300, None))}]
    missing = [bsky_post(f"3km{i:02d}", f"2024-01-{1 + i:02d}T07:00:00.000Z", f"not in the feed {i}",
                         counts=(i, i, 10 * i, None)) for i in range(30)]
    for style in ("timestamp", "ms_cid"):
        httpserver.clear()
        seen = serve_bluesky(httpserver, feed, page_size=1, cursor_style=style, repo_only=missing, record_page=7)
        out = bluesky.collect_bluesky(con, "ceo.exchange.example", base_url=httpserver.url_for("/xrpc"),
                                      plc_url=httpserver.url_for("/plc"), sleep=lambda s: None)
        assert [a.get("cursor") for a in seen][1:] and all(
            ("::" in a["cursor"]) == (style == "ms_cid") for a in seen[1:])
        assert out["records"] == len(missing) + 3 and out["not_in_feed"] == len(missing)
    rows = {r["post_id"]: r for r in _built(con).sql("select * from posts").pl().to_dicts()}
    assert len(rows) == len(missing) + 4           # 3 own posts in the feed, 30 only in the repository, a repost
    assert all(rows[p["uri"]]["like_count"] == p["likeCount"] for p in missing)
    assert all(r["quote_count"] is None for r in rows.values())        # no quoteCount: unknown, not zero
    assert theirs["uri"] not in rows                                     # an item-level reply parent is not a post
    repost = rows[f"repost:{BSKY_DID}:{theirs['uri']}"]
    assert repost["like_count"] is None and repost["original_like_count"] == 70


def test_a_pinned_post_does_not_stop_incremental_paging(con, httpserver):
    from fakes.platforms import bsky_pinned, bsky_post, serve_bluesky

    from postaudit.sources import bluesky

    old = bsky_post("3jold", "2023-06-01T08:00:00.000Z", "pinned long ago")
    recent = [{"post": bsky_post(f"3kn{i}", f"2024-03-{20 - i:02d}T07:00:00.000Z", f"post {i}")} for i in range(6)]
    seen = serve_bluesky(httpserver, [bsky_pinned(old), *recent], page_size=3, cursor_style="timestamp")
    bluesky.collect_bluesky(con, "ceo.exchange.example", base_url=httpserver.url_for("/xrpc"),
                            plc_url=httpserver.url_for("/plc"), since=datetime(2024, 3, 1, tzinfo=UTC),
                            sleep=lambda s: None)
    assert len(seen) == 3      # all three pages: the pinned 2023 post on page 1 is no reason to stop


# ---------------------------------------------------------------- the fixtures are the real files


def test_the_fixture_copies_are_byte_identical_to_shared_where_it_exists():
    if not rx.SHARED.is_dir():
        pytest.skip("../shared/real-exports is not here")
    for path in rx.REAL.rglob("*"):
        twin = rx.SHARED / path.relative_to(rx.REAL)
        if path.is_file() and path.name not in ("LICENSE", "README.md"):
            assert twin.read_bytes() == path.read_bytes(), path


def test_folder_and_zip_of_one_archive_land_the_same(con, tmp_path):
    folder = tmp_path / "archive"
    with zipfile.ZipFile(ARCHIVE) as zf:
        zf.extractall(folder)
    a = x_archive.import_archive(con, ARCHIVE)
    b = x_archive.import_archive(con, folder)
    assert (a["posts"], b["posts"], b["new_records"]) == (rx.archive_posts(ARCHIVE)["posts"],) * 2 + (0,)


@pytest.mark.parametrize("importer", ["x-jsonl", "telegram", "table"])
def test_a_lone_surrogate_is_refused_in_one_line_and_a_whole_emoji_lands(db_path, tmp_path, importer):
    # "\ud83d" alone: a post cut inside an emoji; DuckDB's JSON cannot hold it, UTF-8 cannot encode it
    for text, lands in (("cut \\ud83d", False), ("whole \\ud83d\\ude00", True)):
        if importer == "x-jsonl":
            line = (TWARC / "two_tweets.jsonl").read_text(encoding="utf-8").splitlines()[0]
            page = json.loads(line)
            old = json.dumps(page["data"][0]["text"])
            path = tmp_path / "s.jsonl"
            path.write_text(line.replace(old[1:-1], text, 1) + "\n", encoding="utf-8")
            args = [str(path)]
        elif importer == "telegram":
            path = tmp_path / "result.json"
            path.write_text(TG_NEW.read_text(encoding="utf-8").replace('"text": "', f'"text": "{text} ', 3),
                            encoding="utf-8")
            args = [str(path), "--tz", "Europe/Berlin"]
        else:
            path = tmp_path / "posts.jsonl"
            path.write_text('{"id": "1", "time": "2024-01-01T00:00:00Z", "text": "' + text + '"}\n')
            args = [str(path), "--map", "time=time,text=text,id=id", "--platform", "wechat", "--account", "a"]
        r = runner.invoke(app, ["import", importer, *args, "--db", str(db_path)])
        if lands:
            assert r.exit_code == 0, r.output
        else:
            assert r.exit_code == 1 and "lone UTF-16 surrogate" in _out(r) and "Traceback" not in r.output, r.output


def test_a_repost_in_a_stream_line_finds_its_original_in_the_lines_includes(con, tmp_path):
    # a real repost of 2sets.jsonl written the way `twarc2 stream` writes a line: data one object, its includes
    page = json.loads((TWARC / "2sets.jsonl").read_text().splitlines()[0])
    included = {t["id"]: t for t in page["includes"]["tweets"]}
    post = next(t for t in page["data"] for r in t.get("referenced_tweets", [])
                if r["type"] == "retweeted" and r["id"] in included)
    original = included[post["referenced_tweets"][0]["id"]]
    path = tmp_path / "stream.jsonl"
    path.write_text(json.dumps({"data": post, "includes": {"tweets": [original], "users": page["includes"]["users"]},
                                "matching_rules": [{"id": "1", "tag": "t"}]}) + "\n")
    twarc_jsonl.land_file(con, path)
    row = _built(con).sql("select * from posts").pl().to_dicts()[0]
    assert (row["kind"], row["like_count"], row["original_like_count"]) == (
        "repost", None, original["public_metrics"]["like_count"])


def _collected_by_a_flow_and_built(path: Path, tmp_path: Path) -> Path:
    """The file read by the collect_posts flow's file job (an audits file's x_jsonl), then `postaudit build`."""
    from postaudit.flows.collect_posts import collect_posts

    db = tmp_path / "wh.duckdb"
    collect_posts(str(db), x_jsonl=[str(path)])
    built = runner.invoke(app, ["build", "--db", str(db), "--n-boot", "100"])
    assert built.exit_code == 0, built.output
    return db


def test_a_cut_last_line_read_by_a_flow_is_recorded_in_the_warehouse_too(prefect_harness, tmp_path):
    """A file job's importer writes into its private DuckDB: what it rejects must reach the warehouse with the batch."""
    path = TWARC / "streaming_output_with_error.jsonl"
    con = warehouse.connect(_collected_by_a_flow_and_built(path, tmp_path), read_only=True)
    try:
        assert warehouse.scalar(con, "select count(*) from posts") == len(_data_ids(path)) == 7
        assert con.execute("select source, file, line, reason like 'cut short%' from rejected_records "
                           "where source not like 'stg%'").fetchall() == [("twarc_jsonl", str(path), 8, True)]
    finally:
        con.close()
    # the batch's rejects moved with it, and nothing waits in the landing area
    landing = tmp_path / "landing"
    assert not list(landing.glob("*/*.jsonl")) and not list(landing.glob("*/*.rejected.json"))
    assert len(list((landing / "_loaded").glob("*/*.rejected.json"))) == 1


def test_a_flattened_twarc_file_in_a_flow_lands_as_the_import_lands_it(prefect_harness, tmp_path):
    """`twarc2 flatten` output read by a flow's file job (an audits file's x_jsonl), not only by `import x-jsonl`."""
    path = TWARC / "flat.jsonl"
    lines = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
    con = warehouse.connect(_collected_by_a_flow_and_built(path, tmp_path), read_only=True)
    try:
        assert warehouse.scalar(con, "select count(*) from raw_x_flat_tweets") == len(lines) == 100
        assert {p for (p,) in con.execute("select post_id from posts").fetchall()} == {x["id"] for x in lines}
    finally:
        con.close()
