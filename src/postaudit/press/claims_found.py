"""Find quantitative claims in article text: time on a platform (English and German) and other checkable figures."""

from __future__ import annotations

import hashlib
import re

PLATFORMS = {
    "twitter": "x", "x": "x", "twitter/x": "x", "x/twitter": "x", "telegram": "telegram", "slack": "slack",
    "wechat": "wechat", "bluesky": "bluesky", "mastodon": "mastodon", "linkedin": "linkedin",
    "instagram": "instagram", "facebook": "facebook", "tiktok": "tiktok", "youtube": "youtube",
    "threads": "threads", "discord": "discord", "whatsapp": "whatsapp", "reddit": "reddit",
    "social media": "all", "sozialen medien": "all", "sozialen netzwerken": "all", "social networks": "all",
}
_PLAT = (r"(Twitter/X|X/Twitter|Twitter|X|Telegram|Slack|WeChat|Bluesky|Mastodon|LinkedIn|Instagram|Facebook|"
         r"TikTok|YouTube|Threads|Discord|WhatsApp|Reddit|social media|social networks|"
         r"(?i:sozialen\s+(?:Medien|Netzwerken)))")
# "X" is only a platform when written as the name: never match it case-insensitively.
_NUM = r"(\d+(?:[.,]\d+)*)"
_QUAL_EN = (r"(?:(?:about|around|roughly|nearly|almost|approximately|some|close to|just under|just over|"
            r"more than|over|less than|under|up to|at least|as much as)\s+)?")
_QUAL_DE = (r"(?:(?:knapp|rund|etwa|ungefähr|circa|ca\.|fast|beinahe|gut|mehr als|über|weniger als|unter|"
            r"bis zu|mindestens|nur|nur etwa)\s+)?")
_PCT_EN = r"\s*(?:%|percent|per cent|pct)"
_PCT_DE = r"\s*(?:%|Prozent)"
_POSS_EN = r"(?:my|his|her|their|its|our|the)"
_POSS_DE = r"(?:meiner|seiner|ihrer|unserer|der|seine[rn]?|meine[rn]?)"
_GAP = r"(?:\s+[\w’'-]+){0,4}?"   # up to four words between "time" and the platform ("is spent", "verbringt er")

FRACTIONS = {"a fifth": 20.0, "one fifth": 20.0, "a quarter": 25.0, "one quarter": 25.0, "a third": 100 / 3,
             "one third": 100 / 3, "half": 50.0, "a tenth": 10.0, "two thirds": 200 / 3, "three quarters": 75.0,
             "ein fünftel": 20.0, "ein viertel": 25.0, "ein drittel": 100 / 3, "die hälfte": 50.0,
             "ein zehntel": 10.0, "zwei drittel": 200 / 3, "drei viertel": 75.0}
_FRAC_EN = r"(a fifth|one fifth|a quarter|one quarter|a third|one third|half|a tenth|two thirds|three quarters)"
_FRAC_DE = r"(ein Fünftel|ein Viertel|ein Drittel|die Hälfte|ein Zehntel|zwei Drittel|drei Viertel)"
WORD_NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40, "forty-five": 45,
    "sixty": 60, "ninety": 90, "a couple of": 2, "a few": 3, "an": 1, "a": 1, "half an": 0.5, "one and a half": 1.5,
    "ein": 1, "eine": 1, "einer": 1, "eins": 1, "zwei": 2, "drei": 3, "vier": 4, "fünf": 5, "sechs": 6,
    "sieben": 7, "acht": 8, "neun": 9, "zehn": 10, "elf": 11, "zwölf": 12, "fünfzehn": 15, "zwanzig": 20,
    "dreißig": 30, "vierzig": 40, "sechzig": 60, "neunzig": 90, "anderthalb": 1.5, "eineinhalb": 1.5,
    "einige": 3, "eine halbe": 0.5,
}
_WNUM_EN = (r"(\d+(?:[.,]\d+)?|one and a half|half an|a couple of|a few|an|a|one|two|three|four|five|six|seven|eight|"
            r"nine|ten|eleven|twelve|fifteen|twenty|thirty|forty-five|forty|sixty|ninety)")
_WNUM_DE = (r"(\d+(?:[.,]\d+)?|eine halbe|anderthalb|eineinhalb|einige|eine|einer|ein|zwei|drei|vier|fünf|sechs|"
            r"sieben|acht|neun|zehn|elf|zwölf|fünfzehn|zwanzig|dreißig|vierzig|sechzig|neunzig)")
_PER_EN = r"\s+(?:a|per|each|every)\s+(day|week)"
_PER_DE = r"\s+(?:(?:am|pro|je|jeden|jede|in der|die|pro)\s+)?(Tag|Woche)|\s+(täglich|wöchentlich)"

Pattern = tuple[str, str, re.Pattern]


def _p(expr: str, flags: int = 0) -> re.Pattern:
    return re.compile(expr, flags)


# (kind, unit, pattern). Named groups: num (digits or words), frac (fraction words), plat, per (day/week), tu (unit).
TIME_PATTERNS: list[Pattern] = [
    # EN "spend about 20% of my time on Twitter", "20 percent of his working time is spent on X"
    ("time_share", "percent", _p(
        r"(?i:" + _QUAL_EN + r")(?P<num>\d+(?:[.,]\d+)?)" + r"(?i:" + _PCT_EN + r"\s+of\s+" + _POSS_EN +
        r"\s+(?:(?:working|waking|work|whole|entire)\s+)?(?:time|day|days|week|hours)" + _GAP +
        r"\s+(?:on|using|in|with|tweeting on|posting on))\s+(?P<plat>" + _PLAT + ")")),
    # EN "a fifth of his time on Twitter"
    ("time_share", "percent", _p(
        r"(?i:(?P<frac>" + _FRAC_EN[1:-1] + r")\s+of\s+" + _POSS_EN +
        r"\s+(?:(?:working|waking|work)\s+)?time" + _GAP + r"\s+(?:on|using|in|with))\s+(?P<plat>" + _PLAT + ")")),
    # EN "Twitter takes up about 20% of my time"
    ("time_share", "percent", _p(
        r"(?P<plat>" + _PLAT + r")(?i:\s+(?:takes up|takes|eats up|accounts for|consumes|gets|occupies)\s+" +
        _QUAL_EN + r")(?P<num>\d+(?:[.,]\d+)?)(?i:" + _PCT_EN + r"\s+of\s+" + _POSS_EN + r"\s+(?:\w+\s+)?time)")),
    # DE "knapp 20 % seiner Zeit auf Twitter", "20 Prozent seiner Arbeitszeit verbringt er auf X"
    ("time_share", "percent", _p(
        r"(?i:" + _QUAL_DE + r")(?P<num>\d+(?:[.,]\d+)?)(?i:" + _PCT_DE + r"\s+" + _POSS_DE +
        r"\s+(?:\w+)?zeit" + _GAP + r"\s+(?:auf|bei|in|mit|für))\s+(?P<plat>" + _PLAT + ")")),
    # DE "ein Fünftel seiner Zeit auf Twitter"
    ("time_share", "percent", _p(
        r"(?i:(?P<frac>" + _FRAC_DE[1:-1] + r")\s+" + _POSS_DE + r"\s+(?:\w+)?zeit" + _GAP +
        r"\s+(?:auf|bei|in|mit|für))\s+(?P<plat>" + _PLAT + ")")),
    # DE "Auf Twitter verbringe ich knapp 20 Prozent meiner Zeit"
    ("time_share", "percent", _p(
        r"(?i:(?:auf|bei|in|mit|für)\s+)(?P<plat>" + _PLAT + r")(?i:" + _GAP + r"\s+" + _QUAL_DE + r")"
        r"(?P<num>\d+(?:[.,]\d+)?)(?i:" + _PCT_DE + r"\s+" + _POSS_DE + r"\s+(?:\w+)?zeit)")),
    # EN "two hours a day on Twitter", "90 minutes per week on X"
    ("time_per_period", "", _p(
        r"(?i:" + _QUAL_EN + r"(?P<num>" + _WNUM_EN[1:-1] + r")\s+(?P<tu>hours?|hrs?|minutes?|mins?)" + _PER_EN.replace(
            "(day|week)", "(?P<per>day|week)") + _GAP + r"\s+(?:on|using|in|with|scrolling|tweeting on))\s+"
        r"(?P<plat>" + _PLAT + ")")),
    # EN "on Twitter for two hours a day"
    ("time_per_period", "", _p(
        r"(?i:\bon\s+)(?P<plat>" + _PLAT + r")(?i:\s+for\s+" + _QUAL_EN + r"(?P<num>" + _WNUM_EN[1:-1] +
        r")\s+(?P<tu>hours?|hrs?|minutes?|mins?)" + _PER_EN.replace("(day|week)", "(?P<per>day|week)") + ")")),
    # DE "zwei Stunden am Tag auf Twitter", "täglich 90 Minuten auf X"
    ("time_per_period", "", _p(
        r"(?i:(?:(?P<per_pre>täglich|wöchentlich|jeden Tag|jede Woche|pro Tag|pro Woche)\s+)?" + _QUAL_DE +
        r"(?P<num>" + _WNUM_DE[1:-1] + r")\s+(?P<tu>Stunden?|Std\.|Minuten?|Min\.)"
        r"(?:\s+(?:(?:am|pro|je|jeden|jede|in der|die)\s+)?(?P<per>Tag|Woche)|\s+(?P<per_adv>täglich|wöchentlich))?"
        + _GAP + r"\s+(?:auf|bei|in|mit|für))\s+(?P<plat>" + _PLAT + ")")),
    # DE "auf Twitter verbringt er täglich zwei Stunden"
    ("time_per_period", "", _p(
        r"(?i:(?:auf|bei|in|mit)\s+)(?P<plat>" + _PLAT + r")(?i:" + _GAP +
        r"\s+(?:(?P<per_pre>täglich|wöchentlich|jeden Tag|jede Woche|pro Tag|pro Woche)\s+)?" + _QUAL_DE +
        r"(?P<num>" + _WNUM_DE[1:-1] + r")\s+(?P<tu>Stunden?|Std\.|Minuten?|Min\.)"
        r"(?:\s+(?:(?:am|pro|je|jeden|jede|in der|die)\s+)?(?P<per>Tag|Woche)|\s+(?P<per_adv>täglich|wöchentlich))?)")),
]

# A rate with no platform next to it ("the Telegram group, which she reads for about 90 minutes a day"): taken
# only when the sentence names exactly one platform, and only if no stricter pattern matched the sentence.
LOOSE_PATTERNS: list[Pattern] = [
    ("time_per_period", "", _p(
        r"(?i:" + _QUAL_EN + r"(?P<num>" + _WNUM_EN[1:-1] + r")\s+(?P<tu>hours?|hrs?|minutes?|mins?)" +
        _PER_EN.replace("(day|week)", "(?P<per>day|week)") + ")")),
    ("time_per_period", "", _p(
        r"(?i:(?:(?P<per_pre>täglich|wöchentlich|jeden Tag|jede Woche|pro Tag|pro Woche)\s+)?" + _QUAL_DE +
        r"(?P<num>" + _WNUM_DE[1:-1] + r")\s+(?P<tu>Stunden?|Std\.|Minuten?|Min\.)"
        r"(?:\s+(?:(?:am|pro|je|jeden|jede|in der|die)\s+)?(?P<per>Tag|Woche)|\s+(?P<per_adv>täglich|wöchentlich))?)")),
]
_SCALE = r"(?i:\s*(?P<scale>million|millionen|mio\.?|thousand|tausend|k)\b)?"
OTHER_PATTERNS: list[Pattern] = [
    ("message_visibility", "seconds", _p(
        r"(?i:(?:stays?|remains?|is visible|bleibt|bleibe|ist)\s+(?:on screen\s+|sichtbar\s+|visible\s+)?(?:for\s+)?"
        r"(?:only\s+|just\s+|nur\s+)?(?:about\s+|around\s+|etwa\s+|rund\s+|ungefähr\s+)?"
        r"(?P<num>\d+|one|two|three|five|ten|ein|zwei|drei|fünf|zehn)\s+(?:seconds?|Sekunden?))")),
    ("message_visibility", "seconds", _p(
        r"(?i:(?:about|around|etwa|nur etwa|rund|only|nur|just)\s+(?P<num>\d+|one|two|three|five|ten|zwei|drei|"
        r"fünf|zehn)\s+(?:seconds?|Sekunden?)\s+(?:on screen|sichtbar|visible|lang sichtbar))")),
    ("headcount", "people", _p(
        r"(?i:(?:more than|over|about|around|nearly|almost|mehr als|über|rund|etwa|knapp|fast)\s+)"
        r"(?P<num>\d{1,3}(?:[.,]\d{3})+|\d+(?:[.,]\d+)?)" + _SCALE +
        r"(?i:\s+(?:people|employees|staff|workers|Mitarbeiter(?:innen)?|Beschäftigte[n]?|Angestellte[n]?))")),
    ("headcount", "people", _p(
        r"(?i:(?:employs|beschäftigt|has a staff of|hat)\s+(?:inzwischen\s+|now\s+|mittlerweile\s+)?)"
        r"(?P<num>\d{1,3}(?:[.,]\d{3})+|\d+(?:[.,]\d+)?)" + _SCALE +
        r"(?i:\s+(?:people|employees|staff|Mitarbeiter(?:innen)?|Beschäftigte|Menschen))")),
    ("group_members", "members", _p(
        r"(?i:(?:more than|over|about|around|nearly|almost|mehr als|über|rund|etwa|knapp|fast)?\s*)"
        r"(?P<num>\d{1,3}(?:[.,]\d{3})+|\d+(?:[.,]\d+)?)" + _SCALE +
        r"(?i:\s+(?:members|subscribers|Mitglieder(?:n)?|Abonnenten|Abonnentinnen))")),
]
_QUOTE_CHARS = "\"“”„«»"
_SAY_EN = r"(?:said|says|told|explained|added|wrote|recalled|admitted|insisted)"
_SAY_DE = r"(?:sagte|sagt|erklärte|erklärt|betonte|fügte hinzu|schrieb|so)"
_NAME = r"([A-ZÄÖÜ][\w’'-]+(?:\s+[A-ZÄÖÜ][\w’'-]+){0,2})"
_SAID = re.compile(
    rf"[{_QUOTE_CHARS}]\s*,?\s*(?:{_SAY_EN}|{_SAY_DE})\s+(?:der\s+|die\s+|CEO\s+|Chef\s+)?{_NAME}"
    rf"|\b{_NAME},?\s+(?:{_SAY_EN}|sagte|sagt|erklärte|betonte|schrieb)\b"
    rf"|\b(?:{_SAY_DE})\s+(?:der\s+|die\s+)?(?:\w+chef(?:in)?\s+)?{_NAME}\s*[.,]")
_PRONOUNS = {"He", "She", "They", "It", "We", "I", "Er", "Sie", "Es", "Wir", "Ich", "The", "Der", "Die", "Das"}


def parse_number(raw: str) -> float:
    """A number as written in English or German: 1,000 / 1.000 (thousands), 1,5 / 1.5 (decimal), or a word."""
    raw = raw.strip().lower()
    if raw in WORD_NUMBERS:
        return float(WORD_NUMBERS[raw])
    if raw in FRACTIONS:
        return FRACTIONS[raw]
    # A separator followed by exactly three digits is a thousands separator in both languages ("1,000", "1.000");
    # otherwise it is a decimal point or comma ("1.5", "1,5", "20,5").
    if re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", raw):
        return float(re.sub(r"[.,]", "", raw))
    return float(raw.replace(",", "."))


def sentences(text: str) -> list[str]:
    """Split text into sentences, keeping quotes with the sentence that attributes them."""
    flat = re.sub(r"\s+", " ", text or "")
    # Split after . ! ? (and a closing quote) before a capital or an opening quote; not after "ca." / "Dr." etc.
    parts = re.split(r"(?<!\bca)(?<!\bDr)(?<!\bMr)(?<!\bMs)(?<!\bNr)(?<!\bz\.B)(?<=[.!?])\s+(?=[A-ZÄÖÜ„\"“])", flat)
    return [p.strip() for p in parts if p.strip()]


def _value(m: re.Match) -> float:
    groups = m.groupdict()
    if groups.get("frac"):
        return FRACTIONS[groups["frac"].lower()]
    value = parse_number(groups["num"])
    scale = (groups.get("scale") or "").lower().rstrip(".")
    return value * {"million": 1e6, "millionen": 1e6, "mio": 1e6, "thousand": 1e3, "tausend": 1e3, "k": 1e3}.get(
        scale, 1)


def _period_unit(m: re.Match) -> tuple[str, str] | None:
    g = m.groupdict()
    tu = (g.get("tu") or "").lower()
    per = (g.get("per") or g.get("per_adv") or g.get("per_pre") or "").lower()
    if not per:
        return None   # "two hours on Twitter" without a period is not a rate
    per = "day" if per.startswith(("day", "tag", "tägl", "jeden tag", "pro tag")) else "week"
    unit = "minutes" if tu.startswith("min") else "hours"
    return f"time_per_{per}", f"{unit}_per_{per}"


def find_claims(article_id: str, text: str) -> list[dict]:
    """All checkable claims in an article's text, one dict per claim (kind, metric, platform, value, unit, …)."""
    found: dict[str, dict] = {}
    for sentence in sentences(text):
        strict_time = any(p.search(sentence) for _k, _u, p in TIME_PATTERNS)
        named = set(m.group(1).lower() for m in _PLATFORM_WORD.finditer(sentence))
        loose = LOOSE_PATTERNS if not strict_time and len(named) == 1 else []
        for kind, unit, pattern in TIME_PATTERNS + loose + OTHER_PATTERNS:
            for m in pattern.finditer(sentence):
                if kind == "time_per_period":
                    ku = _period_unit(m)
                    if ku is None:
                        continue
                    kind_, unit_ = ku
                else:
                    kind_, unit_ = kind, unit
                platform = m.groupdict().get("plat")
                platform = PLATFORMS.get(re.sub(r"\s+", " ", platform.lower())) if platform else None
                if kind_ in ("message_visibility", "group_members") or (kind == "time_per_period" and not platform):
                    platform = _platform_in(sentence)
                value = _value(m)
                key = f"{article_id}\0{kind_}\0{platform}\0{value}\0{unit_}\0{sentence}"
                cid = hashlib.sha256(key.encode()).hexdigest()[:16]
                found.setdefault(cid, {
                    "claim_id": cid, "article_id": article_id, "kind": kind_, "metric": kind_,
                    "platform": platform, "value": value, "unit": unit_, "sentence": sentence,
                    "speaker": _speaker(sentence, text),
                })
    return list(found.values())


_PLATFORM_WORD = re.compile(r"\b(Telegram|Slack|WeChat|Discord|WhatsApp|Twitter|Bluesky|Mastodon|Reddit|Facebook|"
                            r"LinkedIn|Instagram|TikTok|YouTube)\b")


def _platform_in(sentence: str) -> str | None:
    m = _PLATFORM_WORD.search(sentence)
    return PLATFORMS.get(m.group(1).lower()) if m else None


def _speaker(sentence: str, text: str) -> str | None:
    m = _SAID.search(sentence)
    if not m:
        return None
    name = next((g for g in m.groups() if g), None)
    if not name or name.split()[0] in _PRONOUNS:
        return None
    last = name.split()[-1]
    if " " in name:
        return name
    # Articles name a person in full once, then by surname: recover the full name from the text.
    full = re.search(rf"\b([A-ZÄÖÜ][a-zäöüß]+) {re.escape(last)}\b", text)
    if full and full.group(1) not in _PRONOUNS and full.group(1) not in ("Chef", "CEO", "Herr", "Frau"):
        return f"{full.group(1)} {last}"
    return last
