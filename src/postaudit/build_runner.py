"""One build, recorded in `runs`: skipped when nothing it reads changed, else the SQL layers and the metric marts.

`postaudit build` and the `build_metrics` flow both run builds through `run_build`, so the skip check, the record
of every build and what a failure leaves behind are the same for both. Deciding to skip imports nothing of the
metrics stack (~0.5 s of scipy and datasketch).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from postaudit import rejects, runs

FLOW_NAME = "build_metrics"
SKIP_MESSAGE = "no raw table, SQL file, claims file or parameter changed since the last completed build"
Connect = Callable[[], AbstractContextManager[duckdb.DuckDBPyConnection]]


@dataclass
class BuildResult:
    """What run_build did: skipped (with when the build whose marts stand finished), or built with row counts."""

    skipped: bool
    reasons: list[str] = field(default_factory=list)    # why it built, in words
    counts: dict = field(default_factory=dict)           # rows per relation, sql_relations = SQL relations applied
    last_built_at: datetime | None = None
    rejected: int = 0                                    # rows in rejected_records: values the marts do not hold

    def rejected_line(self) -> str | None:
        """What the build says about rejected records, or None when there are none."""
        if not self.rejected:
            return None
        return f"{self.rejected} records rejected: select * from {rejects.TABLE}"


def held(con: duckdb.DuckDBPyConnection) -> Connect:
    """A Connect that hands out one connection already open (the CLI's), never closing it."""

    @contextmanager
    def connect() -> Iterator[duckdb.DuckDBPyConnection]:
        yield con

    return connect


def build_steps(connect: Connect, n_boot: int, claims_file: str | Path | None = None,
                progress: Callable[[str], None] | None = None, timezone: str | None = None) -> dict:
    """Apply the SQL layers, then compute every Python mart; rows per relation and sql_relations."""
    from postaudit.build import build_metrics, build_sql

    with connect() as con:
        built = len(build_sql(con))
        return {"sql_relations": built,
                **build_metrics(con, n_boot=n_boot, claims_file=claims_file, progress=progress, timezone=timezone)}


def run_build(connect: Connect, run_id: str, params: dict, *, n_boot: int, claims_file: str | Path | None = None,
              force: bool = False, steps: Callable[[], dict] | None = None,
              progress: Callable[[str], None] | None = None, timezone: str | None = None) -> BuildResult:
    """Build unless no input changed since the last completed build (force builds anyway); every run is recorded.

    `connect` opens the warehouse for each bookkeeping step; `steps` does the building (default: build_steps on
    `connect`). timezone: a zone stated for every account (default: inferred per account). A failed build is recorded as failed and raised; the marts of the last build stay as they were.
    """
    say = progress or (lambda _m: None)
    with connect() as con:
        runs.start_run(con, run_id, FLOW_NAME, {**params, "n_boot": n_boot, "force": force})
        inputs = runs.build_inputs(con, n_boot=n_boot, claims_file=claims_file, timezone=timezone)
        reasons = ["forced"] if force else runs.build_reasons(con, inputs)
        if not reasons:
            built_at = runs.last_build(con, FLOW_NAME)[1]
            runs.finish_run(con, run_id, "skipped", {"skipped": 1}, SKIP_MESSAGE)
            say(f"inputs unchanged since the build of {built_at}: marts kept as they are")
            return BuildResult(skipped=True, last_built_at=built_at, rejected=rejects.count(con))
    say(f"building: {'; '.join(reasons)}")
    try:
        counts = steps() if steps else build_steps(connect, n_boot, claims_file, progress, timezone)
    except Exception as exc:
        with connect() as con:
            runs.finish_run(con, run_id, "failed", {}, str(exc) or type(exc).__name__)
        raise
    with connect() as con:
        rejected = rejects.count(con)
        runs.finish_run(con, run_id, "completed", {**counts, rejects.TABLE: rejected, "inputs": inputs})
    if rejected:
        say(f"{rejected} records rejected: select * from {rejects.TABLE}")
    return BuildResult(skipped=False, reasons=reasons, counts=counts, rejected=rejected)
