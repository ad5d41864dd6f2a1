"""Data never becomes markup on the dashboard, in a real Chromium: account names, platforms, handles, titles,
outlets, languages, sentences, reasons and post texts holding plotly's pseudo-HTML (<a href>, <span style>, <b>,
<br>) and hover-template syntax (%{...}) render as text in the page, the legends, the axes and the hover labels.

The checks look at the rendered DOM, hover labels included (every trace of every figure is hovered), for any
element, link, style or line break that came from data, and for a template that was filled in.
"""

from __future__ import annotations

import pytest
from fakes.dashboard import HOSTILE_NAME, add_hostile_names, full_warehouse
from test_dashboard_browser import _open, browser  # noqa: F401 - the module's Chromium fixture

from postaudit.dashboards.report import render

pytestmark = pytest.mark.browser

# What came from data, wherever it is in the page: returns one line per violation.
FIND_MARKUP = """(root) => {
  const bad = [];
  for (const a of root.querySelectorAll('a')) {
    const href = (a.getAttribute('href') || '') + (a.getAttributeNS('http://www.w3.org/1999/xlink', 'href') || '');
    if (href.includes('evil.example')) bad.push('link: ' + a.outerHTML.slice(0, 160));
  }
  for (const el of root.querySelectorAll('*')) {
    const style = (el.getAttribute('style') || '').toLowerCase().replace(/\\s/g, '');
    if (style.includes('ff00ff')) bad.push('style: ' + el.outerHTML.slice(0, 160));
    if (['BOLDMARK', 'STYLEMARK', 'LINKMARK'].includes(el.textContent)) bad.push('element: ' + el.outerHTML.slice(0, 160));
  }
  const walk = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let n = walk.nextNode(); n; n = walk.nextNode()) {
    const t = n.nodeValue;
    if (/BRONE\\s*$/.test(t) || /^\\s*BRTWO/.test(t)) bad.push('line break: ' + t.slice(0, 160));
    if (/\\dTMPL/.test(t)) bad.push('template filled in: ' + t.slice(0, 160));
  }
  return bad;
}"""

# Plotly throttles hover per figure (50 ms), so each hover waits a little before its label is read.
HOVER_ALL = """async () => {
  const seen = [];
  const pause = () => new Promise(r => setTimeout(r, 70));
  for (const div of document.querySelectorAll('.fig')) {
    for (const [i, trace] of (div.data || []).entries()) {
      const n = (trace.x || trace.y || trace.z || []).length;
      if (!n || trace.hoverinfo === 'skip') continue;
      const point = trace.type === 'heatmap' ? [0, 0] : 0;
      Plotly.Fx.hover(div, [{curveNumber: i, pointNumber: point}]);
      await pause();
      const layer = div.querySelector('.hoverlayer');
      seen.push({fig: div.id, trace: i, text: layer ? layer.textContent : '', bad: layer ? (FIND_MARKUP)(layer) : []});
      Plotly.Fx.unhover(div);
      await pause();
    }
  }
  return seen;
}""".replace("FIND_MARKUP", FIND_MARKUP)


@pytest.fixture(scope="module")
def hostile_page(tmp_path_factory) -> tuple:
    """The rendered page and the fields (table.column) holding HOSTILE_NAME."""
    root = tmp_path_factory.mktemp("dash_markup")
    con = full_warehouse(root / "wh.duckdb", n_posts=600)
    try:
        fields = add_hostile_names(con)
        return render(con, root / "dashboard.html"), fields
    finally:
        con.close()


def test_data_never_becomes_markup(browser, hostile_page, tally):  # noqa: F811 - the imported fixture
    path, fields = hostile_page
    page, errors = _open(browser, path)
    bad = page.evaluate(f"({FIND_MARKUP})(document.documentElement)")
    assert bad == [], "\n".join(bad)
    # shown, as text: in the cards and tables, and in the figures' legends and ticks
    assert page.evaluate("document.body.textContent").count(HOSTILE_NAME) >= 3
    legend = page.evaluate("document.querySelector('#fig-timeshare_weekly .legend').textContent")
    assert "%{y:.3f}TMPL BRONE<br>BRTWO <b>BOLDMARK</b>" in legend
    hovered = page.evaluate(HOVER_ALL)
    assert len(hovered) >= 20
    problems = [f"{h['fig']} trace {h['trace']}: {b}" for h in hovered for b in h["bad"]]
    assert problems == [], "\n".join(problems)
    named = [h for h in hovered if h["fig"] == "fig-timeshare_weekly" and "TMPL" in h["text"]]
    assert named and all("%{y:.3f}TMPL" in h["text"] for h in named), named
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert errors == []
    tally.add("dashboard", "hostile_fields", len(fields))
    tally.add("dashboard", "hover_labels_checked", len(hovered))
    tally.add("dashboard", "markup_from_data_found", len(bad) + len(problems))
    page.close()
