"""Cleaning scraped copies, language, URL keys and claim extraction in English and German."""

from __future__ import annotations

import pytest

from postaudit.press.claims_found import find_claims, parse_number
from postaudit.press.clean import (
    clean_text,
    detect_language,
    html_to_text,
    language_code,
    normalize_url,
    strip_boilerplate,
)

SCRAPED = """<p>[ad_1]<br></p><div class="td-post-content"><p>The port of Rotterdam handled more containers in April
than in any month before, the operator said.</p><p>[ad_2]</p><p>Volumes rose on Asian routes.</p></div>
<p>[ad_3]<br><br><a href="https://origin.example/a">Source link </a></p>
<p>This post is a public RSS feed. You can find the original post at https://origin.example/a</p>
<div class="sharedaddy"><h3>Share this:</h3><ul><li>Click to share on Twitter (Opens in new window)</li>
<li>Click to share on Facebook (Opens in new window)</li></ul></div><div><h3>Like this:</h3><p>Like Loading...</p></div>
<p>The post <a href="https://x.example/">Port volumes</a> appeared first on <a href="https://x.example">X Daily</a>.</p>
<p>Share this: Facebook Twitter LinkedIn WhatsApp</p>
<p>Dieser Beitrag ist ein öffentlicher RSS-Feed. Den Originalartikel finden Sie hier: https://origin.example/b</p>
<p>Teilen: Facebook Twitter E-Mail Drucken</p>"""


def test_scraper_boilerplate_is_removed_and_the_story_kept():
    text = clean_text(SCRAPED)
    assert text == ("The port of Rotterdam handled more containers in April\nthan in any month before, the "
                    "operator said.\nVolumes rose on Asian routes.")


def test_share_words_inside_a_sentence_survive():
    line = "She said she would share this on Twitter and Facebook later, and that Telegram is busier."
    assert strip_boilerplate(line) == line


def test_broken_html_keeps_text_and_drops_code():
    broken = '<div><p>Fees <b>fell <i>again</p><script>var a = "<p>x</p>";</script><p>in May<style>p{}'
    assert html_to_text(broken).split() == ["Fees", "fell", "again", "in", "May"]


def test_languages_offline():
    assert detect_language("Ich verbringe knapp zwanzig Prozent meiner Zeit auf Twitter, sagte sie.") == "de"
    assert detect_language("I spend nearly twenty percent of my time on Twitter, she said.") == "en"
    assert detect_language("ok") is None
    assert language_code("German") == "de" and language_code("en-US") == "en" and language_code("??") is None


def test_url_key_ignores_tracking_scheme_www_and_amp():
    a = normalize_url("https://www.Example.com/news/story/?utm_source=rss&utm_medium=rss&id=3#top")
    assert a == normalize_url("http://example.com/news/story?id=3")
    assert normalize_url("https://amp.example.com/news/story/amp/?id=3") == a
    assert normalize_url("https://example.com/news/story?id=4") != a


@pytest.mark.parametrize("raw, value", [("1,000", 1000), ("1.000", 1000), ("1,5", 1.5), ("1.5", 1.5),
                                        ("20,5", 20.5), ("12.500", 12500), ("zwei", 2), ("a fifth", 20.0)])
def test_numbers_in_both_languages(raw, value):
    assert parse_number(raw) == pytest.approx(value)


CASES = [
    ('"I spend about 20% of my time on Twitter," Vale said.', ("time_share", "x", 20.0, "percent", "Rowan Vale")),
    ("„Ich verbringe knapp 20 % meiner Zeit auf Twitter“, sagte Vale.", ("time_share", "x", 20.0, "percent",
                                                                        "Rowan Vale")),
    ("Vale sagte, er verbringe rund 17,5 Prozent seiner Arbeitszeit auf X.", ("time_share", "x", 17.5, "percent",
                                                                             "Rowan Vale")),
    ("Auf Twitter verbringe er etwa 20 Prozent seiner Zeit, so Vale.", ("time_share", "x", 20.0, "percent",
                                                                       "Rowan Vale")),
    ("He spends a fifth of his time on Twitter.", ("time_share", "x", 20.0, "percent", None)),
    ("Vale verbringt ein Fünftel seiner Zeit auf Twitter.", ("time_share", "x", 20.0, "percent", None)),
    ("Twitter takes up nearly 30 percent of my time, Vale said.", ("time_share", "x", 30.0, "percent", "Rowan Vale")),
    ("Vale says he spends two hours a day on Twitter.", ("time_per_day", "x", 2.0, "hours_per_day", "Rowan Vale")),
    ("Er sei 1,5 Stunden am Tag auf X unterwegs, so Vale.", ("time_per_day", "x", 1.5, "hours_per_day",
                                                             "Rowan Vale")),
    ("Er verbringt täglich 90 Minuten auf Telegram.", ("time_per_day", "telegram", 90.0, "minutes_per_day", None)),
    ("She is on Slack for 45 minutes a day.", ("time_per_day", "slack", 45.0, "minutes_per_day", None)),
    ("Vale spends 10 hours per week on LinkedIn.", ("time_per_week", "linkedin", 10.0, "hours_per_week", None)),
    ("The company employs more than 1,000 people, Vale said.", ("headcount", None, 1000.0, "people", "Rowan Vale")),
    ("Das Unternehmen beschäftigt mehr als 1.000 Mitarbeiter.", ("headcount", None, 1000.0, "people", None)),
    ("In the Telegram group a message stays on screen for about two seconds.",
     ("message_visibility", "telegram", 2.0, "seconds", None)),
    ("Die Telegram-Gruppe hat rund 1,2 Millionen Mitglieder.", ("group_members", "telegram", 1_200_000.0, "members",
                                                                None)),
]


@pytest.mark.parametrize("sentence, expected", CASES)
def test_claims_in_english_and_german(sentence, expected):
    found = find_claims("a1", "Rowan Vale runs the firm. " + sentence)
    assert [(c["kind"], c["platform"], c["value"], c["unit"], c["speaker"]) for c in found] == [expected]
    assert found[0]["sentence"] == sentence and found[0]["metric"] == expected[0]


@pytest.mark.parametrize("sentence", ["Prices rose 20% on Twitter news.", "He spent two hours on Twitter.",
                                      "Shares fell 20 percent of their value in a week.",
                                      "Vale said the team spends time on X."])
def test_no_claim_where_there_is_none(sentence):
    assert find_claims("a1", sentence) == []
