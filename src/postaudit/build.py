"""Build everything above raw: SQL layers, press marts, sessions, activity, time-share, reach and verdicts."""

from __future__ import annotations

import contextlib
import re
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa

from postaudit import runs
from postaudit.claims import load_claims_file, to_claims
from postaudit.metrics.activity import to_daily_activity
from postaudit.metrics.assumptions import CENTRAL
from postaudit.metrics.groupchat import to_group_chat_metrics
from postaudit.metrics.posting_time import TIME_ON_PLATFORM_SCHEMA, to_time_on_platform
from postaudit.metrics.reach import to_account_reach, to_conversation_metrics, to_post_reactions
from postaudit.metrics.timeshare import (
    SessionSummary,
    account_estimates,
    account_sensitivity,
    account_weekly,
    all_estimates,
    all_sensitivity,
    all_weekly,
    merge_summaries,
    to_session_summary,
)
from postaudit.metrics.timezone import to_account_timezone
from postaudit.press.build import to_press_marts
from postaudit.verdicts import ACCOUNTS_SCHEMA, to_verdicts
from postaudit.warehouse import apply_layers, query_pl, scalar, table_exists, transaction

Progress = Callable[[str], None]
# Posts are read a slice of whole accounts at a time, about this many posts per slice: at 10M posts the
# whole table with its texts did not fit in 10.7 GB. Measured on 10M SIMULATED posts (posts part of the
# build, 1000 accounts): slices of 1M peaked at 2.4 GB, 500k at 2.1 GB, 250k at 2.0 GB, all in about the
# same time. Every metric is per account except the 'all' rows, built from small per-account summaries.
SLICE_POSTS = 500_000
ACCOUNT = ["platform", "account_id"]
SNAPSHOT_SCHEMA = {"platform": pl.Utf8, "account_id": pl.Utf8, "observed_at": pl.Datetime("us", "UTC"),
                   "followers_count": pl.Int64}
# Only what the metrics use; compose time needs the text's length, not the text.
POST_COLUMNS = """p.platform, p.account_id, p.post_id, p.created_at, p.kind, coalesce(length(p.text), 0) AS text_chars,
    p.client_name AS source, p.referenced_post_id, p.like_count, p.reply_count, p.repost_count, p.quote_count, p.bookmark_count,
    p.impression_count"""
TIMESHARE_COLUMNS = "p.platform, p.account_id, p.created_at, p.kind, coalesce(length(p.text), 0) AS text_chars"
# what time_on_platform reads: the client's name lets it tell a scheduling tool's posts
POSTING_COLUMNS = f"{TIMESHARE_COLUMNS}, p.client_name AS source"


def build_sql(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply sql/raw, sql/staging and sql/marts in order."""
    return apply_layers(con)


def account_slices(con: duckdb.DuckDBPyConnection, where: str = "true", params: list | None = None,
                   slice_posts: int = SLICE_POSTS, by_window: bool = False) -> list[pl.DataFrame]:
    """The accounts with posts matching `where` (on posts p), cut into slices of about slice_posts posts.

    In account order, or with by_window by the length of each account's window of days first: accounts
    whose windows are as long share the bootstrap's draws (timeshare.draw_counts), so a slice of them
    builds each draw matrix once.
    """
    window = "max(timezone('UTC', p.created_at))::DATE - min(timezone('UTC', p.created_at))::DATE"
    counts = query_pl(con, f"""select p.platform, p.account_id, count(*) as n, {window} as days from posts p
                               where {where} group by all
                               order by {'days, ' if by_window else ''}p.platform, p.account_id nulls last""", params)
    if counts.is_empty():
        return []
    # an account starts a new slice when the posts before it fill whole slices; a big account is a slice alone
    sliced = counts.with_columns(slice=((pl.col("n").cum_sum() - pl.col("n")) // slice_posts))
    return [s.select(ACCOUNT) for s in sliced.partition_by("slice", maintain_order=True)]


def read_posts(con: duckdb.DuckDBPyConnection, accounts: pl.DataFrame, columns: str = POST_COLUMNS,
               where: str = "true", params: list | None = None, reply_targets: str | None = None) -> pl.DataFrame:
    """The posts of some accounts (matching `where` on posts p); with reply_targets (a table of platform,
    post_id, target_at), each post's target_at: when the post it replies to was made."""
    target = (f", r.target_at FROM posts p LEFT JOIN {reply_targets} r "
              "ON r.platform = p.platform AND r.post_id = p.post_id") if reply_targets else " FROM posts p"
    con.register("_slice_accounts", accounts.to_arrow())
    try:
        return query_pl(con, f"""SELECT {columns}{target}
                                 JOIN _slice_accounts k ON p.platform IS NOT DISTINCT FROM k.platform
                                                       AND p.account_id IS NOT DISTINCT FROM k.account_id
                                 WHERE {where}""", params)
    finally:
        con.unregister("_slice_accounts")


class MartWriter:
    """Writes marts a slice at a time into staging tables, then puts them all in place in one transaction.

    Each slice's rows are committed to the staging table as they come: DuckDB holds a transaction's new
    rows in memory until it commits (the 10M-post build grew by ~250 MB a slice inside one transaction).
    Until publish() the previous marts stay untouched, so a failed build leaves them whole. The inserts
    run on a second connection in a background thread (DuckDB releases the GIL), so writing one slice
    overlaps computing the next; at most MAX_PENDING frames wait, which bounds the memory they hold.
    """

    PREFIX = "_building_"
    MAX_PENDING = 4

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con, self.counts = con, {}
        self._cursor = con.cursor()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mart-writer")
        self._pending: deque[Future] = deque()

    def write(self, name: str, frame: pl.DataFrame) -> None:
        """Append a frame to a mart (the first write replaces whatever staging table was left behind)."""
        if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
            raise ValueError(f"{name!r} is not a valid relation name")
        first = name not in self.counts
        self.counts[name] = self.counts.get(name, 0) + frame.height
        while len(self._pending) >= self.MAX_PENDING:
            self._pending.popleft().result()
        self._pending.append(self._pool.submit(self._insert, name, frame.to_arrow(), first))

    def _insert(self, name: str, table: pa.Table, first: bool) -> None:
        self._cursor.register("_mart_frame", table)
        try:
            if first:
                self._cursor.execute(f"CREATE OR REPLACE TABLE {self.PREFIX}{name} AS SELECT * FROM _mart_frame")
            else:
                self._cursor.execute(f"INSERT INTO {self.PREFIX}{name} BY NAME SELECT * FROM _mart_frame")
        finally:
            self._cursor.unregister("_mart_frame")

    def _finish(self) -> None:
        try:
            while self._pending:
                self._pending.popleft().result()
        finally:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._cursor.close()

    def publish(self) -> dict[str, int]:
        """Replace every written mart by its staging table, all at once; returns rows per mart."""
        self._finish()
        with transaction(self.con):
            for name in self.counts:
                self.con.execute(f"DROP TABLE IF EXISTS {name}")
                self.con.execute(f"ALTER TABLE {self.PREFIX}{name} RENAME TO {name}")
        return dict(self.counts)

    def discard(self) -> None:
        """Drop the staging tables (after a failure)."""
        with contextlib.suppress(Exception):  # the failure being handled is the one to report
            self._finish()
        for name in self.counts:
            self.con.execute(f"DROP TABLE IF EXISTS {self.PREFIX}{name}")


TRACE_SQL = "SELECT e.platform, e.account_id, e.kind, e.occurred_at FROM activity_events e"


def read_traces(con: duckdb.DuckDBPyConnection, accounts: pl.DataFrame | None = None, where: str = "true",
                params: list | None = None) -> pl.DataFrame | None:
    """activity_events rows (platform, account_id, kind, occurred_at) of some accounts (all without `accounts`)
    matching `where` (on activity_events e), or None when the warehouse has no such relation (no trace source
    landed yet)."""
    if not table_exists(con, "activity_events"):
        return None
    if accounts is None:
        return query_pl(con, f"{TRACE_SQL} WHERE {where}", params)
    con.register("_trace_accounts", accounts.select(ACCOUNT).to_arrow())
    try:
        return query_pl(con, f"""{TRACE_SQL}
                                 JOIN _trace_accounts k ON e.platform IS NOT DISTINCT FROM k.platform
                                                       AND e.account_id IS NOT DISTINCT FROM k.account_id
                                 WHERE {where}""", params)
    finally:
        con.unregister("_trace_accounts")


def _snapshots(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    if not table_exists(con, "account_snapshots"):
        return pl.DataFrame(schema=SNAPSHOT_SCHEMA)
    return query_pl(con, "select * from account_snapshots")


def build_posts_metrics(con: duckdb.DuckDBPyConnection, n_boot: int, say: Progress,
                        slice_posts: int = SLICE_POSTS, out: MartWriter | None = None, timezone: str | None = None
                        ) -> tuple[dict[str, int], pl.DataFrame]:
    """Every mart computed from posts, read a slice of accounts at a time; returns row counts and the estimates.

    Written to `out` when given (the caller publishes it with the build's other marts), else put in place
    together at the end; either way a failed build leaves the previous marts whole.
    timezone: the zone time_on_platform cuts days in for every account (default: inferred per account).
    """
    own = out is None
    out = out or MartWriter(con)
    before = dict(out.counts)
    try:
        estimates = _posts_metrics(con, out, n_boot, say, slice_posts, timezone)
        if own:
            return out.publish(), estimates
        return {k: v - before.get(k, 0) for k, v in out.counts.items() if v != before.get(k)}, estimates
    except BaseException:
        if own:
            out.discard()
        raise
    finally:
        con.execute("DROP TABLE IF EXISTS temp.main._reply_targets")


def _posts_metrics(con: duckdb.DuckDBPyConnection, out: MartWriter, n_boot: int, say: Progress,
                   slice_posts: int, timezone: str | None = None) -> pl.DataFrame:
    slices = account_slices(con, slice_posts=slice_posts, by_window=True)
    if not slices:
        empty = read_posts(con, pl.DataFrame(schema={"platform": pl.Utf8, "account_id": pl.Utf8}))
        sessions = to_session_summary(empty, combos={}, daily={}, sessions=CENTRAL).sessions
        out.write("sessions", sessions)
        out.write("daily_activity", to_daily_activity(empty, sessions))
        out.write("time_on_platform", pl.DataFrame(schema=TIME_ON_PLATFORM_SCHEMA))
        return pl.DataFrame()
    total = scalar(con, "select count(*) from posts")
    say(f"accounts: sessions, activity, time zones, time-share, reach for {total} posts in {len(slices)} slices")
    snapshots = _snapshots(con)
    # Replies can answer posts of accounts in other slices: their targets are looked up once, in SQL.
    con.execute("""CREATE OR REPLACE TEMP TABLE _reply_targets AS
                   SELECT p.platform, p.post_id, t.created_at AS target_at FROM posts p
                   JOIN posts t ON t.platform = p.platform AND t.post_id = p.referenced_post_id
                   WHERE p.kind = 'reply'""")
    frames: dict[str, list[pl.DataFrame]] = {"account_timezone": [], "conversation_metrics": [], "time_on_platform": []}
    rows: dict[str, list[dict]] = {"timeshare_estimates": [], "timeshare_sensitivity": [], "timeshare_weekly": []}
    n_boot_weekly = max(100, n_boot // 4)
    everyone: SessionSummary | None = None
    for accounts in slices:
        posts = read_posts(con, accounts, reply_targets="_reply_targets")
        summary = to_session_summary(posts, sessions=CENTRAL)
        out.write("sessions", summary.sessions)
        out.write("daily_activity", to_daily_activity(posts, summary.sessions))
        frames["account_timezone"].append(to_account_timezone(posts))
        rows["timeshare_estimates"] += account_estimates(summary, n_boot=n_boot)
        rows["timeshare_sensitivity"] += account_sensitivity(summary)
        rows["timeshare_weekly"] += account_weekly(summary, n_boot=n_boot_weekly)
        snaps = snapshots.join(accounts, on=ACCOUNT, how="semi", nulls_equal=True)
        reactions = to_post_reactions(posts, snaps)
        out.write("post_reactions", reactions)
        out.write("account_reach", to_account_reach(reactions, snaps))
        frames["conversation_metrics"].append(to_conversation_metrics(posts))
        frames["time_on_platform"].append(to_time_on_platform(posts, timezone=timezone, merged=False,
                                                              traces=read_traces(con, accounts)))
        everyone = merge_summaries([everyone, summary.for_all()])
        del posts, summary, reactions
    # followers of accounts without posts of their own still belong in account_reach
    lonely = snapshots.join(pl.concat(slices), on=ACCOUNT, how="anti", nulls_equal=True)
    if lonely.height:
        out.write("account_reach", to_account_reach(_empty_reactions(), lonely))
    say("all: time-share of every account merged as one person")
    # the merged row needs every post's time (gaps across accounts), so it reads them once more, few columns only
    merged = query_pl(con, f"SELECT {POSTING_COLUMNS} FROM posts p")
    frames["time_on_platform"].append(to_time_on_platform(merged, timezone=timezone, per_account=False,
                                                          traces=read_traces(con)))
    del merged
    for got in rows.values():
        got.sort(key=_account_order)  # slices follow window lengths; rows follow accounts, then 'all' (stable)
    rows["timeshare_estimates"] += all_estimates(everyone, n_boot=n_boot)
    rows["timeshare_sensitivity"] += all_sensitivity(everyone)
    rows["timeshare_weekly"] += all_weekly(everyone, n_boot=n_boot_weekly)
    for name, got in frames.items():
        out.write(name, pl.concat(got).sort(ACCOUNT, nulls_last=True, maintain_order=True))
    for name, got in rows.items():
        out.write(name, pl.DataFrame(got))
    return pl.DataFrame(rows["timeshare_estimates"])


def _account_order(row: dict) -> tuple:
    return tuple(v for c in ACCOUNT for v in (row[c] is None, row[c] or ""))


def _empty_reactions() -> pl.DataFrame:
    """An empty post_reactions frame (for followers of accounts without own posts)."""
    posts = pl.DataFrame(schema={"platform": pl.Utf8, "post_id": pl.Utf8, "account_id": pl.Utf8,
                                 "created_at": pl.Datetime("us", "UTC"), "kind": pl.Utf8, "like_count": pl.Int64,
                                 "reply_count": pl.Int64, "repost_count": pl.Int64, "quote_count": pl.Int64,
                                 "bookmark_count": pl.Int64, "impression_count": pl.Int64})
    return to_post_reactions(posts, pl.DataFrame(schema=SNAPSHOT_SCHEMA))


class WarehouseInputs:
    """What the verdicts read (postaudit.verdicts.Inputs), from the warehouse's marts."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self._accounts: pl.DataFrame | None = None

    def accounts(self) -> pl.DataFrame:
        """Every account with posts or a profile: names, creation, first and last post, posts, last observed."""
        if self._accounts is None:
            profile = ("select platform, account_id, handle, display_name, account_created_at, last_observed_at "
                       "from accounts" if table_exists(self.con, "accounts") else
                       "select null::varchar as platform, null::varchar as account_id, null::varchar as handle, "
                       "null::varchar as display_name, null::timestamptz as account_created_at, "
                       "null::timestamptz as last_observed_at where false")
            # chat exports name their senders but have no profiles: the executive's name in the chat stands in
            chat = ("select platform, sender_id as account_id, arg_max(sender_name, sent_at) as display_name "
                    "from group_messages where is_executive group by all"
                    if table_exists(self.con, "group_messages") else
                    "select null::varchar as platform, null::varchar as account_id, null::varchar as display_name "
                    "where false")
            self._accounts = query_pl(self.con, f"""
                with p as (select platform, account_id, min(created_at) as first_post_at,
                                  max(created_at) as last_post_at, count(*) as count_posts
                           from posts group by all),
                     a as ({profile}),
                     g as ({chat})
                select coalesce(p.platform, a.platform) as platform, coalesce(p.account_id, a.account_id) as account_id,
                       a.handle, coalesce(a.display_name, g.display_name) as display_name, a.account_created_at,
                       p.first_post_at, p.last_post_at, coalesce(p.count_posts, 0) as count_posts, a.last_observed_at
                from p full join a on p.platform = a.platform and p.account_id = a.account_id
                left join g on g.platform = coalesce(p.platform, a.platform)
                           and g.account_id = coalesce(p.account_id, a.account_id)
                order by all""").cast(ACCOUNTS_SCHEMA)
        return self._accounts

    def posts(self, accounts: pl.DataFrame, first: date, last: date) -> pl.DataFrame:
        """The posts of some accounts on UTC days first..last."""
        return read_posts(self.con, accounts.select(ACCOUNT), f"p.post_id, {TIMESHARE_COLUMNS}",
                          "timezone('UTC', p.created_at)::DATE BETWEEN ? AND ?", [first, last])

    def traces(self, accounts: pl.DataFrame, first: date, last: date) -> pl.DataFrame | None:
        """activity_events of some accounts on UTC days first..last (None without the relation)."""
        return read_traces(self.con, accounts, "timezone('UTC', e.occurred_at)::DATE BETWEEN ? AND ?", [first, last])

    def messages(self) -> pl.DataFrame:
        """Every group-chat message (group_messages)."""
        if not table_exists(self.con, "group_messages"):
            return pl.DataFrame()
        return query_pl(self.con, "select * from group_messages")

    def member_counts(self) -> pl.DataFrame:
        """Every observed member count of a chat (chat_member_counts)."""
        if not table_exists(self.con, "chat_member_counts"):
            return pl.DataFrame()
        return query_pl(self.con, "select * from chat_member_counts")


def window_time_on_platform(con: duckdb.DuckDBPyConnection) -> Callable[..., pl.DataFrame]:
    """time_on_platform rows for a claim's own window, read from the warehouse when asked: `get(platform, first,
    last, timezone=None)` gives the platform's accounts, or for 'all' the merged row; each is computed once.

    Every post of the accounts is read, not only the window's, so an inferred zone (and a scheduling cadence)
    rests on all of them, as in the mart.
    """
    cache: dict[tuple, pl.DataFrame] = {}

    def get(platform: str, first: date | None, last: date | None, timezone: str | None = None) -> pl.DataFrame:
        key = (platform, first, last, timezone)
        if key not in cache:
            if platform == "all":
                posts = query_pl(con, f"SELECT {POSTING_COLUMNS} FROM posts p")
                got = to_time_on_platform(posts, first=first, last=last, timezone=timezone, per_account=False,
                                          traces=read_traces(con))
            else:
                posts = query_pl(con, f"SELECT {POSTING_COLUMNS} FROM posts p WHERE p.platform = ?", [platform])
                got = to_time_on_platform(posts, first=first, last=last, timezone=timezone, merged=False,
                                          traces=read_traces(con, where="e.platform = ?", params=[platform]))
            cache[key] = got
        return cache[key]

    return get


def build_metrics(con: duckdb.DuckDBPyConnection, n_boot: int = 2000, progress: Progress | None = None,
                  claims_file: str | Path | None = None, slice_posts: int = SLICE_POSTS,
                  timezone: str | None = None) -> dict[str, int]:
    """Compute the Python marts from posts and press; returns row counts per relation.

    claims_file: a claims file (TOML/YAML) whose claims are judged with the press's; default claims.toml
    beside the warehouse. It is read first, so a bad file stops the build before anything is replaced.
    slice_posts: about how many posts to hold in memory at once (whole accounts at a time).
    timezone: an IANA zone or fixed offset in which time_on_platform cuts every account's days (default:
    inferred per account).
    """
    say = progress or (lambda _msg: None)
    claims_path = runs.claims_path(con, claims_file)
    file_claims = load_claims_file(claims_path) if claims_path else None
    # Every mart of this build goes to one writer and is put in place at the end in one transaction, so a
    # failure anywhere leaves all the marts of the previous build, never a mix of two builds.
    out = MartWriter(con)
    try:
        _build_marts(con, out, n_boot, say, file_claims, slice_posts, timezone)
        return out.publish()
    except BaseException:
        out.discard()
        raise


def _build_marts(con: duckdb.DuckDBPyConnection, out: MartWriter, n_boot: int, say: Progress, file_claims,
                 slice_posts: int, timezone: str | None) -> None:
    say("press: cleaning, languages, stories, claims")
    press = to_press_marts(con)
    for name, frame in press.items():
        out.write(name, frame)
    build_posts_metrics(con, n_boot, say, slice_posts, out=out, timezone=timezone)
    if table_exists(con, "group_messages"):
        say("group chats")
        out.write("group_chat_metrics", to_group_chat_metrics(query_pl(con, "select * from group_messages")))
    claims = to_claims(press["press_claims"], file_claims)
    out.write("claims", claims)
    say(f"verdicts for {claims.height} claims")
    out.write("claim_verdicts", to_verdicts(claims, WarehouseInputs(con), n_boot=n_boot))
