"""Bluesky: an actor's profile, complete post history and counts, without login.

- The posts themselves come from the actor's own repository, `com.atproto.repo.listRecords` on their PDS (found in
  their DID document: plc.directory for did:plc, /.well-known/did.json for did:web). The repository holds every
  post; the AppView's getAuthorFeed is known to miss some (bluesky-social/atproto issue 2616), so the feed alone
  cannot be the history. `fetch_records` pages any collection (app.bsky.feed.post here; likes and reposts use the
  same path).
- Counts (likes, replies, reposts, quotes) exist only in the AppView: getAuthorFeed pages (which also carry the
  reposts, timed by reason.indexedAt), and app.bsky.feed.getPosts, 25 at a time, for repository posts the feed
  did not show.
"""

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
DEFAULT_PLC_URL = "https://plc.directory"
POSTS = "app.bsky.feed.post"
PAGE_LIMIT = 100  # getAuthorFeed and listRecords refuse limit > 100
GET_POSTS_LIMIT = 25  # app.bsky.feed.getPosts takes at most 25 uris
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

    def url(self, method: str, params: dict, base: str | None = None) -> str:
        return http.PoliteClient.url(f"{(base or self.base_url).rstrip('/')}/{method}", params)

    def get(self, method: str, params: dict, base: str | None = None) -> tuple[str, str]:
        """GET an XRPC method on the AppView (or on `base`, e.g. a PDS's /xrpc); (request URL, body)."""
        url = f"{(base or self.base_url).rstrip('/')}/{method}"
        body, _ = http.get_text(self.http, url, params, BlueskyError, _xrpc_message)
        return self.url(method, params, base), body

    def get_url(self, url: str) -> str:
        """GET a plain URL (a DID document)."""
        return http.get_text(self.http, url, None, BlueskyError, _xrpc_message)[0]

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
    """The earliest feed time on a page: a repost's reason.indexedAt, else the post's indexedAt.

    A pinned post (reasonPin, since late 2024) heads the first page whatever its age: it says nothing about
    how far back the page reaches."""
    times = []
    for item in feed:
        reason = item.get("reason") or {}
        if str(reason.get("$type", "")).endswith("#reasonPin"):
            continue
        stamp = reason.get("indexedAt") or (item.get("post") or {}).get("indexedAt")
        if stamp:
            times.append(datetime.fromisoformat(stamp.replace("Z", "+00:00")))
    return min(times) if times else datetime.max.replace(tzinfo=UTC)


def resolve_pds(client: _Client, did: str, plc_url: str = DEFAULT_PLC_URL) -> str:
    """The XRPC base of the PDS holding a DID's repository, from its DID document."""
    if did.startswith("did:plc:"):
        url = f"{plc_url.rstrip('/')}/{did}"
    elif did.startswith("did:web:"):
        url = f"https://{did.removeprefix('did:web:')}/.well-known/did.json"
    else:
        raise BlueskyError(f"{did}: not a did:plc or did:web, cannot find its repository")
    doc = _parse(url, client.get_url(url), ("service",))
    for service in doc["service"] if isinstance(doc["service"], list) else []:
        if isinstance(service, dict) and str(service.get("id", "")).endswith("#atproto_pds"):
            endpoint = service.get("serviceEndpoint")
            if isinstance(endpoint, str) and endpoint.startswith(("https://", "http://")):
                return endpoint.rstrip("/") + "/xrpc"
    raise BlueskyError(f"{url}: the DID document names no #atproto_pds service")


def fetch_records(client: _Client, pds: str, did: str, collection: str, since: datetime | None = None,
                  progress: Callable[[str], None] | None = None) -> Iterator[RawRecord]:
    """Yield com.atproto.repo.listRecords pages of one collection, newest first, until the end or past `since`."""
    cursor, n = None, 0
    while True:
        url, body = client.get("com.atproto.repo.listRecords", {
            "repo": did, "collection": collection, "limit": PAGE_LIMIT, "cursor": cursor}, base=pds)
        doc = _parse(url, body, ("records",))
        if not isinstance(doc["records"], list):
            raise BlueskyError(f"{url}: field 'records' is not a list")
        for i, rec in enumerate(doc["records"]):
            if not (isinstance(rec, dict) and isinstance(rec.get("uri"), str) and isinstance(rec.get("value"), dict)):
                raise BlueskyError(f"{url}: records[{i}]: no 'uri' and 'value'")
        if not doc["records"]:
            return
        n += len(doc["records"])
        yield RawRecord(payload=body, retrieved_at=datetime.now(UTC), key=did)
        if progress:
            progress(f"{n} {collection} records")
        cursor = doc.get("cursor")
        # records come newest first by key (a TID: creation time); createdAt is client-set, the key is not
        if not cursor or (since and _oldest_record(doc["records"]) < since):
            return


def _oldest_record(records: list[dict]) -> datetime:
    times = []
    for rec in records:
        try:
            times.append(datetime.fromisoformat(str(rec["value"].get("createdAt")).replace("Z", "+00:00")))
        except ValueError:
            continue
    return min((t if t.tzinfo else t.replace(tzinfo=UTC) for t in times), default=datetime.max.replace(tzinfo=UTC))


def fetch_post_views(client: _Client, did: str, uris: list[str]) -> Iterator[RawRecord]:
    """Yield app.bsky.feed.getPosts responses (post views with counts) for these post URIs of one actor, 25 a
    request."""
    for start in range(0, len(uris), GET_POSTS_LIMIT):
        url, body = client.get("app.bsky.feed.getPosts", {"uris": uris[start:start + GET_POSTS_LIMIT]})
        doc = _parse(url, body, ("posts",))
        if not isinstance(doc["posts"], list):
            raise BlueskyError(f"{url}: field 'posts' is not a list")
        yield RawRecord(payload=body, retrieved_at=datetime.now(UTC), key=did)


def collect_bluesky(con: duckdb.DuckDBPyConnection, actor: str, *, base_url: str = DEFAULT_BASE_URL,
                    plc_url: str = DEFAULT_PLC_URL, since: datetime | None = None, flow_run_id: str | None = None,
                    progress: Callable[[str], None] | None = None, sleep: Callable[[float], None] = time.sleep,
                    max_wait: float = MAX_WAIT_S) -> dict:
    """Fetch a Bluesky actor's profile, feed, repository posts and their counts, then land each in one
    transaction; returns counts."""
    client = _Client(base_url, sleep, max_wait)
    try:
        profile, profile_rec = fetch_profile(client, actor)
        did = profile["did"]
        pages = list(fetch_feed_pages(client, did, since=since, progress=progress))
        pds = resolve_pds(client, did, plc_url)
        records = list(fetch_records(client, pds, did, POSTS, since=since, progress=progress))
        in_feed = {(i.get("post") or {}).get("uri") for p in pages for i in json.loads(p.payload)["feed"]}
        uris = [r["uri"] for p in records for r in json.loads(p.payload)["records"]]
        missing = [u for u in dict.fromkeys(uris) if u not in in_feed]
        views = list(fetch_post_views(client, did, missing))
    finally:
        client.close()
    origin = client.url("app.bsky.feed.getAuthorFeed", {"actor": did})
    new_pages = land_raw(con, "raw_bluesky_feed_pages", pages, Provenance(SOURCE, origin, flow_run_id=flow_run_id))
    land_raw(con, "raw_bluesky_records", records,
             Provenance(SOURCE, client.url("com.atproto.repo.listRecords", {"repo": did, "collection": POSTS}, pds),
                        flow_run_id=flow_run_id))
    land_raw(con, "raw_bluesky_post_views", views,
             Provenance(SOURCE, client.url("app.bsky.feed.getPosts", {}), flow_run_id=flow_run_id))
    land_raw(con, "raw_bluesky_profiles", [profile_rec],
             Provenance(SOURCE, client.url("app.bsky.actor.getProfile", {"actor": did}), flow_run_id=flow_run_id))
    items = sum(len(json.loads(p.payload)["feed"]) for p in pages)
    return {"actor": profile["handle"], "did": did, "pages": len(pages), "new_pages": new_pages,
            "feed_items": items, "records": len(uris), "not_in_feed": len(missing),
            "followers": profile.get("followersCount")}
