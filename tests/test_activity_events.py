"""Traces of activity besides posts reach `activity_events`: Bluesky likes and reposts (listRecords, resumable by
cursor), the X archive's ad impressions, engagements and deletions, edits of any post source, Telegram edits,
reactions, pins and service actions, Slack edits, pins, channel events and thread replies.

Counts are checked against an independent reading of the same files (plain json, zipfile, datetime), never the
staging SQL's own output; real files come from tests/fixtures/real.
"""

from __future__ import annotations

import json
import re
import zipfile
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fakes.platforms import (
    BSKY_DID,
    BSKY_HANDLE,
    bsky_author,
    bsky_like,
    bsky_post,
    bsky_repost,
    bsky_repost_record,
    serve_bluesky,
    serve_mastodon_recorded,
    slack_msg,
    tg_message,
    write_slack,
    write_telegram,
)
from real_exports import REAL
from test_x_archive import ACCOUNT, POSTS, archive_files, write_zip, ytd
from typer.testing import CliRunner

from postaudit import registry, warehouse
from postaudit.cli import app
from postaudit.sources import mastodon, simulated, slack, telegram, twarc_jsonl, x_archive
from postaudit.sources.bluesky import BlueskyError, collect_bluesky

CONTRACT = ["platform", "account_id", "kind", "occurred_at", "source", "post_id", "target_id", "is_simulated",
            "detail", "record_id", "time_field", "time_value", "reject_reason"]
MART = ["platform", "account_id", "kind", "occurred_at", "source", "post_id", "target_id", "is_simulated", "detail"]


def events(con, platform: str | None = None) -> list[dict]:
    """activity_events as its SQL builds it (the staging views it reads, then the mart's query; the full build
    runs in test_every_trace_view_in_the_registry_reaches_activity_events)."""
    warehouse.staging_view(con, "stg_activity_events")
    mart = dict(warehouse.layer_relations("marts"))["activity_events"]
    where = f"where platform = '{platform}'" if platform else ""
    return con.sql(f"select * from ({mart}) {where} order by occurred_at, kind, target_id").pl().to_dicts()


def by_kind(rows: list[dict]) -> dict[str, int]:
    out: dict[str, int] = {}
    for r in rows:
        out[r["kind"]] = out.get(r["kind"], 0) + 1
    return dict(sorted(out.items()))


def rejected(con, view: str) -> list[tuple]:
    return con.execute("select field, value, reason from rejected_records where source = ? order by reason",
                       [view]).fetchall()


# ----------------------------------------------------------------------------------------------- the contract

def test_the_mart_and_every_trace_view_have_the_contract_columns(con):
    warehouse.apply_layers(con)
    assert [c[0] for c in con.execute("describe activity_events").fetchall()] == MART
    for view in registry.trace_views():
        assert [c[0] for c in con.execute(f"describe {view}").fetchall()] == CONTRACT, view
    union = registry.derived_staging()["stg_activity_events"]
    assert all(registry.reads(union, v) for v in registry.trace_views())


# ----------------------------------------------------------------------------------------------- Bluesky

OTHER = bsky_author("did:plc:someoneelse123", "other.example")
THEIRS = [bsky_post(f"3kt{i}", f"2024-03-0{i}T08:00:00.000Z", f"their post {i}", author=OTHER) for i in range(1, 8)]
LIKE_TIMES = [f"2024-03-{d:02d}T{h:02d}:15:30.250Z" for d, h in ((10, 9), (10, 21), (11, 7), (12, 13), (13, 8),
                                                                  (14, 23), (15, 6))]


def likes() -> list[dict]:
    """Seven likes, newest first by key; one without createdAt (its TID key times it), one whose time cannot be
    told (createdAt unreadable, key not a TID)."""
    out = [bsky_like(t, THEIRS[i]["uri"]) for i, t in enumerate(LIKE_TIMES)]
    out[2]["value"].pop("createdAt")
    out[4] = bsky_like(None, THEIRS[4]["uri"], rkey="self")
    out[4]["value"]["createdAt"] = "yesterday"
    return out


def independent_like_times(records: list[dict]) -> set[datetime]:
    """When each like happened, read without the staging SQL: createdAt, else the TID key's microseconds."""
    alphabet = "234567abcdefghijklmnopqrstuvwxyz"
    out = set()
    for r in records:
        try:
            out.add(datetime.fromisoformat(r["value"]["createdAt"].replace("Z", "+00:00")))
            continue
        except (KeyError, ValueError):
            pass
        rkey = r["uri"].rsplit("/", 1)[1]
        if re.fullmatch(r"[2-7a-j][2-7a-z]{12}", rkey):
            value = 0
            for ch in rkey:
                value = value * 32 + alphabet.index(ch)
            out.add(datetime.fromtimestamp(0, UTC) + timedelta(microseconds=value >> 10))
    return out


# Real records from the Bluesky firehose (Jetstream commits captured live on 2024-09-09 and 2025-06-21, quoted in
# public READMEs on GitHub): record key and the createdAt the client wrote.
REAL_KEYS = [("app.bsky.feed.like", "3l3qo2vuowo2b", "2024-09-09T19:46:02.102Z"),
             ("app.bsky.feed.like", "3ls4njrav3r27", "2025-06-21T13:22:38.492Z")]


def test_a_real_record_key_tells_its_time_within_seconds_of_its_createdat(con):
    """The fallback for a record without createdAt: on real records the key's time and createdAt agree."""
    records = [{"uri": f"at://{BSKY_DID}/{c}/{k}", "cid": "bafyrei" + k, "value": {
        "$type": c, "subject": {"uri": THEIRS[0]["uri"], "cid": "bafyreisubject"}}} for c, k, _ in REAL_KEYS]
    warehouse.land_raw(con, "raw_bluesky_records", [warehouse.RawRecord(json.dumps({"records": records}),
                                                                        key=BSKY_DID)],
                       warehouse.Provenance("bluesky_api", "https://pds.example/xrpc/com.atproto.repo.listRecords"))
    got = {r["occurred_at"] for r in events(con, "bluesky")}
    assert got == independent_like_times(records) and len(got) == 2
    for when, (_, _, created) in zip(sorted(got), sorted(REAL_KEYS, key=lambda k: k[2]), strict=True):
        gap = abs((when - datetime.fromisoformat(created.replace("Z", "+00:00"))).total_seconds())
        assert gap < 2, (when, created)


def bsky_run(con, httpserver, **kw):
    return collect_bluesky(con, BSKY_HANDLE, base_url=httpserver.url_for("/xrpc"), plc_url=httpserver.url_for("/plc"),
                           sleep=kw.pop("sleep", lambda s: None), **kw)


def test_bluesky_likes_and_reposts_are_traces_timed_when_the_actor_acted(con, httpserver):
    in_feed = bsky_repost(THEIRS[0], "2024-03-05T12:00:00.000Z", "3krp1")
    repost_records = [bsky_repost_record("2024-03-05T11:59:59.000Z", THEIRS[0]["uri"], rkey="3krp1"),
                      bsky_repost_record("2024-03-16T18:00:00.000Z", THEIRS[6]["uri"])]
    own = bsky_post("3kown", "2024-03-09T10:00:00.000Z", "my post")
    liked_own = bsky_like("2024-03-16T19:00:00.000Z", own["uri"])
    serve_bluesky(httpserver, [in_feed, {"post": own}], page_size=10, record_page=2,
                  collections={"app.bsky.feed.like": [*likes(), liked_own],
                               "app.bsky.feed.repost": repost_records})
    out = bsky_run(con, httpserver)
    assert out["app.bsky.feed.like"] == {"pages": 4, "records": 8, "resumed": False}
    rows = events(con, "bluesky")
    want_likes = independent_like_times([*likes(), liked_own])
    assert len(want_likes) == 7
    assert {r["occurred_at"] for r in rows if r["kind"] == "like"} == want_likes
    # the repost the feed shows is already a post; the one it does not show is a trace, at its createdAt
    reposts = [r for r in rows if r["kind"] == "repost"]
    assert [(r["occurred_at"], r["target_id"]) for r in reposts] == [
        (datetime(2024, 3, 16, 18, tzinfo=UTC), THEIRS[6]["uri"])]
    assert {r["account_id"] for r in rows} == {BSKY_DID} and {r["source"] for r in rows} == {"bluesky_api"}
    mine = [r for r in rows if r["target_id"] == own["uri"]]
    assert len(mine) == 1 and mine[0]["post_id"] == own["uri"]
    assert all(r["post_id"] is None for r in rows if r["target_id"] != own["uri"])
    # the like with no time is left out, with its reason
    assert out["traces_left_out"] == {"no readable createdAt and the record key is not a TID": 1}
    assert rejected(con, "stg_bluesky_traces") == [
        ("createdAt", "yesterday", "like: no readable createdAt and the record key is not a TID; left out")]
    assert out["traces"] == {"like": 7, "repost": 1}


def test_bluesky_trace_collection_resumes_at_its_cursor_and_then_asks_only_for_newer(con, httpserver):
    records = [bsky_like(t, THEIRS[i]["uri"]) for i, t in enumerate(LIKE_TIMES)]
    keys = sorted((r["uri"].rsplit("/", 1)[1] for r in records), reverse=True)
    asked: list[dict] = []
    serve_bluesky(httpserver, [], page_size=10, record_page=2, collections={"app.bsky.feed.like": records},
                  record_faults={("app.bsky.feed.like", keys[3]): 4}, record_requests=asked)

    def like_cursors() -> list:
        got = [a.get("cursor") for a in asked if a["collection"] == "app.bsky.feed.like"]
        asked.clear()
        return got

    stays = "the posts, the profile and 2 app.bsky.feed.like pages landed before this stay"
    with pytest.raises(BlueskyError, match=stays) as failed:
        bsky_run(con, httpserver)
    assert failed.value.kept
    assert like_cursors() == [None, keys[1], *[keys[3]] * 4]
    assert warehouse.scalar(con, "select count(*) from raw_bluesky_records where origin like '%feed.like%'") == 2
    sweep = json.loads(warehouse.scalar(con, "select sweep from sync_cursors where source = "
                                             "'bluesky_records:app.bsky.feed.like'"))
    assert (sweep["cursor"], sweep["pages"], sweep["records"]) == (keys[3], 2, 4)

    out = bsky_run(con, httpserver)   # resumes after the last landed page, then catches up from the newest
    assert out["app.bsky.feed.like"]["resumed"] and like_cursors() == [keys[3], keys[5], keys[6], None]
    assert len([r for r in events(con, "bluesky") if r["kind"] == "like"]) == 7
    newest, covered, sweep = con.execute("select newest_id, covered_from, sweep from sync_cursors "
                                         "where source = 'bluesky_records:app.bsky.feed.like'").fetchall()[0]
    assert (newest, covered, sweep) == (keys[0], None, None)

    bsky_run(con, httpserver)         # nothing new: one page, which reaches what is already there
    assert like_cursors() == [None]
    assert len([r for r in events(con, "bluesky") if r["kind"] == "like"]) == 7


def test_an_interrupted_sweep_serves_a_later_run_asking_less_far_back(con, httpserver):
    """Scheduled runs ask from now - lookback until one succeeds, so `since` moves between the failed run and the
    next: the sweep still resumes, since it reaches back at least as far."""
    records = [bsky_like(t, THEIRS[i]["uri"]) for i, t in enumerate(LIKE_TIMES)]
    keys = sorted((r["uri"].rsplit("/", 1)[1] for r in records), reverse=True)
    asked: list[dict] = []
    serve_bluesky(httpserver, [], page_size=10, record_page=2, collections={"app.bsky.feed.like": records},
                  record_faults={("app.bsky.feed.like", keys[3]): 4}, record_requests=asked)
    since = datetime(2024, 3, 1, tzinfo=UTC)
    with pytest.raises(BlueskyError):
        bsky_run(con, httpserver, since=since)
    asked.clear()
    bsky_run(con, httpserver, since=since + timedelta(hours=6))
    likes_asked = [a.get("cursor") for a in asked if a["collection"] == "app.bsky.feed.like"]
    assert likes_asked[0] == keys[3]
    assert len([r for r in events(con, "bluesky") if r["kind"] == "like"]) == 7


def test_a_bad_record_page_lands_nothing_of_itself_and_keeps_the_pages_before(con, httpserver):
    records = [bsky_like(t, THEIRS[i]["uri"]) for i, t in enumerate(LIKE_TIMES[:4])]
    records[1]["value"] = "not a record"   # newest first: the second page's first record
    serve_bluesky(httpserver, [], page_size=10, record_page=2, collections={"app.bsky.feed.like": records})
    with pytest.raises(BlueskyError, match=r"records\[0\]: no 'uri' and 'value'.* and 1 app\.bsky\.feed\.like page landed"):
        bsky_run(con, httpserver)
    assert warehouse.scalar(con, "select count(*) from raw_bluesky_records where origin like '%feed.like%'") == 1
    assert json.loads(warehouse.scalar(con, "select sweep from sync_cursors"))["pages"] == 1


def test_cli_collect_bluesky_reports_traces_and_says_what_stays_after_a_failure(db_path, httpserver):
    records = [bsky_like(t, THEIRS[i]["uri"]) for i, t in enumerate(LIKE_TIMES[:3])]
    records[0]["value"] = "not a record"   # the oldest: on the second page
    serve_bluesky(httpserver, [], page_size=10, record_page=2, collections={"app.bsky.feed.like": records})
    argv = ["collect", "bluesky", BSKY_HANDLE, "--base-url", httpserver.url_for("/xrpc"), "--plc-url",
            httpserver.url_for("/plc"), "--db", str(db_path)]
    r = CliRunner().invoke(app, argv)
    said = " ".join(r.output.split())
    assert r.exit_code == 1 and "and 1 app.bsky.feed.like page landed before this stay" in said
    assert "nothing was landed" not in said
    r = CliRunner().invoke(app, [*argv, "--no-traces"])
    assert r.exit_code == 0 and "like records" not in r.output


# ----------------------------------------------------------------------------------------------- X archive

def ads_files() -> dict[str, str]:
    """ad-impressions.js as X wrote it in 2023 (two-space indent, " : "), ad-engagements.js as in 2020 ("[ {")."""
    def impression(when, location, tweet=None, trend=None, advertiser="@advertiser"):
        i = {"deviceInfo": {"osType": "Desktop"}, "displayLocation": location,
             "advertiserInfo": {"advertiserName": "An Advertiser", "screenName": advertiser},
             "matchedTargetingCriteria": [{"targetingType": "Locations", "targetingValue": "Germany"}]}
        if tweet:
            i["promotedTweetInfo"] = {"tweetId": tweet, "tweetText": "buy this", "urls": [], "mediaUrls": []}
        if trend:
            i["promotedTrendInfo"] = {"trendId": trend, "name": "#Launch", "description": "Now playing"}
        if when:
            i["impressionTime"] = when
        return i

    shown_twice = impression("2025-11-08 09:00:05", "TimelineHome", tweet="1720000000000000003")
    impressions = [
        {"ad": {"adsUserData": {"adImpressions": {"impressions": [
            impression("2025-11-06 17:08:51", "TimelineHome", tweet="1720000000000000001"),
            impression("2025-11-06 17:09:30", "WtfSidebar", advertiser="@promoted_account")]}}}},
        {"ad": {"adsUserData": {"adImpressions": {"impressions": [
            impression("2025-11-07 10:00:00", "Trends", trend="95617"),
            impression(None, "SearchTweets", tweet="1720000000000000002"),
            shown_twice]}}}},
    ]
    engagements = [
        {"ad": {"adsUserData": {"adEngagements": {"engagements": [
            {"impressionAttributes": shown_twice, "engagementAttributes": [
                {"engagementTime": "2025-11-08 09:00:10", "engagementType": "ChargeableImpression"},
                {"engagementTime": "2025-11-08 09:00:12", "engagementType": "VideoContentPlaybackStart"},
                {"engagementTime": "2025-11-08 09:00:15", "engagementType": "VideoContentPlayback25"}]}]}}}},
        {"ad": {"adsUserData": {"adEngagements": {"engagements": [
            {"impressionAttributes": impression("2025-11-09 12:00:00", "ProfileTweets", tweet="1720000000000000004"),
             "engagementAttributes": [{"engagementTime": "2025-11-09 12:00:30", "engagementType": "Block"}]}]}}}},
    ]
    return {"data/ad-impressions.js": "window.YTD.ad_impressions.part0 = "
            + json.dumps(impressions, indent=2, separators=(",", " : ")),
            "data/ad-engagements.js": "window.YTD.ad_engagements.part0 = "
            + json.dumps(engagements, indent=2, separators=(",", " : ")).replace("[\n  {", "[ {", 1)}


def independent_ads(files: dict[str, str]) -> tuple[set, int]:
    """(kind, time, what was shown, detail) of every timed ad trace in the archive's files, and how many lack a time."""
    def rows(name):
        text = files[name]
        return json.loads(text[text.index("["):])

    def what(i):
        return (i.get("promotedTweetInfo") or {}).get("tweetId") or (
            "trend:" + i["promotedTrendInfo"]["trendId"] if "promotedTrendInfo" in i else i["advertiserInfo"]["screenName"])

    def when(text):
        return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)

    found, untimed = set(), 0
    shown = [i for r in rows("data/ad-impressions.js") for i in r["ad"]["adsUserData"]["adImpressions"]["impressions"]]
    engaged = [e for r in rows("data/ad-engagements.js") for e in r["ad"]["adsUserData"]["adEngagements"]["engagements"]]
    for i in [*shown, *(e["impressionAttributes"] for e in engaged)]:
        if "impressionTime" not in i:
            untimed += 1
            continue
        found.add(("ad_impression", when(i["impressionTime"]), what(i), i["displayLocation"]))
    for e in engaged:
        for a in e["engagementAttributes"]:
            found.add(("ad_engagement", when(a["engagementTime"]), what(e["impressionAttributes"]), a["engagementType"]))
    return found, untimed


def test_archive_ads_are_impressions_and_engagements_at_their_times(con, tmp_path):
    files = {**archive_files(), **ads_files()}
    out = x_archive.import_archive(con, write_zip(tmp_path / "archive.zip", files))
    want, untimed = independent_ads(files)
    rows = events(con, "x")
    got = {(r["kind"], r["occurred_at"], r["target_id"], r["detail"]) for r in rows if r["kind"].startswith("ad_")}
    assert got == want and len(want) == 9 and untimed == 1
    # shown in both files: one impression
    assert sum(r["target_id"] == "1720000000000000003" and r["kind"] == "ad_impression" for r in rows) == 1
    assert {r["account_id"] for r in rows} == {ACCOUNT} and {r["source"] for r in rows} == {"x_archive"}
    assert (out["ad_impressions_listed"], out["ad_engagements_listed"]) == (5, 2)
    assert out["traces"] == {"ad_engagement": 4, "ad_impression": 6}   # per landing, before the shared one merges
    assert rejected(con, "stg_x_archive_ads") == [
        ("impressionTime", None, "ad_impression: impressionTime missing or not like 2023-06-05 17:00:52; left out")]
    # importing again changes nothing and records the rejected trace once
    x_archive.import_archive(con, tmp_path / "archive.zip")
    assert len(events(con, "x")) == len(rows) and len(rejected(con, "stg_x_archive_ads")) == 1


def test_a_malformed_ad_file_refuses_the_archive(con, tmp_path):
    files = {**archive_files(), "data/ad-impressions.js": ytd("ad_impressions", 0, [{"ad": {"adsUserData": {}}}])}
    with pytest.raises(x_archive.InputError, match=r"ad-impressions\.js: element 0 \(0-based\) is not"):
        x_archive.import_archive(con, write_zip(tmp_path / "a.zip", files))
    assert warehouse.scalar(con, "select count(*) from raw_x_archive_tweets") == 0


def test_real_archive_deletions_are_traces_and_its_unedited_posts_give_no_edits(con):
    path = REAL / "x-archive" / "milahu104.zip"
    with zipfile.ZipFile(path) as zf:
        def rows(name):
            text = zf.read(name).decode("utf-8")
            return json.loads(text[text.index("["):])
        deleted = {(r["tweet"]["id_str"], datetime.strptime(r["tweet"]["deleted_at"], "%a %b %d %H:%M:%S %z %Y"))
                   for r in rows("data/deleted-tweets.js")}
        chains = [r["tweet"].get("edit_info", {}).get("initial", {}).get("editTweetIds", []) for r in
                  rows("data/tweets.js")]
    out = x_archive.import_archive(con, path)
    rows_ = events(con, "x")
    assert len(deleted) == 47 and {(r["post_id"], r["occurred_at"]) for r in rows_ if r["kind"] == "delete"} == deleted
    assert max(len(c) for c in chains) == 1 and not [r for r in rows_ if r["kind"] == "edit"]
    assert out["traces"] == {"delete": 47} and not out["traces_left_out"]


def test_an_archive_edit_chain_gives_one_edit_at_the_later_version_s_time(con, tmp_path):
    # snowflakes: milliseconds since X's epoch in the top bits; the first version at POSTS[0]'s created_at
    first = str((1765045230000 - 1288834974657) << 22)
    later = str(int(first) + (10_000 << 22))  # edited 10 s later
    chain = {"initial": {"editTweetIds": [first, later], "editableUntil": "2025-12-06T19:20:30.000Z",
                         "editsRemaining": "4", "isEditEligible": True}}
    posts = [*POSTS, {**POSTS[0], "id_str": first, "id": first, "edit_info": chain, "full_text": "v1"},
             {**POSTS[0], "id_str": later, "id": later, "full_text": "v2",
              "edit_info": {"edit": {"initialTweetId": first, "editControlInitial": chain["initial"]}}}]
    x_archive.import_archive(con, write_zip(tmp_path / "e.zip", archive_files(posts, split=False)))
    snowflake = datetime.fromtimestamp(((int(later) >> 22) + 1288834974657) // 1000, UTC)
    edits = [r for r in events(con, "x") if r["kind"] == "edit"]
    assert [(r["post_id"], r["occurred_at"]) for r in edits] == [(first, snowflake)]


def test_real_twarc_edits_give_one_edit_per_later_version_seen(con):
    paths = [REAL / "twarc2" / n for n in ("edited.jsonl", "edited_after.jsonl", "edited_before.jsonl")]
    later = set()
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            data = json.loads(line).get("data")
            for post in data if isinstance(data, list) else [data]:
                history = post.get("edit_history_tweet_ids") or [post["id"]]
                if post["id"] != history[0]:
                    later.add((history[0], datetime.fromisoformat(post["created_at"].replace("Z", "+00:00"))))
        twarc_jsonl.land_file(con, path)
    assert len(later) == 1
    assert {(r["post_id"], r["occurred_at"]) for r in events(con, "x") if r["kind"] == "edit"} == later


# ----------------------------------------------------------------------------------------------- Telegram

def test_real_telegram_edits_and_service_action_once_across_two_app_versions(con):
    zone = ZoneInfo("Europe/Berlin")
    want_edits, want_service = set(), set()
    for path in (REAL / "telegram" / "result.json", REAL / "telegram" / "result_2020-11_767dc7f.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        chat = data["id"] - 2**33 if data["id"] > 2**33 else data["id"]
        for m in data["messages"]:
            if "edited" in m:
                want_edits.add((f"{chat}/{m['id']}", datetime.fromisoformat(m["edited"]).replace(tzinfo=zone)))
            if m["type"] == "service":
                want_service.add((m["action"], datetime.fromisoformat(m["date"]).replace(tzinfo=zone)))
        out = telegram.import_telegram(con, path, tz="Europe/Berlin")
    rows = events(con, "telegram")
    assert len(want_edits) == 5 and {(r["post_id"], r["occurred_at"]) for r in rows if r["kind"] == "edit"} == want_edits
    assert {(r["detail"], r["occurred_at"]) for r in rows if r["kind"] == "service"} == want_service
    assert by_kind(rows) == {"edit": 5, "service": 1}
    assert {r["account_id"] for r in rows} == {"channel1292077344"}
    assert out["traces"] == {"edit": 4, "service": 1}   # the older export: 4 of the 5 edits


def local(epoch: int, hours: int = 2) -> str:
    """A time as Telegram Desktop writes `date`: the exporting machine's wall clock, no offset."""
    return (datetime.fromtimestamp(epoch, UTC) + timedelta(hours=hours)).replace(tzinfo=None).isoformat()


def tg_action(mid: int, epoch: int, actor_id: str, action: str, **extra) -> dict:
    return {"id": mid, "type": "service", "date": local(epoch), "date_unixtime": str(epoch), "actor": "Someone",
            "actor_id": actor_id, "action": action, "text": "", "text_entities": [], **extra}


T0 = 1_730_000_000


def test_telegram_group_edits_reactions_pins_and_service_actions_of_the_executive(con, tmp_path):
    def recent(who, epoch):
        return {"from": who, "from_id": who, "date": local(epoch)}

    messages = [
        tg_message(1, T0, edited=local(T0 + 60), edited_unixtime=str(T0 + 60)),
        tg_message(2, T0 + 100, edited=local(T0 + 300), edited_unixtime=str(T0 + 300),
                   reactions=[{"type": "emoji", "count": 1, "emoji": "👍", "recent": [recent("user200", T0 + 300)]}]),
        tg_message(3, T0 + 400, from_name="Mod", from_id="user200",
                   reactions=[{"type": "emoji", "count": 2, "emoji": "❤", "recent": [
                       recent("user100", T0 + 500), recent("user300", T0 + 450)]}]),
        tg_message(4, T0 + 600, reactions=[{"type": "custom_emoji", "count": 1, "document_id": "5368324170671202286",
                                            "recent": [recent("user100", T0 + 650)]}]),
        tg_action(5, T0 + 700, "user100", "pin_message", message_id=4),
        tg_action(6, T0 + 710, "user200", "pin_message", message_id=3),
        tg_action(7, T0 + 800, "user100", "edit_group_title", title="Exchange Chat"),
    ]
    path = write_telegram(tmp_path / "result.json", "private_supergroup", 555, messages)
    out = telegram.import_telegram(con, path, from_id="user100")
    rows = events(con, "telegram")
    at = lambda s: datetime.fromtimestamp(T0 + s, UTC)  # noqa: E731
    assert [(r["kind"], r["occurred_at"], r["post_id"], r["target_id"], r["detail"]) for r in rows] == [
        ("edit", at(60), "555/1", None, None),
        ("reaction", at(500), None, "555/3", "❤"),
        ("reaction", at(650), "555/4", "555/4", "custom_emoji:5368324170671202286"),
        ("pin", at(700), "555/4", "555/4", "pin_message"),
        ("service", at(800), None, None, "edit_group_title")]
    assert {r["account_id"] for r in rows} == {"user100"}
    # message 2's edit time is when it got its first reaction as far as the export can tell
    assert list(out["traces_left_out"].values()) == [1] and "30647" in next(iter(out["traces_left_out"]))
    assert rejected(con, "stg_telegram_traces")[0][:2] == ("edited_unixtime", str(T0 + 300))


def test_cli_import_telegram_says_what_traces_it_found(db_path):
    r = CliRunner().invoke(app, ["import", "telegram", str(REAL / "telegram" / "result.json"), "--tz", "Europe/Berlin",
                                 "--db", str(db_path)])
    assert r.exit_code == 0, r.output
    assert "traces of activity besides posts: 5 edit, 1 service" in " ".join(r.output.split())


# ----------------------------------------------------------------------------------------------- Slack

SLACK_EVENTS = {"pinned_item", "unpinned_item", "channel_join", "channel_leave", "channel_topic", "channel_purpose",
                "channel_name", "channel_archive", "channel_unarchive", "group_join", "group_leave", "group_topic",
                "group_purpose", "group_name", "bot_add", "bot_remove", "reminder_add"}


def slack_time(ts: str) -> datetime:
    whole, frac = ts.split(".")
    return datetime.fromtimestamp(int(whole), UTC) + timedelta(microseconds=int(frac.ljust(6, "0")[:6]))


@pytest.mark.parametrize("user, uid", [("hamza", "U0BMQB6JE"), ("abilinski", "U0BMYT2FL")])
def test_real_slack_edits_and_channel_events_of_the_executive_and_reactions_without_time(con, user, uid):
    path = REAL / "slack" / "hfaran-testarchive.zip"
    with zipfile.ZipFile(path) as zf:
        msgs = [m for n in zf.namelist() if re.search(r"/\d{4}-\d\d-\d\d\.json$", n) for m in json.loads(zf.read(n))]
    want = {("edit", slack_time(m["edited"]["ts"])) for m in msgs if (m.get("edited") or {}).get("user") == uid}
    want |= {("service", slack_time(m["ts"])) for m in msgs if m.get("user") == uid and m.get("subtype") in SLACK_EVENTS}
    reacted = sum(uid in r["users"] for m in msgs for r in m.get("reactions", []))
    out = slack.import_slack(con, path, user=user)
    assert {(r["kind"], r["occurred_at"]) for r in events(con)} == want
    # a reaction has no time in an export: counted nowhere, recorded as left out
    assert sum(out["traces_left_out"].values()) == reacted
    assert len(want) == {"hamza": 6, "abilinski": 2}[user] and reacted == {"hamza": 0, "abilinski": 1}[user]


def test_slack_thread_replies_only_the_thread_knows_pins_and_joins(con, tmp_path):
    parent = slack_msg("1704200000.000100", "U200", "question", thread_ts="1704200000.000100", reply_count=3,
                       replies=[{"user": "U100", "ts": "1704200100.000200"}, {"user": "U100", "ts": "1704290000.000300"},
                                {"user": "U200", "ts": "1704290500.000400"}],
                       reactions=[{"name": "thumbsup", "users": ["U100", "U200"], "count": 2}])
    days = {"general/2024-01-02": [
        {"type": "message", "subtype": "channel_join", "user": "U100", "text": "<@U100> has joined the channel",
         "ts": "1704100000.000000"},
        parent,
        slack_msg("1704200100.000200", "U100", "answer", thread_ts="1704200000.000100", parent_user_id="U200"),
        slack_msg("1704200400.000000", "U100", "an edited message", edited={"user": "U100", "ts": "1704200500.000000"}),
        {"type": "message", "subtype": "pinned_item", "user": "U100", "item_type": "C", "ts": "1704200600.000000",
         "text": "<@U100> pinned a message to this channel.", "item": {"type": "message", "ts": "1704200400.000000"}},
    ]}
    out = slack.import_slack(con, write_slack(tmp_path / "export", days), user="U100")
    rows = events(con, "slack")
    assert [(r["kind"], r["occurred_at"], r["post_id"], r["target_id"], r["detail"]) for r in rows] == [
        ("service", slack_time("1704100000.000000"), None, None, "channel_join"),
        ("edit", slack_time("1704200500.000000"), "C01GENERAL/1704200400.000000", None, None),
        ("pin", slack_time("1704200600.000000"), None, "C01GENERAL/1704200400.000000", "pinned_item"),
        # the reply in the export is a post already; the one only the thread lists is a trace
        ("thread_reply", slack_time("1704290000.000300"), "C01GENERAL/1704290000.000300",
         "C01GENERAL/1704200000.000100", None)]
    assert out["traces_left_out"] == {"a Slack export lists who reacted, never when": 1}


# ----------------------------------------------------------------------------------------------- every trace source

def test_every_trace_view_in_the_registry_reaches_activity_events(con, tmp_path):
    """One sample per trace view; a new trace view without a sample here fails, so does one whose rows stop
    short of the mart."""
    warehouse.land_raw(con, "raw_bluesky_records", [warehouse.RawRecord(
        json.dumps({"records": [bsky_like("2024-03-10T09:00:00.000Z", THEIRS[0]["uri"])], "cursor": "x"}),
        key=BSKY_DID)], warehouse.Provenance("bluesky_api", "https://pds.example/xrpc/com.atproto.repo.listRecords"))
    x_archive.import_archive(con, write_zip(tmp_path / "a.zip", {**archive_files(), **ads_files()}))
    twarc_jsonl.land_file(con, REAL / "twarc2" / "edited.jsonl")
    telegram.import_telegram(con, REAL / "telegram" / "result.json", tz="Europe/Berlin")
    slack.import_slack(con, REAL / "slack" / "hfaran-testarchive.zip", user="hamza")
    sim = tmp_path / "traces.jsonl"
    sim.write_text(json.dumps({"platform": "x", "account_id": "900000000000000001", "kind": "like",
                               "occurred_at": "2025-09-01T09:00:00Z", "target_id": "1", "session": 0}) + "\n")
    simulated.land_traces(con, sim)
    warehouse.apply_layers(con)
    sampled = {"stg_bluesky_traces", "stg_x_archive_ads", "stg_post_traces", "stg_telegram_traces",
               "stg_slack_traces", "stg_sim_traces"}
    assert set(registry.trace_views()) == sampled
    for view in registry.trace_views():
        reached = warehouse.scalar(con, f"""
            select count(*) from {view} v join activity_events e
              on e.platform = v.platform and e.account_id = v.account_id and e.kind = v.kind
             and e.occurred_at = v.occurred_at and e.post_id is not distinct from v.post_id
             and e.target_id is not distinct from v.target_id
            where v.reject_reason is null""")
        assert reached > 0, f"{view} reaches no row of activity_events"
    sources = {s.name for s in registry.sources() if s.trace_views}
    assert sources == {"simulated", "x_api", "x_jsonl", "x_archive", "bluesky", "mastodon", "telegram", "slack"}


# ----------------------------------------------------------------------------------------------- unreadable times

def test_chat_trace_times_no_clock_can_hold_are_left_out_not_errors(con, tmp_path):
    """An edit time of 17 digits overflows a timestamp: the view reads it as no time, the import records it as
    left out and lands the rest, instead of failing on a cast."""
    huge = "99999999999999999"
    tg = write_telegram(tmp_path / "result.json", "private_supergroup", 555, [
        tg_message(1, T0, edited_unixtime=huge),
        tg_message(2, T0 + 60, edited=local(T0 + 120), edited_unixtime=str(T0 + 120)),
        tg_action(3, T0 + 200, huge + "0" * 20, "edit_group_title", title="x")])
    out = telegram.import_telegram(con, tg, from_id="user100")
    assert out["traces"] == {"edit": 1} and sum(out["traces_left_out"].values()) == 1
    assert rejected(con, "stg_telegram_traces")[0][:2] == ("edited_unixtime", huge)
    sl = write_slack(tmp_path / "slack", {"general/2024-01-02": [
        slack_msg("1704200400.000000", "U100", "a", edited={"user": "U100", "ts": huge + ".000000"}),
        slack_msg("1704200500.000000", "U100", "b", edited={"user": "U100", "ts": "1704200600.000000"})]})
    out = slack.import_slack(con, sl, user="U100")
    assert out["traces"] == {"edit": 1}
    assert [r[:2] for r in rejected(con, "stg_slack_traces")] == [("edited.ts", huge + ".000000")]
    assert [(r["kind"], r["occurred_at"]) for r in events(con, "slack")] == [
        ("edit", slack_time("1704200600.000000"))]


# ----------------------------------------------------------------------------------------------- Mastodon

def test_real_mastodon_statuses_give_an_edit_only_where_edited_at_is_set(con, httpserver):
    """The recorded statuses (edited_at null in every one) give no edit; one given an edited_at, as Mastodon writes
    it for an edited status (ISO 8601 with milliseconds), gives one edit at that time."""
    recorded = json.loads((REAL / "mastodon" / "mastodon_py_responses.json").read_text(encoding="utf-8"))
    singles = [s["status"] for s in recorded["single_statuses"]]
    assert all(s["edited_at"] is None for s in singles)
    account = json.loads(recorded["responses"][0]["body"])["id"]
    edited = next(s for s in singles if s["account"]["id"] == account and not s["reblog"])
    edited["edited_at"] = (datetime.fromisoformat(edited["created_at"].replace("Z", "+00:00"))
                           + timedelta(minutes=7, milliseconds=250)).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    serve_mastodon_recorded(httpserver, recorded)
    host = f"{httpserver.host}:{httpserver.port}"
    mastodon.collect_mastodon(con, f"@mastodonpy_test@{host}", base_url=httpserver.url_for("").rstrip("/"),
                              sleep=lambda s: pytest.fail(f"waited {s} s"))
    rows = events(con, "mastodon")
    assert [(r["kind"], r["post_id"].rsplit(":", 1)[1], r["occurred_at"]) for r in rows] == [
        ("edit", edited["id"], datetime.fromisoformat(edited["edited_at"].replace("Z", "+00:00")))]


# ----------------------------------------------------------------------------------------------- the simulator

def _union_hours(intervals: list[tuple[float, float]]) -> float:
    """Hours covered by (start, end) seconds, overlaps counted once (an independent union, not the estimator's)."""
    total, reach = 0.0, float("-inf")
    for start, end in sorted(intervals):
        if end > reach:
            total += end - max(start, reach)
            reach = end
    return total / 3600


def test_the_simulated_executive_s_likes_and_ad_impressions_reach_activity_events_and_time_on_platform(tmp_path):
    """SIMULATED: the demo executive's timeline and traces land as the demo lands them, the CLI builds, and the
    mart and time_on_platform hold what the simulator drew, counted here from its own output."""
    from postaudit.metrics.posting_model import TRACE_SECONDS
    from postaudit.simulator.behaviour import utc_offset_seconds
    world = simulated.simulate(seed=11, days=28)
    files = simulated.write_files(world, tmp_path / "sim")
    drawn = [(datetime.fromisoformat(t["occurred_at"].replace("Z", "+00:00")), t["kind"]) for t in world.traces]
    assert {k for _, k in drawn} == {"like", "ad_impression"}
    assert [t["occurred_at"] for t in simulated.simulate(seed=11, days=28).traces] == [
        t["occurred_at"] for t in world.traces]                       # deterministic by seed
    db = tmp_path / "wh.duckdb"
    con = warehouse.connect(db)
    try:
        twarc_jsonl.land_file(con, files["timeline"], source="simulated", is_simulated=True)
        landed = simulated.land_traces(con, files["traces"])
        assert landed["traces"] == by_kind([{"kind": k} for _, k in drawn]) and landed["traces_left_out"] == {}
        assert simulated.land_traces(con, files["traces"])["new_records"] == 0      # twice adds nothing
    finally:
        con.close()
    zone = "UTC+08:00"   # the persona's stated zone, so local days are cut where the test cuts them
    r = CliRunner().invoke(app, ["build", "--db", str(db), "--n-boot", "100", "--timezone", zone])
    assert r.exit_code == 0, r.output
    con = warehouse.connect(db, read_only=True)
    try:
        mart = con.execute("select kind, count(*), bool_and(is_simulated), min(source), max(source) "
                           "from activity_events where platform = 'x' and account_id = ? group by kind order by kind",
                           [world.persona.user_id]).fetchall()
        [row] = con.sql(f"select * from time_on_platform where platform = 'x' and account_id = "
                        f"'{world.persona.user_id}'").pl().to_dicts()
    finally:
        con.close()
    assert mart == [(k, n, True, "simulated", "simulated") for k, n in by_kind([{"kind": k} for _, k in drawn]).items()]

    def local_day(at: datetime):
        return (at + timedelta(seconds=utc_offset_seconds(zone, at.date()))).date()

    inside = [(at, k) for at, k in drawn if row["window_start"] <= local_day(at) <= row["window_end"]]
    assert row["timezone"] == zone and 0 < len(inside) <= len(drawn)
    assert row["count_traces"] == len(inside)
    assert dict((k, int(n)) for k, n in (u.split(" ") for u in row["traces_used"].split(", "))) == by_kind(
        [{"kind": k} for _, k in inside])
    # what the method guarantees: the trace floor is the union of each trace's stated seconds before it; the
    # floor over posts and traces covers both floors; the estimate and its interval sit at or above it
    assert row["trace_floor_hours"] == pytest.approx(
        _union_hours([(at.timestamp() - TRACE_SECONDS[k], at.timestamp()) for at, k in inside]), rel=1e-9)
    assert row["activity_floor_hours"] >= max(row["floor_hours"], row["trace_floor_hours"]) - 1e-9
    assert row["activity_hours"] >= row["activity_floor_hours"] - 1e-9
    if row["activity_hours_low"] is not None:
        assert row["activity_floor_hours"] - 1e-9 <= row["activity_hours_low"] <= row["activity_hours"]
        assert row["activity_hours"] <= row["activity_hours_high"]


def test_simulated_traces_with_unreadable_values_are_left_out_not_errors(con, tmp_path):
    good = {"platform": "x", "account_id": "9", "kind": "like", "occurred_at": "2025-09-01T09:00:00Z",
            "target_id": "1", "session": 0}
    path = tmp_path / "traces.jsonl"
    path.write_text("".join(json.dumps({**good, **change}) + "\n" for change in (
        {}, {"occurred_at": "ninety o'clock", "target_id": "2"}, {"occurred_at": 12345, "target_id": "3"},
        {"kind": "wink", "target_id": "4"}, {"account_id": None, "target_id": "5"})))
    out = simulated.land_traces(con, path)
    assert out["new_records"] == 5 and out["traces"] == {"like": 1}
    assert sum(out["traces_left_out"].values()) == 4
    assert sorted(r[2].split(": ", 1)[1] for r in rejected(con, "stg_sim_traces")) == [
        "kind wink is not a trace the simulator draws (like, ad_impression); left out",
        "no platform or account_id; left out", "occurred_at missing or not an ISO 8601 time; left out",
        "occurred_at missing or not an ISO 8601 time; left out"]
    assert [(e["kind"], e["is_simulated"], e["source"]) for e in events(con, "x")] == [("like", True, "simulated")]


def test_an_audits_file_s_simulated_executive_lands_its_traces_through_the_fetch_job(tmp_path):
    """The other way in: a `source = "simulated"` executive's fetch job writes its traces to the landing area
    with its posts, and loading the batch brings them to activity_events as the simulator drew them."""
    from postaudit import audits, landing
    from postaudit.flows._fetch import run_job

    (tmp_path / "audits.toml").write_text(audits.simulated_audits_toml(1, days=7, seed=3))
    [job] = audits.jobs(audits.load(tmp_path / "audits.toml"), "posts")
    assert run_job(job, str(tmp_path / "landing"), str(tmp_path / "state"), "run-1")["fetched"] > 0
    o = dict(job.options)
    world = simulated.simulate(seed=o["seed"], days=o["days"], start=datetime.fromisoformat(o["start"]).date(),
                               persona=simulated.Persona(name=o["name"], handle=o["handle"], user_id=o["user_id"],
                                                         company=o["company"]))
    drawn = by_kind([{"kind": t["kind"]} for t in world.traces])
    assert drawn.keys() == {"like", "ad_impression"}
    con = warehouse.connect(tmp_path / "wh.duckdb")
    try:
        warehouse.ensure_raw(con)
        landing.load_batches(con, tmp_path / "landing")
        warehouse.apply_layers(con)
        got = con.execute("select kind, count(*) from activity_events where source = 'simulated' and is_simulated "
                          "and account_id = ? group by kind order by kind", [o["user_id"]]).fetchall()
    finally:
        con.close()
    assert dict(got) == drawn
