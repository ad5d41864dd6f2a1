"""Values staging cannot read go to `rejected_records` with their reason; they never fail a build.

Reading. Every cast in sql/staging goes through the macros in MACROS (tests/reliability/test_staging_casts.py
checks that no bare cast is left): a value that does not convert, or converts to something no platform writes
(a time outside TIME_RANGE, a negative count or one past 64 bits), reads as NULL instead of raising.

Saying so. A staging view lists what it could not read in a column `rejects`, built with
`rejects(item, [reject(field, value, problem, drops), ...])` (or the shorthands required, time_reject,
count_reject): one entry per value whose `problem` (one of the *_problem macros, or any text) is not NULL.
`drops` says the row cannot be used at all (a post without a time cannot be placed, one without an id or
account cannot be told apart or attributed); otherwise the row stays with NULL for that field (an unreadable
like count is unknown, not zero).

warehouse.apply_layers then creates such a view twice: `<name>_checked`, every row with its rejects, and
`<name>`, the rows nothing dropped without the column, which is what everything downstream reads. A build
replaces the rows staging put in
`rejected_records` (source = the staging view, so `stg_...`) with what it finds now; rows an importer put there
(source = the importer, with file and line) stay until that file is imported again.
"""

from __future__ import annotations

import re

import duckdb

# No post, message or profile predates Unix time, and a time after 2099 is an export error, not a post (a date
# in 2099 still lands as the source wrote it: tests/reliability keep that case). Past 9999 Python's datetime
# cannot even hold it, and one such post stretched an account's window of days over millennia.
TIME_RANGE = ("1970-01-01 00:00:00+00", "2100-01-01 00:00:00+00")
EPOCH_MAX = 4_102_444_800  # 2100-01-01 in Unix seconds
COLUMN = "rejects"
CHECKED_SUFFIX = "_checked"
TABLE = "rejected_records"
VALUE_CHARS = 200  # of a rejected value, kept in rejected_records.value

MACROS = f"""
CREATE OR REPLACE MACRO time_in_range(t) AS
    t >= TIMESTAMPTZ '{TIME_RANGE[0]}' AND t < TIMESTAMPTZ '{TIME_RANGE[1]}';
-- text (ISO 8601; without an offset read as UTC) or a timestamp -> TIMESTAMPTZ, NULL when unreadable or out of range
CREATE OR REPLACE MACRO safe_time(v) AS
    CASE WHEN time_in_range(try_cast(v AS TIMESTAMPTZ)) THEN try_cast(v AS TIMESTAMPTZ) END;
CREATE OR REPLACE MACRO time_problem(v) AS CASE
    WHEN v IS NULL THEN NULL
    WHEN try_cast(v AS TIMESTAMPTZ) IS NULL THEN 'not a date and time'
    WHEN NOT time_in_range(try_cast(v AS TIMESTAMPTZ)) THEN 'outside 1970-2099, not a time anyone posted'
END;
-- a time as the X archive writes it ('Sat Dec 06 18:20:30 +0000 2025'), or why not
CREATE OR REPLACE MACRO archive_time_problem(v) AS CASE
    WHEN v IS NULL THEN NULL
    WHEN try_strptime(v, '%a %b %d %H:%M:%S %z %Y') IS NULL THEN 'not a time like Sat Dec 06 18:20:30 +0000 2025'
    ELSE time_problem(try_strptime(v, '%a %b %d %H:%M:%S %z %Y'))
END;
-- Unix seconds as text or a number (digits as DuckDB reads them: ASCII only) -> TIMESTAMPTZ
CREATE OR REPLACE MACRO safe_epoch(v) AS CASE
    WHEN try_cast(v AS DOUBLE) >= 0 AND try_cast(v AS DOUBLE) < {EPOCH_MAX}
        THEN to_timestamp(try_cast(v AS DOUBLE)) END;
CREATE OR REPLACE MACRO epoch_problem(v) AS CASE
    WHEN v IS NULL THEN NULL
    WHEN try_cast(v AS DOUBLE) IS NULL OR isnan(try_cast(v AS DOUBLE)) THEN 'not Unix seconds in ASCII digits'
    WHEN NOT (try_cast(v AS DOUBLE) >= 0 AND try_cast(v AS DOUBLE) < {EPOCH_MAX})
        THEN 'outside 1970-2099, not a time anyone posted'
END;
-- Unix seconds with decimals as text, exact to the microsecond (a double would round them), ASCII digits only
CREATE OR REPLACE MACRO safe_epoch_micros(v) AS CASE
    WHEN regexp_full_match(v, '[0-9]{{1,10}}([.][0-9]+)?') THEN safe_time(to_timestamp(0) + to_microseconds(
        try_cast(split_part(v, '.', 1) AS BIGINT) * 1000000
        + coalesce(try_cast(rpad(left(split_part(v, '.', 2), 6), 6, '0') AS BIGINT), 0))) END;
-- a count: a whole number from 0 to 2^63-1, else NULL
CREATE OR REPLACE MACRO safe_count(v) AS CASE WHEN try_cast(v AS BIGINT) >= 0 THEN try_cast(v AS BIGINT) END;
CREATE OR REPLACE MACRO count_problem(v) AS CASE
    WHEN v IS NOT NULL AND safe_count(v) IS NULL THEN 'not a whole number from 0 to 2^63-1' END;
-- the time in an X post id, a snowflake: milliseconds since 2010-11-04 01:42:54.657 UTC in the bits above 22 (X's
-- id format), cut to seconds as X writes created_at; NULL for what is no id
CREATE OR REPLACE MACRO safe_snowflake_time(id) AS safe_epoch(((safe_count(id) >> 22) + 1288834974657) // 1000);
-- a list of counts (reactions); counts_problem says when one is unreadable or their sum does not fit
CREATE OR REPLACE MACRO safe_counts(j) AS try_cast(j AS BIGINT[]);
CREATE OR REPLACE MACRO counts_problem(j) AS CASE
    WHEN j IS NULL THEN NULL
    WHEN safe_counts(j) IS NULL THEN 'not a list of counts'
    WHEN len(list_filter(safe_counts(j), lambda c: c IS NULL OR c < 0)) > 0
        THEN 'holds a count that is not a whole number from 0 to 2^63-1'
    WHEN safe_count(list_sum(safe_counts(j))) IS NULL AND len(j) > 0 THEN 'counts that add up past 2^63-1'
END;
-- a local time without offset in an IANA zone; an unknown zone raises, so give only zones DuckDB knows (join
-- pg_timezone_names(): Python's tzdata, which the importers check --tz with, also has 'localtime')
CREATE OR REPLACE MACRO safe_local_time(tz, v) AS safe_time(timezone(tz, try_cast(v AS TIMESTAMP)));
CREATE OR REPLACE MACRO missing_problem(v) AS CASE WHEN v IS NULL THEN 'missing' END;
-- an entry of `rejects`: kept when problem is not NULL
CREATE OR REPLACE MACRO reject(field, value, problem, drops) AS
    {{'field': field::VARCHAR, 'value': value::VARCHAR, 'problem': problem::VARCHAR, 'drops': drops::BOOLEAN}};
-- the usual entries: a required value missing (drops the row); a time (required: drops the row when missing or
-- unreadable; optional: NULL); a count (NULL)
CREATE OR REPLACE MACRO required(field, v) AS reject(field, v, missing_problem(v), true);
CREATE OR REPLACE MACRO time_reject(field, v, is_required) AS reject(field, v,
    coalesce(CASE WHEN is_required THEN missing_problem(v) END, time_problem(v)), is_required);
CREATE OR REPLACE MACRO count_reject(field, v) AS reject(field, v, count_problem(v), false);
-- item names the row within its raw record (a page holds many posts), e.g. 'post 123'
CREATE OR REPLACE MACRO rejects(item, entries) AS
    list_transform(list_filter(entries, lambda r: r.problem IS NOT NULL),
                   -- a struct literal, not struct_insert(r, item := item): DuckDB stores a macro's named
                   -- arguments without their names, and the views would not bind in the next session
                   lambda r: {{'field': r.field, 'value': r.value, 'problem': r.problem, 'drops': r.drops,
                               'item': item::VARCHAR}});
CREATE OR REPLACE MACRO kept(rs) AS NOT coalesce(list_bool_or(list_transform(rs, lambda r: r.drops)), false);
"""


def create_macros(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)create the macros staging views read values with."""
    con.execute(MACROS)


def is_checked(sql: str) -> bool:
    """Whether a staging view's SQL (comments stripped) gives its rows a `rejects` column."""
    return re.search(rf"\bas\s+{COLUMN}\b", re.sub(r"--[^\n]*", "", sql), re.IGNORECASE) is not None


def split_checked(name: str, sql: str) -> list[tuple[str, str]]:
    """The relations of one staging file: itself, or for a checked view `<name>_checked` and `<name>`."""
    if not is_checked(sql):
        return [(name, sql)]
    checked = name + CHECKED_SUFFIX
    return [(checked, sql),
            (name, f"-- the rows of {checked} that nothing in them left out (rejects: postaudit/rejects.py)\n"
                   f"select * exclude ({COLUMN}) from {checked}\nwhere kept({COLUMN})\n")]


def rejects_sql(checked: list[str], raw_tables: list[str]) -> str:
    """One row per value the checked views rejected, with the file (origin) of its raw record in raw_tables."""
    parts = "\n    union all\n    ".join(
        f"select '{v.removesuffix(CHECKED_SUFFIX)}' as source, record_id, unnest({COLUMN}) as r from {v} "
        f"where len({COLUMN}) > 0" for v in checked) or "select null::varchar as source, null::varchar as record_id, " \
        "null::struct(field varchar, value varchar, problem varchar, drops boolean, item varchar) as r where false"
    origins = "\n        union all\n        ".join(f"select record_id, origin from {t}" for t in raw_tables) \
        or "select null::varchar as record_id, null::varchar as origin where false"
    return (f"with found as (\n    {parts}\n),\n\n"
            f"origins as (\n    select record_id, any_value(origin) as origin from (\n        {origins}\n    )\n"
            f"    semi join found using (record_id)\n    group by record_id\n),\n\n"
            "final as (\n    select found.source, origins.origin as file, found.record_id, found.r.field as field,\n"
            f"           left(found.r.value, {VALUE_CHARS}) as value,\n"
            "           coalesce(found.r.item || ': ', '') || found.r.problem\n"
            "               || case when found.r.drops then '; left out' else '; read as NULL' end as reason\n"
            "    from found left join origins using (record_id)\n)\n\nselect * from final\n")


def refresh(con: duckdb.DuckDBPyConnection, checked: list[str], raw_tables: list[str]) -> int:
    """Replace the staging rows of rejected_records with what the checked views reject now; returns their count.

    checked: the checked views to ask (those over empty raw tables have nothing to say); raw_tables: where
    their records' files are looked up.
    """
    con.execute(f"DELETE FROM {TABLE} WHERE source LIKE 'stg\\_%' ESCAPE '\\'")
    if checked:
        con.execute(f"""INSERT INTO {TABLE} (source, file, line, record_id, field, value, reason, rejected_at)
                        SELECT source, file, NULL, record_id, field, value, reason, current_timestamp
                        FROM ({rejects_sql(checked, raw_tables)})""")
    return con.execute(f"SELECT count(*) FROM {TABLE} WHERE source LIKE 'stg\\_%' ESCAPE '\\'").fetchall()[0][0]


def count(con: duckdb.DuckDBPyConnection) -> int:
    """Rows in rejected_records (0 before any import created it)."""
    rows = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [TABLE]).fetchall()
    return con.execute(f"SELECT count(*) FROM {TABLE}").fetchall()[0][0] if rows[0][0] else 0
