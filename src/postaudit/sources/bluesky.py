"""Bluesky: an actor's profile and author feed from the public AppView (no login), cursor-paged."""

from __future__ import annotations

import http.client
import json
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import duckdb

from postaudit import __version__
from postaudit.warehouse import Provenance, RawRecord, land_raw

SOURCE = "bluesky_api"
DEFAULT_BASE_URL = "https://public.api.bsky.app/xrpc"
PAGE_LIMIT = 100  # getAuthorFeed refuses limit > 100
TIMEOUT_S = 30
MAX_WAIT_S = 300  # longest rate-limit wait we sit out before giving up with a message
USER_AGENT = f"postaudit/{__version__} (public-post audit)"


class BlueskyError(RuntimeError):
    """The AppView refused or answered something we cannot read; the message says which request."""


class _Client:
    """The one HTTP chokepoint: timeout, 429 waits bounded by max_wait, a couple of retries on 5xx."""

    def __init__(self, base_url: str, sleep: Callable[[float], None], max_wait: float):
        self.base_url = base_url.rstrip("/")
        self.sleep = sleep
        self.max_wait = max_wait

    def url(self, method: str, params: dict) -> str:
        return f"{self.base_url}/{method}?{urllib.parse.urlencode({k: v for k, v in params.items() if v is not None})}"

    def get(self, method: str, params: dict) -> tuple[str, str]:
        url = self.url(method, params)
        for attempt in range(4):
            req = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "application/json"})
            try:
                with urllib.request.urlopen(req, timeout=TIMEOUT_S) as resp:
                    return url, resp.read().decode("utf-8")
            except urllib.error.HTTPError as exc:
                body = exc.read().decode("utf-8", "replace")
                if exc.code == 429 or exc.code >= 500:
                    wait = _reset_wait(exc.headers) if exc.code == 429 else 2.0 * 3 ** attempt
                    if attempt < 3 and wait is not None and wait <= self.max_wait:
                        self.sleep(wait)
                        continue
                raise BlueskyError(f"{url}: HTTP {exc.code} {_xrpc_message(body)}") from None
            except (OSError, http.client.HTTPException, UnicodeDecodeError) as exc:  # URLError, timeouts: OSError
                # A dropped connection, a stall past the timeout or a body cut short of its Content-Length
                # (http.client.IncompleteRead) is one bad moment on the way: retry it like a 5xx.
                if is_transient(exc) and attempt < 3:
                    self.sleep(2.0 * 3 ** attempt)
                    continue
                raise BlueskyError(f"{url}: {describe_network_error(exc)}") from None
        raise BlueskyError(f"{url}: still failing after retries")


def is_transient(exc: BaseException) -> bool:
    """A network fault worth retrying: true unless the server cannot be reached at all (refused, unknown host): that will not get better."""
    reason = getattr(exc, "reason", exc)
    return not isinstance(reason, ConnectionRefusedError | socket.gaierror)


def describe_network_error(exc: BaseException) -> str:
    """What went wrong on the way, in words (shared with the Mastodon client)."""
    reason = getattr(exc, "reason", exc)
    if isinstance(exc, http.client.IncompleteRead):
        return f"the response was cut short ({len(exc.partial)} bytes of {len(exc.partial) + (exc.expected or 0)})"
    if isinstance(reason, TimeoutError | socket.timeout):
        return "no answer within the timeout"
    if isinstance(exc, UnicodeDecodeError):
        return "the response is not UTF-8"
    return f"cannot connect ({reason})"


def _reset_wait(headers) -> float | None:
    # The AppView sends RateLimit-Reset as epoch seconds (atproto rate limits, e.g. 3000 per 5 minutes per IP).
    reset = headers.get("RateLimit-Reset")
    if reset is None or not reset.strip().isdigit():
        return 5.0
    # Measure against the server's own Date header, so a wrong local clock cannot make us wait hours.
    try:
        now = parsedate_to_datetime(headers["Date"]).timestamp()
    except (KeyError, TypeError, ValueError):
        now = time.time()
    return max(0.0, int(reset) - now) + 1


def _xrpc_message(body: str) -> str:
    try:
        err = json.loads(body)
        return f"{err.get('error')}: {err.get('message')}"
    except (json.JSONDecodeError, AttributeError):
        return body[:200]


def _parse(url: str, body: str, fields: tuple[str, ...]) -> dict:
    try:
        doc = json.loads(body)
    except json.JSONDecodeError as exc:
        raise BlueskyError(f"{url}: response is not JSON ({exc.msg})") from None
    for f in fields:
        if not isinstance(doc, dict) or f not in doc:
            raise BlueskyError(f"{url}: response has no field '{f}'")
    return doc


def fetch_profile(client: _Client, actor: str) -> tuple[dict, RawRecord]:
    """The actor's profile (DID, handle, follower counts) as one raw record keyed by DID."""
    url, body = client.get("app.bsky.actor.getProfile", {"actor": actor.lstrip("@")})
    doc = _parse(url, body, ("did", "handle"))
    return doc, RawRecord(payload=body, retrieved_at=datetime.now(UTC), key=doc["did"])


def fetch_feed_pages(client: _Client, did: str, since: datetime | None = None,
                     progress: Callable[[str], None] | None = None) -> Iterator[RawRecord]:
    """Yield getAuthorFeed pages, newest first, until the cursor runs out or a page reaches back past `since`."""
    cursor, n = None, 0
    while True:
        url, body = client.get("app.bsky.feed.getAuthorFeed", {
            "actor": did, "limit": PAGE_LIMIT, "cursor": cursor, "filter": "posts_with_replies"})
        doc = _parse(url, body, ("feed",))
        if not isinstance(doc["feed"], list):
            raise BlueskyError(f"{url}: field 'feed' is not a list")
        n += len(doc["feed"])
        yield RawRecord(payload=body, retrieved_at=datetime.now(UTC), key=did)
        if progress:
            progress(f"{n} feed items")
        cursor = doc.get("cursor")
        if not doc["feed"] or not cursor or (since and _oldest(doc["feed"]) < since):
            return


def _oldest(feed: list[dict]) -> datetime:
    """The earliest feed time on a page: a repost's reason.indexedAt, else the post's indexedAt."""
    times = []
    for item in feed:
        stamp = (item.get("reason") or {}).get("indexedAt") or (item.get("post") or {}).get("indexedAt")
        if stamp:
            times.append(datetime.fromisoformat(stamp.replace("Z", "+00:00")))
    return min(times) if times else datetime.max.replace(tzinfo=UTC)


def collect_bluesky(con: duckdb.DuckDBPyConnection, actor: str, *, base_url: str = DEFAULT_BASE_URL,
                    since: datetime | None = None, flow_run_id: str | None = None,
                    progress: Callable[[str], None] | None = None, sleep: Callable[[float], None] = time.sleep,
                    max_wait: float = MAX_WAIT_S) -> dict:
    """Fetch a Bluesky actor's profile and feed, then land each in one transaction; returns counts."""
    client = _Client(base_url, sleep, max_wait)
    profile, profile_rec = fetch_profile(client, actor)
    pages = list(fetch_feed_pages(client, profile["did"], since=since, progress=progress))
    origin = client.url("app.bsky.feed.getAuthorFeed", {"actor": profile["did"]})
    new_pages = land_raw(con, "raw_bluesky_feed_pages", pages, Provenance(SOURCE, origin, flow_run_id=flow_run_id))
    land_raw(con, "raw_bluesky_profiles", [profile_rec],
             Provenance(SOURCE, client.url("app.bsky.actor.getProfile", {"actor": profile["did"]}),
                        flow_run_id=flow_run_id))
    items = sum(len(json.loads(p.payload)["feed"]) for p in pages)
    return {"actor": profile["handle"], "did": profile["did"], "pages": len(pages), "new_pages": new_pages,
            "feed_items": items, "followers": profile.get("followersCount")}
