"""Real exports nobody here wrote, and counts of what they hold by a reader independent of the importers.

tests/fixtures/real holds the MIT/BSD licensed files copied from ../shared/real-exports (licenses and origins in
each folder's PROVENANCE.md and LICENSE); the article pages stay in ../shared/real-exports/articles and are read
from there when it exists. The independent counts are a few lines of plain json, zipfile and xml.etree each, never
the importer's own code; `measure` imports each file into a fresh warehouse and counts what landed.

    .venv/bin/python -m tests.real_exports          # rewrites the real-exports table in docs/reliability.md
"""

from __future__ import annotations

import json
import re
import sys
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT / "tests" / "fixtures" / "real"
SHARED = ROOT.parent / "shared" / "real-exports"
DOC = ROOT / "docs" / "reliability.md"
START, END = "<!-- real-exports:start (tests/real_exports.py) -->", "<!-- real-exports:end -->"


# ---------------------------------------------------------------- independent counts

def twarc_posts(*paths: Path) -> dict:
    """Posts in twarc2 files: distinct edit chains of the `data` posts (a list or one object) and flattened lines;
    lines that are not JSON are counted apart."""
    chains, ids, bad = set(), set(), []
    lines = [(n, line) for path in paths for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)]
    for n, line in lines:
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError:
            bad.append(n)
            continue
        data = obj.get("data", obj if "text" in obj else None)
        for post in data if isinstance(data, list) else [data] if isinstance(data, dict) else []:
            if "text" in post:
                ids.add(post["id"])
                chains.add((post.get("edit_history_tweet_ids") or [post["id"]])[0])
    return {"posts": len(chains), "ids": len(ids), "bad_lines": bad}


def archive_posts(path: Path) -> dict:
    """Posts of an X archive zip: the manifest's own counts, and the elements of each post file."""
    with zipfile.ZipFile(path) as zf:
        text = zf.read("data/manifest.js").decode("utf-8")
        manifest = json.loads(text[text.index("{"):])
        counted = {}
        for name in zf.namelist():
            base = name.rsplit("/", 1)[-1]
            if base in ("tweets.js", "deleted-tweets.js", "community-tweet.js", "note-tweet.js"):
                body = zf.read(name).decode("utf-8")
                counted[base] = len(json.loads(body[body.index("["):]))
    types = manifest["dataTypes"]
    said = {key: int(types[key]["files"][0]["count"]) for key in ("tweets", "deletedTweets", "communityTweet",
                                                                  "noteTweet")}
    return {"posts": counted["tweets.js"] + counted["deleted-tweets.js"] + counted["community-tweet.js"],
            "manifest": said, "elements": counted}


def telegram_messages(*paths: Path) -> dict:
    """Messages (not service messages) of one chat exported once or more: distinct message ids."""
    ids: set[int] = set()
    for p in paths:
        ids |= {m["id"] for m in json.loads(p.read_text(encoding="utf-8"))["messages"] if m["type"] == "message"}
    return {"posts": len(ids)}


PERSON_SUBTYPES = {None, "thread_broadcast", "me_message", "file_share", "file_comment"}


def slack_messages(path: Path, user: str | None = None) -> dict:
    """Messages people wrote in a Slack export zip (no bot_id; plain, or a subtype that is a person writing)."""
    with zipfile.ZipFile(path) as zf:
        msgs = [m for n in zf.namelist() if re.search(r"/\d{4}-\d{2}-\d{2}\.json$", n)
                for m in json.loads(zf.read(n))]
    people = [m for m in msgs if m.get("subtype") in PERSON_SUBTYPES and not m.get("bot_id")]
    by = [m for m in people if (m.get("user") or (m.get("comment") or {}).get("user")) == user]
    return {"records": len(msgs), "messages": len(people), "posts": len(by)}


def mastodon_statuses(path: Path) -> dict:
    """Statuses the replay serves: the two recorded pages and the account's own single statuses."""
    rec = json.loads(path.read_text(encoding="utf-8"))
    account = json.loads(rec["responses"][0]["body"])["id"]
    ids = {s["id"] for r in rec["responses"][1:] for s in json.loads(r["body"])}
    ids |= {s["status"]["id"] for s in rec["single_statuses"] if s["status"]["account"]["id"] == account}
    return {"posts": len(ids)}


def feed_entries(path: Path) -> dict:
    """<item> and <entry> elements of a feed, by XML alone (None when it is not well-formed XML)."""
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as exc:
        return {"entries": None, "error": str(exc)}
    return {"entries": sum(1 for e in root.iter() if e.tag.rsplit("}", 1)[-1] in ("item", "entry"))}


class _Canonical(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "link" and "canonical" in (a.get("rel") or "").split():
            self.found.setdefault("canonical", a.get("href") or "")
        if tag == "meta" and a.get("property") == "og:url":
            self.found.setdefault("og", a.get("content") or "")


def page_address(path: Path) -> str | None:
    """The address a saved page names for itself, by html.parser: rel=canonical, else og:url."""
    p = _Canonical()
    p.feed(path.read_bytes().decode("utf-8", "replace"))
    return p.found.get("canonical") or p.found.get("og")


# ---------------------------------------------------------------- importing

@dataclass
class Row:
    """One line of the table: a file, what an independent reader counts, what landed, why they differ."""

    file: str
    what: str
    independent: int | None
    imported: int | None
    differs: str = ""


def _warehouse():
    import duckdb

    from postaudit import warehouse

    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    warehouse.ensure_raw(con)
    return con


def _posts(con, platform: str) -> int:
    """Posts as the posts mart keys them (platform, post_id), read from staging: the marts are not needed."""
    from postaudit import warehouse

    warehouse.apply_layers(con, ("raw", "staging"))
    return warehouse.scalar(con, "select count(distinct post_id) from stg_posts where platform = ?", [platform])


def imported(land: Callable, platform: str) -> int | str:
    """Posts in a fresh warehouse after `land(con)`, or the one-line error it ended with."""
    from postaudit.errors import InputError

    con = _warehouse()
    try:
        land(con)
        return _posts(con, platform)
    except InputError as exc:
        return f"refused: {exc}"
    finally:
        con.close()


def measure(httpserver=None) -> list[Row]:
    """Import every real file and count what landed beside the independent count."""
    from postaudit.sources import articles, mastodon, press_rss, slack, telegram, twarc_jsonl, x_archive
    from postaudit.warehouse import Provenance, land_raw

    rows: list[Row] = []
    got_by_file = _twarc_by_file(sorted((REAL / "twarc2").glob("*.jsonl")))
    for path in sorted((REAL / "twarc2").glob("*.jsonl")):
        ind = twarc_posts(path)
        got = got_by_file[str(path)]
        why = []
        if ind["bad_lines"]:
            why.append(f"line {', '.join(map(str, ind['bad_lines']))} cut short: skipped, in rejected_records")
        if ind["ids"] != ind["posts"]:
            why.append(f"{ind['ids']} post ids, {ind['posts']} edit chains: one post per chain")
        rows.append(Row(f"twarc2/{path.name}", "posts", ind["posts"], got, "; ".join(why)))
    both = [REAL / "twarc2" / f"edited_{w}.jsonl" for w in ("before", "after")] + [REAL / "twarc2" / "edited.jsonl"]
    rows.append(Row("twarc2/edited_before + edited_after + edited", "posts", twarc_posts(*both)["posts"],
                    imported(lambda con: [twarc_jsonl.land_file(con, p) for p in both], "x"),
                    "three captures of one edited post (two versions): one post"))

    zip_path = REAL / "x-archive" / "milahu104.zip"
    ind = archive_posts(zip_path)
    m = ind["manifest"]
    rows.append(Row("x-archive/milahu104.zip", "posts (tweets + deleted + community)", ind["posts"],
                    imported(lambda con: x_archive.import_archive(con, zip_path), "x"),
                    f"manifest says {m['tweets']} + {m['deletedTweets']} + {m['communityTweet']}; "
                    f"note-tweet.js empty ({m['noteTweet']})"))

    new, old = REAL / "telegram" / "result.json", REAL / "telegram" / "result_2020-11_767dc7f.json"
    for label, paths in (("result.json", [new]), ("result_2020-11_767dc7f.json", [old]),
                         ("result.json + result_2020-11_767dc7f.json", [new, old])):
        rows.append(Row(f"telegram/{label}", "posts (messages)", telegram_messages(*paths)["posts"],
                        imported(lambda con, paths=paths: [telegram.import_telegram(con, p, tz="Europe/Berlin")
                                                           for p in paths], "telegram"),
                        "the same channel exported twice (2020 ids with the 2^33 offset): one account"
                        if len(paths) == 2 else ""))

    sl = REAL / "slack" / "hfaran-testarchive.zip"
    ind = slack_messages(sl, "U0BMQB6JE")
    rows.append(Row("slack/hfaran-testarchive.zip", "messages people wrote (group_messages)", ind["messages"],
                    _slack_messages(sl), f"{ind['records']} records: bot messages, joins and integrations are "
                                         "events, not messages"))
    rows.append(Row("slack/hfaran-testarchive.zip --user hamza", "posts", ind["posts"],
                    imported(lambda con: slack.import_slack(con, sl, user="hamza"), "slack")))

    if httpserver is not None:
        from fakes.platforms import serve_mastodon_recorded

        rec_path = REAL / "mastodon" / "mastodon_py_responses.json"
        serve_mastodon_recorded(httpserver, json.loads(rec_path.read_text(encoding="utf-8")))
        rows.append(Row("mastodon/mastodon_py_responses.json (replayed)", "posts (statuses)",
                        mastodon_statuses(rec_path)["posts"],
                        imported(lambda con: mastodon.collect_mastodon(
                            con, f"@mastodonpy_test@{httpserver.host}:{httpserver.port}",
                            base_url=httpserver.url_for("").rstrip("/"), sleep=lambda s: None), "mastodon"),
                        "a reblog, two quotes and a reply that quotes among them"))

    for path in sorted((REAL / "rss" / "feed-rs").glob("*.xml")):
        ind = feed_entries(path)

        def land(con, path=path):
            return land_raw(con, "raw_press_items", press_rss.fetch_file(path), Provenance("rss_file", str(path)))

        rows.append(Row(f"rss/feed-rs/{path.name}", "entries", ind["entries"], _landed(land),
                        "not well-formed XML: refused naming the line, as the XML parser does" if ind["entries"] is None
                        else ""))

    pages = sorted((SHARED / "articles").glob("*.html")) if (SHARED / "articles").is_dir() else []
    if pages:
        named = [p for p in pages if page_address(p)]
        con = _warehouse()
        articles.import_article_files(con, [str(p) for p in pages])
        got = {r[0] for r in con.execute("select payload ->> 'url' from raw_press_pages").fetchall()}
        con.close()
        rows.append(Row("../shared/real-exports/articles/*.html (13 pages)", "pages landed with the address they "
                        "name (rel=canonical, else og:url)", len(named),
                        len(got & {page_address(p) for p in named}),
                        "every page names one; without --url a page is known by it, not by its file:// path"))
    return rows


def _twarc_by_file(paths: list[Path]) -> dict[str, int | str]:
    """Posts (distinct post_id) each twarc2 file gives, all landed in one warehouse under a source label of their
    own (the label is part of a record's id, so two files holding one page both keep it)."""
    from postaudit import warehouse
    from postaudit.errors import InputError
    from postaudit.sources import twarc_jsonl

    con = _warehouse()
    out: dict[str, int | str] = {}
    for i, path in enumerate(paths):
        try:
            twarc_jsonl.land_file(con, path, source=f"file{i}")
            out[str(path)] = 0
        except InputError as exc:
            out[str(path)] = f"refused: {exc}"
    warehouse.apply_layers(con, ("raw", "staging"))
    counted = dict(con.execute("select source, count(distinct post_id) from stg_posts group by 1").fetchall())
    out |= {str(p): counted[f"file{i}"] for i, p in enumerate(paths) if f"file{i}" in counted}
    con.close()
    return out


def _slack_messages(path: Path) -> int:
    from postaudit import warehouse
    from postaudit.sources import slack

    con = _warehouse()
    slack.import_slack(con, path, user="hamza")
    warehouse.apply_layers(con, ("raw", "staging"))
    n = warehouse.scalar(con, "select count(distinct (chat_id, message_id)) from stg_chat_messages")
    con.close()
    return n


def _landed(land: Callable) -> int | str:
    from postaudit.errors import InputError

    con = _warehouse()
    try:
        return land(con)
    except InputError as exc:
        return f"refused: {exc}"
    finally:
        con.close()


# ---------------------------------------------------------------- the table in docs/reliability.md

def table(rows: list[Row]) -> str:
    """The markdown table: one line per file."""
    out = ["| file | counted | independent count | imported | what differs and why |", "|---|---|---|---|---|"]
    for r in rows:
        got = r.imported if isinstance(r.imported, int) else "refused"
        ind = "not XML" if r.independent is None else r.independent
        out.append(f"| {r.file} | {r.what} | {ind} | {got} | {r.differs} |")
    return "\n".join(out)


def write_doc(rows: list[Row]) -> None:
    """Replace the real-exports block of docs/reliability.md (appended when missing)."""
    text = DOC.read_text(encoding="utf-8")
    block = f"{START}\n{table(rows)}\n{END}"
    if START in text:
        text = text[:text.index(START)] + block + text[text.index(END) + len(END):]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    DOC.write_text(text, encoding="utf-8")


def main() -> None:
    from pytest_httpserver import HTTPServer

    sys.path.insert(0, str(ROOT / "tests"))
    server = HTTPServer()
    server.start()
    try:
        rows = measure(server)
    finally:
        server.stop()
    write_doc(rows)
    print(table(rows))


if __name__ == "__main__":
    main()
