"""Hostile post and article text in the dashboard HTML, without a browser: it appears only escaped.

The browser test (tests/test_dashboard_browser.py) runs the page in Chromium and checks that nothing executes;
this one checks the bytes: no hostile tag survives anywhere in the page, in HTML or inside the inline scripts.
"""

from __future__ import annotations

from fakes.dashboard import HOSTILE_POST, HOSTILE_TITLE, full_warehouse

from postaudit.dashboards.report import render_html


def test_hostile_text_is_escaped_everywhere_in_the_page(tmp_path, tally):
    con = full_warehouse(tmp_path / "wh.duckdb", n_posts=300)
    try:
        page = render_html(con)
    finally:
        con.close()
    markers = ["<script>window.__pwned", "onerror=\"window.__pwned", "<img src=x", "Exec says </script>"]
    for m in markers:
        assert m not in page, m
    # the text is there, escaped: as HTML entities in tables, as \u003c in the inline JSON of the figures
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in page or "\\u003cscript\\u003ewindow.__pwned" in page
    assert page.count("<script") == page.count("</script>")    # no script opened or closed by the data
    tally.add("dashboard", "hostile_strings_checked", len([HOSTILE_POST, HOSTILE_TITLE]))
    tally.add("dashboard", "unescaped_found", sum(m in page for m in markers))
