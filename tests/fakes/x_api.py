"""A fake X API v2 on 127.0.0.1 in the real response shapes, with scripted faults, and a loopback adapter for tweepy.

tweepy's Client hard-codes https://api.twitter.com; `LoopbackAdapter`, mounted on `client.session`, rewrites that
host to the fake and otherwise sends through requests/urllib3 unchanged, so tweepy's real request path runs:
status-code mapping, JSON decoding, pagination parameters. Faults happen on a real socket (dropped connections,
bodies cut short of their Content-Length, stalls past the client's read timeout).
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from postaudit.sources.x_api import TimeoutAdapter

TOKEN = "AAAAfake-test-token"
USER_ID = "44196397"
HANDLE = "exec_ceo"
ID_BASE = 1_860_000_000_000_000_000   # snowflake-sized ids, increasing with time


def make_user(user_id=USER_ID, handle=HANDLE, tweet_count=250, followers=1000) -> dict:
    """A user object as get_user returns it with user_fields=public_metrics,created_at,..."""
    return {"id": user_id, "username": handle, "name": "The Executive", "created_at": "2009-06-02T20:12:29.000Z",
            "protected": False, "verified": False, "description": "CEO", "location": "", "url": "",
            "public_metrics": {"followers_count": followers, "following_count": 120, "tweet_count": tweet_count,
                               "listed_count": 7, "like_count": 50}}


def make_posts(n: int, user_id=USER_ID, start=datetime(2025, 1, 1, tzinfo=UTC), step=timedelta(hours=3)) -> list[dict]:
    """n posts in the v2 shape, newest first, cycling original, reply, quote, repost and a long (note) post."""
    posts = []
    for i in range(n):
        pid = str(ID_BASE + i * 1000)
        created = start + i * step
        post = {"id": pid, "author_id": user_id, "created_at": created.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                "text": f"post number {i}", "conversation_id": pid, "lang": "en", "source": "Twitter Web App",
                "edit_history_tweet_ids": [pid], "reply_settings": "everyone",
                "entities": {"hashtags": [{"start": 0, "end": 4, "tag": "ai"}]},
                "public_metrics": {"retweet_count": i % 7, "reply_count": i % 5, "like_count": 10 + i,
                                   "quote_count": i % 3, "bookmark_count": i % 4, "impression_count": 1000 + i}}
        kind = i % 5
        if kind == 1:
            post["referenced_tweets"] = [{"type": "replied_to", "id": "1700000000000000001"}]
            post["in_reply_to_user_id"] = "999"
            post["conversation_id"] = "1700000000000000001"
        elif kind == 2:
            post["referenced_tweets"] = [{"type": "quoted", "id": "1700000000000000002"}]
        elif kind == 3:
            post["referenced_tweets"] = [{"type": "retweeted", "id": "1700000000000000003"}]
            post["text"] = f"RT @someone: reposted {i}"
        elif kind == 4:
            post["text"] = f"long post {i} " + "x" * 250 + "…"
            post["note_tweet"] = {"text": f"long post {i} " + "x" * 500 + " the end"}
        posts.append(post)
    return posts[::-1]


class FakeX:
    """Serves get_user, get_users_tweets and search_all_tweets over loopback; faults are consumed per request."""

    def __init__(self, posts: list[dict] | None = None, users: dict | None = None, *, cap: int = 3200,
                 overlap: int = 0, token: str = TOKEN):
        self.posts = posts if posts is not None else make_posts(250)
        self.users = users if users is not None else {HANDLE: make_user(tweet_count=len(self.posts))}
        self.cap, self.overlap, self.token = cap, overlap, token
        self.faults: deque = deque()          # (endpoint or None, fault, options) taken by the next matching request
        self.requests: list[dict] = []
        self.served_pages = 0
        self.on_request: Callable[[dict], None] | None = None
        self.search_forbidden = False
        self.timeline_404 = False
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # -- lifecycle
    def __enter__(self) -> FakeX:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def mount(self, client, timeout=(2, 2)):
        """Route the client's https://api.twitter.com requests to this fake; returns the client."""
        client.session.mount("https://api.twitter.com", LoopbackAdapter(self.base, timeout))
        return client

    def fault(self, fault: str, endpoint: str | None = None, times: int = 1, **options) -> None:
        """Queue a fault (429, 503, drop, truncate, badjson, stall, 401, 403, 404, crash) for the next request(s)."""
        for _ in range(times):
            self.faults.append((endpoint, fault, options))

    def bump_metrics(self, by: int = 1) -> None:
        """Counts grow, as they do between two requests on the real API."""
        for p in self.posts:
            p["public_metrics"] = dict(p["public_metrics"], like_count=p["public_metrics"]["like_count"] + by,
                                       impression_count=p["public_metrics"]["impression_count"] + 10 * by)

    # -- responses
    def route(self, path: str, params: dict) -> tuple[int, dict]:
        if path.startswith("/2/users/by/username/"):
            name = path.rsplit("/", 1)[1]
            if name in self.users:
                return 200, {"data": self.users[name]}
            # X answers a missing (deleted, renamed) account with 200 and an errors array, no data
            return 200, {"errors": [{"value": name, "detail": f"Could not find user with username: [{name}].",
                                     "title": "Not Found Error", "resource_type": "user", "parameter": "username",
                                     "resource_id": name,
                                     "type": "https://api.twitter.com/2/problems/resource-not-found"}]}
        if path.startswith("/2/users/") and path.endswith("/tweets"):
            if self.timeline_404:
                return 404, {"title": "Not Found Error", "type": "https://api.twitter.com/2/problems/resource-not-found",
                             "detail": "Could not find user", "status": 404}
            return 200, self._page(self.posts[:self.cap], params, "pagination_token")
        if path == "/2/tweets/search/all":
            if self.search_forbidden:
                return 403, _not_enrolled()
            return 200, self._page(self.posts, params, "next_token")
        return 404, {"title": "Not Found", "detail": path, "status": 404, "type": "about:blank"}

    def _page(self, posts: list[dict], params: dict, token_param: str) -> dict:
        size = int(params.get("max_results", 10))
        since, until = params.get("since_id"), params.get("until_id")
        start, end = params.get("start_time"), params.get("end_time")
        chosen = [p for p in posts
                  if (since is None or int(p["id"]) > int(since)) and (until is None or int(p["id"]) < int(until))
                  and (start is None or p["created_at"][:19] >= start[:19])
                  and (end is None or p["created_at"][:19] <= end[:19])]
        offset = int(params[token_param].split("-")[1]) if params.get(token_param) else 0
        data = chosen[offset:offset + size]
        if not data:
            return {"meta": {"result_count": 0}}
        meta = {"result_count": len(data), "newest_id": data[0]["id"], "oldest_id": data[-1]["id"]}
        if offset + size < len(chosen):
            meta["next_token"] = f"tok-{offset + size - self.overlap}"
        self.served_pages += 1
        users = [u for u in self.users.values() if u["id"] == data[0]["author_id"]]
        return {"data": [json.loads(json.dumps(p)) for p in data], "includes": {"users": users}, "meta": meta}


def _not_enrolled() -> dict:
    return {"client_id": "12345", "detail": "When authenticating requests to the Twitter API v2 endpoints, you must "
            "use keys and tokens from a Twitter developer App that is attached to a Project. You can create a "
            "project via the developer portal.", "registration_url": "https://developer.twitter.com/en/docs/projects/overview",
            "title": "Client Forbidden", "required_enrollment": "Appropriate Level of API Access",
            "reason": "client-not-enrolled", "type": "https://api.twitter.com/2/problems/client-forbidden"}


class Crash(BaseException):
    """The process dies here (not an Exception, so nothing retries or catches it)."""


def _handler(fake: FakeX):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802
            url = urlsplit(self.path)
            params = {k: v[0] for k, v in parse_qs(url.query).items()}
            req = {"path": url.path, "params": params, "authorization": self.headers.get("Authorization")}
            fake.requests.append(req)
            if fake.on_request:
                fake.on_request(req)
            endpoint = ("user" if "/by/username/" in url.path else "search" if "search" in url.path else "timeline")
            fault = None
            if fake.faults and fake.faults[0][0] in (None, endpoint):
                _, fault, options = fake.faults.popleft()
            if req["authorization"] != f"Bearer {fake.token}" or fault == "401":
                return self._json(401, {"title": "Unauthorized", "type": "about:blank", "status": 401,
                                        "detail": "Unauthorized"})
            if fault == "429":
                headers = {"x-rate-limit-limit": "900", "x-rate-limit-remaining": "0"}
                if options.get("reset") is not None:
                    headers["x-rate-limit-reset"] = str(options["reset"])
                return self._json(429, {"title": "Too Many Requests", "detail": "Too Many Requests",
                                        "type": "about:blank", "status": 429}, headers)
            if fault == "503":
                return self._json(503, {"title": "Service Unavailable", "detail": "Service Unavailable",
                                        "type": "about:blank", "status": 503})
            if fault == "403":
                return self._json(403, _not_enrolled())
            if fault == "404":
                return self._json(404, {"title": "Not Found Error", "status": 404, "detail": "Could not find user",
                                        "type": "https://api.twitter.com/2/problems/resource-not-found"})
            if fault == "drop":
                # the server goes away after reading the request: no status line at all
                self.connection.shutdown(socket.SHUT_RDWR)
                self.close_connection = True
                return None
            if fault == "stall":
                time.sleep(options.get("seconds", 3))
            status, body = fake.route(url.path, params)
            raw = json.dumps(body).encode()
            if fault == "truncate":
                # Content-Length promises the whole body; half of it arrives, then the connection closes
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw[: len(raw) // 2])
                self.wfile.flush()
                self.connection.shutdown(socket.SHUT_RDWR)
                self.close_connection = True
                return None
            if fault == "badjson":
                raw = raw[: len(raw) // 2]   # a proxy cut the body but fixed up the length: invalid JSON
            return self._send(status, raw)

        def _json(self, status: int, body: dict, headers: dict | None = None) -> None:
            self._send(status, json.dumps(body).encode(), headers)

        def _send(self, status: int, raw: bytes, headers: dict | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(raw)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(raw)

    return Handler


class LoopbackAdapter(TimeoutAdapter):
    """Sends https://api.twitter.com requests to the fake on 127.0.0.1, through requests' real HTTP adapter."""

    def __init__(self, base: str, timeout=(2, 2), crash_after: int | None = None):
        super().__init__(timeout)
        self.base = base
        self.crash_after = crash_after
        self.sent = 0

    def send(self, request, **kwargs):
        self.sent += 1
        if self.crash_after is not None and self.sent > self.crash_after:
            raise Crash(f"killed before request {self.sent}")
        request.url = request.url.replace("https://api.twitter.com", self.base, 1)
        return super().send(request, **kwargs)


def post_ids(posts: list[dict]) -> set[str]:
    """The ids of a list of posts."""
    return {p["id"] for p in posts}
