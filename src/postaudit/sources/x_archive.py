"""The official X account archive (the zip, or its unpacked folder): posts and long-post texts, landed untouched.

Files read: `tweets.js` (`window.YTD.tweets.part0 = [{"tweet": {...}}, ...]`) and its split parts
`tweets-part1.js` ..., the older `tweet.js` (`window.YTD.tweet.part0`, whose oldest exports hold bare post objects),
and `note-tweet.js` (full text of posts over 280 characters). Each file is JSON after its `window.YTD... =`
prefix: it is parsed from the first `[`, never evaluated.

Observed time. Counts in an archive (favorite_count, retweet_count, as strings) are as of the export, so every
record's retrieved_at (and so observed_at) is the export time: `archiveInfo.generationDate` from `manifest.js`
when the archive has one (every export since about 2019 does); otherwise the modification time of the zip file,
or of the tweets file in a folder. That mtime is when the archive was downloaded or unpacked, never before the
export, so counts look at most that much newer than they were; the import result says which one was used.
The posts carry no author id: it comes from `manifest.js` (`userInfo.accountId`) or `account.js`.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from postaudit import limits
from postaudit.sources.errors import InputError
from postaudit.sources.x_api import insert_raw
from postaudit.warehouse import Provenance, RawRecord, ensure_raw, transaction

SOURCE = "x_archive"
_POSTS = re.compile(r"(?:^|/)(tweets?|note-tweet)(?:-part(\d+))?\.js$")
_YTD = re.compile(r"\s*window\.YTD\.([A-Za-z0-9_]+)\.part(\d+)\s*=\s*")
_THAR = re.compile(r"\s*window\.__THAR_CONFIG\s*=\s*")


@dataclass(frozen=True)
class _Member:
    name: str                      # path inside the archive, e.g. data/tweets-part1.js
    read: Callable[[], bytes]
    mtime: datetime


def _members(path: Path) -> list[_Member]:
    if path.is_dir():
        return [_Member(p.relative_to(path).as_posix(), p.read_bytes, _mtime(p))
                for p in sorted(path.rglob("*.js")) if p.is_file()]
    if not path.is_file():
        raise InputError(f"{path}: no such file or folder")
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(f"{path}: not a zip archive or folder ({exc})") from None
    # The zip's own mtime (a real instant) rather than member times, which zip stores as local time with no zone.
    stamp = _mtime(path)
    return [_Member(info.filename, lambda info=info: zf.read(info), stamp)
            for info in zf.infolist() if info.filename.endswith(".js") and not info.is_dir()]


def _mtime(path: Path) -> datetime:
    return datetime.fromtimestamp(path.stat().st_mtime, UTC)


def _text(member: _Member, where: str) -> str:
    try:
        return member.read().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{where}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except (OSError, zipfile.BadZipFile) as exc:
        raise InputError(f"{where}: cannot read ({exc})") from None


def parse_ytd(text: str, where: str) -> list:
    """The array of a `window.YTD.<name>.partN = [...]` file, parsed as JSON from the first `[`."""
    m = _YTD.match(text)
    if not m or text[m.end():m.end() + 1] != "[":
        raise InputError(f"{where}: line 1: expected `window.YTD.<name>.partN = [` at the start")
    return _decode(text, m.end(), where)


def _decode(text: str, start: int, where: str):
    try:
        value, end = limits.raw_decode(text, start, where)
    except json.JSONDecodeError as exc:
        raise InputError(f"{where}: line {exc.lineno} column {exc.colno}: not valid JSON ({exc.msg})") from None
    rest = text[end:].strip()
    if rest not in ("", ";"):
        line = text.count("\n", 0, end) + 1
        raise InputError(f"{where}: line {line}: unexpected text after the JSON value: {rest[:40]!r}")
    return value


def _manifest(members: dict[str, _Member], archive: Path) -> dict:
    info: dict = {}
    for name, member in members.items():
        base = name.rsplit("/", 1)[-1]
        where = f"{archive}: {name}"
        if base == "manifest.js":
            text = _text(member, where)
            m = _THAR.match(text)
            if not m:
                continue
            config = _decode(text, m.end(), where)
            generated = ((config.get("archiveInfo") or {}).get("generationDate")) if isinstance(config, dict) else None
            if generated:
                try:
                    info["exported_at"] = datetime.fromisoformat(generated.replace("Z", "+00:00")).astimezone(UTC)
                    info["exported_at_from"] = f"{name} archiveInfo.generationDate"
                except ValueError:
                    raise InputError(f"{where}: archiveInfo.generationDate {generated!r} is not a date") from None
            info.setdefault("account_id", ((config.get("userInfo") or {}).get("accountId")))
            info.setdefault("handle", ((config.get("userInfo") or {}).get("userName")))
        elif base == "account.js":
            rows = parse_ytd(_text(member, where), where)
            account = (rows[0] or {}).get("account") if rows and isinstance(rows[0], dict) else None
            if account:
                info["account_id"] = info.get("account_id") or account.get("accountId")
                info["handle"] = info.get("handle") or account.get("username")
    return info


def fetch_archive(path: str | Path) -> tuple[dict, list[tuple[str, RawRecord]]]:
    """Read an archive: its facts (account, export time) and one raw record per post or note, tagged with its file."""
    path = Path(path)
    members = {m.name: m for m in _members(path)}
    post_files = sorted((n for n in members if _POSTS.search(n)),
                        key=lambda n: (_POSTS.search(n)[1], int(_POSTS.search(n)[2] or 0)))
    if not any(_POSTS.search(n)[1] != "note-tweet" for n in post_files):
        raise InputError(f"{path}: no tweets.js or tweet.js (looked under data/): is this an X account archive?")
    info = _manifest(members, path)
    if "exported_at" not in info:
        tweets_file = next(n for n in post_files if _POSTS.search(n)[1] != "note-tweet")
        info["exported_at"] = members[tweets_file].mtime
        info["exported_at_from"] = "file modification time (no manifest.js with generationDate)"
    records: list[tuple[str, RawRecord]] = []
    for name in post_files:
        where = f"{path}: {name}"
        rows = parse_ytd(_text(members[name], where), where)
        note = _POSTS.search(name)[1] == "note-tweet"
        for i, row in enumerate(rows):
            if not _valid(row, note):
                wanted = '{"noteTweet": {...}}' if note else '{"tweet": {"id_str": ...}}'
                raise InputError(f"{where}: element {i} (0-based) is not {wanted}: {json.dumps(row)[:80]}")
            if not note and not _valid_time(row.get("tweet", row).get("created_at")):
                # The archive always writes "+0000"; a time without its offset would be guessed, and the staging
                # view's strptime would then fail every later build. Refuse the file instead.
                raise InputError(f"{where}: element {i} (0-based): created_at "
                                 f"{row.get('tweet', row).get('created_at')!r} is not like "
                                 "'Sat Dec 06 18:20:30 +0000 2025' (a time with its UTC offset)")
            payload = limits.check_size(limits.dumps(row, where, ensure_ascii=False, separators=(",", ":")),
                                        f"{where}: element {i} (0-based)")
            records.append((name, RawRecord(payload, info["exported_at"], key=info.get("account_id"))))
    return info, records


def _valid_time(value) -> bool:
    try:
        datetime.strptime(value, "%a %b %d %H:%M:%S %z %Y")
    except (TypeError, ValueError):
        return False
    return True


def _valid(row, note: bool) -> bool:
    if not isinstance(row, dict):
        return False
    if note:
        return isinstance(row.get("noteTweet"), dict)
    tweet = row.get("tweet", row)  # the oldest tweet.js exports hold bare post objects, without the wrapper
    return isinstance(tweet, dict) and bool(tweet.get("id_str") or tweet.get("id"))


def import_archive(con: duckdb.DuckDBPyConnection, path: str | Path, flow_run_id: str | None = None) -> dict:
    """Land an archive's posts and notes in one transaction (all or nothing); returns what was read and added."""
    ensure_raw(con)
    info, records = fetch_archive(path)
    added = 0
    with transaction(con):
        by_file: dict[str, list[RawRecord]] = {}
        for name, rec in records:
            by_file.setdefault(name, []).append(rec)
        for name, recs in by_file.items():
            prov = Provenance(SOURCE, f"{path}!{name}", flow_run_id=flow_run_id)
            added += insert_raw(con, "raw_x_archive_tweets", recs, prov)
    notes = sum(1 for name, _ in records if _POSTS.search(name)[1] == "note-tweet")
    return {"files": len(by_file), "posts": len(records) - notes, "notes": notes, "new_records": added,
            "account_id": info.get("account_id"), "handle": info.get("handle"),
            "exported_at": info["exported_at"].isoformat(), "exported_at_from": info["exported_at_from"]}
