"""What safe casts and reject routing cost a build: the SQL layers at N posts, this tree against another, in one run.

    git archive <commit before> | tar -x -C /tmp/before
    .venv/bin/python benchmarks/rejects.py --before /tmp/before [--size 1M] [--rounds 3]

Lands the SIMULATED posts once (benchmarks/generate.py), copies the warehouse for each tree, then runs build_sql
(raw → staging → marts, where every cast and reject lives) in each tree's own process, alternating trees round
by round so machine load falls on both alike. Then this tree once more on a copy where one post in a thousand
has a bad time or like count (the other tree cannot build that). Prints a table and the median ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from generate import write_posts  # noqa: E402
from run import label, parse_size  # noqa: E402

PY = str(ROOT / ".venv" / "bin" / "python")
STEP = """
import json, sys, time
from postaudit import warehouse
from postaudit.build import build_sql
con = warehouse.connect(sys.argv[1])
t = time.perf_counter()
build_sql(con)
took = time.perf_counter() - t
rejected = (warehouse.scalar(con, "select count(*) from rejected_records")
            if warehouse.table_exists(con, "rejected_records") else None)
print(json.dumps({"s": round(took, 2), "posts": warehouse.scalar(con, "select count(*) from posts"),
                  "rejected": rejected}))
"""


def run_step(tree: Path, db: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tree / "src"), str(tree)])}
    out = subprocess.run([PY, "-c", STEP, str(db)], env=env, cwd=tree, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def spoil(src: Path, dst: Path, every: int = 1000) -> int:
    """Copy the JSONL with one post in `every` given a bad time or count; returns how many were spoiled."""
    n = spoiled = 0
    with open(src, encoding="utf-8") as fh, open(dst, "w", encoding="utf-8") as out:
        for line in fh:
            parts = line.split('"created_at":"')
            for i in range(1, len(parts)):
                n += 1
                if n % every == 0:
                    if spoiled % 2 == 0:
                        parts[i] = "2025-02-29T09:00:00.000Z" + parts[i][parts[i].index('"'):]
                    else:
                        parts[i] = parts[i].replace('"like_count":', '"like_count":"many","x":', 1)
                    spoiled += 1
            out.write('"created_at":"'.join(parts))
    return spoiled


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", type=Path, required=True, help="source tree to compare with (an export of a commit)")
    ap.add_argument("--size", type=parse_size, default=1_000_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--data", type=Path, default=HERE / "data")
    args = ap.parse_args(argv)
    args.data.mkdir(parents=True, exist_ok=True)
    jsonl = args.data / f"posts_{label(args.size)}.jsonl"
    if not jsonl.exists():
        write_posts(jsonl, args.size)
    base = args.data / f"rejects_base_{label(args.size)}.duckdb"
    base.unlink(missing_ok=True)
    subprocess.run([PY, "-m", "postaudit.cli", "import", "x-jsonl", str(jsonl), "--db", str(base)], check=True,
                   capture_output=True)
    trees = {"before": args.before.resolve(), "after": ROOT}
    times: dict[str, list[float]] = {k: [] for k in trees}
    posts: dict[str, int] = {}
    for r in range(args.rounds):
        for name in (trees if r % 2 == 0 else reversed(list(trees))):
            db = args.data / f"rejects_{name}.duckdb"
            shutil.copy(base, db)
            got = run_step(trees[name], db)
            times[name].append(got["s"])
            posts[name] = got["posts"]
            print(f"round {r + 1} {name}: {got['s']} s, {got['posts']} posts", flush=True)
            db.unlink()
    bad_jsonl = args.data / f"posts_{label(args.size)}_bad.jsonl"
    spoiled = spoil(jsonl, bad_jsonl)
    bad_db = args.data / "rejects_bad.duckdb"
    bad_db.unlink(missing_ok=True)
    subprocess.run([PY, "-m", "postaudit.cli", "import", "x-jsonl", str(bad_jsonl), "--db", str(bad_db)], check=True,
                   capture_output=True)
    t = time.perf_counter()
    bad = run_step(ROOT, bad_db)
    bad["wall_s"] = round(time.perf_counter() - t, 2)
    for f in (base, bad_db, bad_jsonl):
        f.unlink(missing_ok=True)
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"\n| build_sql at {label(args.size)} posts | runs (s) | median (s) | posts |\n|---|---|---|---|")
    for name in trees:
        print(f"| {name} | {', '.join(map(str, times[name]))} | {med[name]} | {posts[name]} |")
    print(f"| after, {spoiled} posts spoiled | {bad['s']} | {bad['s']} | {bad['posts']} ({bad['rejected']} rejected) |")
    print(f"\nratio after/before (medians): {med['after'] / med['before']:.2f}; load average {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
