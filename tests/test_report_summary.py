"""`postaudit report`: the short summary as Markdown (plain text) and as PDF printed by real Chromium."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fakes.dashboard import full_warehouse
from typer.testing import CliRunner

from postaudit.cli import app
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
