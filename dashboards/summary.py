"""The short summary an editor can be sent: each verdict, its evidence in numbers, its assumptions, the caveats.

Markdown is plain text (no HTML, data's own markup characters escaped) that pastes into an email; the PDF is
the same content as a print page, printed by headless Chromium. Both say what the dashboard's cards say, from
the same rows and the same words (dashboards/evidence.py), in the page's one time zone.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from postaudit import __version__
from postaudit.dashboards.cards import assumptions, claim_rows, subject, tally, who
from postaudit.dashboards.evidence import CAVEATS, TONE, evidence, headline
from postaudit.dashboards.figures import esc, safe_url, shorten
from postaudit.dashboards.header import Header, header
from postaudit.dashboards.numberline import NUMBERLINE_CSS, numberline_html
from postaudit.dashboards.zone import Zone, page_zone
from postaudit.errors import InputError

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync", "--no-pdf-header-footer")
PDF_TIMEOUT_S = 120
MAX_SOURCES = 3
REASON_CHARS = 240    # the summary's "why", cut at a sentence; the dashboard card has it whole
FORMATS = ("md", "pdf")
# Characters Markdown reads as markup (emphasis, links, HTML, headings, tables, code).
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|~])")


def md(text: object) -> str:
    """Data text for Markdown: one line, every markup character escaped (a sentence cannot become a link)."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str("" if text is None else text).split()))


@dataclass
class Summary:
    """What the page says: header, the testable verdict rows, the untestable ones, the zone."""

    head: Header
    zone: Zone
    testable: list[dict]
    untestable: list[dict]
    tally: str
    missing: str | None           # what most verdicts say is missing (said once, under the caveats)


def summarise(con: duckdb.DuckDBPyConnection) -> Summary:
    """The summary's content from the warehouse (the dashboard's verdict rows, in its order)."""
    zone = page_zone(con)
    rows = claim_rows(con)
    gaps = Counter(r["missing"] for r in rows if r.get("missing"))
    return Summary(header(con, zone), zone, [r for r in rows if r["verdict"] != "not_testable"],
                   [r for r in rows if r["verdict"] == "not_testable"], tally(rows) if rows else "No claims yet.",
                   gaps.most_common(1)[0][0] if gaps else None)


def _context(r: dict, s: Summary) -> str:
    """The verdict's window, zone and baseline, and what is missing when it differs from the common gaps."""
    items = assumptions(r, brief=True)
    if r.get("missing") and r["missing"] != s.missing:
        items.append(("missing from the data", r["missing"]))
    return "; ".join(f"{k}: {v}" for k, v in items)


def _caveats(s: Summary) -> list[str]:
    return [*CAVEATS, *([f"Missing from the data for these verdicts: {s.missing}."] if s.missing else [])]


def brief_reason(reason: str | None, limit: int = REASON_CHARS) -> str:
    """The reason's first sentences up to `limit` characters, cut at a word with '…' when even the first is longer."""
    text = " ".join((reason or "").split())
    if len(text) <= limit:
        return text
    kept = ""
    for sentence in re.split(r"(?<=[.;])\s+(?=[A-Z(])", text):
        if len(kept) + len(sentence) + 1 > limit:
            break
        kept = f"{kept} {sentence}".strip()
    if kept:
        return kept
    cut, depth, first_open = shorten(text, limit).rstrip("…"), 0, None
    for i, ch in enumerate(cut):       # an aside cut open is dropped from where it opens
        if ch == "(":
            first_open = i if depth == 0 else first_open
            depth += 1
        elif ch == ")" and depth:
            depth -= 1
    return (cut[:first_open] if depth and first_open else cut).rstrip(" ,;:") + "…"


def _quoted(sentence: str | None) -> str:
    """The sentence in quotation marks, unless it carries its own."""
    text = " ".join((sentence or "").split())
    return text if text[:1] in "\"“„«‘'" else f"“{text}”"


def _sources(r: dict) -> list[tuple[str, str | None]]:
    """Up to MAX_SOURCES copies as (outlet, URL or None); simulated copies keep only reserved-name hosts."""
    out = []
    for c in (r.get("copies") or [])[:MAX_SOURCES]:
        out.append((c.get("outlet") or "copy", safe_url(c.get("url"), bool(r.get("is_simulated")))))
    return out


def to_markdown(s: Summary) -> str:
    """The summary as Markdown text."""
    lines = [f"# {md(s.head.title)}", ""]
    if s.head.simulated:
        lines += ["**SIMULATED DATA: built from postaudit's simulated executive, not a real person.**", ""]
    lines += [md(s.head.period), "", f"**{md(s.tally)}**", ""]
    for i, r in enumerate(s.testable, 1):
        head, more = headline(r["verdict_text"])
        ev = evidence(r)
        lines.append(f"## {i}. {md(head)}" + (f" ({md(more)})" if more else "") + f": {md(subject(r))}")
        lines += ["", f"> {md(r['sentence'])}", "", md(who(r, s.zone)), ""]
        lines += [f"- **{md(k)}:** {md(v)}" for k, v in [("Claim", ev.claim), *ev.facts]]
        if ev.reading:
            lines.append(f"- **Reading:** {md(ev.reading)}")
        lines.append(f"- **Why:** {md(brief_reason(r['reason']))}")
        extra = _context(r, s)
        if extra:
            lines.append(f"- **Assumptions:** {md(extra)}")
        sources = [f"{md(label)} <{url}>" if url else md(label) for label, url in _sources(r)]
        if sources:
            lines.append(f"- **Sources:** {', '.join(sources)}")
        lines.append("")
    if s.untestable:
        lines += [f"## Not testable with this data ({len(s.untestable)})", ""]
        lines += [f"- {md(r['sentence'])} ({md(who(r, s.zone))}). {md(r['reason'])}" for r in s.untestable]
        lines.append("")
    lines += ["The dashboard has every reason in full, every copy and the charts behind these figures.", ""]
    lines += ["## Caveats", ""] + [f"- {md(c)}" for c in _caveats(s)]
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines += ["", f"Generated {stamp} by postaudit {__version__}; times and dates in {md(s.zone.phrase)}.", ""]
    return "\n".join(lines)


PRINT_CSS = NUMBERLINE_CSS + """
@page{size:A4;margin:12mm 13mm}
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#1d232b;font-size:8.5pt;line-height:1.25;margin:0}
.vs{columns:2;column-gap:5mm}
h1{font-size:14pt;margin:0 0 2px}p{margin:2px 0}.sim{background:#ffe08a;font-weight:700;padding:2px 6px}
.tally{font-weight:700;margin:4px 0 6px}
.v{break-inside:avoid;border-left:4px solid #adb5bd;padding:3px 8px;margin:5px 0}
.v h2{font-size:10.5pt;margin:0}.v .q{font-style:italic;margin:1px 0}.v .who{color:#57606a;font-size:8.5pt}
.v ul{margin:2px 0;padding-left:14px}.v li{margin:0}
.contra{border-color:#b42318}.warn{border-color:#c4661f}.read{border-color:#8250df}.open{border-color:#9a6700}
.ok{border-color:#1a7f37}
.nl{margin:3px 0}.nl-key{font-size:7.5pt}.nl-axis,.nl-unit{font-size:7.5pt}
h3{font-size:10pt;margin:6px 0 2px}ul.c{margin:2px 0;padding-left:14px;font-size:8.5pt;color:#333}
.foot{font-size:8pt;color:#57606a;margin-top:4px}
"""


def to_print_html(s: Summary) -> str:
    """The summary as one print-styled HTML page (what the PDF is printed from); every text from data escaped."""
    parts = [f"<h1>{esc(s.head.title)}</h1>"]
    if s.head.simulated:
        parts.append('<p class="sim">SIMULATED DATA: built from postaudit\'s simulated executive, not a real person.</p>')
    parts += [f"<p>{esc(s.head.period)}</p>", f'<p class="tally">{esc(s.tally)}</p>', '<div class="vs">']
    for r in s.testable:
        head, more = headline(r["verdict_text"])
        ev = evidence(r)
        facts = [("Claim", ev.claim), *ev.facts] + ([("Reading", ev.reading)] if ev.reading else [])
        facts.append(("Why", brief_reason(r["reason"])))
        extra = _context(r, s)
        if extra:
            facts.append(("Assumptions", extra))
        parts.append(
            f'<div class="v {TONE.get(r["verdict"], "nt")}"><h2>{esc(head)}' + (f" ({esc(more)})" if more else "")
            + f": {esc(subject(r))}</h2><p class=\"q\">{esc(_quoted(r['sentence']))}</p><p class=\"who\">{esc(who(r, s.zone))}</p>"
            + numberline_html(ev, None if r["metric"] == "ama_effect" else r["unit"])
            + "<ul>" + "".join(f"<li><b>{esc(k)}:</b> {esc(v)}</li>" for k, v in facts) + "</ul></div>")
    parts.append("</div>")
    if s.untestable:
        parts.append(f"<h3>Not testable with this data ({len(s.untestable)})</h3><ul class=\"c\">"
                     + "".join(f"<li>{esc(_quoted(r['sentence']))} ({esc(who(r, s.zone))}). {esc(r['reason'])}</li>"
                               for r in s.untestable) + "</ul>")
    parts.append("<p>The dashboard has every reason in full, every copy and the charts behind these figures.</p>")
    parts.append('<h3>Caveats</h3><ul class="c">' + "".join(f"<li>{esc(c)}</li>" for c in _caveats(s)) + "</ul>")
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    parts.append(f'<p class="foot">Generated {stamp} by postaudit {esc(__version__)}; times and dates in '
                 f"{esc(s.zone.phrase)}.</p>")
    return ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"
            f"<title>{esc(s.head.title)}</title><style>{PRINT_CSS}</style></head><body>{''.join(parts)}</body></html>")


def print_pdf(html_path: Path, pdf_path: Path, chromium: str = CHROMIUM) -> None:
    """Print an HTML file to PDF with headless Chromium (its own throw-away profile, no network)."""
    if not Path(chromium).exists():
        raise InputError(f"{chromium} is missing: PDF needs Chromium (`make browser` installs Debian's), "
                         "or use --format md")
    with tempfile.TemporaryDirectory(prefix="postaudit-chromium-") as profile:
        cmd = [chromium, *CHROMIUM_ARGS, f"--user-data-dir={profile}", f"--print-to-pdf={pdf_path}",
               html_path.resolve().as_uri()]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=PDF_TIMEOUT_S, check=False)
        except subprocess.TimeoutExpired:
            raise InputError(f"Chromium did not print the PDF within {PDF_TIMEOUT_S} s") from None
    if done.returncode != 0 or not pdf_path.exists() or pdf_path.read_bytes()[:5] != b"%PDF-":
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise InputError(f"Chromium could not print the PDF (exit {done.returncode}): {last}")


def write_summary(con: duckdb.DuckDBPyConnection, out: str | Path, fmt: str = "md") -> Path:
    """Write the summary as Markdown or PDF, atomically (a reader never sees half a file)."""
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    s = summarise(con)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=".summary-", suffix=f".{fmt}")
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        if fmt == "md":
            tmp_path.write_text(to_markdown(s), encoding="utf-8")
        else:
            with tempfile.TemporaryDirectory(prefix="postaudit-print-") as work:
                page = Path(work) / "summary.html"
                page.write_text(to_print_html(s), encoding="utf-8")
                tmp_path.unlink()
                print_pdf(page, tmp_path)
        os.chmod(tmp_path, 0o644)
        os.replace(tmp_path, out)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()
    return out


def page_count(pdf: bytes) -> int:
    """Pages in a PDF Chromium wrote (its page objects are uncompressed '/Type /Page' dictionaries)."""
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))

