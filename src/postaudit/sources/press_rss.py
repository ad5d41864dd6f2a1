"""RSS 0.9x/1.0/2.0, RDF and Atom feeds (feedparser): one raw record per entry.

An entry without a link or id still lands, named `urn:postaudit:feed-entry:<hash>` from what it says (feed,
title, date, summary), so saving the same feed again names it the same. A feed that declares no character set
(no XML declaration encoding, no HTTP charset) and is not UTF-8 is decoded by detection (charset_normalizer)
rather than read as Windows-1252, which turned an undeclared KOI8-R feed into mojibake.
"""

from __future__ import annotations

import calendar
import hashlib
import json
import re
import xml.sax
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse

import duckdb
import feedparser
from charset_normalizer import from_bytes

from postaudit import limits
from postaudit.http import FetchError, PoliteClient
from postaudit.sources.errors import InputError
from postaudit.warehouse import Provenance, RawRecord, ensure_raw, land_raw, transaction

FEED_MAX_BYTES = 20_000_000   # a feed is a few hundred KB; this only stops a runaway response
FEED_INTERVAL = 1.0   # seconds between two requests to one host
Progress = Callable[[str], None]
_DECLARED = re.compile(rb"""^\s*<\?xml[^>]*\bencoding\s*=""", re.I)
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


def undeclared_to_utf8(document: bytes, http_charset: str | None = None) -> tuple[bytes, str | None]:
    """A feed that names no charset and is not UTF-8, re-encoded as UTF-8 from the detected charset; with a note."""
    if http_charset or document.startswith(_BOMS) or _DECLARED.match(document[:512]):
        return document, None
    try:
        document.decode("utf-8")
        return document, None
    except UnicodeDecodeError:
        pass
    best = from_bytes(document).best()
    if best is None or not best.encoding:
        return document, None
    return str(best).encode("utf-8"), f"no character set declared and not UTF-8: read as {best.encoding} (detected)"


def _entry_name(feed, entry) -> str:
    """A stable name for an entry with neither link nor id, from what it says."""
    parts = [feed.get("link") or feed.get("title") or "", entry.get("title") or "",
             entry.get("published") or entry.get("updated") or "", entry.get("summary") or ""]
    return "urn:postaudit:feed-entry:" + hashlib.sha256("\0".join(parts).encode()).hexdigest()[:24]


def to_items(document: bytes | str, origin: str, parsed=None) -> list[dict]:
    """Parse a feed document into plain entry dicts (url, title, published, outlet, author, language, html)."""
    parsed = parsed if parsed is not None else feedparser.parse(document)
    if parsed.bozo and not parsed.entries:
        raise InputError(f"{origin}: not a readable RSS or Atom feed ({parsed.get('bozo_exception')})")
    feed = parsed.feed
    language = (feed.get("language") or "").split("-")[0] or None
    outlet = feed.get("title")
    items = []
    for entry in parsed.entries:
        link = entry.get("link") or entry.get("id")
        named = None if link else _entry_name(feed, entry)
        content = entry.get("content") or []
        html = content[0].get("value") if content else entry.get("summary", "")
        published = entry.get("published_parsed") or entry.get("updated_parsed")
        items.append({
            # an entry without a link or id (allowed in RSS 2.0 when it has a title or description) is named by
            # its content; it cannot be fetched, but it is coverage
            "url": link or named,
            "url_from": "link" if entry.get("link") else "id" if link else "content",
            "title": entry.get("title"),
            "published": (datetime.fromtimestamp(calendar.timegm(published), UTC).isoformat() if published else None),
            "outlet": outlet,
            "outlet_domain": urlparse(link or feed.get("link") or "").hostname,
            "author": entry.get("author"),
            "language": language,
            "html": html,
            "feed": origin,
        })
    return items


def fetch_file(path: str | Path) -> Iterator[RawRecord]:
    """Yield the entries of a feed file as raw records."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    data = path.read_bytes()
    if not data.strip():
        raise InputError(f"{path}: empty file (no feed in it)")
    data, _note = undeclared_to_utf8(data)
    parsed = feedparser.parse(data)
    if parsed.bozo and isinstance(parsed.bozo_exception, xml.sax.SAXParseException):
        # feedparser recovers what it can from broken XML and drops the rest without a word: from a saved file,
        # refuse it rather than land part of it (over HTTP, collect_feeds keeps the recovered entries with a note).
        exc = parsed.bozo_exception
        raise InputError(f"{path}:{exc.getLineNumber()}: not well-formed XML ({exc.getMessage()} at column "
                         f"{exc.getColumnNumber()})")
    for i, item in enumerate(to_items(data, str(path), parsed=parsed)):
        rec = _record(item)
        limits.check_size(rec.payload, f"{path}: entry {i} ({item['url']})")
        yield rec


# ---------------------------------------------------------------- feeds over HTTP, with conditional GET

def feed_state(con: duckdb.DuckDBPyConnection, url: str) -> dict:
    """The stored validators (etag, last_modified) for a feed URL; empty when never fetched."""
    ensure_raw(con)
    rows = con.execute("select etag, last_modified from feed_state where feed_url = ?", [url]).fetchall()
    return {"etag": rows[0][0], "last_modified": rows[0][1]} if rows else {}


def _save_state(con: duckdb.DuckDBPyConnection, url: str, status: int, headers: dict, count: int | None,
                note: str | None, changed: bool) -> None:
    now = datetime.now(UTC)
    old = feed_state(con, url)
    etag = headers.get("etag") if changed else old.get("etag")
    modified = headers.get("last-modified") if changed else old.get("last_modified")
    with transaction(con):
        con.execute(
            """insert into feed_state (feed_url, etag, last_modified, last_status, last_checked_at, last_changed_at,
                                       last_count_items, last_note)
               values (?, ?, ?, ?, ?, ?, ?, ?)
               on conflict (feed_url) do update set
                 etag = excluded.etag, last_modified = excluded.last_modified, last_status = excluded.last_status,
                 last_checked_at = excluded.last_checked_at,
                 last_changed_at = coalesce(excluded.last_changed_at, feed_state.last_changed_at),
                 last_count_items = coalesce(excluded.last_count_items, feed_state.last_count_items),
                 last_note = excluded.last_note""",
            [url, etag, modified, status, now, now if changed else None, count, note])


def fetch_feed(client: PoliteClient, url: str, etag: str | None = None,
               last_modified: str | None = None) -> tuple[int, dict, list[RawRecord], list[str]]:
    """Conditional GET of one feed: (status, response headers, raw entry records, notes); a 304 gives no records."""
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    resp = client.get(url, headers=headers, max_bytes=FEED_MAX_BYTES, ok=(200, 304))
    if resp.status == 304:
        return 304, resp.headers, [], []
    notes = []
    ctype = resp.headers.get("content-type", "")
    charset = next((v.strip("\"' ") for k, _, v in (p.strip().partition("=") for p in ctype.split(";")[1:])
                    if k.lower() == "charset"), None)
    content, note = undeclared_to_utf8(resp.content, charset)
    if note:
        notes.append(f"{url}: {note}")
    parsed = feedparser.parse(content, response_headers={"content-type": ctype})
    if parsed.bozo and parsed.entries:
        # feedparser recovers from a wrong declared charset or stray bytes; say so, keep the entries.
        notes.append(f"{url}: feed is not clean ({type(parsed.bozo_exception).__name__}: {parsed.bozo_exception}); "
                     f"{len(parsed.entries)} entries recovered")
    items = to_items(content, url, parsed=parsed)
    return 200, resp.headers, [_record(item, resp.retrieved_at) for item in items], notes


def _record(item: dict, retrieved_at: datetime | None = None) -> RawRecord:
    return RawRecord(payload=json.dumps(item, ensure_ascii=False, sort_keys=True), key=item["url"],
                     retrieved_at=retrieved_at)


def collect_feeds(con: duckdb.DuckDBPyConnection, urls: list[str], *, client: PoliteClient | None = None,
                  flow_run_id: str | None = None, progress: Progress | None = None) -> dict:
    """Fetch each feed with conditional GET and land its entries (one transaction per feed); returns counts and notes.

    A feed that fails (network, HTTP error, unreadable document) is noted and skipped; the others go on.
    """
    say = progress or (lambda _m: None)
    own = client is None
    client = client or PoliteClient(min_interval=FEED_INTERVAL)
    counts: dict = {"feeds": 0, "feeds_unchanged": 0, "feeds_failed": 0, "feed_entries": 0, "new_feed_items": 0,
                    "notes": []}
    try:
        for url in urls:
            counts["feeds"] += 1
            state = feed_state(con, url)
            try:
                status, headers, records, notes = fetch_feed(client, url, state.get("etag"), state.get("last_modified"))
            except (FetchError, InputError) as exc:
                counts["feeds_failed"] += 1
                counts["notes"].append(f"{exc} (feed skipped, nothing landed from it)")
                say(counts["notes"][-1])
                _save_state(con, url, getattr(exc, "status", 0) or 0, {}, None, str(exc), changed=False)
                continue
            counts["notes"].extend(notes)
            if status == 304:
                counts["feeds_unchanged"] += 1
                say(f"{url}: not modified since the last check")
                _save_state(con, url, 304, headers, None, None, changed=False)
                continue
            added = land_raw(con, "raw_press_items", records, Provenance("rss", url, flow_run_id))
            counts["feed_entries"] += len(records)
            counts["new_feed_items"] += added
            _save_state(con, url, 200, headers, len(records), "; ".join(notes) or None, changed=True)
            say(f"{url}: {len(records)} entries, {added} new")
    finally:
        if own:
            client.close()
    return counts
