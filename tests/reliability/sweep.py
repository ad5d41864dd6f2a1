"""Every field of every source's real records, tried with every value of records.VALUES; then a build.

    .venv/bin/python -m tests.reliability.sweep [importer ...]     # ~10 minutes for all on 2 cores

For each (importer, field, value): write the records with that one value changed, land them. An InputError
must name the file and be one line; anything else that goes wrong is a finding. The files one field's values
landed are then built together on one warehouse (a failure is narrowed to the value); the build must succeed.
Prints a summary line per importer and every finding, and writes tests/artifacts/sweep.json.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
import traceback
from collections import Counter
from pathlib import Path

import duckdb

from postaudit import warehouse
from postaudit.build_runner import held, run_build
from postaudit.errors import InputError

from . import records

ARTIFACT = Path(__file__).resolve().parents[1] / "artifacts" / "sweep.json"


def _fresh() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(":memory:")
    con.execute("SET TimeZone = 'UTC'")
    warehouse.ensure_raw(con)
    return con


def _build(con) -> str | None:
    try:
        run_build(held(con), "sweep", {}, n_boot=100, force=True)
    except KeyboardInterrupt:
        raise
    except BaseException as exc:   # a finding: data broke the build (polars panics are BaseExceptions)
        return f"{type(exc).__name__}: {' '.join(str(exc).split())[:300]}"
    return None


def sweep(name: str, findings: list[dict], counts: Counter) -> None:
    imp = records.IMPORTERS[name]
    seed = imp.seed()
    for path in imp.fields:
        with tempfile.TemporaryDirectory(prefix="sweep-") as tmp:
            _sweep_field(imp, seed, path, Path(tmp), findings, counts)


def _sweep_field(imp: records.Importer, seed: list, path: tuple, tmp: Path, findings: list[dict],
                 counts: Counter) -> None:
    name = imp.name
    landed: list[tuple[str, Path]] = []
    for label, value in records.VALUES.items():
        recs = records.set_field(seed, imp.target, path, value)
        file, _ = imp.file(recs, tmp / label)
        con = _fresh()
        try:
            imp.land(con, file)
        except InputError as exc:
            msg = str(exc)
            counts["refused"] += 1
            if "\n" in msg or (str(file) not in msg and file.name not in msg):
                findings.append({"importer": name, "field": path, "value": label, "stage": "import",
                                 "problem": f"refusal does not name the file in one line: {msg[:200]}"})
            continue
        except KeyboardInterrupt:
            raise
        except BaseException as exc:
            counts["import_crashed"] += 1
            findings.append({"importer": name, "field": path, "value": label, "stage": "import",
                             "problem": f"{type(exc).__name__}: {str(exc)[:200]}",
                             "where": traceback.format_exc().splitlines()[-3].strip()})
            continue
        finally:
            con.close()
        counts["landed"] += 1
        landed.append((label, file))
    if not landed:
        return
    con = _fresh()
    for _, file in landed:
        imp.land(con, file)
    problem = _build(con)
    con.close()
    if problem is None:
        counts["built"] += len(landed)
        return
    for label, file in landed:   # narrow it down to the values that break it
        con = _fresh()
        imp.land(con, file)
        one = _build(con)
        con.close()
        if one:
            counts["build_failed"] += 1
            findings.append({"importer": name, "field": path, "value": label, "stage": "build", "problem": one})
        else:
            counts["built"] += 1


def main(argv: list[str]) -> int:
    names = argv or list(records.IMPORTERS)
    findings: list[dict] = []
    summary = {}
    for name in names:
        started = time.monotonic()
        counts: Counter = Counter()
        sweep(name, findings, counts)
        summary[name] = {**counts, "fields": len(records.IMPORTERS[name].fields),
                         "seconds": round(time.monotonic() - started, 1)}
        print(f"{name}: {summary[name]}", flush=True)
    for f in findings:
        print(f"FINDING {f['importer']} {'.'.join(map(str, f['field']))} = {f['value']} at {f['stage']}: {f['problem']}")
    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    ARTIFACT.write_text(json.dumps({"summary": summary, "findings": findings, "values": list(records.VALUES)},
                                   indent=1, default=str) + "\n")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
