"""Cleaning scraped copies, language and URL keys (claims: test_press_claims.py)."""

from __future__ import annotations

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
