"""Hand-built warehouses for dashboard tests: every relation the panels read, in the marts' column shapes.

Posts are generated in DuckDB with range(), and the marts are derived from them in SQL, so a warehouse of
hundreds of thousands of posts builds in about a second.
"""

from __future__ import annotations

import duckdb

HOSTILE_POST = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=1"> </script><!--'
HOSTILE_TITLE = '<img src=x onerror="window.__pwned=1"> Exec says </script><script>window.__pwned=1</script>'
START = "2025-09-01 00:00:00+00"


def build_posts(con: duckdb.DuckDBPyConnection, n_posts: int, days: int = 56) -> None:
    """A `posts`-shaped table of n_posts spread over `days`, plus one hostile post with the most likes."""
    con.execute(f"""
        create or replace table posts as
        select 'x' as platform, (1000000 + i)::varchar as post_id, '42' as account_id,
               timestamptz '{START}' + to_seconds(cast(hash(i) % {days * 86400} as bigint)) as created_at,
               ['original', 'reply', 'quote', 'repost'][1 + cast(hash(i * 7) % 4 as int)] as kind,
               null::varchar as referenced_post_id,
               'post ' || i || ' ' || repeat('word ', cast(hash(i * 5) % 40 as int)) as text,
               'en' as lang, (1000000 + i)::varchar as conversation_id, null::varchar as in_reply_to_user_id,
               cast(hash(i * 3) % 1000 as bigint) as like_count, cast(hash(i * 11) % 50 as bigint) as reply_count,
               cast(hash(i * 13) % 80 as bigint) as repost_count, cast(hash(i * 17) % 10 as bigint) as quote_count,
               cast(hash(i * 19) % 30 as bigint) as bookmark_count,
               cast(20000 + hash(i * 23) % 50000 as bigint) as impression_count,
               timestamptz '{START}' + interval {days + 1} day as metrics_observed_at,
               ['simulated'] as sources, 1::bigint as count_observations, true as is_simulated
        from range({n_posts}) t(i)""")
    con.execute(f"""
        insert into posts by name
        select 'x' as platform, '999' as post_id, '42' as account_id,
               timestamptz '{START}' + interval 3 day + interval 2 hour as created_at, 'original' as kind,
               ? as text, 'en' as lang, 1000000 as like_count, 5 as reply_count, 5 as repost_count,
               5 as quote_count, 0 as bookmark_count, 2000000 as impression_count, true as is_simulated""",
                [HOSTILE_POST])


def build_marts(con: duckdb.DuckDBPyConnection, with_new: bool = True) -> None:
    """Every mart the dashboard reads, derived from `posts`; with_new adds the metrics issue's relations."""
    con.execute("""
        create or replace table hourly_activity as
        select platform, account_id, isodow(created_at) as weekday_utc, hour(created_at) as hour_utc,
               count(*) as count_posts
        from posts group by all""")
    # Sessions: posts of one UTC hour form one session (good enough to exercise the timeline).
    con.execute("""
        create or replace table sessions as
        select platform, account_id, platform || ':' || account_id || ':' || epoch(date_trunc('hour', created_at))
                 as session_id,
               min(created_at) as started_at, max(created_at) + interval 7 minute as ended_at,
               count(*)::uinteger as count_posts,
               epoch(max(created_at) - min(created_at)) / 60 + 7 as minutes
        from posts group by platform, account_id, date_trunc('hour', created_at)""")
    con.execute("""
        create or replace table daily_activity as
        with p as (select *, created_at::date as day, kind <> 'repost' as own from posts),
        d as (select platform, account_id, day, count(*) as count_posts,
                     count(*) filter (where kind = 'original') as count_original,
                     count(*) filter (where kind = 'reply') as count_reply,
                     count(*) filter (where kind = 'quote') as count_quote,
                     count(*) filter (where kind = 'repost') as count_repost,
                     sum(like_count) filter (where own) as like_count, sum(reply_count) filter (where own) as reply_count,
                     sum(repost_count) filter (where own) as repost_count,
                     sum(quote_count) filter (where own) as quote_count,
                     sum(bookmark_count) filter (where own) as bookmark_count,
                     sum(impression_count) filter (where own) as impression_count
              from p group by all),
        s as (select platform, account_id, started_at::date as day, sum(minutes) as active_minutes,
                     count(*) as count_sessions from sessions group by all)
        select d.*, coalesce(active_minutes, 0) as active_minutes, coalesce(count_sessions, 0) as count_sessions,
               (like_count + reply_count + repost_count + quote_count) / nullif(impression_count, 0) as engagement_rate
        from d left join s using (platform, account_id, day)""")
    con.execute(f"""
        create or replace table account_snapshots as
        select 'x' as platform, '42' as account_id, 'exec_sim' as handle,
               timestamptz '{START}' + to_days(cast(i as int)) + interval 23 hour as observed_at,
               (100000 + 150 * i)::bigint as followers_count, 200::bigint as following_count,
               (5000 + i)::bigint as post_count, 10::bigint as listed_count, 'simulated' as source, true as is_simulated
        from range(56) t(i)""")
    con.execute("""
        create or replace table accounts as
        select 'x' as platform, '42' as account_id, 'exec_sim' as handle, 'Exec (SIMULATED)' as display_name,
               (select count(*) from posts) as count_posts_collected, true as is_simulated""")
    con.execute("""
        create or replace table timeshare_estimates as
        select 'x' as platform, '42' as account_id, s as assumption_set, share, share * 0.8 as ci_low,
               share * 1.2 as ci_high, g as gap_minutes, h as weekly_work_hours
        from (values ('conservative', 0.04, 10, 70.0), ('central', 0.09, 30, 62.5), ('liberal', 0.2, 60, 50.0))
             v(s, share, g, h)""")
    build_press(con)
    if with_new:
        build_new_metrics(con)
    conform(con)


# DuckDB types for the declared kinds of values (postaudit.marts).
_KIND_TYPES = {"text": "VARCHAR", "int": "BIGINT", "float": "DOUBLE", "bool": "BOOLEAN", "date": "DATE",
               "timestamp": "TIMESTAMPTZ", "list": "VARCHAR[]", "json": "JSON"}


def conform(con: duckdb.DuckDBPyConnection) -> None:
    """Give every mart built here the declared columns it lacks (as NULLs), so panels meet the declared shapes."""
    from postaudit.marts import MARTS

    tables = {r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()}
    for name in tables & MARTS.keys():
        have = {r[0] for r in con.execute(f"describe {name}").fetchall()}
        for column, kind in MARTS[name].columns.items():
            if column not in have:
                con.execute(f'alter table {name} add column "{column}" {_KIND_TYPES[kind]}')


def build_press(con: duckdb.DuckDBPyConnection) -> None:
    """Three stories in five copies (one hostile title), two claims and their verdicts."""
    con.execute("""
        create or replace table press_articles as
        select * from (values
            ('a1', 'https://gbd.example/1', 'Global Business Daily', 'gbd.example', timestamptz '2025-09-11 11:00+00',
             'en', 'Exec: my office is my phone', 's1', true),
            ('a2', 'https://mirror.example/1', 'NewsMirror', 'mirror.example', timestamptz '2025-09-11 13:00+00',
             'en', 'Exec: my office is my phone', 's1', false),
            ('a3', 'https://fb.example/1', 'Finanzblatt', 'fb.example', timestamptz '2025-09-12 07:00+00',
             'de', 'Chef: Mein Büro ist mein Telefon', 's1', false),
            ('a4', 'https://wire.example/2', 'Wire', 'wire.example', timestamptz '2025-09-20 09:00+00',
             'en', 'New listing policy', 's2', true),
            ('a5', 'https://wire.example/3', 'Wire', 'wire.example', timestamptz '2025-10-02 09:00+00',
             'en', ?, 's3', true)
        ) v(article_id, url, outlet, outlet_domain, published_at, language, title, story_id, is_canonical)""",
                [HOSTILE_TITLE])
    _stories_from_articles(con)
    con.execute("""
        create or replace table claims as
        select *, null::timestamptz as published_at, null::varchar as source_url, 'press' as origin from (values
            ('c1', 'a1', 'time_share', 'x', 20.0::double, 'percent', '"I spend about 20% of my time on Twitter," Exec said.',
             'Exec', 's1'),
            ('c3', 'a5', 'headcount', null, 1000.0, 'people', 'It employs 1,000 people <b>now</b>.', null, 's3')
        ) v(claim_id, article_id, metric, platform, value, unit, sentence, speaker, story_id)""")
    con.execute("""
        create or replace table claim_verdicts as
        select * from (values
            ('c1', 'needs_unseen_reading', 'needs unseen reading', 'the claim lies above posting sessions', 9.0::double,
             5.0::double, 14.0::double, 3.0::double, 'working', 1.2::double, 'time_share', 'x', 'percent', 'about',
             20.0::double, 15.0::double, 25.0::double, 0.25::double),
            ('c3', 'not_testable', 'not testable (headcount)', 'an employee count leaves no trace in public posts',
             null, null, null, null, null, null, 'headcount', null, 'people', 'at_least', 1000.0, 1000.0, null, null)
        ) v(claim_id, verdict, verdict_text, reason, estimate, estimate_low, estimate_high, floor, baseline, r_star,
            metric, platform, unit, direction, claimed_value, claimed_low, claimed_high, tolerance)""")


def _stories_from_articles(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("""
        create or replace table press_stories as
        select story_id, arg_min(title, published_at) as title, arg_min(url, published_at) as canonical_url,
               min(published_at) as first_published_at, list(distinct outlet) as outlets,
               list(distinct language) as languages, count(*)::uinteger as count_copies, true as is_simulated
        from press_articles group by story_id""")


def build_new_metrics(con: duckdb.DuckDBPyConnection) -> None:
    """The metrics issue's relations, in the column shapes the dashboard was asked to read."""
    con.execute("""
        create or replace table timeshare_weekly as
        select platform, account_id, date_trunc('week', day)::date as week_start,
               sum(active_minutes) / 600 / 62.5 as share, sum(active_minutes) / 600 / 62.5 * 0.8 as ci_low,
               sum(active_minutes) / 600 / 62.5 * 1.25 as ci_high
        from daily_activity group by all""")
    con.execute("""
        create or replace table timeshare_sensitivity as
        select 'x' as platform, '42' as account_id, g as gap_minutes, c as compose_set, h as weekly_work_hours,
               0.001 * g * (case c when 'conservative' then 1 when 'central' then 1.5 else 2 end) * 62.5 / h as share
        from (values (10), (30), (60)) a(g), (values ('conservative'), ('central'), ('liberal')) b(c),
             (values (50.0), (62.5), (70.0)) d(h)""")
    con.execute("""
        create or replace table account_timezone as
        select 'x' as platform, '42' as account_id, 8.0 as utc_offset_hours, 0.92 as confidence,
               23.5 as sleep_start_local, 7.0 as sleep_end_local""")
    con.execute("""
        create or replace table time_on_platform as
        select 'x' as platform, '42' as account_id, date '2025-09-01' as window_start, date '2025-10-26' as window_end,
               'UTC+08:00' as timezone, 'inferred' as timezone_source, 56 as count_days,
               (select count(*) from posts) as count_posts, 0 as count_scheduled_excluded, 28.0 as floor_hours,
               84.0 as posting_hours, 70.0 as posting_hours_low, 100.0 as posting_hours_high,
               400.0 as baseline_working_hours, 0.21 as share_working, 0.07 as floor_share_working,
               'fake' as method""")
    con.execute("""
        create or replace table post_reactions as
        select platform, post_id, account_id, created_at, kind,
               like_count + reply_count + repost_count + quote_count as reactions,
               (like_count + reply_count + repost_count + quote_count) / nullif(impression_count, 0) as engagement_rate,
               'impressions' as rate_basis
        from posts where kind <> 'repost'""")
    con.execute("""
        create or replace table account_reach as
        select platform, account_id, observed_at::date as day, followers_count from account_snapshots""")


def full_warehouse(path, n_posts: int = 3000, with_new: bool = True) -> duckdb.DuckDBPyConnection:
    """A warehouse file with posts and every mart; the caller closes the connection."""
    con = duckdb.connect(str(path))
    build_posts(con, n_posts)
    build_marts(con, with_new=with_new)
    return con


# Plotly reads a subset of HTML in every text it draws (legend names, hover labels, tick labels, annotations,
# titles) and %{...} in templates; each part carries a marker to find it in the page. The template part comes
# first: a hover label shows only the first 15 characters of a trace name.
HOSTILE_NAME = ('%{y:.3f}TMPL BRONE<br>BRTWO <b>BOLDMARK</b> <span style="color:#ff00ff">STYLEMARK</span> '
                '<a href="https://evil.example/login">LINKMARK</a>')


def add_hostile_names(con: duckdb.DuckDBPyConnection) -> list[str]:
    """A second account and a second platform named HOSTILE_NAME, and HOSTILE_NAME in every text shown.

    Returns the fields (table.column) that now hold it.
    """
    per_account = [t for (t,) in con.execute(
        "select table_name from information_schema.columns where column_name = 'account_id' "
        "intersect select table_name from information_schema.columns where column_name = 'platform'").fetchall()]
    for t in per_account:
        con.execute(f"insert into {t} select * replace (?::varchar as account_id) from {t} where account_id = '42'",
                    [HOSTILE_NAME])
        con.execute(f"insert into {t} select * replace (?::varchar as platform) from {t} where account_id = '42'",
                    [HOSTILE_NAME])
    con.execute("update accounts set handle = ?, display_name = ? where account_id = ?",
                [HOSTILE_NAME, HOSTILE_NAME, HOSTILE_NAME])
    con.execute("update account_snapshots set handle = ? where account_id = ?", [HOSTILE_NAME, HOSTILE_NAME])
    con.execute("update posts set text = ? where post_id in (select post_id from posts order by like_count desc "
                "limit 3 offset 1)", [HOSTILE_NAME])
    con.execute("update press_articles set outlet = ?, language = ? where article_id in ('a2', 'a4')",
                [HOSTILE_NAME, HOSTILE_NAME])
    con.execute("update press_articles set title = ? where article_id = 'a4'", [HOSTILE_NAME])
    _stories_from_articles(con)
    con.execute("update claims set sentence = ?, speaker = ?", [HOSTILE_NAME, HOSTILE_NAME])
    con.execute("update claim_verdicts set reason = ?", [HOSTILE_NAME])
    con.execute("update timeshare_sensitivity set compose_set = ? where compose_set = 'liberal'", [HOSTILE_NAME])
    return sorted({f"{t}.{c}" for t in per_account for c in ("account_id", "platform")}
                  | {"accounts.handle", "accounts.display_name", "account_snapshots.handle", "posts.text",
                     "press_articles.outlet", "press_articles.language", "press_articles.title", "press_stories.title",
                     "press_stories.outlets", "press_stories.languages", "claims.sentence", "claims.speaker",
                     "claim_verdicts.reason", "timeshare_sensitivity.compose_set"})
