"""kill -9 of real `postaudit` processes at random points: during collection, the warehouse load and the build.

Each scenario kills the same command again and again on one warehouse file (a bounded number of times, at seeded
random moments: a delay into the run, or a jitter after the first write-ahead log appears, which is when DuckDB is
writing), checks after every kill that the file opens and holds no duplicate and no partial file, then re-runs
the command to completion and compares the warehouse with the ground truth.
"""

from __future__ import annotations

import csv
import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from fakes.platforms import BSKY_HANDLE, bsky_post, serve_bluesky
from fakes.x_api import HANDLE, TOKEN, FakeX, make_posts, make_user, post_ids

from postaudit import warehouse
from postaudit.sources import simulated

SEED = 9
TESTS = str(Path(__file__).resolve().parents[1])
POSTAUDIT = [sys.executable, "-m", "postaudit.cli"]
ENV = {**os.environ, "POSTAUDIT_LOCK_WAIT": "0", "PYTHONUNBUFFERED": "1"}


def _run(args: list[str], timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout, env=ENV)


def _kill_at(args: list[str], db: Path, rng: random.Random, *, total_s: float, on_event: threading.Event | None = None,
             ) -> str:
    """Start the command and SIGKILL it: after a random delay, after the WAL appears, or on a fake's event."""
    wal = Path(str(db) + ".wal")
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV)
    how = "event" if on_event is not None else rng.choice(["delay", "wal"])
    deadline = time.monotonic() + 60
    if how == "delay":
        time.sleep(rng.uniform(0.2, total_s))
    elif how == "wal":
        while not wal.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.002)
        time.sleep(rng.uniform(0, 0.15))
    else:
        while not on_event.wait(0.005) and proc.poll() is None and time.monotonic() < deadline:
            pass
        time.sleep(rng.uniform(0, 0.03))
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=60)
    return "killed" if proc.returncode == -signal.SIGKILL else f"finished ({proc.returncode})"


def _consistent(db: Path, raw_tables: tuple[str, ...]) -> dict[str, int]:
    """The file opens; no raw table and no posts table holds a row twice; returns raw row counts."""
    con = warehouse.connect(db)
    try:
        warehouse.ensure_raw(con)
        counts = {}
        for t in raw_tables:
            n, dup = con.execute(f"select count(*), count(*) - count(distinct record_id) from {t}").fetchall()[0]
            assert dup == 0, f"{t}: {dup} duplicate rows"
            counts[t] = n
        if warehouse.table_exists(con, "posts"):
            assert warehouse.scalar(con, "select count(*) - count(distinct (platform, post_id)) from posts") == 0
        return counts
    finally:
        con.close()


def _fresh(db: Path) -> None:
    for f in (db, Path(str(db) + ".wal")):
        f.unlink(missing_ok=True)


def _posts(db: Path, platform: str) -> list[str]:
    con = warehouse.connect(db, read_only=True)
    try:
        return [r[0] for r in con.execute("select post_id from posts where platform = ?", [platform]).fetchall()]
    finally:
        con.close()


def _record(tally, area: str, outcomes: list[str], truth: set, landed: list) -> None:
    kills = sum(o == "killed" for o in outcomes)
    tally.add("crashes", f"{area}.kills", kills)
    tally.add("crashes", f"{area}.finished_before_kill", len(outcomes) - kills)
    tally.add("crashes", f"{area}.truth", len(truth))
    tally.add("crashes", f"{area}.lost", len(truth - set(landed)))
    tally.add("crashes", f"{area}.doubled", len(landed) - len(set(landed)))
    tally.add("crashes", f"{area}.extra", len(set(landed) - truth))
    assert kills >= len(outcomes) // 2, f"{area}: most runs finished before the kill: {outcomes}"
    assert set(landed) == truth and len(landed) == len(truth)


@pytest.fixture(scope="module")
def big_timeline(tmp_path_factory) -> tuple[Path, set[str]]:
    """A year of the simulated executive as twarc2 JSONL (about 6k posts, 7.5 MB) and its post ids."""
    files = simulated.write_files(simulated.simulate(seed=5, days=365), tmp_path_factory.mktemp("crash_sim"))
    ids = {t["id"] for line in files["timeline"].read_text().splitlines() if line
           for t in json.loads(line).get("data") or []}
    return files["timeline"], ids


def test_kill_9_during_jsonl_import_then_rerun(tmp_path, big_timeline, tally):
    path, truth = big_timeline
    db = tmp_path / "wh.duckdb"
    rng = random.Random(SEED)
    args = [*POSTAUDIT, "import", "x-jsonl", str(path), "--db", str(db)]
    outcomes = []
    while sum(o == "killed" for o in outcomes) < 6 and len(outcomes) < 18:
        outcomes.append(_kill_at(args, db, rng, total_s=1.0))
        pages = _consistent(db, ("raw_x_pages",))["raw_x_pages"]
        assert pages in (0, 730), f"a killed import left {pages} of 730 pages: the file must land whole or not"
        if pages:
            _fresh(db)   # it finished: start again from an empty warehouse, so the next kill hits a real load
    assert _run(args).returncode == 0
    _consistent(db, ("raw_x_pages",))
    assert _run([*POSTAUDIT, "build", "--db", str(db), "--n-boot", "100"]).returncode == 0
    _record(tally, "import_x_jsonl", outcomes, truth, _posts(db, "x"))


def test_kill_9_during_table_import_then_rerun(tmp_path, tally):
    path = tmp_path / "chat.csv"
    rows = 40_000
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["MsgId", "Sent", "Body"])
        for i in range(rows):
            w.writerow([f"m{i}", f"2025-03-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:00+08:00", f"message {i}, 'quoted'; --"])
    db = tmp_path / "wh.duckdb"
    rng = random.Random(SEED + 1)
    args = [*POSTAUDIT, "import", "table", str(path), "--platform", "wechat", "--account", "ceo",
            "--map", "time=Sent,text=Body,id=MsgId", "--db", str(db)]
    outcomes = []
    while sum(o == "killed" for o in outcomes) < 4 and len(outcomes) < 12:
        outcomes.append(_kill_at(args, db, rng, total_s=1.5))
        n = _consistent(db, ("raw_table_rows",))["raw_table_rows"]
        assert n in (0, rows), f"a killed import left {n} of {rows} rows"
        if n:
            _fresh(db)
    assert _run(args).returncode == 0
    assert _run([*POSTAUDIT, "build", "--db", str(db), "--n-boot", "100"]).returncode == 0
    _record(tally, "import_table", outcomes, {f"m{i}" for i in range(rows)}, _posts(db, "wechat"))


def _leftovers(db: Path) -> tuple[set[str], set[str]]:
    """Runs recorded as still running, and half-built marts (build.MartWriter's _building_* tables)."""
    con = warehouse.connect(db, read_only=True)
    try:
        running = {r for (r,) in con.execute("select run_id from runs where status = 'running'").fetchall()}
        tables = {t for (t,) in con.execute("select table_name from information_schema.tables "
                                            "where starts_with(table_name, '_building_')").fetchall()}
        return running, tables
    finally:
        con.close()


def test_kill_9_during_build_then_rerun(tmp_path, big_timeline, tally):
    path, truth = big_timeline
    db = tmp_path / "wh.duckdb"
    assert _run([*POSTAUDIT, "import", "x-jsonl", str(path), "--db", str(db)]).returncode == 0
    rng = random.Random(SEED + 2)
    args = [*POSTAUDIT, "build", "--db", str(db), "--n-boot", "200"]
    outcomes, stuck, half_built = [], set(), set()
    for _ in range(5):
        outcomes.append(_kill_at(args, db, rng, total_s=2.5))
        assert _consistent(db, ("raw_x_pages",))["raw_x_pages"] == 730     # the build never touches raw
        running, tables = _leftovers(db)
        stuck |= running
        half_built |= tables
    assert stuck, "no kill left a run recorded as running: the kills missed the build"
    done = _run(args)
    assert done.returncode == 0, done.stderr[-2000:]
    con = warehouse.connect(db, read_only=True)
    try:
        # every mart the build writes is there and rebuilt from the same raw data
        assert warehouse.scalar(con, "select count(*) from sessions") > 0
        assert warehouse.scalar(con, "select count(*) - count(distinct (platform, post_id)) from posts") == 0
        # what the killed builds left behind is cleaned up: their runs marked, their half-built marts gone
        status = dict(con.execute("select run_id, status from runs").fetchall())
        assert {status[r] for r in stuck} == {"interrupted"}
        assert "running" not in status.values()
    finally:
        con.close()
    assert _leftovers(db) == (set(), set())
    tally.add("crashes", "build.runs_left_running", len(stuck))
    tally.add("crashes", "build.half_built_marts_left", len(half_built))
    tally.add("crashes", "build.left_after_rerun", 0)
    _record(tally, "build", outcomes, truth, _posts(db, "x"))


_CHILD_PARTS = textwrap.dedent("""
    from postaudit import warehouse
    warehouse.land_jsonl.__kwdefaults__["chunk_bytes"] = 300_000   # parts of 300 kB instead of 512 MB
    from postaudit.cli import app
    app(["import", "x-jsonl", {path!r}, "--db", {db!r}])
""")


def test_kill_9_while_a_file_lands_in_parts_then_rerun(tmp_path, big_timeline, tally):
    """A file over the part size lands part by part; a kill leaves its parts folder, which the next import removes."""
    path, truth = big_timeline
    db = tmp_path / "wh.duckdb"
    args = [sys.executable, "-c", _CHILD_PARTS.format(path=str(path), db=str(db))]
    rng = random.Random(SEED + 5)
    outcomes, left = [], 0
    for _ in range(4):
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV)
        deadline = time.monotonic() + 60
        while not list(tmp_path.glob("postaudit-part-*")) and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.002)
        time.sleep(rng.uniform(0, 0.2))
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=60)
        outcomes.append("killed" if proc.returncode == -signal.SIGKILL else f"finished ({proc.returncode})")
        _consistent(db, ("raw_x_pages",))
        left += len(list(tmp_path.glob("postaudit-part-*")))
    assert left, "no kill left a parts folder behind: the kills missed the landing"
    done = _run([*POSTAUDIT, "import", "x-jsonl", str(path), "--db", str(db), "--recheck"])
    assert done.returncode == 0, done.stderr[-2000:]
    assert not list(tmp_path.glob("postaudit-part-*")) and not list(tmp_path.glob(".postaudit-*.lock"))
    assert _consistent(db, ("raw_x_pages",))["raw_x_pages"] == 730
    assert _run([*POSTAUDIT, "build", "--db", str(db), "--n-boot", "100"]).returncode == 0
    tally.add("crashes", "import_parts.parts_folders_left", left)
    tally.add("crashes", "import_parts.left_after_rerun", 0)
    _record(tally, "import_parts", outcomes, truth, _posts(db, "x"))


_CHILD_X = textwrap.dedent("""
    import sys
    sys.path.insert(0, {tests!r})
    from fakes.x_api import LoopbackAdapter
    from postaudit.sources import x_api
    real = x_api.make_client
    def make_client(token, **kw):
        client = real(token, **kw)
        client.session.mount("https://api.twitter.com", LoopbackAdapter({base!r}, timeout=(5, 30)))
        return client
    x_api.make_client = make_client
    from postaudit.cli import app
    app(["collect", "x", "--handle", {handle!r}, "--db", {db!r}])
""")


def test_kill_9_during_x_collection_then_rerun(tmp_path, monkeypatch, tally):
    posts = make_posts(900)
    db = tmp_path / "wh.duckdb"
    rng = random.Random(SEED + 3)
    monkeypatch.setitem(ENV, "X_BEARER_TOKEN", TOKEN)
    outcomes = []
    with FakeX(posts=posts, users={HANDLE: make_user(tweet_count=900)}) as fake:
        code = _CHILD_X.format(tests=TESTS, base=fake.base, handle=HANDLE, db=str(db))
        args = [sys.executable, "-c", code]
        while sum(o == "killed" for o in outcomes) < 5 and len(outcomes) < 12:
            pages = _consistent(db, ("raw_x_pages", "raw_x_users"))["raw_x_pages"] if db.exists() else 0
            at, seen, hit = rng.randint(1, max(1, 9 - pages)), {"n": 0}, threading.Event()

            def trigger(req, at=at, seen=seen, hit=hit):
                if req["path"].endswith("/tweets"):
                    seen["n"] += 1
                    if seen["n"] == at:
                        hit.set()
            fake.on_request = trigger
            outcomes.append(_kill_at(args, db, rng, total_s=0, on_event=hit))
            _consistent(db, ("raw_x_pages", "raw_x_users"))
        fake.on_request = None
        done = _run(args)
        assert done.returncode == 0, done.stderr[-2000:]
    assert _run([*POSTAUDIT, "build", "--db", str(db), "--n-boot", "100"]).returncode == 0
    _record(tally, "collect_x", outcomes, post_ids(posts), _posts(db, "x"))


def test_kill_9_during_bluesky_collection_then_rerun(tmp_path, httpserver, tally):
    feed = [{"post": bsky_post(f"3k{i:04d}", f"2024-0{1 + i // 500}-{1 + i % 28:02d}T10:{i % 60:02d}:00.000Z",
                               f"post {i}")} for i in range(600)]
    feed.sort(key=lambda f: f["post"]["indexedAt"], reverse=True)
    seen = serve_bluesky(httpserver, feed, page_size=50)
    db = tmp_path / "wh.duckdb"
    rng = random.Random(SEED + 4)
    args = [*POSTAUDIT, "collect", "bluesky", BSKY_HANDLE, "--base-url", httpserver.url_for("/xrpc"),
            "--plc-url", httpserver.url_for("/plc"), "--db", str(db)]
    outcomes = []
    for _ in range(3):
        at, hit, start = rng.randint(1, 12), threading.Event(), len(seen)

        def watch(at=at, hit=hit, start=start):
            while not hit.is_set() and len(seen) - start < at:
                time.sleep(0.002)
            hit.set()
        t = threading.Thread(target=watch, daemon=True)
        t.start()
        outcomes.append(_kill_at(args, db, rng, total_s=0, on_event=hit))
        hit.set()
        _consistent(db, ("raw_bluesky_feed_pages", "raw_bluesky_profiles"))
    assert _run(args).returncode == 0
    assert _run([*POSTAUDIT, "build", "--db", str(db), "--n-boot", "100"]).returncode == 0
    _record(tally, "collect_bluesky", outcomes, {f["post"]["uri"] for f in feed}, _posts(db, "bluesky"))
