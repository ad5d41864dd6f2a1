"""Slack workspace export (a folder or its .zip): one raw record per message of every channel day file."""

from __future__ import annotations

import json
import re
import zipfile
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path, PurePosixPath

import duckdb

from postaudit import limits
from postaudit.sources import traces
from postaudit.sources.errors import InputError
from postaudit.sources.export_files import ExportFiles
from postaudit.sources.surrogates import refuse_lone_surrogates
from postaudit.warehouse import Provenance, RawRecord, RawWriter, ensure_raw, transaction

SOURCE = "slack_export"
RAW_TABLE = "raw_slack_messages"
LISTINGS_TABLE = "raw_chat_listings"
DAY_FILE = re.compile(r"\d{4}-\d{2}-\d{2}\.json")
TS = re.compile(r"\d+\.\d+")
# Conversation lists in an export: public channels always; private channels, group DMs and DMs in
# exports made by owners of paid plans. DM folders are named by id, the others by name.
CONVERSATION_LISTS = (("channels.json", "name"), ("groups.json", "name"), ("mpims.json", "name"), ("dms.json", "id"))


class _Export:
    """Read files of an export by relative path, from a folder or a zip (export_files: duplicate names, paths
    leaving the export and zip bombs refused), with their modification times."""

    def __init__(self, path: Path):
        self.path = path
        if not (path.is_dir() or (path.is_file() and zipfile.is_zipfile(path))):
            raise InputError(f"{path}: not a folder or .zip (expected an unpacked Slack workspace export)")
        self.files = ExportFiles(path, "export")
        self.names = self.files.names
        # Some zips wrap everything in one top folder; treat the folder holding channels.json as the root.
        roots = [n[: -len("channels.json")] for n in self.names if PurePosixPath(n).name == "channels.json"]
        self.root = min(roots, key=len) if roots else ""

    def read_json(self, name: str):
        where = f"{self.path}/{name}"
        if not self.has(name):
            raise InputError(f"{where}: missing (not a Slack workspace export?)")
        raw = self.files.read(self.root + name)
        try:
            return limits.loads(raw.decode("utf-8-sig"), where)
        except UnicodeDecodeError as exc:
            raise InputError(f"{where}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
        except json.JSONDecodeError as exc:
            raise InputError(f"{where}:{exc.lineno}: not valid JSON ({exc.msg} at column {exc.colno})") from None

    def has(self, name: str) -> bool:
        return self.root + name in self.names

    def mtime(self, name: str) -> datetime:
        return self.files.mtime(self.root + name)

    def close(self) -> None:
        self.files.close()

    def day_files(self, folder: str) -> list[str]:
        prefix = f"{self.root}{folder}/"
        return [n[len(self.root):] for n in self.names
                if n.startswith(prefix) and "/" not in n[len(prefix):] and DAY_FILE.fullmatch(n[len(prefix):])]


def read_export(path: str | Path) -> tuple[_Export, list[dict], list[dict]]:
    """Open an export and check users.json and the conversation lists; InputError names the file and field.

    users.json is optional: exports made with some tools, or trimmed by hand, leave it out; the executive is
    then named by user id (or by a name the messages' user_profile carries).
    """
    export = _Export(Path(path))
    if not export.has("channels.json"):
        export.close()
        raise InputError(f"{path}: no channels.json: not a Slack workspace export")
    users = export.read_json("users.json") if export.has("users.json") else []
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
    try:
        days = _read_days(export, conversations)
    finally:
        export.close()
    executive = _executive(export, users, days, user)
    for conv, name, messages, retrieved in days:
        key = json.dumps({"channel_id": conv["id"], "executive_id": executive}, sort_keys=True)
        for i, msg in enumerate(messages):
            # joins, bot posts and other subtypes land untouched; staging skips them
            where = f"{export.path}/{name}: message {i} (ts {msg['ts']})"
            payload = limits.check_size(limits.dumps(msg, where, ensure_ascii=False), where)
            yield RawRecord(payload=refuse_lone_surrogates(payload, where), retrieved_at=retrieved, key=key)


def _read_days(export: _Export, conversations: list[dict]) -> list[tuple]:
    """(conversation, day file, messages, mtime) of every day file, read and checked before anything lands."""
    days = []
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
    return days


def _obj(value) -> dict:
    """A profile as a dict; anything else a record may hold there (a list, a string) names nobody."""
    return value if isinstance(value, dict) else {}


def _executive(export: _Export, users: list[dict], days: list, user: str | None) -> str:
    msgs = [m for _c, _n, day, _t in days for m in day]
    # a user that is not an id (a list, a number) is nobody's: it lands, and staging rejects the message
    counts = Counter(m["user"] for m in msgs if isinstance(m.get("user"), str) and m["user"] and not m.get("subtype"))
    # names from users.json, else from the profile a message carries (exports without users.json)
    people = [{**_obj(m.get("user_profile")), "id": m["user"], "name": _obj(m.get("user_profile")).get("name")
               or m.get("username")} for m in msgs if isinstance(m.get("user"), str)]
    by_name, names = {}, {}
    for u in [*users, *people]:
        profile = _obj(u.get("profile"))
        for n in (u.get("name"), u.get("real_name"), u.get("display_name"), profile.get("display_name")):
            if isinstance(n, str) and n:
                by_name.setdefault(n.lstrip("@").lower(), u["id"])
        names.setdefault(u["id"], u.get("name") or u.get("real_name") or "?")
    top = ", ".join(f"{uid} ({names.get(uid, '?')}, {n} messages)" for uid, n in counts.most_common(5))
    if not user:
        raise InputError(f"{export.path}: say whose messages are the executive's with --user "
                         f"(most active: {top or 'nobody'})")
    uid = user if user in names else by_name.get(user.lstrip("@").lower())
    if uid is None:
        where = f"{export.path}/users.json" if users else f"{export.path} (no users.json)"
        raise InputError(f"{where}: no user with id or name {user!r} (most active: {top or 'nobody'})")
    return uid


def import_slack(con: duckdb.DuckDBPyConnection, path: str | Path, user: str | None = None,
                 flow_run_id: str | None = None) -> dict:
    """Land one Slack export's messages and conversation listings in one transaction; importing twice adds nothing."""
    records = list(fetch_messages(path, user=user))
    listings = list(fetch_listings(path))
    executive = json.loads(records[0].key)["executive_id"] if records else None
    channels = {r.key for r in records}
    prov = Provenance(SOURCE, str(path), flow_run_id=flow_run_id)
    ensure_raw(con)
    with transaction(con):
        messages, listed = RawWriter(con, RAW_TABLE, prov), RawWriter(con, LISTINGS_TABLE, prov)
        for rec in records:
            messages.add(rec)
        for rec in listings:
            listed.add(rec)
        added = messages.close()
        listed.close()
        found = traces.summarize(con, "slack", [r.record_id(SOURCE) for r in records], file=str(path))
    return {"file": str(path), "executive_id": executive, "channels": len(channels), "records": len(records),
            "new_records": added, **found}
