"""Quantities as written in English and German press: digits, number words, fractions, halves, ranges, vague
amounts ("several hundred thousand", „mehrere Stunden") and compound durations ("six hours and 45 minutes")."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from text_to_num import text2num


@dataclass(frozen=True)
class Amount:
    """A number found in a sentence: point value and range (equal for an exact figure), character span."""

    value: float
    low: float
    high: float
    start: int
    end: int
    vague: bool = False


# ---------------------------------------------------------------- number words

_EN_UNITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_EN_WORD = r"(?:" + "|".join(sorted(_EN_UNITS, key=len, reverse=True)) + r")(?:-(?:one|two|three|four|five|six|seven|eight|nine))?"
_EN_SCALE = r"(?:hundred|thousand|million|billion)"
# "two hundred and forty thousand": words and scales, "and" only between them.
# "and" only after a scale word: "one and two" is two numbers (a range after "between"), not one
EN_NUMBER_WORDS = (rf"(?:{_EN_WORD}|{_EN_SCALE})(?:(?:\s+|-)(?:{_EN_WORD}|{_EN_SCALE})"
                   rf"|(?:(?<=hundred)|(?<=thousand)|(?<=million)|(?<=billion))\s+and\s+{_EN_WORD})*")
# German writes a number as one word ("zweihundertvierzigtausend"); text2num reads the compound.
_DE_MORPH = (r"(?:null|eins|eine|ein|zwei|zwan|drei|dreiß|vier|fünf|sechs|sech|sieben|sieb|acht|neun|zehn|elf|"
             r"zwölf|zig|ig|hundert|tausend|und)")
DE_NUMBER_WORDS = rf"(?:{_DE_MORPH})+(?:\s+(?:Millionen|Million|Milliarden|Milliarde))?"
_DE_ALONE = {"ein", "eine", "eins", "und", "ig", "zig", "null"}   # morphemes that are no number on their own

_HALF_DE = {"anderthalb": 1.5, "eineinhalb": 1.5, "einundhalb": 1.5}
_FRACTION_WORDS = {
    "half": 2, "halves": 2, "third": 3, "thirds": 3, "quarter": 4, "quarters": 4, "fourth": 4, "fourths": 4,
    "fifth": 5, "fifths": 5, "sixth": 6, "sixths": 6, "eighth": 8, "eighths": 8, "tenth": 10, "tenths": 10,
    "hälfte": 2, "drittel": 3, "viertel": 4, "fünftel": 5, "sechstel": 6, "achtel": 8, "zehntel": 10,
}
_SCALE_WORDS = {"thousand": 1e3, "tausend": 1e3, "k": 1e3, "million": 1e6, "millionen": 1e6, "mio": 1e6, "mn": 1e6,
                "billion": 1e9, "milliarde": 1e9, "milliarden": 1e9, "mrd": 1e9}
# Vague amounts as ranges: "several" 2–9, "a few" 2–4; "hundreds of thousands" 200,000–900,000.
_VAGUE_COUNT = {"a few": (2, 4), "few": (2, 4), "a couple of": (2, 3), "a couple": (2, 3), "several": (2, 9),
                "a handful of": (2, 5), "ein paar": (2, 4), "einige": (2, 9), "mehrere": (2, 9), "wenige": (2, 4),
                "wenigen": (2, 4), "einigen": (2, 9), "mehreren": (2, 9)}
_VAGUE_PLURAL = {"dozens": 24, "dutzende": 24, "hundreds": 200, "hunderte": 200, "thousands": 2000,
                 "tausende": 2000, "millions": 2e6, "millionen": 2e6}
_VAGUE_TENS = {"tens of thousands": (2e4, 9e4), "zehntausende": (2e4, 9e4), "hundreds of thousands": (2e5, 9e5),
               "hunderttausende": (2e5, 9e5)}

NUMERAL = r"\d{1,3}(?:[,.\u202f\u00a0 ]\d{3})+(?![\d])|\d+(?:[.,]\d+)?"
_VAGUE_TENS_RX = re.compile(r"\b(?:" + "|".join(_VAGUE_TENS) + r")\b")
_VAGUE_WORDS = "|".join(sorted(map(re.escape, _VAGUE_COUNT), key=len, reverse=True))
_VAGUE_SCALED_RX = re.compile(rf"\b({_VAGUE_WORDS})\s+(hundred|hundert|thousand|tausend)(?:\s+(thousand|tausend))?\b")
_VAGUE_WORD_RX = re.compile(rf"\b(?:{_VAGUE_WORDS})\b")
_RANGE_RX = re.compile(rf"\s*(?:-|–|to|bis|or|oder|und|and)\s*(?P<hi>{NUMERAL}|[A-Za-zäöüß-]+)")


def parse_numeral(raw: str) -> float:
    """Digits as written in English or German: 1,000 / 1.000 / 35 000 (thousands), 1,5 / 1.5 (decimal)."""
    raw = raw.strip()
    # A separator followed by exactly three digits groups thousands in both languages ("1,000", "1.000");
    # otherwise it is a decimal point or comma ("1.5", "1,5", "20,5").
    if re.fullmatch(r"\d{1,3}(?:[,.\u202f\u00a0 ]\d{3})+", raw):
        return float(re.sub(r"\D", "", raw))
    return float(raw.replace(",", "."))


@lru_cache(maxsize=4096)
def word_number(words: str, lang: str) -> float | None:
    """A number written in words ("forty-five", "zweiundzwanzig", "two hundred thousand"), else None."""
    text = re.sub(r"\s+", " ", words.strip().lower())
    if not text:
        return None
    if lang == "de":
        m = re.fullmatch(r"(.+?)(?: (millionen|million|milliarden|milliarde))?", text)
        head, scale = m.group(1), m.group(2)
        if head in _DE_ALONE and not scale:
            return 1.0 if head in ("ein", "eine", "eins") else None
        if head in _HALF_DE:
            base = _HALF_DE[head]
        elif head.endswith("einhalb") and len(head) > 7:
            whole = word_number(head[:-7], "de")
            base = whole + 0.5 if whole is not None else None
        else:
            try:
                base = float(text2num(head, "de"))
            except (ValueError, TypeError):
                return None
        if base is None:
            return None
        return base * (_SCALE_WORDS[scale] if scale else 1)
    try:
        return float(text2num(text.replace(" and ", " "), "en"))
    except (ValueError, TypeError):
        return None


def parse_number(raw: str, lang: str = "en") -> float | None:
    """One number as written: digits ("1.000", "1,5"), words ("zwei", "forty-five") or a fraction as a
    percentage ("a fifth" = 20); None when it is none of these."""
    raw = raw.strip()
    if re.fullmatch(NUMERAL, raw):
        return parse_numeral(raw)
    frac = fractions(raw)
    if frac and frac[0].start == 0 and frac[0].end == len(raw):
        return frac[0].value
    return word_number(raw, lang) if word_number(raw, lang) is not None else word_number(raw, "de")


# ---------------------------------------------------------------- scanning a sentence

_ARTICLE = r"(?:a|an|one|ein|eine|einer|einen)"
_TOKEN_NUMBER = re.compile(
    rf"(?P<num>{NUMERAL})"
    rf"|(?P<words>\b(?:{EN_NUMBER_WORDS}|(?:{_DE_MORPH})+einhalb|anderthalb|{DE_NUMBER_WORDS})\b)",
    re.I)


# "1.1m members", "2bn users": a bare m/bn after a figure is a scale only before a count of people or posts (else
# it is metres or a currency amount)
_COUNT_NOUN = r"(?=\s+(?:[\w-]+\s+)?(?:members|followers|subscribers|users|people|fans|participants|views|posts|" \
              r"Mitglieder\w*|Follower\w*|Abonnent\w*|Nutzer\w*|Menschen|Teilnehmer\w*))"


def _scale_after(sentence: str, end: int) -> tuple[float, int]:
    m = re.match(r"\s*(thousand|tausend|million(?:en)?|mio\.?|mn|billion|milliarden?|mrd\.?|k)\b\.?"
                 rf"|(m|bn){_COUNT_NOUN}", sentence[end:], re.I)
    if not m:
        return 1.0, end
    word = (m.group(1) or {"m": "million", "bn": "billion"}[m.group(2).lower()]).lower().rstrip(".")
    return _SCALE_WORDS[word], end + m.end()


def _half_after(sentence: str, end: int) -> tuple[float, int]:
    m = re.match(r"[\s-]+and[\s-]+a[\s-]+half\b|\s+und\s+(?:ein(?:e)?\s+)?halb\b|,5\b", sentence[end:], re.I)
    return (0.5, end + m.end()) if m else (0.0, end)


def amounts(sentence: str, lang: str = "en") -> list[Amount]:
    """Every number in the sentence, with ranges ("four to eight", „zwei bis drei") and vague amounts as ranges."""
    return list(_amounts(sentence, lang))


@lru_cache(maxsize=4096)
def _amounts(sentence: str, lang: str) -> tuple[Amount, ...]:
    found: list[Amount] = []
    taken: list[tuple[int, int]] = []

    def free(a: int, b: int) -> bool:
        return all(b <= s or a >= e for s, e in taken)

    def add(amount: Amount) -> None:
        found.append(amount)
        taken.append((amount.start, amount.end))

    low = sentence.lower()
    # vague plurals of scales first: "hundreds of thousands", „Hunderttausende"
    for m in _VAGUE_TENS_RX.finditer(low):
        lo, hi = _VAGUE_TENS[m.group(0)]
        add(Amount((lo + hi) / 2, lo, hi, m.start(), m.end(), vague=True))
    # "several hundred thousand", „mehrere tausend", "a few hundred"
    for m in _VAGUE_SCALED_RX.finditer(low):
        if not free(m.start(), m.end()):
            continue
        lo, hi = _VAGUE_COUNT[m.group(1)]
        scale = (100 if m.group(2) in ("hundred", "hundert") else 1000) * (1000 if m.group(3) else 1)
        add(Amount((lo + hi) / 2 * scale, lo * scale, hi * scale, m.start(), m.end(), vague=True))
    # "several", „mehrere", „ein paar" alone: a vague count ("several hours", „ein paar Stunden") — before single
    # numbers, so „ein paar" is not „ein"; "a"/„eine" before a unit is read by the callers that expect one
    # (ARTICLE_ONE), never here
    for m in _VAGUE_WORD_RX.finditer(low):
        if free(m.start(), m.end()) and not re.match(r"\s+(?:of|der|die|des)\s+(?:the|his|her|my|their)\b",
                                                       low[m.end():]) and not _DOZEN_AFTER.match(low, m.end()):
            lo, hi = _VAGUE_COUNT[m.group(0)]
            add(Amount((lo + hi) / 2, lo, hi, m.start(), m.end(), vague=True))
    # "a dozen", "half a dozen", „zwei Dutzend": twelve each
    for m in _DOZEN_RX.finditer(low):
        n = 0.5 if m.group("half") else 1.0 if not m.group("n") else parse_number(m.group("n"), lang)
        if n is not None and free(m.start(), m.end()):
            add(Amount(12 * n, 12 * n, 12 * n, m.start(), m.end()))
    for m in re.finditer(rf"\b({_VAGUE_WORDS})\s+(?:dozen|dutzend)\b", low):
        if free(m.start(), m.end()):
            lo, hi = _VAGUE_COUNT[m.group(1)]
            add(Amount((lo + hi) / 2 * 12, lo * 12, hi * 12, m.start(), m.end(), vague=True))
    for m in re.finditer(r"\b(dozens|dutzende|hundreds|hunderte|thousands|tausende)\b", low):
        if free(m.start(), m.end()):
            lo = _VAGUE_PLURAL[m.group(1)]
            add(Amount(lo * 2.75, lo, lo * 4.5, m.start(), m.end(), vague=True))
    for m in _TOKEN_NUMBER.finditer(sentence):
        if not free(m.start(), m.end()):
            continue
        if m.group("num"):
            if m.start() > 0 and sentence[m.start() - 1].isalpha():
                continue   # "F1", "iOS12": part of a name
            value = parse_numeral(m.group("num"))
        else:
            value = word_number(m.group("words"), "de" if _looks_german(m.group("words"), lang) else "en")
            if value is None:
                continue
        end = m.end()
        scale, end = _scale_after(sentence, end)
        half, end = _half_after(sentence, end)
        value = value * scale + half * scale
        # a range: "four to eight", "4-8", „zwei bis drei", "between 2 and 3"
        r = _RANGE_RX.match(sentence, end)
        between = re.search(r"\b(?:between|zwischen)\s+$", sentence[:m.start()], re.I)
        if r and (between or not re.match(r"\s*(?:and|und)\s", sentence[end:])):
            hi_raw = r.group("hi")
            hi = (parse_numeral(hi_raw) if re.fullmatch(NUMERAL, hi_raw)
                  else word_number(hi_raw, "de" if _looks_german(hi_raw, lang) else "en"))
            if hi is not None:
                hi_scale, hi_end = _scale_after(sentence, r.end())
                hi *= hi_scale if hi_scale != 1 else scale
                if hi > value:
                    add(Amount((value + hi) / 2, value, hi, m.start(), hi_end))
                    continue
        pair = _spoken_range(sentence, m.start(), end, value, lang)
        if pair is not None:
            add(Amount((value + pair[0]) / 2, value, pair[0], m.start(), pair[1]))
            continue
        add(Amount(value, value, value, m.start(), end))
    return tuple(sorted(found, key=lambda a: a.start))


ARTICLE_ONE = re.compile(rf"\b{_ARTICLE}\b", re.I)
_DOZEN_AFTER = re.compile(r"\s+dozens?\b|\s+dutzend\b")
_DOZEN_RX = re.compile(r"\b(?:(?P<half>half\s+a|ein(?:e[sn]?)?\s+halbe[sn]?)|an?|one|ein(?:e[sn]?)?|(?P<n>\d+|two|three|"
                       r"four|five|zwei|drei|vier|fünf))\s+(?:dozen|dutzend)\b")
_NEXT_NUMBER = re.compile(rf",\s*(?P<hi>{NUMERAL}|[A-Za-zäöüß]+)\b")


def _spoken_range(sentence: str, start: int, end: int, value: float, lang: str) -> tuple[float, int] | None:
    """ "two, three hours", „vier, fünf Stunden", "20, 30 minutes": two neighbouring figures said as a range
    (the second one step above the first); a list of three or more figures is no range."""
    m = _NEXT_NUMBER.match(sentence, end)
    before = re.search(r"([\w.,]+)\s*,\s*$", sentence[:start])
    if not m or before and parse_number(before.group(1), lang) is not None:
        return None
    raw = m.group("hi")
    hi = parse_numeral(raw) if re.fullmatch(NUMERAL, raw) else word_number(
        raw, "de" if _looks_german(raw, lang) else "en")
    if hi is None or _NEXT_NUMBER.match(sentence, m.end()):
        return None
    step = hi - value
    if value >= 1000:
        return None   # "2019, 2020": years
    if step == 1 or (value >= 10 and value % 5 == 0 and step in (5, 10)):
        return hi, m.end()
    return None


def _looks_german(word: str, lang: str) -> bool:
    w = word.lower()
    if lang == "de":
        return not re.fullmatch(EN_NUMBER_WORDS, w) or bool(re.fullmatch(DE_NUMBER_WORDS, w))
    return bool(re.fullmatch(DE_NUMBER_WORDS, w)) and not re.fullmatch(EN_NUMBER_WORDS, w) or "einhalb" in w


# ---------------------------------------------------------------- counts of times

_ONCE_WORDS = {"once": 1, "twice": 2, "thrice": 3}
_NOT_TIMES = {"manch", "noch", "dies", "aber", "jedes", "zu", "erst", "letzt", "nächst", "x"}
# "once", "twice", „zweimal", „zwanzigmal", "10-mal"
_TIMES_WORD = re.compile(r"\b(?:(?P<en>once|twice|thrice)|(?P<de>[a-zäöüß]+|\d+)-?mal)\b", re.I)
# „drei- bis viermal", „ein-, zweimal", „zwei- oder dreimal": the first figure's word is cut short by a hyphen
_TIMES_RANGE = re.compile(r"\b(?P<a>[a-zäöüß]+|\d+)(?:-\s*,?|\s*,)\s*(?:(?:bis|oder)\s+)?(?P<b>(?:[a-zäöüß]+|\d+)-?mal)\b",
                          re.I)


def _times_value(word: str) -> float | None:
    m = _TIMES_WORD.fullmatch(word)
    if m is None:
        return None
    if m.group("en"):
        return float(_ONCE_WORDS[m.group("en").lower()])
    head = m.group("de")
    if head.isdigit():
        return float(head)
    return None if head.lower() in _NOT_TIMES else word_number(head, "de")


def times(sentence: str, lang: str = "en") -> list[Amount]:
    """How many times: "twice", „zweimal", "once or twice", „drei- bis viermal", „ein-, zweimal" (a range)."""
    out: list[Amount] = []
    for m in _TIMES_RANGE.finditer(sentence):
        a = m.group("a")
        low = float(a) if a.isdigit() else word_number(a, "de")
        high = _times_value(m.group("b"))
        if low is not None and high is not None and low < high:
            out.append(Amount((low + high) / 2, low, high, m.start(), m.end()))
    for m in _TIMES_WORD.finditer(sentence):
        v = _times_value(m.group(0))
        if v is None or any(a.start <= m.start() < a.end for a in out):
            continue
        prev = out[-1] if out else None
        # "once or twice": two words joined by "or"
        if prev and prev.end <= m.start() and re.fullmatch(r"\s*(?:or|to|oder|bis)\s*", sentence[prev.end:m.start()]) \
                and prev.high < v:
            out[-1] = Amount((prev.low + v) / 2, prev.low, v, prev.start, m.end())
            continue
        out.append(Amount(v, v, v, m.start(), m.end()))
    return sorted(out, key=lambda a: a.start)


# ---------------------------------------------------------------- fractions and shares

_FRACTION = re.compile(
    r"\b(?P<num>a|an|one|two|three|four|ein|eine|einem|einen|zwei|drei|vier|die|der)[\s-]+"
    r"(?:(?:good|solid|full|gutes|guten|knappes|knappen)\s+)?(?P<den>halves|half|thirds?|quarters?|fourths?|fifths?|sixths?|eighths?|tenths?|hälfte|drittel|viertel|"
    r"fünftel|sechstel|achtel|zehntel)\b"
    r"|\b(?P<bare>half|hälfte)\b", re.I)
_NUMERATOR = {"a": 1, "an": 1, "one": 1, "ein": 1, "eine": 1, "einem": 1, "einen": 1, "die": 1, "der": 1, "two": 2,
              "zwei": 2, "three": 3, "drei": 3, "four": 4, "vier": 4}


def fractions(sentence: str) -> list[Amount]:
    """Fractions as percentages: "one-fifth" / „ein Fünftel" = 20, "half" / „die Hälfte" = 50."""
    out = []
    for m in _FRACTION.finditer(sentence):
        if m.group("bare"):
            value = 50.0
        else:
            value = 100.0 * _NUMERATOR[m.group("num").lower()] / _FRACTION_WORDS[m.group("den").lower()]
        out.append(Amount(value, value, value, m.start(), m.end()))
    return out


PERCENT = re.compile(r"\s*(?:%|percent\b|per\s+cent\b|pct\b|prozent\b|v\.\s?h\.)", re.I)


def percentages(sentence: str, lang: str = "en") -> list[Amount]:
    """Percent figures ("20%", "twenty per cent", „knapp 20 Prozent") and fractions, as percentages."""
    out = [a for a in amounts(sentence, lang) if PERCENT.match(sentence, a.end)]
    out = [Amount(a.value, a.low, a.high, a.start, PERCENT.match(sentence, a.end).end(), a.vague) for a in out]
    taken = [(a.start, a.end) for a in out]
    out += [f for f in fractions(sentence) if all(f.end <= s or f.start >= e for s, e in taken)]
    return sorted(out, key=lambda a: a.start)


# ---------------------------------------------------------------- durations

_HOUR = r"(?:hours?|hrs?\.?|h\b|stunden|stunde|std\.?)"
_MINUTE = r"(?:minutes?|mins?\.?|minuten|minute|min\.?)"
_SECOND = r"(?:seconds?|secs?\.?|sekunden|sekunde|sek\.?|s\b)"
UNIT = re.compile(rf"\s*(?:-\s*)?(?P<unit>{_HOUR}|{_MINUTE}|{_SECOND})(?![\w-])", re.I)
UNIT_SECONDS = {"h": 3600, "m": 60, "s": 1}


@dataclass(frozen=True)
class Duration:
    """A length of time in seconds (a range for "four to eight hours"), its largest unit and span."""

    seconds: float
    low: float
    high: float
    unit: str          # "h", "m" or "s": the largest unit written
    has_minutes: bool  # "six hours and 45 minutes": report in minutes
    start: int
    end: int
    vague: bool = False


def _unit_key(word: str) -> str:
    w = word.lower()
    if re.fullmatch(_HOUR, w, re.I):
        return "h"
    if re.fullmatch(_MINUTE, w, re.I):
        return "m"
    return "s"


def durations(sentence: str, lang: str = "en") -> list[Duration]:
    """Durations: "two hours", "90 Minuten", „dreieinhalb Stunden", "half an hour", "six hours and 45 minutes"."""
    nums = amounts(sentence, lang)
    out: list[Duration] = []
    # "an hour", "a minute", „eine Stunde": the article is the number
    extra = [Amount(1, 1, 1, m.start(), m.end()) for m in ARTICLE_ONE.finditer(sentence)
             if UNIT.match(sentence, m.end()) and all(not (a.start <= m.start() < a.end) for a in nums)]
    # "a quarter of an hour", "three quarters of an hour", „eine Viertelstunde", „eine Dreiviertelstunde"
    quarters = []
    for m in re.finditer(r"\b(?:(?P<q3>three[\s-]quarters|(?:eine\s+)?drei[\s-]?viertel)|(?:a|one|eine?)[\s-]+(?:quarter|"
                         r"viertel))(?:\s+of\s+an\s+hour|\s*stunde|\s+hour)\b", sentence, re.I):
        v = 45.0 if m.group("q3") else 15.0
        quarters.append((Amount(v, v, v, m.start(), m.end()), "m", m.end(), 0.0))
    # "half an hour", „eine (gute|knappe) halbe Stunde"
    for m in re.finditer(r"\b(?:half\s+an?|a\s+half|(?:eine|einer)\s+(?:(?:gute|guten|knappe|knappen|ganze|ganzen)\s+)?"
                         r"halben?)\b", sentence, re.I):
        if UNIT.match(sentence, m.end()):
            extra.append(Amount(0.5, 0.5, 0.5, m.start(), m.end()))
    parts = []
    for a in sorted(nums + extra, key=lambda a: (a.start, -a.end)):
        if parts and a.start < parts[-1][2] or any(q.start <= a.start < q.end for q, *_r in quarters):
            continue   # "half an hour": "an hour" inside it is the same duration
        u = UNIT.match(sentence, a.end)
        if not u or u.end() < len(sentence) and sentence[u.end()] == "-":
            continue   # „Acht-Stunden-Arbeitstage": part of a compound noun, no duration of its own
        if u.group("unit").lower() in ("h", "s") and not sentence[a.start].isdigit():
            continue   # "two s" is no duration; "2 h" is
        key = _unit_key(u.group("unit"))
        half = re.match(r"\s+and\s+a\s+half\b|\s+und\s+eine\s+halbe\b", sentence[u.end():], re.I)
        parts.append((a, key, u.end() + (half.end() if half else 0), 0.5 if half else 0.0))
    parts = sorted(parts + quarters, key=lambda part: part[0].start)
    i = 0
    while i < len(parts):
        a, key, end, half = parts[i]
        secs, low, high = ((v + half) * UNIT_SECONDS[key] for v in (a.value, a.low, a.high))
        has_minutes = key == "m"
        # "six hours and 45 minutes", "3 h 20 min", „fünf Stunden und neun Minuten"
        while i + 1 < len(parts):
            b, bkey, bend, _ = parts[i + 1]
            if UNIT_SECONDS[bkey] >= UNIT_SECONDS[key] or not re.fullmatch(r"\s*(?:,|and|und)?\s*",
                                                                             sentence[end:b.start]):
                break
            secs, low, high = secs + b.value * UNIT_SECONDS[bkey], low + b.low * UNIT_SECONDS[bkey], \
                high + b.high * UNIT_SECONDS[bkey]
            has_minutes = has_minutes or bkey == "m"
            end = bend
            i += 1
        out.append(Duration(secs, low, high, key, has_minutes, a.start, end, a.vague))
        i += 1
    # „mehrere Stunden", "several hours" without a number word handled by amounts(); "hours" alone is not a claim
    return out
