"""Turn the last run's tests/artifacts/reliability.json into the figures block of docs/reliability.md.

    .venv/bin/pytest tests/reliability tests/test_dashboard_browser.py
    .venv/bin/python -m tests.reliability.report          # rewrites the block between the markers
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ARTIFACT = ROOT / "tests" / "artifacts" / "reliability.json"
DOC = ROOT / "docs" / "reliability.md"
START, END = "<!-- figures:start (tests/reliability/report.py) -->", "<!-- figures:end -->"
SOURCES = ("x", "bluesky", "mastodon", "gdelt", "feeds", "articles")
CRASHES = ("import_x_jsonl", "import_parts", "import_table", "build", "collect_x", "collect_bluesky")


def _table(head: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def figures(run: dict) -> str:
    """The markdown block: run facts, then one table per area."""
    t = run["tally"]
    f, c, b, z, s, cc = (t.get(k, {}) for k in ("faults", "crashes", "bad_input", "fuzz", "secrets", "concurrency"))
    out = [f"Last run: {run['finished_at']}, {run['seconds']} s, `{run['command']}` (Python {run['python']}, "
           f"{run['cpus']} CPUs). Tests: " + ", ".join(f"{v} {k}" for k, v in sorted(run["tests"].items()))
           + (f". **Failed: {', '.join(run['failed_tests'])}**" if run["failed_tests"] else ".")]
    out += ["", "**API faults** (seeded random schedules plus one run per source injecting every fault kind once; "
            "counts summed over the seeds):", "",
            _table(["source", "faults injected", "runs", "completed under faults", "stopped with a clear message",
                    "ground truth", "landed", "lost", "doubled"],
                   [[k, f.get(f"{k}.faults_injected", 0), f.get(f"{k}.runs", 0),
                     f.get(f"{k}.completed_under_faults", 0), f.get(f"{k}.stopped_clearly", 0),
                     f.get(f"{k}.truth", 0), f.get(f"{k}.landed", 0), f.get(f"{k}.lost", 0),
                     f.get(f"{k}.doubled", 0)] for k in SOURCES])]
    kinds = {k.split(".", 1)[1]: v for k, v in f.items() if k.startswith("injected.")}
    out += ["", "Faults by kind: " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())) + "."]
    out += ["", "**kill -9** (real `postaudit` processes, one warehouse file per scenario, then a re-run):", "",
            _table(["scenario", "kills", "finished before the kill", "ground truth", "lost", "doubled"],
                   [[k, c.get(f"{k}.kills", 0), c.get(f"{k}.finished_before_kill", 0), c.get(f"{k}.truth", 0),
                     c.get(f"{k}.lost", 0), c.get(f"{k}.doubled", 0)] for k in CRASHES])]
    out += ["", f"Left behind by the kills and cleaned by the next run: {c.get('build.runs_left_running', 0)} runs "
            f"recorded as `running` (marked `interrupted`), {c.get('build.half_built_marts_left', 0)} half-built "
            f"`_building_*` marts (dropped), {c.get('import_parts.parts_folders_left', 0)} parts folders of a file "
            "landing in parts (removed); left after the re-run: "
            f"{c.get('build.left_after_rerun', 0) + c.get('import_parts.left_after_rerun', 0)}."]
    out += ["", "**Concurrency**: " + ", ".join(f"{k} {v}" for k, v in sorted(cc.items())) + ". "
            + "; ".join(run["notes"].get("concurrency", [])) + "."]
    out += ["", f"**Bad input**: {b.get('inputs_tried', 0)} files tried (every importer x every case in "
            f"inputs.py): {b.get('refused_with_message', 0)} refused with a message naming the file and nothing "
            f"landed, {b.get('landed_intact', 0)} landed intact (once, verbatim)."]
    q, it, ce = (t.get(k, {}) for k in ("sql", "import_truth", "cli_errors"))
    out += ["", f"**`postaudit sql`**: {q.get('attacks_tried', 0)} attacks (COPY/EXPORT to files and over the "
            "warehouse, ATTACH read-write, INSTALL/LOAD, statements joined by `;`, read_blob/read_text/read_csv/glob "
            f"outside, settings changes, writes): {q.get('attacks_refused', 0)} refused in one line, files changed: 0; "
            f"a cross join of 10^12 rows with `--timeout 1` stopped after {q.get('timeout_stopped_after_s', 0)} s "
            "(process included)."]
    out += ["", f"**Imports tell the truth**: a twarc2 file appended to while `import x-jsonl` read it: refused "
            f"{it.get('growing_file.refused', 0)} time(s) with nothing landed (the writer had reached page "
            f"{it.get('growing_file.pages_at_kill', 0)}); imported once complete: "
            f"{it.get('growing_file.pages_in_the_end', 0)} of {it.get('growing_file.pages_in_the_end', 0)} pages."]
    out += ["", f"**CLI errors**: {ce.get('cases', 0)} bad inputs over every command, no traceback in any; "
            f"{ce.get('one_line_checked', 0)} checked to end in exactly one line naming what is wrong (the rest are "
            "usage errors of click or argparse)."]
    fuzz = {k.rsplit(".", 1)[0] for k in z}
    parsers, builds = sorted(p for p in fuzz if "+build" not in p), sorted(p for p in fuzz if "+build" in p)
    out += ["", "**Fuzzing** (hypothesis" + (f", {run['fuzz_examples']} examples per parser" if run["fuzz_examples"]
                                            else ", CI budget") + "): parsers "
            + ", ".join(f"{p} {z.get(p + '.examples', 0)}" for p in parsers) + " examples; every one "
            "returned well-formed output or raised InputError with nothing landed. Importers then build, from real "
            "records with fields changed: " + ", ".join(
                f"{p.removesuffix('+build')} {z.get(p + '.examples', 0)} ({z.get(p + '.refused', 0)} refused in one "
                f"line naming the file, {z.get(p + '.built', 0)} landed and built, {z.get(p + '.rejected', 0)} "
                f"value{'' if z.get(p + '.rejected', 0) == 1 else 's'} rejected)" for p in builds) + "; builds that failed: "
            + str(sum(z.get(p + ".examples", 0) - z.get(p + ".refused", 0) - z.get(p + ".built", 0) for p in builds))
            + "."]
    r = t.get("rejects", {})
    out += ["", f"**Bad values** (test_rejects.py, through the CLI, each on its own warehouse): {r.get('cases', 0)} "
            f"cases of one bad value in a real export, each of which made every later build fail before; now "
            f"`build` and `build --force` succeed, the other records are in the marts, and the value is in "
            f"rejected_records: {r.get('left_out', 0)} records left out (no time, id or account to place them by), "
            f"{r.get('kept_with_null', 0)} kept with NULL for the value."]
    out += ["", f"**Secrets**: {s.get('requests_carrying_canary', 0)} requests carried the canary token to the fake; "
            f"{s.get('places_searched', 0)} places searched (logs, output, Prefect runs and logs, "
            f"{s.get('prefect_runs_searched', 0)} Prefect flow/task runs, every file written); leaks: "
            f"{s.get('leaks', 0)}."]
    d = t.get("dashboard", {})
    out += ["", f"**Dashboard**: hostile text in the page bytes, unescaped: {d.get('unescaped_found', 0)}; in "
            f"Chromium, {d.get('hostile_fields', 0)} fields (table.column) holding plotly markup and %{{...}} templates, "
            f"{d.get('hover_labels_checked', 0)} hover labels checked: elements, links, styles, line breaks or "
            f"filled-in templates from data: {d.get('markup_from_data_found', 0)}."]
    lost = sum(v for k, v in {**f, **c}.items() if k.endswith((".lost", ".doubled", ".extra")))
    out += ["", f"**Lost or doubled, all areas: {lost}.**"]
    return "\n".join(out)


def main() -> int:
    run = json.loads(ARTIFACT.read_text())
    doc = DOC.read_text()
    head, _, rest = doc.partition(START)
    _, _, tail = rest.partition(END)
    DOC.write_text(f"{head}{START}\n{figures(run)}\n{END}{tail}")
    print(f"{DOC}: figures from the run of {run['finished_at']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
