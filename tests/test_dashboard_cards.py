"""Verdict cards: the verdict first, the claim against the evidence on a number line, r* in words."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from fakes.dashboard import full_warehouse

from postaudit.dashboards.cards import cards_html, claim_rows
from postaudit.dashboards.evidence import claim_words, evidence, headline
from postaudit.dashboards.numberline import Scale, numberline_html
from postaudit.dashboards.zone import UTC_ZONE, make_zone


def _row(**kw) -> dict:
    base = {"claim_id": "file:a", "verdict": "needs_unseen_reading", "verdict_text": "needs unseen reading",
            "reason": "r", "metric": "time_per_day", "platform": "x", "unit": "hours_per_day", "direction": "about",
            "claimed_value": 4.0, "claimed_low": 3.0, "claimed_high": 5.0, "tolerance": 0.25, "estimate": 1.0,
            "estimate_low": 0.6, "estimate_high": 1.5, "floor": 0.25, "baseline": None, "r_star": 3.0,
            "speaker": "Rowan Vale", "count_days": 90, "window_start": date(2025, 6, 1),
            "window_end": date(2025, 8, 29), "count_posts": 1200}
    return base | kw


def _positions(html: str, cls: str) -> list[float]:
    return [float(x) for x in re.findall(rf'class="{cls}[^"]*" style="left:([\d.]+)%', html)]


def test_number_line_places_floor_estimate_interval_and_band_in_order():
    ev = evidence(_row())
    html = numberline_html(ev, "hours_per_day")
    [floor], [est], [ci_left], [band_left] = (_positions(html, c) for c in ("nl-floor", "nl-est", "nl-ci", "nl-band"))
    assert floor < ci_left < est < band_left           # 0.25 h < 0.6 h < 1 h < 3 h on one linear scale
    assert "h a day" in html and "log scale" not in html
    ticks = re.findall(r'class="nl-tick[^"]*"', html)
    assert 2 <= len(ticks) <= 5


def test_values_spanning_decades_go_on_a_log_scale():
    scale = Scale([2.0, 1.5, 2.5, 286.0, 52.0, 730.0])
    assert scale.log and scale.ticks() == [1.0, 10.0, 100.0, 1000.0]
    assert scale.at(10.0) == pytest.approx(100 / 3)


def test_r_star_in_words_with_the_speaker_and_the_reading_at_the_interval_top():
    words = evidence(_row()).reading
    assert words.startswith("For this to be true, Rowan Vale would have to read without posting for about 3 "
                            "minutes for every minute of posting sessions")
    assert "at the top of the 95% interval" in words
    assert "for about 30 seconds" in evidence(_row(r_star=0.5)).reading
    assert evidence(_row(r_star=None)).reading is None


def test_claim_and_verdict_in_plain_words():
    assert claim_words(_row()) == "about 4 h a day (3–5 h a day)"
    assert claim_words(_row(direction="at_least", claimed_value=2.0)) == "at least 2 h a day"
    assert headline("contradicted (messages stay on screen longer than claimed)") == (
        "Contradicted", "messages stay on screen longer than claimed")


def test_cards_from_the_warehouse_verdict_first_untestable_listed(tmp_path):
    con = full_warehouse(tmp_path / "wh.duckdb", n_posts=800)
    rows = claim_rows(con)
    assert [r["verdict"] for r in rows] == ["needs_unseen_reading", "not_testable"]
    assert rows[0]["outlets"] == ["Global Business Daily"] and rows[0]["languages"] == ["en"]
    html = cards_html(rows, make_zone("UTC+08:00", "inferred"))
    assert html.index("2 claims: 1 needs unseen reading · 1 not testable") < html.index('class="card')
    assert html.count('<article class="card') == 1                # the untestable claim is a line, not a card
    assert "Not testable with this data (1)" in html and "It employs 1,000 people &lt;b&gt;now&lt;/b&gt;." in html
    assert 'class="nl"' in html and "would have to read without posting" in html
    con.close()


def test_claims_file_card_names_the_file_and_dates_in_the_page_zone(tmp_path):
    con = full_warehouse(tmp_path / "wh.duckdb", n_posts=800)
    # A claims-file claim dated late on 11 Sep UTC: 12 Sep in UTC+8.
    con.execute("""insert into claims by name select 'file:f1' as claim_id, 'file:f1' as story_id,
                   null as article_id, 'posts_per_day' as metric, 'x' as platform, 15.0 as value,
                   'posts_per_day' as unit, 'I post about 15 times a day' as sentence, 'Exec' as speaker,
                   timestamptz '2025-09-11 20:00+00' as published_at, 'https://example.org/claims' as source_url,
                   'file:claims.toml' as origin""")
    con.execute("""insert into claim_verdicts by name select 'file:f1' as claim_id, 'consistent' as verdict,
                   'consistent' as verdict_text, 'counted 14 a day' as reason, 'posts_per_day' as metric,
                   'posts_per_day' as unit, 15.0 as claimed_value, 11.25 as claimed_low, 18.75 as claimed_high,
                   0.25 as tolerance, 'about' as direction, 14.0 as estimate, 12.0 as estimate_low,
                   16.0 as estimate_high, 'file:claims.toml' as origin, true as is_simulated""")
    [row] = [r for r in claim_rows(con) if r["claim_id"] == "file:f1"]
    assert row["outlets"] == ["claims file"] and row["copies"][0]["outlet"] == "claims file (claims.toml)"
    local = cards_html([row], make_zone("UTC+08:00", "inferred"))
    assert "12 Sep 2025" in local and "11 Sep 2025" in cards_html([row], UTC_ZONE)
    assert "Counted" in local and "about 15 posts a day (11.2–18.8 posts a day)" in local
    # Simulated: a reserved host (example.org, RFC 2606) stays a link; a real-looking one does not.
    assert 'href="https://example.org/claims"' in local
    row["copies"][0]["url"] = "https://x.com/i/web/status/1"
    assert "x.com" not in cards_html([row], UTC_ZONE)
    con.close()


def test_a_stated_zone_follows_daylight_saving():
    berlin = make_zone("Europe/Berlin", "stated")
    assert berlin.local(datetime(2025, 7, 1, 22, 30, tzinfo=UTC)).hour == 0        # CEST, UTC+2
    assert berlin.local(datetime(2025, 12, 1, 22, 30, tzinfo=UTC)).hour == 23      # CET, UTC+1
