"""Dashboard panels on small hand-built warehouses: content, absent-data notes, escaping, bounded size."""

from __future__ import annotations

import re
from datetime import date, timedelta

import duckdb
import pytest
from fakes.dashboard import HOSTILE_POST, HOSTILE_TITLE, build_marts, build_posts, full_warehouse

from postaudit.dashboards import activity, press, reach, timeuse
from postaudit.dashboards.figures import clock, link, safe_url
from postaudit.dashboards.report import build_sections, render_html
from postaudit.dashboards.zone import UTC_ZONE, make_zone, page_zone

UTC8 = make_zone("UTC+08:00", "inferred")


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
                       ("engagement_rate", "post_reactions"), ("time_on_platform", "time_on_platform")):
        assert panels[key].figure is None and table in panels[key].absent
    assert "UTC (no local time zone could be inferred)" in panels["activity_heatmap"].caption
    page = render_html(con)
    assert page.count('class="absent"') == 4
    assert "<code>timeshare_weekly</code>" in page
    con.close()


def test_an_empty_warehouse_still_renders(tmp_path):
    con = duckdb.connect(str(tmp_path / "empty.duckdb"))
    page = render_html(con)
    assert "No claims found yet" in page
    assert page.count('class="fig"') == 0
    assert page.count('class="absent"') == len(_panels(con)) + 1     # every panel, and the claims block
    con.execute("create table sessions (platform varchar, account_id varchar, started_at timestamptz)")
    assert "holds no rows" in activity.session_week(con, UTC_ZONE).absent
    con.close()


def test_heatmap_is_shifted_into_the_page_zone(full):
    full.execute("delete from posts")
    # Monday 01:00 UTC at UTC+8 is Monday 09:00 local; Monday 20:00 UTC is Tuesday 04:00.
    full.execute("""insert into posts (platform, post_id, account_id, created_at, kind, is_simulated) values
        ('x', 'a', '42', '2025-10-20 01:10+00', 'original', true),
        ('x', 'b', '42', '2025-10-20 20:10+00', 'original', true),
        ('x', 'c', '42', '2025-10-20 20:40+00', 'reply', true)""")

    def grid(zone):
        bar = activity.activity_heatmap(full, zone).figure.data[0]
        return {(y, b): n for y, b, n in zip(bar.y, bar.base, bar.marker.color, strict=True) if n}

    assert grid(UTC8) == {("Mon", 9): 1, ("Tue", 4): 2}
    assert grid(make_zone("UTC-05:00", "inferred")) == {("Sun", 20): 1, ("Mon", 15): 2}
    # A stated IANA zone follows daylight saving: 20 Oct is CEST (UTC+2), 27 Oct CET (UTC+1).
    full.execute("insert into posts (platform, post_id, account_id, created_at, kind, is_simulated) values "
                 "('x', 'd', '42', '2025-10-27 01:10+00', 'original', true)")
    assert grid(make_zone("Europe/Berlin", "stated")) == {("Mon", 3): 1, ("Mon", 22): 2, ("Mon", 2): 1}


def test_session_timeline_one_bar_per_session_split_at_local_midnight(full):
    full.execute("delete from sessions")
    # 15:30–16:30 UTC is 23:30–00:30 at UTC+8: one session drawn as two pieces on two day rows.
    full.execute("""insert into sessions values
        ('x', '42', 's1', '2025-10-21 15:30+00', '2025-10-21 16:30+00', 2, 60.0),
        ('x', '42', 's2', '2025-10-22 02:00+00', '2025-10-22 02:00+00', 1, 0.0)""")
    full.execute("insert into posts by name select 'x' as platform, '7' as post_id, '42' as account_id, "
                 "timestamptz '2025-10-22 02:00+00' as created_at, 'original' as kind, ? as text", [HOSTILE_POST])
    p = activity.session_week(full, UTC8, date(2025, 10, 20))
    bar = next(t for t in p.figure.data if t.name == "sessions")
    assert list(bar.y) == ["Tue 21 Oct", "Wed 22 Oct", "Wed 22 Oct"]
    assert list(bar.base) == pytest.approx([23.5, 0.0, 10.0])
    assert list(bar.x) == pytest.approx([0.5, 0.5, 3 / 60])          # the 0-minute session is drawn 3 min wide
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in bar.hovertext[2]
    assert "<script>" not in bar.hovertext[2]


def test_default_week_is_the_latest_complete_one(full):
    # Posts run 1 Sep – 26 Oct 2025 (a Sunday, UTC+8 adds hours into Mon 27 Oct); the last full week starts 20 Oct.
    assert "week of 20 Oct 2025" in activity.session_week(full, page_zone(full)).title


def test_weekly_share_band_and_claim_line(full):
    fig = timeuse.timeshare_weekly(full, [20.0], UTC8).figure
    band, line = fig.data[0], fig.data[1]
    expected = full.execute("select share * 100 from timeshare_weekly order by week_start").fetchall()
    assert list(line.y) == pytest.approx([r[0] for r in expected])
    assert band.fill == "toself" and len(band.x) == 2 * len(expected)
    assert [s.y0 for s in fig.layout.shapes] == [20.0]


def test_sensitivity_grid_is_complete(full):
    tiles = timeuse.sensitivity(full).figure.data[0]
    cells = dict(zip(zip(tiles.y, tiles.base, strict=True), tiles.marker.color, strict=True))
    assert len(set(tiles.y)) == 3 * 3 and set(tiles.base) == {0, 1, 2}   # 3 sets × 3 gaps, 3 working weeks
    top = full.execute("select share * 100 from timeshare_sensitivity where gap_minutes = 60 "
                       "and compose_set = 'liberal' and weekly_work_hours = 50").fetchall()[0][0]
    assert cells[("liberal · 60 min gap", 0)] == pytest.approx(top)


def test_top_posts_escape_text_cap_rows_and_never_link_simulated_posts(full):
    p = reach.top_posts(full, UTC8)
    assert p.table_html.count("<tr>") == reach.TOP_POSTS + 1
    assert HOSTILE_POST not in p.table_html
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;&lt;img src=x onerror=&quot;" in p.table_html
    # The simulated post id 999 could be a real person's post on x.com: no link to it.
    assert "x.com" not in p.table_html and "<a " not in p.table_html
    full.execute("update posts set is_simulated = false")
    assert 'href="https://x.com/i/web/status/999"' in reach.top_posts(full, UTC8).table_html


def test_top_posts_times_are_in_the_page_zone(full):
    # The hostile post is at START + 3 days 02:00 UTC: 10:00 at UTC+8.
    utc = reach.top_posts(full, UTC_ZONE).table_html
    local = reach.top_posts(full, UTC8).table_html
    assert "posted (local time, UTC+08:00)" in local and "posted (UTC)" in utc
    hostile = [row for row in local.split("<tr>") if "__pwned" in row][0]
    assert " 10:00<" in hostile


def test_press_titles_escaped_in_hover_and_tables(full):
    daily = press.press_daily(full, UTC8).figure
    hover = [t for t in daily.data[1].hovertext if "Exec says" in t]
    assert hover and "<img" not in hover[0] and "&lt;img src=x onerror=&quot;" in hover[0]
    stories = press.top_stories(full, UTC8).table_html
    assert HOSTILE_TITLE not in stories and "&lt;/script&gt;&lt;script&gt;" in stories


def test_page_scripts_cannot_be_closed_by_data(full):
    page = render_html(full)
    figures = page.count('class="fig"')
    # plotly.js, the shared template/config, and one script per figure: nothing from the data opens another.
    assert page.count("<script") == 2 + figures
    assert page.count("</script>") == 2 + figures
    assert "window.__pwned" in page                    # the hostile text is there, as escaped data ...
    assert not re.search(r"<script>window\.__pwned|<img src=x", page)    # ... never as markup
    assert not re.search(r"<script[^>]*\bsrc=|<link\b", page)       # nothing to fetch: plotly.js is inline


def test_links_only_http_and_only_reserved_hosts_for_simulated_data():
    assert safe_url("javascript:alert(1)") is None
    assert safe_url(" JavaScript:alert(1)") is None
    assert link("javascript:alert(1)", "<b>x</b>") == "&lt;b&gt;x&lt;/b&gt;"
    assert link('https://a.example/"onmouseover=x', "t") == (
        '<a href="https://a.example/&quot;onmouseover=x" rel="noopener noreferrer" target="_blank">t</a>')
    assert safe_url("https://x.com/i/web/status/1", simulated=True) is None
    assert safe_url("https://news.example/a", simulated=True) == "https://news.example/a"
    assert safe_url("https://example.com.evil.net/a", simulated=True) is None
    assert link("https://x.com/i/web/status/1", "open", simulated=True) == "open"


def test_clock_and_zone_labels():
    assert clock(23.5) == "23:30" and clock(7) == "07:00" and clock(None) == "?"
    assert UTC8.label == "local time, UTC+08:00" and UTC_ZONE.label == "UTC"
    assert make_zone("UTC-03:30", "inferred").fixed_minutes == -210
    berlin = make_zone("Europe/Berlin", "stated")
    assert berlin.fixed_minutes is None and "daylight saving followed" in berlin.phrase
    assert make_zone("Not/AZone", "stated") is None


def test_page_zone_is_the_inferred_offset_and_named_in_the_header(full):
    zone = page_zone(full)
    assert (zone.name, zone.source, zone.fixed_minutes) == ("UTC+08:00", "inferred", 480)
    assert "times in UTC+08:00 (inferred from the daily rhythm of the posts" in render_html(full)


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


def test_night_break_is_the_one_through_the_quietest_hour_not_the_longest(full):
    full.execute("delete from sessions")
    full.execute("delete from posts")
    full.execute("""insert into posts (platform, post_id, account_id, created_at, kind, is_simulated)
                    select 'x', i::varchar, '42', timestamptz '2025-10-21 08:00+00' + to_minutes(i * 60), 'original', true
                    from range(16) t(i)""")            # 08:00–23:00 UTC: 04:00 is among the quiet hours
    # An 8.5-hour afternoon gap (10:30–19:00) is longer than the night (23:00–07:00): the night is drawn.
    full.execute("""insert into sessions values
        ('x', '42', 's1', '2025-10-21 08:00+00', '2025-10-21 09:00+00', 1, 60.0),
        ('x', '42', 's2', '2025-10-21 10:00+00', '2025-10-21 10:30+00', 1, 30.0),
        ('x', '42', 's3', '2025-10-21 19:00+00', '2025-10-21 23:00+00', 1, 240.0),
        ('x', '42', 's4', '2025-10-22 07:00+00', '2025-10-22 08:00+00', 1, 60.0)""")
    assert activity.quiet_hour(full, UTC_ZONE) == 4
    [(night, start, end)] = activity.night_breaks(full, UTC_ZONE)
    assert (night, f"{start:%H:%M}", f"{end:%d %H:%M}") == (date(2025, 10, 21), "23:00", "22 07:00")
    # At UTC+8 the posts fall 16:00–07:00 local: the quiet hours are 08–15, the nearest to 04:00 is 08:00,
    # and the break through it runs 07:00–15:00 local on the 22nd.
    assert activity.quiet_hour(full, UTC8) == 8
    [(night, start, end)] = activity.night_breaks(full, UTC8)
    assert (night, f"{start:%d %H:%M}", f"{end:%d %H:%M}") == (date(2025, 10, 21), "22 07:00", "22 15:00")


def test_week_chart_draws_activity_events_as_marks_in_the_page_zone(full):
    week = date(2025, 10, 20)
    no_mart = activity.session_week(full, UTC8, week)
    assert "this one has none" in no_mart.caption
    full.execute("""create table activity_events as select * from (values
        ('x', '42', 'like', timestamptz '2025-10-21 01:30+00', 'x_archive', null, 't1', true),
        ('x', '42', 'like', timestamptz '2025-10-21 02:00+00', 'x_archive', null, 't2', true),
        ('x', '42', 'edit', timestamptz '2025-10-22 16:15+00', 'x_archive', '7', null, true),
        ('x', '42', 'like', timestamptz '2025-11-30 02:00+00', 'x_archive', null, 't3', true)
    ) v(platform, account_id, kind, occurred_at, source, post_id, target_id, is_simulated)""")
    p = activity.session_week(full, UTC8, week)
    marks = {t.name: t for t in p.figure.data if t.name in ("likes", "edits")}
    assert list(marks["likes"].y) == ["Tue 21 Oct", "Tue 21 Oct"] and list(marks["likes"].x) == pytest.approx([9.5, 10.0])
    assert list(marks["edits"].y) == ["Thu 23 Oct"] and list(marks["edits"].x) == pytest.approx([0.25])  # 00:15 local
    assert "3 other public traces" in p.caption          # the November like is outside the week


def test_week_markers_are_thinned_evenly_not_cut_at_the_start(full):
    week = date(2025, 10, 20)
    full.execute("delete from posts")
    full.execute(f"""insert into posts (platform, post_id, account_id, created_at, kind, is_simulated)
                     select 'x', i::varchar, '42', timestamptz '2025-10-19 16:00+00' + to_seconds(i * 60), 'original', true
                     from range({7 * 24 * 60}) t(i)""")      # one post a minute all week (local UTC+8)
    p = activity.session_week(full, UTC8, week)
    ticks = next(t for t in p.figure.data if t.name == "posts")
    assert len(ticks.x) <= activity.MAX_WEEK_MARKERS
    assert set(ticks.y) == {f"{week + timedelta(days=i):%a %d %b}" for i in range(7)}   # every day keeps ticks
    assert "thinned to every" in p.caption and "10,080" in p.caption


def test_group_chat_section_only_with_a_chat_or_a_chat_claim(full):
    from postaudit.dashboards import groupchat

    assert groupchat.panels(full) == []
    full.execute("create table group_messages (platform varchar, chat_id varchar, message_id varchar, "
                 "sender_id varchar, sent_at timestamptz, reply_to_message_id varchar, is_executive boolean, "
                 "sender_name varchar, text varchar, chat_name varchar)")
    assert groupchat.panels(full) == []              # an empty mart is no group chat
    full.execute("insert into group_messages values ('telegram', 'c1', '1', 'u1', '2025-10-01 10:00+00', null, "
                 "true, 'Exec', 'hi', 'Room')")
    assert [p.key for p in groupchat.panels(full)] == ["chat_visibility", "chat_ama"]
