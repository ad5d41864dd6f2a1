"""What one fetch job does: read a source and write its raw records to the landing area, never to the warehouse.

File sources are read straight into a batch, unless the file is unchanged since their last successful read
(the quick check: resolved path, size and mtime_ns, kept in the job's state file). Sources whose modules
write through a connection (`collect_x(con, ...)`, `import_telegram(con, ...)`) get a private DuckDB per
account under the state folder: their cursors live there, and the rows they add are exported to one batch.
"""

from __future__ import annotations

import importlib
import inspect
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from postaudit import landing, settings, warehouse
from postaudit.audits import Job
from postaudit.sources import press_rss, twarc_jsonl
from postaudit.sources import simulated as sim


class SourceUnavailable(RuntimeError):
    """The source module this job needs is not in this installation yet."""


# Sources that read a local file or folder: skipped while it is unchanged since their last successful read.
FILE_SOURCES = frozenset({"x_jsonl", "x_archive", "telegram", "slack", "rss_file"})


def run_job(job: Job, landing_dir: str, state_dir: str, run_id: str, *, secrets: dict | None = None,
            progress: Callable[[str], None] | None = None, recheck_files: bool = False) -> dict:
    """Fetch one job into the landing area; returns counts (fetched = rows written to landing).

    A file source whose path, size and modification time equal what its last successful read recorded is
    not read again (counts carry `unchanged_since`); recheck_files reads it anyway.
    """
    if job.source in FILE_SOURCES:
        return _file_job(job, landing_dir, state_dir, run_id, secrets, progress, recheck_files)
    return _fetch(job, landing_dir, state_dir, run_id, secrets, progress)


def _file_job(job: Job, landing_dir: str, state_dir: str, run_id: str, secrets, progress, recheck: bool) -> dict:
    """The quick check (like make's or rsync's), then the read; the record is written only after the batch."""
    read_at = datetime.now(UTC)
    stamp = landing.file_stamp(job.target)  # taken before reading: a file rewritten meanwhile is read again
    path = _state_file(state_dir, job)
    if not recheck and stamp is not None and path.exists():
        state = landing.open_file_state(path)
        try:
            since = landing.unchanged_since(state, stamp, landing_dir)
        finally:
            state.close()
        if since is not None:
            return {"fetched": 0, "unchanged_since": since.isoformat()}
    counts = _fetch(job, landing_dir, state_dir, run_id, secrets, progress)
    if stamp is not None and not counts.get("failed"):  # a partly failed read is tried again next run
        state = landing.open_file_state(path)
        try:
            landing.mark_file_read(state, stamp, read_at, f"{run_id}-{job.key}")
        finally:
            state.close()
    return counts


def _fetch(job: Job, landing_dir: str, state_dir: str, run_id: str, secrets, progress) -> dict:
    batch = f"{run_id}-{job.key}"
    if job.source in ("simulated", "simulated_press"):
        return _simulated(job, landing_dir, state_dir, run_id, batch)
    if job.source == "x_jsonl":
        source = "simulated" if job.is_simulated else "twarc_jsonl"
        prov = warehouse.Provenance(source, job.target, flow_run_id=run_id, is_simulated=job.is_simulated)
        return _records(landing_dir, source, "raw_x_pages", twarc_jsonl.fetch_pages(job.target), prov, batch)
    if job.source == "rss_file":
        source = "simulated" if job.is_simulated else "rss_file"
        prov = warehouse.Provenance(source, job.target, flow_run_id=run_id, is_simulated=job.is_simulated)
        return _records(landing_dir, source, "raw_press_items", press_rss.fetch_file(job.target), prov, batch)
    return _via_scratch(job, landing_dir, state_dir, run_id, batch, secrets or {}, progress)


def _records(landing_dir, source, table, records, prov, batch) -> dict:
    # Streamed from the file to the batch: memory stays flat however large the file is.
    _, n = landing.write_stream(landing.iter_batch_rows(table, records, prov), landing_dir, source, batch_id=batch)
    return {"fetched": n}


def _simulated(job: Job, landing_dir: str, state_dir: str, run_id: str, batch: str) -> dict:
    """The simulated executive, written as wire-format files and read back through the real parsers."""
    o = dict(job.options)
    persona = sim.Persona(name=o["name"], handle=o["handle"], user_id=o["user_id"], company=o["company"])
    world = sim.simulate(seed=o["seed"], days=o["days"], start=date.fromisoformat(o["start"]), persona=persona)
    # Posts and press jobs of one executive may run at once: each writes its own copy of the files.
    files = sim.write_files(world, Path(state_dir) / "simulated" / job.executive / job.kind)
    if job.source == "simulated":
        rows = landing.batch_rows("raw_x_pages", twarc_jsonl.fetch_pages(files["timeline"]),
                                  warehouse.Provenance("simulated", str(files["timeline"]), run_id, True))
        truth = files["ground_truth"]
        rows += landing.batch_rows(
            "raw_sim_ground_truth", (warehouse.RawRecord(payload=line) for line in truth.read_text().splitlines() if line),
            warehouse.Provenance("simulated", str(truth), run_id, True))
    else:
        rows = [row for path in files["feeds"] for row in landing.batch_rows(
            "raw_press_items", press_rss.fetch_file(path), warehouse.Provenance("simulated", str(path), run_id, True))]
    landing.write_rows(rows, landing_dir, "simulated", batch_id=batch)
    return {"fetched": len(rows)}


# Source -> (module, function, whether it keeps state (cursors, last fetch) between runs).
_CONNECTION_SOURCES = {
    "x_api": ("postaudit.sources.x_api", "collect_x", True),
    "x_archive": ("postaudit.sources.x_archive", "import_archive", False),
    "bluesky": ("postaudit.sources.bluesky", "collect_bluesky", True),
    "mastodon": ("postaudit.sources.mastodon", "collect_mastodon", True),
    "telegram": ("postaudit.sources.telegram", "import_telegram", False),
    "slack": ("postaudit.sources.slack", "import_slack", False),
    "gdelt": ("postaudit.sources.press_gdelt", "collect_gdelt", True),
    "rss_feed": ("postaudit.sources.press_rss", "collect_feeds", True),
    "articles": ("postaudit.sources.articles", "collect_articles", True),
}


def source_function(source: str) -> Callable:
    """The collect_/import_ function for a source, or SourceUnavailable naming what is missing."""
    if source not in _CONNECTION_SOURCES:
        raise SourceUnavailable(f"unknown source {source!r}")
    module, name, _ = _CONNECTION_SOURCES[source]
    try:
        fn = getattr(importlib.import_module(module), name, None)
    except ModuleNotFoundError:
        fn = None
    if fn is None:
        raise SourceUnavailable(f"source {source!r} is not available yet: {module}.{name} is missing")
    return fn


def _state_file(state_dir: str, job: Job) -> Path:
    safe = re.sub(r"[^A-Za-z0-9_.@-]+", "_", job.target)[:80]
    return Path(state_dir) / "fetchers" / job.source / f"{job.executive}--{safe}-{job.key[-10:]}.duckdb"


def _via_scratch(job: Job, landing_dir: str, state_dir: str, run_id: str, batch: str, secrets: dict,
                 progress) -> dict:
    fn = source_function(job.source)
    stateful = _CONNECTION_SOURCES[job.source][2]
    path = _state_file(state_dir, job)
    if stateful:
        path.parent.mkdir(parents=True, exist_ok=True)
    scratch = landing.open_scratch(path if stateful else None)
    try:
        last = landing.last_success(scratch)
        now = datetime.now(UTC)
        kwargs = _arguments(job, fn, last, now, run_id, secrets, progress)
        counts = fn(scratch, *kwargs.pop("_args"), **kwargs)
        _, exported = landing.export_new_raw(scratch, landing_dir, job.source, batch_id=batch)
        landing.mark_success(scratch, now)
    finally:
        scratch.close()
    out = {"fetched": exported}
    for key in ("updated", "failed"):
        if isinstance((counts or {}).get(key), int):
            out[key] = counts[key]
    return out


def _arguments(job: Job, fn: Callable, last: datetime | None, now: datetime, run_id: str, secrets: dict,
               progress) -> dict:
    """Keyword arguments for the source function, only those it accepts; the token is read here, never passed around."""
    lookback = timedelta(days=int(job.opt("lookback_days", 90)))
    refresh = timedelta(days=int(job.opt("refresh_days", 3)))
    # Incremental: from the last successful fetch, reaching back `refresh_days` to refresh recent posts' counts.
    since = (last - refresh) if last else now - lookback
    args: tuple = (job.target,)
    extra: dict = {"flow_run_id": run_id, "progress": progress}
    if job.source == "x_api":
        token = secrets.get("x_bearer_token") or settings.load().x_bearer_token
        if not token:
            raise RuntimeError("no X bearer token: create the Secret block named by x_bearer_token_block "
                               "(default x-bearer-token) or set X_BEARER_TOKEN")
        extra |= {"since": since, "until": now, "token": token, "refresh_days": int(job.opt("refresh_days", 3))}
    elif job.source in ("bluesky", "mastodon"):
        extra["since"] = since
    elif job.source == "gdelt":
        args = (job.target, since, now)
    elif job.source in ("rss_feed", "articles"):
        args = (job.target.split("\n"),)
    elif job.source == "telegram":
        extra["from_id"] = job.opt("from_id")
    elif job.source == "slack":
        extra["user"] = job.opt("user")
    accepted = inspect.signature(fn).parameters
    kwargs = {k: v for k, v in extra.items() if k in accepted}
    kwargs["_args"] = args
    return kwargs
