"""The package installs: a wheel carries the flows, the dashboard and the SQL, and `pip install .` into a fresh
environment runs `postaudit demo` from a folder outside the repository.

Nothing is downloaded: the fresh environment borrows this one's installed dependencies through a .pth line (a
path line in a .pth file adds the folder to sys.path without running the .pth files in it, so this environment's
editable postaudit stays invisible), builds without isolation and installs with --no-deps --no-index.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PIP = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input"]


def _source_copy(dest: Path) -> Path:
    """The repository's tracked files, as a fresh checkout would have them (building writes into the tree)."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout
    for rel in filter(None, listed.decode().split("\0")):
        src = REPO / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    return dest


def _run(cmd: list, **kw) -> subprocess.CompletedProcess:
    done = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=240, **kw)
    assert done.returncode == 0, f"{' '.join(map(str, cmd))} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    return _source_copy(tmp_path_factory.mktemp("checkout"))


@pytest.mark.slow
def test_the_wheel_carries_flows_dashboards_and_sql(source, tmp_path):
    try:
        import build  # noqa: F401

        _run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", tmp_path, source])
    except ImportError:
        _run([*PIP, "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", tmp_path, source])
    [wheel] = tmp_path.glob("postaudit-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    sql = {f"postaudit/sql/{p.relative_to(REPO / 'sql').as_posix()}" for p in (REPO / "sql").rglob("*.sql")}
    flows = {f"postaudit/flows/{p.name}" for p in (REPO / "flows").glob("*.py")}
    dashboards = {f"postaudit/dashboards/{p.name}" for p in (REPO / "dashboards").glob("*.py")}
    assert sql and sql <= names, sorted(sql - names)
    assert flows <= names and dashboards <= names
    assert "postaudit/py.typed" in names
    assert {"postaudit/dashboards/vendor/plotly-basic.min.js", "postaudit/dashboards/vendor/LICENSE.plotly.js.txt"} <= names
    top = {n.split("/")[0] for n in names}
    assert not top & {"flows", "dashboards", "sql"}, "generic top-level packages must not be installed"


@pytest.mark.slow
def test_pip_install_runs_the_demo_outside_the_repository(source, tmp_path):
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", venv])
    py = venv / "bin" / "python"
    site = Path(_run([py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip())
    (site / "_postaudit_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    _run([*PIP, "--python", py, "install", "--quiet", "--no-deps", "--no-index", "--no-build-isolation",
          "--ignore-installed", source])
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "POSTAUDIT_DB": ""}
    where = _run([py, "-c", "import postaudit, postaudit.flows, postaudit.warehouse as w; "
                            "print(postaudit.__file__); print(w.SQL_DIR)"], cwd=elsewhere, env=env).stdout.split()
    assert all(Path(p).is_relative_to(site) for p in where), where     # the installed copy, SQL included
    gone = subprocess.run([py, "-c", "import flows"], cwd=elsewhere, env=env, capture_output=True)
    assert gone.returncode != 0                                         # no generic top-level package
    demo = _run([venv / "bin" / "postaudit", "demo", "--days", "7", "--db", "out/wh.duckdb"], cwd=elsewhere, env=env)
    assert "SIMULATED audit" in demo.stderr and (elsewhere / "out" / "dashboard.html").is_file()
    # Prefect's services started before the run: no DuckDB objects outlive the module, no server outlives the demo
    assert "nanobind: leaked" not in demo.stderr, demo.stderr[-2000:]
    assert not _processes_of(venv), "a process of the demo outlived it"
    counts = _run([venv / "bin" / "postaudit", "sql", "select count(*) as n from posts", "--db", "out/wh.duckdb",
                   "--format", "csv"], cwd=elsewhere, env=env).stdout.split()
    assert counts[0] == "n" and int(counts[1]) > 0


def _processes_of(venv: Path) -> list[str]:
    """Command lines of running processes started from this venv (Prefect's temporary server is one)."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            args = cmdline.read_bytes().split(b"\0")
        except OSError:   # the process ended while we looked
            continue
        if args and args[0].decode(errors="replace").startswith(str(venv)):
            found.append(b" ".join(args).decode(errors="replace"))
    return found
