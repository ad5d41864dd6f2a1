"""The dashboard in a real headless Chromium: every chart draws, nothing errors, hostile text stays inert."""

from __future__ import annotations

import copy
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fakes.dashboard import HOSTILE_POST, HOSTILE_TITLE, full_warehouse

from postaudit import warehouse
from postaudit.build import build_metrics, build_sql
from postaudit.dashboards.report import render
from postaudit.sources import press_rss, simulated, twarc_jsonl

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-sync"]
ARTIFACTS = Path(__file__).parent / "artifacts"
ALL_DRAWN = "[...document.querySelectorAll('.fig')].every(d => d.querySelector('.main-svg'))"


def _hostile_world() -> simulated.World:
    """The simulator's executive plus one hostile post (the most liked) and one hostile article title."""
    world = simulated.simulate(seed=3, days=21)
    post = copy.deepcopy(next(p for p in world.posts if "referenced_tweets" not in p))
    post["id"] = post["conversation_id"] = post["edit_history_tweet_ids"][0] = str(int(post["id"]) + 1)
    post["text"] = HOSTILE_POST
    post["final_metrics"] = {k: v * 1000 + 10**6 for k, v in post["final_metrics"].items()}
    world.posts.append(post)
    when = datetime(world.start.year, world.start.month, world.start.day, 9, tzinfo=UTC) + timedelta(days=5)
    world.articles.append({"outlet_domain": "cryptowire.example", "outlet": "CryptoWire (SIMULATED)", "language": "en",
                           "url": "https://cryptowire.example/hostile", "title": HOSTILE_TITLE,
                           "body": "Rowan Vale spoke about the company today. " * 5, "published": when,
                           "author": "Lee Park"})
    return world


@pytest.fixture(scope="module")
def sim_page(tmp_path_factory) -> Path:
    """A warehouse built from the simulator through the library (no Prefect), rendered to HTML."""
    root = tmp_path_factory.mktemp("dash_sim")
    files = simulated.write_files(_hostile_world(), root / "sim")
    con = warehouse.connect(root / "wh.duckdb")
    try:
        build_sql(con)
        warehouse.land_raw(con, "raw_x_pages", twarc_jsonl.fetch_pages(files["timeline"]),
                           warehouse.Provenance(source="simulated", origin=str(files["timeline"]), is_simulated=True))
        for feed in files["feeds"]:
            warehouse.land_raw(con, "raw_press_items", press_rss.fetch_file(feed),
                               warehouse.Provenance(source="simulated", origin=str(feed), is_simulated=True))
        build_sql(con)
        build_metrics(con, n_boot=20)
        assert warehouse.scalar(con, "select count(*) from posts where text = ?", [HOSTILE_POST]) == 1
        return render(con, root / "dashboard.html")
    finally:
        con.close()


@pytest.fixture(scope="module")
def claims_file_page(tmp_path_factory) -> Path:
    """Simulated posts and the documented example claims file, no press: the README's own workflow."""
    root = tmp_path_factory.mktemp("dash_claims_file")
    files = simulated.write_files(simulated.simulate(seed=5, days=28), root / "sim")
    con = warehouse.connect(root / "wh.duckdb")
    try:
        build_sql(con)
        warehouse.land_raw(con, "raw_x_pages", twarc_jsonl.fetch_pages(files["timeline"]),
                           warehouse.Provenance(source="simulated", origin=str(files["timeline"]), is_simulated=True))
        build_sql(con)
        build_metrics(con, n_boot=20, claims_file=Path(__file__).parents[1] / "docs" / "claims.example.toml")
        return render(con, root / "dashboard.html")
    finally:
        con.close()


@pytest.fixture(scope="module")
def full_page(tmp_path_factory) -> Path:
    """A hand-built warehouse holding every relation the panels read (the metrics issue's ones included)."""
    root = tmp_path_factory.mktemp("dash_full")
    con = full_warehouse(root / "wh.duckdb", n_posts=3000)
    try:
        return render(con, root / "dashboard.html")
    finally:
        con.close()


@pytest.fixture(scope="module")
def browser():
    """One headless Debian Chromium for the module (Playwright's own browser download does not work here)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser` (installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def _open(browser, path: Path):
    """Open the file offline, wait until every figure has drawn; return the page and the errors seen."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
    # Any request leaving the file is a failure: the page must be self-contained.
    page.on("request", lambda r: errors.append(f"request: {r.url}") if not r.url.startswith(("file:", "data:"))
            else None)
    page.goto(path.as_uri())
    page.wait_for_function(ALL_DRAWN, timeout=20_000)
    return page, errors


def _check_common(page, errors: list[str], html: str) -> None:
    figures = html.count('class="fig"')
    assert figures >= 9
    drawn = page.eval_on_selector_all(".fig", "els => els.filter(e => e.querySelector('svg.main-svg')).length")
    assert drawn == figures
    for title in page.eval_on_selector_all("section.panel", "els => els.map(e => e.querySelector('h3').innerText)"):
        assert title.strip()
    text = page.inner_text("body")
    assert HOSTILE_POST in text               # shown as text, not parsed as markup
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.eval_on_selector_all("script", "els => els.filter(e => e.src).length") == 0
    assert errors == []


def test_simulated_audit_page_renders_inert(browser, sim_page):
    page, errors = _open(browser, sim_page)
    html = sim_page.read_text(encoding="utf-8")
    _check_common(page, errors, html)
    assert "SIMULATED DATA" in page.inner_text(".sim")
    con = warehouse.connect(sim_page.parent / "wh.duckdb", read_only=True)
    try:
        texts = [r[0] for r in con.execute("select verdict_text from claim_verdicts").fetchall()]
    finally:
        con.close()
    claims = page.inner_text(".claims").lower()
    assert texts and all(t.split(" (")[0].lower() in claims for t in texts)
    assert HOSTILE_TITLE in page.inner_text("#top_stories")
    # Hover the press day that holds the hostile story: its title must show as hover text, and run nothing.
    index = page.evaluate("""() => {
        const d = document.getElementById('fig-press_daily').data[1];
        return d.hovertext.findIndex(t => t.includes('Exec says'));
    }""")
    assert index >= 0
    page.evaluate(f"Plotly.Fx.hover('fig-press_daily', [{{curveNumber: 1, pointNumber: {index}}}])")
    hover = page.evaluate("document.querySelector('#fig-press_daily .hoverlayer').textContent")
    assert "Exec says </script>" in hover
    assert page.evaluate("typeof window.__pwned") == "undefined"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)
    assert errors == []
    page.close()


def test_every_panel_filled_when_all_relations_exist(browser, full_page):
    page, errors = _open(browser, full_page)
    html = full_page.read_text(encoding="utf-8")
    _check_common(page, errors, html)
    assert page.eval_on_selector_all("p.absent", "els => els.length") == 0
    for key in ("timeshare_weekly", "sensitivity", "activity_heatmap", "sessions", "engagement_rate", "followers",
                "press_daily", "outlets", "languages"):
        assert page.eval_on_selector_all(f"#fig-{key} .main-svg", "els => els.length") > 0, key
    assert "UTC+08:00" in page.inner_text("#activity_heatmap")
    # The night's break is drawn from the sessions themselves, in the same zone as the bars.
    assert "through the quietest hour" in page.inner_text("#sessions") and "UTC+08:00" in page.inner_text("#sessions")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard_all_relations.png"), full_page=True)
    page.close()


OVERLAPS = """() => {
    const hit = (a, b) => Math.min(a.right, b.right) - Math.max(a.left, b.left) > 1
                          && Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 1;
    const pairs = (els, where) => {
        const out = [];
        const boxes = els.filter(e => e.getClientRects().length && (e.textContent || '').trim())
                         .map(e => [e, e.getBoundingClientRect()]);
        for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
            const [a, ra] = boxes[i], [b, rb] = boxes[j];
            if (a.contains(b) || b.contains(a)) continue;
            if (hit(ra, rb)) out.push(`${where}: "${a.textContent.trim().slice(0, 40)}" / "${b.textContent.trim().slice(0, 40)}"`);
        }
        return out;
    };
    const out = [];
    const text = '.badge,.vq,.subject,.q,.who,.nl-tick,.nl-key .k,.nl-unit,dl.facts dt,dl.facts dd,p.reading,summary';
    document.querySelectorAll('.card').forEach((c, i) => out.push(...pairs([...c.querySelectorAll(text)], `card ${i}`)));
    document.querySelectorAll('.fig').forEach(f => {
        for (const axis of ['xtick', 'ytick', 'y2tick']) out.push(...pairs([...f.querySelectorAll(`g.${axis} text`)], `${f.id} ${axis}`));
        const titles = [...f.querySelectorAll('.g-xtitle text, .g-ytitle text, .legendtext, g.xtick text, g.ytick text')];
        out.push(...pairs(titles, `${f.id} titles`));
    });
    return out;
}"""


@pytest.mark.parametrize(("which", "width"), [("sim_page", 1280), ("sim_page", 420), ("claims_file_page", 1280),
                                             ("claims_file_page", 420)])
def test_page_reads_at_desktop_and_phone_width(browser, request, which, width):
    sim_page = request.getfixturevalue(which)
    html = sim_page.read_text(encoding="utf-8")
    assert len(html.encode()) < 1_500_000                    # the basic plotly bundle, not the 4.8 MB full one
    page = browser.new_page(viewport={"width": width, "height": 900})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
    page.goto(sim_page.as_uri())
    page.wait_for_function(ALL_DRAWN, timeout=20_000)
    drawn = page.eval_on_selector_all(".fig", "els => els.filter(e => e.querySelector('svg.main-svg')).length")
    assert drawn == html.count('class="fig"') >= 9
    assert page.evaluate("document.documentElement.scrollWidth") <= width       # nothing runs off the side
    card_lefts = set(page.eval_on_selector_all(".card", "els => els.map(e => Math.round(e.getBoundingClientRect().left))"))
    panel_lefts = set(page.eval_on_selector_all("section.panel",
                                                "els => els.map(e => Math.round(e.getBoundingClientRect().left))"))
    if width < 700:
        assert len(card_lefts) == 1 and len(panel_lefts) == 1          # one column on a phone
    else:
        assert len(panel_lefts) > 1 and (len(card_lefts) > 1 or page.locator(".card").count() == 1)
    overlaps = page.evaluate(OVERLAPS)
    assert overlaps == [], "\n".join(overlaps)
    # The top of the page says what a reader needs first: simulated, whose, which zone, the verdict tally.
    top = page.inner_text("header") + page.inner_text(".sim") + page.inner_text("p.tally")
    assert "SIMULATED DATA" in top and "claims:" in top
    zone = re.search(r"times in (\S+) \(", top).group(1)                 # e.g. UTC+08:45, Asia/Singapore
    for key in ("activity_heatmap", "sessions", "posts_per_day"):
        assert f"local time, {zone}" in page.inner_text(f"#{key}"), key    # the one zone, on every time axis
    assert page.eval_on_selector_all("a[href*='x.com'], a[href*='twitter.com']", "els => els.length") == 0
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"dashboard_{which}_{width}px.png"), full_page=True)
    assert errors == []
    page.close()
