"""Hostile and broken input files for every importer, built from one list of posts so each case differs in one way.

`write(importer, case, folder)` returns the path to hand to the importer; `IMPORTERS[name]` lands it and returns
nothing (errors propagate). Shared by test_bad_input.py and test_fuzz.py.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fakes.platforms import SLACK_CHANNELS, SLACK_USERS

from postaudit import warehouse
from postaudit.sources import articles, press_rss, slack, table_import, telegram, twarc_jsonl, x_archive

HOSTILE = ('<script>window.__pwned=1</script><img src=x onerror="alert(1)"> Müller ☕ '
           "'; DROP TABLE posts; -- \" OR 1=1 {{7*7}} ${{jndi:x}}")
SQL_HANDLE = "ceo'); DROP TABLE raw_x_pages; --"
BASE = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
GIANT = 3_000_000   # characters in one post: far beyond any platform's limit, still must not break anything
OVERSIZE = 17_000_000   # characters in one post: over limits.MAX_RECORD_BYTES (16 MiB), so its file is refused

CASES = ("valid", "malformed", "latin1", "bom", "giant", "oversize", "empty", "naive_time", "future", "dup_id", "hostile",
         "sql_handle")
RAW = {"twarc": ("raw_x_pages", "raw_x_flat_tweets"), "table": ("raw_table_rows",),
       "telegram": ("raw_telegram_messages",), "slack": ("raw_slack_messages",),
       "x_archive": ("raw_x_archive_tweets",), "rss": ("raw_press_items",), "article": ("raw_press_pages",)}


def posts(case: str) -> list[dict]:
    """Five posts (id, when, text, handle) changed the one way the case says."""
    rows = [{"id": str(1_900_000_000_000_000_000 + i), "at": BASE + timedelta(hours=i), "text": f"post {i} café",
             "handle": "ceo"} for i in range(5)]
    if case == "giant":
        rows[2]["text"] = "giant " + "x" * GIANT
    elif case == "oversize":
        rows[2]["text"] = "oversize " + "Müller spends 20% of his day here. " * (OVERSIZE // 35)
    elif case == "future":
        rows[3]["at"] = datetime(2099, 1, 1, tzinfo=UTC)
    elif case == "dup_id":
        rows[4] = dict(rows[1], text="same id, different text")
    elif case == "hostile":
        rows[0]["text"] = HOSTILE
    elif case == "sql_handle":
        for r in rows:
            r["handle"] = SQL_HANDLE
    return rows


def _iso(r: dict, case: str, z: str = "Z") -> str:
    s = r["at"].strftime("%Y-%m-%dT%H:%M:%S")
    return s if case == "naive_time" else s + z


def _twarc(rows, case):
    data = [{"id": r["id"], "text": r["text"], "created_at": _iso(r, case, ".000Z"), "author_id": "42",
             "public_metrics": {"like_count": 1, "reply_count": 0, "retweet_count": 0, "quote_count": 0}}
            for r in rows]
    page = {"data": data, "includes": {"users": [{"id": "42", "username": rows[0]["handle"], "name": "CEO"}]},
            "meta": {"result_count": len(data)}}
    return json.dumps(page, ensure_ascii=False) + "\n", ".jsonl"


def _table(rows, case):
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["id", "time", "text", "account"])
    for r in rows:
        w.writerow([r["id"], _iso(r, case), r["text"], r["handle"]])
    return out.getvalue(), ".csv"


def _telegram(rows, case):
    msgs = []
    for i, r in enumerate(rows):
        m = {"id": int(r["id"][-4:]) if case != "dup_id" or i != 4 else int(rows[1]["id"][-4:]), "type": "message",
             "date": r["at"].strftime("%Y-%m-%dT%H:%M:%S"), "from": r["handle"], "from_id": "channel77",
             "text": r["text"]}
        if case != "naive_time":
            m["date_unixtime"] = str(int(r["at"].timestamp()))
        msgs.append(m)
    return json.dumps({"name": "CEO channel", "type": "public_channel", "id": 77, "messages": msgs},
                      ensure_ascii=False), "result.json"


def _slack_day(rows, case):
    return json.dumps([{"type": "message", "user": "U100", "text": r["text"],
                        "ts": f"{(rows[1] if case == 'dup_id' and i == 4 else r)['at'].timestamp():.6f}"} for i, r in enumerate(rows)], ensure_ascii=False)


def _archive(rows, case):
    tweets = [{"tweet": {"id_str": r["id"], "id": r["id"], "full_text": r["text"],
                         "created_at": r["at"].strftime("%a %b %d %H:%M:%S" + ("" if case == "naive_time" else " +0000")
                                                        + " %Y"),
                         "favorite_count": "1", "retweet_count": "0"}} for r in rows]
    return "window.YTD.tweets.part0 = " + json.dumps(tweets, ensure_ascii=False, indent=1), "tweets.js"


def _rss(rows, case):
    items = "".join(
        f"<item><title>{_xml(r['text'][:200])}</title><link>https://news.example/{r['id']}</link>"
        f"<pubDate>{r['at'].strftime('%a, %d %b %Y %H:%M:%S') + ('' if case == 'naive_time' else ' GMT')}</pubDate>"
        f"<description>{_xml(r['text'])}</description></item>" for r in rows)
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{_xml(rows[0]["handle"])}'
            f"</title><link>https://news.example/</link>{items}</channel></rss>"), ".xml"


def _article(rows, case):
    body = "".join(f"<p>{_xml(r['text'])} The executive spoke about the company at length today.</p>" * 3
                   for r in rows)
    meta = f'<meta property="article:published_time" content="{_iso(rows[3], case)}">'
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{_xml(rows[0]['handle'])}</title>{meta}"
            f"</head><body><article><h1>Story</h1>{body}</article></body></html>"), ".html"


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _encode(text: str, case: str) -> bytes:
    if case == "empty":
        return b""
    if case == "latin1":
        return text.encode("latin-1", errors="replace")
    data = text.encode("utf-8")
    if case == "bom":
        data = b"\xef\xbb\xbf" + data
    if case == "malformed":
        cut = len(data) * 2 // 3
        data = data[:cut] + b"\x00{<<]]" + data[cut + 7:]
    return data


def write(importer: str, case: str, folder: Path) -> Path:
    """Write one input file (or export folder) for the importer, changed as the case says."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = posts(case)
    if importer == "slack":
        root = folder / "export"
        for name, content in (("channels.json", json.dumps(SLACK_CHANNELS)), ("users.json", json.dumps(SLACK_USERS)),
                              ("general/2025-03-03.json", _slack_day(rows, case))):
            p = root / name
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(_encode(content, case) if name.startswith("general") else content.encode())
        return root
    text, suffix = {"twarc": _twarc, "table": _table, "telegram": _telegram, "x_archive": _archive, "rss": _rss,
                    "article": _article}[importer](rows, case)
    if importer == "x_archive":
        path = folder / "archive" / "data" / suffix
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(_encode(text, case))
        return folder / "archive"
    path = folder / (suffix if suffix == "result.json" else f"input{suffix}")
    path.write_bytes(_encode(text, case))
    return path


def land(importer: str, con, path: Path) -> None:
    """Land one input the way its CLI command does; InputError (or the source's own error) propagates."""
    if importer == "twarc":
        twarc_jsonl.land_file(con, path)
    elif importer == "table":
        table_import.import_table(con, path, "id=id,time=time,text=text,account=account", platform="wechat")
    elif importer == "telegram":
        telegram.import_telegram(con, path)
    elif importer == "slack":
        slack.import_slack(con, path, user="U100")
    elif importer == "x_archive":
        x_archive.import_archive(con, path)
    elif importer == "rss":
        warehouse.land_raw(con, "raw_press_items", press_rss.fetch_file(path), warehouse.Provenance("rss_file", str(path)))
    elif importer == "article":
        counts = articles.import_article_files(con, [path])
        if counts["files_skipped"]:
            from postaudit.sources.errors import InputError

            raise InputError("; ".join(counts["notes"]))
    else:
        raise ValueError(importer)
