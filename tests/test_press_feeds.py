"""RSS/Atom over HTTP: conditional GET with stored validators, bad encodings, unreadable feeds."""

from __future__ import annotations

from fakes.press import FIXTURES, FakeClock, FeedFake, server  # noqa: F401

from postaudit.http import PoliteClient
from postaudit.sources.press_rss import collect_feeds
from postaudit.warehouse import scalar


def _client() -> PoliteClient:
    clock = FakeClock()
    return PoliteClient(min_interval=1.0, clock=clock, sleep=clock.sleep, timeout=5)


def test_etag_is_stored_and_a_304_lands_nothing(server, con):  # noqa: F811
    feed = FeedFake((FIXTURES / "scraped_feed.xml").read_bytes())
    server.expect_request("/feed").respond_with_handler(feed)
    url = server.url_for("/feed")
    first = collect_feeds(con, [url], client=_client())
    assert first["new_feed_items"] == 2 and first["feeds_unchanged"] == 0
    assert con.execute("select etag, last_modified, last_status, last_count_items from feed_state").fetchall() == [
        ('"v1"', "Mon, 12 May 2025 10:00:00 GMT", 200, 2)]
    second = collect_feeds(con, [url], client=_client())
    assert feed.requests[1].get("If-None-Match") == '"v1"'
    assert feed.requests[1].get("If-Modified-Since") == "Mon, 12 May 2025 10:00:00 GMT"
    assert second["feeds_unchanged"] == 1 and second["new_feed_items"] == 0
    assert scalar(con, "select count(*) from raw_press_items") == 2
    assert scalar(con, "select last_status from feed_state") == 304
    assert scalar(con, "select etag from feed_state") == '"v1"'   # a 304 keeps the validators


def test_last_modified_alone_also_gives_a_304(server, con):  # noqa: F811
    feed = FeedFake((FIXTURES / "scraped_feed.xml").read_bytes(), etag="")
    server.expect_request("/feed").respond_with_handler(feed)
    url = server.url_for("/feed")
    collect_feeds(con, [url], client=_client())
    again = collect_feeds(con, [url], client=_client())
    assert "If-None-Match" not in feed.requests[1]
    assert again["feeds_unchanged"] == 1


def test_bad_encoding_is_noted_broken_feed_skipped_rest_lands(server, con):  # noqa: F811
    server.expect_request("/latin1").respond_with_handler(
        FeedFake((FIXTURES / "bad_encoding.xml").read_bytes(), etag='"x"'))
    server.expect_request("/broken").respond_with_data("<html><body>Service Unavailable</body>",
                                                       content_type="text/html")
    server.expect_request("/gone").respond_with_data("not here", status=404)
    server.expect_request("/good").respond_with_handler(FeedFake((FIXTURES / "scraped_feed.xml").read_bytes()))
    urls = [server.url_for(p) for p in ("/latin1", "/broken", "/gone", "/good")]
    counts = collect_feeds(con, urls, client=_client())
    assert counts["feeds"] == 4 and counts["feeds_failed"] == 2
    assert counts["new_feed_items"] == 1 + 2
    notes = "\n".join(counts["notes"])
    assert "/latin1: feed is not clean" in notes and "1 entries recovered" in notes
    assert "/broken: not a readable RSS or Atom feed" in notes
    assert "/gone: HTTP 404" in notes
    title = scalar(con, "select payload ->> 'outlet' from raw_press_items where origin like '%latin1'")
    assert title == "Wirtschaftsdienst Süd"   # Latin-1 bytes read as what they are, not as mojibake
    # The failed feeds keep no validators, so the next run asks for them in full.
    assert scalar(con, "select count(*) from feed_state where etag is not null") == 2
