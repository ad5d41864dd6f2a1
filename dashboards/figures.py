"""Shared pieces of the dashboard panels: the Panel record, escaping, guards and the common figure layout.

Every panel is built from one aggregating query, so what reaches the page grows with days and accounts,
never with the number of posts.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import time
from urllib.parse import urlsplit

import duckdb
import plotly.graph_objects as go

from postaudit.warehouse import scalar, table_exists

KIND_COLOURS = {"original": "#1f77b4", "reply": "#ff7f0e", "quote": "#2ca02c", "repost": "#9467bd"}
SERIES_COLOURS = ["#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2", "#b279a2", "#9d755d", "#bab0ac"]
WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
RESERVED_TLDS = (".example", ".test", ".invalid", ".localhost")


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


def shorten(text: str, limit: int) -> str:
    """Text cut to at most `limit` characters at a word boundary, with an ellipsis when cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip(" ,;:.-–") + "…"


def esc_short(value: object, limit: int = 140) -> str:
    """Escape and shorten text for hover labels (shortened before escaping so no entity is cut in half)."""
    return esc(shorten("" if value is None else str(value), limit))


def safe_url(url: str | None, simulated: bool = False) -> str | None:
    """The URL when it is plain http(s), else None (no javascript: or data: links on the page).

    For simulated data only hosts under the reserved names (RFC 2606: .example, .test, .invalid, .localhost)
    are linked: a simulated post id on x.com may well be a real person's post.
    """
    if not url or url.split(":", 1)[0].strip().lower() not in ("http", "https"):
        return None
    if simulated:
        host = urlsplit(url.strip()).hostname or ""
        if not (host.endswith(RESERVED_TLDS) or host in ("example.com", "example.org", "example.net")):
            return None
    return url


def link(url: str | None, label: object, simulated: bool = False) -> str:
    """An escaped HTML link, or the escaped label alone when the URL is not http(s) (or is real, for simulated data)."""
    u = safe_url(url, simulated)
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


def tiles(y: list[str], base: list[float], z: list[float], hover: list[str], colorbar: str,
          text: list[str] | None = None) -> go.Bar:
    """A heatmap drawn as one-unit bars (row y, column from base to base + 1, colour by z).

    The page's plotly bundle holds only bar and scatter traces (dashboards/vendor); a grid of coloured bars
    reads like a heatmap and hovers like one.
    """
    top = max([v for v in z if v is not None] or [1]) or 1
    dark = [v is not None and v > 0.6 * top for v in z]
    return go.Bar(
        y=y, base=base, x=[1] * len(z), orientation="h", width=1.0, showlegend=False,
        marker={"color": [0 if v is None else v for v in z], "colorscale": "Blues", "cmin": 0, "cmax": top,
                "showscale": True, "colorbar": {"title": {"text": colorbar}, "thickness": 12},
                "line": {"color": "#ffffff", "width": 1}},
        text=text, textposition="inside" if text else None, insidetextanchor="middle",
        textfont={"color": ["#ffffff" if d else "#1d232b" for d in dark], "size": 11},
        hovertext=hover, hovertemplate="%{hovertext}<extra></extra>")


def layout(fig: go.Figure, height: int = 320, **kw) -> go.Figure:
    """The common look: white template, compact margins, the legend above the plot (clear of the axis titles)."""
    kw.setdefault("margin", {"l": 60, "r": 25, "t": 34, "b": 50})
    fig.update_layout(height=height, template="plotly_white",
                      legend={"orientation": "h", "x": 0, "xanchor": "left", "y": 1.02, "yanchor": "bottom"},
                      hoverlabel={"align": "left"}, **kw)
    # A date axis's first label sits under the corner; standing it off keeps it clear of the y axis's "0".
    fig.update_xaxes(ticklabelstandoff=6)
    return fig
