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

from postaudit import __version__
from postaudit.dashboards import activity, groupchat, press, reach, timeuse
from postaudit.dashboards.bundle import plotly_js
from postaudit.dashboards.cards import cards_html, claim_rows, claimed_shares
from postaudit.dashboards.evidence import CAVEATS
from postaudit.dashboards.figures import Panel, Section, esc
from postaudit.dashboards.focus import count_accounts, focused
from postaudit.dashboards.header import header
from postaudit.dashboards.numberline import NUMBERLINE_CSS
from postaudit.dashboards.zone import Zone, page_zone
from postaudit.warehouse import table_exists

HALF_WIDTH = {"time_on_platform", "sensitivity", "outlets", "languages", "engagement_rate", "followers",
              "chat_visibility", "chat_ama"}
PLOT_CONFIG = {"displaylogo": False, "responsive": True, "modeBarButtonsToRemove": ["sendDataToCloud"]}

CSS = NUMBERLINE_CSS + """
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;background:#f6f7f9;color:#1d232b;
line-height:1.4}
header{background:#1d232b;color:#fff;padding:16px 28px}header h1{margin:0;font-size:22px;overflow-wrap:anywhere}
header .sub{color:#c9d1d9;font-size:13px;margin-top:4px}
nav{padding:8px 28px;background:#fff;border-bottom:1px solid #e1e4e8;font-size:13px}
nav a{margin-right:14px;color:#0969da;display:inline-block}
.sim{background:#ffe08a;color:#4a3b00;padding:8px 28px;font-weight:600}
main{padding:8px 28px 16px;max-width:1240px}
h2.section{font-size:19px;margin:22px 0 6px;border-bottom:2px solid #d0d7de;padding-bottom:4px}
p.tally{font-size:15px;margin:6px 0 10px;font-weight:600}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(360px,100%),1fr));gap:12px;align-items:start}
.card{background:#fff;border-radius:8px;padding:12px 14px;box-shadow:0 1px 3px rgba(0,0,0,.12);font-size:14px;
border-top:5px solid #adb5bd;min-width:0}
.card .vh{display:flex;flex-wrap:wrap;align-items:baseline;gap:4px 8px}
.card .badge{font-weight:700;font-size:18px}.card .vq{font-size:14px;color:#444}
.card .subject{color:#57606a;font-size:12.5px;margin-top:2px}
.card .q{font-style:italic;color:#333;margin:8px 0 4px;border-left:3px solid #d0d7de;padding-left:8px}
.who{color:#57606a;font-size:12.5px}
.v-contra{border-top-color:#b42318}.v-contra .badge{color:#b42318}
.v-warn{border-top-color:#c4661f}.v-warn .badge{color:#a84f0c}
.v-read{border-top-color:#8250df}.v-read .badge{color:#6639ba}
.v-open{border-top-color:#9a6700}.v-open .badge{color:#7d5400}
.v-ok{border-top-color:#1a7f37}.v-ok .badge{color:#1a7f37}
.v-nt .badge{color:#57606a}
dl.facts{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:2px 10px;margin:8px 0 4px}
dl.facts dt{font-weight:600;color:#444}dl.facts dd{margin:0}
p.reading{background:#f3effc;border-left:3px solid #8250df;padding:6px 8px;margin:8px 0 4px}
p.because{margin:6px 0}
details{margin-top:8px;font-size:13px}details summary{cursor:pointer;color:#0969da}
dl.assume{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:2px 10px;margin:6px 0}
dl.assume dt{color:#57606a}dl.assume dd{margin:0;overflow-wrap:anywhere}
ul.copies{margin:4px 0;padding-left:18px}
h3.nt-head{font-size:15px;margin:16px 0 4px}
ul.nt-list{margin:0;padding:0;list-style:none;background:#fff;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.12)}
ul.nt-list li{padding:8px 14px;border-bottom:1px solid #eee;font-size:13.5px}
.nt-what{font-weight:600}.nt-kind{color:#57606a}.nt-why{color:#444;font-size:12.5px;margin-top:2px}
.grid{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:0 14px}.grid .wide{grid-column:1/-1}
section.panel{background:#fff;border-radius:8px;padding:10px 14px;margin:8px 0;box-shadow:0 1px 3px rgba(0,0,0,.12);
min-width:0}
section.panel h3{font-size:15px;margin:4px 0}section.panel p.cap{margin:2px 0 6px;color:#555;font-size:13px}
p.absent{background:#f1f3f5;border-left:4px solid #adb5bd;padding:8px 10px;color:#444;font-size:13px}
.tblwrap{max-height:520px;overflow:auto}
table.tbl{border-collapse:collapse;font-size:12.5px;width:100%}
table.tbl th{position:sticky;top:0;background:#f6f8fa;text-align:left;padding:4px 6px;border-bottom:1px solid #d0d7de}
table.tbl td{padding:4px 6px;border-bottom:1px solid #eee;vertical-align:top}
table.tbl td.n,table.tbl td.d{text-align:right;white-space:nowrap}table.tbl td.t{min-width:14em;max-width:520px;
overflow-wrap:anywhere}
footer{color:#555;font-size:12.5px;padding:12px 28px 24px;max-width:1240px}footer li{margin:2px 0}
code{background:#eef1f4;padding:0 3px;border-radius:3px}
@media (max-width:700px){
header,nav,.sim{padding-left:12px;padding-right:12px}main{padding:6px 10px 12px}footer{padding:10px 12px}
.grid{grid-template-columns:minmax(0,1fr)}header h1{font-size:19px}
section.panel{padding:8px 8px}.card{padding:10px}
}
"""


def build_sections(con: duckdb.DuckDBPyConnection, claimed_pcts: list[float], week: date | None = None,
                   zone: Zone | None = None) -> list[Section]:
    """Every panel of the page in reading order; panels whose data is absent carry a note instead of a figure."""
    zone = zone or page_zone(con)
    sections = [
        Section("chat", "Group chat", groupchat.panels(con)),
        Section("time", "Time on the platform", [
            timeuse.time_on_platform(con, zone), timeuse.sensitivity(con),
            timeuse.timeshare_weekly(con, claimed_pcts, zone)]),
        Section("when", "When the account is active", [
            activity.activity_heatmap(con, zone), activity.session_week(con, zone, week)]),
        Section("what", "What is posted", [activity.posts_per_day(con, zone), activity.posts_per_platform(con, zone)]),
        Section("reach", "Reach and reaction", [
            reach.engagement(con, zone), reach.engagement_rate(con, zone), reach.followers(con, zone),
            reach.top_posts(con, zone)]),
        Section("press", "Press coverage", [
            press.press_daily(con, zone), press.outlets(con), press.languages(con), press.top_stories(con, zone)]),
    ]
    for s in sections:
        s.panels = [p for p in s.panels if p is not None]
        for p in s.panels:
            p.half = p.key in HALF_WIDTH
    return [s for s in sections if s.panels]


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


def _simulated_traces(con: duckdb.DuckDBPyConnection) -> str:
    """A sentence on the simulated traces besides posts (likes, ad impressions ...) in activity_events, if any."""
    if not table_exists(con, "activity_events"):
        return ""
    kinds = con.execute("select kind, count(*) from activity_events where is_simulated group by kind "
                        "order by count(*) desc, kind").fetchall()
    if not kinds:
        return ""
    said = ", ".join(f"{n:,} {kind.replace('_', ' ')}{'' if n == 1 else 's'}" for kind, n in kinds)
    return f" Its traces besides posts ({esc(said)}: activity_events, and time_on_platform's activity columns) are SIMULATED too."


def render_html(con: duckdb.DuckDBPyConnection, week: date | None = None) -> str:
    """The whole dashboard page as one HTML string."""
    zone = page_zone(con)
    rows = claim_rows(con)
    head = header(con, zone)
    sub = head.period
    total = count_accounts(con)
    with focused(con) as shown:
        if shown < total:
            sub += (f" Drawing {shown} of {total:,} accounts: those the claims are about, then the most active; "
                    "every account is in the warehouse.")
        sections = build_sections(con, claimed_shares(rows), week, zone)
    body = "".join(
        f'<h2 class="section" id="s-{s.key}">{esc(s.title)}</h2><div class="grid">'
        + "".join(_panel_html(p) for p in s.panels) + "</div>"
        for s in sections)
    nav = "".join(f'<a href="#s-{s.key}">{esc(s.title)}</a>' for s in sections)
    traces = _simulated_traces(con) if head.simulated else ""
    banner = ('<div class="sim">SIMULATED DATA: this report is built from postaudit\'s simulated executive, '
              f"not a real person.{traces}</div>") if head.simulated else ""
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    card_block = cards_html(rows, zone) or '<p class="absent">No claims found yet.</p>'
    template = _script_json(to_json_plotly(pio.templates["plotly_white"].to_plotly_json()))
    caveats = "".join(f"<li>{esc(c)}</li>" for c in CAVEATS)
    return (
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        # No network: every script is inline, and the policy forbids loading any other.
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src 'unsafe-inline' "
        "'unsafe-eval'; style-src 'unsafe-inline'; img-src data:; font-src data:\">"
        f"<title>{esc(head.title)}</title><style>{CSS}</style>"
        f"<script type=\"text/javascript\">{plotly_js()}</script>"
        f"<script>var POSTAUDIT_TEMPLATE={template};var POSTAUDIT_CONFIG={_script_json(PLOT_CONFIG)};</script>"
        f"</head><body><header><h1>{esc(head.title)}</h1><div class=\"sub\">{esc(sub)}</div></header>{banner}"
        f"<nav><a href=\"#s-claims\">Claims</a>{nav}</nav><main>"
        f"<h2 class=\"section\" id=\"s-claims\">Claims and verdicts</h2>"
        f"<div class=\"claims\">{card_block}</div>{body}</main>"
        f"<footer><ul>{caveats}</ul>Generated {stamp} by postaudit {__version__}.</footer></body></html>"
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
