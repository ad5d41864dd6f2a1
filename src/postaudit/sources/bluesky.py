"""Bluesky: an actor's profile and author feed from the public AppView (no login), cursor-paged."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import duckdb

from postaudit import http
from postaudit.warehouse import Provenance, RawRecord, land_raw

SOURCE = "bluesky_api"
DEFAULT_BASE_URL = "https://public.api.bsky.app/xrpc"
PAGE_LIMIT = 100  # getAuthorFeed refuses limit > 100
TIMEOUT_S = 30
MAX_WAIT_S = 300  # longest rate-limit wait we sit out before giving up with a message


class BlueskyError(RuntimeError):
    """The AppView refused or answered something we cannot read; the message says which request."""


class _Client:
    """XRPC calls on the shared polite client: the AppView's RateLimit-* headers (epoch seconds, e.g. 3000 requests
    per 5 minutes per IP) are waited out up to max_wait, 5xx and network faults retried (2, 6, 18 s)."""

    def __init__(self, base_url: str, sleep: Callable[[float], None], max_wait: float):
        self.base_url = base_url.rstrip("/")
        self.http = http.PoliteClient(timeout=TIMEOUT_S, max_retries=3, backoff=2.0, factor=3.0, max_wait=max_wait,
                                      rate_limit_fallback=5.0, accept="application/json", sleep=sleep)

    def url(self, method: str, params: dict) -> str:
        return http.PoliteClient.url(f"{self.base_url}/{method}", params)

    def get(self, method: str, params: dict) -> tuple[str, str]:
        body, _ = http.get_text(self.http, f"{self.base_url}/{method}", params, BlueskyError, _xrpc_message)
        return self.url(method, params), body

    def close(self) -> None:
        self.http.close()


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
    try:
        profile, profile_rec = fetch_profile(client, actor)
        pages = list(fetch_feed_pages(client, profile["did"], since=since, progress=progress))
    finally:
        client.close()
    origin = client.url("app.bsky.feed.getAuthorFeed", {"actor": profile["did"]})
    new_pages = land_raw(con, "raw_bluesky_feed_pages", pages, Provenance(SOURCE, origin, flow_run_id=flow_run_id))
    land_raw(con, "raw_bluesky_profiles", [profile_rec],
             Provenance(SOURCE, client.url("app.bsky.actor.getProfile", {"actor": profile["did"]}),
                        flow_run_id=flow_run_id))
    items = sum(len(json.loads(p.payload)["feed"]) for p in pages)
    return {"actor": profile["handle"], "did": profile["did"], "pages": len(pages), "new_pages": new_pages,
            "feed_items": items, "followers": profile.get("followersCount")}
