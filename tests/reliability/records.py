"""Real records of every source, one field changed: the inputs of test_rejects.py, test_fuzz.py and sweep.py.

Each `Importer` starts from real records (tests/fixtures/seeds/real_records.json, copied from other projects'
exports: see PROVENANCE.md there), writes them in the source's own file layout, and lands them the way its CLI
command does (`cli`) or through the same functions (`land`, faster, for hypothesis). `fields` lists every
field of a record worth changing: every key the real records have, plus the optional keys newer exports add.
`set_field(records, i, path, value)` changes one of them in record i (MISSING deletes the key).
"""

from __future__ import annotations

import copy
import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from postaudit import warehouse
from postaudit.errors import InputError
from postaudit.sources import articles, press_rss, slack, table_import, telegram, twarc_jsonl, x_archive

SEEDS = json.loads((Path(__file__).resolve().parents[1] / "fixtures" / "seeds" / "real_records.json")
                   .read_text(encoding="utf-8"))
MISSING = object()   # set_field value: delete the key
DEEP = "[" * 100_000 + "]" * 100_000   # JSON nested 100,000 levels: DuckDB reads it, Python's json cannot
_DEEP_MARK = "\x00deep\x00"

# Values every field is tried with (sweep.py, the fuzzing): wrong types, impossible times and numbers, digits that
# Python's \d and str.isdigit accept and DuckDB does not, and nesting deeper than Python's parser goes.
VALUES: dict[str, object] = {
    "missing": MISSING, "null": None, "empty": "", "word": "many", "bool": True, "list": [1], "object": {"a": 1},
    "huge_int": 10 ** 30, "negative": -1, "fraction": 1.5, "int_epoch": 1740992400, "text_epoch": "1740992400",
    "feb29": "2025-02-29T09:00:00.000Z", "year_99999": "99999-01-01T00:00:00Z", "year_1": "0001-01-01T00:00:00Z",
    "year_10000_epoch": "253402300800.000100", "epoch_20_digits": "99999999999999999999",
    "arabic_digits": "١٧٤٠٩٩٢٤٠٠", "arabic_ts": "١٧٤٠٩٩٢٤٠٠.000100", "nul": "a\x00b",
    "nan_text": "NaN", "infinity_text": "infinity", "deep": _DEEP_MARK,
}


def dumps(value) -> str:
    """JSON of a record, with the DEEP marker written as 100,000 levels of nesting."""
    return json.dumps(value, ensure_ascii=False).replace(json.dumps(_DEEP_MARK), DEEP)


def set_field(records: list, i: int, path: tuple, value) -> list:
    """records with record i's field at `path` (keys and list indexes) set to value; MISSING deletes it."""
    out = copy.deepcopy(records)
    target = out[i % len(out)]
    for key in path[:-1]:
        if isinstance(target, dict):
            target = target.setdefault(key, {})
        elif isinstance(target, list) and isinstance(key, int) and key < len(target):
            target = target[key]
        else:
            return out
    last = path[-1]
    if isinstance(target, dict):
        if value is MISSING:
            target.pop(last, None)
        else:
            target[last] = copy.deepcopy(value)
    elif isinstance(target, list) and isinstance(last, int) and last < len(target) and value is not MISSING:
        target[last] = copy.deepcopy(value)
    return out


def leaf_paths(record, prefix: tuple = ()) -> list[tuple]:
    """Every key path of a record down to its values (list items by index, at most the first two)."""
    paths = []
    if isinstance(record, dict):
        for k, v in record.items():
            paths.append((*prefix, k))
            paths += leaf_paths(v, (*prefix, k))
    elif isinstance(record, list):
        for j, v in enumerate(record[:2]):
            paths += leaf_paths(v, (*prefix, j))
    return paths


@dataclass
class Importer:
    """One source's file layout around its records, and how to land it."""

    name: str
    seed: Callable[[], list]                       # the real records (fresh copies)
    write: Callable[[list, Path], tuple[Path, list[str]]]   # records, folder -> (path, CLI args after `postaudit`)
    land: Callable[..., None]                      # (con, path) like the CLI command
    extra: tuple[tuple, ...] = ()                  # optional fields newer exports have
    raw: tuple[str, ...] = ()
    target: int = 1                                # a record that staging reads (a post, not a join or service)
    counted: str = "posts"                         # the mart that holds one row per good record
    fields: list[tuple] = field(default_factory=list)

    def __post_init__(self) -> None:
        seen: dict[tuple, None] = {}
        for rec in self.seed():
            for p in leaf_paths(rec):
                seen.setdefault(p)
        for p in self.extra:
            seen.setdefault(p)
        self.fields = list(seen)

    def changed(self, path: tuple, value) -> list:
        """The seed records with the target record's field at `path` set to value (MISSING: deleted)."""
        return set_field(self.seed(), self.target, path, value)

    def file(self, records: list, folder: Path | None = None) -> tuple[Path, list[str]]:
        """Write the records in the source's layout under a new folder; (path, CLI args)."""
        folder = folder or Path(tempfile.mkdtemp(prefix=f"rec-{self.name}-"))
        folder.mkdir(parents=True, exist_ok=True)
        return self.write(records, folder)


# ---------------------------------------------------------------- X: twarc2 pages and flattened lines

def _twarc_posts() -> list:
    return [copy.deepcopy(p) for _ in range(2) for page in SEEDS["twarc_pages"] for p in page["data"]]   # 4 posts, two of each real one


def _twarc_write(posts: list, folder: Path) -> tuple[Path, list[str]]:
    base = SEEDS["twarc_pages"][0]
    page = {"data": posts, "includes": base["includes"], "meta": {"result_count": len(posts)}}
    path = folder / "timeline.jsonl"
    path.write_text(dumps(page) + "\n", encoding="utf-8")
    return path, ["import", "x-jsonl", str(path)]


def _distinct_ids(posts: list) -> list:
    # the seed repeats posts: give each its own id (and thus its own row) so one change touches one post; an
    # unedited post's edit history is its own id, else the copy would be a later version of the real post
    out = copy.deepcopy(posts)
    for j, p in enumerate(out):
        if isinstance(p, dict) and isinstance(p.get("id"), str):
            if p.get("edit_history_tweet_ids") == [p["id"]]:
                p["edit_history_tweet_ids"] = [str(int(p["id"]) + j)]
            p["id"] = str(int(p["id"]) + j)
    return out


def _flat_write(posts: list, folder: Path) -> tuple[Path, list[str]]:
    path = folder / "flat.jsonl"
    path.write_text("".join(dumps(p) + "\n" for p in posts), encoding="utf-8")
    return path, ["import", "x-jsonl", str(path)]


# ---------------------------------------------------------------- Telegram, Slack

def _telegram_messages() -> list:
    msgs = copy.deepcopy(SEEDS["telegram"]["messages"])
    # The real export predates date_unixtime (2021); the same messages as newer exports write them
    for m in msgs:
        m["date_unixtime"] = str(_local_to_epoch(m["date"]))
    return msgs


def _local_to_epoch(text: str) -> int:
    from datetime import UTC, datetime
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp())


def _telegram_write(messages: list, folder: Path) -> tuple[Path, list[str]]:
    chat = {k: v for k, v in SEEDS["telegram"].items() if k != "messages"} | {"messages": messages}
    path = folder / "result.json"
    path.write_text(dumps(chat), encoding="utf-8")
    return path, ["import", "telegram", str(path)]


def _slack_messages() -> list:
    return [m for msgs in SEEDS["slack_days"].values() for m in msgs]


_SLACK_USER = "U0BMYT2FL"   # abilinski, who writes most of the seed's messages


def _slack_write(messages: list, folder: Path) -> tuple[Path, list[str]]:
    root = folder / "slack-export"
    files = {"users.json": SEEDS["slack_users"], "channels.json": SEEDS["slack_channels"],
             "enrique/2016-01-14.json": messages}
    for name, content in files.items():
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(dumps(content), encoding="utf-8")
    return root, ["import", "slack", str(root), "--user", _SLACK_USER]


# ---------------------------------------------------------------- X archive, tables

def _archive_write(tweets: list, folder: Path) -> tuple[Path, list[str]]:
    root = folder / "archive"
    (root / "data").mkdir(parents=True, exist_ok=True)
    (root / "data" / "manifest.js").write_text("window.__THAR_CONFIG = " + dumps(SEEDS["archive_manifest"]),
                                               encoding="utf-8")
    (root / "data" / "tweets.js").write_text("window.YTD.tweets.part0 = " + dumps(tweets), encoding="utf-8")
    return root, ["import", "x-archive", str(root)]


TABLE_MAP = "id=id,time=time,text=text,account=account,likes=likes,replies=replies,kind=kind"


def _table_rows() -> list:
    # The archive's real posts as a user's own JSONL table (any other platform's export)
    return [{"id": t["tweet"]["id_str"], "time": x_archive_time(t["tweet"]["created_at"]), "text": t["tweet"]["full_text"],
             "account": "milahu104", "likes": int(t["tweet"]["favorite_count"]), "replies": 0, "kind": "original"}
            for t in SEEDS["archive_tweets"]]


def x_archive_time(text: str) -> str:
    from datetime import datetime
    return datetime.strptime(text, "%a %b %d %H:%M:%S %z %Y").isoformat()


def _table_write(rows: list, folder: Path) -> tuple[Path, list[str]]:
    path = folder / "posts.jsonl"
    path.write_text("".join(dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path, ["import", "table", str(path), "--platform", "wechat", "--map", TABLE_MAP]


# ---------------------------------------------------------------- press: RSS 2.0

def _xml(value) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _rss_write(items: list, folder: Path) -> tuple[Path, list[str]]:
    body = "".join("<item>" + "".join(f"<{k}>{_xml(v)}</{k}>" for k, v in item.items()
                                      if isinstance(item, dict)) + "</item>" for item in items if isinstance(item, dict))
    path = folder / "feed.xml"
    path.write_text('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Real items</title>'
                    f"<link>https://news.example/</link>{body}</channel></rss>", encoding="utf-8")
    return path, ["import", "rss", str(path)]


def _rss_land(con, path: Path) -> None:
    warehouse.land_raw(con, "raw_press_items", press_rss.fetch_file(path), warehouse.Provenance("rss_file", str(path)))


# ---------------------------------------------------------------- press: a saved article page (our own text:
# publishers' pages stay in ../shared, never in the project)

def _article_seed() -> list:
    return [{"title": "Chief executive on her week", "published": "2025-03-04T08:00:00+01:00", "author": "A. Writer",
             "site": "Example News", "text": "She said she spends about an hour a day on X, mostly answering "
                                             "customers. The company grew by a third last year. " * 4}]


def _article_write(pages: list, folder: Path) -> tuple[Path, list[str]]:
    page = pages[0] if pages and isinstance(pages[0], dict) else {}
    meta = "".join(f'<meta property="{p}" content="{_xml(page[k])}">' for k, p in
                   (("published", "article:published_time"), ("author", "article:author"), ("site", "og:site_name"))
                   if k in page)
    body = "".join(f"<p>{_xml(page.get('text', ''))}</p>" for _ in range(3))
    path = folder / "article.html"
    path.write_text(f"<!doctype html><html><head><meta charset='utf-8'><title>{_xml(page.get('title', ''))}</title>"
                    f"{meta}</head><body><article><h1>{_xml(page.get('title', ''))}</h1>{body}</article></body></html>",
                    encoding="utf-8")
    return path, ["import", "article", str(path)]


def _article_land(con, path: Path) -> None:
    counts = articles.import_article_files(con, [path])
    if counts["files_skipped"]:   # the command reports a skipped file and lands the others: one file here
        raise InputError("; ".join(counts["notes"]))


# ---------------------------------------------------------------- Mastodon, Bluesky (API pages, landed as collected)

def _raw_write(table: str, key: str, wrap: Callable[[list], object]):
    def write(items: list, folder: Path) -> tuple[Path, list[str]]:
        path = folder / f"{table}.json"
        path.write_text(json.dumps({"table": table, "key": key, "payload": dumps(wrap(items))}), encoding="utf-8")
        return path, []
    return write


def _raw_land(con, path: Path) -> None:
    """Land a page the way the collector does (no file importer exists for API pages)."""
    doc = json.loads(Path(path).read_text(encoding="utf-8"))
    warehouse.land_raw(con, doc["table"], [warehouse.RawRecord(doc["payload"], key=doc["key"])],
                       warehouse.Provenance("fuzz_api", str(path)))


def _bsky_items() -> list:
    # Bluesky shapes from tests/fakes (no real export of Bluesky in ../shared): a post, a reply, a repost
    from fakes.platforms import bsky_post, bsky_repost
    a = bsky_post("3k2a", "2025-03-03T09:00:00.000Z", "hello")
    b = bsky_post("3k2b", "2025-03-03T10:00:00.000Z", "a reply", reply_to=a["uri"])
    return [{"post": a}, {"post": b}, bsky_repost(a, "2025-03-03T11:00:00.000Z", "3k2c")]


IMPORTERS: dict[str, Importer] = {i.name: i for i in (
    Importer("twarc", lambda: _distinct_ids(_twarc_posts()), _twarc_write,
             lambda con, p: twarc_jsonl.land_file(con, p),
             extra=(("note_tweet", "text"), ("public_metrics", "bookmark_count"), ("public_metrics", "impression_count"),
                    ("in_reply_to_user_id",)), raw=("raw_x_pages",)),
    Importer("twarc_flat", lambda: copy.deepcopy(SEEDS["twarc_flat"]), _flat_write,
             lambda con, p: twarc_jsonl.land_file(con, p), raw=("raw_x_flat_tweets",)),
    Importer("telegram", _telegram_messages, _telegram_write, lambda con, p: telegram.import_telegram(con, p),
             extra=(("reactions",), ("reactions", 0, "count"), ("reply_to_message_id",), ("forwarded_from",)),
             raw=("raw_telegram_messages",), counted="group_messages"),
    Importer("slack", _slack_messages, _slack_write, lambda con, p: slack.import_slack(con, p, user=_SLACK_USER),
             extra=(("reply_count",), ("thread_ts",), ("reactions",), ("reactions", 0, "count")),
             raw=("raw_slack_messages",), target=6, counted="group_messages"),
    Importer("x_archive", lambda: copy.deepcopy(SEEDS["archive_tweets"]), _archive_write,
             lambda con, p: x_archive.import_archive(con, p), raw=("raw_x_archive_tweets",)),
    Importer("table", _table_rows, _table_write,
             lambda con, p: table_import.import_table(con, p, TABLE_MAP, platform="wechat"),
             extra=(("lang",),), raw=("raw_table_rows",)),
    Importer("rss", lambda: copy.deepcopy(SEEDS["rss_items"]), _rss_write, _rss_land, raw=("raw_press_items",),
             counted="press_articles"),
    Importer("article", _article_seed, _article_write, _article_land, raw=("raw_press_pages",),
             counted="press_articles", target=0),
    Importer("mastodon", lambda: copy.deepcopy(SEEDS["mastodon_statuses"]),
             _raw_write("raw_mastodon_pages", "mastodonpy_test@localhost", lambda items: items), _raw_land,
             extra=(("quotes_count",),), raw=("raw_mastodon_pages",)),
    Importer("bluesky", _bsky_items,
             _raw_write("raw_bluesky_feed_pages", "did:plc:ceo4exchange7xyz", lambda items: {"feed": items}),
             _raw_land, raw=("raw_bluesky_feed_pages",)),
)}
