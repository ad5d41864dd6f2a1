"""One benchmark step per process, so run.py can read each step's own peak memory; prints one JSON line."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def land_bulk(db: str, *paths: str) -> dict:
    """The DuckDB-side bulk path (warehouse.land_jsonl), one transaction per file, twarc parser as fallback."""
    from postaudit import warehouse
    from postaudit.sources import twarc_jsonl

    con = warehouse.connect(db)
    n = 0
    try:
        for path in paths:
            n += warehouse.land_jsonl(con, "raw_x_pages", path, warehouse.Provenance("twarc_jsonl", path),
                                      check_sql=twarc_jsonl.PAGE_CHECK, retrieved_at_path="$.__twarc.retrieved_at",
                                      fallback=lambda p=path: twarc_jsonl.fetch_pages(p)).added
    finally:
        con.close()
    return {"records": n, "files": len(paths)}


def sql(db: str) -> dict:
    """build_sql: raw → staging → marts (posts and the other SQL marts)."""
    from postaudit import warehouse
    from postaudit.build import build_sql

    con = warehouse.connect(db)
    try:
        build_sql(con)
        return {"posts": warehouse.scalar(con, "select count(*) from posts")}
    finally:
        con.close()


def floor(path: str) -> dict:
    """DuckDB's read_json over the file, counting the posts: the floor for any DuckDB-based importer."""
    import duckdb

    con = duckdb.connect()
    n = con.execute("select sum(len(data)) from read_json(?, format = 'newline_delimited')", [path]).fetchall()[0][0]
    return {"post_observations": int(n)}


def metrics(db: str, n_boot: str) -> dict:
    """build_metrics (press marts, sessions, daily activity, time-share with bootstrap, verdicts), phases timed."""
    from postaudit import runs, warehouse
    from postaudit.build import build_metrics

    phases: list[tuple[str, float]] = []
    con = warehouse.connect(db)
    try:
        # Recorded as `postaudit build` records a build, so the incremental step after it can skip.
        runs.start_run(con, "bench-metrics", "build_metrics", {"n_boot": int(n_boot), "via": "benchmarks/steps.py"})
        inputs = runs.build_inputs(con, n_boot=int(n_boot))
        counts = build_metrics(con, n_boot=int(n_boot), progress=lambda m: phases.append((m, time.perf_counter())))
        runs.finish_run(con, "bench-metrics", "completed", {**counts, "inputs": inputs})
    finally:
        con.close()
    end = time.perf_counter()
    steps = {m.split(" ")[0].rstrip(":,"): round((phases[i + 1][1] if i + 1 < len(phases) else end) - t, 2)
             for i, (m, t) in enumerate(phases)}
    return {"counts": counts, "phases_s": steps}


def press(n: str) -> dict:
    """assign_stories over n synthetic articles (30% near-duplicate copies); times the grouping only."""
    from generate import make_articles

    from postaudit.press.stories import assign_stories

    arts = make_articles(int(n))
    t = time.perf_counter()
    out = assign_stories(arts.drop("original_of"))
    secs = time.perf_counter() - t
    got = out.join(arts.select("article_id", "original_of"), on="article_id")
    canon = dict(zip(got["article_id"].to_list(), got["story_id"].to_list(), strict=True))
    copies = got.filter(got["original_of"].is_not_null())
    grouped = sum(canon[a] == canon[o] for a, o in zip(copies["article_id"], copies["original_of"], strict=True))
    return {"grouping_s": round(secs, 2), "copies": copies.height, "copies_grouped": grouped,
            "stories": out["story_id"].n_unique()}


if __name__ == "__main__":
    t0 = time.perf_counter()
    result = {"land-bulk": land_bulk, "sql": sql, "floor": floor, "metrics": metrics, "press": press}[sys.argv[1]](
        *sys.argv[2:])
    result["inner_s"] = round(time.perf_counter() - t0, 2)
    print(json.dumps(result, default=str))
