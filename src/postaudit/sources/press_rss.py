"""RSS 2.0 and Atom feeds (feedparser): one raw record per entry."""

from __future__ import annotations

import calendar
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse

import feedparser

from postaudit.sources.errors import InputError
from postaudit.warehouse import RawRecord


def to_items(document: bytes | str, origin: str) -> list[dict]:
    """Parse a feed document into plain entry dicts (url, title, published, outlet, author, language, html)."""
    parsed = feedparser.parse(document)
    if parsed.bozo and not parsed.entries:
        raise InputError(f"{origin}: not a readable RSS or Atom feed ({parsed.get('bozo_exception')})")
    feed = parsed.feed
    language = (feed.get("language") or "").split("-")[0] or None
    outlet = feed.get("title")
    items = []
    for entry in parsed.entries:
        link = entry.get("link") or entry.get("id")
        content = entry.get("content") or []
        html = content[0].get("value") if content else entry.get("summary", "")
        published = entry.get("published_parsed") or entry.get("updated_parsed")
        items.append({
            "url": link,
            "title": entry.get("title"),
            "published": (datetime.fromtimestamp(calendar.timegm(published), UTC).isoformat() if published else None),
            "outlet": outlet,
            "outlet_domain": urlparse(link).hostname if link else None,
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
    for item in to_items(path.read_bytes(), str(path)):
        yield RawRecord(payload=json.dumps(item, ensure_ascii=False, sort_keys=True), key=item["url"])
