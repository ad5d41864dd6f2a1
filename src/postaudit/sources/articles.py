"""Article pages, fetched or saved as files: main text and metadata extracted with trafilatura."""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import urlparse

import duckdb
import trafilatura
from charset_normalizer import from_bytes

from postaudit import limits
from postaudit.http import DEFAULT_MAX_BYTES, FetchError, PoliteClient
from postaudit.press.clean import clean_title
from postaudit.sources.errors import InputError
from postaudit.warehouse import Provenance, RawRecord, land_raw

Progress = Callable[[str], None]
PAGE_INTERVAL = 2.0   # seconds between two requests to one site: polite to small news servers
_META_CHARSET = re.compile(rb"""<meta[^>]+charset=["']?([\w-]+)""", re.I)
# Full publication timestamps from the usual meta tags / JSON-LD; trafilatura's own date is often day-only.
_PUBLISHED = re.compile(
    r"""(?:article:published_time|og:published_time|datePublished|pubdate|publish-date|dc\.date)["']?\s*"""
    r"""(?:content=|:)\s*["']([0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9:]{5,8}(?:\.\d+)?(?:Z|[+-][0-9:]{4,5})?)""", re.I)
# The address a page names for itself: <link rel="canonical" href> (attributes in any order), else og:url
_CANONICAL = (re.compile(r"""<link\b(?=[^>]*\brel\s*=\s*["']?[^"'>]*\bcanonical\b)[^>]*\bhref\s*=\s*["']?([^"'\s>]+)""", re.I),
              re.compile(r"""<meta\b(?=[^>]*\bproperty\s*=\s*["']?og:url\b)[^>]*\bcontent\s*=\s*["']?([^"'\s>]+)""", re.I))
# Posts an article links or embeds (blockquote class="twitter-tweet" carries the status URL too).
_STATUS_URL = re.compile(r"https?://(?:www\.|mobile\.)?(?:twitter|x)\.com/\w{1,15}/status(?:es)?/\d{5,25}", re.I)
_HTML_SNIFF = re.compile(rb"<(!doctype|html|head|body|p|div|article)\b", re.I)


def decode(content: bytes, declared: str | None = None) -> tuple[str, str | None]:
    """Bytes to text: the declared charset, then the page's meta charset, then UTF-8, then a guess; with a note."""
    candidates = [declared] if declared else []
    m = _META_CHARSET.search(content[:4096])
    if m:
        candidates.append(m.group(1).decode("ascii", "replace"))
    candidates.append("utf-8")
    for enc in candidates:
        try:
            return content.decode(enc), None
        except (LookupError, UnicodeDecodeError):
            continue
    best = from_bytes(content).best()
    if best is not None and best.encoding:
        return str(best), f"declared encoding did not fit; read as {best.encoding}"
    return content.decode("utf-8", errors="replace"), "unreadable bytes replaced"


def _when(value: str | None) -> str | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)  # a bare date or local time without offset: read as UTC, stated in notes
    return parsed.astimezone(UTC).isoformat()


def extract(html: str, url: str | None = None) -> dict:
    """Main text and metadata of an HTML page: title, author, date (ISO, UTC), sitename, language, text."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        doc = trafilatura.bare_extraction(
            html, url=url, with_metadata=True, include_comments=False, include_tables=False,
            # No extensive search: it guesses from any date on the page (copyright lines, "updated" stamps).
            date_extraction_params={"extensive_search": False, "original_date": True,
                                    "outputformat": "%Y-%m-%dT%H:%M:%S%z"})
    if doc is None or not (doc.text or "").strip():
        raise InputError(f"{url or 'page'}: no article text found in the HTML")
    m = _PUBLISHED.search(html)
    published = _when(m.group(1)) if m else None
    if published is None and doc.date:
        published = _when(re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", doc.date))
    return {"title": doc.title, "author": doc.author, "date": published, "sitename": doc.sitename,
            "language": doc.language, "text": doc.text}


def to_page(content: bytes, *, url: str | None, source_label: str, content_type: str = "",
            final_url: str | None = None, published: str | None = None, plain_text: bool | None = None) -> dict:
    """The payload for one page: the decoded page as served plus what was extracted, and notes on anything missing."""
    notes = []
    declared = None
    for part in content_type.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset":
            declared = value.strip("\"' ")
    text, note = decode(content, declared)
    if note:
        notes.append(note)
    is_html = bool(_HTML_SNIFF.search(content[:2048])) if plain_text is None else not plain_text
    if is_html:
        extracted = extract(text, final_url or url)
        extracted["title"] = clean_title(extracted["title"])
    else:
        body = text.strip()
        if not body:
            raise InputError(f"{source_label}: empty text")
        # A saved plain-text article usually starts with its headline on a line of its own; a scraped copy may
        # put ad markers or page furniture first ("[ad_1]"), which is never the headline.
        lines = [clean_title(line) for line in body.splitlines()]
        first = next((line for line in lines if line), None)
        title = first if first and len(first) < 200 and "\n" in body else None
        extracted = {"title": title, "author": None, "date": None, "sitename": None, "language": None,
                     "text": body}
    extracted["post_urls"] = sorted(set(_STATUS_URL.findall(text)))
    if published:
        extracted["date"] = published
    if not extracted["date"]:
        notes.append("no publication date found (give --published, or the feed/GDELT date for the URL is used)")
    return {"url": url, "final_url": final_url or url, "content_type": content_type or None,
            "format": "html" if is_html else "text", "html": text if is_html else None,
            "extracted": extracted, "notes": notes}


def canonical_url(html: str) -> str | None:
    """The absolute http(s) address a page names for itself (rel=canonical, else og:url), or None."""
    head = html[:200_000]   # both live in <head>; a page's body may be megabytes
    for pattern in _CANONICAL:
        for m in pattern.finditer(head):
            url = m.group(1).replace("&amp;", "&")
            if re.match(r"https?://[^/\s]+", url):
                return url
    return None


def _published_arg(value: str | date | datetime | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return _when(value.isoformat())
    parsed = _when(str(value))
    if parsed is None:
        raise InputError(f"--published {value!r}: not a date (use YYYY-MM-DD or YYYY-MM-DDTHH:MM+00:00)")
    return parsed


def fetch_page(client: PoliteClient, url: str, max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[dict, datetime]:
    """Fetch and extract one article page; raises FetchError (incl. over the size cap) or InputError."""
    resp = client.get(url, max_bytes=max_bytes)
    ctype = resp.headers.get("content-type", "")
    if ctype and not re.search(r"html|xml|text/plain", ctype, re.I):
        raise InputError(f"{url}: not a web page (content-type {ctype})")
    page = to_page(resp.content, url=url, source_label=url, content_type=ctype, final_url=resp.url)
    return page, resp.retrieved_at


def _land_page(con, page: dict, source: str, origin: str, retrieved_at: datetime | None,
               flow_run_id: str | None) -> int:
    rec = RawRecord(json.dumps(page, ensure_ascii=False, sort_keys=True), retrieved_at=retrieved_at,
                    key=page["url"] or origin)
    return land_raw(con, "raw_press_pages", [rec], Provenance(source, origin, flow_run_id))


def collect_articles(con: duckdb.DuckDBPyConnection, urls: list[str], *, client: PoliteClient | None = None,
                     max_bytes: int = DEFAULT_MAX_BYTES, flow_run_id: str | None = None,
                     progress: Progress | None = None) -> dict:
    """Fetch, extract and land article pages one by one; a bad page is noted and skipped, the rest go on."""
    say = progress or (lambda _m: None)
    own = client is None
    client = client or PoliteClient(min_interval=PAGE_INTERVAL)
    counts: dict = {"pages": 0, "new_pages": 0, "pages_skipped": 0, "notes": []}
    try:
        for i, url in enumerate(dict.fromkeys(urls), 1):
            counts["pages"] += 1
            try:
                page, retrieved = fetch_page(client, url, max_bytes)
            except (FetchError, InputError) as exc:
                counts["pages_skipped"] += 1
                counts["notes"].append(f"{exc} (page skipped)")
                say(counts["notes"][-1])
                continue
            counts["notes"].extend(f"{url}: {n}" for n in page["notes"])
            counts["new_pages"] += _land_page(con, page, "article_page", url, retrieved, flow_run_id)
            say(f"[{i}/{len(urls)}] {url}")
    finally:
        if own:
            client.close()
    return counts


def import_article_files(con: duckdb.DuckDBPyConnection, paths: list[str | Path], url: str | None = None,
                         published: str | date | datetime | None = None, *, flow_run_id: str | None = None,
                         progress: Progress | None = None) -> dict:
    """Land saved HTML or plain-text article files, one transaction each; a bad file is noted and skipped."""
    say = progress or (lambda _m: None)
    if url and len(paths) > 1:
        raise InputError("--url names one article: give it with a single file")
    when = _published_arg(published)
    counts: dict = {"files": 0, "new_pages": 0, "files_skipped": 0, "notes": []}
    for path in map(Path, paths):
        counts["files"] += 1
        try:
            if not path.is_file():
                raise InputError(f"{path}: no such file")
            content = limits.check_size(path.read_bytes(), str(path))
            plain = path.suffix.lower() in (".txt", ".text", ".md")
            page = to_page(content, url=url or path.resolve().as_uri(), source_label=str(path), published=when,
                           plain_text=True if plain else None)
            # without --url a saved page is known by the address it names (so it meets the same article from a
            # feed or GDELT), else by its file
            found = None if url or not page["html"] else canonical_url(page["html"])
            if found:
                page["url"] = page["final_url"] = found
                page["notes"].append(f"address from the page itself (canonical link or og:url): {found}")
        except InputError as exc:
            counts["files_skipped"] += 1
            counts["notes"].append(f"{exc} (nothing from this file was landed)")
            say(counts["notes"][-1])
            continue
        counts["notes"].extend(f"{path}: {n}" for n in page["notes"])
        mtime = datetime.fromtimestamp(path.stat().st_mtime, UTC)
        counts["new_pages"] += _land_page(con, page, "article_file", str(path), mtime, flow_run_id)
        say(f"{path}: landed")
    return counts


def outlet_domain(url: str | None) -> str | None:
    """The host of a URL without a leading www."""
    host = urlparse(url).hostname if url else None
    return host[4:] if host and host.startswith("www.") else host
