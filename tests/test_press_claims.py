"""Claims in press text: every kind, direction and attribution rule, in English and German (texts written for
these tests), quantities and one claim per story across copies."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from postaudit.press.claim_stories import to_story_claims
from postaudit.press.claims_found import find_claims
from postaudit.press.clean import clean_title, strip_boilerplate
from postaudit.press.quantities import amounts, durations, parse_number, percentages


def claims(text: str, lang: str = "en", title: str | None = None) -> list[tuple]:
    """(metric, value, unit, direction, platform, speaker, self_report) of every claim found."""
    return [(c["metric"], None if c["value"] is None else round(c["value"], 2), c["unit"], c["direction"],
             c["platform"], c["speaker"], c["self_report"])
            for c in find_claims("a1", text, title=title, language=lang)]


KINDS = [
    # time_share
    ("Nora Finch runs Copperleaf. “Roughly a fifth of my day goes to Bluesky,” Finch said.", "en",
     ("time_share", 20.0, "percent", "about", "bluesky", "Nora Finch", True)),
    ("Nora Finch leitet Copperleaf. Knapp 15 Prozent ihrer Arbeitszeit verbringe sie auf Mastodon, sagte Finch.",
     "de", ("time_share", 15.0, "percent", "at_most", "mastodon", "Nora Finch", True)),
    # time_per_day
    ("Ivo Brandl, the investor, says he spends at least two hours a day on LinkedIn.", "en",
     ("time_per_day", 2.0, "hours_per_day", "at_least", "linkedin", "Ivo Brandl", True)),
    ("Der Investor Ivo Brandl sagt, er sei täglich bis zu 45 Minuten auf Threads.", "de",
     ("time_per_day", 45.0, "minutes_per_day", "at_most", "threads", "Ivo Brandl", True)),
    # time_per_week
    ("Ivo Brandl said he spends about ten hours a week on YouTube.", "en",
     ("time_per_week", 10.0, "hours_per_week", "about", "youtube", "Ivo Brandl", True)),
    ("Ivo Brandl ist Investor. Pro Woche verbringe er rund zehn Stunden auf YouTube, sagte Brandl.", "de",
     ("time_per_week", 10.0, "hours_per_week", "about", "youtube", "Ivo Brandl", True)),
    # posts_per_day
    ("Asked how often she posts, Mira Lund said she tweets five to ten times a day.", "en",
     ("posts_per_day", 7.5, "posts_per_day", "about", "x", "Mira Lund", True)),
    ("Mira Lund sagt, sie poste dreimal täglich auf Instagram.", "de",
     ("posts_per_day", 3.0, "posts_per_day", "about", "instagram", "Mira Lund", True)),
    # posts_per_week
    ("Mira Lund said she publishes two videos a week on TikTok.", "en",
     ("posts_per_week", 2.0, "posts_per_week", "about", "tiktok", "Mira Lund", True)),
    ("Mira Lund ist Sängerin. Pro Woche veröffentliche sie zwei Videos auf TikTok, so Lund.", "de",
     ("posts_per_week", 2.0, "posts_per_week", "about", "tiktok", "Mira Lund", True)),
    # group_members
    ("Mira Lund runs a fan club. “Our Telegram group has more than 80,000 members,” said Lund.", "en",
     ("group_members", 80000.0, "members", "at_least", "telegram", "Mira Lund", True)),
    ("Mira Lund hat einen Fanclub. „Unsere Telegram-Gruppe hat mehr als 80.000 Mitglieder“, sagte Lund.", "de",
     ("group_members", 80000.0, "members", "at_least", "telegram", "Mira Lund", True)),
    # message_visibility
    ("Mira Lund runs a Telegram group. “Whatever I write there is gone within five seconds,” Lund said.", "en",
     ("message_visibility", 5.0, "seconds", "at_most", "telegram", "Mira Lund", True)),
    ("Mira Lund hat eine Telegram-Gruppe. „Was ich in der Gruppe schreibe, ist nach fünf Sekunden weg“, sagte Lund.",
     "de", ("message_visibility", 5.0, "seconds", "about", "telegram", "Mira Lund", True)),
    # ama_effect
    ("Whenever he joins the Discord chat, it turns into an AMA, Otto Reyes said.", "en",
     ("ama_effect", None, None, None, "discord", "Otto Reyes", True)),
    ("Sobald er im Telegram-Chat schreibt, wird daraus eine Fragestunde, sagte Otto Reyes.", "de",
     ("ama_effect", None, None, None, "telegram", "Otto Reyes", True)),
    # headcount with growth
    ("Otto Reyes founded Vantor. “We went from 30 employees to more than 1,200,” Reyes said.", "en",
     ("headcount", 1200.0, "people", "at_least", None, "Otto Reyes", True)),
    ("Otto Reyes gründete Vantor. „Wir sind von 30 auf über 1.200 Mitarbeiter gewachsen“, sagte Reyes.", "de",
     ("headcount", 1200.0, "people", "at_least", None, "Otto Reyes", True)),
    # platform_history
    ("Otto Reyes first used Slack, then moved the community to Discord in 2021, he said.", "en",
     ("platform_history", None, None, None, None, "Otto Reyes", True)),
    ("Otto Reyes nutzte zuerst Slack und wechselte 2021 zu Discord, erzählte er.", "de",
     ("platform_history", None, None, None, None, "Otto Reyes", True)),
    # quit_or_absent
    ("Otto Reyes said he deleted his Facebook account in 2019.", "en",
     ("quit_or_absent", None, None, None, "facebook", "Otto Reyes", True)),
    ("Otto Reyes ist Unternehmer. Sein Facebook-Konto habe er 2019 gelöscht, sagte Reyes.", "de",
     ("quit_or_absent", None, None, None, "facebook", "Otto Reyes", True)),
]


@pytest.mark.parametrize("text, lang, expected", KINDS, ids=[f"{e[0]}-{lang}" for _t, lang, e in KINDS])
def test_each_kind_in_both_languages(text, lang, expected):
    assert claims(text, lang) == [expected]


def test_details_growth_sequence_since_and_just_under():
    found = find_claims("a1", "Otto Reyes founded Vantor. “We went from 30 employees to more than 1,200,” Reyes "
                              "said. Reyes first used Slack, then moved to Telegram and later to Discord, he said. "
                              "He said he deleted his Facebook account in March 2019.")
    by = {c["metric"]: c for c in found}
    assert json.loads(by["headcount"]["detail"])["from"] == 30
    assert json.loads(by["platform_history"]["detail"])["sequence"] == ["slack", "telegram", "discord"]
    assert json.loads(by["quit_or_absent"]["detail"])["since"] == "2019-03-01"
    knapp = find_claims("a1", "Nora Finch leitet Copperleaf. Knapp 20 Prozent ihrer Zeit verbringe sie auf X, "
                              "sagte Finch.", language="de")[0]
    assert (knapp["direction"], knapp["value_low"], knapp["value_high"]) == ("at_most", 18.0, 20.0)


ATTRIBUTION = [
    # reported speech in German without a speech verb: Konjunktiv
    ("Lina Voss ist Gründerin von Moosberg. Täglich verbringe sie zwei Stunden auf Instagram.", "de", None,
     ("time_per_day", 2.0, "hours_per_day", "about", "instagram", "Lina Voss", True)),
    # a pronoun resolved to the person named before
    ("Kai Moor founded Glint. He spends three hours a day on Reddit, he says.", "en", None,
     ("time_per_day", 3.0, "hours_per_day", "about", "reddit", "Kai Moor", True)),
    # role nouns: "the founder", „der Gründer"
    ("Kai Moor founded Glint in 2019. The founder says he spends an hour a day on Twitter.", "en", None,
     ("time_per_day", 1.0, "hours_per_day", "about", "x", "Kai Moor", True)),
    ("Kai Moor hat Glint gegründet. Der Gründer sagt, er verbringe eine Stunde am Tag auf Twitter.", "de", None,
     ("time_per_day", 1.0, "hours_per_day", "about", "x", "Kai Moor", True)),
    # headlines count
    ("Kai Moor built Glint from a garage. Moor now leads 40 engineers.", "en",
     "Kai Moor Spends A Third Of His Time On Twitter",
     ("time_share", 33.33, "percent", "about", "x", "Kai Moor", True)),
    # a third party's estimate is kept, not as the person's own
    ("Kai Moor founded Glint. Analysts estimate that Kai Moor posts 40 times a day on X.", "en", None,
     ("posts_per_day", 40.0, "posts_per_day", "about", "x", "Kai Moor", False)),
    ("Kai Moor hat Glint gegründet. Laut einer Auswertung postet Moor 40-mal am Tag auf X.", "de", None,
     ("posts_per_day", 40.0, "posts_per_day", "about", "x", "Kai Moor", False)),
    # the platform from an earlier sentence; „dafür" points back
    ("Kai Moor uses Bluesky every morning. He budgets roughly 10% of his time for it.", "en", None,
     ("time_share", 10.0, "percent", "about", "bluesky", "Kai Moor", True)),
    ("Kai Moor ist viel auf Mastodon unterwegs.\n\nDafür verwende er etwa ein Zehntel seiner Zeit, sagte er.", "de",
     None, ("time_share", 10.0, "percent", "about", "mastodon", "Kai Moor", True)),
    # social media in general is all of the person's accounts
    ("Kai Moor said he spends a quarter of his time on social media.", "en", None,
     ("time_share", 25.0, "percent", "about", "all", "Kai Moor", True)),
    # someone else's words, with a relative clause between the speaker and the verb
    ("Kai Moor runs Glint. Lea Blake, who follows him, claimed he posts 30 times a day on X.", "en", None,
     ("posts_per_day", 30.0, "posts_per_day", "about", "x", "Kai Moor", False)),
    ("Kai Moor leitet Glint. Lea Blake, die ihn gut kennt, sagte, er poste 30-mal am Tag auf X.", "de", None,
     ("posts_per_day", 30.0, "posts_per_day", "about", "x", "Kai Moor", False)),
    ("Kai Moor runs Glint. Moor, who many admire, said he posts 30 times a day on X.", "en", None,
     ("posts_per_day", 30.0, "posts_per_day", "about", "x", "Kai Moor", True)),
    # an interviewer's statement to the person is not the person's own
    ("Interview mit Kai Moor\nHerr Moor, Sie haben Ihr Twitter-Konto gelöscht?", "de", None,
     ("quit_or_absent", None, None, None, "x", "Kai Moor", False)),
    # an interview transcript: the turn's speaker answers the question before it
    ("Kai Moor on phones\nHOST (00:10): How much time do you spend on TikTok each day?\n"
     "Kai Moor (00:14): About 40 minutes a day, I think.", "en", None,
     ("time_per_day", 40.0, "minutes_per_day", "about", "tiktok", "Kai Moor", True)),
]


@pytest.mark.parametrize("text, lang, title, expected", ATTRIBUTION,
                         ids=[f"{i}-{lang}" for i, (_t, lang, _h, _e) in enumerate(ATTRIBUTION)])
def test_attribution_rules(text, lang, title, expected):
    assert claims(text, lang, title) == [expected]


@pytest.mark.parametrize("text, lang", [
    ("Teenagers spend about four hours a day on TikTok, a study found.", "en"),
    ("Nutzer verbringen im Schnitt 95 Minuten täglich auf TikTok.", "de"),
    ("Twitter has 330 million users and 2,000 employees.", "en"),
    ("Das Unternehmen beschäftigt 2.000 Mitarbeiter, die täglich 30.000 Nachrichten schreiben.", "de"),
    ("Kai Moor said his employees send 50,000 messages a day internally.", "en"),
    ("Kai Moor watches TV for four hours a day, his aides said.", "en"),
    ("Kai Moor said he works out for at least 20 minutes before he looks at his phone.", "en"),
    ("Kai Moor has 2.5 million followers on Instagram.", "en"),
    ("Herr Moor, knapp 35.000 Follower auf Twitter – sind Sie stolz?", "de"),
    ("Kai Moor will seinen Account nicht löschen, sagte er.", "de"),
    ("Prices rose 20% on Twitter news. He spent two hours on Twitter.", "en"),
    ("Lesedauer: 3 Minuten", "de"),
    ("Kai Moor uses Twitter a lot. He said he spends 80% of his time on SpaceX.", "en"),
    ("Kai Moor said: “I get 500 messages a day on Slack.”", "en"),
    ("Kai Moor left Twitter as chief executive in 2021, he said.", "en"),
    ("Kai Moor joined Twitter as an engineer in 2006, he said.", "en"),
])
def test_no_claim_in_statistics_company_metrics_or_other_activities(text, lang):
    assert claims("Kai Moor runs Glint.\n" + text, lang) == []


def test_quantities_words_fractions_ranges_and_vague_amounts():
    assert [parse_number(x) for x in ("1,000", "1.000", "1,5", "zwei", "a fifth", "ein Fünftel", "forty-five",
                                      "zweiundzwanzig", "dreieinhalb")] == [1000, 1000, 1.5, 2, 20, 20, 45, 22, 3.5]
    vague = amounts("The group has several hundred thousand members.", "en")[0]
    assert (vague.low, vague.high) == (200_000, 900_000)
    hunderttausende = amounts("Die Gruppe hat Hunderttausende Mitglieder.", "de")[0]
    assert (hunderttausende.low, hunderttausende.high) == (200_000, 900_000)
    assert [(a.low, a.high) for a in amounts("four to eight hours", "en")] == [(4, 8)]
    assert [(a.low, a.high) for a in amounts("zwei bis drei Stunden", "de")] == [(2, 3)]
    assert [d.seconds / 60 for d in durations("six hours and 45 minutes a day", "en")] == [405]
    assert [d.seconds / 3600 for d in durations("half an hour, an hour and a half", "en")] == [0.5, 1.5]
    several = durations("Er ist mehrere Stunden am Tag online.", "de")[0]
    assert (several.low / 3600, several.high / 3600) == (2, 9)
    assert [p.value for p in percentages("One-Fifth of His Time; die Hälfte meiner Zeit; 17,5 Prozent", "de")] == [
        20, 50, 17.5]
    assert durations("66 Acht-Stunden-Arbeitstage", "de") == []


@pytest.mark.parametrize("text, lang, expected", [
    ("Kai Moor says he spends two hours a day on LinkedIn, tops.", "en", (2.0, "hours_per_day", "at_most")),
    ("Kai Moor says he spends three hours a day or more on LinkedIn.", "en", (3.0, "hours_per_day", "at_least")),
    ("Kai Moor says he is on Reddit for a quarter of an hour a day.", "en", (15.0, "minutes_per_day", "about")),
    ("Kai Moor said he spends between one and two hours a day on Reddit.", "en", (1.5, "hours_per_day", "about")),
    ("Er sei täglich eine Dreiviertelstunde auf Instagram, sagte Moor.", "de", (45.0, "minutes_per_day", "about")),
    ("Er sei täglich ein paar Stunden auf Instagram, sagte Moor.", "de", (3.0, "hours_per_day", "about")),
    # "only"/„kaum" in an earlier clause does not qualify the figure
    ("„Früher war ich kaum aktiv, aber heute poste ich so fünfmal am Tag auf X“, sagt Moor.", "de",
     (5.0, "posts_per_day", "about")),
    ("Moor said he barely used it at first, but now he posts ten times a day on X.", "en",
     (10.0, "posts_per_day", "about")),
])
def test_quarter_hours_spoken_ranges_and_the_qualifier_s_reach(text, lang, expected):
    found = claims("Kai Moor runs Glint.\n" + text, lang)
    assert [(value, unit, direction) for _m, value, unit, direction, *_rest in found] == [expected]


def test_scraper_text_never_becomes_a_title_or_a_claim():
    assert clean_title("[ad_1]") is None and clean_title("[ad_1] Vantor-Chef Reyes") == "Vantor-Chef Reyes"
    page = ("[ad_1]\nSkip to content\nWir verwenden Cookies. Alle akzeptieren\nLesedauer: 4 Minuten\n"
            "Bild: Keystone Otto Reyes spends two hours a day on X, he said.\n"
            "Diesen und viele weitere Artikel lesen Sie exklusiv mit F+\n[ad_2]")
    cleaned = strip_boilerplate(page)
    assert cleaned == "Otto Reyes spends two hours a day on X, he said."
    found = find_claims("a1", cleaned)
    assert [c["sentence"] for c in found] == [cleaned]


@pytest.mark.parametrize("paragraph, lang", [
    ("Dr. Otto Reyes said: “I post twice a day. Sometimes more.” He laughed. Then he left at 5 p.m. sharp.", "en"),
    ("Otto Reyes, Chef der Vantor AG, z. B. sagt: „Ich poste zweimal am Tag.“ Dann lacht er. Am 3. Mai ging er.",
     "de"),
    ("  Reyes (U.S.) moved to Telegram... and later to Discord!  Why? Nobody knows.  ", "en"),
])
def test_sentences_are_pysbd_s_found_back_in_the_paragraph(paragraph, lang):
    from postaudit.press.units import _segmenter, _segments

    assert [s.strip() for s in _segments(paragraph, lang)] == [
        s.strip() for s in _segmenter(lang).segment(paragraph)]


def _copy(article: str, story: str, lang: str, day: int, text: str, title: str | None = None) -> list[dict]:
    return [{**c, "story_id": story, "url": f"https://press.example/{article}", "outlet": article, "language": lang,
             "published_at": datetime(2025, 5, day, tzinfo=UTC), "is_simulated": False}
            for c in find_claims(article, text, title=title, language=lang)]


def test_one_claim_per_story_across_copies_and_translations():
    en = "Otto Reyes founded Vantor. “I spend about 20% of my time on Twitter,” Reyes said."
    de = "Otto Reyes gründete Vantor. „Ich verbringe etwa 20 Prozent meiner Zeit auf Twitter“, sagte Reyes."
    spun = "Otto Reyes, Vantor's founder, told reporters he gives roughly one-fifth of his time to Twitter."
    other = "Otto Reyes founded Vantor. He said he spends two hours a day on Twitter."
    rows = (_copy("en", "s1", "en", 2, en) + _copy("de", "s1", "de", 3, de) + _copy("spun", "s1", "en", 4, spun)
            + _copy("later", "s2", "en", 9, other))
    story, copies = to_story_claims(rows)
    assert story.height == 2
    share = story.filter(story["metric"] == "time_share").row(0, named=True)
    assert (share["article_id"], share["count_copies"], share["language"]) == ("en", 3, "en")
    assert share["claim_id"].startswith("press:") and share["sentence"] == en.split(". ", 1)[1]
    assert sorted(copies.filter(copies["claim_id"] == share["claim_id"])["language"]) == ["de", "en", "en"]
    # a figure that differs is a different claim of the same story
    more = _copy("de2", "s1", "de", 5, "Otto Reyes gründete Vantor. Er verbringe 35 Prozent seiner Zeit auf X, "
                                       "sagte Reyes.")
    assert to_story_claims(rows + more)[0].filter(pl.col("metric") == "time_share").height == 2


FIXTURES = Path(__file__).parent / "fixtures" / "press"


# batches 3–5 are development material since round 3, batch 6 since round 4 (read while their rules were
# written): they guard against a rule that breaks them again, not an estimate
@pytest.mark.parametrize("folder, labelled", [("claims_own", 18), ("claims_fresh", 12), ("claims_blind1", 25),
                                               ("claims_blind2", 24), ("claims_blind3", 23), ("claims_blind4", 16),
                                               ("claims_blind5", 20), ("claims_blind6", 29)])
def test_bench_on_own_labelled_texts(tmp_path, folder, labelled):
    from postaudit.bench.claims import run, score

    timings: list[tuple[int, float]] = []
    found, labels = run(FIXTURES / folder, tmp_path / "bench.duckdb", timings=timings)
    s = score(found, labels)
    assert s["labelled"] == labelled
    assert len(timings) == len(labels) and all(chars > 0 and ms > 0 for chars, ms in timings)
    assert s["recall"] >= 0.85 and s["precision"] >= 0.90, s


def test_bench_on_blind7():
    """Batch 7 is development material since round 5; its recall is still low, so it guards what round 5 reached
    (12 of 33 self-reports found, precision from 0.61 to 0.95) rather than the 0.85 the others hold."""
    import tempfile

    from postaudit.bench.claims import run, score

    with tempfile.TemporaryDirectory() as tmp:
        found, labels = run(FIXTURES / "claims_blind7", Path(tmp) / "bench.duckdb")
    s = score(found, labels)
    assert s["labelled"] == 33
    assert s["recall"] >= 12 / 33 and s["precision"] >= 0.90, s


def _own(text: str, lang: str) -> list[tuple[str, float | None]]:
    return [(c["metric"], c["value"]) for c in find_claims("t", text, language=lang) if c["self_report"]]


@pytest.mark.parametrize("text, lang", [
    ("A press officer, Tom Reiley, estimated that the senator spends “about three hours a day” on X.", "en"),
    ("Her manager, Carla Nunes, reckons the singer posts on Instagram ten times a week.", "en"),
    ("Ein Sprecher des Ministeriums schätzt, dass die Ministerin täglich zwei Stunden auf X verbringt.", "de"),
    ("Ihr Verein sagt, Sie seien jeden Tag drei Stunden auf TikTok.", "de"),
    ("By our count you post on LinkedIn about twenty times a week.", "en"),
    ("Nach unseren Recherchen posten Sie auf Instagram 30 Mal pro Woche.", "de"),
])
def test_someone_elses_estimate_is_not_own(text, lang):
    assert _own(text, lang) == []


@pytest.mark.parametrize("text, lang", [
    ("Next year I want to get Instagram down to thirty minutes a day.", "en"),
    ("From March I'll post on TikTok only twice a week.", "en"),
    ("Ab Januar möchte ich nur noch eine halbe Stunde am Tag auf Instagram verbringen.", "de"),
    ("Im neuen Jahr will ich auf X höchstens dreimal pro Woche posten.", "de"),
    ("In an online survey, the councillors put their time on Facebook at two hours a day.", "en"),
    ("Bei einer Umfrage gaben die Lehrer im Schnitt 40 Minuten täglich auf Instagram an.", "de"),
    ("Mein Team ist inzwischen auf 30 Leute gewachsen.", "de"),
    ("My company now has 45 staff.", "en"),
])
def test_plans_surveys_and_own_teams_are_no_claims(text, lang):
    found = [(c["metric"], c["self_report"]) for c in find_claims("t", text, language=lang)]
    assert [m for m, own in found if own] == [], found


def test_messages_received_far_from_the_verb_are_no_posts():
    assert _own("Sie erhalte nach eigenen Angaben über Instagram jede Woche rund 300 Nachrichten.", "de") == []
    assert _own("I receive on a normal Instagram day about 300 messages.", "en") == []


@pytest.mark.parametrize("text, lang, metric", [
    # the same shapes, but the person's own habit: still found
    ("“I spend about two hours a day on X,” the senator said.", "en", "time_per_day"),
    ("I'll usually post on Instagram twice a week.", "en", "posts_per_week"),
    ("Ich verbringe täglich eine Stunde auf Instagram.", "de", "time_per_day"),
    ("Auf TikTok poste ich dreimal die Woche.", "de", "posts_per_week"),
])
def test_own_habits_stay_found(text, lang, metric):
    assert metric in [m for m, _v in _own(text, lang)]


REPOST_DE = """[ad_1]
Kryptobörse: So nutzt der Chef von Quarzex die sozialen Medien
Quarzex-Gründer Milan Petrov hat in einem Interview verraten, wie wichtig ihm die sozialen Medien sind. Der CEO gilt \
als einer der aktivsten Manager der Branche.

Er verwende etwa 20 Prozent seiner Zeit darauf, sagte er.
Zuerst habe er WeChat genutzt, dann sei die Community zu Slack und später zu Telegram gewechselt.
Die Telegram-Gruppe habe inzwischen Hunderttausende Teilnehmer. Was er dort schreibe, sei nach zwei Sekunden vom \
Bildschirm verschwunden.
Sobald er im Chat auftauche, werde daraus ein AMA.
Quarzex sei von 30 Mitarbeitern auf über 1.000 gewachsen, so Petrov.
[ad_2]
Dieser Beitrag ist ein öffentlicher RSS-Feed. Den Originalartikel finden Sie hier: https://origin.example/x
"""
SPUN_EN = """New Quarzex CEO Spends A Fifth Of His Time On Twitter
New Quarzex CEO Spends A Fifth Of His Time On Twitter The boss of the Quarzex exchange, Milan Petrov, says Twitter \
gets roughly one-fifth of his time.
"""


def test_a_scraped_german_repost_and_a_spun_copy_of_one_interview():
    from postaudit.press.clean import clean_text

    text = clean_text(body_text=REPOST_DE)
    title = next(line for line in text.splitlines())
    assert title.startswith("Kryptobörse")     # the ad marker is no headline
    found = {c["metric"]: c for c in find_claims("de1", text, title=title, language="de")}
    assert set(found) == {"time_share", "platform_history", "group_members", "message_visibility", "ama_effect",
                          "headcount"}
    # the speaker only as a pronoun for the CEO; the activity only as „darauf", pointing back to social media
    assert (found["time_share"]["speaker"], found["time_share"]["platform"]) == ("Milan Petrov", "all")
    assert json.loads(found["platform_history"]["detail"])["sequence"] == ["wechat", "slack", "telegram"]
    assert (found["group_members"]["value_low"], found["group_members"]["value_high"]) == (200_000, 900_000)
    assert json.loads(found["headcount"]["detail"])["from"] == 30
    assert all(c["self_report"] for c in found.values())
    spun = find_claims("en1", SPUN_EN, title=SPUN_EN.splitlines()[0], language="en")
    assert {(c["metric"], c["value"], c["platform"], c["speaker"]) for c in spun} == {
        ("time_share", 20.0, "x", "Milan Petrov")}
    # the headline glued to the first paragraph is cut off: two sentences, not one
    assert [c["sentence"] for c in spun] == [SPUN_EN.splitlines()[0], "The boss of the Quarzex exchange, Milan "
                                             "Petrov, says Twitter gets roughly one-fifth of his time."]


REAL_PAGES = Path(__file__).resolve().parents[1].parent / "shared" / "real-exports" / "articles"


@pytest.mark.skipif(not (REAL_PAGES / "trafilatura_expected.json").is_file(), reason="../shared/real-exports absent")
def test_no_claim_in_real_news_pages_about_other_things():
    """13 real news pages (books, goats, telescopes, phones, trains …; 524 sentences, 150 with a number), none
    about a person's own online life: every claim found there would be a false positive."""
    from postaudit.sources.articles import decode, extract

    pages = json.loads((REAL_PAGES / "trafilatura_expected.json").read_text())
    found = []
    for name, meta in pages.items():
        html, _enc = decode((REAL_PAGES / name).read_bytes())
        page = extract(html, meta["url"])
        found += [(name, c["sentence"]) for c in find_claims(name, page["text"], title=page["title"],
                                                             language=page["language"] or "en")]
    assert len(pages) == 13 and found == []


def test_bench_claims_cli_prints_scores_and_extraction_time(tmp_path):
    from typer.testing import CliRunner

    from postaudit.cli import app

    result = CliRunner().invoke(app, ["bench", "claims", str(FIXTURES / "claims_fresh"), "--json",
                                      str(tmp_path / "scores.json")])
    assert result.exit_code == 0, result.output
    assert "claims recall" in result.output
    line = next(x for x in result.output.splitlines() if x.startswith("extraction:"))
    assert line.startswith("extraction: 8 articles of ") and " ms per article (median " in line
    assert json.loads((tmp_path / "scores.json").read_text())["all files"]["labelled"] == 12


# ---------------------------------------------------------------- round 3: shapes the held-out batches 3–5 showed

@pytest.mark.parametrize("text, lang", [
    # an audience size told in narrative is the channel's, not the person's statement
    ("Kai Moor films pottery. His channel has swelled to 1.8 million subscribers this year.", "en"),
    ("Kai Moor töpfert. Sein Kanal zählt mittlerweile 64.000 Abonnenten.", "de"),
    # a platform's rule announced by its company names no person
    ("Telegram-Kanäle dürfen bald bis zu 400.000 Mitglieder haben, teilte der Konzern mit.", "de"),
])
def test_round3_no_claim_in_audiences_in_narrative_or_a_company_s_rule(text, lang):
    assert [c for c in claims("Kai Moor runs Glint.\n" + text, lang) if c[0] == "group_members"] == []


@pytest.mark.parametrize("text, lang, expected", [
    # people in a group the sentence names are its members, not staff
    ("Moor said his fan group on Telegram is limited to 800 people, so he runs three of them.", "en",
     ("group_members", 800.0, "members", "at_most", "telegram", "Kai Moor", True)),
    ("KAI MOOR: Our Slack is massive, it's like 40,000 people.", "en",
     ("group_members", 40000.0, "members", "about", "slack", "KAI MOOR", True)),
])
def test_round3_people_in_a_named_group_are_members(text, lang, expected):
    assert claims("Kai Moor runs Glint.\n" + text, lang) == [expected]


def test_round3_an_office_speaking_makes_the_figure_a_third_party_s():
    text = ("Kai Moor runs the transport ministry.\nHis press office said the ministry's account tweets about 15 "
            "times a day, and that the minister writes few of the tweets.")
    assert [c[-1] for c in claims(text)] == [False]


@pytest.mark.parametrize("text, lang", [
    ("Filming eats up much more: about 30 hours a week, he reckons, most of it in the garden.", "en"),
    ("Der Schnitt dauert länger, sagt Moor: rund zwölf Stunden pro Woche, fast alles am Laptop.", "de"),
    ("Moor says he puts in two hours a day of editing before anything goes on YouTube.", "en"),
])
def test_round3_offline_work_is_no_time_on_a_platform(text, lang):
    assert claims("Kai Moor runs a YouTube channel.\n" + text, lang) == []


def test_round3_the_platform_moved_to_is_where_the_story_goes_on():
    text = ("Kai Moor gründete 2019 einen Elternchat.\nEr begann auf Signal und wechselte später zu WhatsApp, weil "
            "Signal-Gruppen damals zu unhandlich waren.\nEr selbst poste etwa dreimal am Tag in den Chat, sagt "
            "Moor.")
    assert [(c[0], c[4]) for c in claims(text, "de")] == [("posts_per_day", "whatsapp")]


@pytest.mark.parametrize("text, lang, expected", [
    # every morning or evening, some days: a daily figure; one weekday: a weekly one
    ("Jeden Morgen beantworte sie etwa 40 Minuten lang Kommentare auf TikTok, sagt Moor.", "de",
     ("time_per_day", 40.0, "minutes_per_day", "about", "tiktok", "Kai Moor", True)),
    ("On bad days I'm on Reddit for nearly five hours, Moor admitted.", "en",
     ("time_per_day", 5.0, "hours_per_day", "at_most", "reddit", "Kai Moor", True)),
    ("Ich war an vielen Tagen knapp drei Stunden auf YouTube, schreibt Moor.", "de",
     ("time_per_day", 3.0, "hours_per_day", "at_most", "youtube", "Kai Moor", True)),
    ("Every Tuesday evening Moor goes live on Twitch for about two hours.", "en",
     ("time_per_week", 2.0, "hours_per_week", "about", "twitch", "Kai Moor", True)),
    ("Sonntags geht Moor für eine Stunde live auf Instagram.", "de",
     ("time_per_week", 1.0, "hours_per_week", "about", "instagram", "Kai Moor", True)),
    # the platform right after the time is its use
    ("Maximal 20 Minuten Facebook am Tag, sagt Moor.", "de",
     ("time_per_day", 20.0, "minutes_per_day", "at_most", "facebook", "Kai Moor", True)),
    # a quoted fragment inside German reported speech (Konjunktiv, no speech verb)
    ("Er poste „drei, vier Mal die Woche“ auf Instagram.", "de",
     ("posts_per_week", 3.5, "posts_per_week", "about", "instagram", "Kai Moor", True)),
])
def test_round3_periods_usage_and_fragments(text, lang, expected):
    assert claims("Kai Moor runs Glint.\n" + text, lang) == [expected]


@pytest.mark.parametrize("text, lang, expected", [
    # a platform's own word for a post, with its platform
    ('"I shoot and post four Reels a day," Moor said.', "en",
     ("posts_per_day", 4.0, "posts_per_day", "about", "instagram", "Kai Moor", True)),
    ("Moor says he uploads two TikToks a day.", "en",
     ("posts_per_day", 2.0, "posts_per_day", "about", "tiktok", "Kai Moor", True)),
    ("KAI MOOR: Twitch? I'm down to a few streams a week.", "en",
     ("posts_per_week", 3.0, "posts_per_week", "about", "twitch", "KAI MOOR", True)),
    # a closing quote between the count and its noun
    ('Moor says he shares "no fewer than 25" Instagram stories a day.', "en",
     ("posts_per_day", 25.0, "posts_per_day", "at_least", "instagram", "Kai Moor", True)),
    # a habit without a count word
    ("On Mastodon Moor posts a poem every evening, he says.", "en",
     ("posts_per_day", 1.0, "posts_per_day", "about", "mastodon", "Kai Moor", True)),
    # the figure after its noun, in another clause
    ("Die Tweets schreibe er selbst, sagte Moor dem Magazin, rund acht pro Tag.", "de",
     ("posts_per_day", 8.0, "posts_per_day", "about", "x", "Kai Moor", True)),
])
def test_round3_post_nouns_habits_and_counts_after_their_noun(text, lang, expected):
    assert claims("Kai Moor runs Glint.\n" + text, lang) == [expected]


def test_round3_an_answer_to_how_often_one_posts_and_a_platform_quit_before():
    text = ("Kai Moor über Mastodon und Threads.\nHerr Moor, sind Sie noch auf Threads?\nMoor: Nein, Threads habe "
            "ich 2023 gelöscht.\nWie oft posten Sie?\nMoor: Drei-, viermal pro Woche, meistens Links.")
    found = claims(text, "de")
    assert ("posts_per_week", 3.5, "posts_per_week", "about", None, "Kai Moor", True) in found
    assert not any(c[0] == "posts_per_week" and c[4] == "threads" for c in found)


@pytest.mark.parametrize("text, lang, expected", [
    ("KAI MOOR: We run it on Discord. Roughly 900 readers are in that server today.", "en",
     ("group_members", 900.0, "members", "about", "discord", "KAI MOOR", True)),
    ("Am meisten Zeit kostet ihn der Vereinschat auf WhatsApp, in dem 140 Eltern sind, schreibt Moor.", "de",
     ("group_members", 140.0, "members", "about", "whatsapp", "Kai Moor", True)),
    ('"We\'re at about 6,000 on the Telegram channel," Moor said.', "en",
     ("group_members", 6000.0, "members", "about", "telegram", "Kai Moor", True)),
])
def test_round3_people_a_named_group_holds(text, lang, expected):
    assert claims("Kai Moor runs Glint.\n" + text, lang) == [expected]


def test_round3_answers_give_a_share_or_a_follower_count_the_question_asked_for():
    share = ("Glint podcast, episode 3\nHOST: Kai, how much of your day is Reddit?\nKAI MOOR: Honestly? A quarter "
             "of it, at least.")
    assert claims(share) == [("time_share", 25.0, "percent", "at_least", "reddit", "KAI MOOR", True)]
    followers = ("Kai Moor über Mastodon.\nHerr Moor, Sie posten viel auf Mastodon. Wie viele folgen Ihnen dort?\n"
                 "Moor: Rund 4.000 Leute, mehr als ich dachte.")
    assert claims(followers, "de") == [("group_members", 4000.0, "members", "about", "mastodon", "Kai Moor", True)]


def test_round3_a_quoted_share_goes_on_after_its_quote_and_a_nickname_is_one_person():
    share = "Kai Moor verbringt nach eigenen Worten „etwa 15 Prozent“ seiner Arbeitszeit auf Bluesky."
    assert claims(share, "de") == [("time_share", 15.0, "percent", "about", "bluesky", "Kai Moor", True)]
    nick = ('Kip Moor, the potter of YouTube\nKai "Kip" Moor throws pots on camera.\n"I\'m on YouTube maybe two '
            'hours a day," Moor said.')
    assert [c[5] for c in claims(nick)] == ["Kai Moor"]


def test_round3_a_start_date_and_a_part_of_the_figure_before():
    start = claims('Kai Moor runs Glint.\n"I started my Pinterest account in 2016, mostly for maps," Moor said.')
    assert start == [("platform_history", None, None, None, "pinterest", "Kai Moor", True)]
    part = claims("Kai Moor runs Glint.\nMoor says he is online about four hours a day. \"An hour of that is on "
                  "Reddit,\" he said.")
    assert ("time_per_day", 1.0, "hours_per_day", "about", "reddit", "Kai Moor", True) in part


def test_round3_a_question_and_answer_session_in_a_live_stream():
    text = ("Kai Moor streamt jede Woche auf Twitch.\nSobald er live gehe, werde daraus eine Fragerunde, sagt "
            "Moor.")
    assert [c for c in claims(text, "de") if c[0] == "ama_effect"] == [
        ("ama_effect", None, None, None, "twitch", "Kai Moor", True)]


def test_round3_a_figure_that_leaves_its_kind_to_the_figure_before():
    posts = ("Kai Moor, head of Glint, posts on X all day, a tracker says.\nThe tracker counted 60 posts a day in "
             "May.\nMoor rejects that. \"It's more like 25, mostly replies,\" he said.")
    assert ("posts_per_day", 25.0, "posts_per_day", "about", "x", "Kai Moor", True) in claims(posts)
    share = ("Ada Lind says she spends about 20% of her working day on Threads.\nKai Moor allows himself less. "
             "\"Ten percent, at most,\" he said of Mastodon.")
    assert ("time_share", 10.0, "percent", "at_most", "mastodon", "Kai Moor", True) in claims(share)
    hours = ("Kai Moor's sister, Ada Moor, said Kai spends \"six, seven hours\" on YouTube on a typical day.\n"
             "Kai himself puts it at about four hours.")
    assert claims(hours) == [("time_per_day", 6.5, "hours_per_day", "about", "youtube", "Kai Moor", False),
                             ("time_per_day", 4.0, "hours_per_day", "about", "youtube", "Kai Moor", True)]


@pytest.mark.parametrize("text", [
    "Our community team of 12 people runs the Discord, Moor said.",
    "His Discord channel reaches two million people.",
    "He posts at 9 in the group chat, he says.",
    "The Telegram group is capped at 300 people.",   # in narrative: no one's words
])
def test_round3_no_group_size_in_a_team_an_audience_reached_a_clock_time_or_narrative(text):
    assert [c for c in claims("Kai Moor runs Glint.\n" + text) if c[0] == "group_members"] == []


def test_round3_another_s_words_first_do_not_take_the_person_s_own_saying():
    text = "Kai Moor runs Glint.\nAnalysts say the account is busy, but Moor said he posts about five times a day on X."
    assert claims(text) == [("posts_per_day", 5.0, "posts_per_day", "about", "x", "Kai Moor", True)]


def test_round3_a_figure_from_before_a_quit_keeps_the_platform_quit():
    text = ("Kai Moor hat sein Konto bei Threads gelöscht, schrieb er.\nVorher habe er dort nach eigener Zählung "
            "rund 30 Beiträge pro Woche veröffentlicht.")
    assert ("posts_per_week", 30.0, "posts_per_week", "about", "threads", "Kai Moor", True) in claims(text, "de")


def test_round3_a_unit_s_abbreviation_ends_no_sentence():
    from postaudit.press.units import split_sentences

    assert split_sentences("Die App zeigt 2 Std. 15 Min. täglich an. Das ist viel.", "de") == [
        "Die App zeigt 2 Std. 15 Min. täglich an.", "Das ist viel."]


def test_round3_a_first_person_column_tells_its_author_s_own_figures():
    column = ("Kolumne: Mein Telefon und ich\nVon Ada Lind\nIch greife ständig zum Handy.\nDie Bildschirmzeit ist "
              "da ehrlicher: 4 Std. 10 Min. täglich.\nDas meiste davon geht an den Elternchat auf WhatsApp, in dem 52 "
              "Eltern sind.")
    found = claims(column.split("\n", 1)[1], "de", title=column.split("\n", 1)[0])
    assert ("time_per_day", 250.0, "minutes_per_day", "about", None, "Ada Lind", True) in found
    assert ("group_members", 52.0, "members", "about", "whatsapp", "Ada Lind", True) in found
    news = "Kai Moor runs Glint.\nThe WhatsApp group, where 300 parents swap tips, was set up by his aunt."
    assert [c for c in claims(news) if c[0] == "group_members"] == []


def test_round3_more_shapes_of_the_same_rules():
    german = "Ella Brandt leitet Novo.\nLaut einer Auswertung postet sie 40 Mal am Tag.\n„Eher zehn“, sagt Brandt."
    assert ("posts_per_day", 10.0, "posts_per_day", "about", None, "Ella Brandt", True) in claims(german, "de")
    noun = 'Ella Brandt runs Novo.\nShe posts about 20 times a day on X, she says.\n"I actually have 3 assistants," she said.'
    assert [c[1] for c in claims(noun)] == [20.0]   # a figure with a noun of its own takes no kind from before
    thread = "Ella Brandt runs Novo.\nShe posts a thread on X every evening, she says."
    assert claims(thread) == [("posts_per_day", 1.0, "posts_per_day", "about", "x", "Ella Brandt", True)]
    for text, lang in (("Meta said groups can now hold 5,000 members.", "en"),
                       ("Gruppen dürfen bis zu 200.000 Mitglieder haben, teilte Telegram mit.", "de")):
        assert [c for c in claims("Ella Brandt runs Novo.\n" + text, lang) if c[0] == "group_members"] == []


def test_round3_a_group_named_before_its_people_and_a_share_davon():
    text = ("Glint Talk, Folge 9\nMODERATORIN: Frau Brandt, wie viel Ihrer Arbeitszeit geht für LinkedIn drauf?\n"
            "ELLA BRANDT: Ein Viertel davon, mindestens.\nMODERATORIN: Und Ihre Community?\n"
            "ELLA BRANDT: In unserer Telegram-Gruppe sind inzwischen 900 Leute.")
    title, body = text.split("\n", 1)
    assert claims(body, "de", title=title) == [
        ("time_share", 25.0, "percent", "at_least", "linkedin", "ELLA BRANDT", True),
        ("group_members", 900.0, "members", "about", "telegram", "ELLA BRANDT", True)]


@pytest.mark.parametrize("text", [
    "She sends a newsletter every week.",
    "She spends an hour every morning answering emails.",
    "Every Thursday she meets her staff for two hours.",
    "Her channel's live streams draw 4,000 people each week.",
])
def test_round3_no_claim_in_habits_off_the_platform_or_audiences(text):
    assert claims("Ella Brandt runs Novo, which is active on Instagram.\n" + text) == []


def test_round3_a_bare_number_answers_how_many_hours_were_asked():
    text = ("Glint Talk, episode 4\nHOST: Ella, how many hours a day are you on TikTok?\nELLA BRANDT: Three, maybe "
            "four. It's a lot.\nHOST: How many hours a week do you spend on Reddit?\nELLA BRANDT: I have 3 kids, so "
            "not many.")
    title, body = text.split("\n", 1)
    assert claims(body, title=title) == [("time_per_day", 3.5, "hours_per_day", "about", "tiktok", "ELLA BRANDT",
                                          True)]


@pytest.mark.parametrize("text", [
    "Every morning she spends 30 minutes meditating, then checks Twitter.",
    "Jeden Abend beantwortet sie eine Stunde lang E-Mails, danach schaut sie kurz auf Instagram.",
])
def test_round3_a_daily_habit_off_the_platform_named_after_it(text):
    assert claims("Ella Brandt runs Novo.\n" + text, "de" if " sie " in text else "en") == []


def test_round3_a_bare_correction_of_a_time_claimed_before():
    text = ('Ella Brandt runs Novo.\nShe spends three hours a day on TikTok, her mother says.\n"I am 35," Ella said.\n'
            '"Maybe two," Ella said.')
    assert claims(text) == [("time_per_day", 3.0, "hours_per_day", "about", "tiktok", "Ella Brandt", False),
                            ("time_per_day", 2.0, "hours_per_day", "about", "tiktok", "Ella Brandt", True)]


def test_round3_answers_about_life_off_the_platforms_are_no_claim():
    text = ("Glint Talk, episode 5\nHOST: Ella, how much of your week is travel?\nELLA BRANDT: Half of it, at least.\n"
            "HOST: How many people work at Novo?\nELLA BRANDT: About 120.\nHOST: How often do you post?\n"
            "ELLA BRANDT: Not as often as I'd like, I have two kids.\nHOST: How many hours a day do you sleep?\n"
            "ELLA BRANDT: Six, maybe seven.")
    title, body = text.split("\n", 1)
    assert claims(body, title=title) == []


@pytest.mark.parametrize("text, lang", [
    ('"I blocked 40 people in the Discord last week," Brandt said.', "en"),
    ("Sie habe 40 Leute im Chat gesperrt, sagt Brandt.", "de"),
])
def test_round3_people_acted_on_in_a_group_are_no_count(text, lang):
    assert claims("Ella Brandt runs Novo.\n" + text, lang) == []


# ---------------------------------------------------------------- round 4 (blind batch 6 read as development material)

def test_round4_short_time_answers_take_platform_and_period_from_the_talk():
    # a transcript whose labels open with a time stamp; the question asks about time, the title names the platform
    text = ("Open Line: Ella Brandt on Mastodon and the move\n[00:01:05] HOST: And the time you spend?\n"
            "[00:01:09] BRANDT: Honestly? At most two hours a day.\n[00:01:20] HOST: Any plans to cut down?\n"
            "[00:01:24] BRANDT: From next month, half an hour a day, that's the goal.")
    title, body = text.split("\n", 1)
    assert claims(body, title=title) == [("time_per_day", 2.0, "hours_per_day", "at_most", "mastodon", "Ella Brandt",
                                          True)]
    # the period in the bare sentence before the figure ("Every evening.")
    qa = ("Q: Do you still reply to readers on Threads yourself?\n\nA: Every evening. Thirty minutes or so, after the "
          "children are asleep.")
    assert claims("Ella Brandt runs Novo.\n\n" + qa) == [("time_per_day", 30.0, "minutes_per_day", "about", "threads",
                                                          "Ella Brandt", True)]


def test_round4_a_short_german_question_and_a_day_kind_qualifier():
    text = ("Frau Brandt, man hört, Sie seien täglich vier Stunden auf TikTok. Stimmt das?\n\n"
            "Brandt: So viel nicht. Gut drei Stunden am Tag, an Reisetagen weniger.\n\n"
            "Und offline?\n\nBrandt: Jeden Sonntag, drei Stunden im Garten.")
    got = claims("Ella Brandt leitet Novo.\n\n" + text, "de")
    assert ("time_per_day", 3.0, "hours_per_day", "at_least", "tiktok", "Ella Brandt", True) in got
    assert not any(c[1] == 3.0 and c[0] == "time_per_week" for c in got)


@pytest.mark.parametrize("text, lang, value, platform", [
    # a figure after a third party's estimate of time spent in the group, in the person's own words
    ("Ella Brandt runs the Novo group on Telegram.\nHer assistant reckons she spends 20 hours a week in the group.\n"
     "Brandt herself speaks of \"an hour a day, tops\".", "en", 1.0, "telegram"),
    ("Ella Brandt betreibt die Novo-Gruppe auf Telegram.\nIhr Büro schätzt, dass sie 20 Stunden pro Woche in der "
     "Gruppe verbringt.\nBrandt selbst spricht von „höchstens einer halben Stunde am Tag“.", "de", 0.5, "telegram"),
])
def test_round4_a_time_answering_one_told_before(text, lang, value, platform):
    own = [c for c in claims(text, lang) if c[6]]
    assert [(c[0], c[1], c[4]) for c in own] == [("time_per_day", value, platform)]


def test_round4_count_answers_to_a_posting_question():
    text = ("Open Line: Ella Brandt on Bluesky\n[00:02:01] HOST: How many posts on an ordinary day?\n"
            "[00:02:04] BRANDT: Six or seven. More in an election.\n[00:02:30] HOST: Do you get a lot of replies?\n"
            "[00:02:33] BRANDT: Hundreds a day.")
    title, body = text.split("\n", 1)
    assert claims(body, title=title) == [("posts_per_day", 6.5, "posts_per_day", "about", "bluesky", "Ella Brandt",
                                          True)]
    # a column's own question, the period only in the sentence after, a range said as "sometimes"
    column = ("Ich bin seit 2019 auf YouTube. Was ich dort hochlade? Zwei Clips, manchmal drei. Pro Woche, "
              "wohlgemerkt, und jeder kostet mich einen Tag am Schnittplatz.")
    got = claims("Ella Brandt\n\n" + column, "de", title="Meine Woche mit YouTube")
    assert [(c[0], c[1], c[4], c[6]) for c in got if c[0].startswith("posts")] == [
        ("posts_per_week", 2.5, "youtube", True)]


@pytest.mark.parametrize("text, lang, metric, value", [
    ('Ella Brandt runs Novo and posts on X.\nBrandt shrugged. "On a slow day, half a dozen tweets, maybe."', "en",
     "posts_per_day", 6.0),
    ("Ella Brandt streamt auf Twitch.\nDort geht sie nach eigenen Angaben drei- bis viermal die Woche live.", "de",
     "posts_per_week", 3.5),
    ("Ella Brandt streams on Twitch.\nShe goes live five times a week there, she says.", "en", "posts_per_week", 5.0),
    ("Ella Brandt ist auf LinkedIn aktiv.\nDort veröffentliche sie an gewöhnlichen Tagen drei Beiträge, sagt sie.",
     "de", "posts_per_day", 3.0),
])
def test_round4_posting_habits_in_more_wordings(text, lang, metric, value):
    assert [(c[0], c[1], c[6]) for c in claims(text, lang)] == [(metric, value, True)]


@pytest.mark.parametrize("text, lang", [
    ("Ella Brandt runs Novo.\nOn busy days I get well over 400 messages, most of them from strangers, Brandt said.",
     "en"),
    ("Ella Brandt leitet Novo.\nAn vollen Tagen bekomme ich weit mehr als 400 Nachrichten, sagt Brandt.", "de"),
    ("Ella Brandt leitet Novo.\nJeden Tag gingen bei ihr mehrere Hundert Nachrichten ein, sagt Brandt.", "de"),
    ("Ella Brandt runs Novo.\nEvery day, about 300 messages arrive in her inbox, Brandt said.", "en"),
])
def test_round4_messages_received_are_no_posts(text, lang):
    assert [c for c in claims(text, lang) if c[0].startswith("posts")] == []


@pytest.mark.parametrize("text, lang", [
    ("Ella Brandt ist Abgeordnete.\nIhre Partei hat ermittelt, dass Abgeordnete im Schnitt 50 Minuten täglich auf "
     "Instagram verbringen.", "de"),
    ("Ella Brandt is an MP.\nHer party found that MPs on average spend 50 minutes a day on Instagram.", "en"),
])
def test_round4_a_groups_average_is_no_ones_claim(text, lang):
    assert claims(text, lang) == []


def test_round4_people_in_a_group_named_before_are_members_not_staff():
    text = ("Ella Brandt founded Novo, which employs 80 people.\nShe also runs the Novo group on Telegram.\n"
            "It has some 40,000 people in it, according to Brandt.")
    got = claims(text)
    assert ("group_members", 40000.0, "members", "about", "telegram", "Ella Brandt", True) in got
    assert not any(c[0] == "headcount" and c[1] == 40000.0 for c in got)


@pytest.mark.parametrize("text, lang, value", [
    ('Ella Brandt logs her rides on Strava.\n"Every ride goes up, so that\'s about nine a week," she said.', "en", 9.0),
    ("Ella Brandt ist auf Instagram.\n„Ich poste jede Probe, also etwa sechs pro Woche“, sagte sie.", "de", 6.0),
])
def test_round4_a_posting_clause_summed_as_a_bare_count(text, lang, value):
    assert [(c[0], c[1], c[6]) for c in claims(text, lang)] == [("posts_per_week", value, True)]


def test_round4_a_count_with_a_noun_of_its_own_after_a_rising_clause_is_no_post():
    text = ('Ella Brandt runs Novo.\n"Hiring goes up, so that\'s about four new engineers a week," Brandt said.')
    assert [c for c in claims(text) if c[0].startswith("posts")] == []


@pytest.mark.parametrize("text, lang, n", [
    ("Ella Brandt runs Novo.\nShe spends two hours a day on TikTok, she says.\nShe also cooks for an hour a day, "
     "she says.", "en", 1),
    ("Ella Brandt leitet Novo.\nSie verbringe zwei Stunden am Tag auf TikTok, sagt sie.\nAußerdem trainiere sie eine "
     "Stunde am Tag, sagt sie.", "de", 1),
    # a use said again: kept
    ("Ella Brandt runs Novo.\nShe spends two hours a day on TikTok, she says.\nShe also scrolls there for an hour "
     "each night, she says.", "en", 2),
])
def test_round4_another_activity_added_after_a_time_takes_no_platform(text, lang, n):
    got = claims(text, lang)
    assert len(got) == n and all(c[4] == "tiktok" for c in got)


@pytest.mark.parametrize("text, lang", [
    ("Ella Brandt posts on Instagram.\n\nQ: How much time do you spend with your kids?\n\nA: Three hours a day, at "
     "least.", "en"),
    ("Ella Brandt ist auf Instagram aktiv.\n\nWie viel Zeit verbringen Sie im Fitnessstudio?\n\nBrandt: Eine Stunde am "
     "Tag, mindestens.", "de"),
])
def test_round4_a_time_question_naming_its_own_object_takes_no_platform(text, lang):
    assert claims(text, lang) == []


@pytest.mark.parametrize("text, lang", [
    ("Ella Brandt posts on Instagram.\n\nQ: How many posts does your company put out a week?\n\nA: Around 40.", "en"),
    ("Ella Brandt ist auf Instagram.\n\nWie viele Beiträge veröffentlicht Ihr Team pro Woche?\n\nBrandt: Etwa 40.",
     "de"),
])
def test_round4_a_count_answer_about_a_teams_posting_is_not_hers(text, lang):
    assert [c for c in claims(text, lang) if c[0].startswith("posts") and c[6]] == []


@pytest.mark.parametrize("text, lang, want", [
    ("Ella Brandt posts on Instagram.\n\nQ: Do you still answer emails yourself?\n\nA: Every morning. Forty "
     "minutes, before work.", "en", []),
    ("Ella Brandt ist auf Instagram.\n\nLesen Sie noch Zeitung?\n\nBrandt: Jeden Morgen. Eine halbe Stunde, beim "
     "Frühstück.", "de", []),
    ("Ella Brandt ist auf Instagram.\n\nUnd wie lange sind Sie online?\n\nBrandt: Eine halbe Stunde am Tag.", "de",
     [("time_per_day", 0.5, "instagram")]),
])
def test_round4_only_a_question_about_time_lends_the_talks_platform(text, lang, want):
    assert [(c[0], c[1], c[4]) for c in claims(text, lang)] == want


@pytest.mark.parametrize("text, lang", [
    ('Ella Brandt posts on Instagram.\nHer husband says she spends two hours a day cooking.\nBrandt herself speaks of '
     '"ninety minutes a day".', "en"),
    ("Ella Brandt ist auf Instagram.\nIhr Mann sagt, sie verbringe täglich zwei Stunden in der Küche.\nBrandt selbst "
     "spricht von „neunzig Minuten am Tag“.", "de"),
])
def test_round4_a_time_answering_one_spent_off_the_platforms_takes_no_platform(text, lang):
    assert [c for c in claims(text, lang) if c[6]] == []
