"""X/Twitter commands: `collect x` (API v2), `import x-archive` (official archive), `import x-jsonl` (twarc2)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from postaudit.cli import (
    DbOption,
    collect_app,
    console,
    fail,
    import_app,
    land_each,
    open_warehouse,
    parse_when,
    styled,
)
from postaudit.errors import InputError


@collect_app.command("x")
def collect_x(
    handle: Annotated[str, typer.Option("--handle", help="The account's @handle (with or without @).")],
    since: Annotated[str | None, typer.Option(help="Oldest post date wanted, YYYY-MM-DD (UTC).")] = None,
    until: Annotated[str | None, typer.Option(help="Newest post date wanted, YYYY-MM-DD (UTC); a past window "
                                                   "does not move the incremental cursor.")] = None,
    refresh_days: Annotated[int, typer.Option(min=0, help="Also re-fetch posts of the last N days to record how "
                                                          "their counts grew (one post_metric_snapshots row each).")] = 0,
    full_archive: Annotated[bool, typer.Option(help="Use full-archive search (`from:ID`) instead of the timeline: "
                                                    "reaches past the newest 3,200 posts; needs a higher access tier.")] = False,
    token_block: Annotated[str | None, typer.Option(help="Name of a Prefect Secret block holding the bearer token "
                                                         "(instead of $X_BEARER_TOKEN).")] = None,
    db: DbOption = None,
) -> None:
    """Collect an account's posts from the X API v2, incrementally and resumably.

    Looks the handle up (recording follower/following/post counts), then pages the user timeline 100 posts at a
    time with metrics (likes, replies, reposts, quotes, bookmarks, impressions). Only posts newer than the last
    run are asked for; a run that was interrupted (even killed) continues where it stopped. Rate limits are
    waited out (bounded), server errors and dropped connections retried with backoff.

    **Token**: `X_BEARER_TOKEN` in the environment, or `--token-block NAME` for a Prefect Secret block. It is never
    written to logs or to the warehouse.

    **The 3,200 cap**: X's user timeline returns only the newest 3,200 posts. When the window you ask for reaches
    further back, the command says so; use `--full-archive` (Pro/Enterprise access) or import the account's own
    archive with `postaudit import x-archive`.
    """
    from postaudit.sources import x_api

    start, end = parse_when(since, "--since"), parse_when(until, "--until")
    con = open_warehouse(db)
    try:
        with console.status(f"Collecting @{handle.lstrip('@')} from the X API...") as status:
            def progress(message: str) -> None:
                status.update(message)
                console.log(message)
            counts = x_api.collect_x(con, handle, since=start, until=end, token_block=token_block,
                                     refresh_days=refresh_days, full_archive=full_archive, progress=progress)
    except x_api.XApiError as exc:
        fail(f"{exc}", code=1)
    finally:
        con.close()
    console.print(f"@{handle.lstrip('@')}: {counts['fetched']} posts fetched on {counts['pages']} pages: "
                  f"{counts['new']} new, {counts['updated']} re-observed with new counts, {counts['skipped']} unchanged"
                  + (f", {counts['refreshed']} refreshed" if refresh_days else "")
                  + (f"; {counts['failed']} objects X reported as unavailable" if counts["failed"] else ""))
    for note in counts["notes"]:
        style = "bold yellow" if counts["capped_at_3200"] and "3,200" in note else "dim"
        console.print(styled("note:", style, note))
    console.print("Run `postaudit build` to update the marts.")


@import_app.command("x-archive")
def import_x_archive(
    path: Annotated[Path, typer.Argument(help="The archive zip as downloaded from X, or its unpacked folder.")],
    db: DbOption = None,
) -> None:
    """Land the posts of an official X account archive (Settings > Your account > Download an archive).

    Reads data/tweets.js (and tweets-part1.js ...; older exports: tweet.js), deleted-tweets.js and
    community-tweet.js (flagged in `posts`: deleted_at, community_id) and note-tweet.js (full text of long posts,
    matched to their post by text and time; a note matching none is reported). An edited post is one post. The
    archive reaches back to the first post, past the API's 3,200 cap. Its like and repost counts are as of the
    export (taken from manifest.js, else the file's modification time); it has no reply, quote or impression
    counts, which stay empty rather than zero. Traces of activity besides posts go to `activity_events`: each
    later version of an edited post (edit), each deletion (deleted_at), and the ads X showed the account
    (ad-impressions.js) and what it did with them (ad-engagements.js), each with its time. A malformed file stops
    the import and lands nothing; so do two files with one name, paths leaving the archive, and a member
    expanding over 100-fold (a zip bomb).
    """
    from postaudit.landing import unchanged_while_read
    from postaudit.sources import x_archive

    con = open_warehouse(db)
    try:
        with console.status(f"Reading {path}..."), unchanged_while_read(path):
            result = x_archive.import_archive(con, path)
    except InputError as exc:
        fail(f"{exc} (nothing from this archive was landed)", code=1)
    finally:
        con.close()
    from postaudit.sources.traces import describe

    console.print(f"{path}: {result['posts']} posts ({result['deleted']} deleted before the export, "
                  f"{result['community']} in Communities) and {result['notes']} long-post texts from {result['files']} "
                  f"files, {result['new_records']} new records; account {result['account_id'] or 'unknown'}; counts "
                  f"as of {result['exported_at']} ({result['exported_at_from']})")
    console.print(f"{result['ad_impressions_listed']} ad impressions and {result['ad_engagements_listed']} ad "
                  f"engagements listed; {describe(result)}")
    if result["unmatched_notes"]:
        ids = ", ".join(result["unmatched_notes"][:10])
        console.print(f"[yellow]note:[/] {len(result['unmatched_notes'])} long-post text(s) match no post of the "
                      f"archive by text and time (noteTweetId {ids}); they are kept in raw but give no post its text")
    for name, (said, read) in result["manifest_differs"].items():
        console.print(f"[yellow]note:[/] {name}: the manifest says {said} records, the file holds {read}")
    console.print("Run `postaudit build` to update the marts.")


@import_app.command("x-jsonl")
def import_x_jsonl(paths: Annotated[list[Path], typer.Argument(help="twarc2 JSONL files (plain or .gz).")],
                   db: DbOption = None,
                   recheck: Annotated[bool, typer.Option(
                       help="Read files again even when they are unchanged since they were landed.")] = False,
                   skip_bad_lines: Annotated[bool, typer.Option(
                       help="Land a file's good lines even when others are bad; each skipped line is recorded "
                            "in rejected_records.")] = False,
                   ) -> None:
    """Land X API v2 data from twarc2 JSONL, plain or gzip: response pages (`twarc2 timeline/search`), stream
    lines (`twarc2 stream/filter/sample`) or flattened posts (`twarc2 flatten`).

    A last line cut short (an interrupted stream) is reported and skipped; the rest lands. Any other bad line
    stops that file and lands none of it, unless --skip-bad-lines: then the good lines land and every skipped
    line is kept in `rejected_records` (`postaudit sql "select * from rejected_records"`).

    A file already landed whole into this warehouse, with the same path, size and modification time, is
    skipped without reading it (use --recheck to read it again)."""
    from datetime import UTC, datetime

    from postaudit import landing
    from postaudit.sources import twarc_jsonl

    def land(con, path) -> str:
        read_at = datetime.now(UTC)
        stamp = landing.file_stamp(path)  # before reading: a file rewritten meanwhile is read again next time
        if not recheck and (landed_at := landing.landed_unchanged(con, "x_jsonl", stamp)):
            return (f"already landed {landed_at:%Y-%m-%d %H:%M:%S} UTC and unchanged since (same size and "
                    "modification time): skipped; use --recheck to read it again")
        result = twarc_jsonl.land_file(con, path, skip_bad_lines=skip_bad_lines, progress=console.print)
        landing.record_landed(con, "x_jsonl", stamp, read_at, result["pages"] + result["flat_posts"])
        skipped = (f"; {len(result['skipped'])} line(s) skipped, recorded in rejected_records"
                   if result["skipped"] else "")
        posts = ("no posts in it (its lines hold no post objects: a users, counts or compliance lookup?); "
                 if result["posts"] == 0 else f"{result['posts']} posts, " if result["posts"] else "")
        return (f"{posts}{result['new_records']} new records ({result['pages']} pages or stream lines, "
                f"{result['flat_posts']} flattened posts){skipped}")

    land_each(db, paths, land)
