"""Bluesky: an actor's profile, complete post history and counts, without login.

- The posts themselves come from the actor's own repository, `com.atproto.repo.listRecords` on their PDS (found in
  their DID document: plc.directory for did:plc, /.well-known/did.json for did:web). The repository holds every
  post; the AppView's getAuthorFeed is known to miss some (bluesky-social/atproto issue 2616), so the feed alone
  cannot be the history. `fetch_records` pages any collection (app.bsky.feed.post here; likes and reposts use the
  same path).
- Counts (likes, replies, reposts, quotes) exist only in the AppView: getAuthorFeed pages (which also carry the
  reposts, timed by reason.indexedAt), and app.bsky.feed.getPosts, 25 at a time, for repository posts the feed
  did not show.
- Traces of reading: the actor's likes and reposts are records of their repository too (app.bsky.feed.like,
  app.bsky.feed.repost; createdAt is when they acted), listed like the posts but landed page by page, each page
  in one transaction with the collection's cursor in sync_cursors (platform bluesky, source
  bluesky_records:<collection>). A run that stops midway resumes at the page after the last one landed; a later
  run asks only for records newer than the newest it has (listRecords pages newest first by record key, a TID
  that grows with time), unless it is asked to reach further back than before.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import duckdb

from postaudit import http
from postaudit.sources import traces
from postaudit.sources.x_api import insert_raw, read_cursor, write_cursor
from postaudit.warehouse import Provenance, RawRecord, land_raw, transaction

SOURCE = "bluesky_api"
DEFAULT_BASE_URL = "https://public.api.bsky.app/xrpc"
DEFAULT_PLC_URL = "https://plc.directory"
POSTS = "app.bsky.feed.post"
TRACE_COLLECTIONS = ("app.bsky.feed.like", "app.bsky.feed.repost")  # the actor's acts of reading, with times
RECORDS_CURSOR = "bluesky_records"  # sync_cursors.source prefix: bluesky_records:<collection>
PAGE_LIMIT = 100  # getAuthorFeed and listRecords refuse limit > 100
GET_POSTS_LIMIT = 25  # app.bsky.feed.getPosts takes at most 25 uris
TIMEOUT_S = 30
MAX_WAIT_S = 300  # longest rate-limit wait we sit out before giving up with a message


class BlueskyError(RuntimeError):
    """The AppView refused or answered something we cannot read; the message says which request."""

    kept = False  # whether pages landed before the failure stay (a resumable collection)


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
                  progress: Callable[[str], None] | None = None, *, cursor: str | None = None,
                  stop_at: str | None = None) -> Iterator[RawRecord]:
    """Yield com.atproto.repo.listRecords pages of one collection, newest first, from `cursor` until the end, past
    `since`, or down to the record key `stop_at` (what an earlier run already has)."""
    n = 0
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
        if not cursor or (since and _oldest_record(doc["records"]) < since) or (
                stop_at and min(_rkey(r) for r in doc["records"]) <= stop_at):
            return


def _rkey(record: dict) -> str:
    return record["uri"].rsplit("/", 1)[-1]


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


def collect_traces(con: duckdb.DuckDBPyConnection, client: _Client, pds: str, did: str, *,
                   since: datetime | None = None, flow_run_id: str | None = None,
                   progress: Callable[[str], None] | None = None) -> dict:
    """Land the actor's like and repost records page by page, each page with its cursor in one transaction;
    resumes an unfinished sweep. Returns, per collection, pages and records fetched, and the traces found."""
    out: dict = {}
    for collection in TRACE_COLLECTIONS:
        source = f"{RECORDS_CURSOR}:{collection}"
        prov = Provenance(SOURCE, client.url("com.atproto.repo.listRecords", {"repo": did, "collection": collection},
                                             pds), flow_run_id=flow_run_id)
        sweep = _plan_sweep(read_cursor(con, did, source, platform="bluesky"), since)
        resumed = sweep["pages"] > 0
        sweep = _run_sweep(con, client, pds, did, collection, sweep, since, prov, progress)
        if resumed:
            # records made while the interrupted sweep waited are newer than it started from: catch up now
            _run_sweep(con, client, pds, did, collection, _plan_sweep(
                read_cursor(con, did, source, platform="bluesky"), since), since, prov, progress)
        out[collection] = {"pages": sweep["pages"], "records": sweep["records"], "resumed": resumed}
    # every record page of the actor, this run's and earlier (interrupted) runs': what is known, what is left out
    pages = [r[0] for r in con.execute("select record_id from raw_bluesky_records where record_key = ?",
                                       [did]).fetchall()]
    with transaction(con):
        out |= traces.summarize(con, "bluesky", pages)
    return out


def _plan_sweep(cursor: dict | None, since: datetime | None) -> dict:
    """Resume an unfinished sweep that reaches back at least to `since`, else start at the newest record, stopping
    at what is already complete (the newest record key landed, when earlier sweeps reached back to `since`)."""
    window = since.astimezone(UTC).isoformat() if since else None
    # a scheduled run asks from a moving `since` (now - lookback until one succeeds): an interrupted sweep that
    # reaches as far back still serves it
    unfinished = cursor["sweep"] if cursor else None
    if unfinished and (unfinished["window"] is None or (
            since is not None and datetime.fromisoformat(unfinished["window"]) <= since)):
        return unfinished
    covered = bool(cursor and cursor["newest_id"]) and (
        cursor["covered_from"] is None or (since is not None and cursor["covered_from"] <= since))
    return {"window": window, "cursor": None, "newest": None, "pages": 0, "records": 0,
            "stop_at": cursor["newest_id"] if covered else None}


def _run_sweep(con, client: _Client, pds: str, did: str, collection: str, sweep: dict, since: datetime | None,
               prov: Provenance, progress) -> dict:
    source = f"{RECORDS_CURSOR}:{collection}"
    before = read_cursor(con, did, source, platform="bluesky")
    newest_done = before["newest_id"] if before else None
    covered_from = before["covered_from"] if before else None
    pages = fetch_records(client, pds, did, collection, since=since, progress=progress, cursor=sweep["cursor"],
                          stop_at=sweep["stop_at"])
    try:
        for page in pages:
            records = json.loads(page.payload)["records"]
            newest = max(_rkey(r) for r in records)
            sweep = {**sweep, "cursor": json.loads(page.payload).get("cursor"), "pages": sweep["pages"] + 1,
                     "records": sweep["records"] + len(records), "newest": max(filter(None, (sweep["newest"], newest)))}
            with transaction(con):
                insert_raw(con, "raw_bluesky_records", [page], prov)
                write_cursor(con, did, source, newest_done, covered_from, sweep, platform="bluesky")
    except BlueskyError as exc:
        n = sweep["pages"]
        err = BlueskyError(f"{exc}; the posts, the profile and {n} {collection} page{'' if n == 1 else 's'} landed "
                           "before this stay, and the next run resumes after them")
        err.kept = True
        raise err from None
    # complete: everything from the newest key down to since (or to what was complete before) has landed
    newest = max(filter(None, (newest_done, sweep["newest"])), default=None)
    start = covered_from if sweep["stop_at"] else since
    with transaction(con):
        write_cursor(con, did, source, newest, start, None, platform="bluesky")
    return sweep


def collect_bluesky(con: duckdb.DuckDBPyConnection, actor: str, *, base_url: str = DEFAULT_BASE_URL,
                    plc_url: str = DEFAULT_PLC_URL, since: datetime | None = None, flow_run_id: str | None = None,
                    progress: Callable[[str], None] | None = None, sleep: Callable[[float], None] = time.sleep,
                    max_wait: float = MAX_WAIT_S, with_traces: bool = True) -> dict:
    """Fetch a Bluesky actor's profile, feed, repository posts and their counts, then land each in one
    transaction; then (with_traces) their likes and reposts, page by page and resumably. Returns counts."""
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
        origin = client.url("app.bsky.feed.getAuthorFeed", {"actor": did})
        new_pages = land_raw(con, "raw_bluesky_feed_pages", pages,
                             Provenance(SOURCE, origin, flow_run_id=flow_run_id))
        land_raw(con, "raw_bluesky_records", records, Provenance(SOURCE, client.url(
            "com.atproto.repo.listRecords", {"repo": did, "collection": POSTS}, pds), flow_run_id=flow_run_id))
        land_raw(con, "raw_bluesky_post_views", views,
                 Provenance(SOURCE, client.url("app.bsky.feed.getPosts", {}), flow_run_id=flow_run_id))
        land_raw(con, "raw_bluesky_profiles", [profile_rec],
                 Provenance(SOURCE, client.url("app.bsky.actor.getProfile", {"actor": did}), flow_run_id=flow_run_id))
        found = collect_traces(con, client, pds, did, since=since, flow_run_id=flow_run_id,
                               progress=progress) if with_traces else {}
    finally:
        client.close()
    items = sum(len(json.loads(p.payload)["feed"]) for p in pages)
    return {"actor": profile["handle"], "did": did, "pages": len(pages), "new_pages": new_pages,
            "feed_items": items, "records": len(uris), "not_in_feed": len(missing),
            "followers": profile.get("followersCount"), **found}
