"""GDELT DOC 2.0 client against a loopback fake: window splitting, pacing, retries, timeouts, errors, timeline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fakes.press import FakeClock, GdeltFake, apply_press_views, gdelt_records, server  # noqa: F401

from postaudit.http import PoliteClient
from postaudit.sources.press_gdelt import MIN_INTERVAL, build_query, collect_gdelt
from postaudit.warehouse import scalar

START = datetime(2025, 5, 1, tzinfo=UTC)


def _client(clock: FakeClock, **kw) -> PoliteClient:
    kw.setdefault("jitter", 0.0)   # exact backoff schedules below
    return PoliteClient(min_interval=MIN_INTERVAL, clock=clock, sleep=clock.sleep, **kw)


def test_query_quotes_phrases_and_strips_inner_quotes():
    assert build_query(["Rowan Vale"]) == '"Rowan Vale"'
    assert build_query(["Rowan Vale", "@rowanvale", "Vale"]) == '("Rowan Vale" OR rowanvale OR Vale)'
    # A double quote inside a name would end GDELT's phrase early: it becomes a space.
    assert build_query(['Dwayne "The Rock" Johnson']) == '"Dwayne The Rock Johnson"'
    assert build_query(["rowan_vale"]) == '"rowan_vale"'
    with pytest.raises(ValueError, match="shorter than 3"):
        build_query(["Rowan Vale", "RV"])
    with pytest.raises(ValueError, match="no search terms"):
        build_query(['""'])


def test_artlist_splits_full_windows_until_nothing_is_lost(server, con):  # noqa: F811
    # 700 records over 3.5 days: every first call hits the 250 cap and has to split.
    records = gdelt_records(700, START, timedelta(minutes=7))
    fake = GdeltFake(records)
    server.expect_request("/api/v2/doc/doc").respond_with_handler(fake)
    clock = FakeClock()
    counts = collect_gdelt(con, ["Mira Castell", "@miracastell"], START, START + timedelta(days=4),
                           base_url=server.url_for("/api/v2/doc/doc"), client=_client(clock))
    apply_press_views(con)
    landed = scalar(con, "select count(distinct url) from stg_gdelt_articles")
    assert landed == 700
    artlist_calls = [c for c in fake.calls if c["mode"] == "artlist"]
    assert any(c for c in artlist_calls if c["startdatetime"] != "20250501000000")  # windows were split
    assert counts["notes"] == []
    assert counts["gdelt_articles"] == 700  # the split calls returned every record exactly once
    assert all(c["query"] == '("Mira Castell" OR miracastell)' and c["format"] == "json" for c in fake.calls)
    # Pacing: the client slept so that calls were at least 5 s apart on its clock.
    assert len(clock.sleeps) == len(fake.calls) - 1
    assert all(s >= MIN_INTERVAL - 1e-9 for s in clock.sleeps)
    assert all("postaudit" in ua for ua in fake.user_agents)


def test_429s_are_retried_with_backoff_and_honour_retry_after(server, con):  # noqa: F811
    fake = GdeltFake(gdelt_records(10, START, timedelta(hours=1)), fail_first=2, retry_after="17")
    server.expect_request("/api/v2/doc/doc").respond_with_handler(fake)
    clock = FakeClock()
    counts = collect_gdelt(con, '"Mira Castell"', START, START + timedelta(days=1),
                           base_url=server.url_for("/api/v2/doc/doc"), client=_client(clock), timeline=False)
    assert counts["gdelt_articles"] == 10 and counts["notes"] == []
    assert clock.sleeps.count(17.0) == 2           # Retry-After, not a guess
    assert scalar(con, "select count(*) from raw_gdelt_artlist") == 1


def test_backoff_doubles_without_retry_after_and_gives_up_with_a_note(server, con):  # noqa: F811
    fake = GdeltFake([], fail_first=99, retry_after=None)
    server.expect_request("/api/v2/doc/doc").respond_with_handler(fake)
    clock = FakeClock()
    counts = collect_gdelt(con, '"Mira Castell"', START, START + timedelta(days=1),
                           base_url=server.url_for("/api/v2/doc/doc"), client=_client(clock, max_retries=3),
                           timeline=False)
    # Backoff doubles from 5 s; the pacing wait is already covered by the backoff, so no extra sleeps.
    assert clock.sleeps == [5.0, 10.0, 20.0]
    assert len(fake.calls) == 4
    assert "HTTP 429 after 4 attempts" in counts["notes"][0]
    assert scalar(con, "select count(*) from raw_gdelt_artlist") == 0


def test_slow_response_times_out_and_is_retried(server, con):  # noqa: F811
    fake = GdeltFake(gdelt_records(3, START, timedelta(hours=2)), slow_first=1.0)
    server.expect_request("/api/v2/doc/doc").respond_with_handler(fake)
    clock = FakeClock()
    counts = collect_gdelt(con, '"Mira Castell"', START, START + timedelta(days=1),
                           base_url=server.url_for("/api/v2/doc/doc"), client=_client(clock, timeout=0.3),
                           timeline=False)
    assert counts["gdelt_articles"] == 3 and counts["notes"] == []
    assert len(fake.calls) == 2    # the slow call timed out; the retry got the answer


def test_query_error_text_is_a_note_and_nothing_lands(server, con):  # noqa: F811
    fake = GdeltFake([], error_text="The specified phrase is too short.")
    server.expect_request("/api/v2/doc/doc").respond_with_handler(fake)
    counts = collect_gdelt(con, '"ab"', START, START + timedelta(days=1),
                           base_url=server.url_for("/api/v2/doc/doc"), client=_client(FakeClock()))
    assert len(counts["notes"]) == 2 and "phrase is too short" in counts["notes"][0]
    assert scalar(con, "select count(*) from raw_gdelt_artlist") == 0
    assert scalar(con, "select count(*) from raw_gdelt_timeline") == 0


def test_timeline_lands_and_feeds_the_daily_mart(server, con):  # noqa: F811
    records = gdelt_records(30, START, timedelta(hours=3))  # 8 a day over 3.75 days
    fake = GdeltFake(records)
    server.expect_request("/api/v2/doc/doc").respond_with_handler(fake)
    counts = collect_gdelt(con, '"Mira Castell"', START, START + timedelta(days=5),
                           base_url=server.url_for("/api/v2/doc/doc"), client=_client(FakeClock()))
    assert counts["new_gdelt_timelines"] == 1
    apply_press_views(con)
    rows = con.execute("select day, count_articles, count_all_articles from press_gdelt_daily order by day").fetchall()
    assert [r[1] for r in rows] == [8, 8, 8, 6, 0]
    assert sum(r[1] for r in rows) == len(records)
    assert {r[2] for r in rows} == {120000}
    # Landing the same answer again adds nothing (identical payloads land once).
    again = collect_gdelt(con, '"Mira Castell"', START, START + timedelta(days=5),
                          base_url=server.url_for("/api/v2/doc/doc"), client=_client(FakeClock()))
    assert again["new_gdelt_timelines"] == 0 and again["new_gdelt_pages"] == 0
