"""X API v2 collection through tweepy's real request path against a fake X API on loopback, faults included."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import textwrap
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fakes.x_api import HANDLE, TOKEN, USER_ID, Crash, FakeX, LoopbackAdapter, make_posts, make_user, post_ids
from typer.testing import CliRunner

from postaudit import warehouse
from postaudit.cli import app
from postaudit.sources import x_api

FIXED_NOW = 1_900_000_000.0


def policy(sleeps: list | None = None, **kw) -> x_api.RetryPolicy:
    """Instant retries: sleeps are recorded, not slept; the clock is fixed; no jitter, so schedules are exact."""
    sleeps = sleeps if sleeps is not None else []
    kw.setdefault("jitter", 0.0)
    return x_api.RetryPolicy(sleep=sleeps.append, clock=lambda: FIXED_NOW, **kw)


def collect(con, fake, **kw):
    kw.setdefault("policy", policy())
    client = fake.mount(x_api.make_client(fake.token))
    return x_api.collect_x(con, HANDLE, client=client, **kw)


def built(con):
    warehouse.apply_layers(con)
    return con


def post_rows(con) -> list[str]:
    return [r[0] for r in con.execute("select post_id from posts where platform = 'x'").fetchall()]


# ------------------------------------------------------------------ happy path, shapes, provenance

def test_collect_lands_every_post_with_kind_metrics_and_provenance(con):
    with FakeX() as fake:
        counts = collect(con, fake)
        truth = fake.posts
    assert counts["fetched"] == len(truth) == counts["new"]
    assert counts["pages"] == 3 and counts["capped_at_3200"] is False
    built(con)
    ids = post_rows(con)
    assert sorted(ids) == sorted(post_ids(truth))
    expected_kinds = {p["id"]: {"replied_to": "reply", "quoted": "quote", "retweeted": "repost"}.get(
        (p.get("referenced_tweets") or [{}])[0].get("type"), "original") for p in truth}
    got = dict(con.execute("select post_id, kind from posts").fetchall())
    assert got == expected_kinds
    long_post = next(p for p in truth if "note_tweet" in p)
    row = con.execute("select text, impression_count, bookmark_count, created_at from posts where post_id = ?",
                      [long_post["id"]]).fetchall()[0]
    assert row[0] == long_post["note_tweet"]["text"]          # full text of a long post, not the truncated one
    assert row[1] == long_post["public_metrics"]["impression_count"]
    assert row[2] == long_post["public_metrics"]["bookmark_count"]
    assert row[3] == datetime.fromisoformat(long_post["created_at"].replace("Z", "+00:00"))
    assert row[3].utcoffset() == timedelta(0)
    origins = [r[0] for r in con.execute("select origin from raw_x_pages").fetchall()]
    assert all(o.startswith("https://api.twitter.com/2/users/44196397/tweets?max_results=100") for o in origins)
    assert any("pagination_token=" in o for o in origins)
    assert con.execute("select distinct tool_version from raw_x_pages").fetchall() == [(warehouse.TOOL_VERSION,)]
    snap = con.execute("select handle, followers_count, post_count, source from account_snapshots "
                       "where source = 'x_api' order by observed_at").fetchall()
    assert ("exec_ceo", 1000, 250, "x_api") in snap
    cursor = con.execute("select newest_id, sweep from sync_cursors").fetchall()
    assert cursor == [(max(post_ids(truth), key=int), None)]


def test_each_run_records_an_account_snapshot_and_asks_only_for_newer_posts(con):
    with FakeX() as fake:
        collect(con, fake)
        newest = max(post_ids(fake.posts), key=int)
        newer = [dict(p, id=str(int(p["id"]) + 10_000_000), created_at="2026-01-01T00:00:00.000Z",
                      edit_history_tweet_ids=[str(int(p["id"]) + 10_000_000)])
                 for p in make_posts(30)]
        fake.posts[:0] = newer
        counts = collect(con, fake)
        timeline_calls = [r for r in fake.requests if r["path"].endswith("/tweets")]
    assert timeline_calls[-1]["params"]["since_id"] == newest
    assert "start_time" not in timeline_calls[-1]["params"]
    assert counts["new"] == 30 and counts["fetched"] == 30
    built(con)
    assert sorted(post_rows(con)) == sorted(post_ids(fake.posts))
    lookups = con.execute("select count(*) from account_snapshots where handle = 'exec_ceo' "
                          "and observed_at in (select retrieved_at from raw_x_users)").fetchall()[0][0]
    assert lookups == 2


def test_the_same_post_on_two_pages_is_one_post(con):
    with FakeX(overlap=1) as fake:
        counts = collect(con, fake)
    assert counts["skipped"] == 2                      # page 2 and page 3 each repeat one post of the page before
    assert counts["new"] == len(fake.posts)
    built(con)
    ids = post_rows(con)
    assert len(ids) == len(set(ids)) == len(fake.posts)


def test_refresh_records_a_new_metric_snapshot(con):
    recent = make_posts(40, start=datetime.now(UTC) - timedelta(days=5), step=timedelta(hours=2))
    with FakeX(posts=recent) as fake:
        collect(con, fake)
        fake.bump_metrics(5)
        counts = collect(con, fake, refresh_days=7)
    assert counts["refreshed"] == 40 and counts["updated"] == 40 and counts["new"] == 0
    built(con)
    per_post = con.execute("select post_id, count(*), max(like_count) - min(like_count) from post_metric_snapshots "
                           "group by post_id").fetchall()
    reposts = {p["id"] for p in fake.posts if (p.get("referenced_tweets") or [{}])[0].get("type") == "retweeted"}
    # a repost's likes are the original's, not the executive's: no own count to grow
    assert len(per_post) == 40 and all(n == 2 and grew == (None if pid in reposts else 5) for pid, n, grew in per_post)
    likes = dict(con.execute("select post_id, like_count from posts").fetchall())
    assert likes == {p["id"]: None if p["id"] in reposts else p["public_metrics"]["like_count"] for p in fake.posts}


# ------------------------------------------------------------------ rate limits and faults

def test_429_waits_until_the_reset_header(con):
    sleeps: list = []
    with FakeX() as fake:
        fake.fault("429", "timeline", reset=int(FIXED_NOW) + 37)
        counts = collect(con, fake, policy=policy(sleeps))
    assert sleeps == [38]
    assert counts["fetched"] == len(fake.posts)


def test_429_reset_far_away_or_past_is_capped_and_floored(con):
    sleeps: list = []
    with FakeX() as fake:
        fake.fault("429", "timeline", reset=int(FIXED_NOW) + 86_400)   # clock skew or a daily limit
        fake.fault("429", "timeline", reset=int(FIXED_NOW) - 500)      # our clock ahead of X's
        collect(con, fake, policy=policy(sleeps, max_rate_limit_wait=900))
    assert sleeps == [900, 1.0]


def test_429_without_reset_header_backs_off_exponentially_and_gives_up(con):
    sleeps: list = []
    with FakeX() as fake:
        fake.fault("429", "timeline", times=3)
        collect(con, fake, policy=policy(sleeps))
        assert sleeps == [60, 120, 240]
        fake.fault("429", "timeline", times=10)
        with pytest.raises(x_api.XApiError, match="still rate limited"):
            collect(con, fake, policy=policy(sleeps, max_rate_limit_waits=4))


def test_503_burst_dropped_connection_and_truncated_bodies_are_retried(con):
    sleeps: list = []
    with FakeX() as fake:
        fake.fault("503", "timeline", times=2)
        fake.fault("drop", "timeline")
        fake.fault("truncate", "timeline")
        fake.fault("badjson", "timeline")
        counts = collect(con, fake, policy=policy(sleeps, max_attempts=6))
    assert sleeps == [2, 4, 8, 16, 32]
    assert counts["fetched"] == len(fake.posts)
    built(con)
    assert sorted(post_rows(con)) == sorted(post_ids(fake.posts))


def test_a_stalled_response_times_out_and_is_retried(con):
    sleeps: list = []
    with FakeX() as fake:
        client = x_api.make_client(TOKEN)
        client.session.mount("https://api.twitter.com", LoopbackAdapter(fake.base, timeout=(1, 0.3)))
        fake.fault("stall", "timeline", seconds=1.0)
        counts = x_api.collect_x(con, HANDLE, client=client, policy=policy(sleeps))
    assert sleeps == [2] and counts["fetched"] == len(fake.posts)


def test_persistent_503_stops_with_advice_and_keeps_landed_pages(con):
    with FakeX() as fake:
        # page 1 succeeds, then the server keeps failing
        served = {"n": 0}

        def fail_after_first_page(req):
            if req["path"].endswith("/tweets"):
                served["n"] += 1
                if served["n"] == 2:
                    fake.fault("503", "timeline", times=10)
        fake.on_request = fail_after_first_page
        with pytest.raises(x_api.XApiError, match=r"failed 6 times.*server error 503.*resumes"):
            collect(con, fake)
    assert con.execute("select count(*) from raw_x_pages").fetchall()[0][0] == 1


def test_deleted_account_says_what_to_do(con):
    with FakeX(users={}) as fake, pytest.raises(x_api.XApiError, match=r"Could not find user.*deleted, suspended"):
        collect(con, fake)
    assert con.execute("select count(*) from raw_x_pages").fetchall()[0][0] == 0
    assert con.execute("select count(*) from raw_x_users").fetchall()[0][0] == 0


def test_timeline_404_after_lookup_says_what_to_do(con):
    with FakeX() as fake:
        fake.timeline_404 = True
        with pytest.raises(x_api.XApiError, match=r"404.*deleted, suspended or renamed"):
            collect(con, fake)


def test_401_and_403_client_not_enrolled_stop_with_advice(con):
    with FakeX() as fake:
        fake.fault("401", "user")
        with pytest.raises(x_api.XApiError, match="X_BEARER_TOKEN"):
            collect(con, fake)
        fake.fault("403", "timeline")
        with pytest.raises(x_api.XApiError, match=r"client-not-enrolled.*Project"):
            collect(con, fake)


# ------------------------------------------------------------------ the 3,200 cap and full-archive search

def test_timeline_cap_is_reported_and_full_archive_reaches_past_it(con):
    posts = make_posts(3300, step=timedelta(hours=1))
    users = {HANDLE: make_user(tweet_count=3300)}
    with FakeX(posts=posts, users=users) as fake:
        counts = collect(con, fake)
        assert counts["fetched"] == 3200 and counts["capped_at_3200"] is True
        assert any("3,200" in n and "--full-archive" in n for n in counts["notes"])
        sleeps: list = []
        full = collect(con, fake, full_archive=True, policy=policy(sleeps))
        search = [r for r in fake.requests if r["path"] == "/2/tweets/search/all"]
    assert search[0]["params"]["query"] == f"from:{USER_ID}"
    assert search[0]["params"]["start_time"] == "2006-03-21T00:00:00Z"   # search/all defaults to 30 days otherwise
    assert full["new"] == 100 and full["capped_at_3200"] is False
    assert sleeps == [1.0] * (len(search) - 1)                            # 1 request per second on search/all
    built(con)
    assert sorted(post_rows(con)) == sorted(post_ids(posts))


def test_a_window_within_reach_is_not_reported_as_capped(con):
    posts = make_posts(3300, step=timedelta(hours=1))
    since = datetime.fromisoformat(posts[299]["created_at"].replace("Z", "+00:00"))
    with FakeX(posts=posts, users={HANDLE: make_user(tweet_count=3300)}) as fake:
        counts = collect(con, fake, since=since)
    assert counts["fetched"] == 300 and counts["capped_at_3200"] is False


def test_full_archive_without_access_says_which_tier(con):
    with FakeX() as fake:
        fake.search_forbidden = True
        with pytest.raises(x_api.XApiError, match=r"403.*client-not-enrolled|higher access tier"):
            collect(con, fake, full_archive=True)


def test_cli_reports_the_cap(db_path, monkeypatch):
    posts = make_posts(3300, step=timedelta(hours=1))
    with FakeX(posts=posts, users={HANDLE: make_user(tweet_count=3300)}) as fake:
        real = x_api.make_client
        monkeypatch.setattr(x_api, "make_client", lambda token, **kw: fake.mount(real(token, **kw)))
        monkeypatch.setenv("X_BEARER_TOKEN", TOKEN)
        r = CliRunner().invoke(app, ["collect", "x", "--handle", "@exec_ceo", "--db", str(db_path)])
    assert r.exit_code == 0, r.output
    out = " ".join(r.output.split())    # rich wraps long lines
    assert "3200 posts fetched" in out and "newest 3,200 posts" in out and "--full-archive" in out


# ------------------------------------------------------------------ resumability

@pytest.mark.parametrize("crash_after", [0, 1, 2, 4])
def test_a_crash_between_pages_then_a_rerun_loses_and_duplicates_nothing(con, crash_after):
    with FakeX(posts=make_posts(600)) as fake:
        client = x_api.make_client(TOKEN)
        client.session.mount("https://api.twitter.com", LoopbackAdapter(fake.base, crash_after=crash_after + 1))
        with pytest.raises(Crash):
            x_api.collect_x(con, HANDLE, client=client, policy=policy())
        landed = con.execute("select count(*) from raw_x_pages").fetchall()[0][0]
        assert landed == crash_after           # request 1 is the lookup, then one page per request
        fake.posts[:0] = [dict(p, id=str(int(p["id"]) + 10_000_000), edit_history_tweet_ids=[str(int(p["id"]) + 10_000_000)])
                          for p in make_posts(15)]  # posted meanwhile
        collect(con, fake)
    built(con)
    ids = post_rows(con)
    assert len(ids) == len(set(ids))
    assert sorted(ids) == sorted(post_ids(fake.posts))


def test_a_crash_inside_the_page_transaction_rolls_back_page_and_cursor(con, monkeypatch):
    real = x_api._advance_cursor
    calls = {"n": 0}

    def dies_on_second(*a, **kw):
        calls["n"] += 1
        real(*a, **kw)
        if calls["n"] == 2:
            raise Crash("killed after the insert, before commit")
    monkeypatch.setattr(x_api, "_advance_cursor", dies_on_second)
    with FakeX() as fake:
        with pytest.raises(Crash):
            collect(con, fake)
        assert con.execute("select count(*) from raw_x_pages").fetchall()[0][0] == 1
        monkeypatch.setattr(x_api, "_advance_cursor", real)
        before = len(fake.requests)
        counts = collect(con, fake)
        assert "resumed an unfinished sweep after 1 pages" in counts["notes"]
        resumed = fake.requests[before + 1]            # the first timeline request after the lookup
        assert resumed["params"]["until_id"] == min(post_ids(fake.posts[:100]), key=int)
        assert "pagination_token" not in resumed["params"]
        assert fake.requests[-1]["params"]["since_id"] == max(post_ids(fake.posts), key=int)  # catch-up
    built(con)
    assert sorted(post_rows(con)) == sorted(post_ids(fake.posts))


_CHILD = textwrap.dedent("""
    import sys
    sys.path.insert(0, {tests!r})
    from fakes.x_api import HANDLE, TOKEN, LoopbackAdapter
    from postaudit import warehouse
    from postaudit.sources import x_api
    con = warehouse.connect({db!r})
    client = x_api.make_client(TOKEN)
    client.session.mount("https://api.twitter.com", LoopbackAdapter({base!r}, timeout=(5, 30)))
    x_api.collect_x(con, HANDLE, client=client, policy=x_api.RetryPolicy(sleep=lambda s: None))
    print("finished")
""")


@pytest.mark.parametrize("kill_at", [2, 4])
def test_kill_9_mid_run_then_rerun_matches_the_ground_truth(db_path, kill_at):
    """A real SIGKILL of a collecting process while it waits for timeline request `kill_at`, then a rerun."""
    posts = make_posts(600)
    with FakeX(posts=posts, users={HANDLE: make_user(tweet_count=600)}) as fake:
        child = {}
        seen = {"timeline": 0}
        killed = threading.Event()

        def kill_on(req):
            if req["path"].endswith("/tweets"):
                seen["timeline"] += 1
                if seen["timeline"] == kill_at and not killed.is_set():
                    os.kill(child["proc"].pid, signal.SIGKILL)
                    killed.set()
        fake.on_request = kill_on
        code = _CHILD.format(tests=str(Path(__file__).parent), db=str(db_path), base=fake.base)
        proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        child["proc"] = proc
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == -signal.SIGKILL, err.decode()[-2000:]
        assert killed.is_set() and b"finished" not in out
        fake.on_request = None
        con = warehouse.connect(db_path)
        try:
            assert con.execute("select count(*) from raw_x_pages").fetchall()[0][0] == kill_at - 1
            counts = collect(con, fake)
            assert counts["notes"] and "resumed" in counts["notes"][0]
            built(con)
            ids = post_rows(con)
        finally:
            con.close()
    assert len(ids) == len(set(ids)) == len(posts)
    assert set(ids) == post_ids(posts)


# ------------------------------------------------------------------ secrets

def test_canary_token_never_reaches_logs_warehouse_or_errors(db_path, caplog, monkeypatch):
    canary = "CANARY-x-bearer-7f3a9c1e5d"
    caplog.set_level(logging.DEBUG)                    # tweepy logs request headers at DEBUG
    errors = []
    with FakeX(token=canary) as fake:
        real = x_api.make_client
        monkeypatch.setattr(x_api, "make_client", lambda token, **kw: fake.mount(real(token, **kw)))
        monkeypatch.setenv("X_BEARER_TOKEN", canary)
        fake.fault("503", "timeline")
        r = CliRunner().invoke(app, ["collect", "x", "--handle", HANDLE, "--db", str(db_path), "--refresh-days", "1"])
        assert r.exit_code == 0, r.output
        assert any(req["authorization"] == f"Bearer {canary}" for req in fake.requests)  # it was really sent
        fake.token = "another"                          # X now rejects it: the error path must not leak it either
        r2 = CliRunner().invoke(app, ["collect", "x", "--handle", HANDLE, "--db", str(db_path)])
        errors.append(r2.output)
        assert r2.exit_code == 1 and "401" in r2.output
    assert any("Authorization" in rec.getMessage() for rec in caplog.records)   # the header line was logged ...
    logged = "\n".join(rec.getMessage() for rec in caplog.records) + caplog.text
    assert canary not in logged                                                 # ... with the token redacted
    assert canary not in r.output and canary not in errors[0]
    con = warehouse.connect(db_path)
    con.execute("CHECKPOINT")
    con.close()
    for f in db_path.parent.iterdir():
        assert canary.encode() not in f.read_bytes(), f


def test_token_comes_from_env_and_a_missing_token_says_where_to_put_it(monkeypatch):
    monkeypatch.setenv("X_BEARER_TOKEN", "from-env")
    assert x_api.resolve_token() == "from-env"
    monkeypatch.delenv("X_BEARER_TOKEN")
    with pytest.raises(x_api.XApiError, match="X_BEARER_TOKEN.*--token-block"):
        x_api.resolve_token()


def test_token_from_a_prefect_secret_block(prefect_harness):
    from prefect.blocks.system import Secret

    Secret(value="from-block").save("x-bearer-test", overwrite=True)
    assert x_api.resolve_token(token_block="x-bearer-test") == "from-block"
    with pytest.raises(x_api.XApiError, match="no Prefect Secret block"):
        x_api.resolve_token(token_block="no-such-block")


def test_production_client_has_a_timeout_and_no_tweepy_rate_limit_waiting():
    client = x_api.make_client("t")
    adapter = client.session.get_adapter("https://api.twitter.com/2/users/1/tweets")
    assert isinstance(adapter, x_api.TimeoutAdapter) and adapter.timeout == (10, 60)
    assert client.wait_on_rate_limit is False and client.return_type is dict
