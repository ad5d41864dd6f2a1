"""CLI commands for the platforms beyond X: Telegram and Slack exports, any CSV/JSONL, Bluesky, Mastodon."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from postaudit.cli import NEXT_STEP as NEXT
from postaudit.cli import DbOption, collect_app, console, fail, import_app, open_warehouse, parse_when, styled
from postaudit.errors import InputError
from postaudit.sources.traces import describe


def _run_import(db, path, fn) -> dict:
    from postaudit.landing import unchanged_while_read

    con = open_warehouse(db)
    try:
        with console.status(f"Reading {path}..."), unchanged_while_read(path):
            return fn(con)
    except InputError as exc:
        console.print(styled("error:", "bold red", f"{exc} (nothing from this file was landed)"))
        raise typer.Exit(1) from None
    finally:
        con.close()


@import_app.command("telegram")
def import_telegram_cmd(
    path: Annotated[Path, typer.Argument(help="result.json of a Telegram Desktop chat export (or its folder).")],
    from_id: Annotated[str | None, typer.Option(
        "--from-id", help="For a group: the executive's from_id as in the export, e.g. user123456 (the error "
                          "lists the most active senders). Not needed for a channel.")] = None,
    tz: Annotated[str | None, typer.Option(
        help="Only for very old exports without date_unixtime: the time zone of the computer that made the "
             "export, e.g. Europe/Berlin.")] = None,
    db: DbOption = None,
) -> None:
    """Land a Telegram Desktop JSON export of one channel or group.

    Export with Telegram Desktop: open the chat, ⋮ → Export chat history, format **JSON**. Times come from
    `date_unixtime` (true UTC); `date` is the exporting machine's local clock without an offset, so
    exports too old to have `date_unixtime` need `--tz`. Forwards count as reposts, replies as replies,
    reactions as likes (absent in exports before late 2022: left unknown). Service messages are not posts.
    In a group everyone's messages go to `group_messages`; the executive's (`--from-id`) also go to `posts`.
    The executive's other traces go to `activity_events`: edits (edited_unixtime), their reactions where the
    export lists who reacted and when (reactions[].recent[], exports since 2024), pins and other service
    actions. Importing the same file again adds nothing.
    """
    from postaudit.sources.telegram import import_telegram

    out = _run_import(db, path, lambda con: import_telegram(con, path, from_id=from_id, tz=tz))
    who = "every message (a channel)" if out["executive_id"] == "*" else f"executive {out['executive_id']}"
    console.print(f"{path}: chat {out['chat_id']}, {out['messages']} messages, {who}; "
                  f"{out['new_records']} new records; {describe(out)}. {NEXT}")


@import_app.command("telegram-page")
def import_telegram_page_cmd(
    path: Annotated[Path, typer.Argument(help="A public t.me page of the group or channel, saved as HTML.")],
    chat_id: Annotated[str | None, typer.Option(
        "--chat-id", help="The chat's id as in its Telegram export. Default: the export with the page's title.")] = None,
    db: DbOption = None,
) -> None:
    """Land a group's or channel's member count from its saved public page (https://t.me/NAME).

    Telegram Desktop exports hold no member count; the public page does ("352 104 members, 4 120 online").
    Save the page while logged out; the file's modification time is taken as when the count was seen.
    Claims about the group's size are judged against it.
    """
    from postaudit.sources.telegram_page import import_telegram_page

    out = _run_import(db, path, lambda con: import_telegram_page(con, path, chat_id=chat_id))
    console.print(f"{path}: chat {out['chat_id']} ({out['title']}), {out['count_members']:,} members; "
                  f"{out['new_records']} new records. {NEXT}")


@import_app.command("slack")
def import_slack_cmd(
    path: Annotated[Path, typer.Argument(help="An unpacked Slack workspace export folder, or its .zip.")],
    user: Annotated[str | None, typer.Option(
        help="The executive: a Slack user id (U0123ABC) or user name from users.json (the error lists the "
             "most active posters).")] = None,
    db: DbOption = None,
) -> None:
    """Land a Slack workspace export (channels.json, users.json, one folder per channel, one file per day).

    `ts` is both the time and the message id and is kept exactly. A message with `thread_ts` different from
    its `ts` is a reply; reactions are summed as likes; joins, bot posts and other events are not posts.
    Everyone's messages go to `group_messages`; the executive's (`--user`) also go to `posts`. The executive's
    other traces go to `activity_events`: edits (edited.ts), pins, joins and topic changes, and thread replies
    a thread lists but the export left out. Their reactions have no time in an export (reactions[].users only):
    they are counted nowhere and recorded in rejected_records. Importing the same export again adds nothing.
    """
    from postaudit.sources.slack import import_slack

    out = _run_import(db, path, lambda con: import_slack(con, path, user=user))
    console.print(f"{path}: {out['channels']} channels, {out['records']} records, executive {out['executive_id']}; "
                  f"{out['new_records']} new records; {describe(out)}. {NEXT}")


MAP_HELP = (
    "Which column holds what, as FIELD=COLUMN pairs separated by commas, e.g. "
    "--map 'time=Sent,text=Body,likes=Likes'. time is required; fields: "
    "time, text, id, kind (original|reply|quote|repost), account, reply_to, lang, likes, replies, reposts, "
    "quotes, views. Column names may contain spaces (quote the whole option).")


@import_app.command("table")
def import_table_cmd(
    path: Annotated[Path, typer.Argument(help="A .csv, .tsv, .jsonl or .ndjson file with one post per row.")],
    map_: Annotated[str, typer.Option("--map", help=MAP_HELP)],
    platform: Annotated[str, typer.Option(help="Platform name for these posts, e.g. wechat or linkedin.")],
    account: Annotated[str | None, typer.Option(
        help="Whose posts these are, when no column says so (--map account=COLUMN).")] = None,
    tz: Annotated[str | None, typer.Option(
        help="Time zone of times written without an offset, e.g. Europe/Berlin. Without it such times are "
             "refused.")] = None,
    time_format: Annotated[str | None, typer.Option(
        help="How the time column is written, as a strftime pattern, e.g. '%d/%m/%Y %H:%M' for 03/03/2025 07:42 "
             "(%z or %Z if it carries a zone, else give --tz). Read by DuckDB's strptime; every row must match.",
        show_default=False)] = None,
    db: DbOption = None,
) -> None:
    """Land posts from any other platform: a CSV or JSONL file plus a column mapping.

    Times: ISO 8601 with an offset (2024-03-01T09:30:00+01:00 or ...Z), or Unix epoch seconds (13 digits are
    read as milliseconds), or any layout you describe with `--time-format`. A time without an offset is
    refused, naming the file, row and column, unless you state its zone with `--tz`. Every row is checked
    before anything lands.

    Example (a WeChat chat export, times local to Shanghai):

        postaudit import table chat.csv --platform wechat --account ceo_wxid
            --map 'time=StrTime,text=StrContent,id=MsgSvrID' --tz Asia/Shanghai

    Example (day first, no seconds: 03/03/2025 07:42, local to Berlin):

        postaudit import table posts.csv --platform linkedin --account jane
            --map 'time=Date,text=Post' --time-format '%d/%m/%Y %H:%M' --tz Europe/Berlin
    """
    from postaudit.sources.table_import import import_table, parse_mapping

    try:
        mapping = parse_mapping(map_)
    except InputError as exc:
        fail(str(exc))
    out = _run_import(db, path, lambda con: import_table(con, path, mapping, platform=platform, account=account,
                                                          tz=tz, time_format=time_format))
    console.print(f"{path}: {out['rows']} rows as {platform} posts; {out['new_records']} new records. {NEXT}")


def _run_collect(db, label: str, fn, errors: tuple[type[Exception], ...]) -> dict:
    con = open_warehouse(db)
    try:
        with console.status(f"{label}...") as status:
            return fn(con, lambda msg: status.update(f"{label}: {msg}"))
    except errors as exc:
        fail(str(exc) if getattr(exc, "kept", False) else f"{exc} (nothing was landed)", code=1)
    finally:
        con.close()


@collect_app.command("bluesky")
def collect_bluesky_cmd(
    handle: Annotated[str, typer.Argument(help="Handle or DID, e.g. jay.bsky.team or did:plc:....")],
    base_url: Annotated[str | None, typer.Option(
        help="XRPC base URL of a public AppView. Default: https://public.api.bsky.app/xrpc")] = None,
    plc_url: Annotated[str | None, typer.Option(
        help="The PLC directory that resolves did:plc to the account's PDS. Default: https://plc.directory")] = None,
    since: Annotated[str | None, typer.Option(help="Stop paging once posts are older than this (UTC date).")] = None,
    traces: Annotated[bool, typer.Option(help="Also collect the account's likes and reposts (its repository's "
                                              "app.bsky.feed.like and app.bsky.feed.repost records).")] = True,
    db: DbOption = None,
) -> None:
    """Collect a Bluesky account's complete post history, its reposts, likes and follower counts (no login).

    The posts come from the account's own repository (com.atproto.repo.listRecords on its PDS, found through
    its DID document): the AppView's getAuthorFeed misses some. Counts come from the public AppView:
    getAuthorFeed pages (which also hold the reposts) and app.bsky.feed.getPosts for posts the feed did not
    show. A repost is timed when the executive reposted (reason.indexedAt), not when the original was written.
    Likes and repost records (timed by their createdAt) go to `activity_events`; they land page by page with a
    cursor, so an interrupted run resumes where it stopped, and the next run fetches only newer ones.
    """
    from postaudit.sources import bluesky

    when = parse_when(since, "--since")
    out = _run_collect(db, f"Bluesky {handle}", lambda con, progress: bluesky.collect_bluesky(
        con, handle, base_url=base_url or bluesky.DEFAULT_BASE_URL, plc_url=plc_url or bluesky.DEFAULT_PLC_URL,
        since=when, progress=progress, with_traces=traces), (bluesky.BlueskyError,))
    console.print(f"Bluesky {out['actor']} ({out['did']}): {out['feed_items']} feed items on {out['pages']} pages, "
                  f"{out['new_pages']} new; {out['records']} posts in the repository ({out['not_in_feed']} not in "
                  f"the feed); {out['followers']} followers.")
    if traces:
        fetched = ", ".join(f"{out[c]['records']} {c.rsplit('.', 1)[1]} records on {out[c]['pages']} pages"
                            for c in bluesky.TRACE_COLLECTIONS)
        console.print(f"Fetched {fetched}; all known {describe(out)}.")
    console.print(NEXT)


@collect_app.command("mastodon")
def collect_mastodon_cmd(
    acct: Annotated[str, typer.Argument(help="The account as @user@server, e.g. @Gargron@mastodon.social.")],
    base_url: Annotated[str | None, typer.Option(
        help="The server's base URL when it differs from the handle's domain. Default: https://<server>")] = None,
    since: Annotated[str | None, typer.Option(help="Stop paging once posts are older than this (UTC date).")] = None,
    db: DbOption = None,
) -> None:
    """Collect a Mastodon account's statuses and follower counts from its home server (no login).

    Uses /api/v1/accounts/lookup and /api/v1/accounts/:id/statuses (40 per page, Link-header paging).
    Honours X-RateLimit-Remaining/Reset (300 requests per 5 minutes): waits for the reset when the
    budget runs out. Counts are as the queried server sees them, hence the home server.
    """
    from postaudit.sources import mastodon

    when = parse_when(since, "--since")
    out = _run_collect(db, f"Mastodon {acct}", lambda con, progress: mastodon.collect_mastodon(
        con, acct, base_url=base_url, since=when, progress=progress), (mastodon.MastodonError,))
    waited = f"; waited {out['rate_limit_wait_s']:.0f} s for rate limits" if out["rate_limit_wait_s"] else ""
    console.print(f"Mastodon {out['acct']}: {out['statuses']} statuses on {out['pages']} pages, {out['new_pages']} "
                  f"new; {out['followers']} followers{waited}. {NEXT}")
