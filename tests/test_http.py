"""The one HTTP client's rules: rate-limit headers of any precision, the server's clock, capped backoff with
jitter, one User-Agent, no retries against a server that is not there, and the same rules on tweepy's session."""

from __future__ import annotations

import random
import socket
import threading
import time
from collections import deque
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from fakes.x_api import HANDLE, FakeX

from postaudit import http
from postaudit.sources import x_api

NOW = 1_900_000_000.0   # 2030-03-17T17:46:40Z


class Scripted:
    """A loopback server answering each GET with the next scripted (status, headers, body); its Date is settable."""

    def __init__(self, date: float | None = None):
        self.script: deque = deque()
        self.seen: list[dict] = []
        self.date = date
        self.stall_first = 0.0   # seconds the first request waits before it is answered
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def date_time_string(self, timestamp=None):
                return formatdate(outer.date, usegmt=True) if outer.date is not None else super().date_time_string()

            def do_GET(self):  # noqa: N802
                outer.seen.append({"path": self.path, "ua": self.headers.get("User-Agent")})
                if len(outer.seen) == 1 and outer.stall_first:
                    time.sleep(outer.stall_first)
                status, headers, body = outer.script.popleft() if outer.script else (200, {}, b"{}")
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture()
def scripted():
    s = Scripted()
    yield s
    s.close()


def _client(**kw) -> tuple[http.PoliteClient, list[float]]:
    sleeps: list[float] = []
    kw.setdefault("jitter", 0.0)
    return http.PoliteClient(sleep=sleeps.append, **kw), sleeps


# ------------------------------------------------------------------ the header rules, as functions

@pytest.mark.parametrize(("headers", "wait"), [
    ({"X-RateLimit-Reset": "1900000037"}, 38.0),                       # X: whole epoch seconds (+1 s margin)
    ({"x-ratelimit-reset": "1900000037.123456"}, 38.123456),           # microseconds
    ({"RateLimit-Reset": "1900000037.5"}, 38.5),                       # atproto: epoch seconds
    ({"RateLimit-Reset": "30"}, 30.0),                                 # IETF draft: seconds from now
    ({"X-RateLimit-Reset": "2030-03-17T17:47:17.123456789Z"}, 38.123457),   # Mastodon ISO; nanoseconds too
    ({"X-RateLimit-Reset": "2030-03-17T19:47:17+02:00"}, 38.0),
    ({"Retry-After": "17"}, 17.0),                                     # RFC 9110 delta-seconds: exact
    ({"Retry-After": "Sun, 17 Mar 2030 17:47:17 GMT"}, 38.0),          # RFC 9110 HTTP-date
    ({"Retry-After": "5", "X-RateLimit-Reset": "1900000037"}, 5.0),    # Retry-After wins
    ({"X-RateLimit-Reset": "1899999000"}, 1.0),                        # already past: a second, never zero
    ({"X-RateLimit-Reset": "soon"}, None),
    ({}, None),
])
def test_reset_wait_reads_every_form_of_the_headers(headers, wait):
    got = http.reset_wait(headers, NOW)
    assert got == (None if wait is None else pytest.approx(wait, abs=1e-6))


def test_budget_spent_reads_the_remaining_headers():
    assert http.budget_spent({"X-RateLimit-Remaining": "0"}) and http.budget_spent({"ratelimit-remaining": " 0"})
    assert not http.budget_spent({"X-RateLimit-Remaining": "12"}) and not http.budget_spent({})


def test_backoff_is_capped_and_jitter_only_shortens():
    plain = http.Backoff(base=2.0, factor=3.0, cap=50.0, jitter=0.0)
    assert [plain.delay(a) for a in range(5)] == [2.0, 6.0, 18.0, 50.0, 50.0]
    jittered = http.Backoff(base=2.0, factor=3.0, cap=50.0, jitter=0.25)
    rng = random.Random(1)
    draws = [jittered.delay(3, rng) for _ in range(200)]
    assert all(37.5 <= d <= 50.0 for d in draws)                    # within [cap·(1 − jitter), cap]
    assert len({round(d, 6) for d in draws}) > 150                 # and spread, so clients retry apart
    assert [jittered.delay(1, random.Random(7)) for _ in range(2)] == [jittered.delay(1, random.Random(7))] * 2


# ------------------------------------------------------------------ the client on a loopback server

def test_one_user_agent_on_every_request(scripted):
    client, _ = _client()
    client.get(scripted.url + "/a")
    assert scripted.seen[0]["ua"] == http.USER_AGENT and "postaudit/" in http.USER_AGENT


def test_429_waits_on_the_servers_clock_and_warns_of_skew():
    server = Scripted(date=NOW)          # the server thinks it is 2030; our clock says otherwise
    try:
        server.script.append((429, {"X-RateLimit-Reset": "1900000005.250000"}, b"{}"))
        notes: list[str] = []
        client, sleeps = _client(progress=notes.append)
        assert client.get(server.url + "/x").status == 200
        assert sleeps == [pytest.approx(6.25)]              # reset − server Date + 1, not reset − our clock
        assert client.waited_s == pytest.approx(6.25)
        assert len(notes) == 1 and "off the server's Date" in notes[0]
    finally:
        server.close()


def test_spent_budget_waits_before_the_next_request_and_a_long_wait_is_refused(scripted):
    scripted.script.append((200, {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "20"}, b"{}"))
    client, sleeps = _client()
    client.get(scripted.url + "/one")
    assert sleeps == []                                          # the last request of the window is spent
    client.get(scripted.url + "/two")
    assert sleeps == [pytest.approx(20.0, abs=0.5)]              # then the reset is sat out before the next
    scripted.script.append((200, {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "3600"}, b"{}"))
    client.get(scripted.url + "/three")
    with pytest.raises(http.RateLimited, match=r"rate limited for 3600 s, longer than the 900 s") as err:
        client.get(scripted.url + "/four")
    assert err.value.wait == pytest.approx(3600, abs=1) and len(scripted.seen) == 3   # /four was never sent


def test_5xx_backoff_is_capped_with_retry_after_honoured(scripted):
    scripted.script.extend([(503, {"Retry-After": "500"}, b""), (500, {}, b""), (502, {}, b""), (200, {}, b"{}")])
    client, sleeps = _client(backoff=2.0, factor=3.0, max_backoff=30.0, max_retries=3)
    assert client.get(scripted.url + "/x").status == 200
    assert sleeps == [30.0, 6.0, 18.0]          # Retry-After 500 capped at 30; then the schedule for attempts 1, 2


def test_gives_up_with_the_last_status_and_body(scripted):
    scripted.script.extend([(500, {}, b"oops")] * 3)
    client, sleeps = _client(max_retries=2, backoff=1.0)
    with pytest.raises(http.FetchError, match=r"/x: HTTP 500 after 3 attempts") as err:
        client.get(scripted.url + "/x")
    assert err.value.status == 500 and err.value.body == b"oops" and sleeps == [1.0, 2.0]


def test_a_server_that_is_not_there_is_not_retried():
    with socket.socket() as s:          # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client, sleeps = _client()
    with pytest.raises(http.FetchError, match="cannot connect") as err:
        client.get(f"http://127.0.0.1:{port}/x")
    assert sleeps == [] and err.value.status is None


def test_a_stall_times_out_and_is_retried(scripted):
    scripted.stall_first = 0.6
    client, sleeps = _client(timeout=0.2, backoff=0.5)
    assert client.get(scripted.url + "/x").status == 200
    assert sleeps == [0.5] and len(scripted.seen) == 2


# ------------------------------------------------------------------ the same rules on tweepy's requests session

def test_session_adapter_sets_the_user_agent_and_a_timeout(scripted):
    session = requests.Session()
    adapter = http.mount(session, timeout=(1, 0.5))
    assert session.get_adapter("https://api.twitter.com/2/users") is adapter
    session.get(scripted.url + "/a", headers={"User-Agent": "Python/3.11 Requests Tweepy/4"})
    assert scripted.seen[-1]["ua"] == http.USER_AGENT


def test_x_fractional_reset_does_not_break_tweepy_and_is_rounded_up(con):
    sleeps: list[float] = []
    with FakeX() as fake:
        fake.fault("429", "timeline", reset="1900000037.25")       # tweepy itself would int() this and crash
        client = fake.mount(x_api.make_client(fake.token))
        policy = x_api.RetryPolicy(sleep=sleeps.append, clock=lambda: NOW, jitter=0.0)
        counts = x_api.collect_x(con, HANDLE, client=client, policy=policy)
    assert sleeps == [39.0] and counts["fetched"] == len(fake.posts)    # ceil(37.25) + 1 s margin
