"""X API v2 through tweepy: resolve an account, page its timeline (or full-archive search), land every raw page.

Resumability: each page lands in the same transaction as the account's row in `sync_cursors`. The cursor holds
the newest post id known complete plus the unfinished sweep (its window and the oldest post id landed so far).
A run killed at any moment leaves the warehouse at a page boundary; the rerun asks for posts older than the oldest
landed one (`until_id`) within the same window, then finishes the sweep and only then moves `newest_id`, so no post
is skipped. Pages are keyed by content hash and `posts` by post id, so re-fetching a page duplicates nothing.

Faults have one owner, `call_api`: tweepy's own `wait_on_rate_limit` stays off (it retries a 429 without a reset
header at once, recursively, with no backoff).
"""

from __future__ import annotations

import json
import logging
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import duckdb
import requests
import tweepy

from postaudit import http, settings
from postaudit.warehouse import Provenance, RawRecord, RawWriter, ensure_raw, transaction

API_HOST = "https://api.twitter.com"
# The user timeline endpoint reaches only the newest 3,200 posts (800 with exclude=replies); deleted posts still
# count against that reach, so a capped sweep returns "about" 3,200: anything from 3,100 on is treated as the cap.
TIMELINE_CAP = 3200
CAP_MARGIN = 100
# search/all defaults start_time to 30 days ago; the first post ever is from 2006-03-21.
FULL_ARCHIVE_START = datetime(2006, 3, 21, tzinfo=UTC)
TIMELINE, FULL_ARCHIVE = "x_api", "x_api_full_archive"   # cursor sources
TWEET_FIELDS = ["created_at", "public_metrics", "conversation_id", "referenced_tweets", "in_reply_to_user_id",
                "lang", "entities", "source", "edit_history_tweet_ids", "note_tweet", "reply_settings", "author_id"]
EXPANSIONS = ["author_id", "referenced_tweets.id"]
USER_FIELDS = ["created_at", "description", "location", "name", "protected", "public_metrics", "url",
               "username", "verified"]

Progress = Callable[[str], None]
log = logging.getLogger(__name__)


class XApiError(RuntimeError):
    """The X API refused or kept failing; the message says what to do. Pages landed before it stay landed."""


@dataclass
class RetryPolicy:
    """How long to wait and how often to retry; `sleep`, `clock` and `rng` are injectable so tests run instantly.

    Resets are measured on `clock` when one is given, else on the server's Date header (else the local clock).
    """

    max_attempts: int = 6                 # per request, for 5xx, timeouts, dropped connections, truncated bodies
    backoff_base: float = 2.0             # seconds, doubled per attempt
    backoff_max: float = 120.0
    max_rate_limit_waits: int = 8         # per request
    max_rate_limit_wait: float = 15 * 60 + 30   # X rate-limit windows are 15 minutes
    rate_limit_backoff: float = 60.0      # first wait on a 429 without x-rate-limit-reset, doubled each time
    search_interval: float = 1.0          # search/all allows 1 request per second
    jitter: float = 0.2                   # backoff waits are shortened by up to this fraction, at random
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] | None = None
    rng: random.Random = field(default_factory=random.Random)


class TimeoutAdapter(http.SessionAdapter):
    """The shared client's session rules (timeout, User-Agent) plus an X quirk, for tweepy's requests session.

    tweepy 4.16 reads x-rate-limit-reset with int(): a reset with a fractional part (microseconds) would raise
    ValueError inside tweepy instead of TooManyRequests. It is rounded up here; a second later is the safe side.
    """

    def send(self, request, **kwargs):
        response = super().send(request, **kwargs)
        reset = response.headers.get("x-rate-limit-reset")
        if reset and not reset.strip().isdigit():
            try:
                response.headers["x-rate-limit-reset"] = str(math.ceil(float(reset)))
            except ValueError:
                del response.headers["x-rate-limit-reset"]   # unreadable: treated as absent (backoff)
        return response


class _Redact(logging.Filter):
    """tweepy logs request headers, Authorization included, at DEBUG: blank the token out of every record."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if any(s in message for s in self.secrets):
            for s in self.secrets:
                message = message.replace(s, "[redacted]")
            record.msg, record.args = message, None
        return True


_REDACT = _Redact()


def make_client(token: str, timeout: float | tuple[float, float] = (10, 60)) -> tweepy.Client:
    """A tweepy Client returning raw dicts, with a request timeout and the token redacted from tweepy's logs."""
    if not token:
        raise XApiError("no X bearer token: set X_BEARER_TOKEN or pass --token-block NAME")
    _REDACT.secrets.add(token)
    tweepy_log = logging.getLogger("tweepy.client")
    if _REDACT not in tweepy_log.filters:
        tweepy_log.addFilter(_REDACT)
    client = tweepy.Client(bearer_token=token, return_type=dict, wait_on_rate_limit=False)
    client.session.mount("https://", TimeoutAdapter(timeout))
    return client


def resolve_token(token: str | None = None, token_block: str | None = None) -> str:
    """The bearer token: explicit, else a Prefect Secret block (only when named), else $X_BEARER_TOKEN."""
    if token:
        return token
    if token_block:
        from prefect.blocks.system import Secret

        try:
            value = Secret.load(token_block).get()
        except ValueError as exc:
            raise XApiError(f"no Prefect Secret block named {token_block!r}: create it first ({exc})") from None
        if not value:
            raise XApiError(f"the Prefect Secret block {token_block!r} is empty")
        return str(value)
    value = settings.load().x_bearer_token
    if not value:
        raise XApiError("no X bearer token: set X_BEARER_TOKEN, or store it in a Prefect Secret block and pass "
                        "--token-block NAME (tokens come from the X developer portal, App > Keys and tokens)")
    return value


# ---------------------------------------------------------------- the one HTTP chokepoint

_RETRYABLE = (tweepy.TwitterServerError, requests.ConnectionError, requests.Timeout,
              requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError,
              requests.JSONDecodeError)


def call_api(fn: Callable[..., Any], what: str, policy: RetryPolicy, progress: Progress, **params) -> dict:
    """Call one tweepy method, owning every retry: 429 waits for the reset, faults back off, the rest stop clearly."""
    attempt = rate_waits = 0
    while True:
        try:
            return fn(**params)
        except tweepy.TooManyRequests as exc:
            rate_waits += 1
            if rate_waits > policy.max_rate_limit_waits:
                raise XApiError(f"{what}: still rate limited after {policy.max_rate_limit_waits} waits; "
                                "run again later (the run resumes where it stopped)") from None
            wait = _rate_limit_wait(exc.response.headers, rate_waits, policy, progress)
            progress(f"{what}: rate limited (429), waiting {wait:.0f} s")
            policy.sleep(wait)
        except _RETRYABLE as exc:
            attempt += 1
            if attempt >= policy.max_attempts:
                raise XApiError(f"{what}: failed {attempt} times, last with {_describe(exc)}; X may be having "
                                "trouble: run again later (the run resumes where it stopped)") from None
            wait = http.Backoff(policy.backoff_base, 2.0, policy.backoff_max, policy.jitter).delay(attempt - 1, policy.rng)
            progress(f"{what}: {_describe(exc)}; retry {attempt}/{policy.max_attempts - 1} in {wait:.0f} s")
            policy.sleep(wait)
        except tweepy.Unauthorized:
            raise XApiError(f"{what}: 401 Unauthorized: X rejected the bearer token. Check X_BEARER_TOKEN (or the "
                            "--token-block secret); regenerate it in the developer portal if it was revoked") from None
        except tweepy.Forbidden as exc:
            raise XApiError(_forbidden(what, exc)) from None
        except tweepy.NotFound as exc:
            raise XApiError(f"{what}: 404 Not Found ({_api_detail(exc)}): the account may be deleted, suspended "
                            "or renamed; check the handle on x.com") from None
        except tweepy.HTTPException as exc:
            raise XApiError(f"{what}: {exc.response.status_code} {_api_detail(exc)}") from None


def _rate_limit_wait(headers, n: int, policy: RetryPolicy, progress: Progress) -> float:
    local = policy.clock() if policy.clock else time.time()
    server = None if policy.clock else http.server_time(headers)
    if server is not None and abs(server - local) > http.SKEW_WARN_S:
        progress(f"the local clock is {local - server:+.0f} s off X's Date header: waiting on X's clock")
    wait = http.reset_wait(headers, server if server is not None else local)
    if wait is None:
        # No x-rate-limit-reset header: back off exponentially instead of hammering the API.
        return http.Backoff(policy.rate_limit_backoff, 2.0, policy.max_rate_limit_wait,
                            policy.jitter).delay(n - 1, policy.rng)
    if wait > policy.max_rate_limit_wait:
        # A reset further away than a window means a clock is off or the limit is a daily one: cap the sleep.
        progress(f"x-rate-limit-reset is {wait:.0f} s away (clock skew or a daily limit?): waiting "
                 f"{policy.max_rate_limit_wait:.0f} s")
        return policy.max_rate_limit_wait
    # A reset already in the past (our clock ahead) gives 1 s: wait a little, not zero, and try again.
    return wait


def _describe(exc: Exception) -> str:
    if isinstance(exc, tweepy.TwitterServerError):
        return f"server error {exc.response.status_code}"
    if isinstance(exc, requests.Timeout):
        return "a timeout"
    if isinstance(exc, requests.JSONDecodeError | requests.exceptions.ChunkedEncodingError):
        return "a truncated response body"
    return "a dropped connection"


def _api_detail(exc: tweepy.HTTPException) -> str:
    return "; ".join(str(m) for m in exc.api_messages) or str(exc.response.reason)


def _forbidden(what: str, exc: tweepy.HTTPException) -> str:
    try:
        body = exc.response.json()
    except (ValueError, AttributeError):
        body = {}
    if body.get("reason") == "client-not-enrolled":
        return (f"{what}: 403 client-not-enrolled: the token's App is not attached to a Project with the needed "
                "access. In the X developer portal, add the App to a Project (and an access tier that includes "
                "this endpoint), then use that App's bearer token")
    if "search" in what:
        return (f"{what}: 403 Forbidden ({_api_detail(exc)}): full-archive search needs a higher access tier "
                "(Pro, Enterprise, or pay-per-use with full-archive search). Without it, run without --full-archive "
                "(newest 3,200 posts) and import the account's own archive with `postaudit import x-archive`")
    return f"{what}: 403 Forbidden ({_api_detail(exc)}): the token lacks access to this endpoint or the account is protected"


# ---------------------------------------------------------------- landing inside the caller's transaction

def insert_raw(con: duckdb.DuckDBPyConnection, table: str, records: list[RawRecord], prov: Provenance) -> int:
    """Insert raw records like `land_raw` (same record_id) but inside the caller's open transaction; returns rows added."""
    # land_raw opens its own transaction and DuckDB has no nested ones; pages and their cursor must commit together.
    writer = RawWriter(con, table, prov)
    for rec in records:
        writer.add(rec)
    return writer.close()


def request_url(route: str, params: dict) -> str:
    """The request URL as provenance; the token travels in a header, so nothing secret is in it."""
    # tweepy renames these keyword arguments to the API's dotted query parameters
    dotted = {"tweet_fields": "tweet.fields", "user_fields": "user.fields"}
    query = {dotted.get(k, k): (",".join(v) if isinstance(v, list) else _iso(v) if isinstance(v, datetime) else v)
             for k, v in params.items() if v is not None}
    return requests.Request("GET", API_HOST + route, params=query).prepare().url


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# ---------------------------------------------------------------- account lookup

def lookup_user(con, client: tweepy.Client, handle: str, *, policy: RetryPolicy, progress: Progress,
                flow_run_id: str | None = None) -> dict:
    """Resolve a handle with get_user, land the response (one account_snapshots row per run) and return the user."""
    params = {"username": handle, "user_fields": USER_FIELDS}
    page = call_api(client.get_user, f"looking up @{handle}", policy, progress, **params)
    if not isinstance(page.get("data"), dict):
        detail = "; ".join(e.get("detail") or e.get("title") or str(e) for e in page.get("errors") or []) or "no data"
        raise XApiError(f"@{handle}: {detail}. The account may be deleted, suspended or renamed: check the handle "
                        "on x.com (an archive you already have can still be imported with `postaudit import x-archive`)")
    url = request_url(f"/2/users/by/username/{handle}", {"user_fields": USER_FIELDS})
    now = datetime.now(UTC)
    # The key carries the request time: an unchanged profile is still an observation, one account_snapshots row per run.
    with transaction(con):
        insert_raw(con, "raw_x_users", [RawRecord(_dump(page), now, key=f"{handle}@{now.isoformat()}")],
                   Provenance("x_api", url, flow_run_id=flow_run_id))
    return page["data"]


def _dump(page: dict) -> str:
    return json.dumps(page, ensure_ascii=False, separators=(",", ":"))


# ---------------------------------------------------------------- cursor

def read_cursor(con, account_id: str, source: str, platform: str = "x") -> dict | None:
    """The cursor row for one account and source, with the unfinished sweep parsed; None when there is none."""
    rows = con.execute("SELECT newest_id, covered_from, sweep FROM sync_cursors WHERE platform = ? "
                       "AND account_id = ? AND source = ?", [platform, account_id, source]).fetchall()
    if not rows:
        return None
    newest, covered, sweep = rows[0]
    return {"newest_id": newest, "covered_from": covered, "sweep": json.loads(sweep) if sweep else None}


def write_cursor(con, account_id: str, source: str, newest_id, covered_from, sweep: dict | None,
                 platform: str = "x") -> None:
    """Replace one account and source's cursor row (inside the caller's transaction, with the page it covers)."""
    con.execute(
        "INSERT OR REPLACE INTO sync_cursors (platform, account_id, source, newest_id, covered_from, sweep, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [platform, account_id, source, newest_id, covered_from, json.dumps(sweep) if sweep else None,
         datetime.now(UTC)])


def plan_sweep(cursor: dict | None, since: datetime | None, until: datetime | None, mode: str) -> dict:
    """What to ask for: resume the unfinished sweep of the same window, else only what the cursor lacks."""
    window = {"since": _iso(since) if since else None, "until": _iso(until) if until else None}
    if cursor and cursor["sweep"] and cursor["sweep"]["window"] == window:
        return cursor["sweep"]
    sweep = {"window": window, "mode": mode, "since_id": None, "start_time": window["since"], "end_time": window["until"],
             "until_id": None, "newest_id": None, "oldest_at": None, "posts": 0, "pages": 0}
    want_from = since or (FULL_ARCHIVE_START if mode == FULL_ARCHIVE else None)
    covered = bool(cursor and cursor["newest_id"]) and (
        cursor["covered_from"] is None or (want_from is not None and cursor["covered_from"] <= want_from))
    if covered and until is None:
        # Everything older than newest_id is already there back to the requested start: ask only for newer posts.
        sweep.update(since_id=cursor["newest_id"], start_time=None)
    elif mode == FULL_ARCHIVE and not sweep["start_time"]:
        sweep["start_time"] = _iso(FULL_ARCHIVE_START)
    return sweep


# ---------------------------------------------------------------- collecting

def collect_x(con: duckdb.DuckDBPyConnection, handle: str, *, since: datetime | None = None,
              until: datetime | None = None, token: str | None = None, token_block: str | None = None,
              refresh_days: int = 0, full_archive: bool = False, flow_run_id: str | None = None,
              progress: Progress | None = None, client: tweepy.Client | None = None,
              policy: RetryPolicy | None = None) -> dict:
    """Collect an account's posts incrementally and resumably; returns counts and whether the 3,200 cap was hit.

    Counts: fetched (posts received), new (post ids the warehouse did not have), updated (known posts observed
    again with changed counts), skipped (posts on pages already landed unchanged, or repeated within the run),
    failed (objects the API reported in `errors` alongside data, e.g. an unavailable referenced post), pages,
    refreshed, capped_at_3200, oldest_post_at and notes (what a person should know about the run).
    """
    progress = progress or (lambda message: None)
    policy = policy or RetryPolicy()
    since, until = _utc(since), _utc(until)
    if since and until and since >= until:
        raise XApiError(f"--since {since:%Y-%m-%d} is not before --until {until:%Y-%m-%d}")
    client = client or make_client(resolve_token(token, token_block))
    handle = handle.strip().lstrip("@")
    ensure_raw(con)
    user = lookup_user(con, client, handle, policy=policy, progress=progress, flow_run_id=flow_run_id)
    account_id = user["id"]
    metrics = user.get("public_metrics") or {}
    progress(f"@{user.get('username', handle)} is account {account_id} "
             f"({metrics.get('tweet_count', '?')} posts reported by X)")
    counts = {"account_id": account_id, "fetched": 0, "new": 0, "updated": 0, "skipped": 0, "failed": 0,
              "pages": 0, "refreshed": 0, "capped_at_3200": False, "oldest_post_at": None, "notes": []}
    known, seen = _known_post_ids(con), set()
    mode = FULL_ARCHIVE if full_archive else TIMELINE
    sweep = plan_sweep(read_cursor(con, account_id, mode), since, until, mode)
    resumed = sweep["pages"] > 0
    if resumed:
        counts["notes"].append(f"resumed an unfinished sweep after {sweep['pages']} pages")
    sweep = _run_sweep(con, client, account_id, sweep, counts, known, seen, policy=policy, progress=progress,
                       flow_run_id=flow_run_id, source=mode)
    if resumed:
        # Posts published while the interrupted sweep waited are newer than it reached: catch up now.
        catch_up = plan_sweep(read_cursor(con, account_id, mode), since, until, mode)
        if catch_up["since_id"]:
            _run_sweep(con, client, account_id, catch_up, counts, known, seen, policy=policy, progress=progress,
                       flow_run_id=flow_run_id, source=mode)
    counts["oldest_post_at"] = sweep["oldest_at"]
    if mode == TIMELINE and _is_capped(sweep, metrics.get("tweet_count"), since):
        counts["capped_at_3200"] = True
        counts["notes"].append(
            f"X's user timeline reaches only the newest {TIMELINE_CAP:,} posts: the oldest it returned is from "
            f"{sweep['oldest_at'] or 'nothing in the window'}, and the window asked for "
            f"{'everything' if since is None else 'posts since ' + _iso(since)}. Older posts need --full-archive "
            "(full-archive search, a higher X API access tier) or `postaudit import x-archive` of the account's archive")
    if refresh_days > 0:
        start = datetime.now(UTC) - timedelta(days=refresh_days)
        refresh = {"window": None, "mode": TIMELINE, "since_id": None, "start_time": _iso(start), "end_time": None,
                   "until_id": None, "newest_id": None, "oldest_at": None, "posts": 0, "pages": 0}
        progress(f"refreshing counts of posts since {_iso(start)}")
        before = counts["fetched"]
        _run_sweep(con, client, account_id, refresh, counts, known, seen, policy=policy, progress=progress,
                   flow_run_id=flow_run_id, source=TIMELINE, track=False)
        counts["refreshed"] = counts["fetched"] - before
    return counts


def _run_sweep(con, client, account_id: str, sweep: dict, counts: dict, known: set[str], seen: set[str], *,
               policy: RetryPolicy,
               progress: Progress, flow_run_id: str | None, source: str, track: bool = True) -> dict:
    search = sweep["mode"] == FULL_ARCHIVE
    params = {"max_results": 100, "tweet_fields": TWEET_FIELDS, "expansions": EXPANSIONS, "user_fields": USER_FIELDS,
              "since_id": sweep["since_id"], "until_id": sweep["until_id"],
              "start_time": None if sweep["since_id"] else sweep["start_time"], "end_time": sweep["end_time"]}
    params = {k: v for k, v in params.items() if v is not None}
    if search:
        fn, route, token_param = client.search_all_tweets, "/2/tweets/search/all", "next_token"
        params["query"] = f"from:{account_id}"
    else:
        fn, route, token_param = client.get_users_tweets, f"/2/users/{account_id}/tweets", "pagination_token"
        params["id"] = account_id
    next_token = None
    while True:
        call = dict(params, **({token_param: next_token} if next_token else {}))
        what = ("full-archive search" if search else "timeline") + f" page {sweep['pages'] + 1}"
        page = call_api(fn, what, policy, progress, **call)
        retrieved_at = datetime.now(UTC)
        data = page.get("data") or []
        meta = page.get("meta") or {}
        if not data and page.get("errors") and not meta:
            detail = "; ".join(e.get("detail") or e.get("title") or "" for e in page["errors"])
            raise XApiError(f"{what}: X answered with errors only ({detail}): the account may have been suspended, "
                            "deleted or protected; pages already landed are kept")
        ids = [t["id"] for t in data]
        if ids:
            oldest = min(ids, key=int)
            sweep["until_id"] = oldest if sweep["until_id"] is None else min(sweep["until_id"], oldest, key=int)
            newest = max(ids, key=int)
            sweep["newest_id"] = newest if sweep["newest_id"] is None else max(sweep["newest_id"], newest, key=int)
            oldest_at = min(t["created_at"] for t in data if t.get("created_at")) if any(
                t.get("created_at") for t in data) else None
            if oldest_at and (sweep["oldest_at"] is None or oldest_at < sweep["oldest_at"]):
                sweep["oldest_at"] = oldest_at
        sweep["pages"] += 1
        sweep["posts"] += len(ids)
        # Only a missing next_token ends a sweep: search/all can return empty pages that still carry one.
        next_token = meta.get("next_token")
        done = not next_token
        url_params = {k: v for k, v in call.items() if k not in ("id",)}
        prov = Provenance("x_api", request_url(route, url_params), flow_run_id=flow_run_id)
        with transaction(con):
            added = insert_raw(con, "raw_x_pages", [RawRecord(_dump(page), retrieved_at, key=account_id)], prov)
            if track:
                _advance_cursor(con, account_id, source, sweep, done)
        _count(counts, ids, added > 0, known, seen, page)
        progress(f"{what}: {len(ids)} posts ({counts['fetched']} so far, {counts['new']} new)")
        if done:
            return sweep
        if search:
            policy.sleep(policy.search_interval)  # search/all: 1 request per second


def _advance_cursor(con, account_id: str, source: str, sweep: dict, done: bool) -> None:
    cursor = read_cursor(con, account_id, source) or {"newest_id": None, "covered_from": None}
    if not done:
        write_cursor(con, account_id, source, cursor["newest_id"], cursor["covered_from"], sweep)
        return
    newest, covered = cursor["newest_id"], cursor["covered_from"]
    if sweep["end_time"] is None:
        # The sweep reached the present: everything from its start up to its newest post has landed.
        candidates = [i for i in (newest, sweep["newest_id"]) if i]
        newest = max(candidates, key=int) if candidates else None
        if not sweep["since_id"]:
            start = sweep["start_time"]
            covered = datetime.fromisoformat(start.replace("Z", "+00:00")) if start else None
    write_cursor(con, account_id, source, newest, covered, None)


def _count(counts: dict, ids: list[str], page_added: bool, known: set[str], seen: set[str], page: dict) -> None:
    counts["fetched"] += len(ids)
    counts["pages"] += 1
    counts["failed"] += len(page.get("errors") or [])
    for post_id in ids:
        if post_id in seen:
            counts["skipped"] += 1   # the same post again within this run (pages overlap when posts arrive mid-run)
            continue
        seen.add(post_id)
        if post_id not in known:
            counts["new"] += 1
            known.add(post_id)
        elif page_added:
            counts["updated"] += 1
        else:
            counts["skipped"] += 1


def _is_capped(sweep: dict, post_count: int | None, since: datetime | None) -> bool:
    oldest = datetime.fromisoformat(sweep["oldest_at"].replace("Z", "+00:00")) if sweep["oldest_at"] else None
    beyond = since is None or oldest is None or oldest > since
    if sweep["end_time"] is None:
        # A sweep up to now that returned about 3,200 posts stopped at the cap, unless it already reached the
        # requested start (or, with no start, the account has no more posts than that).
        if sweep["posts"] < TIMELINE_CAP - CAP_MARGIN:
            return False
        if since is None:
            return post_count is None or post_count > sweep["posts"]
        return beyond
    # A window ending in the past: its own count says nothing about the cap, the account's total does.
    return bool(post_count and post_count > TIMELINE_CAP and beyond and not sweep["since_id"])


def _known_post_ids(con) -> set[str]:
    rows = con.execute("""
        SELECT DISTINCT unnest(json_extract_string(payload, '$.data[*].id')) FROM raw_x_pages
        WHERE json_type(payload, '$.data') = 'ARRAY'
        UNION SELECT payload ->> 'id' FROM raw_x_flat_tweets
        UNION SELECT coalesce(payload -> 'tweet' ->> 'id_str', payload ->> 'id_str') FROM raw_x_archive_tweets
    """).fetchall()
    return {r[0] for r in rows if r[0]}


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
