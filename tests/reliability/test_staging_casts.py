"""Every cast in sql/staging is one that cannot fail: a value staging cannot read must become NULL and a reject,
never an error that stops every later build (postaudit/rejects.py)."""

from __future__ import annotations

import re

import duckdb
import pytest

from postaudit import rejects, warehouse

# Conversions that raise on bad input. try_cast, try_strptime and the safe_* macros are the ones to use; a cast
# of NULL or of a literal cannot fail, nor can one to text. record_key::json reads a key postaudit itself wrote
# as JSON (telegram, slack, table imports), never the source's data.
UNSAFE = [
    (re.compile(r"(?<!null)(?<!\d)(?<!')::\s*(?!varchar\b|json\b)[a-z]+", re.I), "`::` cast"),
    (re.compile(r"(?<!try_)\bcast\s*\((?!\s*null\b)", re.I), "cast()"),
    (re.compile(r"(?<!try_)\bstrptime\s*\(", re.I), "strptime()"),
    (re.compile(r"\b(to_timestamp|timezone|make_timestamp|epoch_ms|to_microseconds)\s*\(", re.I),
     "a conversion that raises (use the safe_* macros)"),
]


def _code(sql: str) -> str:
    return re.sub(r"--[^\n]*", "", sql)


@pytest.mark.parametrize("path", warehouse.layer_files("staging"), ids=lambda p: p.stem)
def test_no_staging_cast_can_fail(path):
    sql = _code(path.read_text())
    found = []
    for pattern, what in UNSAFE:
        for m in pattern.finditer(sql):
            line = sql.count("\n", 0, m.start()) + 1
            found.append(f"{path.name}:{line}: {what}: {sql.splitlines()[line - 1].strip()}")
    found += [f"{path.name}: ::json of {what}, which the source wrote" for what in
              re.findall(r"([\w)\]']+)\s*::\s*json\b", sql, re.I) if what.lower() not in ("record_key", "null")]
    assert not found, "unsafe casts in staging:\n" + "\n".join(found)


def test_every_view_reading_values_says_what_it_rejects():
    """A staging view that casts (safe_*, try_cast) lists what it could not read in `rejects`."""
    for path in warehouse.layer_files("staging"):
        sql = _code(path.read_text())
        if re.search(r"\b(safe_\w+|try_cast|try_strptime)\s*\(", sql, re.I):
            assert rejects.is_checked(sql), f"{path.name} reads values but has no rejects column"


def test_every_checked_view_names_the_raw_record_of_each_reject():
    """rejected_records finds a reject's file through record_id: every checked view has it, and rejects' shape."""
    con = duckdb.connect(":memory:")
    warehouse.apply_layers(con, ("raw", "staging"))
    checked = [n for n, _ in warehouse.layer_relations("staging") if n.endswith(rejects.CHECKED_SUFFIX)]
    assert len(checked) >= 10, checked
    for name in checked:
        cols = {c: t for c, t, *_ in con.execute(f"describe {name}").fetchall()}
        assert "record_id" in cols, f"{name} has no record_id"
        assert cols[rejects.COLUMN] == ('STRUCT(field VARCHAR, "value" VARCHAR, problem VARCHAR, drops BOOLEAN, '
                                        'item VARCHAR)[]'), (name, cols[rejects.COLUMN])
    con.execute(rejects.rejects_sql(checked, []))   # the query a build runs binds over every one of them
