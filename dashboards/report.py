"""Render the audit dashboard: claim cards and panels in one self-contained HTML file (plotly.js inline)."""

from __future__ import annotations

import json
import os
import re
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import plotly.io as pio
from plotly.io.json import to_json_plotly
from plotly.offline import get_plotlyjs

from postaudit import __version__
from postaudit.dashboards import activity, press, reach, timeuse
from postaudit.dashboards.cards import cards_html, claim_cards, claimed_shares
from postaudit.dashboards.figures import Panel, Section, esc
from postaudit.dashboards.focus import count_accounts, focused
from postaudit.warehouse import query_pl, scalar, table_exists

HALF_WIDTH = {"sensitivity", "timeshare", "outlets", "languages", "engagement_rate", "followers"}
PLOT_CONFIG = {"displaylogo": False, "responsive": True, "modeBarButtonsToRemove": ["sendDataToCloud"]}

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;background:#f6f7f9;color:#1d232b}
header{background:#1d232b;color:#fff;padding:16px 28px}header h1{margin:0;font-size:22px}
header .sub{color:#c9d1d9;font-size:13px;margin-top:4px}
nav{padding:8px 28px;background:#fff;border-bottom:1px solid #e1e4e8;font-size:13px}nav a{margin-right:14px;color:#0969da}
.sim{background:#ffe08a;color:#4a3b00;padding:8px 28px;font-weight:600}
main{padding:8px 28px 16px;max-width:1240px}
h2.section{font-size:19px;margin:22px 0 6px;border-bottom:2px solid #d0d7de;padding-bottom:4px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(340px,1fr));gap:12px}
.card{background:#fff;border-radius:8px;padding:12px 14px;box-shadow:0 1px 3px rgba(0,0,0,.12);font-size:14px}
.card .v{font-weight:700;margin:6px 0;font-size:15px}.card .q{font-style:italic;color:#444;margin:6px 0;border-left:3px solid #d0d7de;padding-left:8px}
.card small{color:#666;display:block;margin:3px 0}.card .num{margin:3px 0}
.v.supported{color:#1a7f37}.v.contra{color:#b42318}.v.nc{color:#9a6700}.v.nt{color:#57606a}
.grid{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:0 14px}.grid .wide{grid-column:1/-1}
section.panel{background:#fff;border-radius:8px;padding:10px 14px;margin:8px 0;box-shadow:0 1px 3px rgba(0,0,0,.12);
min-width:0}
section.panel h3{font-size:15px;margin:4px 0}section.panel p.cap{margin:2px 0 6px;color:#555;font-size:13px}
p.absent{background:#f1f3f5;border-left:4px solid #adb5bd;padding:8px 10px;color:#444;font-size:13px}
.tblwrap{max-height:520px;overflow:auto}
table.tbl{border-collapse:collapse;font-size:12.5px;width:100%}
table.tbl th{position:sticky;top:0;background:#f6f8fa;text-align:left;padding:4px 6px;border-bottom:1px solid #d0d7de}
table.tbl td{padding:4px 6px;border-bottom:1px solid #eee;vertical-align:top}
table.tbl td.n,table.tbl td.d{text-align:right;white-space:nowrap}table.tbl td.t{max-width:520px;overflow-wrap:anywhere}
footer{color:#666;font-size:12px;padding:12px 28px}
code{background:#eef1f4;padding:0 3px;border-radius:3px}
"""


def build_sections(con: duckdb.DuckDBPyConnection, claimed_pcts: list[float], week: date | None = None) -> list[Section]:
    """Every panel of the page in reading order; panels whose data is absent carry a note instead of a figure."""
    sections = [
        Section("time", "Time on the platform", [
            timeuse.timeshare_weekly(con, claimed_pcts), timeuse.estimates(con, claimed_pcts),
            timeuse.sensitivity(con)]),
        Section("when", "When the account is active", [
            activity.activity_heatmap(con), activity.session_week(con, week)]),
        Section("what", "What is posted", [activity.posts_per_day(con), activity.posts_per_platform(con)]),
        Section("reach", "Reach and reaction", [
            reach.engagement(con), reach.engagement_rate(con), reach.followers(con), reach.top_posts(con)]),
        Section("press", "Press coverage", [
            press.press_daily(con), press.outlets(con), press.languages(con), press.top_stories(con),
            press.press_claims(con)]),
    ]
    for s in sections:
        for p in s.panels:
            p.half = p.key in HALF_WIDTH
    return sections


def _script_json(value: object) -> str:
    """JSON that is safe inside an inline <script>: no '<', '>' or '&' survives to close or comment it out."""
    text = value if isinstance(value, str) else json.dumps(value)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _figure_html(p: Panel) -> str:
    fig = p.figure
    fig.layout.template = None  # the shared template is sent once for the page, not once per figure
    spec = _script_json(pio.to_json(fig, validate=False))
    div = f"fig-{p.key}"
    return (f'<div id="{div}" class="fig"></div><script>(function(){{var f={spec};'
            f'f.layout.template=POSTAUDIT_TEMPLATE;Plotly.newPlot("{div}",f.data,f.layout,POSTAUDIT_CONFIG);}})();'
            "</script>")


def _note_html(text: str) -> str:
    # Notes and captions are our own sentences; `name` marks a relation or command and is shown as code.
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", esc(text))


def _panel_html(p: Panel) -> str:
    if p.absent:
        body = f'<p class="absent">{_note_html(p.absent)}</p>'
    elif p.figure is not None:
        body = _figure_html(p)
    else:
        body = f'<div class="tblwrap">{p.table_html or ""}</div>'
    cls = "panel" + ("" if p.half else " wide") + (" is-absent" if p.absent else "")
    return (f'<section class="{cls}" id="{p.key}"><h3>{esc(p.title)}</h3><p class="cap">{_note_html(p.caption)}</p>'
            f"{body}</section>")


def _subtitle(con: duckdb.DuckDBPyConnection) -> tuple[str, str]:
    """Page title and a line with the period and the counts behind it."""
    title, sub = "postaudit report", "No posts collected yet."
    if table_exists(con, "accounts"):
        df = query_pl(con, "select platform, handle from accounts order by count_posts_collected desc nulls last limit 4")
        names = [f"@{h}" if h else p for p, h in df.iter_rows()]
        if names:
            title = "postaudit report: " + ", ".join(names)
    if table_exists(con, "posts"):
        n, first, last, platforms = con.execute(
            "select count(*), min(created_at), max(created_at), string_agg(distinct platform, ', ' order by platform) "
            "from posts").fetchall()[0]
        if n:
            sub = f"{n:,} posts on {platforms}, {first:%d %b %Y} to {last:%d %b %Y} (UTC)"
            if table_exists(con, "press_articles") and table_exists(con, "press_stories"):
                copies = scalar(con, "select count(*) from press_articles")
                stories = scalar(con, "select count(*) from press_stories")
                sub += f"; {stories:,} press stories in {copies:,} copies"
            sub += "."
    return title, sub


def render_html(con: duckdb.DuckDBPyConnection, week: date | None = None) -> str:
    """The whole dashboard page as one HTML string."""
    simulated = table_exists(con, "posts") and bool(scalar(con, "select coalesce(bool_or(is_simulated), false) from posts"))
    cards = claim_cards(con)
    title, sub = _subtitle(con)
    total = count_accounts(con)
    with focused(con) as shown:
        if shown < total:
            sub += (f" Drawing {shown} of {total:,} accounts: those the claims are about, then the most active; "
                    "every account is in the warehouse.")
        sections = build_sections(con, claimed_shares(cards), week)
    body = "".join(
        f'<h2 class="section" id="s-{s.key}">{esc(s.title)}</h2><div class="grid">'
        + "".join(_panel_html(p) for p in s.panels) + "</div>"
        for s in sections)
    nav = "".join(f'<a href="#s-{s.key}">{esc(s.title)}</a>' for s in sections)
    banner = ('<div class="sim">SIMULATED DATA: this report is built from postaudit\'s simulated executive, '
              "not a real person.</div>") if simulated else ""
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    card_block = cards_html(cards) or '<p class="absent">No claims found yet.</p>'
    template = _script_json(to_json_plotly(pio.templates["plotly_white"].to_plotly_json()))
    return (
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        # No network: every script is inline, and the policy forbids loading any other.
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src 'unsafe-inline' "
        "'unsafe-eval'; style-src 'unsafe-inline'; img-src data:; font-src data:\">"
        f"<title>{esc(title)}</title><style>{CSS}</style>"
        f"<script type=\"text/javascript\">{get_plotlyjs()}</script>"
        f"<script>var POSTAUDIT_TEMPLATE={template};var POSTAUDIT_CONFIG={_script_json(PLOT_CONFIG)};</script>"
        f"</head><body><header><h1>{esc(title)}</h1><div class=\"sub\">{esc(sub)}</div></header>{banner}"
        f"<nav><a href=\"#s-claims\">Claims</a>{nav}</nav><main>"
        f"<h2 class=\"section\" id=\"s-claims\">Claims and verdicts</h2>"
        f"<div class=\"cards\">{card_block}</div>{body}</main>"
        f"<footer>Generated {stamp} by postaudit {__version__}. Public posts give a floor on platform time: "
        "reading, likes and direct messages leave no public trace. A gap between a claim and the data is not "
        "evidence of dishonesty: self-reports of screen time are noisy in both directions.</footer></body></html>"
    )


def render(con: duckdb.DuckDBPyConnection, out: str | Path, week: date | None = None) -> Path:
    """Write the dashboard atomically (a reader never sees a half-written file)."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    page = render_html(con, week)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=".dashboard-", suffix=".html")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(page)
    os.chmod(tmp, 0o644)  # mkstemp creates 0600; the report is meant to be shared
    os.replace(tmp, out)
    return out
