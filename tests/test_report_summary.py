"""`postaudit report`: the short summary as Markdown (plain text) and as PDF printed by real Chromium."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fakes.dashboard import full_warehouse
from typer.testing import CliRunner

from postaudit.cli import app
from postaudit.dashboards.evidence import CAVEATS
from postaudit.dashboards.summary import (
    brief_reason,
    md,
    page_count,
    summarise,
    to_markdown,
    to_print_html,
    write_summary,
)

runner = CliRunner()
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-sync"]


@pytest.fixture()
def wh(tmp_path):
    path = tmp_path / "wh.duckdb"
    con = full_warehouse(path, n_posts=1500)
    yield con, path
    con.close()


def test_markdown_says_each_verdict_its_numbers_and_the_caveats(wh):
    con, _ = wh
    text = to_markdown(summarise(con))
    assert text.startswith("# postaudit report") and "**SIMULATED DATA" in text
    assert "**2 claims: 1 needs unseen reading · 1 not testable**" in text
    assert "## 1. Needs unseen reading: time share on x" in text
    # The claim against the evidence, in the claim's unit, and r* in words.
    assert "- **Claim:** about 20%" in text and "- **Posting sessions:** 9% of working hours (95% interval 5–14%)" in text
    assert "- **The posts alone prove:** 3% of working hours" in text
    assert "would have to read without posting for about 1.2 minutes for every minute of posting sessions" in text
    assert "## Not testable with this data (1)" in text and "employee count leaves no trace" in text
    assert "Parry et al. 2021" in text and "times and dates in UTC+08:00" in text


def test_markdown_is_plain_text_data_cannot_add_markup_or_real_links(wh):
    con, _ = wh
    con.execute("update claims set sentence = sentence || ' [click](https://evil.example) **x** <img src=x>' "
                "where claim_id = 'c1'")
    con.execute("update press_articles set url = 'https://x.com/i/web/status/1' where article_id = 'a2'")
    text = to_markdown(summarise(con))
    assert "It employs 1,000 people \\<b\\>now\\</b\\>." in text
    assert "\\[click\\](https://evil.example) \\*\\*x\\*\\* \\<img src=x\\>" in text
    # Every '<' left unescaped opens an autolink, and only to reserved (RFC 2606) hosts for simulated data.
    links = re.findall(r"(?<!\\)<([^>]*)>", text)
    assert links and all(re.match(r"https://[a-z.-]+\.example/", u) for u in links), links
    assert "x.com" not in text
    assert md("a_b*c") == "a\\_b\\*c"


def test_brief_reason_cuts_at_a_sentence_and_never_leaves_an_aside_open():
    assert brief_reason("One. Two.") == "One. Two."
    long = "It overlaps the claim. " + "More detail here. " * 30
    assert brief_reason(long, 60).startswith("It overlaps the claim. More detail here.")
    cut = brief_reason("the claim allows 1.5–2.5 s, over screens (5 messages: typical 125 s (95% 116–136), "
                       "busiest hour 101 s; 10 messages: typical 286 s)", 80)
    assert cut == "the claim allows 1.5–2.5 s, over screens…"


def test_cli_writes_markdown_to_stdout_and_files(wh, tmp_path):
    con, path = wh
    con.close()
    result = runner.invoke(app, ["report", "--db", str(path), "--out", "-"])
    assert result.exit_code == 0, result.output
    assert "## 1. Needs unseen reading" in result.output
    result = runner.invoke(app, ["report", "--db", str(path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "summary.md").read_text(encoding="utf-8").startswith("# postaudit report")
    bad = runner.invoke(app, ["report", "--db", str(path), "--format", "docx"])
    assert bad.exit_code == 2 and "unknown --format 'docx'" in bad.output
    assert not list(tmp_path.glob("*.docx")) and not list(tmp_path.glob(".summary-*"))


def test_cli_needs_verdicts(tmp_path):
    import duckdb

    duckdb.connect(str(tmp_path / "empty.duckdb")).close()
    result = runner.invoke(app, ["report", "--db", str(tmp_path / "empty.duckdb")])
    assert result.exit_code == 2 and "no verdicts yet" in result.output


@pytest.mark.browser
def test_pdf_is_one_page_printed_by_chromium_and_reads_as_the_markdown(wh, tmp_path):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser`")
    con, _ = wh
    out = write_summary(con, tmp_path / "summary.pdf", "pdf")
    pdf = out.read_bytes()
    assert pdf[:5] == b"%PDF-" and page_count(pdf) == 1
    assert not list(tmp_path.glob(".summary-*"))
    # What the PDF prints, looked at as a reader would: the verdicts, their numbers, nothing cut off or overlapping.
    page_html = tmp_path / "print.html"
    page_html.write_text(to_print_html(summarise(con)), encoding="utf-8")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 695, "height": 1000})     # A4 less the margins, at 96 dpi
        page.emulate_media(media="print")
        page.goto(page_html.as_uri())
        text = page.inner_text("body")
        assert "Needs unseen reading" in text and "9% of working hours" in text and "Parry et al. 2021" in text
        assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
        boxes = page.eval_on_selector_all(".nl-tick", "els => els.map(e => e.getBoundingClientRect().toJSON())")
        assert len(boxes) >= 2
        for a, b in zip(boxes, boxes[1:], strict=False):
            assert a["right"] <= b["left"] + 0.5, (a, b)
        page.screenshot(path=str(tmp_path / "summary.png"), full_page=True)
        browser.close()


# Claims shaped like the demo's (press, claims file, group chat), each verdict kind, in our own words.
# (metric, platform, unit, verdict, verdict_text, estimate, low, high, floor, baseline, r_star, direction,
#  claimed, claimed_low, claimed_high, tolerance)
KINDS = [
    ("time_share", "x", "percent", "consistent", "consistent", 24.2, 2.35, 62.1, 2.35, "working", None, "about",
     20.0, 15.0, 25.0, 0.25),
    ("time_share", "x", "percent", "contradicted", "contradicted (the posts alone prove more)", 24.2, 18.0, 31.0,
     9.5, "working", None, "about", 2.0, 1.5, 2.5, 0.25),
    ("time_per_day", "x", "hours_per_day", "needs_unseen_reading", "needs unseen reading", 1.1, 0.8, 1.5, 0.3,
     "day", 2.6, "about", 4.0, 3.0, 5.0, 0.25),
    ("posts_per_day", "x", "posts_per_day", "consistent", "consistent", 15.4, 13.8, 17.0, None, None, None, "about",
     15.0, 11.25, 18.75, 0.25),
    ("posts_per_week", "x", "posts_per_week", "probably_overstated", "probably overstated", 61.0, 52.0, 70.0, None,
     None, None, "about", 140.0, 105.0, 175.0, 0.25),
    ("message_visibility", "telegram", "seconds", "contradicted",
     "contradicted (messages stay on screen longer than claimed)", 286.0, 52.0, 730.0, None, None, None, "about",
     2.0, 1.5, 2.5, 0.25),
    ("group_members", "telegram", "members", "consistent", "consistent", 352104.0, None, None, None, None, None,
     "about", 500000.0, 200000.0, 900000.0, None),
    ("ama_effect", "telegram", None, "supported", "supported", 5.43, 4.73, 6.16, None, None, None, "about", 1.0,
     None, None, None),
]
UNTESTABLE = ["headcount", "revenue", "reads_every_reply", "sleep_hours"]


def add_claims(con, n_testable: int = 14, n_untestable: int = 4) -> list[str]:
    """n_testable verdicts cycling through KINDS and n_untestable claims, each with its own speaker; their names."""
    speakers = []
    for i in range(n_testable + n_untestable):
        name = f"Speaker{i:02d} Quoted"
        speakers.append(name)
        cid, when = f"m{i:02d}", f"2025-09-{1 + i % 28:02d} 10:00+00"
        article = f"a{1 + i % 5}" if i % 2 else None          # press claims and claims-file claims
        if i < n_testable:
            (metric, platform, unit, verdict, text, est, lo, hi, floor, base, rstar, direction, value, low, high,
             tol) = KINDS[i % len(KINDS)]
            sentence = (f"{name} told a reporter that the {metric.replace('_', ' ')} on {platform} is about "
                        f"{value:g} and has been for most of the year.")
            reason = (f"the data show {est:g} ({lo}–{hi}) against a claim of {value:g}; the interval is over days "
                      "and the window is the span of data held. A second sentence of detail that the dashboard "
                      "gives in full and the summary may cut.")
            days = None if metric == "group_members" else 56
        else:
            metric, platform, unit, verdict, text = UNTESTABLE[(i - n_testable) % len(UNTESTABLE)], None, None, "not_testable", \
                f"not testable ({UNTESTABLE[(i - n_testable) % len(UNTESTABLE)].replace('_', ' ')})"
            est = lo = hi = floor = base = rstar = tol = low = high = None
            direction, value, days = "at_least", 1000.0, None
            sentence = f"{name} said the figure behind this claim is well above a thousand."
            reason = ("nothing in posts, chats or press the warehouse holds records this; a register, an annual "
                      "report or a device log would make it testable")
        con.execute("insert into claims by name select ? as claim_id, ? as article_id, ? as metric, ? as platform, "
                    "? as value, ? as unit, ? as sentence, ? as speaker, ? as story_id, ?::timestamptz as "
                    "published_at, ? as origin", [cid, article, metric, platform, value, unit, sentence, name,
                                                  f"s{i}", when, "press" if article else "file:claims.toml"])
        con.execute(
            "insert into claim_verdicts by name select ? as claim_id, ? as verdict, ? as verdict_text, ? as reason, "
            "? as estimate, ? as estimate_low, ? as estimate_high, ? as floor, ? as baseline, ? as r_star, "
            "? as metric, ? as platform, ? as unit, ? as direction, ? as claimed_value, ? as claimed_low, "
            "? as claimed_high, ? as tolerance, ?::date as window_start, ?::date as window_end, "
            "'data_span' as window_basis, ? as count_days, 863 as count_posts, 'UTC+08:00' as timezone, "
            "'inferred' as timezone_source, true as is_simulated",
            [cid, verdict, text, reason, est, lo, hi, floor, base, rstar, metric, platform, unit, direction, value,
             low, high, tol, "2025-09-01" if days else None, "2025-10-26" if days else None, days])
    return speakers


@pytest.mark.browser
def test_a_demo_sized_audit_prints_on_one_page_every_verdict_named(wh, tmp_path):
    """14 testable and 4 untestable claims on top of the fixture's two: one A4 page, each verdict in full or in
    one line, the count of one-line verdicts said, the caveats there, body text at least 8 pt."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser`")
    con, _ = wh
    speakers = add_claims(con)
    out = write_summary(con, tmp_path / "summary.pdf", "pdf")
    assert page_count(out.read_bytes()) == 1
    s = summarise(con)
    assert len(s.testable) == 15 and len(s.untestable) == 5
    html = to_print_html(s)     # what write_summary printed, when its first print fitted (checked below)
    assert s.full >= 1 and s.testable[0]["verdict"] == "contradicted" and s.hidden == 0   # the strongest in full
    assert f"Also judged ({len(s.testable) - s.full}, one line each" in html
    page_html = tmp_path / "print.html"
    page_html.write_text(html, encoding="utf-8")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page()
        page.goto(page_html.as_uri())
        pdf = page.pdf(prefer_css_page_size=True)       # the same print, from the page checked here
        assert page_count(pdf) == 1
        page.emulate_media(media="print")
        text = page.inner_text("body")
        missing = [name for name in speakers if name not in text]
        assert not missing, missing
        assert "Exec" in text and "employs 1,000 people" in text         # the fixture's own two claims
        assert all(c in text for c in CAVEATS)      # the floor, what is missing, noisy self-reports (Parry et al.)
        # The smallest text outside the number lines' axis labels.
        smallest = page.evaluate("""() => Math.min(...[...document.querySelectorAll('body *')]
            .filter(e => !e.closest('.nl') && [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()))
            .map(e => parseFloat(getComputedStyle(e).fontSize)))""")
        assert smallest >= 8 * 96 / 72 - 0.01, smallest        # 8 pt in CSS px
        browser.close()
    md_text = to_markdown(s)
    assert all(name in md_text for name in speakers) and "Parry et al. 2021" in md_text
    assert f"## Also judged ({len(s.testable) - s.full}, one line each" in md_text


@pytest.mark.browser
def test_more_verdicts_than_one_line_each_fits_are_counted_on_the_page(wh, tmp_path):
    """72 more claims: none in full, as many one-line as fit on the one page, and the page says how many are left
    out, of which kind."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser`")
    con, _ = wh
    add_claims(con, n_testable=60, n_untestable=12)
    s = summarise(con)
    assert s.full == 0 and 0 < s.listed < 61 and s.hidden == 74 - s.listed
    text = to_markdown(s)
    assert f"## Verdicts ({s.listed} of 61, one line each" in text
    shown = re.findall(r"^\d+\. \*\*", text, flags=re.M) + re.findall(r"^- “", text, flags=re.M)
    assert len(shown) == s.listed
    assert f"**{s.hidden} more verdicts ({61 - s.listed} judged, 13 not testable) did not fit on this page" in text
    assert all(md(c) in text for c in CAVEATS)
    assert page_count(write_summary(con, tmp_path / "summary.pdf", "pdf").read_bytes()) == 1
