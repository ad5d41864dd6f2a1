"""The DuckDB shell users install (PyPI `duckdb-cli`, a DuckDB 1.x build) opens the demo warehouse and answers the README.

The CLI is installed from the package registry into a virtual environment of its own under the temporary
folder, kept for later runs (about 20 s the first time). The demo's audit writes the warehouse, as `postaudit demo` does.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb
import pytest

from postaudit import warehouse

DUCKDB_CLI = "1.5.6"  # the newest duckdb-cli on the registry; DuckDB 1.x reads storage formats up to v1.5
REPO = Path(__file__).resolve().parents[1]


def _readme_queries() -> list[str]:
    """The queries of the README's `postaudit sql "..."` lines after the demo."""
    text = (REPO / "README.md").read_text()
    block = text[text.index("## After the demo"):text.index("## Commands")]
    return [shlex.split(line)[2] for line in block.splitlines() if line.startswith(".venv/bin/postaudit sql ")]


def _own_dir(path: Path) -> bool:
    """Ours alone: owned by this user and writable by nobody else (a shared /tmp must not hand us a binary)."""
    st = path.lstat()
    return path.is_dir() and not path.is_symlink() and st.st_uid == os.getuid() and not st.st_mode & 0o022


@pytest.fixture(scope="session")
def duckdb_cli() -> Path:
    """The duckdb binary of duckdb-cli DUCKDB_CLI, in a venv cached under the temporary folder."""
    cache = Path(tempfile.gettempdir()) / f"postaudit-duckdb-cli-{DUCKDB_CLI}-{os.getuid()}"
    # The package's own binary: its bin/duckdb wrapper names the Python that installed it and would not survive
    # the rename below.
    exe = cache / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages" / \
        "duckdb_cli" / "duckdb"
    if cache.exists() and not (_own_dir(cache) and _version(exe) == DUCKDB_CLI):
        shutil.rmtree(cache, ignore_errors=True)  # someone else's, half-built or another version: build afresh
    if not cache.exists():
        building = Path(tempfile.mkdtemp(prefix=cache.name + ".", dir=cache.parent))  # mode 0700
        # --without-pip + the project's pip: no second pip download; the package comes from the registry
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(building)], check=True)
        r = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                            "--prefix", str(building), f"duckdb-cli=={DUCKDB_CLI}"], capture_output=True, text=True)
        if r.returncode != 0:
            shutil.rmtree(building, ignore_errors=True)
            pytest.skip(f"duckdb-cli {DUCKDB_CLI} not installable here (no registry?): {r.stderr.strip()[-300:]}")
        try:
            building.rename(cache)  # atomic: a concurrent run either finds the whole venv or none
        except OSError:
            shutil.rmtree(building, ignore_errors=True)  # another run finished first; use its venv
    assert _own_dir(cache) and _version(exe) == DUCKDB_CLI, f"{exe} is not duckdb-cli {DUCKDB_CLI}"
    return exe


def _version(exe: Path) -> str | None:
    if not exe.is_file():
        return None
    r = subprocess.run([str(exe), "--version"], capture_output=True, text=True)
    found = re.match(r"v(\d+\.\d+\.\d+)", r.stdout)
    return found.group(1) if found else None


def _cli(exe: Path, db: Path, query: str) -> list[list[str]]:
    r = subprocess.run([str(exe), "-readonly", "-csv", str(db), "-c", query], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0 and not r.stderr, f"duckdb {DUCKDB_CLI} failed on {query!r}: {r.stderr}"
    return list(csv.reader(io.StringIO(r.stdout)))


@pytest.mark.slow
def test_duckdb_cli_opens_the_demo_warehouse_and_answers_the_readme(prefect_harness, duckdb_cli, tmp_path):
    from postaudit.flows.audit import audit

    db = tmp_path / "data" / "postaudit.duckdb"
    audit(db=str(db), source="simulated", days=14, seed=5, n_boot=200)
    queries = _readme_queries()
    assert len(queries) >= 3, queries
    con = warehouse.connect(db, read_only=True)
    try:
        assert warehouse.storage_version(con) == "v1.4.0+"
        expected = {q: con.execute(q).fetchall() for q in queries}
        tables = [r[0] for r in con.execute("select table_name from information_schema.tables where "
                                            "table_type = 'BASE TABLE' order by 1").fetchall()]
        views = [r[0] for r in con.execute("select table_name from information_schema.tables where "
                                           "table_type = 'VIEW' order by 1").fetchall()]
        counts = {name: con.execute(f'select count(*) from "{name}"').fetchall()[0][0] for name in tables + views}
    finally:
        con.close()
    for query, rows in expected.items():
        got = _cli(duckdb_cli, db, query)
        assert len(got) == len(rows) + 1, (query, got)  # + the header
        assert sorted(r[0] for r in got[1:]) == sorted("" if r[0] is None else str(r[0]) for r in rows), query
    # every relation reads whole in the 1.x shell, views included (they are bound by DuckDB 1.5 there)
    union = " union all ".join(f"select '{n}', count(*) from (select * from \"{n}\")" for n in tables + views)
    assert {name: int(n) for name, n in _cli(duckdb_cli, db, union)[1:]} == counts


@pytest.mark.slow
def test_an_old_warehouse_is_refused_by_duckdb_1_until_rewritten(duckdb_cli, tmp_path):
    """What users with a warehouse from before see, and the way out the README gives."""
    old = tmp_path / "old.duckdb"
    con = duckdb.connect(str(old))  # DuckDB 2.0's default storage, as postaudit created files before
    con.execute("create table posts as select 'x' as platform, range as post_id from range(5)")
    con.close()
    r = subprocess.run([str(duckdb_cli), "-readonly", str(old), "-c", "select 1"], capture_output=True, text=True)
    assert r.returncode != 0 and "Trying to read a database file with version number" in r.stderr
    from typer.testing import CliRunner

    from postaudit.cli import app

    assert CliRunner().invoke(app, ["rewrite-warehouse", "--db", str(old)]).exit_code == 0
    assert _cli(duckdb_cli, old, "select count(*) from posts") == [["count_star()"], ["5"]]
