"""Telegram Desktop JSON export (result.json) of one channel or group: one raw record per message.

Ids. Telegram Desktop has written peer ids two ways. Exports since 2021 write the chat's bare id and senders as
"user123", "channel123" or "chat123"; older ones (2020) wrote both as one integer with the peer's type in its high
bits: a channel (or supergroup) plus 2^33, a basic group plus 2^32, a user as is. The same channel exported by
both (tests/fixtures/real/telegram: 9882011936 = 1292077344 + 2^33) must be one chat, so the chat id in
record_key is the bare id, and stg_telegram_messages writes every sender in the newer form.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import duckdb

from postaudit import limits
from postaudit.sources import traces
from postaudit.sources.errors import InputError
from postaudit.sources.surrogates import refuse_lone_surrogates
from postaudit.warehouse import Provenance, RawRecord, RawWriter, ensure_raw, transaction

SOURCE = "telegram_export"
RAW_TABLE = "raw_telegram_messages"
LISTINGS_TABLE = "raw_chat_listings"
# Telegram Desktop writes these chat types; a channel's messages are all the channel's own posts.
CHANNEL_TYPES = {"public_channel", "private_channel"}
ALL_SENDERS = "*"  # executive_id for a channel: every message is the executive's
# Old exports' type bits: supergroups are channels to Telegram, basic groups are chats
_CHANNEL_SHIFT, _CHAT_SHIFT = 2**33, 2**32
_CHANNEL_LIKE = CHANNEL_TYPES | {"public_supergroup", "private_supergroup"}


def bare_chat_id(chat_id: int, chat_type: str) -> int:
    """The chat's id as exports since 2021 write it (older ones add the type bits)."""
    if chat_type in _CHANNEL_LIKE and _CHANNEL_SHIFT <= chat_id < 2 * _CHANNEL_SHIFT:
        return chat_id - _CHANNEL_SHIFT
    if chat_type == "private_group" and _CHAT_SHIFT <= chat_id < _CHANNEL_SHIFT:
        return chat_id - _CHAT_SHIFT
    return chat_id


def sender_id(value) -> str | None:
    """A sender as exports since 2021 write it ("user123", "channel123", "chat123"); old integers decoded.

    The same rule is in stg_telegram_messages (raw keeps what the file said)."""
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        return None if value is None else str(value)
    if _CHANNEL_SHIFT <= value < 2 * _CHANNEL_SHIFT:
        return f"channel{value - _CHANNEL_SHIFT}"
    if _CHAT_SHIFT <= value < _CHANNEL_SHIFT:
        return f"chat{value - _CHAT_SHIFT}"
    return f"user{value}"


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
    chat_id = str(bare_chat_id(data["id"], data["type"]))
    key = json.dumps({"chat_id": chat_id, "chat_type": data["type"], "executive_id": executive, "tz": zone},
                     sort_keys=True)
    # The export does not say when it was made; the file's modification time is the closest witness.
    exported_at = datetime.fromtimestamp(Path(src).stat().st_mtime, UTC)
    for i, msg in enumerate(data["messages"]):
        # Service messages (joins, pins, title changes) land too, untouched; staging skips them.
        where = f"{src}: messages[{i}] (id {msg['id']})"
        payload = limits.check_size(limits.dumps(msg, where, ensure_ascii=False), where)
        yield RawRecord(payload=refuse_lone_surrogates(payload, where), retrieved_at=exported_at, key=key)


def _executive(data: dict, messages: list[dict], from_id: str | None) -> str:
    senders = Counter(sender_id(m["from_id"]) for m in messages if m.get("from_id") is not None)
    names = {sender_id(m["from_id"]): m.get("from") for m in messages if m.get("from_id") is not None}
    top = ", ".join(f"{sid} ({names.get(sid) or '?'}, {n} messages)" for sid, n in senders.most_common(5))
    src = data["_path"]
    if from_id is None:
        if data["type"] in CHANNEL_TYPES:
            return ALL_SENDERS
        raise InputError(f"{src}: field 'type' is {data['type']!r}, a group: say whose messages are the "
                         f"executive's with --from-id (most active: {top or 'nobody'})")
    from_id = from_id.strip()
    for candidate in (sender_id(from_id), from_id, f"user{from_id}", f"channel{from_id}", f"chat{from_id}"):
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
    # Only a message without date_unixtime needs --tz (old exports lack it on every message). One whose value is
    # there but unreadable lands as written; staging rejects that message (rejected_records), not the file.
    return msg.get("date_unixtime") not in (None, "")


def chat_listing(path: str | Path) -> RawRecord:
    """The export's header (chat id, name, type) as a chat listing: it names the chat for group_messages."""
    data = read_export(path)
    header = {k: data[k] for k in ("id", "name", "type") if k in data}
    chat_id = str(bare_chat_id(data["id"], data["type"]))
    return RawRecord(payload=json.dumps(header, ensure_ascii=False),
                     retrieved_at=datetime.fromtimestamp(Path(data["_path"]).stat().st_mtime, UTC),
                     key=json.dumps({"platform": "telegram", "chat_id": chat_id}, sort_keys=True))


def import_telegram(con: duckdb.DuckDBPyConnection, path: str | Path, from_id: str | None = None,
                    tz: str | None = None, flow_run_id: str | None = None, is_simulated: bool = False) -> dict:
    """Land one Telegram export file's messages and its chat listing in one transaction; twice adds nothing."""
    records = list(fetch_messages(path, from_id=from_id, tz=tz))
    listing = chat_listing(path)
    key = json.loads(records[0].key) if records else {}
    prov = Provenance(SOURCE, str(path), flow_run_id=flow_run_id, is_simulated=is_simulated)
    ensure_raw(con)
    with transaction(con):
        writer, listed = RawWriter(con, RAW_TABLE, prov), RawWriter(con, LISTINGS_TABLE, prov)
        for rec in records:
            writer.add(rec)
        listed.add(listing)
        added = writer.close()
        listed.close()
        found = traces.summarize(con, "telegram", [r.record_id(SOURCE) for r in records], file=str(path))
    messages = sum(json.loads(r.payload)["type"] == "message" for r in records)
    return {"file": str(path), "chat_id": key.get("chat_id"), "executive_id": key.get("executive_id"),
            "messages": messages, "records": len(records), "new_records": added, **found}
