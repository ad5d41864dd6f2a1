"""Bluesky getAuthorFeed against a fake AppView on loopback: paging, kinds, repost timing, counts, faults."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from fakes.platforms import BSKY_DID, BSKY_HANDLE, bsky_author, bsky_post, bsky_repost, serve_bluesky
from typer.testing import CliRunner

from postaudit import warehouse
from postaudit.cli import app
from postaudit.sources.bluesky import BlueskyError, collect_bluesky

OTHER = bsky_author("did:plc:someoneelse123", "other.example")
ORIGINAL_ELSEWHERE = bsky_post("3korig", "2024-02-01T08:00:00.000Z", "their post", author=OTHER,
                               counts=(50, 60, 700, 8))


def feed() -> list[dict]:
    """Newest first, as getAuthorFeed orders it."""
    return [
        bsky_repost(ORIGINAL_ELSEWHERE, "2024-03-05T12:00:00.000Z", "3krp1"),
        {"post": bsky_post("3kq2", "2024-03-04T09:30:00.000Z", "look at this", quote=ORIGINAL_ELSEWHERE["uri"],
                           with_media=True)},
        {"post": bsky_post("3kq1", "2024-03-03T09:30:00.000Z", "agreed", quote=ORIGINAL_ELSEWHERE["uri"])},
        {"post": bsky_post("3kr1", "2024-03-02T18:45:10.500Z", "thanks!", reply_to=ORIGINAL_ELSEWHERE["uri"],
                           counts=(0, 0, 5, 0)),
         "reply": {"root": ORIGINAL_ELSEWHERE, "parent": ORIGINAL_ELSEWHERE}},
        {"post": bsky_post("3ko1", "2024-03-01T07:00:00.000Z", "hello bluesky", counts=(10, 20, 300, 4),
                           langs=("en", "de"))},
    ]


def run(con, httpserver, **kw):
    return collect_bluesky(con, BSKY_HANDLE, base_url=httpserver.url_for("/xrpc"), plc_url=httpserver.url_for("/plc"),
                           sleep=kw.pop("sleep", None) or (lambda s: pytest.fail(f"unexpected sleep {s}")), **kw)


def test_feed_pages_land_and_become_posts_with_kinds_times_and_counts(con, httpserver):
    seen = serve_bluesky(httpserver, feed(), page_size=2)
    out = run(con, httpserver)
    assert out["pages"] == 3 and out["new_pages"] == 3 and out["feed_items"] == 5 and out["did"] == BSKY_DID
    # cursor paging, by DID, never above the API's 100 limit
    assert [a.get("cursor") for a in seen] == [None, "2", "4"]
    assert {a["actor"] for a in seen} == {BSKY_DID} and {int(a["limit"]) for a in seen} == {100}
    warehouse.apply_layers(con)
    rows = con.sql("select * from posts where platform = 'bluesky' order by created_at").pl().to_dicts()
    assert [r["kind"] for r in rows] == ["original", "reply", "quote", "quote", "repost"]
    assert {r["account_id"] for r in rows} == {BSKY_DID}
    original, reply, quote1, quote2, repost = rows
    assert original["created_at"] == datetime(2024, 3, 1, 7, 0, tzinfo=UTC) and original["lang"] == "en"
    assert (original["reply_count"], original["repost_count"], original["like_count"], original["quote_count"]) == (
        10, 20, 300, 4)
    assert reply["referenced_post_id"] == ORIGINAL_ELSEWHERE["uri"]
    assert reply["in_reply_to_user_id"] == "did:plc:someoneelse123"
    assert reply["created_at"] == datetime(2024, 3, 2, 18, 45, 10, 500000, tzinfo=UTC)
    assert quote1["referenced_post_id"] == quote2["referenced_post_id"] == ORIGINAL_ELSEWHERE["uri"]
    # the repost is the executive's act at reason.indexedAt, not the original's createdAt
    assert repost["created_at"] == datetime(2024, 3, 5, 12, 0, tzinfo=UTC)
    assert repost["post_id"] == f"at://{BSKY_DID}/app.bsky.feed.repost/3krp1"
    assert repost["referenced_post_id"] == ORIGINAL_ELSEWHERE["uri"]
    assert repost["like_count"] is None  # the original's 700 likes are not the executive's
    acct = con.sql("select * from accounts where platform = 'bluesky'").pl().to_dicts()
    assert len(acct) == 1 and acct[0]["followers_count"] == 12345 and acct[0]["handle"] == BSKY_HANDLE
    assert acct[0]["count_posts_collected"] == 5


def test_collecting_again_adds_no_identical_pages_and_no_duplicate_posts(con, httpserver):
    serve_bluesky(httpserver, feed(), page_size=2)
    run(con, httpserver)
    assert run(con, httpserver)["new_pages"] == 0
    warehouse.apply_layers(con)
    assert warehouse.scalar(con, "select count(*) from posts where platform = 'bluesky'") == 5


def test_since_stops_paging(con, httpserver):
    seen = serve_bluesky(httpserver, feed(), page_size=2)
    out = run(con, httpserver, since=datetime(2024, 3, 4, tzinfo=UTC))
    assert out["pages"] == 2 and len(seen) == 2  # the second page reaches 2024-03-03, older than since


def test_rate_limit_waits_until_reset_then_continues(con, httpserver):
    slept = []
    # RateLimit-Reset is epoch seconds; the client measures it against the server's Date header (whole seconds)
    reset = int(time.time()) + 20
    headers = {"RateLimit-Limit": "3000", "RateLimit-Remaining": "0", "RateLimit-Reset": str(reset)}
    serve_bluesky(httpserver, feed(), page_size=5, fail_first=(429, headers))
    out = run(con, httpserver, sleep=slept.append)
    assert len(slept) == 1 and 20 <= slept[0] <= 22 and out["pages"] == 1


def test_rate_limit_longer_than_max_wait_gives_up_and_lands_nothing(con, httpserver):
    headers = {"RateLimit-Reset": str(int(time.time()) + 3600)}
    serve_bluesky(httpserver, feed(), page_size=5, fail_first=(429, headers))
    with pytest.raises(BlueskyError, match="HTTP 429"):
        run(con, httpserver, max_wait=300)
    assert warehouse.scalar(con, "select count(*) from raw_bluesky_feed_pages") == 0


def test_unknown_actor_is_reported_with_the_request(con, httpserver):
    serve_bluesky(httpserver, feed(), page_size=5)
    with pytest.raises(BlueskyError, match=r"getProfile\?actor=nobody.example: HTTP 400 InvalidRequest: Profile"):
        collect_bluesky(con, "nobody.example", base_url=httpserver.url_for("/xrpc"))
    assert warehouse.scalar(con, "select count(*) from raw_bluesky_profiles") == 0


def test_cli_collect_bluesky(db_path, httpserver):
    serve_bluesky(httpserver, feed(), page_size=100)
    r = CliRunner().invoke(app, ["collect", "bluesky", BSKY_HANDLE, "--base-url", httpserver.url_for("/xrpc"),
                                 "--plc-url", httpserver.url_for("/plc"), "--db", str(db_path)])
    assert r.exit_code == 0, r.output
    assert "5 feed items on 1 pages" in " ".join(r.output.split())
    r = CliRunner().invoke(app, ["collect", "bluesky", "nobody.example", "--base-url",
                                 httpserver.url_for("/xrpc"), "--db", str(db_path)])
    assert r.exit_code == 1 and "Profile not found" in r.output
