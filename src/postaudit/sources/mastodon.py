"""Mastodon: an account and its statuses from the account's home server (public API, no login), Link-paged."""

from __future__ import annotations

import json
import re
import time
import urllib.parse
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import duckdb

from postaudit import http
from postaudit.warehouse import Provenance, RawRecord, land_raw

SOURCE = "mastodon_api"
PAGE_LIMIT = 40  # /api/v1/accounts/:id/statuses caps limit at 40
TIMEOUT_S = 30
# Mastodon allows 300 requests per 5 minutes per IP for unauthenticated calls and resets on that window,
# so a full wait is at most about 300 s; more than that means something else is wrong.
MAX_WAIT_S = 330
ACCT = re.compile(r"@?([A-Za-z0-9_.-]+)@([A-Za-z0-9.-]+(?::\d+)?)")


class MastodonError(RuntimeError):
    """The server refused or answered something we cannot read; the message says which request."""


def parse_acct(acct: str) -> tuple[str, str]:
    """'@user@server' → ('user', 'server')."""
    m = ACCT.fullmatch(acct.strip())
    if not m:
        raise MastodonError(f"{acct!r} is not a Mastodon account: write it as @user@server, e.g. @Gargron@mastodon.social")
    return m.group(1), m.group(2).lower()


class _Client:
    """The server's API on the shared polite client: X-RateLimit-* honoured (X-RateLimit-Reset is an ISO time;
    when Remaining reaches 0 the next call waits for it), 429s wait (60 s without a reset), faults retried."""

    def __init__(self, base_url: str, sleep: Callable[[float], None], max_wait: float):
        self.base_url = base_url.rstrip("/")
        self.http = http.PoliteClient(timeout=TIMEOUT_S, max_retries=3, backoff=2.0, factor=3.0, max_wait=max_wait,
                                      rate_limit_fallback=60.0, accept="application/json", sleep=sleep)

    @property
    def waited_s(self) -> float:
        return self.http.waited_s

    def get(self, url: str) -> tuple[str, dict, str]:
        """GET a URL on the server; returns (body, headers, url)."""
        body, resp = http.get_text(self.http, url, None, MastodonError, _error_message)
        return body, resp.headers, url

    def close(self) -> None:
        self.http.close()


def _error_message(body: str) -> str:
    try:
        return str(json.loads(body).get("error"))
    except (json.JSONDecodeError, AttributeError):
        return body[:200]


def _next_link(link: str | None, base_url: str) -> str | None:
    """The rel="next" URL of a Link header, if it stays on the server we asked."""
    for part in (link or "").split(","):
        m = re.match(r'\s*<([^>]+)>\s*;.*\brel="?next"?', part)
        if m:
            nxt = m.group(1)
            # Follow only the same server: a Link header must not send us (or our User-Agent) elsewhere.
            same = urllib.parse.urlsplit(nxt)[:2] == urllib.parse.urlsplit(base_url)[:2]
            return nxt if same else None
    return None


def _json(url: str, body: str):
    try:
        return json.loads(body)
    except json.JSONDecodeError as exc:
        raise MastodonError(f"{url}: response is not JSON ({exc.msg})") from None


def fetch_account(client: _Client, acct: str) -> tuple[dict, RawRecord]:
    """Resolve @user@server with /api/v1/accounts/lookup; the account (with follower counts) as a raw record."""
    user, domain = parse_acct(acct)
    body, _headers, url = client.get(f"{client.base_url}/api/v1/accounts/lookup?"
                                     + urllib.parse.urlencode({"acct": user}))
    doc = _json(url, body)
    if not isinstance(doc, dict) or "id" not in doc:
        raise MastodonError(f"{url}: response has no field 'id'")
    return doc, RawRecord(payload=body, retrieved_at=datetime.now(UTC), key=f"{user.lower()}@{domain}")


def fetch_status_pages(client: _Client, account_id: str, key: str, since: datetime | None = None,
                       progress: Callable[[str], None] | None = None) -> Iterator[RawRecord]:
    """Yield statuses pages, newest first, following Link rel="next" (max_id) until the end or past `since`."""
    url = f"{client.base_url}/api/v1/accounts/{urllib.parse.quote(account_id)}/statuses?limit={PAGE_LIMIT}"
    n = 0
    while url:
        body, headers, got = client.get(url)
        page = _json(got, body)
        if not isinstance(page, list):
            raise MastodonError(f"{got}: expected a JSON list of statuses")
        for i, status in enumerate(page):
            if not isinstance(status, dict) or not {"id", "created_at"} <= status.keys():
                raise MastodonError(f"{got}: status {i}: field 'id' or 'created_at' missing")
        if not page:
            return
        n += len(page)
        yield RawRecord(payload=body, retrieved_at=datetime.now(UTC), key=key)
        if progress:
            progress(f"{n} statuses")
        oldest = min(datetime.fromisoformat(s["created_at"].replace("Z", "+00:00")) for s in page)
        if since and oldest < since:
            return
        url = _next_link(headers.get("Link") or headers.get("link"), client.base_url)
        if url is None and len(page) == PAGE_LIMIT:
            # No usable Link header: page by max_id ourselves (statuses come newest first, ids descend).
            url = (f"{client.base_url}/api/v1/accounts/{urllib.parse.quote(account_id)}/statuses?"
                   + urllib.parse.urlencode({"limit": PAGE_LIMIT, "max_id": page[-1]["id"]}))


def collect_mastodon(con: duckdb.DuckDBPyConnection, acct: str, *, base_url: str | None = None,
                     since: datetime | None = None, flow_run_id: str | None = None,
                     progress: Callable[[str], None] | None = None, sleep: Callable[[float], None] = time.sleep,
                     max_wait: float = MAX_WAIT_S) -> dict:
    """Fetch an account and its statuses from its home server, then land each in one transaction; returns counts."""
    _user, domain = parse_acct(acct)
    # Counts are as the queried server sees them: only the home server knows them all.
    client = _Client(base_url or f"https://{domain}", sleep, max_wait)
    try:
        account, account_rec = fetch_account(client, acct)
        pages = list(fetch_status_pages(client, str(account["id"]), account_rec.key, since=since, progress=progress))
    finally:
        client.close()
    origin = f"{client.base_url}/api/v1/accounts/{account['id']}/statuses"
    new_pages = land_raw(con, "raw_mastodon_pages", pages, Provenance(SOURCE, origin, flow_run_id=flow_run_id))
    land_raw(con, "raw_mastodon_accounts", [account_rec],
             Provenance(SOURCE, f"{client.base_url}/api/v1/accounts/lookup", flow_run_id=flow_run_id))
    return {"acct": account_rec.key, "account_id": str(account["id"]), "pages": len(pages), "new_pages": new_pages,
            "statuses": sum(len(json.loads(p.payload)) for p in pages), "followers": account.get("followers_count"),
            "rate_limit_wait_s": client.waited_s}
