"""A saved public t.me page of a Telegram group or channel: its title and member count, as a chat listing.

Telegram Desktop exports hold no member count; the public page https://t.me/<name> does, in
`<div class="tgme_page_extra">352 104 members, 4 120 online</div>` (groups) or "… subscribers" (channels),
with spaces (or narrow no-break spaces) between thousands.
"""

from __future__ import annotations

import html as html_lib
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from postaudit.sources.errors import InputError
from postaudit.warehouse import Provenance, RawRecord, land_raw

SOURCE = "telegram_page"
RAW_TABLE = "raw_chat_listings"
_TITLE = re.compile(r'<div class="tgme_page_title"[^>]*>\s*(?:<span[^>]*>)?(.*?)(?:</span>)?\s*</div>', re.S)
_OG_TITLE = re.compile(r'<meta property="og:title" content="([^"]*)"')
_EXTRA = re.compile(r'<div class="tgme_page_extra"[^>]*>(.*?)</div>', re.S)
_OG_URL = re.compile(r'<meta property="og:url" content="https?://t\.me/([A-Za-z0-9_]+)')
_COUNT = re.compile(r"(\d[\d\s,.\u00a0\u202f]*?)\s*([KkMm])?\s*(members|subscribers)\b")


def member_count(extra: str) -> int | None:
    """The member (or subscriber) count in a tgme_page_extra text: '352 104 members, 4 120 online' → 352104."""
    m = _COUNT.search(extra)
    if not m:
        return None
    digits, scale = m.group(1).strip(), m.group(2)
    if scale:  # "1.2K subscribers": a decimal point, then the scale
        return round(float(digits.replace(",", ".").replace(" ", "")) * (1000 if scale in "Kk" else 1_000_000))
    return int(re.sub(r"\D", "", digits))


def to_listing(page: str, url: str | None = None) -> dict:
    """The page's title, username, the tgme_page_extra text and the member count it states."""
    extra_m = _EXTRA.search(page)
    if not extra_m:
        raise InputError("no tgme_page_extra block: not a public t.me page of a group or channel "
                         "(save https://t.me/<name> in a browser while logged out)")
    extra = html_lib.unescape(re.sub(r"<[^>]+>", "", extra_m.group(1))).strip()
    count = member_count(extra)
    if count is None:
        raise InputError(f"the page's tgme_page_extra says {extra!r}: no member or subscriber count in it")
    title_m = _TITLE.search(page) or _OG_TITLE.search(page)
    user_m = _OG_URL.search(page)
    return {"title": html_lib.unescape(re.sub(r"<[^>]+>", "", title_m.group(1))).strip() if title_m else None,
            "username": user_m.group(1) if user_m else None, "url": url, "extra": extra, "count_members": count}


def _export_chat_ids(con: duckdb.DuckDBPyConnection, title: str | None) -> list[str]:
    """Chat ids of Telegram exports in the warehouse whose name is the page's title."""
    if not title:
        return []
    rows = con.execute("""select distinct record_key::json ->> 'chat_id' from raw_chat_listings
                          where source = 'telegram_export' and payload ->> 'name' = ?""", [title]).fetchall()
    return sorted(r[0] for r in rows)


def import_telegram_page(con: duckdb.DuckDBPyConnection, path: str | Path, chat_id: str | None = None,
                         url: str | None = None, flow_run_id: str | None = None, is_simulated: bool = False) -> dict:
    """Land a saved t.me page as the listing of a chat: the export with the same name, or chat_id if given."""
    path = Path(path)
    try:
        page = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the page ({getattr(exc, 'strerror', None) or exc})") from None
    try:
        listing = to_listing(page, url)
    except InputError as exc:
        raise InputError(f"{path}: {exc}") from None
    from postaudit.warehouse import ensure_raw

    ensure_raw(con)
    if chat_id is None:
        found = _export_chat_ids(con, listing["title"])
        if len(found) != 1:
            what = "no Telegram export" if not found else f"{len(found)} Telegram exports ({', '.join(found)})"
            raise InputError(f"{path}: {what} in the warehouse named {listing['title']!r}: import the chat's export "
                             "first, or say which chat this page is with --chat-id")
        chat_id = found[0]
    record = RawRecord(payload=json.dumps(listing, ensure_ascii=False, sort_keys=True),
                       retrieved_at=datetime.fromtimestamp(path.stat().st_mtime, UTC),
                       key=json.dumps({"platform": "telegram", "chat_id": str(chat_id)}, sort_keys=True))
    added = land_raw(con, RAW_TABLE, [record], Provenance(SOURCE, str(path), flow_run_id=flow_run_id,
                                                          is_simulated=is_simulated))
    return {"file": str(path), "chat_id": str(chat_id), "title": listing["title"],
            "count_members": listing["count_members"], "new_records": added}
