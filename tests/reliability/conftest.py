"""The reliability suite's tally: every test adds what it injected and what it found; the session writes it out.

The figures in docs/reliability.md come from tests/artifacts/reliability.json written here (run
`python -m tests.reliability.report` afterwards), so the report shows what the last run did, not what we hoped.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import pytest

ARTIFACT = Path(__file__).resolve().parents[1] / "artifacts" / "reliability.json"
_TALLY: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
_NOTES: dict[str, list[str]] = defaultdict(list)
_OUTCOMES: dict[str, str] = {}
_STARTED = time.monotonic()


class Tally:
    """Counts per area (faults, crashes, concurrency, bad_input, fuzz, secrets): add(area, key, n)."""

    def add(self, area: str, key: str, n: int = 1) -> None:
        _TALLY[area][key] += n

    def note(self, area: str, text: str) -> None:
        _NOTES[area].append(text)


@pytest.fixture(scope="session")
def tally() -> Tally:
    """The session's reliability tally."""
    return Tally()


def pytest_runtest_logreport(report) -> None:
    if "tests/reliability/" not in report.nodeid.replace("\\", "/") and not report.nodeid.startswith("reliability/"):
        return
    if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
        outcome = "xfailed" if hasattr(report, "wasxfail") and report.outcome == "skipped" else report.outcome
        _OUTCOMES[report.nodeid] = outcome


def pytest_sessionfinish(session, exitstatus) -> None:
    if not _OUTCOMES:
        return
    counts: dict[str, int] = defaultdict(int)
    for outcome in _OUTCOMES.values():
        counts[outcome] += 1
    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    ARTIFACT.write_text(json.dumps({
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "seconds": round(time.monotonic() - _STARTED, 1),
        "command": " ".join(["pytest", *sys.argv[1:]]) if sys.argv else "pytest",
        "python": platform.python_version(), "cpus": os.cpu_count(),
        "fuzz_examples": int(os.environ.get("POSTAUDIT_FUZZ_EXAMPLES", "0") or 0) or None,
        "tests": dict(counts), "failed_tests": sorted(k for k, v in _OUTCOMES.items() if v == "failed"),
        "tally": {area: dict(v) for area, v in sorted(_TALLY.items())},
        "notes": {area: v for area, v in sorted(_NOTES.items())},
    }, indent=1, sort_keys=True) + "\n")
