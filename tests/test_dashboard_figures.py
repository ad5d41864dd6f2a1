"""Dashboard panels on small hand-built warehouses: content, absent-data notes, escaping, bounded size."""

from __future__ import annotations

import re
from datetime import date

import duckdb
import pytest
from fakes.dashboard import HOSTILE_POST, HOSTILE_TITLE, build_marts, build_posts, full_warehouse

from postaudit.dashboards import activity, press, reach, timeuse
from postaudit.dashboards.figures import clock, link, offset_label, safe_url
from postaudit.dashboards.report import build_sections, render_html


@pytest.fixture()
def full(tmp_path):
    con = full_warehouse(tmp_path / "full.duckdb", n_posts=2000)
    yield con
    con.close()


def _panels(con, week=None):
    return {p.key: p for s in build_sections(con, [20.0], week) for p in s.panels}


def test_every_panel_has_content_when_every_relation_exists(full):
    panels = _panels(full)
    assert {k for k, p in panels.items() if p.absent} == set()
    for p in panels.values():
        assert p.title and p.caption
        assert (p.figure is not None) != (p.table_html is not None)


def test_absent_relations_are_named_on_the_page_not_dropped(tmp_path):
    con = duckdb.connect(str(tmp_path / "old.duckdb"))
    build_posts(con, 500)
    build_marts(con, with_new=False)
    panels = _panels(con)
    for key, table in (("timeshare_weekly", "timeshare_weekly"), ("sensitivity", "timeshare_sensitivity"),
                       ("engagement_rate", "post_reactions")):
        assert panels[key].figure is None and table in panels[key].absent
    assert "no time zone has been inferred" in panels["activity_heatmap"].caption
    page = render_html(con)
    assert page.count('class="absent"') == 3
    assert "<code>timeshare_weekly</code>" in page
    con.close()


def test_an_empty_warehouse_still_renders(tmp_path):
    con = duckdb.connect(str(tmp_path / "empty.duckdb"))
    page = render_html(con)
    assert "No claims found yet" in page
    assert page.count('class="fig"') == 0
    assert page.count('class="absent"') == len(_panels(con)) + 1     # every panel, and the claims block
    con.execute("create table sessions (platform varchar, account_id varchar, started_at timestamptz)")
    assert "holds no rows" in activity.session_week(con).absent
    con.close()


def test_heatmap_is_shifted_into_the_inferred_local_time(full):
    full.execute("delete from hourly_activity")
    # Monday 01:00 UTC with the account at UTC+8 is Monday 09:00 local; Monday 20:00 UTC is Tuesday 04:00.
    full.execute("insert into hourly_activity values ('x', '42', 1, 1, 5), ('x', '42', 1, 20, 7)")
    z = activity.activity_heatmap(full).figure.data[0].z
    assert z[0][9] == 5 and z[1][4] == 7
    assert sum(map(sum, z)) == 12
    full.execute("update account_timezone set utc_offset_hours = -5")
    z = activity.activity_heatmap(full).figure.data[0].z
    assert z[6][20] == 5 and z[0][15] == 7       # Monday 01:00 UTC is Sunday 20:00 at UTC-5


def test_session_timeline_one_bar_per_session_split_at_local_midnight(full):
    full.execute("delete from sessions")
    # 15:30–16:30 UTC is 23:30–00:30 at UTC+8: one session drawn as two pieces on two day rows.
    full.execute("""insert into sessions values
        ('x', '42', 's1', '2025-10-21 15:30+00', '2025-10-21 16:30+00', 2, 60.0),
        ('x', '42', 's2', '2025-10-22 02:00+00', '2025-10-22 02:00+00', 1, 0.0)""")
    full.execute("insert into posts by name select 'x' as platform, '7' as post_id, '42' as account_id, "
                 "timestamptz '2025-10-22 02:00+00' as created_at, 'original' as kind, ? as text", [HOSTILE_POST])
    p = activity.session_week(full, date(2025, 10, 20))
    bar = p.figure.data[0]
    assert list(bar.y) == ["Tue 21 Oct", "Wed 22 Oct", "Wed 22 Oct"]
    assert list(bar.base) == pytest.approx([23.5, 0.0, 10.0])
    assert list(bar.x) == pytest.approx([0.5, 0.5, 3 / 60])          # the 0-minute session is drawn 3 min wide
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in bar.hovertext[2]
    assert "<script>" not in bar.hovertext[2]


def test_default_week_is_the_latest_complete_one(full):
    # Posts run 1 Sep – 26 Oct 2025 (a Sunday, UTC+8 adds hours into Mon 27 Oct); the last full week starts 20 Oct.
    assert "week of 20 Oct 2025" in activity.session_week(full).title


def test_weekly_share_band_and_claim_line(full):
    fig = timeuse.timeshare_weekly(full, [20.0]).figure
    band, line = fig.data[0], fig.data[1]
    expected = full.execute("select share * 100 from timeshare_weekly order by week_start").fetchall()
    assert list(line.y) == pytest.approx([r[0] for r in expected])
    assert band.fill == "toself" and len(band.x) == 2 * len(expected)
    assert [s.y0 for s in fig.layout.shapes] == [20.0]


def test_sensitivity_grid_is_complete(full):
    hm = timeuse.sensitivity(full).figure.data[0]
    assert len(hm.z) == 3 and all(len(row) == 9 for row in hm.z)
    top = full.execute("select share * 100 from timeshare_sensitivity where gap_minutes = 60 "
                       "and compose_set = 'liberal' and weekly_work_hours = 50").fetchall()[0][0]
    assert hm.z[0][list(hm.x).index("liberal<br>gap 60 min")] == pytest.approx(top)


def test_top_posts_escape_text_and_cap_rows(full):
    p = reach.top_posts(full)
    assert p.table_html.count("<tr>") == reach.TOP_POSTS + 1
    assert HOSTILE_POST not in p.table_html
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;&lt;img src=x onerror=&quot;" in p.table_html
    assert 'href="https://x.com/i/web/status/999"' in p.table_html


def test_press_titles_escaped_in_hover_and_tables(full):
    daily = press.press_daily(full).figure
    hover = [t for t in daily.data[1].hovertext if "Exec says" in t]
    assert hover and "<img" not in hover[0] and "&lt;img src=x onerror=&quot;" in hover[0]
    stories = press.top_stories(full).table_html
    assert HOSTILE_TITLE not in stories and "&lt;/script&gt;&lt;script&gt;" in stories
    claims = press.press_claims(full).table_html
    assert "<b>now</b>" not in claims and "&lt;b&gt;now&lt;/b&gt;" in claims
    assert claims.count("<tr>") == 3


def test_page_scripts_cannot_be_closed_by_data(full):
    page = render_html(full)
    figures = page.count('class="fig"')
    # plotly.js, the shared template/config, and one script per figure: nothing from the data opens another.
    assert page.count("<script") == 2 + figures
    assert page.count("</script>") == 2 + figures
    assert "window.__pwned" in page                    # the hostile text is there, as escaped data ...
    assert not re.search(r"<script>window\.__pwned|<img src=x", page)    # ... never as markup
    assert not re.search(r"<script[^>]*\bsrc=|<link\b", page)       # nothing to fetch: plotly.js is inline


def test_links_only_http():
    assert safe_url("javascript:alert(1)") is None
    assert safe_url(" JavaScript:alert(1)") is None
    assert link("javascript:alert(1)", "<b>x</b>") == "&lt;b&gt;x&lt;/b&gt;"
    assert link('https://a.example/"onmouseover=x', "t") == (
        '<a href="https://a.example/&quot;onmouseover=x" rel="noopener noreferrer" target="_blank">t</a>')


def test_clock_and_offset_labels():
    assert clock(23.5) == "23:30" and clock(7) == "07:00" and clock(None) == "?"
    assert offset_label(8.0) == "UTC+8" and offset_label(-3.5) == "UTC−3:30" and offset_label(None) == "UTC"


def test_page_size_does_not_grow_with_posts(tmp_path):
    sizes = {}
    for n in (2_000, 200_000):
        con = full_warehouse(tmp_path / f"wh{n}.duckdb", n_posts=n)
        sizes[n] = len(render_html(con).encode())
        con.close()
    # The same 56 days: 100× the posts may change numbers and text lengths in the page, not its shape.
    assert abs(sizes[200_000] - sizes[2_000]) < 50_000, sizes
    assert sizes[200_000] < 10_000_000


def _copy_accounts(con, copies: int) -> None:
    """Every per-account row again under `copies` more account ids (a research collection, not an audit)."""
    from postaudit.dashboards.focus import PER_ACCOUNT

    tables = {r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()}
    for t in PER_ACCOUNT:
        if t not in tables:
            continue
        extra = ", m.post_id || '-' || k::varchar as post_id" if t in ("posts", "post_reactions") else ""
        con.execute(f"""insert into {t} select m.* replace (m.account_id || '-' || k::varchar as account_id{extra})
                        from {t} m, range(1, {copies + 1}) r(k) where m.account_id <> 'all'""")


def test_many_accounts_draw_a_bounded_few_and_say_so(tmp_path):
    from postaudit.dashboards.focus import MAX_ACCOUNTS

    sizes = {}
    for copies in (MAX_ACCOUNTS + 3, 3 * MAX_ACCOUNTS):
        con = full_warehouse(tmp_path / f"wh{copies}.duckdb", n_posts=2000)
        _copy_accounts(con, copies)
        html = render_html(con)
        sizes[copies] = len(html.encode())
        assert f"Drawing {MAX_ACCOUNTS} of {copies + 1} accounts" in html
        # the shadow tables are gone afterwards
        assert con.execute("select count(*) from duckdb_tables() where temporary").fetchall()[0][0] == 0
        con.close()
    assert abs(sizes[3 * MAX_ACCOUNTS] - sizes[MAX_ACCOUNTS + 3]) < 50_000, sizes


def test_few_accounts_are_all_drawn(full):
    html = render_html(full)
    assert "accounts: those the claims are about" not in html and "1 accounts" not in html
