"""What one fetch job does: read a source and write its raw records to the landing area, never to the warehouse.

Which source a job is, what it calls and with what come from the source registry (postaudit.registry); this
module only wires them to the landing area. File sources are read only when the file changed since their last
successful read (the quick check: resolved path, size and mtime_ns, kept in the job's state file). A source that
reads a file straight into records (`reader`) streams them to one batch; a source whose function writes through a
connection (`collect_x(con, ...)`, `import_telegram(con, ...)`) gets a private DuckDB under the state folder
(kept between runs for stateful sources: their cursors live there), and the rows it adds go to one batch.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from postaudit import landing, registry, warehouse
from postaudit.registry import FetchContext, Job, Source, SourceUnavailable
from postaudit.sources import press_rss, twarc_jsonl
from postaudit.sources import simulated as sim

__all__ = ["SourceUnavailable", "run_job"]


def run_job(job: Job, landing_dir: str, state_dir: str, run_id: str, *, secrets: dict | None = None,
            progress: Callable[[str], None] | None = None, recheck_files: bool = False) -> dict:
    """Fetch one job into the landing area; returns counts (fetched = rows written to landing).

    A file source whose path, size and modification time equal what its last successful read recorded is
    not read again (counts carry `unchanged_since`); recheck_files reads it anyway.
    """
    source = registry.get(job.source)
    if source.kind == "file":
        return _file_job(source, job, landing_dir, state_dir, run_id, secrets, progress, recheck_files)
    return _fetch(source, job, landing_dir, state_dir, run_id, secrets, progress)


def _file_job(source: Source, job: Job, landing_dir: str, state_dir: str, run_id: str, secrets, progress,
              recheck: bool) -> dict:
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
    counts = _fetch(source, job, landing_dir, state_dir, run_id, secrets, progress)
    if stamp is not None and not counts.get("failed"):  # a partly failed read is tried again next run
        state = landing.open_file_state(path)
        try:
            landing.mark_file_read(state, stamp, read_at, f"{run_id}-{job.key}")
        finally:
            state.close()
    return counts


def _fetch(source: Source, job: Job, landing_dir: str, state_dir: str, run_id: str, secrets, progress) -> dict:
    batch = f"{run_id}-{job.key}"
    if source.kind == "simulated":
        return _simulated(job, landing_dir, state_dir, run_id, batch)
    if source.reader:
        label = "simulated" if job.is_simulated else (source.label or source.name)
        prov = warehouse.Provenance(label, job.target, flow_run_id=run_id, is_simulated=job.is_simulated)
        # Streamed from the file to the batch: memory stays flat however large the file is. A reader that
        # skips lines (twarc2: a cut last line) says which, and they travel with the batch to rejected_records.
        reader, skipped = source.read(), []
        takes_skipped = "skipped" in inspect.signature(reader).parameters
        records = reader(job.target, skipped=skipped) if takes_skipped else reader(job.target)
        # a reader yields records of the source's first raw table, or (raw table, record) pairs (twarc2: response
        # pages and flattened posts)
        pairs = (r if isinstance(r, tuple) else (source.raw_tables[0], r) for r in records)
        rows = landing.iter_table_rows(pairs, prov)

        def rejected() -> list[dict]:
            now = datetime.now(UTC)
            return [dict(zip(landing.REJECTED_COLUMNS, (label, s.file, s.line, None, None, s.value, s.reason, now),
                             strict=True)) for s in skipped]

        return {"fetched": landing.write_stream(rows, landing_dir, label, batch_id=batch, rejected=rejected)[1]}
    return _via_scratch(source, job, landing_dir, state_dir, run_id, batch, secrets or {}, progress)


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
        for table, path in (("raw_sim_ground_truth", files["ground_truth"]), ("raw_sim_traces", files["traces"])):
            rows += landing.batch_rows(
                table, (warehouse.RawRecord(payload=line) for line in path.read_text().splitlines() if line),
                warehouse.Provenance("simulated", str(path), run_id, True))
    else:
        rows = [row for path in files["feeds"] for row in landing.batch_rows(
            "raw_press_items", press_rss.fetch_file(path), warehouse.Provenance("simulated", str(path), run_id, True))]
    landing.write_rows(rows, landing_dir, "simulated", batch_id=batch)
    return {"fetched": len(rows)}


def _state_file(state_dir: str, job: Job) -> Path:
    safe = re.sub(r"[^A-Za-z0-9_.@-]+", "_", job.target)[:80]
    return Path(state_dir) / "fetchers" / job.source / f"{job.executive}--{safe}-{job.key[-10:]}.duckdb"


def _via_scratch(source: Source, job: Job, landing_dir: str, state_dir: str, run_id: str, batch: str,
                 secrets: dict, progress) -> dict:
    fn = source.entry_point()
    stateful = source.kind == "stateful"
    path = _state_file(state_dir, job)
    if stateful:
        path.parent.mkdir(parents=True, exist_ok=True)
    scratch = landing.open_scratch(path if stateful else None)
    try:
        last = landing.last_success(scratch)
        now = datetime.now(UTC)
        # Incremental: from the last successful fetch, reaching back `refresh_days` to refresh recent posts' counts.
        lookback = timedelta(days=int(job.opt("lookback_days", 90)))
        refresh = timedelta(days=int(job.opt("refresh_days", 3)))
        ctx = FetchContext(since=(last - refresh) if last else now - lookback, until=now, run_id=run_id,
                           progress=progress, secrets=secrets)
        args, kwargs = source.arguments(job, ctx)
        counts = fn(scratch, *args, **kwargs)
        _, exported = landing.export_new_raw(scratch, landing_dir, job.source, batch_id=batch)
        landing.mark_success(scratch, now)
    finally:
        scratch.close()
    out = {"fetched": exported}
    for key in ("updated", "failed"):
        if isinstance((counts or {}).get(key), int):
            out[key] = counts[key]
    return out
