"""Press commands: `postaudit collect press` and `postaudit import article`."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated

import typer

from postaudit.cli import DbOption, collect_app, console, fail, import_app, open_warehouse, styled
from postaudit.errors import InputError

# A ready GDELT query has parentheses, OR, an operator (sourcelang:, domain:, near20:, tone<…) or is one quoted
# phrase; a name with quotes inside ('Dwayne "The Rock" Johnson') is a name, and its quotes get neutralised.
_GDELT_SYNTAX = re.compile(r"[()]|\bOR\b|\b(?:domain|domainis|sourcelang|sourcecountry|theme|near\d+|repeat\d+|"
                           r"tone|toneabs|imagetag|imagewebtag)\s*[:<>=]|^\s*\"[^\"]*\"\s*$")


def _day(value: str | None, name: str) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        fail(f"{name} {value!r}: use YYYY-MM-DD or YYYY-MM-DDTHH:MM")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def _print_counts(counts: dict) -> None:
    notes = counts.pop("notes", [])
    # soft_wrap: long URLs and counts stay on one line, so they can be copied and searched.
    console.print(", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in counts.items()) or "nothing to do",
                  soft_wrap=True)
    for note in notes:
        console.print(styled("note:", "yellow", note), soft_wrap=True, highlight=False)


@collect_app.command("press")
def collect_press_cmd(
    query: Annotated[str | None, typer.Option(
        "--query", "-q", help='The executive\'s name (e.g. "Rowan Vale"), or a ready GDELT query when it contains '
        'quotes, parentheses, OR or an operator like sourcelang:. Without it GDELT is not asked.')] = None,
    alias: Annotated[list[str] | None, typer.Option(
        "--alias", help="Another name, the handle (@name) or a spelling to OR with --query. Repeat for more.")] = None,
    feeds: Annotated[list[str] | None, typer.Option(
        "--feeds", "--feed", help="RSS/Atom feed URL(s). Repeat, or separate with commas. Fetched with conditional "
        "GET: an unchanged feed (HTTP 304) lands nothing.")] = None,
    since: Annotated[str | None, typer.Option(help="Start (UTC), YYYY-MM-DD. Default: 7 days ago. GDELT covers "
                                              "about the last three months.")] = None,
    until: Annotated[str | None, typer.Option(help="End (UTC, exclusive), YYYY-MM-DD. Default: now.")] = None,
    fetch_articles: Annotated[bool, typer.Option(
        "--fetch-articles", help="Also fetch the article pages GDELT and the feeds point to (main text and "
        "metadata via trafilatura), so stories and claims can be found.")] = False,
    max_articles: Annotated[int, typer.Option(min=1, help="Most article pages to fetch in this run.")] = 200,
    gdelt_url: Annotated[str, typer.Option(help="GDELT DOC API endpoint (change only for a mirror or a test "
                                           "server).")] = "https://api.gdeltproject.org/api/v2/doc/doc",
    db: DbOption = None,
) -> None:
    """Collect press coverage: GDELT article lists and volume timeline, RSS/Atom feeds, and article pages.

    GDELT is asked at most once every 5 seconds (it sheds load with HTTP 429; those are retried with backoff), and
    a window with 250 hits (the API's cap) is split in halves until nothing is cut off. Article pages are fetched
    with a User-Agent naming postaudit, a timeout and a 5 MB cap. Problems with one feed or page are printed as
    notes and the rest of the run goes on.

    Example: postaudit collect press -q "Rowan Vale" --alias @rowanvale --since 2025-01-01 --fetch-articles

    Then run `postaudit build` to group copies into stories and find the claims.
    """
    from postaudit.sources.press_coverage import collect_press
    from postaudit.sources.press_gdelt import build_query

    now = datetime.now(UTC)
    start = _day(since, "--since") or now - timedelta(days=7)
    end = _day(until, "--until") or now
    if start >= end:
        fail("--since must be before --until")
    feed_urls = [u for f in feeds or [] for u in re.split(r"[,\s]+", f) if u]
    bad = [u for u in feed_urls if not re.match(r"https?://", u)]
    if bad:
        fail(f"--feeds takes http(s) URLs; for saved files use `postaudit import rss`: {', '.join(bad)}")
    gdelt_query: str | list[str] | None = None
    if query:
        if _GDELT_SYNTAX.search(query):
            if alias:
                fail("--alias cannot be combined with a ready GDELT query; put the aliases into the query")
            gdelt_query = query
        else:
            try:
                gdelt_query = build_query([query, *(alias or [])])
            except ValueError as exc:
                fail(str(exc))
    if not gdelt_query and not feed_urls:
        fail("nothing to collect: give --query (GDELT) and/or --feeds")
    if gdelt_query and now - start > timedelta(days=92):
        console.print(styled("note:", "yellow", "GDELT's DOC API officially covers a rolling three months; older "
                                               "days may come back empty"))
    con = open_warehouse(db)
    try:
        with console.status("Collecting press...") as status:
            counts = collect_press(con, query=gdelt_query, feeds=feed_urls, start=start, end=end,
                                   fetch_articles=fetch_articles, max_articles=max_articles, gdelt_url=gdelt_url,
                                   progress=lambda m: status.update(f"Collecting press: {m}"))
    finally:
        con.close()
    if gdelt_query:
        console.print(f"GDELT query: {gdelt_query}")
    _print_counts(counts)
    console.print("Run `postaudit build` to update stories, claims and the press marts.")


@import_app.command("article")
def import_article_cmd(
    paths: Annotated[list[Path], typer.Argument(help="Saved article pages (.html) or plain-text articles (.txt).")],
    url: Annotated[str | None, typer.Option(help="The article's original URL (only with a single file); links the "
                                            "file to the same article found by GDELT or a feed.")] = None,
    published: Annotated[str | None, typer.Option(help="Publication date, YYYY-MM-DD or YYYY-MM-DDTHH:MM+00:00, "
                                                  "when the page does not say (it overrides the page).")] = None,
    db: DbOption = None,
) -> None:
    """Land article files you already have: main text and metadata (title, outlet, author, date, language)
    are extracted from HTML with trafilatura; a .txt file is taken as the article text, first line as headline.

    A file that cannot be read is reported and skipped; the others are landed, each all-or-nothing.
    """
    from postaudit.sources.articles import import_article_files

    if published is not None and not re.match(r"\d{4}-\d{2}-\d{2}", published):
        fail(f"--published {published!r}: use YYYY-MM-DD or YYYY-MM-DDTHH:MM+00:00")
    when = published
    if published and re.fullmatch(r"\d{4}-\d{2}-\d{2}", published):
        when = datetime.combine(date.fromisoformat(published), time(), UTC).isoformat()
    con = open_warehouse(db)
    try:
        counts = import_article_files(con, paths, url=url, published=when)
    except InputError as exc:
        fail(str(exc))
    finally:
        con.close()
    skipped = counts["files_skipped"]
    _print_counts(counts)
    console.print("Run `postaudit build` to update stories, claims and the press marts.")
    if skipped:
        raise typer.Exit(1)
