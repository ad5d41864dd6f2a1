"""Slack workspace export (a folder or its .zip): one raw record per message of every channel day file."""

from __future__ import annotations

import json
import re
import zipfile
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

import duckdb

from postaudit import limits
from postaudit.sources.errors import InputError
from postaudit.warehouse import Provenance, RawRecord, land_raw

SOURCE = "slack_export"
RAW_TABLE = "raw_slack_messages"
LISTINGS_TABLE = "raw_chat_listings"
DAY_FILE = re.compile(r"\d{4}-\d{2}-\d{2}\.json")
TS = re.compile(r"\d+\.\d+")
# Conversation lists in an export: public channels always; private channels, group DMs and DMs in
# exports made by owners of paid plans. DM folders are named by id, the others by name.
CONVERSATION_LISTS = (("channels.json", "name"), ("groups.json", "name"), ("mpims.json", "name"), ("dms.json", "id"))


class _Export:
    """Read files of an export by relative path, from a folder or a zip, with their modification times."""

    def __init__(self, path: Path):
        self.path = path
        if path.is_dir():
            self._zip = None
            self.names = sorted(p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file())
        elif path.is_file() and zipfile.is_zipfile(path):
            self._zip = zipfile.ZipFile(path)
            self.names = sorted(n for n in self._zip.namelist() if not n.endswith("/"))
        else:
            raise InputError(f"{path}: not a folder or .zip (expected an unpacked Slack workspace export)")
        # Some zips wrap everything in one top folder; treat the folder holding channels.json as the root.
        roots = [n[: -len("channels.json")] for n in self.names if PurePosixPath(n).name == "channels.json"]
        self.root = min(roots, key=len) if roots else ""

    def read_json(self, name: str):
        where = f"{self.path}/{name}"
        try:
            raw = self._zip.read(self.root + name) if self._zip else (self.path / self.root / name).read_bytes()
        except (KeyError, FileNotFoundError):
            raise InputError(f"{where}: missing (not a Slack workspace export?)") from None
        try:
            return limits.loads(raw.decode("utf-8-sig"), where)
        except UnicodeDecodeError as exc:
            raise InputError(f"{where}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
        except json.JSONDecodeError as exc:
            raise InputError(f"{where}:{exc.lineno}: not valid JSON ({exc.msg} at column {exc.colno})") from None

    def has(self, name: str) -> bool:
        return self.root + name in self.names

    def mtime(self, name: str) -> datetime:
        if self._zip:
            return datetime(*self._zip.getinfo(self.root + name).date_time, tzinfo=UTC)
        return datetime.fromtimestamp((self.path / self.root / name).stat().st_mtime, UTC)

    def close(self) -> None:
        if self._zip:
            self._zip.close()

    def day_files(self, folder: str) -> list[str]:
        prefix = f"{self.root}{folder}/"
        return [n[len(self.root):] for n in self.names
                if n.startswith(prefix) and "/" not in n[len(prefix):] and DAY_FILE.fullmatch(n[len(prefix):])]


def read_export(path: str | Path) -> tuple[_Export, list[dict], list[dict]]:
    """Open an export and check users.json and the conversation lists; InputError names the file and field."""
    export = _Export(Path(path))
    if not export.has("channels.json"):
        raise InputError(f"{path}: no channels.json: not a Slack workspace export")
    users = export.read_json("users.json")
    _check_list(export, "users.json", users, ("id",))
    conversations = []
    for name, folder_field in CONVERSATION_LISTS:
        if not export.has(name):
            continue
        items = export.read_json(name)
        _check_list(export, name, items, ("id", folder_field))
        conversations += [{"id": c["id"], "name": c.get("name") or c["id"], "folder": c[folder_field],
                           "listing": c, "listed_in": name} for c in items]
    return export, users, conversations


def fetch_listings(path: str | Path) -> Iterator[RawRecord]:
    """Yield each conversation as its list file gives it (channels.json lists each channel's members)."""
    export, _users, conversations = read_export(path)
    try:
        for conv in conversations:
            yield RawRecord(payload=json.dumps(conv["listing"], ensure_ascii=False),
                            retrieved_at=export.mtime(conv["listed_in"]),
                            key=json.dumps({"platform": "slack", "chat_id": conv["id"]}, sort_keys=True))
    finally:
        export.close()


def _check_list(export: _Export, name: str, items, fields: tuple[str, ...]) -> None:
    if not isinstance(items, list):
        raise InputError(f"{export.path}/{name}: not a JSON list")
    for i, item in enumerate(items):
        for f in fields:
            if not isinstance(item, dict) or not isinstance(item.get(f), str):
                raise InputError(f"{export.path}/{name}: item {i}: field '{f}' missing or not a string")


def fetch_messages(path: str | Path, user: str | None = None) -> Iterator[RawRecord]:
    """Yield every message of every conversation day file as a raw record keyed by channel and executive."""
    export, users, conversations = read_export(path)
    days = []  # (conversation, day file, messages) read and checked before anything is yielded
    for conv in conversations:
        for name in export.day_files(conv["folder"]):
            messages = export.read_json(name)
            if not isinstance(messages, list):
                raise InputError(f"{export.path}/{name}: not a JSON list of messages")
            for i, msg in enumerate(messages):
                if not isinstance(msg, dict):
                    raise InputError(f"{export.path}/{name}: message {i}: not an object")
                if not (isinstance(msg.get("ts"), str) and TS.fullmatch(msg["ts"])):
                    raise InputError(f"{export.path}/{name}: message {i}: field 'ts' is {msg.get('ts')!r}, "
                                     "expected epoch seconds as a string like '1700000000.123456'")
                if "thread_ts" in msg and not (isinstance(msg["thread_ts"], str) and TS.fullmatch(msg["thread_ts"])):
                    raise InputError(f"{export.path}/{name}: message {i} (ts {msg['ts']}): field 'thread_ts' is "
                                     f"{msg['thread_ts']!r}, expected a ts string")
            days.append((conv, name, messages, export.mtime(name)))
    export.close()
    executive = _executive(export, users, days, user)
    for conv, name, messages, retrieved in days:
        key = json.dumps({"channel_id": conv["id"], "executive_id": executive}, sort_keys=True)
        for i, msg in enumerate(messages):
            # joins, bot posts and other subtypes land untouched; staging skips them
            where = f"{export.path}/{name}: message {i} (ts {msg['ts']})"
            payload = limits.check_size(limits.dumps(msg, where, ensure_ascii=False), where)
            yield RawRecord(payload=payload, retrieved_at=retrieved, key=key)


def _executive(export: _Export, users: list[dict], days: list, user: str | None) -> str:
    counts = Counter(m.get("user") for _c, _n, msgs, _t in days for m in msgs if m.get("user") and not m.get("subtype"))
    by_name = {}
    for u in users:
        for n in (u.get("name"), u.get("real_name"), (u.get("profile") or {}).get("display_name")):
            if n:
                by_name.setdefault(n.lstrip("@").lower(), u["id"])
    names = {u["id"]: u.get("name") or u.get("real_name") or "?" for u in users}
    top = ", ".join(f"{uid} ({names.get(uid, '?')}, {n} messages)" for uid, n in counts.most_common(5))
    if not user:
        raise InputError(f"{export.path}: say whose messages are the executive's with --user "
                         f"(most active: {top or 'nobody'})")
    uid = user if user in names else by_name.get(user.lstrip("@").lower())
    if uid is None:
        raise InputError(f"{export.path}/users.json: no user with id or name {user!r} (most active: {top or 'nobody'})")
    return uid


def import_slack(con: duckdb.DuckDBPyConnection, path: str | Path, user: str | None = None,
                 flow_run_id: str | None = None) -> dict:
    """Land one Slack export in raw_slack_messages (all or nothing); importing twice adds nothing."""
    records = list(fetch_messages(path, user=user))
    executive = json.loads(records[0].key)["executive_id"] if records else None
    channels = {r.key for r in records}
    prov = Provenance(SOURCE, str(path), flow_run_id=flow_run_id)
    added = land_raw(con, RAW_TABLE, records, prov)
    land_raw(con, LISTINGS_TABLE, list(fetch_listings(path)), prov)
    return {"file": str(path), "executive_id": executive, "channels": len(channels), "records": len(records),
            "new_records": added}
