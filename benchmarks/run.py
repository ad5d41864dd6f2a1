"""Benchmark import, metrics, dashboard and press grouping against twarc-csv and DuckDB's read_json floor.

Usage: .venv/bin/python benchmarks/run.py --sizes 10k,100k,1M [--with-10m]
Each step runs in its own process; wall time is measured here and peak memory is the child's own
ru_maxrss from os.wait4, so steps never share a high-water mark. Writes docs/performance.md (between its
bench markers; text outside them is kept), the plot beside it (PNG, or SVG without kaleido) and
benchmarks/results.json.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import resource
import shutil
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from generate import write_posts  # noqa: E402
from plot import write_plot  # noqa: E402

PY = str(ROOT / ".venv" / "bin" / "python")
TWARC = HERE / ".venv-twarc" / "bin" / "twarc2"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"


def parse_size(s: str) -> int:
    """'10k' → 10_000, '1M' → 1_000_000."""
    m = re.fullmatch(r"(\d+(?:\.\d+)?)([kKmM]?)", s.strip())
    if not m:
        raise argparse.ArgumentTypeError(f"not a size: {s!r} (use e.g. 10k, 1M)")
    return int(float(m.group(1)) * {"": 1, "k": 1_000, "m": 1_000_000}[m.group(2).lower()])


def label(n: int) -> str:
    """1_000_000 → '1M'."""
    return f"{n // 1_000_000}M" if n >= 1_000_000 and n % 1_000_000 == 0 else (
        f"{n // 1000}k" if n % 1000 == 0 else str(n))


def measure(cmd: list[str], timeout: float, env: dict | None = None, cwd: Path = ROOT,
            mem_cap_gb: float | None = None) -> dict:
    """Run one step; wall seconds, the child's own peak RSS (MB), exit status, last JSON line of stdout.

    mem_cap_gb caps the child's address space, so a step that would outgrow a shared machine fails
    (and says so) instead of pushing other processes out of memory.
    """

    def cap() -> None:
        if mem_cap_gb:
            limit = int(mem_cap_gb * 2**30)
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    load = os.getloadavg()[0]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=cwd,
                            start_new_session=True, text=True, preexec_fn=cap)
    out_chunks: list[str] = []
    err_chunks: list[str] = []
    # Drain pipes in threads so a chatty child never blocks; wait4 gives this child's own rusage.
    threads = [threading.Thread(target=lambda s, acc: acc.append(s.read()), args=(p, a), daemon=True)
               for p, a in ((proc.stdout, out_chunks), (proc.stderr, err_chunks))]
    for th in threads:
        th.start()
    timed_out = False
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() - t0 > timeout:
            os.killpg(proc.pid, signal.SIGKILL)
            pid, status, usage = os.wait4(proc.pid, 0)
            timed_out = True
            break
        time.sleep(0.02)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    for th in threads:
        th.join(5)
    stdout = "".join(out_chunks)
    info = {}
    for line in reversed(stdout.strip().splitlines()):
        if line.startswith("{"):
            with contextlib.suppress(json.JSONDecodeError):
                info = json.loads(line)
            break
    if not info and stdout.strip():
        info = {"said": " ".join(stdout.split())[:300]}  # a CLI step: what it told the user
    # CPU seconds (user + system) beside wall time: on a shared machine the wall time of one step swings with
    # the others' load, its CPU time much less
    res = {"wall_s": round(wall, 2), "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
           "peak_mb": round(usage.ru_maxrss / 1024), "rc": proc.returncode,
           "timed_out": timed_out, "load_before": round(load, 2), "load_after": round(os.getloadavg()[0], 2),
           "info": info}
    if proc.returncode and not timed_out:
        res["error"] = "".join(err_chunks).strip().splitlines()[-3:]
    return res


def run_size(n: int, args, data: Path) -> dict:
    """All post steps for one N; returns {step: measurement}."""
    path = data / f"posts_{label(n)}.jsonl"
    meta_path = path.with_suffix(".json")
    steps: dict[str, dict] = {}
    if not (path.exists() and meta_path.exists()):
        t0 = time.perf_counter()
        meta = write_posts(path, n)
        meta["generate_s"] = round(time.perf_counter() - t0, 2)
        meta_path.write_text(json.dumps(meta))
    meta = json.loads(meta_path.read_text())
    # The quick check re-reads a file modified within 2 s of a read (a second write in the same clock tick
    # would keep size and mtime), so a file generated just now would not be skipped by the incremental step.
    time.sleep(max(0.0, 3.0 - (time.time() - path.stat().st_mtime)))
    say(f"N={label(n)}: {meta['bytes'] / 1e6:.0f} MB, {meta['lines']} pages, {meta['post_observations']} post objects")
    db = data / f"wh_{label(n)}.duckdb"
    for f in (db,):
        f.unlink(missing_ok=True)
        Path(str(f) + ".wal").unlink(missing_ok=True)
    t = args.timeout
    env = tree_env(args.tree, args.duckdb_memory)
    postaudit = [PY, "-m", "postaudit.cli"]

    def step(name: str, cmd: list[str], **kw) -> dict | None:
        if args.steps and name not in args.steps:
            return None
        say(f"  {name} ...")
        r = measure(cmd, kw.pop("timeout", t), env=kw.pop("env", env), cwd=args.tree, mem_cap_gb=args.mem_cap_gb)
        if args.mem_cap_gb:
            r["mem_cap_gb"] = args.mem_cap_gb
        steps[name] = r
        say(f"  {name}: {r['wall_s']} s ({r['cpu_s']} s CPU), {r['peak_mb']} MB" + (" TIMEOUT" if r["timed_out"] else "")
            + (f" FAILED {r.get('error')}" if r["rc"] and not r["timed_out"] else ""))
        return r

    # One file at every N, as a researcher's export comes: `import x-jsonl` checks a file over 512 MB whole,
    # then lands it in parts, one transaction each (warehouse.land_jsonl), so memory stays bounded.
    step("land_cli", [*postaudit, "import", "x-jsonl", str(path), "--db", str(db)])
    step("sql_layers", [PY, str(HERE / "steps.py"), "sql", str(db)])
    step("duckdb_floor", [PY, str(HERE / "steps.py"), "floor", str(path)])
    if TWARC.exists() and n <= args.twarc_max:
        csv = data / f"twarc_{label(n)}.csv"
        # twarc2 asks for credentials on first use; a throwaway HOME and a dummy token keep it offline and quiet.
        home = data / "twarc-home"
        home.mkdir(exist_ok=True)
        step("twarc_csv", [str(TWARC), "--bearer-token", "none", "csv", str(path), str(csv)],
             env={**os.environ, "HOME": str(home)})
        csv.unlink(missing_ok=True)
    step("metrics", [PY, str(HERE / "steps.py"), "metrics", str(db), str(args.n_boot)])
    # The incremental run a schedule repeats: the same file again, then a build; nothing is new.
    step("reimport_nothing_new", [*postaudit, "import", "x-jsonl", str(path), "--db", str(db)])
    step("build_nothing_new", [*postaudit, "build", "--db", str(db), "--n-boot", str(args.n_boot)])
    html = data / f"dashboard_{label(n)}.html"
    r = step("dashboard", [*postaudit, "dashboard", "--db", str(db), "--out", str(html)])
    if r and r["rc"] == 0 and html.exists():
        r["info"]["html_mb"] = round(html.stat().st_size / 1e6, 2)
    if not args.keep:
        for f in (db, Path(str(db) + ".wal")):
            f.unlink(missing_ok=True)
    return {"n": n, "file": meta, "steps": steps}


def tree_env(tree: Path, duckdb_memory: str | None = None) -> dict:
    """Environment whose imports resolve to the source tree being measured (before the editable install)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tree / "src"), str(tree)])}
    if duckdb_memory:
        env["POSTAUDIT_DUCKDB_MEMORY_LIMIT"] = duckdb_memory
    return env


def say(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def machine() -> dict:
    """Cores, RAM, CPU model, Python and package versions, date."""
    cpu = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                if ln.startswith("model name")), platform.processor())
    mem_kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))

    def versions(py: str, names: list[str]) -> dict:
        code = f"import importlib.metadata as m, json; print(json.dumps({{n: m.version(n) for n in {names!r}}}))"
        try:
            return json.loads(subprocess.run([py, "-c", code], capture_output=True, text=True, check=True).stdout)
        except (subprocess.CalledProcessError, FileNotFoundError, json.JSONDecodeError):
            return {}

    pkgs = versions(PY, ["duckdb", "polars", "pyarrow", "numpy", "plotly", "datasketch", "postaudit"])
    twarc_py = HERE / ".venv-twarc" / "bin" / "python"
    twarc_pkgs = versions(str(twarc_py), ["twarc", "twarc-csv", "pandas"]) if twarc_py.exists() else {}
    return {"cores": os.cpu_count(), "ram_gb": round(mem_kb / 1024 / 1024, 1), "cpu": cpu,
            "python": platform.python_version(), "os": platform.platform(), "packages": pkgs,
            "twarc_env": twarc_pkgs, "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")}


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and write docs/performance.md."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10k,100k,1M", help="post counts, comma-separated (10k,100k,1M)")
    ap.add_argument("--with-10m", action="store_true",
                    help="add 10M posts (~7 GB of JSONL; about 10 minutes on 2 cores, 15 GB of disk)")
    ap.add_argument("--press-sizes", default="10k,100k", help="article counts for press grouping ('' to skip)")
    ap.add_argument("--n-boot", type=int, default=2000, help="bootstrap draws (as `postaudit build`)")
    ap.add_argument("--twarc-max", type=parse_size, default=1_000_000, help="largest N to run twarc-csv on")
    ap.add_argument("--timeout", type=float, default=1800, help="seconds before a step is stopped")
    ap.add_argument("--press-timeout", type=float, default=600, help="seconds before press grouping is stopped")
    ap.add_argument("--data", type=Path, default=HERE / "data", help="scratch folder (gitignored)")
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "performance.md")
    ap.add_argument("--tree", type=Path, default=ROOT,
                    help="source tree to measure (default: this one); e.g. an export of a commit")
    ap.add_argument("--mem-cap-gb", type=float, default=None,
                    help="address-space cap per step (GB), to protect a shared machine; off by default because "
                         "polars and DuckDB reserve far more address space than they touch")
    ap.add_argument("--duckdb-memory", default=None,
                    help="DuckDB memory_limit (POSTAUDIT_DUCKDB_MEMORY_LIMIT); default: postaudit's own (4GB)")
    ap.add_argument("--steps", type=lambda v: set(v.split(",")), default=None,
                    help="only these steps (comma-separated names as in results.json)")
    ap.add_argument("--render-only", action="store_true",
                    help="rewrite the report from --results without measuring anything")
    ap.add_argument("--results", type=Path, default=HERE / "results.json", help="raw measurements (JSON)")
    ap.add_argument("--keep", action="store_true", help="keep the warehouses")
    args = ap.parse_args(argv)
    if args.render_only:
        results = json.loads(args.results.read_text())
        write_doc(args.out, results, render_table(results))
        return 0
    try:
        sizes = [parse_size(s) for s in args.sizes.split(",") if s.strip()]
    except argparse.ArgumentTypeError as exc:
        ap.error(f"--sizes: {exc}")
    if args.with_10m and 10_000_000 not in sizes:
        sizes.append(10_000_000)
    args.data.mkdir(parents=True, exist_ok=True)
    free_gb = shutil.disk_usage(args.data).free / 1e9
    say(f"scratch {args.data}: {free_gb:.0f} GB free")
    args.tree, args.data = args.tree.resolve(), args.data.resolve()
    results = {"tree": str(args.tree), "machine": machine(), "load_start": os.getloadavg(), "sizes": [], "press": []}
    for n in sorted(sizes):
        results["sizes"].append(run_size(n, args, args.data))
    for m in [parse_size(s) for s in args.press_sizes.split(",") if s.strip()]:
        say(f"press N={label(m)} ...")
        r = measure([PY, str(HERE / "steps.py"), "press", str(m)], args.press_timeout,
                    env=tree_env(args.tree), cwd=args.tree)
        say(f"press N={label(m)}: {r['wall_s']} s" + (" TIMEOUT" if r["timed_out"] else ""))
        results["press"].append({"n": m, **r})
    results["load_end"] = os.getloadavg()
    args.results.write_text(json.dumps(results, indent=1, default=str))
    table = render_table(results)
    print(table)
    write_doc(args.out, results, table)
    return 0


def _fmt(r: dict | None) -> tuple[str, str]:
    if r is None:
        return ("not run", "")
    if r["timed_out"]:
        return (f"> {r['wall_s']:.0f} (stopped)", f"{r['peak_mb']}")
    if r["rc"]:
        return ("failed", f"{r['peak_mb']}")
    return (f"{r['wall_s']:.2f}", f"{r['peak_mb']}")


STEP_NAMES = {
    "land_cli": "import: `postaudit import x-jsonl` (land raw pages; parts of 512 MB above that size)",
    "sql_layers": "import: SQL layers raw → staging → marts (incl. `posts`)",
    "duckdb_floor": "floor: DuckDB `read_json` counting posts",
    "twarc_csv": "reference: `twarc2 csv`",
    "metrics": "metrics build (press, sessions, daily, time-share bootstrap, verdicts)",
    "dashboard": "dashboard render (`postaudit dashboard`)",
    "reimport_nothing_new": "incremental: `import x-jsonl` same file again (nothing new)",
    "build_nothing_new": "incremental: `postaudit build` again (nothing new)",
}


def ok(r: dict | None) -> bool:
    return bool(r) and not r["rc"] and not r["timed_out"]


def ratios(s: dict) -> dict:
    """Import totals and their ratios to twarc-csv and the floor, all from one run."""
    st = s["steps"]
    out = {}
    if ok(st.get("land_cli")) and ok(st.get("sql_layers")):
        out["import_s"] = round(st["land_cli"]["wall_s"] + st["sql_layers"]["wall_s"], 2)
        if ok(st.get("twarc_csv")):
            out["import_speedup_vs_twarc"] = round(st["twarc_csv"]["wall_s"] / out["import_s"], 1)
        if ok(st.get("duckdb_floor")):
            out["import_x_floor"] = round(out["import_s"] / st["duckdb_floor"]["wall_s"], 1)
        if ok(st.get("metrics")):
            out["import_and_metrics_s"] = round(out["import_s"] + st["metrics"]["wall_s"], 2)
    if ok(st.get("reimport_nothing_new")) and ok(st.get("build_nothing_new")):
        out["incremental_nothing_new_s"] = round(st["reimport_nothing_new"]["wall_s"]
                                                 + st["build_nothing_new"]["wall_s"], 2)
    return out


def render_table(results: dict) -> str:
    """Markdown table: one row per step and N."""
    lines = ["| N posts | step | wall s | peak MB | posts/s | load 1-min before → after | notes |",
             "|---:|---|---:|---:|---:|---|---|"]
    for s in results["sizes"]:
        n = s["n"]
        for key, name in STEP_NAMES.items():
            r = s["steps"].get(key)
            if r is None:
                continue
            wall, mb = _fmt(r)
            rate = f"{n / r['wall_s']:,.0f}" if ok(r) and key in ("land_cli", "sql_layers", "duckdb_floor",
                                                                   "twarc_csv") else ""
            note = ""
            if key == "dashboard" and "html_mb" in r["info"]:
                note = f"HTML {r['info']['html_mb']} MB"
            if key == "metrics" and r["info"].get("phases_s"):
                note = ", ".join(f"{k.rstrip(':,')} {v} s" for k, v in r["info"]["phases_s"].items())
            if key.endswith("_nothing_new") and r["info"].get("said"):
                note = "said: " + r["info"]["said"][:160]
            if r.get("error"):
                note = "error: " + " ".join(r["error"])[-200:]
            if r.get("mem_cap_gb"):
                note = f"(address space capped at {r['mem_cap_gb']:g} GB) " + note
            lines.append(f"| {label(n)} | {name} | {wall} | {mb} | {rate} | {r['load_before']} → {r['load_after']} | "
                         f"{note.replace('|', '/')} |")
        rt = ratios(s)
        for k, v in rt.items():
            lines.append(f"| {label(n)} | = {k} | {v} | | | | |")
    for p in results["press"]:
        wall, mb = _fmt(p)
        i = p["info"]
        note = (f"grouping alone {i['grouping_s']} s; {i['copies_grouped']}/{i['copies']} copies grouped with "
                f"their original, {i['stories']} stories") if i else ""
        lines.append(f"| {label(p['n'])} articles | press grouping `assign_stories` | {wall} | {mb} | | "
                     f"{p['load_before']} → {p['load_after']} | {note} |")
    return "\n".join(lines)


def write_doc(out: Path, results: dict, table: str) -> None:
    """Replace the measured section of docs/performance.md (and the plot), keeping hand-written text."""
    m = results["machine"]
    pk = ", ".join(f"{k} {v}" for k, v in m["packages"].items())
    tw = ", ".join(f"{k} {v}" for k, v in m["twarc_env"].items())
    files = "; ".join(f"{label(s['n'])}: {s['file']['bytes'] / 1e6:,.0f} MB, {s['file']['lines']:,} pages, "
                      f"{s['file']['post_observations']:,} post objects, {s['file']['accounts']} account(s)"
                      for s in results["sizes"])
    series = {}
    for s in results["sizes"]:
        rt = ratios(s)
        for name, val in (("import", rt.get("import_s")),
                          ("twarc2 csv", s["steps"].get("twarc_csv")),
                          ("DuckDB read_json floor", s["steps"].get("duckdb_floor")),
                          ("metrics build", s["steps"].get("metrics")),
                          ("dashboard", s["steps"].get("dashboard"))):
            if isinstance(val, dict):
                val = val["wall_s"] if ok(val) else None
            if val:
                series.setdefault(name, []).append((s["n"], val))
    plot = write_plot(series, out.with_suffix(""), "Wall time against N (log-log), one run")
    section = f"""{START}
Measured {m['date']} on {m['cores']} cores, {m['ram_gb']} GB RAM, CPU "{m['cpu']}", Python {m['python']}
({m['os']}); {pk}; twarc env: {tw}. 1-minute load average at start {results['load_start'][0]:.2f}, at end
{results['load_end'][0]:.2f} (other work was running on the machine; each row shows the load around it).

Source tree measured: `{results['tree']}`.

Inputs (generated by `benchmarks/generate.py`, SIMULATED): {files}.

{table}

![Wall time against N]({plot.name})
{END}"""
    text = out.read_text() if out.exists() else "# Performance\n\n" + START + "\n" + END + "\n"
    if START not in text:
        text += "\n" + START + "\n" + END + "\n"
    head, rest = text.split(START, 1)
    tail = rest.split(END, 1)[1]
    out.write_text(head + section + tail)
    say(f"wrote {out} and {plot}")


if __name__ == "__main__":
    raise SystemExit(main())
