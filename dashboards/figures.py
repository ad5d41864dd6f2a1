"""Shared pieces of the dashboard panels: the Panel record, escaping, guards and the common figure layout.

Every panel is built from one aggregating query, so what reaches the page grows with days and accounts,
never with the number of posts.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import time

import duckdb
import plotly.graph_objects as go

from postaudit.warehouse import query_pl, scalar, table_exists

KIND_COLOURS = {"original": "#1f77b4", "reply": "#ff7f0e", "quote": "#2ca02c", "repost": "#9467bd"}
SERIES_COLOURS = ["#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2", "#b279a2", "#9d755d", "#bab0ac"]
WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


@dataclass
class Panel:
    """One block of the page: a figure or an HTML table, or a note saying why its data is absent."""

    key: str
    title: str
    caption: str
    figure: go.Figure | None = None
    table_html: str | None = None
    absent: str | None = None
    half: bool = False          # narrow panels sit two to a row


@dataclass
class Section:
    """A heading over a group of panels."""

    key: str
    title: str
    panels: list[Panel]


def esc(value: object) -> str:
    """Escape text from posts and articles so it renders as text, never as markup."""
    return html.escape("" if value is None else str(value), quote=True)


def esc_short(value: object, limit: int = 140) -> str:
    """Escape and shorten text for hover labels (shortened before escaping so no entity is cut in half)."""
    text = "" if value is None else " ".join(str(value).split())
    return esc(text if len(text) <= limit else text[: limit - 1] + "…")


def safe_url(url: str | None) -> str | None:
    """The URL when it is plain http(s), else None (no javascript: or data: links on the page)."""
    return url if url and url.split(":", 1)[0].strip().lower() in ("http", "https") else None


def link(url: str | None, label: object) -> str:
    """An escaped HTML link, or the escaped label alone when the URL is not http(s)."""
    u = safe_url(url)
    return f'<a href="{esc(u)}" rel="noopener noreferrer" target="_blank">{esc(label)}</a>' if u else esc(label)


def missing(con: duckdb.DuckDBPyConnection, *tables: str) -> str | None:
    """A sentence naming the relations this panel needs that the warehouse lacks or that hold no rows."""
    absent = [t for t in tables if not table_exists(con, t)]
    if absent:
        names = ", ".join(f"`{t}`" for t in absent)
        return (f"Data absent: this warehouse has no {names} yet "
                f"({'it is' if len(absent) == 1 else 'they are'} built by `postaudit build`).")
    empty = [t for t in tables if not scalar(con, f'select count(*) from "{t}"')]
    if empty:
        return f"Data absent: {', '.join(f'`{t}`' for t in empty)} holds no rows for this audit."
    return None


def clock(value: object) -> str:
    """A local clock time as HH:MM from hours (float), a time or a string."""
    if value is None:
        return "?"
    if isinstance(value, time):
        return value.strftime("%H:%M")
    try:
        minutes = round(float(value) * 60) % (24 * 60)   # hours as float, int or DECIMAL
    except (TypeError, ValueError):
        return str(value)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def offset_label(hours: float | None) -> str:
    """UTC offset as 'UTC+8' or 'UTC−3:30'."""
    if hours is None:
        return "UTC"
    sign = "+" if hours >= 0 else "−"
    h, m = divmod(round(abs(hours) * 60), 60)
    return f"UTC{sign}{h}" + (f":{m:02d}" if m else "")


def primary_offset(con: duckdb.DuckDBPyConnection) -> tuple[float | None, str]:
    """The inferred UTC offset of the most active account and a sentence stating it (UTC when none is inferred)."""
    if missing(con, "account_timezone"):
        return None, "Times are UTC: no time zone has been inferred (`account_timezone` is absent)."
    order = ("left join (select platform, account_id, sum(count_posts) as n from hourly_activity group by all) h "
             "using (platform, account_id) order by h.n desc nulls last" if table_exists(con, "hourly_activity") else "")
    df = query_pl(con, f"select tz.* from account_timezone tz {order} limit 1")
    row = df.row(0, named=True)
    if row.get("utc_offset_hours") is None:
        return None, "Times are UTC: the account's time zone could not be inferred (too few posts)."
    off = float(row["utc_offset_hours"])
    conf = row.get("confidence")
    conf_txt = f" (confidence {float(conf):.0%})" if conf is not None else ""
    sleep = ""
    if row.get("sleep_start_local") is not None:
        sleep = f"; inferred sleep window {clock(row['sleep_start_local'])}–{clock(row.get('sleep_end_local'))} local"
    return off, f"Inferred time zone {offset_label(off)}{conf_txt}{sleep}."


def layout(fig: go.Figure, height: int = 320, **kw) -> go.Figure:
    """The common look: white template, compact margins, legend under the plot."""
    kw.setdefault("margin", {"l": 55, "r": 25, "t": 15, "b": 45})
    fig.update_layout(height=height, template="plotly_white", legend={"orientation": "h", "y": -0.22},
                      hoverlabel={"align": "left"}, **kw)
    return fig
