"""Render the audit dashboard: claim cards and figures in one self-contained HTML file (plotly.js inline)."""

from __future__ import annotations

import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import plotly.io as pio
from plotly.offline import get_plotlyjs

from dashboards.figures import all_panels, claim_cards, esc
from postaudit import __version__
from postaudit.warehouse import scalar, table_exists

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;background:#f6f7f9;color:#1d232b}
header{background:#1d232b;color:#fff;padding:16px 28px}header h1{margin:0;font-size:22px}
.sim{background:#ffe08a;color:#4a3b00;padding:8px 28px;font-weight:600}
main{padding:16px 28px;max-width:1200px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(330px,1fr));gap:12px}
.card{background:#fff;border-radius:8px;padding:12px 14px;box-shadow:0 1px 3px rgba(0,0,0,.12)}
.card .v{font-weight:700;margin:6px 0}.card q{display:block;font-style:italic;color:#444;margin:6px 0}
.card small{color:#666}.v.supported{color:#1a7f37}.v.contra{color:#b42318}.v.nc{color:#9a6700}.v.nt{color:#57606a}
section.panel{background:#fff;border-radius:8px;padding:10px 14px;margin:14px 0;box-shadow:0 1px 3px rgba(0,0,0,.12)}
section.panel h2{font-size:16px;margin:4px 0}section.panel p{margin:2px 0 6px;color:#555;font-size:13px}
footer{color:#666;font-size:12px;padding:12px 28px}
"""


def _verdict_class(verdict: str) -> str:
    if verdict.startswith("supported"):
        return "supported"
    if verdict.startswith("contradicted"):
        return "contra"
    if verdict.startswith("not contradicted"):
        return "nc"
    return "nt"


def _safe_url(url: str | None) -> str | None:
    return url if url and url.split(":", 1)[0].lower() in ("http", "https") else None


def _cards_html(con: duckdb.DuckDBPyConnection) -> tuple[str, float | None]:
    cards = claim_cards(con)
    claimed_pct = None
    out = []
    for c in cards.iter_rows(named=True) if cards.height else []:
        if c["kind"] == "time_share" and claimed_pct is None:
            claimed_pct = c["value"]
        figures = ""
        if c["estimate"] is not None:
            figures = (f"<div>Observed floor {c['estimate']:.1%} (range over assumptions and 95% intervals "
                       f"{c['ci_low']:.1%}–{c['ci_high']:.1%})</div>")
            if c["tipping_point"]:
                figures += (f"<div>Tipping point: true time must be {c['tipping_point']:.1f}× the observed time "
                            "for the claim to hold</div>")
        links = " · ".join(f'<a href="{esc(u)}" rel="noopener noreferrer">{esc(o)}</a>'
                           for u, o in zip(c["urls"] or [], c["outlets"] or [], strict=False) if _safe_url(u))
        out.append(
            f'<div class="card"><div><b>{esc(c["value"])} {esc(c["unit"])}</b> · {esc(c["kind"]).replace("_", " ")}'
            f' · {esc(c["platform"] or "n/a")}</div><q>{esc(c["sentence"])}</q>'
            f'<small>Said by {esc(c["speaker"] or "unknown")}</small>'
            f'<div class="v {_verdict_class(c["verdict"])}">{esc(c["verdict"])}</div>'
            f'<div>{esc(c["reason"])}</div>{figures}<small>Sources: {links or "none"}</small></div>')
    return "".join(out) or "<p>No claims found yet.</p>", claimed_pct


def render_html(con: duckdb.DuckDBPyConnection) -> str:
    """The whole dashboard page as one HTML string."""
    simulated = table_exists(con, "posts") and bool(scalar(con, "select coalesce(bool_or(is_simulated), false) from posts"))
    cards, claimed_pct = _cards_html(con)
    panels = all_panels(con, claimed_pct)
    title = "postaudit report"
    if table_exists(con, "accounts"):
        handle = scalar(con, "select handle from accounts order by count_posts_collected desc limit 1")
        if handle:
            title = f"postaudit report: @{handle}"
    sections = "".join(
        f'<section class="panel" id="{p.key}"><h2>{esc(p.title)}</h2><p>{esc(p.caption)}</p>'
        + pio.to_html(p.figure, full_html=False, include_plotlyjs=False, div_id=f"fig-{p.key}",
                      config={"displaylogo": False, "responsive": True})
        + "</section>"
        for p in panels
    )
    banner = ('<div class="sim">SIMULATED DATA: this report is built from postaudit\'s simulated executive, '
              "not a real person.</div>") if simulated else ""
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        # No network: every script is inline, and the policy forbids loading any other.
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src 'unsafe-inline' "
        "'unsafe-eval'; style-src 'unsafe-inline'; img-src data:; font-src data:\">"
        f"<title>{esc(title)}</title><style>{CSS}</style>"
        f"<script type=\"text/javascript\">{get_plotlyjs()}</script></head><body>"
        f"<header><h1>{esc(title)}</h1></header>{banner}<main>"
        f"<h2>Claims</h2><div class=\"cards\">{cards}</div>{sections}</main>"
        f"<footer>Generated {stamp} by postaudit {__version__}. Public posts give a floor on platform time: "
        "reading, likes and direct messages leave no public trace.</footer></body></html>"
    )


def render(con: duckdb.DuckDBPyConnection, out: str | Path) -> Path:
    """Write the dashboard atomically (a reader never sees a half-written file)."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    page = render_html(con)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=".dashboard-", suffix=".html")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(page)
    os.replace(tmp, out)
    return out
