"""Telegram Desktop JSON export (result.json) of one channel or group: one raw record per message."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import duckdb

from postaudit import limits
from postaudit.sources.errors import InputError
from postaudit.warehouse import Provenance, RawRecord, land_raw

SOURCE = "telegram_export"
RAW_TABLE = "raw_telegram_messages"
LISTINGS_TABLE = "raw_chat_listings"
# Telegram Desktop writes these chat types; a channel's messages are all the channel's own posts.
CHANNEL_TYPES = {"public_channel", "private_channel"}
ALL_SENDERS = "*"  # executive_id for a channel: every message is the executive's


def read_export(path: str | Path) -> dict:
    """Parse result.json and check the single-chat layout; InputError names the file and the field."""
    path = Path(path)
    if path.is_dir():
        path = path / "result.json"
    if not path.is_file():
        raise InputError(f"{path}: no such file (expected a Telegram Desktop result.json)")
    try:
        data = limits.loads(path.read_text(encoding="utf-8-sig"), str(path))
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}:{exc.lineno}: not valid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: top level is not an object: not a Telegram Desktop export")
    if "messages" not in data and isinstance(data.get("chats"), dict):
        raise InputError(f"{path}: field 'chats': this is a whole-account export; export the one channel or group "
                         "instead (Telegram Desktop: open the chat, ⋮ → Export chat history, format JSON)")
    for name, kind in (("messages", list), ("id", int), ("type", str)):
        if not isinstance(data.get(name), kind):
            raise InputError(f"{path}: field '{name}' missing or not a {kind.__name__}: not a Telegram Desktop "
                             "single-chat export (result.json)")
    for i, msg in enumerate(data["messages"]):
        where = f"{path}: messages[{i}]"
        if not isinstance(msg, dict):
            raise InputError(f"{where}: not an object")
        if not isinstance(msg.get("id"), int):
            raise InputError(f"{where}: field 'id' missing or not an integer")
        if msg.get("type") not in ("message", "service"):
            raise InputError(f"{where} (id {msg['id']}): field 'type' is {msg.get('type')!r}, "
                             "expected 'message' or 'service'")
        text = msg.get("text", "")
        if not isinstance(text, str | list):
            raise InputError(f"{where} (id {msg['id']}): field 'text' is neither a string nor a list")
    data["_path"] = str(path)
    return data


def fetch_messages(path: str | Path, from_id: str | None = None, tz: str | None = None) -> Iterator[RawRecord]:
    """Yield every message of the export as a raw record keyed by chat, executive and (old exports) time zone."""
    data = read_export(path)
    src = data["_path"]
    messages = [m for m in data["messages"] if m["type"] == "message"]
    executive = _executive(data, messages, from_id)
    zone = _zone_if_needed(src, data["messages"], tz)
    key = json.dumps({"chat_id": str(data["id"]), "chat_type": data["type"], "executive_id": executive, "tz": zone},
                     sort_keys=True)
    # The export does not say when it was made; the file's modification time is the closest witness.
    exported_at = datetime.fromtimestamp(Path(src).stat().st_mtime, UTC)
    for i, msg in enumerate(data["messages"]):
        # Service messages (joins, pins, title changes) land too, untouched; staging skips them.
        where = f"{src}: messages[{i}] (id {msg['id']})"
        payload = limits.check_size(limits.dumps(msg, where, ensure_ascii=False), where)
        yield RawRecord(payload=payload, retrieved_at=exported_at, key=key)


def _executive(data: dict, messages: list[dict], from_id: str | None) -> str:
    senders = Counter(str(m["from_id"]) for m in messages if m.get("from_id") is not None)
    names = {str(m["from_id"]): m.get("from") for m in messages if m.get("from_id") is not None}
    top = ", ".join(f"{sid} ({names.get(sid) or '?'}, {n} messages)" for sid, n in senders.most_common(5))
    src = data["_path"]
    if from_id is None:
        if data["type"] in CHANNEL_TYPES:
            return ALL_SENDERS
        raise InputError(f"{src}: field 'type' is {data['type']!r}, a group: say whose messages are the "
                         f"executive's with --from-id (most active: {top or 'nobody'})")
    from_id = from_id.strip()
    for candidate in (from_id, f"user{from_id}", f"channel{from_id}"):
        if candidate in senders:
            return candidate
    raise InputError(f"{src}: no message has from_id {from_id!r} (most active: {top or 'nobody'})")


def _zone_if_needed(src: str, messages: list[dict], tz: str | None) -> str | None:
    """Very old exports lack date_unixtime; their `date` is the exporting machine's local time with no offset."""
    lacking = next((m for m in messages if m["type"] == "message" and not _unixtime_ok(m)), None)
    if lacking is None:
        return None
    if tz is None:
        raise InputError(f"{src}: message id {lacking['id']}: no 'date_unixtime' (an old export) and its 'date' "
                         f"{lacking.get('date')!r} has no time zone: pass --tz with the zone of the computer that "
                         "made the export, e.g. --tz Europe/Berlin")
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(f"--tz {tz!r}: not a time zone name (use an IANA name like Europe/Berlin)") from None
    for m in messages:
        if m["type"] == "message" and not _unixtime_ok(m):
            try:
                datetime.fromisoformat(str(m.get("date")))
            except ValueError:
                raise InputError(f"{src}: message id {m['id']}: field 'date' {m.get('date')!r} is not a "
                                 "YYYY-MM-DDTHH:MM:SS time") from None
    return tz


def _unixtime_ok(msg: dict) -> bool:
    return str(msg.get("date_unixtime", "")).isdigit()


def chat_listing(path: str | Path) -> RawRecord:
    """The export's header (chat id, name, type) as a chat listing: it names the chat for group_messages."""
    data = read_export(path)
    header = {k: data[k] for k in ("id", "name", "type") if k in data}
    return RawRecord(payload=json.dumps(header, ensure_ascii=False),
                     retrieved_at=datetime.fromtimestamp(Path(data["_path"]).stat().st_mtime, UTC),
                     key=json.dumps({"platform": "telegram", "chat_id": str(data["id"])}, sort_keys=True))


def import_telegram(con: duckdb.DuckDBPyConnection, path: str | Path, from_id: str | None = None,
                    tz: str | None = None, flow_run_id: str | None = None, is_simulated: bool = False) -> dict:
    """Land one Telegram export file in raw_telegram_messages (all or nothing); importing twice adds nothing."""
    records = list(fetch_messages(path, from_id=from_id, tz=tz))
    key = json.loads(records[0].key) if records else {}
    prov = Provenance(SOURCE, str(path), flow_run_id=flow_run_id, is_simulated=is_simulated)
    added = land_raw(con, RAW_TABLE, records, prov)
    land_raw(con, LISTINGS_TABLE, [chat_listing(path)], prov)
    messages = sum(json.loads(r.payload)["type"] == "message" for r in records)
    return {"file": str(path), "chat_id": key.get("chat_id"), "executive_id": key.get("executive_id"),
            "messages": messages, "records": len(records), "new_records": added}
