"""An import says what it landed: lines are counted by the pass that lands them, and a file that changes while it
is read (still being written, copied or rewritten) lands nothing and says so, whatever path the importer takes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from postaudit import landing, warehouse
from postaudit.sources import simulated, slack, twarc_jsonl

POSTAUDIT = [sys.executable, "-m", "postaudit.cli"]


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> list[str]:
    """About 900 distinct twarc2 response pages (a year of the simulated executive, pages numbered apart)."""
    files = simulated.write_files(simulated.simulate(seed=5, days=450), tmp_path_factory.mktemp("truth_sim"))
    lines = [line for line in files["timeline"].read_text().splitlines() if line]
    out = []
    for i, line in enumerate(lines):
        page = json.loads(line)
        page.setdefault("meta", {})["test_seq"] = i   # every line distinct, so lines == records
        out.append(json.dumps(page))
    return out


def _raw_count(db: Path, table: str = "raw_x_pages") -> int:
    con = warehouse.connect(db, read_only=True)
    try:
        return warehouse.scalar(con, f"select count(*) from {table}")
    finally:
        con.close()


def test_file_still_being_written_lands_nothing_and_says_so(tmp_path, pages, tally):
    """The 344-of-889 case: `import x-jsonl` of a file a twarc2 run is still appending to."""
    path, db = tmp_path / "growing.jsonl", tmp_path / "wh.duckdb"
    head = 344
    path.write_text("".join(p + "\n" for p in pages[:head]))
    stop, written = threading.Event(), [head]

    def keep_writing() -> None:
        # One whole page per write, every few milliseconds, for as long as the import runs.
        with open(path, "a", encoding="utf-8") as fh:
            while not stop.is_set() and written[0] < len(pages):
                fh.write(pages[written[0]] + "\n")
                fh.flush()
                written[0] += 1
                time.sleep(0.003)

    writer = threading.Thread(target=keep_writing, daemon=True)
    proc = subprocess.Popen([*POSTAUDIT, "import", "x-jsonl", str(path), "--db", str(db)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, "COLUMNS": "200"})
    # Start appending only once the import is under way: the warehouse file appears when it opens it.
    deadline = time.monotonic() + 60
    while not db.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.001)
    writer.start()
    _out, err = proc.communicate(timeout=120)
    stop.set()
    writer.join()
    assert written[0] > head, "the writer never appended while the import ran"
    assert proc.returncode == 1, err
    assert "Traceback" not in err
    assert "changed while it was read" in err and "nothing from this file was landed" in err, err
    assert _raw_count(db) == 0, "a file that changed while it was read must land nothing"
    tally.add("import_truth", "growing_file.refused")
    # Once the writer has finished, the same import lands every page and says how many.
    with open(path, "a", encoding="utf-8") as fh:
        fh.writelines(p + "\n" for p in pages[written[0]:])
    done = subprocess.run([*POSTAUDIT, "import", "x-jsonl", str(path), "--db", str(db)], capture_output=True,
                          text=True, timeout=120, env={**os.environ, "COLUMNS": "200"})
    assert done.returncode == 0, done.stderr
    assert f"{len(pages)} new records ({len(pages)} pages" in done.stderr
    assert _raw_count(db) == len(pages)
    tally.add("import_truth", "growing_file.pages_at_kill", written[0])
    tally.add("import_truth", "growing_file.pages_in_the_end", len(pages))


def test_lines_are_counted_by_the_pass_that_lands_them(con, tmp_path, pages):
    """The count cannot come from a read after the commit: the file is emptied just before it commits."""
    path = tmp_path / "t.jsonl"
    path.write_text("".join(p + "\n" for p in pages[:50]) + pages[0] + "\n")   # one line twice
    prov = warehouse.Provenance("twarc_jsonl", str(path))
    with warehouse.commit_check(lambda: path.write_text("")):
        landed = warehouse.land_jsonl(con, "raw_x_pages", path, prov, check_sql=twarc_jsonl.PAGE_CHECK)
    assert landed == (50, 51)


def test_a_change_between_parts_takes_the_landed_parts_back_out(con, tmp_path, pages):
    """A file landed in parts (one transaction each) that changes after the first part: nothing of it stays."""
    first, path = tmp_path / "first.jsonl", tmp_path / "big.jsonl"
    first.write_text("".join(p + "\n" for p in pages[:5]))
    warehouse.land_jsonl(con, "raw_x_pages", first, warehouse.Provenance("twarc_jsonl", str(first)))
    before = warehouse.scalar(con, "select list(record_id order by record_id) from raw_x_pages")
    path.write_text("".join(p + "\n" for p in pages[:300]))   # its first 5 lines are already in the warehouse
    commits = [0]

    def grow_after_the_first_part() -> None:
        commits[0] += 1
        if commits[0] == 2:
            with open(path, "a") as fh:
                fh.write(pages[300] + "\n")

    prov = warehouse.Provenance("twarc_jsonl", str(path))
    with warehouse.commit_check(grow_after_the_first_part), \
            pytest.raises(landing.FileChanged, match="changed while it was read"), landing.unchanged_while_read(path):
        warehouse.land_jsonl(con, "raw_x_pages", path, prov, chunk_bytes=100_000)
    assert commits[0] >= 2
    assert warehouse.scalar(con, "select list(record_id order by record_id) from raw_x_pages") == before
    assert not list(tmp_path.glob("postaudit-part-*")) and not list(tmp_path.glob(".postaudit-part-*"))


def test_same_size_rewrite_is_seen(con, tmp_path, pages):
    """A file rewritten in place with the same size: the modification time gives it away."""
    path = tmp_path / "t.jsonl"
    path.write_text(pages[0] + "\n")

    def touch() -> None:
        st = path.stat()
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))

    with warehouse.commit_check(touch), pytest.raises(landing.FileChanged, match="modification time changed"), \
            landing.unchanged_while_read(path):
        twarc_jsonl.land_file(con, path)
    assert warehouse.scalar(con, "select count(*) from raw_x_pages") == 0


def test_export_folder_changed_while_read_lands_nothing(con, tmp_path):
    """A Slack export folder that gains a day file while it is read (an unzip still running)."""
    from fakes.platforms import SLACK_CHANNELS, SLACK_USERS

    root = tmp_path / "export"
    (root / "general").mkdir(parents=True)
    (root / "channels.json").write_text(json.dumps(SLACK_CHANNELS))
    (root / "users.json").write_text(json.dumps(SLACK_USERS))
    (root / "general" / "2025-03-03.json").write_text(json.dumps(
        [{"type": "message", "user": "U100", "text": "hello", "ts": "1741000000.000100"}]))

    def unzip_goes_on() -> None:
        (root / "general" / "2025-03-04.json").write_text("[]")

    with warehouse.commit_check(unzip_goes_on), pytest.raises(landing.FileChanged), \
            landing.unchanged_while_read(root):
        slack.import_slack(con, root, user="U100")
    assert warehouse.scalar(con, "select count(*) from raw_slack_messages") == 0
