"""Which accounts the page draws when the warehouse holds many: those the claims are about, then the most active.

An audit has a handful of accounts; a research collection can hold thousands, and every per-account trace and
table row would be drawn (22 MB of HTML at 1,000 accounts, docs/performance.md). The page draws at most
MAX_ACCOUNTS of them and says so; the warehouse keeps every account.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb

from postaudit.marts import MARTS, by_account
from postaudit.warehouse import scalar, table_exists

MAX_ACCOUNTS = 12
# Marts the panels read that hold one row set per (platform, account_id): declared in postaudit.marts.
PER_ACCOUNT = by_account()


def count_accounts(con: duckdb.DuckDBPyConnection) -> int:
    """Accounts with posts in the warehouse."""
    if not table_exists(con, "posts"):
        return 0
    return scalar(con, "select count(*) from (select distinct platform, account_id from posts)")


@contextmanager
def focused(con: duckdb.DuckDBPyConnection, limit: int = MAX_ACCOUNTS) -> Iterator[int]:
    """Within the block the per-account marts show only the chosen accounts (and 'all'); yields how many are shown.

    Temporary tables of the same names shadow the marts for this connection only (read-only connections may
    hold them); they are dropped on the way out.
    """
    total = count_accounts(con)
    if total <= limit:
        yield total
        return
    claimed = ("select distinct platform, account_id from claim_verdicts where account_id is not null"
               if table_exists(con, "claim_verdicts") and MARTS["claim_verdicts"].has("platform", "account_id") else
               "select null::varchar as platform, null::varchar as account_id where false")
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _shown_accounts AS
        with counts as (select platform, account_id, count(*) as n from main.posts group by all),
             claimed as ({claimed})
        select c.platform, c.account_id
        from counts c left join claimed k on k.platform = c.platform and k.account_id = c.account_id
        order by k.account_id is null, c.n desc, c.platform, c.account_id
        limit {int(limit)}""")
    shadowed = [t for t in PER_ACCOUNT if table_exists(con, t)]
    try:
        for t in shadowed:
            con.execute(f"""CREATE OR REPLACE TEMP TABLE {t} AS SELECT * FROM main.{t} m
                            WHERE m.account_id = 'all' OR EXISTS (SELECT 1 FROM _shown_accounts s
                                  WHERE s.platform = m.platform AND s.account_id = m.account_id)""")
        yield scalar(con, "select count(*) from _shown_accounts")
    finally:
        for t in [*shadowed, "_shown_accounts"]:
            con.execute(f"DROP TABLE IF EXISTS temp.main.{t}")

