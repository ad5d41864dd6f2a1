"""API faults on seeded random schedules against every network source; after the runs, landed == ground truth.

Each source is run against its fake (tests/fakes) behind FaultProxy (or, for X, FakeX's own fault queue, which
fails on the socket tweepy's real session uses). A run either completes or stops with the source's own error
naming the request; any other exception fails the test. Runs repeat (bounded) until one completes; then the
warehouse must hold every item of the fake's ground truth exactly once.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from fakes.platforms import BSKY_HANDLE, bsky_post, masto_status, serve_bluesky, serve_mastodon
from fakes.press import FakeClock, FeedFake, GdeltFake, apply_press_views, gdelt_records, server  # noqa: F401
from fakes.x_api import HANDLE, TOKEN, FakeX, LoopbackAdapter, make_posts, make_user, post_ids

from postaudit import warehouse
from postaudit.http import PoliteClient
from postaudit.sources import articles, bluesky, mastodon, press_gdelt, press_rss, x_api

from .faultproxy import FAULTS, FaultProxy

SEED = 20250901
MAX_RUNS = 8          # faulty runs before a last clean one; every source so far completes well before


def _proxy(upstream: str, seed, **kw) -> FaultProxy:
    """A proxy on a seeded random schedule, or (seed "every") injecting each fault kind once, in turn."""
    if seed == "every":
        return FaultProxy(upstream, seed=0, sequence=FAULTS, **kw)
    return FaultProxy(upstream, seed=seed, **kw)


def _runs(tally, area: str, proxy_or_counter, run_once, check_partial) -> dict:
    """Run until a run completes: faulty runs first, the last (if ever reached) without faults."""
    stats = {"completed_under_faults": 0, "stopped_clearly": 0, "runs": 0}
    for attempt in range(MAX_RUNS + 1):
        if attempt == MAX_RUNS:
            proxy_or_counter.enabled = False
        stats["runs"] += 1
        stopped = run_once()
        check_partial()
        if stopped is None:
            stats["completed_under_faults" if proxy_or_counter.enabled else "completed_clean"] = 1
            break
        stats["stopped_clearly"] += 1
    else:
        pytest.fail(f"{area}: no run completed in {MAX_RUNS + 1} runs")
    for k, v in stats.items():
        tally.add("faults", f"{area}.{k}", v)
    return stats


def _dupes(con, sql: str) -> int:
    return warehouse.scalar(con, sql)


def _record(tally, area: str, truth: set, landed: list, injected) -> None:
    lost = len(truth - set(landed))
    doubled = len(landed) - len(set(landed))
    extra = len(set(landed) - truth)
    for k, v in {"truth": len(truth), "landed": len(set(landed)), "lost": lost, "doubled": doubled,
                 "extra": extra, "faults_injected": sum(injected.values())}.items():
        tally.add("faults", f"{area}.{k}", v)
    for kind, n in injected.items():
        tally.add("faults", f"injected.{kind}", n)
    assert (lost, doubled, extra) == (0, 0, 0), f"{area}: lost {lost}, doubled {doubled}, extra {extra}"


def _raw_dupes(con, table: str) -> int:
    return warehouse.scalar(con, f"select count(*) - count(distinct record_id) from {table}")


# ------------------------------------------------------------------------------------------------ Bluesky

@pytest.mark.parametrize("seed", [SEED, SEED + 1, "every"])
def test_bluesky_under_random_faults(con, httpserver, monkeypatch, tally, seed):
    monkeypatch.setattr(bluesky, "TIMEOUT_S", 0.5)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    feed = [{"post": bsky_post(f"3k{i:04d}", (start + timedelta(hours=i)).isoformat().replace("+00:00", ".000Z"),
                               f"post {i}")} for i in range(120)][::-1]
    serve_bluesky(httpserver, feed, page_size=15)
    sleeps: list[float] = []
    with _proxy(httpserver.url_for("").rstrip("/"), seed, rate=0.3) as proxy:
        def once():
            try:
                bluesky.collect_bluesky(con, BSKY_HANDLE, base_url=proxy.url("/xrpc"), plc_url=proxy.url("/plc"),
                                        sleep=sleeps.append,
                                        max_wait=60)
            except bluesky.BlueskyError as exc:
                assert "http://127.0.0.1" in str(exc)        # names the request that failed
                return str(exc)
            return None

        def partial():
            # Bluesky lands the feed only when every page is in: a stopped run lands no feed page.
            assert _raw_dupes(con, "raw_bluesky_feed_pages") == 0

        _runs(tally, "bluesky", proxy, once, partial)
        injected = proxy.injected
    assert all(0 <= s <= 60 for s in sleeps)
    warehouse.apply_layers(con)
    landed = [r[0] for r in con.execute("select post_id from posts where platform = 'bluesky'").fetchall()]
    _record(tally, "bluesky", {f["post"]["uri"] for f in feed}, landed, injected)


# ------------------------------------------------------------------------------------------------ Mastodon

@pytest.mark.parametrize("seed", [SEED, SEED + 1, "every"])
def test_mastodon_under_random_faults(con, httpserver, monkeypatch, tally, seed):
    monkeypatch.setattr(mastodon, "TIMEOUT_S", 0.5)
    domain = f"{httpserver.host}:{httpserver.port}"
    start = datetime(2024, 1, 1, tzinfo=UTC)
    statuses = [masto_status(str(110_000_000_000_000_000 + i), (start + timedelta(hours=i)).isoformat()
                             .replace("+00:00", ".000Z"), f"<p>status {i}</p>", domain) for i in range(120)][::-1]
    serve_mastodon(httpserver, statuses, page_size=15)
    sleeps: list[float] = []
    with _proxy(httpserver.url_for("").rstrip("/"), seed, rate=0.3) as proxy:
        def once():
            try:
                mastodon.collect_mastodon(con, f"@ceo@{domain}", base_url=proxy.base, sleep=sleeps.append,
                                          max_wait=60)
            except mastodon.MastodonError as exc:
                assert "http://127.0.0.1" in str(exc)
                return str(exc)
            return None

        def partial():
            assert _raw_dupes(con, "raw_mastodon_pages") == 0

        _runs(tally, "mastodon", proxy, once, partial)
        injected = proxy.injected
    assert all(0 <= s <= 60 for s in sleeps)
    warehouse.apply_layers(con)
    rows = con.execute("select post_id from posts where platform = 'mastodon'").fetchall()
    landed = [r[0].rsplit("/", 1)[-1].rsplit(":", 1)[-1] for r in rows]
    _record(tally, "mastodon", {s["id"] for s in statuses}, landed, injected)


# ------------------------------------------------------------------------------------------------ GDELT

def _polite(timeout: float = 0.5, retries: int = 3) -> PoliteClient:
    clock = FakeClock()
    return PoliteClient(min_interval=5.0, clock=clock, sleep=clock.sleep, timeout=timeout, max_retries=retries)


@pytest.mark.parametrize("seed", [SEED, SEED + 1, "every"])
def test_gdelt_under_random_faults(server, con, tally, seed):  # noqa: F811
    start = datetime(2025, 5, 1, tzinfo=UTC)
    records = gdelt_records(700, start, timedelta(minutes=20))
    end = start + timedelta(minutes=20 * 700)
    server.expect_request("/api/v2/doc/doc").respond_with_handler(GdeltFake(records))
    with _proxy(server.url_for("").rstrip("/"), seed, rate=0.3,
                    faults=("429_reset", "429_bare", "500", "502", "503", "drop", "truncate", "stall", "slow"),
                    burst=3) as proxy:
        def once():
            counts = press_gdelt.collect_gdelt(con, "Lumen", start, end, base_url=proxy.url("/api/v2/doc/doc"),
                                               client=_polite())
            stops = [n for n in counts["notes"] if "stopped" in n or "skipped" in n]
            for note in stops:
                assert "http://127.0.0.1" in note and ("HTTP" in note or "Error" in note or "Timeout" in note)
            return stops or None

        def partial():
            assert _raw_dupes(con, "raw_gdelt_artlist") == 0

        _runs(tally, "gdelt", proxy, once, partial)
        injected = proxy.injected
    apply_press_views(con)
    landed = [r[0] for r in con.execute("select url from stg_gdelt_articles").fetchall()]
    _record(tally, "gdelt", {r["url"] for r in records}, landed, injected)


# ------------------------------------------------------------------------------------------------ feeds

def _rss(n: int, feed: int) -> bytes:
    items = "".join(
        f"<item><title>Item {feed}-{i}</title><link>https://outlet{feed}.example/a/{i}</link>"
        f"<guid>https://outlet{feed}.example/a/{i}</guid><pubDate>Mon, 12 May 2025 {i % 24:02d}:00:00 GMT</pubDate>"
        f"<description>Story {i} of feed {feed}</description></item>" for i in range(n))
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Outlet {feed}</title>'
            f"<link>https://outlet{feed}.example/</link><language>en</language>{items}</channel></rss>").encode()


@pytest.mark.parametrize("seed", [SEED, SEED + 1, "every"])
def test_feeds_under_random_faults(server, con, tally, seed):  # noqa: F811
    truth = set()
    urls = []
    for f in range(8):
        server.expect_request(f"/feed{f}.xml").respond_with_handler(FeedFake(_rss(25, f), etag=f'"f{f}"'))
        urls.append(f"/feed{f}.xml")
        truth |= {f"https://outlet{f}.example/a/{i}" for i in range(25)}
    with _proxy(server.url_for("").rstrip("/"), seed, rate=0.35, burst=4) as proxy:
        feed_urls = [proxy.url(u) for u in urls]

        def once():
            counts = press_rss.collect_feeds(con, feed_urls, client=_polite(retries=2))
            for note in counts["notes"]:
                assert "http://127.0.0.1" in note and "skipped" in note
            return counts["notes"] or None

        def partial():
            # a feed lands whole or not at all: each feed's item count is 0 or 25
            per_feed = dict(con.execute("select origin, count(*) from raw_press_items group by origin").fetchall())
            assert set(per_feed.values()) <= {25}, per_feed

        _runs(tally, "feeds", proxy, once, partial)
        injected = proxy.injected
    landed = [r[0] for r in con.execute("select payload ->> 'url' from raw_press_items").fetchall()]
    _record(tally, "feeds", truth, landed, injected)


# ------------------------------------------------------------------------------------------------ article pages

def _article(i: int) -> str:
    para = " ".join(f"Sentence {j} of article {i} about the executive's platform habits and the company." for j in range(12))
    return (f"<!doctype html><html><head><title>Article {i}</title>"
            f'<meta property="article:published_time" content="2025-05-{1 + i % 28:02d}T10:00:00Z"></head>'
            f"<body><article><h1>Article {i}</h1><p>{para}</p><p>{para}</p></article></body></html>")


@pytest.mark.parametrize("seed", [SEED, "every"])
def test_article_pages_under_random_faults(server, con, tally, seed):  # noqa: F811
    paths = [f"/news/{i}.html" for i in range(30)]
    for i, p in enumerate(paths):
        server.expect_request(p).respond_with_data(_article(i), content_type="text/html; charset=utf-8")
    with _proxy(server.url_for("").rstrip("/"), seed, rate=0.35, burst=4) as proxy:
        urls = [proxy.url(p) for p in paths]

        def once():
            missing = sorted(set(urls) - {r[0] for r in con.execute(
                "select payload ->> 'url' from raw_press_pages").fetchall()})
            counts = articles.collect_articles(con, missing, client=_polite(retries=2))
            for note in counts["notes"]:
                assert "http://127.0.0.1" in note and "skipped" in note
            return counts["notes"] or None

        _runs(tally, "articles", proxy, once, lambda: None)
        injected = proxy.injected
    landed = [r[0] for r in con.execute("select payload ->> 'url' from raw_press_pages").fetchall()]
    _record(tally, "articles", set(urls), landed, injected)
    texts = [r[0] for r in con.execute("select payload ->> '$.extracted.text' from raw_press_pages").fetchall()]
    assert all(t and "Sentence 11 of article" in t for t in texts)    # a truncated body never landed as a page


# ------------------------------------------------------------------------------------------------ X (tweepy)

class _Switch:
    enabled = True


@pytest.mark.parametrize("seed", [SEED, SEED + 1, SEED + 2])
def test_x_under_random_faults(con, tally, seed):
    rng = random.Random(seed)
    posts = make_posts(900)
    injected: dict[str, int] = {}
    switch = _Switch()
    sleeps: list[float] = []
    with FakeX(posts=posts, users={HANDLE: make_user(tweet_count=900)}) as fake:
        run = {"n": 0}

        def maybe_fault(req):
            if not switch.enabled or run["n"] >= 3 or rng.random() >= 0.3:
                run["n"] = 0
                return
            run["n"] += 1
            kind = rng.choice(["429_reset", "429_bare", "503", "drop", "truncate", "badjson", "stall"])
            injected[kind] = injected.get(kind, 0) + 1
            if kind == "429_reset":
                fake.faults.appendleft((None, "429", {"reset": 1_900_000_030}))
            elif kind == "429_bare":
                fake.faults.appendleft((None, "429", {}))
            else:
                fake.faults.appendleft((None, kind, {"seconds": 0.6}))
        fake.on_request = maybe_fault

        def once():
            client = x_api.make_client(TOKEN)
            client.session.mount("https://api.twitter.com", LoopbackAdapter(fake.base, timeout=(1, 0.3)))
            pol = x_api.RetryPolicy(sleep=sleeps.append, clock=lambda: 1_900_000_000.0, max_attempts=3,
                                    max_rate_limit_waits=3)
            try:
                x_api.collect_x(con, HANDLE, client=client, policy=pol)
            except x_api.XApiError as exc:
                assert "run again later" in str(exc) or "resumes" in str(exc)
                return str(exc)
            return None

        def partial():
            assert _raw_dupes(con, "raw_x_pages") == 0

        _runs(tally, "x", switch, once, partial)
    warehouse.apply_layers(con)
    landed = [r[0] for r in con.execute("select post_id from posts where platform = 'x'").fetchall()]
    _record(tally, "x", post_ids(posts), landed, injected)
    assert all(0 < s <= x_api.RetryPolicy().max_rate_limit_wait for s in sleeps)
