"""The one-page summary an editor can be sent: each verdict, its evidence in numbers, its assumptions, the caveats.

Markdown is plain text (no HTML, data's own markup characters escaped) that pastes into an email; the PDF is
the same content as one A4 print page, printed by headless Chromium. Both say what the dashboard's cards say,
from the same rows and the same words (dashboards/evidence.py), in the page's one time zone. The strongest
verdicts are given in full, as many as fit; the rest one line each, counted on the page; what every verdict
assumes alike, and the caveats, are said once.
"""

from __future__ import annotations

import math
import os
import re
import subprocess
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from postaudit import __version__
from postaudit.dashboards.cards import assumptions, claim_rows, subject, tally, who
from postaudit.dashboards.evidence import (
    BASELINE_WORDS,
    CAVEATS,
    TONE,
    Evidence,
    amount,
    evidence,
    headline,
    severity,
    span,
)
from postaudit.dashboards.figures import esc, safe_url, shorten
from postaudit.dashboards.header import Header, header
from postaudit.dashboards.numberline import NUMBERLINE_CSS, numberline_html
from postaudit.dashboards.zone import Zone, page_zone
from postaudit.errors import InputError

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync", "--no-pdf-header-footer")
PDF_TIMEOUT_S = 120
MAX_SOURCES = 1      # the earliest copy's link; the outlets are named above it, the dashboard has every copy
REASON_CHARS = 200    # the summary's "why", cut at a sentence; the dashboard card has it whole
UNTESTABLE_CHARS = 160   # why not, and what would make it testable
QUOTE_CHARS = 110        # an untestable claim's sentence, enough to know it by
FORMATS = ("md", "pdf")
# Characters Markdown reads as markup (emphasis, links, HTML, headings, tables, code).
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|~])")


def md(text: object) -> str:
    """Data text for Markdown: one line, every markup character escaped (a sentence cannot become a link)."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str("" if text is None else text).split()))


@dataclass
class Summary:
    """What the page says: header, the testable verdict rows, the untestable ones, the zone, and how many of the
    testable ones it gives in full (the rest one line each)."""

    head: Header
    zone: Zone
    testable: list[dict]
    untestable: list[dict]
    tally: str
    missing: str | None           # what most verdicts say is missing (said once, under the caveats)
    common: list[tuple[str, str]] = field(default_factory=list)   # assumptions every verdict shares, said once
    full: int = 0                 # the first `full` testable verdicts in full, the rest one line each
    listed: int | None = None     # one-line verdicts shown (testable, then untestable); None: all of them

    @property
    def compact(self) -> list[dict]:
        """The testable verdicts given one line each."""
        return self.testable[self.full:]

    @property
    def hidden(self) -> int:
        """One-line verdicts left for the dashboard when even one line each does not fit (said on the page)."""
        total = len(self.compact) + len(self.untestable)
        return 0 if self.listed is None else max(total - self.listed, 0)


def summarise(con: duckdb.DuckDBPyConnection) -> Summary:
    """The summary's content from the warehouse (the dashboard's verdict rows, in its order), sized to one page."""
    zone = page_zone(con)
    rows = claim_rows(con)
    gaps = Counter(r["missing"] for r in rows if r.get("missing"))
    testable = by_interest([r for r in rows if r["verdict"] != "not_testable"])
    s = Summary(header(con, zone), zone, testable, [r for r in rows if r["verdict"] == "not_testable"],
                tally(rows) if rows else "No claims yet.", gaps.most_common(1)[0][0] if gaps else None,
                _common(testable))
    s.full, s.listed = fit(s)
    return s


def by_interest(rows: list[dict]) -> list[dict]:
    """The verdicts in the order the page gives them room: each claim's first verdict before a repeat of the same
    verdict on the same subject and figure (a claims-file copy of a press claim), then the strongest verdict, the most
    copies, and the dashboard's order."""
    seen: set[tuple] = set()
    keyed = []
    for i, r in sorted(enumerate(rows), key=lambda ir: (severity(ir[1]["verdict"]), -len(ir[1].get("copies") or []),
                                                          ir[0])):
        what = (r["verdict"], subject(r), r.get("claimed_value"))
        keyed.append(((what in seen, severity(r["verdict"]), -len(r.get("copies") or []), i), r))
        seen.add(what)
    return [r for _, r in sorted(keyed, key=lambda kr: kr[0])]


def _brief_context(r: dict) -> list[tuple[str, str]]:
    """The verdict's window, zone and baseline; the window's dates only where the evidence does not give them."""
    items = assumptions(r, brief=True)
    if any(k == "Judged on" for k, _ in evidence(r).facts):
        basis = (r.get("window_basis") or "unknown").replace("_", " ")
        items = [(k, f"{basis} (the dates under “Judged on”)" if k == "window" else v) for k, v in items]
    return items


def _common(rows: list[dict]) -> list[tuple[str, str]]:
    """The assumptions said once: each one every verdict that makes it makes alike (and at least two make)."""
    seen: dict[str, list[str]] = {}
    for r in rows:
        for k, v in _brief_context(r):
            seen.setdefault(k, []).append(v)
    return [(k, vs[0]) for k, vs in seen.items() if len(vs) > 1 and len(set(vs)) == 1]


def _context(r: dict, s: Summary) -> str:
    """The verdict's own assumptions (those not said once for all), and what is missing when it differs."""
    items = [kv for kv in _brief_context(r) if kv not in s.common]
    if r.get("missing") and r["missing"] != s.missing:
        items.append(("missing from the data", r["missing"]))
    return "; ".join(f"{k}: {v}" for k, v in items)


def _caveats(s: Summary) -> list[str]:
    return [*CAVEATS, *([f"Missing from the data for these verdicts: {s.missing}."] if s.missing else [])]


def _common_text(s: Summary) -> str:
    return "; ".join(f"{k}: {v}" for k, v in s.common)


def short_who(r: dict, zone: Zone) -> str:
    """'Rowan Vale, Global Business Daily +3 more, 11 Sep 2025' (unescaped): who said it where, for one line."""
    outlets = [o for o in (r.get("outlets") or []) if o]
    where = (outlets[0] + (f" +{len(outlets) - 1} more" if len(outlets) > 1 else "")) if outlets else "unknown outlet"
    when = f", {zone.day(r['published_at']):%d %b %Y}" if r.get("published_at") is not None else ""
    return f"{r.get('speaker') or 'unattributed'}, {where}{when}"


def compact_numbers(r: dict) -> str:
    """A verdict's figures in one phrase: 'claim about 2%; posting sessions: 24.2% of working hours (18–31%, 95%
    interval); the posts alone prove: 9.5%'."""
    ev, unit = evidence(r), None if r.get("metric") == "ama_effect" else r.get("unit")
    claim = re.sub(r"^(about .*?) \(.*\)$", r"\1", ev.claim)     # the tolerance's range is on the dashboard
    base = (f" {BASELINE_WORDS[r['baseline']]}" if unit in ("percent", "fraction") and r.get("baseline") in
            BASELINE_WORDS else "")
    parts = [f"claim {claim}"]
    if ev.estimate is not None:
        rng = f" ({span(*ev.interval, unit)}, {ev.interval_label})" if ev.interval else ""
        parts.append(f"{ev.estimate_label}: {amount(ev.estimate, unit)}{base}{rng}")
    if ev.floor is not None:
        parts.append(f"{ev.floor_label}: {amount(ev.floor, unit)}{base}")
    if len(parts) == 1:
        parts.append(brief_reason(r["reason"], 120))
    return "; ".join(parts)


def compact_line(r: dict, zone: Zone) -> tuple[str, str]:
    """One verdict in one line: ('Consistent: posts per day on x', 'claim about 15 posts a day; counted: … (who)')."""
    return _title(r), f"{compact_numbers(r)} ({short_who(r, zone)})"


def untestable_line(r: dict, zone: Zone) -> tuple[str, str]:
    """An untestable claim in one line: (its sentence quoted, 'who; why not and what would make it testable')."""
    return (_quoted(shorten(r["sentence"] or "", QUOTE_CHARS)),
            f"{short_who(r, zone)}: {brief_reason(r['reason'], UNTESTABLE_CHARS)}")


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


def _facts(r: dict, s: Summary) -> tuple[Evidence, list[tuple[str, str]]]:
    """A full verdict's figures in words: the claim, the evidence, r*, why, its own assumptions."""
    ev = evidence(r)
    facts = [("Claim", ev.claim), *ev.facts] + ([("Reading", ev.reading)] if ev.reading else [])
    facts.append(("Why", brief_reason(r["reason"])))
    extra = _context(r, s)
    if extra:
        facts.append(("Assumptions", extra))
    return ev, facts


def _title(r: dict) -> str:
    head, more = headline(r["verdict_text"])
    return head + (f" ({more})" if more else "") + f": {subject(r)}"


def _compact_head(s: Summary) -> str:
    shown = len(_shown(s)[0])
    count = f"{shown} of {len(s.compact)}" if shown < len(s.compact) else f"{shown}"
    return f"{'Also judged' if s.full else 'Verdicts'} ({count}, one line each; the dashboard has them in full)"


def _shown(s: Summary) -> tuple[list[dict], list[dict]]:
    """The one-line verdicts shown: testable first, then untestable, up to `listed`."""
    return _first(s.compact, s.untestable, s.listed)


def _first(compact: list[dict], untestable: list[dict], listed: int | None) -> tuple[list[dict], list[dict]]:
    limit = len(compact) + len(untestable) if listed is None else listed
    return compact[:limit], untestable[:max(limit - len(compact), 0)]


def _hidden_note(s: Summary) -> str:
    compact, untestable = _shown(s)
    judged, untested = len(s.compact) - len(compact), len(s.untestable) - len(untestable)
    kinds = ", ".join(x for x in (f"{judged} judged" if judged else "", f"{untested} not testable" if untested
                                  else "") if x)
    return (f"{s.hidden} more verdict{'s' if s.hidden != 1 else ''} ({kinds}) did not fit on this page: "
            "the dashboard lists every one.")


def to_markdown(s: Summary) -> str:
    """The summary as Markdown text, in the print page's order."""
    lines = [f"# {md(s.head.title)}", ""]
    if s.head.simulated:
        lines += ["**SIMULATED DATA: built from postaudit's simulated executive, not a real person.**", ""]
    lines += [md(s.head.period), "", f"**{md(s.tally)}**", ""]
    for i, r in enumerate(s.testable[:s.full], 1):
        ev, facts = _facts(r, s)
        lines.append(f"## {i}. {md(_title(r))}")
        lines += ["", f"> {md(r['sentence'])}", "", md(who(r, s.zone)), ""]
        lines += [f"- **{md(k)}:** {md(v)}" for k, v in facts]
        sources = [f"{md(label)} <{url}>" if url else md(label) for label, url in _sources(r)]
        more = len(r.get("copies") or []) - len(sources)
        if sources:
            lines.append(f"- **Source:** {', '.join(sources)}" + (f" (+{more} more copies on the dashboard)" if more > 0 else ""))
        lines.append("")
    compact, untestable = _shown(s)
    if compact:
        lines += [f"## {md(_compact_head(s))}", ""]
        lines += [f"{i}. **{md(t)}:** {md(v)}" for i, (t, v) in
                  enumerate((compact_line(r, s.zone) for r in compact), s.full + 1)]
        lines.append("")
    if untestable:
        lines += [f"## Not testable with this data ({len(s.untestable)})", ""]
        lines += [f"- {md(q)} ({md(v)})" for q, v in (untestable_line(r, s.zone) for r in untestable)]
        lines.append("")
    if s.hidden:
        lines += [f"**{md(_hidden_note(s))}**", ""]
    if s.common:
        lines += [f"**Assumptions, for every verdict they apply to:** {md(_common_text(s))}.", ""]
    lines += ["## Caveats", ""] + [f"- {md(c)}" for c in _caveats(s)]
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines += ["", "The dashboard has every reason in full, every copy and the charts behind these figures. "
              f"Generated {stamp} by postaudit {__version__}; times and dates in {md(s.zone.phrase)}.", ""]
    return "\n".join(lines)


# Print typography: body 8.5 pt, nothing under 7 pt (the number lines' axis labels); two columns on A4.
PRINT_CSS = NUMBERLINE_CSS + """
@page{size:A4;margin:10mm 11mm}
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#1d232b;font-size:8.5pt;line-height:1.22;margin:0}
h1{font-size:13pt;margin:0 0 1px}p{margin:1px 0}.sim{background:#ffe08a;font-weight:700;padding:1px 6px}
.tally{font-weight:700;font-size:9.5pt;margin:3px 0 2px}
.legend{color:#444;margin:0 0 3px}.legend .sw{margin:0 3px 0 8px}
.cols{columns:2;column-gap:5mm;column-fill:balance}
.v{break-inside:avoid;border-left:3px solid #adb5bd;padding:1px 0 1px 6px;margin:0 0 4px}
.v h2{font-size:9.5pt;line-height:1.18;margin:0}.v h2 .more{font-weight:400}
.v .q{font-style:italic}.v .who{color:#57606a;font-size:8pt}
.v ul{margin:1px 0 0;padding-left:11px}.v li{margin:0}
.contra{border-color:#b42318}.warn{border-color:#c4661f}.read{border-color:#8250df}.open{border-color:#9a6700}
.ok{border-color:#1a7f37}
.nl{margin:2px 0 1px}.nl-track,.nl-track span{height:12px}.nl-ci{top:4px!important;height:4px!important}
.nl-est{width:9px;height:9px!important;top:1.5px!important;margin-left:-4.5px;border-width:1.5px}
.nl-axis{height:12px;font-size:7pt;line-height:11px}.nl-unit{font-size:7pt;line-height:9px}.nl-key{display:none}
h3{font-size:9.5pt;margin:3px 0 1px;break-after:avoid}
ol.c,ul.c{margin:0 0 2px;padding-left:2.2em}ul.c{padding-left:1.3em}ol.c li,ul.c li{margin:0 0 1px;break-inside:avoid}
.c .k{font-weight:700}.hidden{font-weight:700}
.caveats{font-size:8pt;color:#333}
.foot{font-size:8pt;color:#57606a;margin-top:2px}
"""
LEGEND = (("band", "what the claim allows"), ("ci", "the data's interval"), ("est", "the data's estimate"),
          ("floor", "the floor the posts prove"), ("ref", "no effect"))


def _marks(ev: Evidence) -> list[str]:
    """The marks a verdict's number line draws (LEGEND's keys)."""
    if not ev.drawable:
        return []
    return [k for k, there in (("band", ev.band), ("ci", ev.interval), ("est", ev.estimate), ("floor", ev.floor),
                               ("ref", ev.reference)) if there is not None]


def to_print_html(s: Summary) -> str:
    """The summary as one print-styled HTML page (what the PDF is printed from); every text from data escaped."""
    parts = [f"<h1>{esc(s.head.title)}</h1>"]
    if s.head.simulated:
        parts.append('<p class="sim">SIMULATED DATA: built from postaudit\'s simulated executive, not a real person.</p>')
    parts += [f"<p>{esc(s.head.period)}</p>", f'<p class="tally">{esc(s.tally)}</p>']
    full = s.testable[:s.full]
    drawn = {k for r in full for k in _marks(evidence(r))}
    if drawn:   # the number lines' key, said once for all
        parts.append('<p class="legend">On each number line:' + "".join(
            f'<i class="sw {k}"></i>{esc(v)}' for k, v in LEGEND if k in drawn) + "</p>")
    parts.append('<div class="cols">')
    for r in full:
        head, more = headline(r["verdict_text"])
        ev, facts = _facts(r, s)
        parts.append(
            f'<div class="v {TONE.get(r["verdict"], "nt")}"><h2>{esc(head)}'
            + (f' <span class="more">({esc(more)})</span>' if more else "")
            + f": {esc(subject(r))}</h2><p class=\"q\">{esc(_quoted(r['sentence']))}</p><p class=\"who\">{esc(who(r, s.zone))}</p>"
            + numberline_html(ev, None if r["metric"] == "ama_effect" else r["unit"])
            + "<ul>" + "".join(f"<li><b>{esc(k)}:</b> {esc(v)}</li>" for k, v in facts) + "</ul></div>")
    compact, untestable = _shown(s)
    if compact:
        parts.append(f'<h3>{esc(_compact_head(s))}</h3><ol class="c" start="{s.full + 1}">' + "".join(
            f'<li><span class="k">{esc(t)}:</span> {esc(v)}</li>' for t, v in (compact_line(r, s.zone) for r in compact))
            + "</ol>")
    if untestable:
        parts.append(f"<h3>Not testable with this data ({len(s.untestable)})</h3><ul class=\"c\">" + "".join(
            f"<li>{esc(q)} ({esc(v)})</li>" for q, v in (untestable_line(r, s.zone) for r in untestable)) + "</ul>")
    if s.hidden:
        parts.append(f'<p class="hidden">{esc(_hidden_note(s))}</p>')
    if s.common:
        parts.append(f"<p><b>Assumptions, for every verdict they apply to:</b> {esc(_common_text(s))}.</p>")
    parts.append('<h3>Caveats</h3><ul class="c caveats">' + "".join(f"<li>{esc(c)}</li>" for c in _caveats(s))
                 + "</ul>")
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    parts.append('<p class="foot">The dashboard has every reason in full, every copy and the charts behind these '
                 f"figures. Generated {stamp} by postaudit {esc(__version__)}; times and dates in "
                 f"{esc(s.zone.phrase)}.</p></div>")
    return ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"
            f"<title>{esc(s.head.title)}</title><style>{PRINT_CSS}</style></head><body>{''.join(parts)}</body></html>")


# The page's room in lines of body text per column, and what each part takes (calibrated on Chromium's print of
# the demo and of a 16-verdict warehouse); the PDF is printed again with one verdict fewer in full while it spills.
COLUMN_LINES = 2 * 76.0
CHARS_PER_LINE = 56           # body text in one column
FULL_CHARS_PER_LINE = 118     # body text across the page


def _lines(text: str, per_line: float = CHARS_PER_LINE) -> int:
    return max(1, math.ceil(len(text) / per_line))


def page_lines(s: Summary, full: int, listed: int | None = None) -> float:
    """About how many column lines the print page takes with `full` verdicts in full and `listed` one-line ones
    (None: all)."""
    total = 2 * (2.4 + (1.2 if s.head.simulated else 0) + _lines(s.head.period, FULL_CHARS_PER_LINE) + 1.3 + 1.1)
    heights = []
    for r in s.testable[:full]:
        ev, facts = _facts(r, s)
        heights.append(1.15 * _lines(_title(r), 46) + _lines(_quoted(r["sentence"])) + _lines(who(r, s.zone), 60)
                       + (3.3 if ev.drawable else 0) + sum(_lines(f"{k}: {v}", 52) for k, v in facts) + 0.6)
    # A verdict is never split between columns: the first column ends, on average, half a verdict short.
    total += sum(heights) + (sum(heights) / len(heights) / 2 if len(heights) > 1 else 0)
    rest, untestable = _first(s.testable[full:], s.untestable, listed)
    if rest:
        total += 1.4 + sum(_lines(": ".join(compact_line(r, s.zone)), 52) + 0.1 for r in rest)
    if untestable:
        total += 1.4 + sum(_lines(" ".join(untestable_line(r, s.zone)), 52) + 0.1 for r in untestable)
    if s.common:
        total += _lines("Assumptions, for every verdict they apply to: " + _common_text(s))
    hidden = listed is not None and listed < len(s.testable) - full + len(s.untestable)
    total += 1.4 + sum(_lines(c, 58) + 0.1 for c in _caveats(s)) + _lines("x" * 200) + (2 if hidden else 0)
    return total


def fit(s: Summary) -> tuple[int, int | None]:
    """How many verdicts fit in full on one page (by page_lines), the strongest first, and how many one-line ones
    when even all one-line do not fit (None: all)."""
    n = len(s.testable)
    while n > 0 and page_lines(s, n) > COLUMN_LINES:
        n -= 1
    listed = None
    if n == 0 and page_lines(s, 0) > COLUMN_LINES:
        listed = len(s.testable) + len(s.untestable)
        while listed > 1 and page_lines(s, 0, listed) > COLUMN_LINES:
            listed -= 1
    return n, listed


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


def print_one_page(s: Summary, pdf_path: Path) -> None:
    """Print the summary to a one-page PDF: while it spills over, one verdict fewer in full (then one line fewer)."""
    with tempfile.TemporaryDirectory(prefix="postaudit-print-") as work:
        page = Path(work) / "summary.html"
        while True:
            page.write_text(to_print_html(s), encoding="utf-8")
            pdf_path.unlink(missing_ok=True)
            print_pdf(page, pdf_path)
            if page_count(pdf_path.read_bytes()) <= 1:
                return
            if s.full:
                s.full -= 1
                continue
            shown = len(s.compact) + len(s.untestable) if s.listed is None else s.listed
            if shown <= 1:
                return     # a page of one line spilling over: nothing left to move (never seen; printed as is)
            s.listed = shown - max(1, shown // 10)


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
            tmp_path.unlink()
            print_one_page(s, tmp_path)
        os.chmod(tmp_path, 0o644)
        os.replace(tmp_path, out)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()
    return out


def page_count(pdf: bytes) -> int:
    """Pages in a PDF Chromium wrote (its page objects are uncompressed '/Type /Page' dictionaries)."""
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))

