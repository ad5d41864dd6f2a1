"""The official X account archive (the zip, or its unpacked folder): posts and long-post texts, landed untouched.

Files read, each with its split parts `-part1.js` ...: `tweets.js` (`window.YTD.tweets.part0 = [{"tweet": {...}}]`),
the older `tweet.js` (whose oldest exports hold bare post objects), `deleted-tweets.js` (posts deleted before the
export, each with `deleted_at`), `community-tweet.js` (posts in X Communities, with `community_id`),
`note-tweet.js` and `deleted-note-tweet.js` (full text of posts over 280 characters), and the account's traces
of reading: `ad-impressions.js` and `ad-engagements.js` (promoted posts shown to the account and what it did with
them, each with its time; raw_x_archive_ads, read by stg_x_archive_ads). Each file is JSON after its
`window.YTD... =` prefix: it is parsed from the first `[`, never evaluated. The zip or folder is read through
export_files (duplicate names, paths leaving the export, and zip bombs refused).

Observed time. Counts in an archive (favorite_count, retweet_count, as strings) are as of the export, so every
record's retrieved_at (and so observed_at) is the export time: `archiveInfo.generationDate` from `manifest.js`
when the archive has one (every export since about 2019 does); otherwise the modification time of the zip file,
or of the tweets file in a folder. That mtime is when the archive was downloaded or unpacked, never before the
export, so counts look at most that much newer than they were; the import result says which one was used.
The posts carry no author id: it comes from `manifest.js` (`userInfo.accountId`) or `account.js`. The manifest
also says how many records each file holds; the import result compares them with what was read.

Long posts. A note carries no post id; stg_x_archive_notes links each note to the post whose text it continues
(time and text), and the import reports the notes that match no post.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from postaudit import limits
from postaudit.sources import traces
from postaudit.sources.errors import InputError
from postaudit.sources.export_files import ExportFiles
from postaudit.sources.surrogates import refuse_lone_surrogates
from postaudit.sources.x_api import insert_raw
from postaudit.warehouse import Provenance, RawRecord, ensure_raw, staging_view, transaction

SOURCE = "x_archive"
# post files first (tweets, then the older tweet.js, deleted, community), then the notes that continue them
_KINDS = ("tweets", "tweet", "deleted-tweets", "community-tweet", "note-tweet", "deleted-note-tweet")
_POSTS = re.compile(r"(?:^|/)(" + "|".join(sorted(_KINDS, key=len, reverse=True)) + r")(?:-part(\d+))?\.js$")
_NOTES = {"note-tweet", "deleted-note-tweet"}
# ad files: file kind -> the list each {"ad": {"adsUserData": ...}} object holds
_ADS = {"ad-impressions": ("adImpressions", "impressions"), "ad-engagements": ("adEngagements", "engagements")}
_AD_FILES = re.compile(r"(?:^|/)(ad-impressions|ad-engagements)(?:-part(\d+))?\.js$")
ADS_TABLE = "raw_x_archive_ads"
_YTD = re.compile(r"\s*window\.YTD\.([A-Za-z0-9_]+)\.part(\d+)\s*=\s*")
_THAR = re.compile(r"\s*window\.__THAR_CONFIG\s*=\s*")


def _kind(name: str) -> str:
    return _POSTS.search(name)[1]


def _text(export: ExportFiles, name: str) -> str:
    where = export.where(name)
    try:
        return export.read(name).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{where}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None


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


def _manifest(export: ExportFiles) -> dict:
    info: dict = {"manifest_counts": {}}
    for name in export.names:
        base = name.rsplit("/", 1)[-1]
        where = export.where(name)
        if base == "manifest.js":
            text = _text(export, name)
            m = _THAR.match(text)
            if not m:
                continue
            config = _decode(text, m.end(), where)
            if not isinstance(config, dict):
                continue
            generated = (config.get("archiveInfo") or {}).get("generationDate")
            if generated:
                try:
                    info["exported_at"] = datetime.fromisoformat(generated.replace("Z", "+00:00")).astimezone(UTC)
                    info["exported_at_from"] = f"{name} archiveInfo.generationDate"
                except ValueError:
                    raise InputError(f"{where}: archiveInfo.generationDate {generated!r} is not a date") from None
            info.setdefault("account_id", ((config.get("userInfo") or {}).get("accountId")))
            info.setdefault("handle", ((config.get("userInfo") or {}).get("userName")))
            for data_type in (config.get("dataTypes") or {}).values():
                for f in (data_type or {}).get("files") or [] if isinstance(data_type, dict) else []:
                    if isinstance(f, dict) and str(f.get("count", "")).isdigit():
                        info["manifest_counts"][str(f.get("fileName"))] = int(f["count"])
        elif base == "account.js":
            rows = parse_ytd(_text(export, name), where)
            account = (rows[0] or {}).get("account") if rows and isinstance(rows[0], dict) else None
            if account:
                info["account_id"] = info.get("account_id") or account.get("accountId")
                info["handle"] = info.get("handle") or account.get("username")
    return info


def _file_order(name: str) -> tuple:
    m = _POSTS.search(name)
    return _KINDS.index(m[1]), int(m[2] or 0), name


def fetch_archive(path: str | Path) -> tuple[dict, list[tuple[str, RawRecord]]]:
    """Read an archive: its facts (account, export time) and one raw record per post or note, tagged with its file."""
    path = Path(path)
    with ExportFiles(path, "archive") as export:
        post_files = sorted((n for n in export.names if _POSTS.search(n)), key=_file_order)
        if not any(_kind(n) not in _NOTES for n in post_files):
            raise InputError(f"{path}: no tweets.js or tweet.js (looked under data/): is this an X account archive?")
        info = _manifest(export)
        if "exported_at" not in info:
            tweets_file = next(n for n in post_files if _kind(n) not in _NOTES)
            info["exported_at"] = export.mtime(tweets_file) if path.is_dir() else _mtime(path)
            info["exported_at_from"] = "file modification time (no manifest.js with generationDate)"
        records: list[tuple[str, RawRecord]] = []
        info["read_counts"] = {}
        for name in post_files:
            records += _file_records(export, name, info)
        info["ads"] = []
        for name in sorted((n for n in export.names if _AD_FILES.search(n)), key=_ad_order):
            info["ads"] += _ad_records(export, name, info)
    return info, records


def _ad_order(name: str) -> tuple:
    m = _AD_FILES.search(name)
    return m[1], int(m[2] or 0), name


def _ad_records(export: ExportFiles, name: str, info: dict) -> list[tuple[str, RawRecord]]:
    """One raw record per {"ad": {"adsUserData": {...}}} object of an ad file, checked for that shape."""
    where = export.where(name)
    group, items = _ADS[_AD_FILES.search(name)[1]]
    out = []
    rows = parse_ytd(_text(export, name), where)
    for i, row in enumerate(rows):
        ads = (row.get("ad") or {}).get("adsUserData") if isinstance(row, dict) else None
        if not (isinstance(ads, dict) and isinstance((ads.get(group) or {}).get(items), list)):
            raise InputError(f"{where}: element {i} (0-based) is not {{\"ad\": {{\"adsUserData\": {{\"{group}\": "
                             f"{{\"{items}\": [...]}}}}}}}}: {json.dumps(row)[:80]}")
        out.append((name, _raw_record(row, f"{where}: element {i} (0-based)", info)))
    info["read_counts"][name] = len(rows)
    return out


def _raw_record(row, where: str, info: dict) -> RawRecord:
    """One element as its raw record: compact JSON, size-checked, with the archive's export time and owner."""
    payload = limits.check_size(limits.dumps(row, where, ensure_ascii=False, separators=(",", ":")), where)
    refuse_lone_surrogates(payload, where)
    return RawRecord(payload, info["exported_at"], key=info.get("account_id"))


def _file_records(export: ExportFiles, name: str, info: dict) -> list[tuple[str, RawRecord]]:
    where = export.where(name)
    rows = parse_ytd(_text(export, name), where)
    note = _kind(name) in _NOTES
    out = []
    for i, row in enumerate(rows):
        if not _valid(row, note):
            wanted = '{"noteTweet": {...}}' if note else '{"tweet": {"id_str": ...}}'
            raise InputError(f"{where}: element {i} (0-based) is not {wanted}: {json.dumps(row)[:80]}")
        if not note:
            tweet = row.get("tweet", row)
            for field in ("created_at", "deleted_at"):
                if (field in tweet or field == "created_at") and not _valid_time(tweet.get(field)):
                    # The archive always writes "+0000"; a time without its offset would be guessed, and the
                    # staging view's strptime would then fail every later build. Refuse the file instead.
                    raise InputError(f"{where}: element {i} (0-based): {field} {tweet.get(field)!r} is not like "
                                     "'Sat Dec 06 18:20:30 +0000 2025' (a time with its UTC offset)")
        out.append((name, _raw_record(row, f"{where}: element {i} (0-based)", info)))
    info["read_counts"][name] = len(rows)
    return out


def _mtime(path: Path) -> datetime:
    # The zip's own mtime (a real instant) rather than member times, which zip stores as local time with no zone.
    return datetime.fromtimestamp(path.stat().st_mtime, UTC)


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
    by_file: dict[str, list[RawRecord]] = {}
    for name, rec in records:
        by_file.setdefault(name, []).append(rec)
    ads: dict[str, list[RawRecord]] = {}
    for name, rec in info["ads"]:
        ads.setdefault(name, []).append(rec)
    with transaction(con):
        for table, files in (("raw_x_archive_tweets", by_file), (ADS_TABLE, ads)):
            for name, recs in files.items():
                prov = Provenance(SOURCE, f"{path}!{name}", flow_run_id=flow_run_id)
                added += insert_raw(con, table, recs, prov)
        landed = [r.record_id(SOURCE) for _, r in [*records, *info["ads"]]]
        found = traces.summarize(con, SOURCE, landed, file=str(path))
    kinds = {k: sum(n for name, n in info["read_counts"].items() if _POSTS.search(name) and _kind(name) == k)
             for k in _KINDS}
    notes = kinds["note-tweet"] + kinds["deleted-note-tweet"]
    note_ids = [r.record_id(SOURCE) for name, r in records if _kind(name) in _NOTES]
    shown = {k: sum(len(json.loads(r.payload)["ad"]["adsUserData"][g][i]) for n, r in info["ads"]
                    if _AD_FILES.search(n)[1] == k) for k, (g, i) in _ADS.items()}
    return {"files": len(info["read_counts"]), "posts": len(records) - notes, "notes": notes,
            "deleted": kinds["deleted-tweets"], "community": kinds["community-tweet"], "new_records": added,
            "ad_impressions_listed": shown["ad-impressions"], "ad_engagements_listed": shown["ad-engagements"],
            **found,
            "unmatched_notes": unmatched_notes(con, note_ids),
            "manifest_differs": {n: (info["manifest_counts"][n], c) for n, c in info["read_counts"].items()
                                 if n in info["manifest_counts"] and info["manifest_counts"][n] != c},
            "account_id": info.get("account_id"), "handle": info.get("handle"),
            "exported_at": info["exported_at"].isoformat(), "exported_at_from": info["exported_at_from"]}


def unmatched_notes(con: duckdb.DuckDBPyConnection, note_record_ids: list[str]) -> list[str]:
    """noteTweetIds of these landed notes that stg_x_archive_notes links to no post."""
    if not note_record_ids:
        return []
    staging_view(con, "stg_x_archive_notes")
    rows = con.execute("select note_id from stg_x_archive_notes where record_id in (select unnest(?)) "
                       "and post_id is null order by note_created_at", [note_record_ids]).fetchall()
    return [r[0] or "?" for r in rows]
