"""Traces reach time_on_platform by the path users take: `collect bluesky` against a loopback AppView/PDS and
`import x-archive` of an archive with ad files land posts and traces in one DuckDB file, `build` fills the marts.

What each account's row should hold is counted here from what the fake served and what the archive's files hold
(plain json, zoneinfo), never from the warehouse; the estimator's figures are checked only for what
metrics/posting_time.py guarantees.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from fakes.platforms import (
    BSKY_DID,
    BSKY_HANDLE,
    bsky_like,
    bsky_post,
    bsky_repost,
    bsky_repost_record,
    bsky_tid,
    serve_bluesky,
)
from test_activity_events import THEIRS, _union_hours, ads_files, independent_ads, independent_like_times
from test_x_archive import ACCOUNT, archive_files, tweet, write_zip
from typer.testing import CliRunner

from postaudit import warehouse
from postaudit.cli import app
from postaudit.metrics.calibration import MIN_DAYS
from postaudit.metrics.posting_model import TRACE_SECONDS

# Stated for every account so local days are cut where the test cuts them; nine hours east of UTC, so a trace can
# fall on a UTC date inside an account's window and a local date outside it, and the other way round.
ZONE = "Asia/Tokyo"
TOKYO = ZoneInfo(ZONE)


def iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def local_day(at: datetime) -> date:
    return at.astimezone(TOKYO).date()


# ----------------------------------------------------------------------------------------------- Bluesky

# own posts over local days 2024-03-04 .. 2024-03-20 (the first at 08:30 Tokyo, the last at 20:00)
BSKY_POST_TIMES = ["2024-03-03T23:30:00.000Z", "2024-03-04T02:11:40.000Z", "2024-03-05T10:47:05.000Z",
                   "2024-03-06T00:05:13.000Z", "2024-03-07T12:40:00.000Z", "2024-03-08T03:33:21.000Z",
                   "2024-03-09T10:00:00.000Z", "2024-03-11T06:18:44.000Z", "2024-03-13T01:02:09.000Z",
                   "2024-03-14T13:59:30.000Z", "2024-03-16T04:25:00.000Z", "2024-03-18T09:09:09.000Z",
                   "2024-03-20T11:00:00.000Z"]
REPO_ONLY_TIME = "2024-03-15T07:45:00.000Z"     # a post getAuthorFeed does not show; the repository does
FEED_REPOST_TIME = "2024-03-12T03:00:00.000Z"   # a repost the feed shows: a post, not a trace


def bluesky_served() -> dict:
    """What the fake serves: the feed, the posts only the repository holds, and the like and repost records."""
    own = [bsky_post(bsky_tid(t), t, f"post {i}") for i, t in enumerate(BSKY_POST_TIMES)]
    repo_only = [bsky_post(bsky_tid(REPO_ONLY_TIME), REPO_ONLY_TIME, "only in the repository")]
    feed = [{"post": p} for p in own] + [bsky_repost(THEIRS[0], FEED_REPOST_TIME, "3krp1")]
    feed.sort(key=lambda i: (i.get("reason") or i["post"])["indexedAt"], reverse=True)   # newest first
    like_times = [
        "2024-03-03T14:59:00.000Z",   # 23:59 on 03-03 in Tokyo: before the window
        "2024-03-03T15:00:30.000Z",   # 00:00:30 on 03-04 in Tokyo: inside, though its UTC date is before the window
        "2024-03-03T20:00:00.000Z",   # 05:00 on 03-04 in Tokyo: the same (two, so a cut in UTC days changes the count)
        "2024-03-06T08:15:30.250Z", "2024-03-09T10:00:01.000Z", "2024-03-12T21:40:00.000Z",
        "2024-03-17T06:06:06.000Z",
        "2024-03-20T14:59:59.000Z",   # 23:59:59 on 03-20 in Tokyo: inside
        "2024-03-20T15:00:01.000Z",   # 00:00:01 on 03-21 in Tokyo: after the window, though its UTC date is inside
    ]
    likes = [bsky_like(t, THEIRS[i % len(THEIRS)]["uri"]) for i, t in enumerate(like_times)]
    likes.append(bsky_like("2024-03-13T01:10:00.000Z", own[8]["uri"]))     # a like of its own post
    untimed_key = bsky_like("2024-03-14T02:00:00.000Z", THEIRS[1]["uri"])
    untimed_key["value"].pop("createdAt")                                   # timed by its TID key
    likes.append(untimed_key)
    no_time = bsky_like(None, THEIRS[2]["uri"], rkey="self")                # no time at all: left out
    no_time["value"]["createdAt"] = "yesterday"
    likes.append(no_time)
    reposts = [bsky_repost_record("2024-03-12T02:59:59.000Z", THEIRS[0]["uri"], rkey="3krp1"),   # the feed's repost
               bsky_repost_record("2024-03-16T18:00:00.000Z", THEIRS[6]["uri"]),
               bsky_repost_record("2024-03-19T23:30:00.000Z", THEIRS[5]["uri"])]
    return {"own": own, "repo_only": repo_only, "feed": feed, "likes": likes, "reposts": reposts}


def bluesky_truth(served: dict) -> tuple[list[datetime], list[tuple[datetime, str]]]:
    """(times of the account's posts, (time, kind) of every timed trace), read from what was served: a like at its
    createdAt or TID key, a repost record unless the feed shows that repost (then it is a post)."""
    posts = [iso(p["record"]["createdAt"]) for p in served["own"] + served["repo_only"]]
    shown = set()
    for item in served["feed"]:
        reason = item.get("reason") or {}
        if reason.get("$type", "").endswith("#reasonRepost"):
            posts.append(iso(reason["indexedAt"]))
            shown |= {reason.get("uri"), item["post"]["uri"]}
    traces = []
    for kind, records in (("like", served["likes"]), ("repost", served["reposts"])):
        for r in records:
            if kind == "repost" and (r["uri"] in shown or r["value"]["subject"]["uri"] in shown):
                continue
            traces += [(t, kind) for t in independent_like_times([r])]
    return posts, traces


# ----------------------------------------------------------------------------------------------- X archive

X_POST_TIMES = [datetime(2025, 11, 6, 15, 30, tzinfo=UTC),    # 00:30 on 11-07 in Tokyo: the window's first day
                *(datetime(2025, 11, d, h, m, tzinfo=UTC) for d, h, m in (
                    (7, 1, 12), (8, 8, 55), (9, 23, 3), (11, 4, 40), (13, 10, 10), (15, 2, 22), (18, 12, 5),
                    (20, 0, 45), (22, 7, 30))),
                datetime(2025, 11, 24, 14, 0, tzinfo=UTC)]    # 23:00 on 11-24 in Tokyo: its last


def x_archive_files() -> dict[str, str]:
    """An archive whose posts span local days 2025-11-07 .. 11-24, with the ad files of test_activity_events and
    two more impressions a minute either side of the window's local edges."""
    posts = [tweet(str(1900000000000000000 + i), t.strftime("%a %b %d %H:%M:%S +0000 %Y"), f"archive post {i}")
             for i, t in enumerate(X_POST_TIMES)]
    files = {**archive_files(posts, split=False), **ads_files()}
    name = "data/ad-impressions.js"
    rows = json.loads(files[name][files[name].index("["):])
    extra = [{"deviceInfo": {"osType": "Ios"}, "displayLocation": "TimelineHome", "impressionTime": when,
              "promotedTweetInfo": {"tweetId": tweet_id, "tweetText": "an offer", "urls": [], "mediaUrls": []},
              "advertiserInfo": {"advertiserName": "Another Advertiser", "screenName": "@another"},
              "matchedTargetingCriteria": []}
             for when, tweet_id in (("2025-11-06 14:59:00", "1720000000000000091"),    # 23:59 on 11-06 in Tokyo
                                    ("2025-11-24 15:01:00", "1720000000000000092"))]   # 00:01 on 11-25 in Tokyo
    rows[0]["ad"]["adsUserData"]["adImpressions"]["impressions"] += extra
    files[name] = "window.YTD.ad_impressions.part0 = " + json.dumps(rows, indent=2, separators=(",", " : "))
    return files


# ----------------------------------------------------------------------------------------------- the path

def window_of(posts: list[datetime]) -> tuple[date, date]:
    return min(map(local_day, posts)), max(map(local_day, posts))


def inside(traces: list[tuple[datetime, str]], window: tuple[date, date]) -> list[tuple[datetime, str]]:
    return [(t, k) for t, k in traces if window[0] <= local_day(t) <= window[1]]


def by_kind(traces: list[tuple[datetime, str]]) -> dict[str, int]:
    out: dict[str, int] = {}
    for _, k in traces:
        out[k] = out.get(k, 0) + 1
    return out


def assert_guarantees(row: dict, expected: list[tuple[datetime, str]]) -> None:
    """What posting_time.py guarantees of a row with traces in its window, for the traces expected there."""
    assert row["count_traces"] == len(expected) > 0
    used = dict((k, int(n)) for k, n in (u.split(" ") for u in row["traces_used"].split(", ")))
    assert used == by_kind(expected)
    # the trace floor: the union of each trace's stated seconds before it
    assert row["trace_floor_hours"] == pytest.approx(
        _union_hours([(t.timestamp() - TRACE_SECONDS[k], t.timestamp()) for t, k in expected]), rel=1e-9)
    # the floor over posts and traces is one union of both: at least either, at most their sum
    floor, trace_floor, both = row["floor_hours"], row["trace_floor_hours"], row["activity_floor_hours"]
    assert max(floor, trace_floor) - 1e-9 <= both <= floor + trace_floor + 1e-9
    # a window of MIN_DAYS or more gets an interval, which sits on the floor and holds the estimate
    assert row["count_days"] >= MIN_DAYS and row["activity_hours_low"] is not None
    assert both - 1e-9 <= row["activity_hours_low"] <= row["activity_hours"] <= row["activity_hours_high"]
    # sessions with a post or a trace include those with a post: never a smaller estimate or upper end
    assert row["activity_hours"] >= row["posting_hours"] - 1e-9
    assert row["activity_hours_high"] >= row["posting_hours_high"] - 1e-9


def test_bluesky_likes_and_reposts_and_archive_ads_reach_time_on_platform_after_a_real_build(tmp_path, httpserver):
    served = bluesky_served()
    serve_bluesky(httpserver, served["feed"], page_size=5, repo_only=served["repo_only"], record_page=4,
                  collections={"app.bsky.feed.like": served["likes"], "app.bsky.feed.repost": served["reposts"]})
    files = x_archive_files()
    archive = write_zip(tmp_path / "twitter-2025-11-25.zip", files)
    db = tmp_path / "wh.duckdb"
    runner = CliRunner()
    r = runner.invoke(app, ["collect", "bluesky", BSKY_HANDLE, "--base-url", httpserver.url_for("/xrpc"),
                            "--plc-url", httpserver.url_for("/plc"), "--db", str(db)])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["import", "x-archive", str(archive), "--db", str(db)])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["build", "--db", str(db), "--n-boot", "100", "--timezone", ZONE])
    assert r.exit_code == 0, r.output
    con = warehouse.connect(db, read_only=True)
    try:
        rows = {(t["platform"], t["account_id"]): t for t in
                con.sql("select * from time_on_platform").pl().to_dicts()}
    finally:
        con.close()

    bsky_posts, bsky_traces = bluesky_truth(served)
    ads, untimed = independent_ads(files)
    x_traces = [(t, k) for k, t, _, _ in ads]
    assert len(bsky_traces) == 13 and by_kind(bsky_traces) == {"like": 11, "repost": 2}
    assert len(x_traces) == 11 and untimed == 1
    assert set(rows) == {("bluesky", BSKY_DID), ("x", ACCOUNT), ("all", "all")}

    expected = {}
    for key, posts, traces in ((("bluesky", BSKY_DID), bsky_posts, bsky_traces), (("x", ACCOUNT), X_POST_TIMES,
                                                                                  x_traces)):
        row = rows[key]
        window = window_of(posts)
        assert (row["timezone"], row["window_start"], row["window_end"]) == (ZONE, *window), key
        assert row["count_posts"] == len(posts), key
        expected[key] = inside(traces, window)
        assert_guarantees(row, expected[key])
    # the edges are cut in local days: one trace before and one after each window, none lost inside it
    assert len(expected["bluesky", BSKY_DID]) == len(bsky_traces) - 2
    assert len(expected["x", ACCOUNT]) == len(x_traces) - 2

    # every account as one person: every trace inside the span of all posts
    every = window_of(bsky_posts + X_POST_TIMES)
    assert (rows["all", "all"]["window_start"], rows["all", "all"]["window_end"]) == every
    assert_guarantees(rows["all", "all"], inside(bsky_traces + x_traces, every))
    assert rows["all", "all"]["count_traces"] == len(bsky_traces) + len(x_traces) - 2
