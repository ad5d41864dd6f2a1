"""Every source postaudit reads, described once; the rest of the tree is derived from these descriptions.

A source is one way data comes in (an API, an export file, the simulator). Its description says what it lands
(raw tables), how its audits.toml entry is checked and turned into fetch jobs, what a job calls, which API limit
it holds, which staging views carry its posts and account observations, its CLI command, and how to link to a
post. Derived from it: the raw tables' DDL (`warehouse.raw_ddl`), the audits file's fields (`audits`), what a
fetch job runs (`flows/_fetch.py`), the union views `stg_posts`, `stg_account_observations` and
`stg_activity_events` (traces other than posts: likes, edits, ad impressions ...), the CLI command modules, the
Prefect global concurrency limits, the dashboard's post links. README "Adding a source" says how to add one.

Nothing heavy is imported here: entry points are "module:function" names resolved when a job runs.
"""

from __future__ import annotations

import hashlib
import pkgutil
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from postaudit import checks
from postaudit.checks import AuditsError

Kind = Literal["file", "api", "stateful", "simulated"]
Collects = Literal["posts", "press"]


# ---------------------------------------------------------------- raw tables

@dataclass(frozen=True)
class RawTable:
    """A raw table: payloads exactly as they arrived, one row each; every raw table has warehouse.RAW_COLUMNS."""

    name: str
    grain: str                                   # "one row per ..."
    origin: str = "file path or request URL, never with credentials"
    retrieved_at: str = "when the source served it"
    record_key: str | None = None                # what the key holds, when the source sets one
    notes: tuple[str, ...] = ()                  # further header lines


RAW_TABLES: dict[str, RawTable] = {t.name: t for t in (
    RawTable("raw_x_pages", "one row per X API v2 response page as it arrived (API, twarc2 JSONL or the simulator): "
             "{data, includes, meta}"),
    RawTable("raw_x_users", "one row per X API v2 user lookup response (get_user by username) as it arrived: "
             "{data: {public_metrics, ...}}",
             origin="request URL, never with credentials (the token travels in a header)",
             retrieved_at="when the API answered", record_key="handle@request time: every lookup is its own observation",
             notes=("Landed on every `collect x` run so account_snapshots gets a row per run; identical responses "
                    "land once.",)),
    RawTable("raw_x_flat_tweets", "one row per line of a `twarc2 flatten` file: one X API v2 post with `author`, "
             "`__twarc` and referenced posts inlined", origin="file path",
             retrieved_at="twarc's __twarc.retrieved_at when present, else import time"),
    RawTable("raw_x_archive_tweets", "one row per object of an official X account archive: {\"tweet\": {...}} from "
             "tweets.js / tweet.js and their parts, or {\"noteTweet\": {...}} from note-tweet.js (the full text of "
             "posts over 280 characters), exactly as exported", origin="archive path and the file inside it",
             retrieved_at="when the archive was generated (manifest generationDate, else file mtime)",
             record_key="the archive owner's account id (posts in the archive do not carry it)"),
    RawTable("raw_x_archive_ads", "one row per object of an official X account archive's ad-impressions.js or "
             "ad-engagements.js (and their parts), exactly as exported: {\"ad\": {\"adsUserData\": "
             "{\"adImpressions\": {\"impressions\": [...]}}}} or the same with adEngagements.engagements",
             origin="archive path and the file inside it",
             retrieved_at="when the archive was generated (manifest generationDate, else file mtime)",
             record_key="the archive owner's account id (the ads were shown to that account)"),
    RawTable("raw_bluesky_feed_pages", "one row per app.bsky.feed.getAuthorFeed response page as served: {feed, cursor}",
             retrieved_at="when the source served it (request time)", record_key="the actor's DID"),
    RawTable("raw_bluesky_records", "one row per com.atproto.repo.listRecords response page as served by the actor's "
             "PDS: {records: [{uri, cid, value}], cursor}; every collection (app.bsky.feed.post, app.bsky.feed.like, "
             "app.bsky.feed.repost) lands here",
             retrieved_at="when the source served it (request time)", record_key="the repository's DID"),
    RawTable("raw_bluesky_post_views", "one row per app.bsky.feed.getPosts response as served by the AppView: "
             "{posts: [postView with counts]}", retrieved_at="when the source served it (request time)",
             record_key="the DID of the actor whose posts were asked for"),
    RawTable("raw_bluesky_profiles", "one row per app.bsky.actor.getProfile response as served (followers, follows, "
             "posts counts)", retrieved_at="when the source served it (request time)", record_key="the actor's DID"),
    RawTable("raw_mastodon_pages", "one row per GET /api/v1/accounts/:id/statuses response page as served: a JSON "
             "array of statuses", retrieved_at="when the source served it (request time)",
             record_key="the account as user@domain; ids in the payload are local to that home server"),
    RawTable("raw_mastodon_accounts", "one row per GET /api/v1/accounts/lookup response as served (followers_count "
             "etc.)", retrieved_at="when the source served it (request time)", record_key="the account as user@domain"),
    RawTable("raw_telegram_messages", "one row per message (or service message) of a Telegram Desktop export, as "
             "exported", retrieved_at="when the source served it (exports: the file's modification time)",
             record_key="JSON {chat_id, chat_type, executive_id (\"*\" = every sender, a channel), tz (old exports "
                        "only)}"),
    RawTable("raw_chat_listings", "one row per chat as a source lists it: a Telegram export's header, a Slack "
             "export's conversation list entry, a saved public t.me page",
             retrieved_at="when the source showed it (files: their modification time)",
             record_key="JSON {platform, chat_id}",
             notes=("payload as listed: Slack's channels.json entry; Telegram's {id, name, type}; a t.me page's "
                    "{url, title, extra} (\"352 104 members, 4 120 online\")",)),
    RawTable("raw_slack_messages", "one row per message of a Slack workspace export day file, as exported",
             retrieved_at="when the source served it (exports: the day file's modification time)",
             record_key="JSON {channel_id, executive_id}"),
    RawTable("raw_table_rows", "one row per row of a user's CSV or JSONL file (CSV rows as a JSON object of header "
             "→ text; JSONL lines as written)", retrieved_at="when the source served it (the file's modification time)",
             record_key="JSON {platform, map (field → column), tz, account}"),
    RawTable("raw_press_items", "one row per press item as it arrived (RSS/Atom entry, GDELT record or an imported "
             "article file)"),
    RawTable("raw_press_pages", "one row per article page as fetched or imported from a file: payload = {\"url\", "
             "\"final_url\", \"content_type\", \"html\" (the page as served, decoded), \"extracted\": {title, author, "
             "date, sitename, language, text} from trafilatura at landing time, \"notes\": what was missing or odd}",
             origin="page URL or file path, never with credentials"),
    RawTable("raw_gdelt_artlist", "one row per GDELT DOC 2.0 API response (mode=artlist: up to 250 articles for one "
             "query and time window), payload = {\"request\": the query parameters, \"response\": the JSON as served}",
             origin="request URL (GDELT needs no credentials)"),
    RawTable("raw_gdelt_timeline", "one row per GDELT DOC 2.0 API response (mode=timelinevolraw: matching article "
             "counts per time step, with GDELT's total as norm), payload = {\"request\": the query parameters, "
             "\"response\": the JSON as served}", origin="request URL (GDELT needs no credentials)"),
    RawTable("raw_sim_ground_truth", "one row per simulated platform session: what the simulated executive really "
             "did, reading included (simulated data only)"),
    RawTable("raw_sim_traces", "one row per SIMULATED trace of activity besides posts (a like, an ad impression) "
             "inside a simulated session: {platform, account_id, kind, occurred_at, target_id, session, simulated} "
             "(simulated data only)", origin="the simulator's traces.jsonl",
             retrieved_at="when the simulator wrote it"),
)}


# ---------------------------------------------------------------- platforms (how to link to a post)

def _x_url(post_id: str, account_id: str | None) -> str | None:
    return f"https://x.com/i/web/status/{post_id}"


def _bluesky_url(post_id: str, account_id: str | None) -> str | None:
    if not post_id.startswith("at://"):
        return None
    did, _, rkey = post_id.removeprefix("at://").partition("/app.bsky.feed.post/")
    return f"https://bsky.app/profile/{did}/post/{rkey}" if rkey else None


# platform -> the public web address of a post, where the platform's ids alone make one (Telegram and Slack
# need the chat's public name or the workspace domain, which exports do not always carry).
POST_URLS: dict[str, Callable[[str, str | None], str | None]] = {"x": _x_url, "bluesky": _bluesky_url}


def post_url(platform: str, post_id: str, account_id: str | None = None) -> str | None:
    """The public web address of a post, or None where its ids alone do not make one."""
    make = POST_URLS.get(platform)
    return make(post_id, account_id) if make else None


# ---------------------------------------------------------------- jobs

@dataclass(frozen=True)
class Job:
    """One fetch: a source for one account or feed of one executive. Picklable, so Dask can ship it."""

    executive: str
    kind: str            # posts | press
    source: str          # a registered source name: x_api, x_jsonl, telegram, rss_file, ...
    target: str          # handle, actor, path, URL or query (several URLs or paths: one per line)
    options: tuple[tuple[str, object], ...] = ()
    is_simulated: bool = False

    @property
    def api(self) -> str | None:
        """The global concurrency limit this job must hold, None for local files."""
        return SOURCES[self.source].api_limit if self.source in SOURCES else None

    @property
    def key(self) -> str:
        """A short stable name for files and logs."""
        digest = hashlib.sha256(f"{self.source}\0{self.target}\0{self.options}".encode()).hexdigest()[:10]
        return f"{self.executive}-{self.source}-{digest}"

    def opt(self, name: str, default=None):
        return dict(self.options).get(name, default)


@dataclass(frozen=True)
class JobContext:
    """What a source's job maker may read besides its own audits entries."""

    executive: Any             # an audits.Executive (not imported: audits builds on this module)
    lookback_days: int
    refresh_days: int


@dataclass(frozen=True)
class FetchContext:
    """What one fetch job's call may use besides the job: its window, run id, progress and secrets."""

    since: datetime            # from the last successful fetch less refresh_days, else now less lookback_days
    until: datetime            # now
    run_id: str
    progress: Callable[[str], None] | None = None
    secrets: Mapping[str, str] | None = None

    def x_token(self) -> str:
        """The X bearer token: the task's Secret block, else X_BEARER_TOKEN; read here, never passed around."""
        from postaudit import settings

        token = (self.secrets or {}).get("x_bearer_token") or settings.load().x_bearer_token
        if not token:
            raise RuntimeError("no X bearer token: create the Secret block named by x_bearer_token_block "
                               "(default x-bearer-token) or set X_BEARER_TOKEN")
        return token


Call = tuple[tuple, dict]


# ---------------------------------------------------------------- audits.toml fields

@dataclass(frozen=True)
class AuditsField:
    """A field of [executive.accounts] or [executive.press]: how its value is checked, and an example value."""

    section: Literal["accounts", "press"]
    key: str
    # (value, where, folder of the file) -> entries; or "module:function" naming one, when it lives in a
    # source module that the registry must not import
    parse: Callable[[object, str, Path], tuple] | str
    example: str                                     # a TOML value, for docs and tests
    help: str

    def check(self, value, where: str, base: Path) -> tuple:
        """The field's entries, checked; AuditsError names the file and the field."""
        parse = pkgutil.resolve_name(self.parse) if isinstance(self.parse, str) else self.parse
        return parse(value, where, base)


def _names(value, where: str, base: Path) -> tuple[str, ...]:
    names = _list(value, where)
    for j, n in enumerate(names):
        if not n.strip() or " " in n:
            raise AuditsError(f"{where}[{j}]: {n!r} is not an account name")
    return tuple(names)


def _x_handles(value, where: str, base: Path) -> tuple[str, ...]:
    return tuple(n.removeprefix("@") for n in _names(value, where, base))


def _mastodon_accounts(value, where: str, base: Path) -> tuple[str, ...]:
    names = _names(value, where, base)
    for j, n in enumerate(names):
        if n.lstrip("@").count("@") != 1:
            raise AuditsError(f"{where}[{j}]: {n!r} must look like user@server")
    return names


def _list(value, where: str) -> list[str]:
    parent, _, key = where.rpartition(".")
    return checks.strings({key: value} if value is not None else {}, key, parent)


def _paths(value, where: str, base: Path) -> tuple[str, ...]:
    return tuple(checks.resolve(base, p) for p in _list(value, where))


def _urls_or_paths(value, where: str, base: Path) -> tuple[str, ...]:
    return tuple(v if checks.is_url(v) else checks.resolve(base, v) for v in _list(value, where))


def _texts(value, where: str, base: Path) -> tuple[str, ...]:
    return tuple(_list(value, where))


def export_entries(fields: dict[str, bool], example: str) -> Callable[[object, str, Path], tuple]:
    """Entries that are a path or { path = ..., field = ... } tables; fields maps each field to whether it is required."""

    def parse(value, where: str, base: Path) -> tuple:
        items = [] if value is None else value
        if not isinstance(items, list):
            raise AuditsError(f"{where}: expected a list of {example} tables")
        out = []
        for j, item in enumerate(items):
            iw = f"{where}[{j}]"
            if isinstance(item, str):
                item = {"path": item}
            if not isinstance(item, dict):
                raise AuditsError(f"{iw}: expected a path or {example}")
            checks.only(item, {"path", *fields}, iw)
            row = {"path": checks.resolve(base, checks.string(item, "path", iw))}
            for name, required in fields.items():
                row[name] = checks.string(item, name, iw) if required else checks.string(item, name, iw, None)
            out.append(tuple(row.items()))
        return tuple(out)

    return parse


# ---------------------------------------------------------------- the sources

@dataclass(frozen=True)
class Source:
    """One way data comes in; see the module docstring for what is derived from it."""

    name: str
    collects: Collects
    platform: str | None          # the posts' platform (None for press)
    kind: Kind                    # file: re-read only when changed; api: no state; stateful: keeps state between
                                  # runs (cursors, last fetch); simulated: generated, labelled simulated
    raw_tables: tuple[str, ...]
    cli: str                      # the command that runs it by hand
    cli_module: str               # the module that registers that command
    entry: str | None = None      # "module:function" taking (con, ...) that lands it; None: `reader` or simulated
    arguments: Callable[[Job, FetchContext], Call] | None = None
    reader: str | None = None     # "module:function" yielding a file's raw records (for its first raw table)
                                  # or (raw table, record) pairs, streamed into a batch; one taking `skipped`
                                  # lists the lines it left out, which reach rejected_records
    label: str | None = None      # provenance `source` of streamed records (default: the source name)
    api_limit: str | None = None  # the Prefect global concurrency limit it holds
    secret: str | None = None     # the secret its calls need, read inside the task (never a parameter)
    limits: str = ""              # what the API allows, in words
    audits: AuditsField | None = None
    jobs: Callable[[tuple, JobContext], list[tuple[str, tuple]]] | None = None   # entries -> (target, options)
    posts_view: str | None = None          # staging view in the stg_posts contract
    observation_views: tuple[str, ...] = ()   # staging views in the stg_account_observations contract
    messages_view: str | None = None       # a chat's messages from every sender, in the stg_chat_messages contract
    trace_views: tuple[str, ...] = ()      # staging views in the stg_activity_events contract: its traces other
                                           # than posts (likes, edits, ad impressions, reactions ...)
    press_view: str | None = None          # where stg_press_items reads it

    def entry_point(self) -> Callable:
        """The function a job calls, or SourceUnavailable naming what is missing."""
        try:
            return pkgutil.resolve_name(self.entry)
        except (ImportError, AttributeError, ValueError):
            raise SourceUnavailable(f"source {self.name!r} is not available yet: {self.entry} is missing") from None

    def read(self) -> Callable:
        """The file reader of a streamed source."""
        return pkgutil.resolve_name(self.reader)


class SourceUnavailable(RuntimeError):
    """A source's module is not in this installation (or no source has that name)."""


def _each(options: Callable[[JobContext], tuple] | None = None, *, keep: Callable[[str], bool] | None = None):
    """One job per entry (optionally only entries `keep` accepts), each with the same options."""

    def jobs(entries: tuple, ctx: JobContext) -> list[tuple[str, tuple]]:
        opts = options(ctx) if options else ()
        return [(e, opts) for e in entries if keep is None or keep(e)]

    return jobs


def _one_job(keep: Callable[[str], bool]):
    """All entries `keep` accepts as one job (one per line), so one run fetches them in one pass."""

    def jobs(entries: tuple, ctx: JobContext) -> list[tuple[str, tuple]]:
        chosen = [e for e in entries if keep(e)]
        return [("\n".join(chosen), ())] if chosen else []

    return jobs


def _export_jobs(who: str):
    def jobs(entries: tuple, ctx: JobContext) -> list[tuple[str, tuple]]:
        return [(dict(e)["path"], ((who, dict(e)[who]),)) for e in entries]

    return jobs


def _table_jobs(entries: tuple, ctx: JobContext) -> list[tuple[str, tuple]]:
    return [(dict(e)["path"], tuple((k, v) for k, v in e if k != "path")) for e in entries]


def _gdelt_jobs(entries: tuple, ctx: JobContext) -> list[tuple[str, tuple]]:
    e = ctx.executive
    if not e.gdelt:
        return []
    return [(q, (("lookback_days", ctx.lookback_days),)) for q in (entries or (e.query(),))]


def _simulated_jobs(entries: tuple, ctx: JobContext) -> list[tuple[str, tuple]]:
    e = ctx.executive
    return [(e.id, tuple(sorted({**e.simulated, "name": e.name}.items())))] if e.is_simulated else []


def _progress(ctx: FetchContext) -> dict:
    return {"flow_run_id": ctx.run_id, "progress": ctx.progress}


def _x_api_call(job: Job, ctx: FetchContext) -> Call:
    return (job.target,), {"since": ctx.since, "until": ctx.until, "token": ctx.x_token(),
                           "refresh_days": int(job.opt("refresh_days", 3)), **_progress(ctx)}


def _since_call(job: Job, ctx: FetchContext) -> Call:
    return (job.target,), {"since": ctx.since, **_progress(ctx)}


def _window_call(job: Job, ctx: FetchContext) -> Call:
    return (job.target, ctx.since, ctx.until), _progress(ctx)


def _lines_call(job: Job, ctx: FetchContext) -> Call:
    return (job.target.split("\n"),), _progress(ctx)


def _path_call(*options: str):
    def call(job: Job, ctx: FetchContext) -> Call:
        return (job.target,), {**{o: job.opt(o) for o in options}, "flow_run_id": ctx.run_id}

    return call


def _table_call(job: Job, ctx: FetchContext) -> Call:
    return (job.target, job.opt("map")), {"platform": job.opt("platform"), "account": job.opt("account"),
                                          "tz": job.opt("tz"), "flow_run_id": ctx.run_id}


_FEEDS = AuditsField("press", "feeds", _urls_or_paths, '["https://example.com/business/rss.xml", "saved/feed.xml"]',
                     "RSS/Atom feed URLs (fetched with conditional GET) or saved feed files")
_ARTICLES = AuditsField("press", "articles", _urls_or_paths, '["https://example.com/2025/09/01/interview", '
                        '"saved/interview.html"]', "article pages to read in full: URLs, or saved .html/.txt files")

# every post source's edits (a later version's own time) and deletions, read from stg_posts
_POST_TRACES = ("stg_post_traces",)

_SOURCE_LIST = (
    Source("simulated", "posts", "x", "simulated", ("raw_x_pages", "raw_sim_ground_truth", "raw_sim_traces"),
           "postaudit demo", "postaudit.cli", jobs=_simulated_jobs, posts_view="stg_x_posts",
           observation_views=("stg_x_users",), trace_views=(*_POST_TRACES, "stg_sim_traces")),
    Source("x_api", "posts", "x", "stateful", ("raw_x_pages", "raw_x_users"), "postaudit collect x",
           "postaudit.cli_x", entry="postaudit.sources.x_api:collect_x", arguments=_x_api_call, api_limit="x-api",
           secret="x_bearer_token",
           limits="user timeline: 100 posts a page, the newest 3,200 posts only; full-archive search 1 request/s; "
                  "15-minute rate-limit windows (x-rate-limit-reset)",
           audits=AuditsField("accounts", "x", _x_handles, '["janedoe"]', "X handles, via the X API v2 (needs the "
                              "bearer token)"),
           jobs=_each(lambda c: (("lookback_days", c.lookback_days), ("refresh_days", c.refresh_days))),
           posts_view="stg_x_posts", observation_views=("stg_x_users", "stg_x_user_lookups"),
           trace_views=_POST_TRACES),
    Source("x_jsonl", "posts", "x", "file", ("raw_x_pages", "raw_x_flat_tweets"), "postaudit import x-jsonl",
           "postaudit.cli_x", reader="postaudit.sources.twarc_jsonl:fetch_records", label="twarc_jsonl",
           audits=AuditsField("accounts", "x_jsonl", _paths, '["exports/janedoe-twarc.jsonl"]',
                              "twarc2 JSONL files you already have"),
           jobs=_each(), posts_view="stg_x_posts", observation_views=("stg_x_users",), trace_views=_POST_TRACES),
    Source("x_archive", "posts", "x", "file", ("raw_x_archive_tweets", "raw_x_archive_ads"), "postaudit import x-archive",
           "postaudit.cli_x", entry="postaudit.sources.x_archive:import_archive", arguments=_path_call(),
           audits=AuditsField("accounts", "x_archive", _paths, '["exports/twitter-archive-janedoe.zip"]',
                              "official X account archives (zip or folder)"),
           jobs=_each(), posts_view="stg_x_archive_posts", trace_views=(*_POST_TRACES, "stg_x_archive_ads")),
    Source("bluesky", "posts", "bluesky", "stateful", ("raw_bluesky_feed_pages", "raw_bluesky_records",
                                                      "raw_bluesky_post_views", "raw_bluesky_profiles"),
           "postaudit collect bluesky", "postaudit.cli_platforms", entry="postaudit.sources.bluesky:collect_bluesky",
           arguments=_since_call, api_limit="bluesky-api",
           limits="public AppView: getAuthorFeed 100 items a page, getPosts 25 posts; the PDS: listRecords 100 "
                  "records a page; about 3,000 requests per 5 minutes per IP (RateLimit-Reset)",
           audits=AuditsField("accounts", "bluesky", _names, '["janedoe.bsky.social"]', "Bluesky handles or DIDs"),
           jobs=_each(lambda c: (("lookback_days", c.lookback_days),)), posts_view="stg_bluesky_posts",
           observation_views=("stg_bluesky_profiles",), trace_views=("stg_bluesky_traces",)),
    Source("mastodon", "posts", "mastodon", "stateful", ("raw_mastodon_pages", "raw_mastodon_accounts"),
           "postaudit collect mastodon", "postaudit.cli_platforms",
           entry="postaudit.sources.mastodon:collect_mastodon", arguments=_since_call, api_limit="mastodon-api",
           limits="the home server: 40 statuses a page; 300 requests per 5 minutes per IP (X-RateLimit-Reset)",
           audits=AuditsField("accounts", "mastodon", _mastodon_accounts, '["janedoe@mastodon.social"]',
                              "Mastodon accounts as user@server, read from their home server"),
           jobs=_each(lambda c: (("lookback_days", c.lookback_days),)), posts_view="stg_mastodon_posts",
           observation_views=("stg_mastodon_accounts",), trace_views=_POST_TRACES),
    Source("telegram", "posts", "telegram", "file", ("raw_telegram_messages", "raw_chat_listings"),
           "postaudit import telegram",
           "postaudit.cli_platforms", entry="postaudit.sources.telegram:import_telegram",
           arguments=_path_call("from_id"),
           audits=AuditsField("accounts", "telegram", export_entries({"from_id": False}, "{ path = ..., from_id = ... }"),
                              '[{ path = "exports/telegram/result.json", from_id = "user123456" }]',
                              "Telegram Desktop JSON exports; from_id names the executive in a group"),
           jobs=_export_jobs("from_id"), posts_view="stg_chat_posts", messages_view="stg_telegram_messages",
           trace_views=("stg_telegram_traces",)),
    Source("slack", "posts", "slack", "file", ("raw_slack_messages", "raw_chat_listings"),
           "postaudit import slack",
           "postaudit.cli_platforms", entry="postaudit.sources.slack:import_slack", arguments=_path_call("user"),
           audits=AuditsField("accounts", "slack", export_entries({"user": False}, "{ path = ..., user = ... }"),
                              '[{ path = "exports/slack-export.zip", user = "U0123ABCD" }]',
                              "Slack workspace exports; user is the executive's Slack id or name"),
           jobs=_export_jobs("user"), posts_view="stg_chat_posts", messages_view="stg_slack_messages",
           trace_views=("stg_slack_traces",)),
    Source("table", "posts", None, "file", ("raw_table_rows",), "postaudit import table",
           "postaudit.cli_platforms", entry="postaudit.sources.table_import:import_table", arguments=_table_call,
           audits=AuditsField("accounts", "table", "postaudit.sources.table_import:audits_entries",
                              '[{ path = "exports/wechat.csv", platform = "wechat", account = "ceo_wxid", '
                              'map = "time=StrTime,text=StrContent,id=MsgSvrID", tz = "Asia/Shanghai" }]',
                              "CSV or JSONL posts of any other platform, with the column mapping of "
                              "`postaudit import table --map`"),
           jobs=_table_jobs, posts_view="stg_table_posts"),
    Source("simulated_press", "press", None, "simulated", ("raw_press_items",), "postaudit demo", "postaudit.cli",
           jobs=_simulated_jobs, press_view="stg_press_items"),
    Source("rss_feed", "press", None, "stateful", ("raw_press_items",), "postaudit collect press --feeds",
           "postaudit.cli_press", entry="postaudit.sources.press_rss:collect_feeds", arguments=_lines_call,
           api_limit="feeds", limits="conditional GET (ETag, Last-Modified); 1 s between requests to one host",
           audits=_FEEDS, jobs=_each(keep=checks.is_url), press_view="stg_press_items"),
    Source("rss_file", "press", None, "file", ("raw_press_items",), "postaudit import rss", "postaudit.cli",
           reader="postaudit.sources.press_rss:fetch_file", audits=_FEEDS,
           jobs=_each(keep=lambda e: not checks.is_url(e)), press_view="stg_press_items"),
    Source("gdelt", "press", None, "stateful", ("raw_gdelt_artlist", "raw_gdelt_timeline"),
           "postaudit collect press -q", "postaudit.cli_press", entry="postaudit.sources.press_gdelt:collect_gdelt",
           arguments=_window_call, api_limit="gdelt-api",
           limits="DOC 2.0 API: 250 articles a call, about the last three months; one request per 5 s",
           audits=AuditsField("press", "queries", _texts, '[\'"Jane Doe" sourcelang:german\']',
                              "GDELT queries instead of the one built from the name and aliases (gdelt = false: "
                              "none)"),
           jobs=_gdelt_jobs, press_view="stg_press_items"),
    Source("articles", "press", None, "stateful", ("raw_press_pages",), "postaudit collect press --fetch-articles",
           "postaudit.cli_press", entry="postaudit.sources.articles:collect_articles", arguments=_lines_call,
           api_limit="feeds", limits="article pages: 2 s between requests to one site, 5 MB at most",
           audits=_ARTICLES, jobs=_one_job(checks.is_url), press_view="stg_press_items"),
    Source("article_file", "press", None, "file", ("raw_press_pages",), "postaudit import article",
           "postaudit.cli_press", entry="postaudit.sources.articles:import_article_files", arguments=_lines_call,
           audits=_ARTICLES, jobs=_one_job(lambda e: not checks.is_url(e)), press_view="stg_press_items"),
)
SOURCES: dict[str, Source] = {s.name: s for s in _SOURCE_LIST}


def get(name: str) -> Source:
    """The source of that name, or SourceUnavailable."""
    try:
        return SOURCES[name]
    except KeyError:
        raise SourceUnavailable(f"unknown source {name!r} (known: {', '.join(SOURCES)})") from None


def register(source: Source) -> None:
    """Add (or replace) a source at run time, e.g. one a plug-in module describes."""
    SOURCES[source.name] = source


def sources(collects: Collects | None = None) -> Iterator[Source]:
    """The registered sources, in registration order (optionally only posts or press)."""
    return (s for s in SOURCES.values() if collects is None or s.collects == collects)


def audits_fields(section: str) -> dict[str, AuditsField]:
    """The fields of [executive.<section>] (accounts or press), by key."""
    return {s.audits.key: s.audits for s in SOURCES.values() if s.audits and s.audits.section == section}


def api_limits() -> dict[str, str]:
    """Source name -> the global concurrency limit its jobs hold."""
    return {s.name: s.api_limit for s in SOURCES.values() if s.api_limit}


def file_sources() -> frozenset[str]:
    """Sources that read a local file or folder (skipped while it is unchanged since their last read)."""
    return frozenset(s.name for s in SOURCES.values() if s.kind == "file")


def command_modules() -> tuple[str, ...]:
    """The CLI modules that register the sources' commands (besides postaudit.cli itself)."""
    return tuple(dict.fromkeys(s.cli_module for s in SOURCES.values() if s.cli_module != "postaudit.cli"))


# ---------------------------------------------------------------- derived staging SQL

def _union(views: list[str], grain: str) -> str:
    body = "\n    union all by name ".join(f"select * from {v}" for v in views) or "select null::varchar as platform where false"
    return (f"-- {grain}\n-- Derived from the source registry (postaudit/registry.py): one line per source's view.\n"
            f"with unioned as (\n    {body}\n),\n\nfinal as (\n    select * from unioned\n)\n\nselect * from final\n")


def post_views() -> list[str]:
    """The staging views in the stg_posts contract, one per kind of source, in registry order."""
    return list(dict.fromkeys(s.posts_view for s in SOURCES.values() if s.posts_view))


def observation_views() -> list[str]:
    """The staging views in the stg_account_observations contract."""
    return list(dict.fromkeys(v for s in SOURCES.values() for v in s.observation_views))


def message_views() -> list[str]:
    """The staging views in the stg_chat_messages contract (group chats: every sender's messages)."""
    return list(dict.fromkeys(s.messages_view for s in SOURCES.values() if s.messages_view))


def trace_views() -> list[str]:
    """The staging views in the stg_activity_events contract (traces other than posts), in registry order."""
    return list(dict.fromkeys(v for s in SOURCES.values() for v in s.trace_views))


def derived_staging() -> dict[str, str]:
    """Staging views whose SQL is derived from the registry: view name -> SELECT."""
    return {
        "stg_chat_messages": _union(
            message_views(), "one row per chat message per landing, from every sender of every chat source, with "
                             "whether the executive sent it"),
        "stg_posts": _union(post_views(), "one row per post per observation, from every post source"),
        "stg_account_observations": _union(
            observation_views(), "one row per observation of an audited account's public profile and counts, "
                                 "from every source"),
        "stg_activity_events": _union(
            trace_views(), "one row per trace of activity other than a post (like, repost, edit, ad impression, "
                           "reaction, pin ...) per landing, from every source; reject_reason says why a row is "
                           "not used"),
    }


def reads(sql: str, name: str) -> bool:
    """Whether SQL text (comments stripped) names a relation."""
    return re.search(rf"\b{re.escape(name)}\b", re.sub(r"--[^\n]*", "", sql)) is not None
