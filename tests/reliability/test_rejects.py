"""One bad value in an otherwise good export never breaks a build: the record goes to rejected_records, the rest lands.

Each case is a real record (records.py) with one field changed the way the issue measured, or the way
sweep.py found over every field of every importer. Before the fix each landed ("N new records") and from then on
every `postaudit build`, `--force` included, failed with a traceback naming no record. Through the real CLI
(in-process), each on its own warehouse: import, build, build --force; the marts must then hold every other
record of the file, the bad value must be in rejected_records with its file, field, value and reason, and the
record must be left out (a post without a time cannot be placed) or kept with NULL (an unreadable count).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from postaudit import warehouse
from postaudit.cli import app

from . import records
from .records import MISSING

runner = CliRunner()


@dataclass(frozen=True)
class Case:
    id: str
    importer: str
    path: tuple
    value: object
    field: str            # rejected_records.field
    left_out: bool        # the record is left out of the marts (else kept, with NULL for the field)
    source: str           # the staging view that rejects it
    null_column: str | None = None   # for a kept record: the mart column that is NULL for it


X = "stg_x_posts"
CASES = [
    # the cases
    Case("x_created_at_missing", "twarc", ("created_at",), MISSING, "created_at", True, X),
    Case("x_created_at_feb_29_2025", "twarc", ("created_at",), "2025-02-29T19:24:56.000Z", "created_at", True, X),
    Case("x_created_at_year_99999", "twarc", ("created_at",), "99999-05-18T19:24:56.000Z", "created_at", True, X),
    Case("x_created_at_a_number", "twarc", ("created_at",), 1621365896, "created_at", True, X),
    Case("x_like_count_many", "twarc", ("public_metrics", "like_count"), "many", "public_metrics.like_count", False,
         X, "like_count"),
    Case("x_like_count_10e30", "twarc", ("public_metrics", "like_count"), 10 ** 30, "public_metrics.like_count",
         False, X, "like_count"),
    Case("x_data_element_not_an_object", "twarc", (), "a post that is a string", "id", True, X),
    Case("x_page_nested_100k_deep", "twarc", (), "DEEP", "id", True, X),
    Case("slack_ts_year_10000", "slack", ("ts",), "253402300800.000100", "ts", True, "stg_slack_messages"),
    Case("slack_ts_arabic_indic_digits", "slack", ("ts",), "١٤٥٢٨٣٧٣١٨.000004", "ts", True, "stg_slack_messages"),
    Case("slack_reply_count_lots", "slack", ("reply_count",), "lots", "reply_count", False, "stg_slack_messages"),
    Case("telegram_date_unixtime_too_large", "telegram", ("date_unixtime",), "99999999999999999999",
         "date_unixtime", True, "stg_telegram_messages"),
    Case("telegram_date_unixtime_arabic_indic_digits", "telegram", ("date_unixtime",), "١٦٠٥١٨٥٦٤٧",
         "date_unixtime", True, "stg_telegram_messages"),
]


def _records(case: Case) -> list:
    imp = records.IMPORTERS[case.importer]
    if case.path == ():   # the whole record replaced (a data element that is not an object, or deep nesting)
        recs = imp.seed()
        recs[imp.target] = records._DEEP_MARK if case.value == "DEEP" else case.value
        return recs
    return imp.changed(case.path, case.value)


def _invoke(args: list[str]):
    result = runner.invoke(app, args)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


@pytest.fixture(scope="module")
def clean_counts(tmp_path_factory) -> dict:
    """Rows of each importer's counted mart when its records are all good (the same file without the change), and
    (importer, column) -> rows where a column the cases read as NULL is already NULL (a repost's own counts)."""
    counts = {}
    for name in {c.importer for c in CASES}:
        imp = records.IMPORTERS[name]
        folder = tmp_path_factory.mktemp(f"clean-{name}")
        path, args = imp.file(imp.seed(), folder / "in")
        db = folder / "wh.duckdb"
        assert _invoke([*args, "--db", str(db)]).exit_code == 0
        assert _invoke(["build", "--db", str(db), "--n-boot", "100"]).exit_code == 0
        with duckdb.connect(str(db), read_only=True) as con:
            counts[name] = warehouse.scalar(con, f"select count(*) from {imp.counted}")
            for col in {c.null_column for c in CASES if c.importer == name and c.null_column}:
                counts[name, col] = warehouse.scalar(con, f"select count(*) from {imp.counted} where {col} is null")
            # what the good file itself leaves out (Telegram edits of messages with reactions: stg_telegram_traces)
            counts[name, "rejected"] = set(con.execute("select source, field, value, reason from rejected_records")
                                           .fetchall())
    return counts


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_a_bad_value_is_rejected_and_the_build_succeeds(tmp_path, case, clean_counts, tally):
    imp = records.IMPORTERS[case.importer]
    path, args = imp.file(_records(case), tmp_path / "in")
    db = tmp_path / "wh.duckdb"
    landed = _invoke([*args, "--db", str(db)])
    assert landed.exit_code == 0, landed.output
    tally.add("rejects", "cases")
    for build in (["build"], ["build", "--force"]):
        out = _invoke([*build, "--db", str(db), "--n-boot", "100"])
        assert out.exit_code == 0, out.output
        assert "records rejected: select * from rejected_records" in out.output
    with duckdb.connect(str(db), read_only=True) as con:
        rows = [r for r in con.execute("select source, file, line, record_id, field, value, reason "
                                       "from rejected_records order by all").fetchall()
                if (r[0], r[4], r[5], r[6]) not in clean_counts[case.importer, "rejected"]]
        assert len(rows) == 1, rows
        source, file, line, record_id, field, value, reason = rows[0]
        assert (source, field) == (case.source, case.field)
        assert Path(file).is_relative_to(path) or Path(file) == path or str(path) in file, file
        assert warehouse.scalar(con, "select count(*) from (select record_id from raw_x_pages union all select "
                                     "record_id from raw_slack_messages union all select record_id from "
                                     "raw_telegram_messages) where record_id = ?", [record_id]) == 1
        if case.path and case.value is not MISSING:
            assert value == (case.value if isinstance(case.value, str) else json.dumps(case.value))
        assert reason.endswith("left out" if case.left_out else "read as NULL"), reason
        # the staging views bind in a later session too (`postaudit sql` reads them) and say the same
        assert con.execute(f"select count(*) from {case.source}_checked where len(rejects) > 0").fetchall() == [(1,)]
        # the marts are fresh and hold every other record of the file
        got = warehouse.scalar(con, f"select count(*) from {imp.counted}")
        assert got == clean_counts[case.importer] - case.left_out
        if case.null_column:
            assert warehouse.scalar(con, f"select count(*) from {imp.counted} where {case.null_column} is null") \
                == clean_counts[case.importer, case.null_column] + 1
        status = con.execute("select status from runs where flow_name = 'build_metrics' order by started_at").fetchall()
        assert [s for (s,) in status] == ["completed", "completed"]
    tally.add("rejects", "left_out" if case.left_out else "kept_with_null")
