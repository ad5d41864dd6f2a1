"""The verdicts as a Markdown table: what each audit run publishes where Prefect users look (its artifacts)."""

from __future__ import annotations

import re
from decimal import Decimal

import duckdb
import polars as pl

from postaudit.warehouse import query_pl, table_exists

# Read generically: the verdict relation gains columns over time; these lead, every numeric one follows, the
# explanation ends the row.
LEADING = ("claim_id", "verdict", "verdict_text")
TRAILING = ("reason",)
MAX_ROWS = 200


def read_verdicts(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """claim_verdicts' id, verdict, numeric and reason columns (an empty frame when there are no verdicts yet)."""
    if not table_exists(con, "claim_verdicts"):
        return pl.DataFrame()
    frame = query_pl(con, "SELECT * FROM claim_verdicts ORDER BY claim_id")
    numeric = [c for c, t in frame.schema.items() if t.is_numeric() and c not in LEADING + TRAILING]
    keep = [c for c in LEADING if c in frame.columns] + numeric + [c for c in TRAILING if c in frame.columns]
    return frame.select(keep)


def to_markdown(frame: pl.DataFrame, title: str, dashboard: str | None = None) -> str:
    """A heading, one line of context and the table; numbers to 3 significant digits, at most MAX_ROWS rows."""
    lines = [f"## {title}", ""]
    if dashboard:
        lines += [f"Dashboard: `{dashboard}` (one self-contained file, on the machine that ran this flow).", ""]
    if frame.is_empty():
        return "\n".join([*lines, "No claims judged yet: give a claims file, or collect press that states claims."])
    shown = frame.head(MAX_ROWS)
    lines += [f"{frame.height} claim(s)" + (f"; the first {MAX_ROWS} shown, all in `claim_verdicts`."
                                             if frame.height > MAX_ROWS else "."), ""]
    lines.append("| " + " | ".join(shown.columns) + " |")
    lines.append("|" + "|".join("---:" if t.is_numeric() else "---" for t in shown.dtypes) + "|")
    for row in shown.iter_rows():
        lines.append("| " + " | ".join(_cell(v) for v in row) + " |")
    return "\n".join(lines) + "\n"


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float | Decimal):
        return f"{float(value):.3g}"
    # a pipe would end the cell, a newline the row
    return re.sub(r"\s*\n\s*", " ", str(value)).replace("|", "\\|")
