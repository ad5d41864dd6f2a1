"""Find checkable claims about a person's own online life in an article, in English and German.

Kinds: time_share, time_per_day, time_per_week, posts_per_day, posts_per_week, group_members, message_visibility,
ama_effect, headcount (with growth), platform_history (order of platforms), quit_or_absent (with date). Each figure
is attributed (people.py, attribution.py): figures about groups of people or a company are not claims, and
estimates by others are kept with self_report = false.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date

from postaudit.press import not_own
from postaudit.press import platforms as plat
from postaudit.press.attribution import Attribution, Reader
from postaudit.press.dates import dates_in, period_in
from postaudit.press.people import cast_of
from postaudit.press.platforms import PLATFORMS  # noqa: F401  (the claims file reads platform names through it)
from postaudit.press.quantities import (
    ARTICLE_ONE,
    UNIT,
    Amount,
    Duration,
    amounts,
    durations,
    percentages,
    times,
)
from postaudit.press.units import Unit, to_units

# ---------------------------------------------------------------- direction and qualifiers

_JUST_UNDER = (r"almost|nearly|close to|just under|not quite|a little under|(?:just )?shy of|fast|beinahe|knapp(?: unter)?|"
               r"nahezu|annähernd")
_AT_MOST = (r"up to|at (?:the )?most|no more than|not even|nicht (?:ein)?mal|not more than|less than|under|fewer than|below|only|just|merely|barely|"
            r"within|innerhalb von|innerhalb|"
            r"hardly|scarcely|kaum|a maximum of|"
            r"max\.?|maximal|höchstens|bis zu|weniger als|unter|nur|lediglich|nicht mehr als|gerade (?:mal|einmal)")
_AT_LEAST = (r"more than|over|at least|upwards? of|north of|easily|no fewer than|locker|no less than|in excess of|well over|above|just over|mehr als|über|"
             r"mindestens|wenigstens|gut|weit über|knapp über|more(?! like)")
_ABOUT = (r"about|around|roughly|approximately|approx\.|some|circa|ca\.|an average of|on average|averag\w*|etwa|"
          r"more like|nearer|closer to|"
          r"rund|ungefähr|zirka|durchschnittlich|im schnitt|schätzungsweise|grob")
_QUALIFIER = re.compile(rf"\b(?P<under>{_JUST_UNDER})\b|\b(?P<most>{_AT_MOST})\b|\b(?P<least>{_AT_LEAST})\b|"
                        rf"\b(?P<about>{_ABOUT})\b", re.I)
_NEGATED_MORE = re.compile(r"(?:n[’']t|\bnot|\bnever|\bnicht|\bkein\w*)\s+(?:\w+\s+){0,3}$", re.I)
_CLAUSE_BREAK = re.compile(r"[.!?;:]\s|,\s*(?:but|and|while|whereas|yet|aber|doch|und|jedoch|während|sondern)\b",
                           re.I)
_LIMIT_VERB = re.compile(r"\b(?:limit\w*|restrict\w*|caps?|capped|budget\w*|begrenz\w*|beschränk\w*|"
                         r"limitier\w*)\b", re.I)


@dataclass(frozen=True)
class Direction:
    direction: str
    low: float | None
    high: float | None


def direction_of(text: str, start: int, end: int, value: float, low: float, high: float) -> Direction:
    """about / at_least / at_most from the words before a figure ("knapp" = just under), and its range."""
    if low != high:
        return Direction("about", low, high)
    wide = text[max(0, start - 60):start]
    # a qualifier after the figure, perhaps after its period or platform: "two hours a day, tops", "three hours
    # a day or more"
    after = re.sub(r"^\s*(?:(?:a|an|per|each|every|am|pro|im|on|auf|in der|die)\s+[\w-]+\s*){1,2}", " ",
                   text[end:end + 40].lower())
    inner = re.match(r"(?:a|an|eine[rnm]?)\s+(?P<q>good|solid|gute[nr]?|knappe[nr]?)\b", text[start:end], re.I)
    if inner:   # "a good third", „eine gute halbe Stunde", „eine knappe Stunde"
        if inner.group("q").lower().startswith("knapp"):
            return Direction("at_most", round(value * 0.9, 6), value)
        return Direction("at_least", value, round(value * 1.1, 6))
    if re.match(r"\s*(?:or more|plus\b|\+|oder mehr|und mehr)", after) or re.match(
            r"\s*(?:(?:of it|of that|davon)\s*)?,\s*(?:at least|mindestens|easily|locker)\b", after):
        return Direction("at_least", value, None)   # "a quarter of it, at least"
    if re.match(r"\s*,?\s*(?:or less|or fewer|at (?:the )?most|,?\s*tops\b|,?\s*max(?:imum)?\b|oder weniger|höchstens)", after):
        return Direction("at_most", None, value)
    # a qualifier stands right before the figure ("more than 500", „knapp 20"); "only"/„nur" may stand before
    # the verb ("only stays on screen for two seconds")
    near = re.search(r"(?:\S+\s+){0,3}$", re.split(r"[(\[;:]", wide)[-1]).group(0)
    before = near
    hits = list(_QUALIFIER.finditer(before))
    # … but only within the figure's clause: „war ich kaum aktiv, aber jetzt poste ich fünfmal" is no "at most"
    clause = _CLAUSE_BREAK.split(wide)[-1]
    if not hits and re.search(r"\b(?:only|just|merely|barely|nur|lediglich|kaum)\b", clause, re.I):
        hits = list(_QUALIFIER.finditer(clause))
    kind = hits[-1].lastgroup if hits else None
    if kind == "least" and re.search(r"(?:more than|mehr als)\s*$", before, re.I) and _NEGATED_MORE.search(
            wide[:len(wide) - len(before) + hits[-1].start()]):
        kind = "most"   # "couldn't add more than 500": at most 500
    if kind == "under":
        return Direction("at_most", round(value * 0.9, 6), value)
    if kind == "most":
        return Direction("at_most", None, value)
    if kind == "least":
        if hits[-1].group(0).lower() in ("gut", "just over", "knapp über"):
            return Direction("at_least", value, round(value * 1.1, 6))
        return Direction("at_least", value, None)
    if kind == "about" or not _LIMIT_VERB.search(text):
        return Direction("about", value, value)
    return Direction("at_most", None, value)


# ---------------------------------------------------------------- lexicons

_USAGE = re.compile(
    r"\b(?:spend\w*|spent|uses?|used|using|usage|limit\w*|restrict\w*|caps?|capped|budget\w*|scroll\w*|check\w*|"
    r"online|screen ?time|most[- ]used|look\w* at|stare\w*|staring|browse\w*|verbring\w*|verbracht\w*|nutz\w*|"
    r"Nutzung\w*|Bildschirmzeit\w*|surf\w*|unterwegs|investier\w*|begrenz\w*|beschränk\w*|Handyzeit|"
    r"Nutzungsdauer|daddel\w*|widme\w*|verwende\w*|häng\w*|reads?|reading|liest|lesen|on (?:the )?(?:app|platform|site)|"
    # answering on a platform, going live or streaming on it, getting by with a time there are time on it
    r"answer\w*|beantwort\w*|go(?:es|ing)? live|went live|live (?:auf|on|bei)|(?:live)?stream\w*|get by (?:on|with)|"
    r"make do with|komm\w* (?:\w+ )?mit [^.;]{0,30}\baus|"
    r"(?:phone|iPhone|Handy|Smartphone|Telefon|screen time|Bildschirmzeit)\s+(?:says|shows|tells|reports|counts|"
    r"logged|sagt|zeigt|meldet|zählt)|"
    r"(?:is|are|was|were|am|be|been|being|sei|ist|bin|war|seien|[’']m|[’']s|[’']re)\s+(?:\w+\s+)?(?:on|auf|bei))\b",
    re.I)
# "er sei täglich bis zu 45 Minuten auf Threads": being on a platform is using it
_BEING_ON = re.compile(rf"(?:\b(?:is|are|was|were|am|be|been|sei|ist|bin|war|seien|sind)\b|[’']m\b|[’']s\b|[’']re\b)"
                       rf".*\b(?:on|auf|bei)\s+"
                       rf"(?:{plat.NAME_RX})", re.I)
# "I'm in there six hours a day", „ich bin dort drei Stunden am Tag": present where the platform was named
_BEING_THERE = re.compile(r"(?:\b(?:am|is|are|was|bin|ist|sei|war)|[’']m|[’']s|[’']re)\s+(?:\w+\s+)?(?:in there|on there|there|dort|"
                          r"drin|online)\b", re.I)
# a habit of every morning or evening, or of some days, is a daily figure: "each morning", „jeden Abend",
# „an manchen Tagen fast vier Stunden"; a habit of one weekday is a weekly one: "every Thursday", „donnerstags"
_DAILY = (r"\b(?:each|every) (?:single )?(?:morning|evening|night)\b|\bjeden (?:Morgen|Abend)\b|\bjede Nacht\b|"
          r"\bon (?:some|many|most|bad|good|busy|heavy|quiet|slow|normal|typical|such) days\b|"
          r"\bon an? (?:typical|normal|average|usual|ordinary|regular|busy|bad|good|quiet|slow|heavy) day\b|"
          r"\ban einem (?:typischen|normalen|durchschnittlichen|gewöhnlichen|vollen|ruhigen|stressigen|guten|"
          r"schlechten) Tag\b|"
          r"\ban (?:manchen|vielen|den meisten|schlechten|guten|solchen|stressigen|einigen|normalen|gewöhnlichen|"
          r"typischen|ruhigen|vollen) Tagen\b")
_DAYS_EN = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_DAYS_DE = r"(?:Montag|Dienstag|Mittwoch|Donnerstag|Freitag|Samstag|Sonntag)"
_WEEKDAY = (rf"\b(?:each|every) {_DAYS_EN}(?: (?:morning|afternoon|evening|night))?\b|\bon {_DAYS_EN}s\b|"
            rf"\b(?:on )?{_DAYS_EN} (?:mornings|afternoons|evenings|nights)\b|"
            rf"\bjeden {_DAYS_DE}(?:morgen|vormittag|nachmittag|abend)?\b|\b(?i:{_DAYS_DE})s\b")
_PER_AFTER = re.compile(
    r"^[^.;:()]{0,40}?(?:(?P<d>\ba day\b|\bper day\b|\b(?:each|every)(?: single| and every)? day\b|\ba night\b|"
    rf"{_DAILY}|"
    r"\bdaily\b|/day\b|\bam Tag\b|\bpro Tag\b|\bje Tag\b|\bjeden (?:einzelnen |lieben )?Tag\b|\btäglich\b|\bam Tage\b)"
    r"|(?P<w>\ba week\b|\bper week\b|\beach week\b|\bevery week\b|\bweekly\b|/week\b|"
    rf"{_WEEKDAY}|"
    r"\bover (?:the course of )?(?:seven|7) days\b|\bin a week\b|\bpro Woche\b|\bdie Woche\b|\bin der Woche\b|"
    r"\bjede Woche\b|\bwöchentlich\b|\bje Woche\b|\bin sieben Tagen\b)"
    r"|(?P<h>\ban hour\b|\bper hour\b|\beach hour\b|\bevery hour\b|\bpro Stunde\b|\bstündlich\b|\bjede Stunde\b)"
    r"|(?P<m>\ba month\b|\bper month\b|\beach month\b|\bevery month\b|\bmonthly\b|\bim Monat\b|\bpro Monat\b|"
    r"\bjeden Monat\b|\bmonatlich\b))",
    re.I)
# a clause of posting, then a bare count with its period as its sum: "Every session goes up, so that's about twelve
# a week" — what is posted, and going up or online as being posted
_POSTED_CLAUSE = re.compile(r"(?:\b(?:goes|go|went|gets|get) (?:up|online|posted)\b|\b(?:post|poste|teile|upload)\w*\b)"
                            r"[^.;?!]{0,50}?,\s*(?:so|also|das sind|that['’]s|that is|which is|which makes|macht)\b"
                            r"[^.;?!]{0,20}$", re.I)
# what a short answer may open with before its count: "Honestly? Four or five.", „Ehrlich gesagt drei"
_ANSWER_OPENS = re.compile(r"\s*[\"“„»«]?\s*(?:(?:oh|well|honestly|maybe|perhaps|probably|about|around|roughly|usually|"
                           r"normally|ehrlich gesagt|vielleicht|etwa|ungefähr|rund|meistens|normalerweise|so)[\s,]+)*",
                           re.I)
# a question about what a company, team or office posts ("How many posts does your company put out?")
_OTHERS_POSTING = re.compile(r"\b(?:your|his|her|the|Ihr\w*|dein\w*|sein\w*|die|das|der)\s+(?:[\w-]+\s+)?"
                             r"(?:company|team|firm|office|staff|brand|agency|party|ministry|department|newsroom|"
                             r"Firma|Team|Unternehmen|Büro|Agentur|Partei|Ministerium|Abteilung|Redaktion|"
                             r"Mitarbeiter\w*)\b", re.I)
_GETTING = re.compile(r"\b(?:get|gets|getting|receive\w*|bekomm\w*|erhalt\w*|erhält|krieg\w*|read|lesen|liest)\b",
                      re.I)
# a sentence opening with its period: „Pro Tag, wohlgemerkt", "A day, mind you"
_PERIOD_OPENS = re.compile(r"\s*(?:(?P<d>(?:a|per|each|every) day|daily|pro Tag|am Tag|täglich|jeden Tag)|"
                           r"(?P<w>(?:a|per|each|every) week|weekly|pro Woche|in der Woche|wöchentlich|jede Woche))\b",
                           re.I)
_TURN_LABEL = re.compile(r"^(?:[\[(]?\d{1,2}:\d{2}(?::\d{2})?[\])]?\s*)?(?:[A-ZÄÖÜ][\w.'’-]*\s*){1,3}:\s*")
# a trailing clause that qualifies a time by a kind of day ("…, less on sitting days", „an Sitzungstagen weniger"):
# its off-platform word is no activity of the figure
_QUALIFIER_AFTER = re.compile(r"[^.;]*?,\s*(?:(?:on|at|in|an|bei|in)\s+)?(?:\w+\s+){0,2}$", re.I)
_LESS_MORE = re.compile(r"\w*\s+(?:weniger|mehr|less|more|fewer|kürzer|länger|shorter|longer)\b", re.I)


def _qualifies(text: str, end: int, m: re.Match) -> bool:
    """Whether an off-platform word after a time only qualifies it by a kind of day ("…, less on sitting days")."""
    return bool(_QUALIFIER_AFTER.match(text, end, m.start()) and (
        _LESS_MORE.match(text, m.start()) or re.search(r"\b(?:less|more|fewer)\s+(?:on|at|in)\s+$",
                                                       text[end:m.start()], re.I)))


_ALSO = re.compile(r"\b(?:also|besides|außerdem|zudem|daneben|ebenfalls|auch noch)\b", re.I)
# … unless the sentence goes on with the same amount ("At weekends it's also four hours a day")
_SAME_AMOUNT = re.compile(r"\b(?:it|that|es|das)(?:['’]s| is| was| sind| ist| waren| war)\b", re.I)
_ASKED_OBJECT = re.compile(r"\b(?:with|in|at|for|on|to|mit|im|in|bei|beim|auf|für|zum|zur|am)\s+(?:\w+\s+)?(?P<w>\w+)",
                           re.I)


_TIME_WORD = re.compile(r"\b(?:time|how long|hours|minutes|Zeit|wie lange|Stunden|Minuten)\b", re.I)


def _asks_time_of_nothing(question: str) -> bool:
    """Whether a question asks about time spent without naming on what ("And time spent?", „Und wie lange sind Sie
    online?"): the talk's platform is meant, not the gym or the children a question may name."""
    last = re.split(r"(?<=[.!?])\s+", question.strip())[-1]
    m = _USAGE.search(last)
    if not m or not _TIME_WORD.search(last) or plat.OFF_SCOPE.search(last):
        return False   # "Do you still answer emails yourself?" asks about something else
    obj = _ASKED_OBJECT.search(last, m.end())
    return obj is None or bool(re.fullmatch(r"online|there|dort|it|that|average|all|total", obj.group("w"), re.I))


# a wish or plan, not a habit: "from the summer, an hour a day — that's the plan", "Wollen Sie weniger online sein?"
_PLAN = re.compile(r"\b(?:plan\w*|goal|target|aim\w*|intend\w*|want\w*|would like|I['’]d like|hop(?:e|es|ing)|"
                   r"going to|from next|next (?:year|month|week)|Plan|Ziel\w*|Vorsatz|vorgenommen|will|wollen|wollte\w*|"
                   r"möchte\w*|hoffe\w*|soll\w*|ab (?:dem|der|nächste\w*|kommende\w*)|künftig|in Zukunft|"
                   r"im kommenden)\b", re.I)
# the same periods anywhere in a sentence (a question's "on a normal day")
_PERIOD_ANY = re.compile(_PER_AFTER.pattern.replace("^[^.;:()]{0,40}?", "", 1), re.I)
DAYS_PER_MONTH = 30.44   # a posting rate stated per month is converted to one per week (detail.stated_per)
_PER_BEFORE = re.compile(r"(?:(?P<d>\bdaily|\bevery day|\beach day|\btäglich|\bjeden Tag|\bpro Tag|\btagtäglich|"
                         rf"\bam Tag|{_DAILY})|(?P<w>{_WEEKDAY}|\bweekly|\bevery week|\bwöchentlich|\bjede Woche|\bpro Woche|"
                         r"\bin der Woche|\b(?:over|in|during) (?:the )?(?:past |last )?(?:seven|7) days|"
                         r"\b(?:in )?(?:the )?(?:past|last) week|\bin den (?:letzten|vergangenen) (?:sieben|7) Tagen|"
                         r"\b(?:in der )?(?:letzten|vergangenen) Woche|\bletzte Woche|\bvergangene Woche))\b[^.;:]{0,40}$",
                         re.I)
# "of that", „davon" before a figure: a part of the total the sentence before gave
_PART_OF = re.compile(r"\b(?:of that|of this|of which|of it|of those|davon|hiervon|wovon)\b", re.I)
_DAY_REF = re.compile(r"\b(?:yesterday|today|gestern|heute)\b", re.I)
_LIST_ITEM = re.compile(r"(?P<name>[A-Z][\w.+-]*(?:\s[A-Z][\w.+-]*)?)\s*\(\s*(?:about|around|roughly|etwa|rund)?\s*$")
_POST_NOUN = (r"(?:tweets?|retweets?|posts?|updates|messages|videos|stories|photos|pictures|reels|Tweets?|Posts?|"
              r"TikToks|Shorts|Reels|[Ss]naps|(?:live)?streams|(?:Live)?[Ss]treams|clips|Clips|"
              r"Beiträge\w*|Nachrichten|Kurznachrichten|Videos|Fotos|Bilder|Storys)")
_ONE_POST = re.compile(rf"\s+(?:single\s+)?{_POST_NOUN}\b")
# a closing quote may stand between: 'posts "at least 40" Instagram stories a day'
_POST_AFTER = re.compile(rf"[\"”“»«]?\s+(?:[\w-]+\s+)?{_POST_NOUN}\b")
# a post named by its platform's own word
_NOUN_PLATFORM = {"reels": "instagram", "shorts": "youtube", "snaps": "snapchat", "tweets": "x", "retweets": "x"}
# "posts a prayer each morning": one thing posted at every turn of a daily or weekly habit, without a count word
_ONE_EACH = re.compile(r"\s+(?:[\w-]+\s+){1,4}?(?=(?:each|every|jeden|jede)\s+(?:single\s+)?(?:morning|evening|night|day|"
                       r"week|Morgen|Abend|Tag|Woche)\b)", re.I)
# posting proper for such a habit (not "sends a newsletter every week")
_HABIT_POST = re.compile(r"\b(?:posts?|posted|posting|tweets?|tweeted|uploads?|uploaded|publish\w*|shares?|shared|"
                         r"poste\w*|twitter\w*|veröffentlich\w*|teilt|teilte|lädt|lud)\b", re.I)
# "schreibe die meisten Beiträge, …, etwa fünf pro Tag": a bare count with its period, the posts named before it
_BARE_PER = re.compile(r"\s*(?:a|an|per|each|every|pro|am|je|in der|die)\s+(?:day|week|Tag|Woche)\b", re.I)
# going live is a post of its own (a stream): "goes live three times a week", „geht zwei- bis dreimal die Woche live"
_POST_VERB = re.compile(r"\b(?:tweet\w*|post\w*|publish\w*|upload\w*|hochlad\w*|lade\w*\s[^.;?!]{0,40}?\bhoch\b|"
                        r"send\w*|putting out|puts? out|fires? off|"
                        r"go(?:es)? live|went live|going live|(?:geh\w*|ging\w*)\s[^.;?!]{0,60}?\blive|"
                        r"live (?:geh\w*|ging\w*)|"
                        r"twitter\w*|zwitscher\w*|poste\w*|veröffentlich\w*|schick\w*|setzt\w* ab|abgesetzt|"
                        r"verschick\w*)\b", re.I)
# "I get 500 messages", „bekomme ich mehr als 300 Nachrichten", „erreichten ihn Hunderte": received, not posted
_RECEIVE = re.compile(r"\b(?:get|gets|got|getting|receive\w*|bekomm\w*|bekam\w*|erhalt\w*|erhält|krieg\w*|read|reads|"
                      r"lese|liest|lesen|erreich\w*)\s+(?:\w+\s+){0,7}$", re.I)
# … or said after the noun: "300 messages arrive", „gingen bei ihm mehrere Tausend Direktnachrichten ein"
_RECEIVED_AFTER = re.compile(r"\s+(?:[\w-]+\s+)?(?:arriv\w*|come in|came in|pour in|flood in|land in|erreich\w*)",
                             re.I)
_GOING_IN = re.compile(r"\b(?:geh\w*|ging\w*)\b[^.;]*$", re.I)   # „… gingen bei ihm … Nachrichten ein" (eingehen)
_TIMES = re.compile(r"\s*(?:(?:of\s+)?times|x\b|Male?\b|mal\b)", re.I)
_MEMBER = re.compile(r"\s+(?:[\w-]+\s+)?(?P<noun>members|subscribers|participants|Mitglieder\w*|Teilnehmer\w*|"
                     r"Abonnent\w*)\b", re.I)
_FOLLOWER = re.compile(r"\s+(?:[\w-]+\s+)?(?:followers|Follower\w*|fans|Fans)\b"
                       r"|\s+(?:people|Menschen|Leute|users|Nutzer\w*|accounts|Personen)\s+(?:\w+\s+){0,2}"
                       r"(?:follow\w*|folg\w*)\b",
                       re.I)
_GROUP = re.compile(r"\b(?:groups?|chats?|channels?|community|server|workspace|\w*[Gg]ruppe\w*|\w*[Cc]hat\w*|"
                    r"\w*[Kk]anal\w*|\w*[Cc]ommunity|\w*[Gg]emeinde|Telegram\w*|Slack|WeChat|Discord|WhatsApp)\b", re.I)
_STAFF = re.compile(r"\s+(?:[\w-]+\s+)?(?P<noun>employees|staff(?:ers)?|workers|people|persons|team members|"
                    r"Mitarbeiter\w*|Beschäftigte\w*|Angestellte\w*|Leute|Personen|Menschen)\b", re.I)
_EMPLOY = re.compile(r"\b(?:employ\w*|staff|hire\w*|headcount|workforce|beschäftig\w*|Belegschaft|Mitarbeiter\w*|"
                     r"Angestellte\w*|eingestellt)\b", re.I)
_GROWTH = re.compile(r"(?:up from|grown from|grew from|from|von|waren es (?:noch )?|zuvor|vorher)\s+(?:only\s+|nur\s+)?"
                     r"(?:(?:a few|several|einige|ein paar|mehrere)\s+(?:hundred|hundert)|\d[\d.,]*|[a-zäöüß]+)", re.I)
_VISIBLE = re.compile(r"\b(?:o(?:n|ff) (?:the )?screen|out of (?:view|sight)|visible|sichtbar\w*|Bildschirm\w*|scroll\w*|"
                      r"aus dem (?:\w+ )?(?:Bild|Blick|Bereich)|verschwunden|weg\b|gone\b|"
                      r"disappear\w*|stays?|stayed|remains?|bleib\w*|lesbar|readable)\b", re.I)
_CHAT = re.compile(r"\b(?:\w*chat\w*|groups?|\w*[Gg]ruppe\w*|channel|\w*[Kk]anal|messages?|\w*[Nn]achricht\w*|"
                   r"(?:whatever|when|if|each time|every time) I (?:say|write|type|post)\w*|"
                   r"(?:was|wenn|sobald) ich (?:\w+ ){0,3}(?:sage|schreibe|poste|tippe)|Telegram\w*|Slack|Discord|"
                   r"WhatsApp)\b", re.I)
_AMA = re.compile(r"\bAMAs?\b|\bask[- ]me[- ]anything\b|\bquestion[- ]and[- ]answer(?: session)?|\bQ\s?&\s?A\b|"
                  r"\bFragestunde\w*|\bFrage-(?:und-)?Antwort-\w+|\bFragerunde\w*", re.I)
_HABIT = re.compile(r"\b(?:always|whenever|every time|each time|as soon as|immediately|turns? into|becomes?|"
                    r"anticipate\w*|expect\w*|immer|sobald|jedes Mal|wann immer|wird zu|verwandel\w*|erwarte\w*)\b",
                    re.I)

_SLOT = "(?P<{}>" + plat.NAME_RX.replace("{", "{{").replace("}", "}}") + ")"
_PLAT_SLOT = _SLOT.format("plat")
_PLAT_SLOT2 = _SLOT.format("plat2")
_HISTORY = [
    ("start", re.compile(rf"\b(?:first|initially|originally|zuerst|zunächst|anfangs)\s+(?:\w+\s+){{0,2}}?"
                         rf"(?:used|use|joined|was on|started (?:on|with)|began (?:on|with)|nutzte|war (?:auf|bei)|"
                         rf"startete (?:auf|bei|mit))\s+{_PLAT_SLOT}", re.I)),
    ("start", re.compile(rf"\b(?:used|nutzte|war|startete|began|started)\s+(?:zuerst|zunächst|anfangs|first|initially)"
                         rf"\s+(?:(?:auf|bei|on|with)\s+)?{_PLAT_SLOT}", re.I)),
    ("move", re.compile(rf"\b(?:mov(?:e|ed|es|ing)(?:\s+on)?|switch(?:ed|es|ing)?|migrat\w+|went|goes|go|shift\w*|"
                        rf"jump\w*|head(?:ed|s)?|wechsel\w*|gewechselt|zog\w*(?:\s+\w+)?\s+um|umgezogen|ging\w*)"
                        rf"\s+(?:\w+\s+){{0,3}}?(?:to|zu|nach|auf)\s+{_PLAT_SLOT}", re.I)),
    # German perfect tense puts the verb last: „zuerst habe er WeChat genutzt", „sei zu Slack gewechselt"
    ("start", re.compile(rf"\b(?:zuerst|zunächst|anfangs|ursprünglich)\s+(?:\w+\s+){{0,3}}?{_PLAT_SLOT}\s+"
                         rf"(?:\w+\s+)?(?:genutzt|verwendet|benutzt|gewesen)", re.I)),
    ("move", re.compile(rf"\b(?:zu|nach|auf)\s+{_PLAT_SLOT}\s+(?:\w+\s+){{0,2}}?(?:gewechselt|umgezogen|gezogen|"
                        rf"abgewandert|übergesiedelt|weitergezogen|mitgenommen|gebracht|geholt|verlegt|verlagert)",
                        re.I)),
    ("move", re.compile(rf"\b(?:then|later|finally|dann|später|schließlich)\s+(?:on\s+)?(?:to|zu|nach)\s+{_PLAT_SLOT}",
                        re.I)),
    ("join", re.compile(rf"\b(?:joined|signed up (?:for|on|to|with)|wrote (?:my|his|her) (?:very )?first "
                        rf"(?:post|tweet) on|(?:my|his|her) first (?:post|tweet) on|angemeldet (?:bei|auf)|"
                        rf"seit\s+(?:dem\s+)?[\w. ]{{0,20}}?(?:19|20)\d\d\s+(?:\w+\s+){{0,5}}?(?:auf|bei|in))"
                        rf"\s+{_PLAT_SLOT}", re.I)),
    # "I started my Instagram account in 2014", "started his Telegram channel in 2020": a start date
    ("join", re.compile(rf"\b(?:opened|created|started|set up|launched|eröffne\w*|angelegt|erstellt\w*|gestartet|"
                        rf"startete)\s+(?:an?|his|her|my|seinen|ihren|meinen|einen|sein|ihr|mein)\s+{_PLAT_SLOT}[- ]?"
                        rf"(?:account|Account|Konto|Profil|channel|Kanal|page|profile)", re.I)),
    ("join", re.compile(rf"\b(?:seinen|ihren|meinen|einen|his|her|my|an?)\s+{_PLAT_SLOT}[- ]?(?:account|Account|Konto|"
                        rf"Profil)\s+(?:\w+\s+){{0,2}}?(?:opened|created|eröffne\w*|angelegt|erstellt)", re.I)),
]
_TO_PLATFORM = re.compile(rf"\b(?:to|zu|nach)\s+{_PLAT_SLOT}", re.I)
# "joined Twitter as an engineer", "left Twitter's board": the company, not an account on it
_AS_COMPANY = re.compile(r"\s*(?:as\b|['’]s\s+(?:board|staff|payroll)|board\b|the company\b|als\b|\s*-?Vorstand)",
                         re.I)
_FROM = re.compile(rf"\b(?:from|von)\s+{_PLAT_SLOT}", re.I)
_LEFT = re.compile(rf"\b(?:left|leaves|leaving|verließ|verlässt)\s+{_PLAT_SLOT}", re.I)
_QUIT = [
    re.compile(rf"\b(?:deleted|deletes|delete|deleting|uninstalled|deactivated|removed)\s+(?:\w+\s+){{0,3}}?"
               rf"(?:{_PLAT_SLOT}|(?:the|his|her|my) (?:app|account|profile))", re.I),
    re.compile(rf"\b(?:quit|quits|quitting|abandoned|gave up|give up|gives up)\s+{_PLAT_SLOT}", re.I),
    re.compile(rf"\b(?:tak(?:e|es|ing)|took)\s+a\s+(?:\w+\s+)?break\s+from\s+{_PLAT_SLOT}", re.I),
    re.compile(r"\b(?:stopped|stops|stop|quit)\s+(?:using\s+\w+|tweeting|posting)", re.I),
    re.compile(rf"\b(?:no longer|not anymore|never)\s+(?:been\s+|be\s+|active\s+)?on\s+{_PLAT_SLOT}", re.I),
    # never had an account: absent all along ("has never had an Instagram account", „nie ein TikTok-Konto")
    re.compile(rf"\bnever\s+(?:had|used|opened|joined|signed up (?:for|to|on)|created)\s+(?:an?\s+|any\s+)?{_PLAT_SLOT}",
               re.I),
    re.compile(rf"\bnie\s+(?:\w+\s+){{0,2}}?(?:ein(?:en)?\s+)?{_PLAT_SLOT}[- ]?(?:Konto|Account|Profil)", re.I),
    re.compile(rf"\b(?:said|says|bade|bid) (?:goodbye|farewell) to\s+{_PLAT_SLOT}", re.I),
    re.compile(r"\b(?:gelöscht|löschte|löscht|lösche|deinstalliert|deaktiviert|stillgelegt|abgemeldet)\b", re.I),
    re.compile(rf"\bverabschiede\w*\s+(?:\w+\s+){{0,6}}?von\s+{_PLAT_SLOT}|\bvon\s+{_PLAT_SLOT2}\s+verabschiede\w*",
               re.I),
    re.compile(rf"\bnicht mehr\s+(?:auf|bei|in)\s+{_PLAT_SLOT}", re.I),
    re.compile(rf"\bSchluss\s+mit\s+{_PLAT_SLOT}", re.I),
    re.compile(rf"\bkehr\w*\s+{_PLAT_SLOT}\s+den Rücken|\b{_PLAT_SLOT2}\s+den Rücken\s+(?:gekehrt|kehr\w*)", re.I),
    re.compile(rf"\bverzicht\w*\s+(?:\w+\s+){{0,2}}?auf\s+{_PLAT_SLOT}", re.I),
    re.compile(rf"\b{_PLAT_SLOT}\s+(?:\w+\s+){{0,4}}?für\s+(?:ihn|sie|mich)\s+(?:\w+\s+)?[„\"“]?gestorben", re.I),
    re.compile(rf"\bPause\s+(?:von|vom)\s+{_PLAT_SLOT}|aufgehört\s+zu\s+(?:twittern|posten)", re.I),
]
_NEGATION = re.compile(r"\b(?:not|never|nicht|nie|kein\w*|will not)\b|n[’']t\b", re.I)


# ---------------------------------------------------------------- the claim record

@dataclass
class Found:
    """One claim found in one unit of one copy."""

    metric: str
    value: float | None
    value_low: float | None
    value_high: float | None
    unit: str | None
    direction: str | None
    platform: str | None
    attribution: Attribution
    unit_index: int
    sentence: str
    detail: dict = field(default_factory=dict)
    period_start: date | None = None
    period_end: date | None = None


# plausible ranges: a figure outside is a misreading (a company total, a typo), not a person's habit
_PLAUSIBLE = {"time_share": (0, 100), "time_per_day": (0, 24 * 60), "time_per_week": (0, 168 * 60),
              "posts_per_day": (0, 1000), "posts_per_week": (0, 7000), "message_visibility": (0, 3600),
              "group_members": (2, 5e9), "headcount": (2, 5e6)}


_BEFORE_QUIT = re.compile(r"\b(?:zuvor|vorher|früher|bis dahin|damals|before|previously|used to|had|hatte|hatten|"
                          r"back then|at the time|until then)\b", re.I)


class _Article:
    def __init__(self, text: str, title: str | None, lang: str, published: date | None, author: str | None):
        self.lang = lang
        self.published = published
        self.units: list[Unit] = to_units(text, title, lang)
        self.cast = cast_of([u.text for u in self.units if not u.headline], title, author)
        self.reader = Reader(self.units, self.cast, lang)
        self.found: list[Found] = []
        self._moved: dict[int, str | None] = {}
        self._quits: list[tuple[int, str]] | None = None

    # ------------------------------------------------------------ context

    def moved_to(self, j: int) -> str | None:
        """The platform a sentence says the person moved to („wechselte zu Telegram, weil WhatsApp-Gruppen zu klein
        wurden"): where the story goes on, whatever else the sentence names after it."""
        if j not in self._moved:
            text = self.units[j].text
            got = None
            for kind, rx in _HISTORY:
                m = rx.search(text) if kind == "move" else None
                p = plat.canonical(m.group("plat")) if m else None
                if p in plat.PLATFORMS.values() and p != "all":
                    got = p
                    break
            self._moved[j] = got
        return self._moved[j]

    def quit_before(self, i: int) -> set[str]:
        """Platforms named in a sentence before unit i that says the person quit them („Da bin ich nicht mehr",
        "deleted Facebook"): a later figure in the present is not about them."""
        if self._quits is None:
            self._quits = []
            for u in self.units:
                if not u.headline and any(rx.search(u.text) for rx in _QUIT):
                    # the platform of the quit: named in the sentence, else in the question or sentence before
                    texts = [x.text for x in self.units[max(0, u.index - 2):u.index + 1] if not x.headline]
                    got = plat.last_named(texts, specific=True)
                    if got:
                        self._quits.append((u.index, got))
        return {p for j, p in self._quits if j < i}

    def writes_as_self(self, person: object) -> bool:
        """Whether the person is the author of an article written in the first person (a column): what it tells
        in narrative is the author's own account."""
        if person is None or getattr(person, "name", None) not in self.cast.authors:
            return False
        return any(r.kind == "first" and not any(s <= r.start < e for s, e in self.reader.quotes(u.index))
                   for u in self.units if not u.headline for r in self.reader.refs(u.index))

    def figure_before(self, i: int, kind: str) -> tuple | None:
        """The claim of this kind (metric prefix) in one of the two sentences before, for a figure that leaves
        its kind unsaid ("It's nearer 20", "Five percent, tops", "She puts it at about six hours")."""
        for j in (i - 1, i - 2, i - 3):
            got = self.reader.last_claim.get(j) if j >= 0 else None
            if got and got[0].startswith(kind):
                return got
            # a figure nobody's claim (a firm's count): its kind still carries over
            m = _POSTS_FIGURE.search(self.units[j].text) if j >= 0 and kind == "posts_per_" else None
            if m:
                return (f"posts_per_{'day' if m.group('d') else 'week'}", None, None, None)
        return None

    def neighbour_period(self, i: int) -> str | None:
        """The period a bare unit next to a figure gives it: the sentence before ("Every morning.") or a next one
        opening with it („Pro Tag, wohlgemerkt, …"), within the same paragraph."""
        u = self.units[i]
        if i and self.units[i - 1].paragraph == u.paragraph:
            prev = _TURN_LABEL.sub("", self.units[i - 1].text)
            m = _PER_AFTER.search(prev)
            if len(prev) < 40 and m and not amounts(prev, self.lang):
                return "day" if m.group("d") else "week" if m.group("w") else None
        if i + 1 < len(self.units) and self.units[i + 1].paragraph == u.paragraph:
            m = _PERIOD_OPENS.match(self.units[i + 1].text)
            if m:
                return "day" if m.group("d") else "week"
        return None

    def named_before(self, i: int) -> str | None:
        """The platform last named anywhere before unit i (the title last): what an interview or profile is about."""
        got = plat.last_named([u.text for u in self.units[:i] if not u.headline], specific=True)
        if got is None and self.units and self.units[0].headline:
            got = plat.last_named([self.units[0].text], specific=True)
        return got

    def time_use_before(self, i: int) -> bool:
        """Whether one of the two sentences before tells a time spent on something: a figure after it with no
        activity of its own answers or corrects it."""
        # … spent on a platform, a group or a place named before ("in der Gruppe", "there"), not on cooking
        return any(durations(self.units[j].text, self.lang) and _USAGE.search(self.units[j].text) and (
            plat.mentions(self.units[j].text) or _GROUP.search(self.units[j].text)
            or plat.ANAPHORA.search(self.units[j].text)) and not plat.OFF_SCOPE.search(self.units[j].text)
                   for j in range(max(0, i - 2), i) if not self.units[j].headline)

    def context_platform(self, i: int, specific: bool = False) -> str | None:
        got = None
        # … unless the figure looks back to before the quit („Zuvor hatte er dort 40 Beiträge pro Woche abgesetzt")
        gone = set() if _BEFORE_QUIT.search(self.units[i].text) else self.quit_before(i)
        for u in reversed(self.units[max(0, i - 4):i]):
            if u.headline:
                continue
            got = self.moved_to(u.index) or plat.last_named([u.text], specific)
            if got in gone:
                got = None
            if got is not None:
                break
        if got is None and self.units and self.units[0].headline:
            got = plat.last_named([self.units[0].text], specific)
        return got

    def anaphor_platform(self, i: int, pos: int) -> str | None:
        text = self.units[i].text
        hits = list(plat.ANAPHORA.finditer(text))
        if not hits:
            return None
        near = min(hits, key=lambda m: abs(m.start() - pos))
        return self.context_platform(i, specific=bool(near.group("specific")))

    def platform_near(self, i: int, pos: int, context: bool) -> str | None:
        text = self.units[i].text
        got = plat.nearest(text, pos)
        if got is not None:
            return got
        got = self.anaphor_platform(i, pos)
        if got is None and context:
            got = self.context_platform(i)
        return got

    # ------------------------------------------------------------ recording

    def add(self, i: int, metric: str, span: tuple[int, int], value: float | None, low: float | None,
            high: float | None, unit: str | None, platform: str | None, attribution: Attribution | None,
            detail: dict | None = None, period: tuple[date | None, date | None] = (None, None),
            direction: Direction | None = None) -> None:
        if attribution is None:
            return
        if value is not None:
            lo, hi = _PLAUSIBLE.get(metric, (None, None))
            if lo is not None and not (lo < value <= hi):
                return
        text = self.units[i].text
        if metric == "headcount" and not_own.own_team(text, *span):
            return   # the size of one's own team or company is no claim about online life
        if metric in not_own.MEASURED and not_own.planned(text, *span):
            return   # a plan or resolution is no habit
        if metric in not_own.MEASURED and not_own.surveyed(text):
            return   # what a survey's respondents gave is a group's figure
        if attribution.self_report and metric in not_own.MEASURED and not_own.someone_elses(text, *span):
            attribution = Attribution(attribution.speaker, False, "third_party", attribution.person)
        if direction is None and value is not None:
            direction = direction_of(text, span[0], span[1], value, low, high)
        f = Found(metric, value, direction.low if direction else None, direction.high if direction else None, unit,
                  direction.direction if direction else None, platform, attribution, i, text, dict(detail or {}),
                  period[0], period[1])
        f.detail["attribution"] = attribution.mode
        self.found.append(f)
        self.reader.last_claim.setdefault(i, (metric, attribution, platform, detail))

    def attribute(self, i: int, span: tuple[int, int], metric: str, **kw) -> Attribution | None:
        return self.reader.attribute(i, span, metric, **kw)


# ---------------------------------------------------------------- detectors

_SHARE_OBJECT = re.compile(r"\s+(?:\w+\s+){0,3}?(?:on|to|for|with|at|in|auf|für|mit|bei|in)\s+"
                           r"(?:(?:the|his|her|my|their|its|der|die|das|dem|den|seine\w*|ihre\w*|meine\w*)\s+)?"
                           r"(?P<obj>[\w-]+)", re.I)


_ONLINE = re.compile(r"\b(?:online|im Netz|im Internet|on the internet|on the web)\b", re.I)
# "For the editing, a quarter of her time": what the time goes to, named before the share
_PURPOSE_BEFORE = re.compile(r"\b(?:for|on|to|into|für|auf)\s+(?:(?:the|his|her|my|their|den|die|das|dem|seine\w*|"
                             r"ihre\w*|meine\w*)\s+)?(?P<obj>[\w-]+)", re.I)
_NOT_OBJECT = {"average", "me", "him", "her", "it", "this", "that", "top", "end", "example", "instance", "mich", "ihn",
               "sie", "uns", "es", "jeden", "alle", "most", "a", "an", "one", "ein", "eine"}


_SHARE_ASKED = re.compile(r"\bhow much of (?:your|his|her|the) (?:time|day|week|working (?:day|week|time))\b|"
                          r"\bwie viel (?:Prozent )?(?:Ihrer|deiner|seiner|ihrer) (?:\w+)?(?:[Zz]eit|Woche|Tages)\b", re.I)


def _time_share(a: _Article, i: int) -> None:
    text = a.units[i].text
    question = a.reader.question_before(i)
    for p in percentages(text, a.lang):
        # a quoted figure goes on after its closing quote: „ungefähr zehn Prozent“ ihrer Arbeitszeit
        close = re.match(r"[“”\"»«]", text[p.end:p.end + 1])
        rest = text[p.end + (1 if close else 0):]
        if question and _SHARE_ASKED.search(question) and re.match(r"\s+(?:of (?:it|that)|davon)\b", rest):
            # "How much of your week is LinkedIn?" — "A good third of it."
            att = a.attribute(i, (p.start, p.end), "time_share")
            platform = plat.nearest(text, p.start) or plat.last_named([question])
            if att is not None and platform is not None:   # "How much of your week is travel?": no online life
                a.add(i, "time_share", (p.start, p.end), p.value, p.low, p.high, "percent", platform, att)
            continue
        if _elliptical(text, p.start, p.end) and not re.match(r"\s+of\b", rest) and a.figure_before(i, "time_share"):
            # '"Five percent, tops," he said of LinkedIn' after another's share of the working day
            att = a.attribute(i, (p.start, p.end), "time_share")
            if att is not None:
                platform = plat.nearest(text, p.start) or a.figure_before(i, "time_share")[2]
                a.add(i, "time_share", (p.start, p.end), p.value, p.low, p.high, "percent", platform, att)
            continue
        m = re.match(r"\s+(?:of\s+)?(?:(?:my|his|her|its|their|our|the|one's|your)\s+)?(?:(?:working|waking|work|"
                     r"free|spare|whole|entire|online|daily)\s+)?(?:time|day|days|week|hours|working hours)\b"
                     r"|\s+(?:meiner|seiner|ihrer|unserer|der|deiner)\s+(?:\w+\s+)?\w*[Zz]eit\b"
                     r"|\s+(?:meines|seines|ihres|des)\s+(?:\w+\s+)?(?:Tages|Arbeitstages)\b", rest, re.I)
        if not m or (re.match(r"\s+(?!(?i:of)\b)", rest) and not re.match(r"\s+(?:my|his|her)\b", rest, re.I)
                     and not re.match(r"\s+(?:meiner|seiner|ihrer|unserer|der|meines|seines|ihres|des|deiner)\b",
                                      rest, re.I)):
            continue
        span = (p.start, p.end + m.end())
        objects = [o.group("obj") for o in (_SHARE_OBJECT.match(rest, m.end()),) if o]
        objects += [o.group("obj") for o in _PURPOSE_BEFORE.finditer(text[:p.start])
                    if o.group("obj").lower() not in _NOT_OBJECT]
        if objects and not plat.mentions(text) and not plat.ANAPHORA.search(text) and any(
                plat.canonical(o) not in plat.PLATFORMS.values() for o in objects):
            continue   # "80% of his time on SpaceX", „für den Schnitt ein Viertel ihrer Zeit": not online life
        att = a.attribute(i, span, "time_share")
        if att is None:
            continue
        platform = a.platform_near(i, p.start, context=True)
        if not plat.mentions(text) and _ONLINE.search(text):
            platform = None   # „ein Drittel seiner Arbeitszeit online": online in general, no one platform
        a.add(i, "time_share", (p.start, p.end), p.value, p.low, p.high, "percent", platform, att)


def _period_of(text: str, start: int, end: int) -> tuple[str | None, bool]:
    m = _PER_AFTER.search(text[end:])
    if m:
        return ("day" if m.group("d") else "week" if m.group("w") else "hour" if m.group("h") else "month"), False
    m = _PER_BEFORE.search(text[:start])
    if m:
        return ("day" if m.group("d") else "week"), False
    window = text[max(0, start - 60):end + 60]
    if _DAY_REF.search(window):
        return "day", True
    return None, False


# work done off the platform as the subject of a time: "Editing takes 50 hours a week", „Der Dreh dauert …"
_WORK = (r"(?:editing|filming|shooting|recording|rehearsals?|rehearsing|training|the edit|post-production|"
         r"Schnitt|Schneiden|Dreh|Dreharbeiten|Aufnahmen|Training|Proben?|Bearbeitung|Nachbearbeitung)")
_OFFLINE_WORK = re.compile(rf"\b{_WORK}\b[^.;?!]{{0,40}}?\b(?:takes?|took|costs?|eats?(?: up)?|swallows?|"
                           rf"dauert\w*|kostet\w*|frisst|verschlingt|nimmt)\b"
                           rf"(?:(?!,\s*(?:and|but|while|und|aber|während)\b)[^.;?!])*$", re.I)
_OFFLINE_AFTER = re.compile(rf"[^.;?!]{{0,16}}?\b(?:of|for|on|mit|für)\s+(?:the\s+|dem\s+|den\s+)?{_WORK}\b", re.I)


# "15 minutes of TikTok a day", „Höchstens 15 Minuten LinkedIn am Tag": the platform right after the time is its use
_PLATFORM_AFTER = re.compile(rf"\s+(?:of\s+)?(?:{plat.NAME_RX})\b", re.I)


# a figure that leaves its kind to the figure before: a correction ("It's nearer 20", "she puts it at about six
# hours", „eher 20") or a quote that is the figure alone ('"Five percent, tops," he said')
_CORRECTION = re.compile(r"\b(?:nearer|closer to|more like|rather|actually|really|puts? it at|put it at|estimates? it at|"
                         r"eher|näher an|eigentlich|in Wahrheit|schätzt (?:es|das|sie) (?:selbst )?auf|"
                         r"beziffert (?:es|das|sie) auf)\s+(?:\w+\s+)?$", re.I)
_BARE_QUOTE_BEFORE = re.compile(r"[\"“„»«]\s*(?:(?:maybe|about|around|roughly|perhaps|probably|only|just|under|over|"
                                r"nearly|almost|at most|at least|oh|well|honestly|vielleicht|etwa|ungefähr|rund|"
                                r"höchstens|mindestens|nur|knapp|gut|ehrlich gesagt)[\s,]+){0,2}$", re.I)
_BARE_QUOTE_AFTER = re.compile(r"(?:,?\s*(?:tops|max|maximum|at most|at the most|at least|easily|höchstens|maximal|"
                               r"mindestens|locker|or so|oder so))?\s*[,.!?]?\s*[\"”“«»]")


_POSTS_FIGURE = re.compile(rf"\d[\d,.]*\s+(?:[\w-]+\s+)?(?:{_POST_NOUN}|times)\s+(?:a|per|each|every)\s+"
                           rf"(?:(?P<d>day)|week)\b", re.I)


def _elliptical(text: str, start: int, end: int) -> bool:
    """Whether a figure leaves its kind unsaid: a correction before it, or a quote holding the figure alone."""
    alone = re.match(r"\s*(?:[,.;:!?\"”“»«)–—-]|$|(?:and|und|or so|oder so|tops|max|at most|at least|a day|a week|"
                     r"am Tag|pro Tag|die Woche|pro Woche)\b)", text[end:])   # no noun of its own ("3 assistants")
    return bool(alone) and bool(_CORRECTION.search(text[:start]) or (
        _BARE_QUOTE_BEFORE.search(text[:start]) and _BARE_QUOTE_AFTER.match(text, end)))


_HOURS_ASKED = re.compile(r"\bhow many (?P<u>hours|minutes)\b|\bwie viele (?P<de>Stunden|Minuten)\b", re.I)
_OR_MORE = re.compile(r"\s*,?\s*(?:maybe|perhaps|sometimes|or|oder|vielleicht|manchmal|eher)\s+$", re.I)


def _asked_duration(text: str, question: str, lang: str) -> tuple[Duration, str] | None:
    """A bare number answering "How many hours a day …?" („Wie viele Stunden täglich …?"): the duration asked
    for, a range when a second figure follows ("Four, maybe five"), and the question's period."""
    asked = _HOURS_ASKED.search(question)
    if not asked:
        return None
    per = _PER_AFTER.search(question[asked.end():]) or _PER_BEFORE.search(question[:asked.start()])
    if per is None:
        return None
    nums = [x for x in amounts(text, lang) if not (1900 <= x.value <= 2100)]
    if not nums or not re.match(r"\s*(?:[,.;!?–-]|$|maybe|perhaps|sometimes|or|oder|vielleicht|manchmal)", text[nums[0].end:]):
        return None   # the number has a noun of its own: no answer in hours
    first = nums[0]
    low, high, end = first.low, first.high, first.end
    if len(nums) > 1 and _OR_MORE.fullmatch(text[first.end:nums[1].start]) and nums[1].value > first.value:
        high, end = nums[1].high, nums[1].end
    unit = "m" if (asked.group("u") or asked.group("de")).lower().startswith("min") else "h"
    f = 60 if unit == "m" else 3600
    return Duration((low + high) / 2 * f, low * f, high * f, unit, unit == "m", first.start, end), (
        "day" if per.group("d") else "week")


def _corrected_duration(a: _Article, i: int, text: str) -> tuple[Duration, str, Found] | None:
    """A bare number that leaves its unit and period to a time claimed in the three sentences before
    ("It's closer to two," she said): a duration in that claim's unit and period."""
    before = [f for f in a.found if i - 3 <= f.unit_index < i and f.metric.startswith("time_per_")]
    if not before:
        return None
    for x in amounts(text, a.lang):
        if 1900 <= x.value <= 2100 or not _elliptical(text, x.start, x.end) or UNIT.match(text, x.end):
            continue
        last = before[-1]
        f = 60 if last.unit.startswith("minutes") else 3600
        return Duration(x.value * f, x.low * f, x.high * f, "m" if f == 60 else "h", f == 60, x.start, x.end), \
            last.metric[len("time_per_"):], last
    return None


def _positions(text: str) -> list[int]:
    """Start of every platform, device and off-scope word, in the order the candidates list them."""
    return ([m.start for m in plat.mentions(text)] + [m.start() for m in plat.DEVICE.finditer(text)]
            + [m.start() for m in plat.OFF_SCOPE.finditer(text)])


def _time_per_period(a: _Article, i: int) -> None:
    text = a.units[i].text
    ds = [d for d in durations(text, a.lang) if d.unit in ("h", "m")]
    periods = [_period_of(text, d.start, d.end) for d in ds]
    question = a.reader.question_before(i)
    if not ds and question:
        answer = _asked_duration(text, question, a.lang)   # "How many hours a day are you on TikTok?" "Four, maybe five."
        if answer:
            ds, periods = [answer[0]], [(answer[1], False)]
    carried = None   # the time claimed before, whose use (and platform) a bare correction carries on
    if not ds:
        answer = _corrected_duration(a, i, text)   # 'She spends three hours a day there, her mother says. "Closer to two"'
        if answer:
            ds, periods, carried = [answer[0]], [(answer[1], False)], answer[2]
    listed = [bool(_LIST_ITEM.search(text[:d.start])) for d in ds]
    for k, d in enumerate(ds):
        per, dayref = periods[k]
        if per is None and listed[k]:
            per = next((p for (p, _r), li in zip(periods, listed, strict=True) if li and p), None)
        if per is None and k and re.match(r"\s+(?:of it|of that|of them|davon)\b", text[d.end:]):
            per = periods[k - 1][0]   # "3.5 hours a day, 70 minutes of it on Reddit": part of the daily total
        part_after = re.match(r"\s+(?:of it|of that|of this|of them|davon)\b", text[d.end:])
        if per is None and (_PART_OF.search(text[:d.start]) or part_after) and i and a.reader.last_claim.get(
                i - 1, ("",))[0] in ("time_per_day", "time_per_week"):
            # „Davon geht eine Stunde auf YouTube", "2.5 hours of that went to Instagram": part of the total before
            per = a.reader.last_claim[i - 1][0][len("time_per_"):]   # „Davon geht eine Stunde auf YouTube"
        if per is None:
            per = a.neighbour_period(i)   # "A: Every morning. Forty-five minutes, give or take." / „… Pro Tag."
        if per is None and question and _PER_AFTER.search(question + " ") is None and re.search(
                r"\b(?:each|every|a|per)\s+(day|week)\b|\btäglich|\bjeden Tag|\bpro Tag", question, re.I):
            per = "day" if re.search(r"day|täglich|Tag", question, re.I) else "week"
        before = a.figure_before(i, "time_per_") if per is None and _elliptical(text, d.start, d.end) else None
        if before:
            per = before[0][len("time_per_"):]
        if per not in ("day", "week"):
            continue
        if _OFFLINE_WORK.search(text[max(0, d.start - 90):d.start]) or _OFFLINE_AFTER.match(text, d.end):
            continue   # "Editing takes … 50 hours a week", „Der Schnitt kostet ihn zehn Stunden": work off the platform
        platform, scope = None, None
        item = _LIST_ITEM.search(text[:d.start]) if listed[k] else None
        if item:
            platform = plat.canonical(item.group("name"))
            if platform not in plat.PLATFORMS.values():
                continue   # an app that is no social platform (a browser, the phone's messages)
        else:
            candidates = [(min(abs(m.start - d.start), abs(m.end - d.end)), "platform", m.platform)
                          for m in plat.mentions(text)]
            candidates += [(min(abs(m.start() - d.start), abs(m.end() - d.end)), "device", None)
                           for m in plat.DEVICE.finditer(text)]
            candidates += [(min(abs(m.start() - d.start), abs(m.end() - d.end)), "off", None)
                           for m in plat.OFF_SCOPE.finditer(text) if not _qualifies(text, d.end, m)]
            quote = next(((qs, qe) for qs, qe in a.reader.quotes(i) if qs <= d.start < qe), None)
            if quote and not a.reader.fragment(i, quote):
                # inside a quote only the quote speaks of the activity ("…," he said on a podcast); a quoted
                # fragment ('spends "a couple of hours" a week on LinkedIn') is part of the sentence around it
                candidates = [c for c, pos in zip(candidates, _positions(text), strict=True)
                              if quote[0] <= pos < quote[1]]
            inherited = before or (a.reader.last_claim.get(i - 1) if i else None)
            # an answer to a question about a platform ("Where do you sit?" after LinkedIn figures) is about using it
            usage = carried or before or _USAGE.search(text) or _BEING_ON.search(text) or _BEING_THERE.search(text) or \
                _PLATFORM_AFTER.match(text, d.end) or (
                question and (re.search(r"\bhow (?:long|much (?:time|of your \w+)|many hours)|"
                                        r"\bwie (?:lange|viel Zeit|viele Stunden)", question, re.I)
                              or plat.mentions(question) or plat.DEVICE.search(question)))
            if not candidates and question:
                # an answer ("Around 90 minutes a day") takes its platform from the question it answers
                candidates = [(0, "platform", m.platform) for m in plat.mentions(question)][-1:]
            if candidates:
                _dist, scope, platform = min(candidates, key=lambda c: c[0])
                if scope == "off":
                    continue
                if not usage and not inherited:
                    continue
            else:
                platform = a.anaphor_platform(i, d.start)
                asked = a.reader.question_at(i)
                if platform is None and asked is not None and plat.ANAPHORA.search(a.units[asked].text):
                    # "How long are you on there?" — the platform the question points back to
                    platform = a.anaphor_platform(asked, len(a.units[asked].text))
                if platform is None and carried is not None:
                    platform, scope = carried.platform, "inherited"
                elif platform is None and inherited and inherited[0] in ("time_per_day", "time_per_week"):
                    platform, scope = inherited[2], "inherited"
                elif platform is None and not _PLAN.search(text) and not (question and _PLAN.search(question)) and (
                        (question and _asks_time_of_nothing(question)) or a.time_use_before(i)):
                    # "And time spent?" "Up to three hours a day." / „X selbst spricht von „einer Stunde am Tag“"
                    # after a time spent in the group: the activity and platform the talk is about
                    platform, scope, usage = a.context_platform(i) or a.named_before(i), "context", True
                    if platform is None:
                        continue
                elif platform is None:
                    continue
                if not usage and scope == "inherited" and _ALSO.search(text) and not _SAME_AMOUNT.search(text):
                    continue   # "She also cooks an hour a day": another activity added, not more of the one before
                if not usage and scope != "inherited":
                    continue
        metric = f"time_per_{per}"
        att = a.attribute(i, (d.start, d.end), metric)
        if att is None and not a.reader.refs(i) and a.writes_as_self(a.cast.subject):
            # „Die Bildschirmzeit-Funktion ist da präziser: 3 Std. 40 Min. täglich" in a first-person column
            att = Attribution(a.cast.subject.name, True, "first_person", a.cast.subject)
        if att is None:
            continue
        minutes = d.has_minutes or d.unit == "m"
        f = 60 if minutes else 3600
        unit = f"{'minutes' if minutes else 'hours'}_per_{per}"
        start, end, which = period_in(text, a.published)
        detail = {"scope": "device"} if scope == "device" else {}
        a.add(i, metric, (d.start, d.end), d.seconds / f, d.low / f, d.high / f, unit, platform, att, detail,
              (start, end))


def _posts(a: _Article, i: int) -> None:
    text = a.units[i].text
    counted = times(text, a.lang)
    counts: list[Amount] = [x for x in amounts(text, a.lang)
                            if not any(t.start <= x.start < t.end or x.start <= t.start < x.end for t in counted)]
    counts += [Amount(1, 1, 1, m.start(), m.end()) for m in ARTICLE_ONE.finditer(text)
               if _ONE_POST.match(text, m.end())]
    habits = [Amount(1, 1, 1, m.start(), m.end()) for m in ARTICLE_ONE.finditer(text)
              if _ONE_EACH.match(text, m.end()) and _HABIT_POST.search(text[max(0, m.start() - 30):m.start()])
              and not any(x.start <= m.start() < x.end for x in counts)]
    question = a.reader.question_before(i)
    if question is None and i and a.units[i - 1].paragraph == a.units[i].paragraph and \
            a.units[i - 1].text.rstrip().endswith("?"):
        question = a.units[i - 1].text   # a column's own question: „Was ich dort poste? Drei Videos …"
        self_asked = True
    else:
        self_asked = False
    # a question about posting ("How many posts on a normal day?", „Was posten Sie dort?"), not about what one gets
    asked_posting = bool(question and _POST_VERB.search(question) and not _GETTING.search(question) and not
                         _OTHERS_POSTING.search(question) and (
        re.search(r"\bhow (?:often|many)|\bwie (?:oft|viele)", question, re.I) or len(question) < 60))
    for c in counts + counted + habits:
        rest = text[c.end:]
        noun = _POST_AFTER.match(rest)
        said_times = _TIMES.match(rest) or c in counted
        if _RECEIVE.search(text[max(0, c.start - 50):c.start]) or (noun and _RECEIVED_AFTER.match(rest, noun.end())) or (
                noun and re.match(r"\s+ein\b", rest[noun.end():]) and _GOING_IN.search(text[:c.start])):
            continue   # "I get 500 messages a day": received, not posted
        named_before = re.search(rf"\b{_POST_NOUN}\b", text[:c.start])
        ellipsis = None
        if c in habits:
            end = _ONE_EACH.match(text, c.end).end()
        elif noun:
            end = c.end + noun.end()
        elif not said_times and _BARE_PER.match(rest) and named_before and not _RECEIVE.search(
                text[max(0, named_before.start() - 40):named_before.start()]):
            end = c.end
        elif not said_times and _BARE_PER.match(rest) and not UNIT.match(rest) and _POSTED_CLAUSE.search(
                text[max(0, c.start - 80):c.start]):
            end = c.end   # "Every session goes up, so that's about twelve a week", „ich poste jedes Training, also zehn pro Woche"
        elif not said_times and not UNIT.match(rest) and _elliptical(text, c.start, c.end) and a.figure_before(
                i, "posts_per_"):
            end = c.end   # "The firm counted 50 posts a day. … "It's nearer 20," she said"
            ellipsis = a.figure_before(i, "posts_per_")
        elif not said_times and asked_posting and not UNIT.match(rest) and _ANSWER_OPENS.fullmatch(
                _TURN_LABEL.sub("", text[:c.start])) and re.match(r"\s*(?:[,.;!?–-]|$)", rest):
            end = c.end   # "How many posts on a normal day?" "Four or five."
        elif said_times and asked_posting:
            end = c.end + (_TIMES.match(rest).end() if _TIMES.match(rest) else 0)   # "How often do you post?" "Twice a week"
        elif said_times and _POST_VERB.search(text[max(0, c.start - 60):c.start] + " " + rest[:40]):
            end = c.end + (_TIMES.match(rest).end() if _TIMES.match(rest) else 0)
        else:
            continue
        per, _dayref = _period_of(text, c.start, end)
        if per is None and ellipsis:
            per = ellipsis[0][len("posts_per_"):]
        if per is None and (asked_posting or noun):
            per = a.neighbour_period(i)   # „Drei Videos, manchmal vier. Pro Tag, wohlgemerkt"
        if per is None and asked_posting:
            m = _PERIOD_ANY.search(question)
            per = ("day" if m.group("d") else "week" if m.group("w") else None) if m else None
        value, low, high = c.value, c.low, c.high
        more = next((x for x in counts if x.start >= end and _OR_MORE.fullmatch(text[end:x.start])), None)
        if per is not None and more is not None and more.value > c.value and UNIT.match(text, more.end) is None:
            low, high = c.low, more.high   # "three videos, sometimes four": a range
            value = (low + high) / 2
        if per is None:
            continue
        detail = {}
        if per == "hour":
            value, low, high, per = value * 24, low * 24, high * 24, "day"
            detail["stated_per"] = "hour"
        elif per == "month":
            value, low, high = (round(x * 7 / DAYS_PER_MONTH, 4) for x in (value, low, high))
            per = "week"
            detail["stated_per"] = "month"
        if re.search(r"\b(?:internally|company-wide|in total|total|intern|insgesamt)\b", text[max(0, c.start - 40):end],
                     re.I):
            continue   # a company's message volume, not one person's posting
        metric = f"posts_per_{per}"
        att = a.attribute(i, (c.start, end), metric, exclude=(c.start, end))
        if att is None and asked_posting and self_asked and not a.reader.refs(i):
            # „Was ich dort poste? Drei Videos, manchmal vier.": the answer is of whoever asks about their posting
            att = a.attribute(i - 1, (0, len(question)), metric)
        if att is None:
            continue
        platform = None
        for word in text[c.end:end].split()[-2:] if noun else ():   # "three TikToks a day", "40 Instagram stories"
            word = word.strip("\"”“»«")
            got = _NOUN_PLATFORM.get(word.lower()) or plat.canonical(re.sub(r"s$", "", word))
            if got in plat.PLATFORMS.values() and got != "all":
                platform = got
        if platform is None:
            platform = a.platform_near(i, c.start, context=True)
        a.add(i, metric, (c.start, c.end), value, low, high, metric, platform, att, detail)


def _members_and_staff(a: _Article, i: int) -> None:
    text = a.units[i].text
    near_group = bool(_GROUP.search(text)) or (i > 0 and bool(_GROUP.search(a.units[i - 1].text)))
    question = a.reader.question_before(i)
    asked_count = bool(question and _COUNT_ASKED.search(question))
    counts = amounts(text, a.lang)
    first = next((c for c in counts if not (1900 <= c.value <= 2100 and c.low == c.high)), None)   # no year
    for c in counts:
        rest = text[c.end:]
        if c.value < 2 and not c.vague or c.vague and c.high < 10:
            continue   # "several people", "a few members": no count
        follower = _FOLLOWER.match(rest)
        member = _MEMBER.match(rest)
        staff = _STAFF.match(rest)
        before = text[:c.start]
        people = _PEOPLE.match(rest)
        in_group = (people and _IN_GROUP.match(text, c.end + people.end())) or (
            people and (_GROUP_WHERE.search(before) or _IN_GROUP_BEFORE.search(before))) or (
            c.value >= 20 and _AT.search(before) and _ON_GROUP.match(rest)) or (   # not a clock time ("at 9 in the chat")
            people and near_group and _IN_IT.match(text, c.end + people.end()))   # "… people in it", „Leute drin"
        acted_on = _ACTED_ON.search(text[max(0, c.start - 40):c.start]) or _ACTED_ON.search(text[c.end:c.end + 60])
        if in_group and not member and not follower and not _EMPLOY.search(text) and not acted_on:
            # "about 2,300 customers in that workspace", „die Gruppe, in der 38 Eltern sind", "we're at 15,000 on
            # the Discord": the people a named group holds
            end = c.end + (people.end() if people else 0)
            att = a.attribute(i, (c.start, end), "group_members", exclude=(c.start, end), allow_we=True,
                              any_person=True)
            if att is None or _company_rule(a, i):
                continue
            if att.mode in ("narrative", "third_party"):
                if not a.writes_as_self(att.person):
                    continue   # "The group, where 300 people swap recipes, …": nobody's words
                att = Attribution(att.speaker, True, "first_person", att.person)   # a column's own narrative
            platform = a.platform_near(i, c.start, context=True)
            a.add(i, "group_members", (c.start, c.end), c.value, c.low, c.high, "members", platform, att)
        elif asked_count and c is first and (people or re.match(r"\s*[,.;–-]|\s*$", rest)) and not member:
            # "How many follow you?" — „Gut 3.000 Leute, das ist schon ordentlich."
            end = c.end + (people.end() if people else 0)
            att = a.attribute(i, (c.start, end), "group_members", exclude=(c.start, end), allow_we=True,
                              any_person=True)
            if att is None or att.mode not in ("quote", "first_person"):
                continue
            platform = a.platform_near(i, c.start, context=True) or plat.last_named([question])
            a.add(i, "group_members", (c.start, c.end), c.value, c.low, c.high, "members", platform, att,
                  {"counted": "followers"})
        elif follower and not member:
            end = c.end + follower.end()
            att = a.attribute(i, (c.start, end), "group_members", exclude=(c.start, end))
            if att is None or att.mode not in ("quote", "first_person"):
                continue   # audience sizes count only as the person's own statement
            platform = a.platform_near(i, c.start, context=True)
            a.add(i, "group_members", (c.start, c.end), c.value, c.low, c.high, "members", platform, att,
                  {"counted": "followers"})
        elif member and near_group:
            end = c.end + member.end()
            att = a.attribute(i, (c.start, end), "group_members", exclude=(c.start, end), allow_we=True,
                              any_person=True)
            if att is None or _company_rule(a, i):
                continue
            if member.group("noun").lower().startswith(("subscriber", "abonnent")) and att.mode in (
                    "narrative", "third_party"):
                continue   # "His channel has grown to 2.4 million subscribers": an audience told in narrative
            platform = a.platform_near(i, c.start, context=True)
            a.add(i, "group_members", (c.start, c.end), c.value, c.low, c.high, "members", platform, att)
        elif staff and staff.group("noun").lower() not in _EMPLOYEES and not _EMPLOY.search(text) and \
                _GROUP.search(text) and not _ADD_BEFORE.search(before) and not re.search(r"\bteam\b", text, re.I) \
                and not acted_on \
                and not re.search(r"\b(?:reach\w*|erreich\w*)\s+(?:\w+\s+)?$", before, re.I):
            # "the customer group on WeChat is capped at 500 people", "the Discord's huge, it's like 120,000
            # people": people in a group the sentence names are its members, not staff (and not a team's size
            # or an audience reached); in the person's words only, as audiences are
            end = c.end + staff.end()
            att = a.attribute(i, (c.start, end), "group_members", exclude=(c.start, end), allow_we=True,
                              any_person=True)
            if att is None or att.mode not in ("quote", "first_person", "reported") or _company_rule(a, i):
                continue
            platform = a.platform_near(i, c.start, context=True)
            a.add(i, "group_members", (c.start, c.end), c.value, c.low, c.high, "members", platform, att)
        elif staff and _AUDIENCE_BEFORE.search(text[:c.start]) and not _EMPLOY.search(text) and not re.search(
                r"\b(?:from|von|grew|rose|wuchs)\b", text[max(0, c.start - 40):c.start], re.I):
            # "explains the ocean to 300k people", "reaches 2 million people": an audience, in the person's words
            end = c.end + staff.end()
            att = a.attribute(i, (c.start, end), "group_members", exclude=(c.start, end))
            if att is None or att.mode not in ("quote", "first_person"):
                continue
            platform = a.platform_near(i, c.start, context=True)
            a.add(i, "group_members", (c.start, c.end), c.value, c.low, c.high, "members", platform, att,
                  {"counted": "audience"})
        elif staff or _staff_subject_before(text, c):
            end = c.end + (staff.end() if staff else 0)
            employees = bool(_EMPLOY.search(text)) or not staff or staff.group("noun").lower() in _EMPLOYEES
            if not employees and not near_group and not _TEAM_SIZE.search(text):
                continue   # "N people" with neither a company nor a group around it: nobody's headcount
            if not employees and acted_on and not re.match(r"(?:add|invit|hinzugef|eingeladen|lädt)", acted_on.group(0),
                                                           re.I):
                continue   # "I blocked 40 people in the Discord": people acted on, no count of anyone's
            # an employee count needs the person's own words; people in a group the person acts on do not
            att = a.attribute(i, (c.start, end), "headcount" if employees else "headcount_people",
                              exclude=(c.start, end), allow_we=True, any_person=True)
            if att is None:
                continue
            if employees and att.mode not in ("quote", "first_person", "reported"):
                continue   # an employee count in narrative is the company's metric
            value, low, high, span, detail = _growth(text, c, end, a.lang)
            platform = plat.nearest(text, c.start)
            a.add(i, "headcount", span, value, low, high, "people", platform, att, detail)


# people a group holds: "2,300 customers in that workspace", „die Kita-Gruppe, in der 38 Eltern sind", "we're at
# 15,000 on the Discord"; and the question an answer gives a count of followers to ("How many follow you?")
_PEOPLE = re.compile(r"\s+(?:[\w-]+\s+)?(?:customers|clients|users|people|fans|readers|parents|neighbou?rs|"
                     r"Leute|Eltern|Kunden|Kundinnen|Nutzer\w*|Menschen|Personen|Fans|Nachbarn|Leser\w*)\b", re.I)
_GROUP_WORD = (r"(?:groups?|chats?|channels?|community|server|workspace|\w*[Gg]ruppe\w*|\w*[Cc]hat\w*|\w*[Kk]anal\w*|"
               r"\w*[Cc]ommunity|Telegram\w*|Slack|WeChat|Discord|WhatsApp)")
_IN_GROUP = re.compile(rf"\s+(?:are\s+|sind\s+)?(?:in|im|on)\s+(?:(?:the|that|this|our|my|his|her|der|dem|diesem|"
                       rf"dieser|unserer|unserem|meiner|meinem)\s+)?(?:[\w-]+\s+)?{_GROUP_WORD}\b", re.I)
_GROUP_WHERE = re.compile(rf"\b{_GROUP_WORD}\b[^,.;]{{0,40}},\s*(?:in (?:der|dem|which|whom)|where|wo)\s+(?:\w+\s+)?$",
                          re.I)
# people acted on in a group are no count of it: "blocked 40 people in the chat", „40 Leute im Chat gesperrt"
# people "in it" / „drin" after a sentence naming a group: the group's members
_IN_IT = re.compile(r"\s+(?:are\s+|sind\s+)?(?:in it|in there|in here|inside|darin|drin|da drin|dort drin)\b", re.I)
_ACTED_ON = re.compile(r"\b(?:block\w*|bann\w*|banned|remov\w*|kick\w*|add\w*|invit\w*|mut\w*|report\w*|"
                       r"blockier\w*|gesperrt|sperrt\w*|entfernt\w*|eingeladen|lädt|hinzugefügt|rausgeworfen|"
                       r"geworfen|gemeldet)\b", re.I)
# „In unserer Telegram-Gruppe sind 900 Leute", "In the Discord there are about 3,000 people"
_IN_GROUP_BEFORE = re.compile(rf"\b(?:in|im|on)\s+(?:(?:the|that|this|our|my|his|her|der|dem|unserer|unserem|meiner|"
                              rf"meinem|seiner|seinem|ihrer|ihrem)\s+)?(?:[\w-]+\s+)?{_GROUP_WORD}\s+(?:there are|are|"
                              rf"sind|gibt es|waren|were)\s+(?:(?:now|today|heute|jetzt|inzwischen|mittlerweile|about|around|"
                              rf"roughly|some|over|etwa|rund|gut|über|knapp)\s+){{0,2}}$", re.I)
_AT = re.compile(r"\b(?:at|bei)\s+(?:(?:about|around|roughly|almost|nearly|over|just over|etwa|rund|fast|knapp|"
                 r"über)\s+)?$", re.I)
_ON_GROUP = re.compile(rf"\s+(?:on|in|im|auf)\s+(?:(?:the|our|my|his|her|dem|der|unserem|unserer)\s+)?(?:[\w-]+\s+)?"
                       rf"{_GROUP_WORD}\b", re.I)
_COUNT_ASKED = re.compile(r"\bhow many (?:people )?(?:follow|members|subscribers|followers)|"
                          r"\bwie viele (?:Menschen |Leute )?(?:folgen|Mitglieder|Abonnenten|Follower)", re.I)
_EMPLOYEES = ("employees", "staff", "staffers", "workers", "team members")
# "couldn't add more than 500 persons to his group": people to add are counted as a headcount (press-dev's labels)
_ADD_BEFORE = re.compile(r"\b(?:add\w*|invit\w*|hinzufüg\w*|einlad\w*|aufnehm\w*)\s+(?:\w+\s+){0,3}$", re.I)


def _company_rule(a: _Article, i: int) -> bool:
    """Whether the sentence names no person and only a company or an office speaks in it („dürfen bis zu 1.024
    Mitglieder haben, teilte der Mutterkonzern mit"): a platform's rule or a company's figure, nobody's claim."""
    text = a.units[i].text
    people = [r for r in a.reader.refs(i) if r.kind in ("person", "first", "we")]
    # a name not in the cast right by the verb („teilte Telegram mit", "Meta said" opening the sentence) is a
    # company too; a verb with no agent at all („jeder hat etwas zu sagen") is no source
    speakers = [agent for pos, agent in a.reader.speech(i) if agent == "other" or agent is None and (
        re.search(r"\b[A-ZÄÖÜ][\w-]+\s+$", text[:pos]) or re.match(r"\w+\s+[A-ZÄÖÜ]", text[pos:]))]
    return bool(speakers) and all(agent in ("other", None) for agent in speakers) and not people


# whom a person reaches: "speaks to 300k people", "reaches two million people", „erreicht 300.000 Menschen"
_AUDIENCE_BEFORE = re.compile(r"\b(?:to|reach\w*|erreich\w*|vor)\s+(?:(?:about|around|roughly|some|over|more than|"
                              r"etwa|rund|über|mehr als)\s+)?$", re.I)
# a team's size in the person's words: "we are 40 people", "a team of 12", „wir sind 40 Leute"
_TEAM_SIZE = re.compile(r"\b(?:we(?:['’]re| are| were)|our team|a team of|wir (?:sind|waren)|unser Team|company|firm|"
                        r"start-?up|studio|Unternehmen|Firma|Team)\b", re.I)
_MORE = (r"(?:(?:more than|over|über|mehr als|almost|fast|nearly|knapp|about|around|roughly|some|approximately|etwa|"
         r"rund|ungefähr|circa|ca\.|gut|heute|today|now|jetzt|nun)\s+){0,2}")
# "to 1,200", "in 2019 to about 700", „im Jahr 2019 auf heute etwa 700": a few words (a year among them) may
# stand between the count then and the count now
_TO_MORE = re.compile(rf"(?:\s+(?:[^\W\d]+|(?:19|20)\d\d)){{0,3}}?\s*(?:to|auf|zu)\s+{_MORE}", re.I)
# the staff as the subject: "Lumo's staff grew from 40 to about 700", „die Belegschaft wuchs auf 900"
_STAFF_SUBJECT = re.compile(r"\b(?:staff|workforce|headcount|payroll|Belegschaft|Mitarbeiterzahl|Zahl der Mitarbeiter\w*)"
                            r"\b(?P<verb>[^.;:]{0,40}?\b(?:grew|grown|rose|risen|increased|swelled|jumped|stands?|stood|"
                            r"is|was|numbers?|of|at|wuchs|gewachsen|stieg|gestiegen|liegt|lag|zählt|umfasst|beträgt|von|auf)\b)",
                            re.I)
_FROM_TO = re.compile(rf"\b(?:from|von)\s+([\d.,]+|[a-zäöüß]+)\s+(?:[\w-]+\s+)?(?:to|auf|zu)\s+{_MORE}$", re.I)


def _staff_subject_before(text: str, c: Amount) -> bool:
    """Whether the figure counts the staff named as the subject before it ("the staff grew from 40 to 700"),
    and is no year."""
    if 1900 <= c.value <= 2100 and c.low == c.high:
        return False
    last = list(_STAFF_SUBJECT.finditer(text[:c.start]))[-1:]
    return bool(last) and len(text[last[0].end():c.start].split()) <= 5


def _growth(text: str, c: Amount, end: int, lang: str) -> tuple[float, float, float, tuple[int, int], dict]:
    """A headcount and where it grew from: "from 30 employees to 1,200", „von 30 auf 1.000 Mitarbeiter",
    "we were 12 people …; today we are close to 400", "2,500 people, up from a few hundred"."""
    plain = (c.value, c.low, c.high, (c.start, c.end), {})
    if c.low != c.high and not c.vague and re.search(r"\b(?:from|von)\s+$", text[:c.start], re.I):
        # "grew from 40 to 700 people" reads like a range: it is where the count started and where it is now
        return c.high, c.high, c.high, (c.start, c.end), {"from": c.low, "growth": text[c.start - 5:c.end].strip()}
    to = _TO_MORE.match(text, end)
    later = [x for x in amounts(text, lang) if to and x.start == to.end()]
    if not later and re.search(r"\b(?:were|was|had|started|began|waren|hatten|anfangs|begannen)\b",
                               text[max(0, c.start - 30):end + 30], re.I):
        now = re.search(r"\b(?:today|now|currently|these days|heute|inzwischen|mittlerweile|jetzt|aktuell)\b",
                        text[end:], re.I)
        later = [x for x in amounts(text, lang) if now and x.start > end + now.start()]
    if later:   # the count then is where the growth starts; the count now is the claim
        x = later[0]
        return x.value, x.low, x.high, (x.start, x.end), {"from": c.value, "growth": text[c.start:x.end]}
    before = _FROM_TO.search(text[max(0, c.start - 60):c.start])
    since = _GROWTH.search(text[end:end + 120])
    source = before.group(1) if before else since.group(0) if since else None
    got = amounts(source, lang) if source else []
    if not got:
        return plain
    detail = {"from": got[0].value, "growth": (before or since).group(0).strip()}
    if got[0].low != got[0].high:
        detail["from_low"], detail["from_high"] = got[0].low, got[0].high
    return c.value, c.low, c.high, (c.start, c.end), detail


def _visibility(a: _Article, i: int) -> None:
    text = a.units[i].text
    context = text + " " + (a.units[i - 1].text if i else "")
    if not _CHAT.search(context):
        return
    for d in durations(text, a.lang):
        if d.unit not in ("s", "m") or d.seconds > 3600:
            continue
        window = text[max(0, d.start - 70):d.end + 50]
        if not _VISIBLE.search(window) or _PER_AFTER.search(text[d.end:d.end + 20]):
            continue
        att = a.attribute(i, (d.start, d.end), "message_visibility", any_person=True)
        if att is None:
            continue
        platform = a.platform_near(i, d.start, context=True)
        a.add(i, "message_visibility", (d.start, d.end), d.seconds, d.low, d.high, "seconds", platform, att)


def _ama(a: _Article, i: int) -> None:
    text = a.units[i].text
    m = _AMA.search(text)
    if not m or not _HABIT.search(text):
        return
    context = text + " " + " ".join(u.text for u in a.units[max(0, i - 2):i])
    # a question-and-answer session forms in a chat, a community or a live stream („Wann immer er live gehe")
    if not _CHAT.search(context) and not re.search(r"\b(?:participants|members|community|Teilnehmer|Mitglieder|"
                                                   r"live|livestream\w*|stream\w*)\b", context, re.I):
        return
    att = a.attribute(i, (m.start(), m.end()), "ama_effect", any_person=True)
    if att is None:
        return
    platform = a.platform_near(i, m.start(), context=True)
    a.add(i, "ama_effect", (m.start(), m.end()), None, None, None, None, platform, att)


def _plat_of(a: _Article, i: int, m: re.Match) -> str | None:
    raw = m.groupdict().get("plat") or m.groupdict().get("plat2")
    if raw:
        got = plat.canonical(raw)
        if got in plat.PLATFORMS.values():
            return got
        return None
    return plat.nearest(a.units[i].text, m.start()) or a.anaphor_platform(i, m.start()) or \
        a.context_platform(i, specific=True)


def _since(a: _Article, i: int) -> str | None:
    found = dates_in(a.units[i].text)
    if found:
        return min(d for d, _p in found).isoformat()
    start, _end, which = period_in(a.units[i].text, a.published)
    return start.isoformat() if start and which in ("lastyear", "lastweek", "yesterday", "today") else None


def _history_and_quits(a: _Article) -> None:
    events: list[tuple[int, int, str, str]] = []   # (unit, pos, kind, platform)
    for u in a.units:
        text = u.text
        for kind, rx in _HISTORY:
            for m in rx.finditer(text):
                p = _plat_of(a, u.index, m)
                if p and p != "all" and not _AS_COMPANY.match(text, m.end()):
                    frm = [x for x in _FROM.finditer(text[:m.start()] + text[m.end():m.end() + 40])]
                    for f in frm:
                        fp = plat.canonical(f.group("plat"))
                        if fp in plat.PLATFORMS.values() and fp not in ("all", p):
                            events.append((u.index, m.start() - 1, "from", fp))
                    events.append((u.index, m.start(), kind, p))
                    if kind == "move":   # „zu Slack und später zu Telegram gewechselt": every target in order
                        clause = text[:m.start()].rsplit(",", 1)[-1]
                        offset = m.start() - len(clause)
                        for t in _TO_PLATFORM.finditer(clause):
                            tp = plat.canonical(t.group("plat"))
                            if tp in plat.PLATFORMS.values() and tp not in ("all", p):
                                events.append((u.index, offset + t.start(), "move", tp))
        for m in _LEFT.finditer(text):
            p = _plat_of(a, u.index, m)
            if p and not _AS_COMPANY.match(text, m.end()):
                events.append((u.index, m.start(), "left", p))
    events.sort()
    chain = [e for e in events if e[2] in ("start", "move", "from")]
    history_units = {e[0] for e in chain}
    # "left X" is part of the history when a move sits next to it, else the person quit X
    lefts = [e for e in events if e[2] == "left"]
    chain_lefts = [e for e in lefts if any(abs(e[0] - c[0]) <= 1 for c in chain)]
    quits_left = [e for e in lefts if e not in chain_lefts]
    sequence: list[str] = []
    for _u, _pos, _kind, p in sorted(chain + chain_lefts):
        if p not in sequence:
            sequence.append(p)
    if len(sequence) >= 2:
        first = min(chain + chain_lefts)
        i = first[0]
        att = a.attribute(i, (first[1], first[1] + 1), "platform_history")
        if att is not None:
            a.add(i, "platform_history", (first[1], first[1]), None, None, None, None, None, att,
                  {"sequence": sequence})
    for u_i, pos, kind, p in events:
        if kind == "join" and u_i not in history_units:
            att = a.attribute(u_i, (pos, pos + 1), "platform_history")
            if att is not None:
                a.add(u_i, "platform_history", (pos, pos), None, None, None, None, p, att,
                      {"sequence": [p], "since": _since(a, u_i)})
    for u in a.units:
        text = u.text
        for rx in _QUIT:
            for m in rx.finditer(text):
                negative_pattern = re.match(r"(?:no longer|not anymore|never|nicht mehr)", m.group(0), re.I)
                before = re.split(r"[,;:.!?]", text[max(0, m.start() - 40):m.start()])[-1]
                after = re.split(r"[,;:.!?]", text[m.end():m.end() + 60])[0]
                if not negative_pattern and (_NEGATION.search(before) or u.headline is False and
                                             re.search(r"\b(?:nicht|nie)\b", after) and a.lang == "de"):
                    continue   # "did not delete his account", „löscht seinen Account nicht"
                p = _plat_of(a, u.index, m)
                if re.match(r"(?:gelöscht|löschte|löscht|lösche|deinstalliert|deaktiviert|stillgelegt|abgemeldet)",
                            m.group(0), re.I) and not re.search(r"\b(?:App|Account|Konto|Profil)\b|\b(?:sie|es)\b",
                                                                text, re.I):
                    continue
                if p is None:
                    continue
                att = a.attribute(u.index, (m.start(), m.end()), "quit_or_absent")
                if att is None:
                    continue
                a.add(u.index, "quit_or_absent", (m.start(), m.end()), None, None, None, None, p, att,
                      {"since": _since(a, u.index)})
                break
    for u_i, pos, _k, p in quits_left:
        att = a.attribute(u_i, (pos, pos + 1), "quit_or_absent")
        if att is not None:
            a.add(u_i, "quit_or_absent", (pos, pos), None, None, None, None, p, att, {"since": _since(a, u_i)})


_DETECTORS = (_time_share, _time_per_period, _posts, _members_and_staff, _visibility, _ama)


def extract(text: str, title: str | None = None, language: str | None = None, published: date | None = None,
            author: str | None = None) -> list[Found]:
    """Every claim in one article (headline included), in text order."""
    a = _Article(text or "", title, language or "en", published, author)
    for u in a.units:
        for detect in _DETECTORS:
            detect(a, u.index)
    _history_and_quits(a)
    return sorted(a.found, key=lambda f: f.unit_index)


def find_claims(article_id: str, text: str, title: str | None = None, language: str | None = None,
                published: date | None = None, author: str | None = None) -> list[dict]:
    """Claims of one copy as dicts (metric, value, range, unit, direction, platform, speaker, …)."""
    out = []
    for f in extract(text, title, language, published, author):
        out.append({
            "article_id": article_id, "metric": f.metric, "kind": f.metric, "value": f.value,
            "value_low": f.value_low, "value_high": f.value_high, "unit": f.unit, "direction": f.direction,
            "platform": f.platform, "detail": json.dumps(f.detail, sort_keys=True, ensure_ascii=False),
            "period_start": f.period_start, "period_end": f.period_end, "speaker": f.attribution.speaker,
            "self_report": f.attribution.self_report, "sentence": f.sentence, "position": f.unit_index,
        })
    return out
