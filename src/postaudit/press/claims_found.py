"""Find quantitative claims in article text: time-share on a platform (English and German) and other checkable figures."""

from __future__ import annotations

import hashlib
import re

PLATFORMS = {
    "twitter": "x", "x": "x", "telegram": "telegram", "slack": "slack", "wechat": "wechat",
    "bluesky": "bluesky", "mastodon": "mastodon", "social media": "all", "sozialen medien": "all",
}
_PLAT = r"(Twitter|X|Telegram|Slack|WeChat|Bluesky|Mastodon|social media|sozialen Medien)"
_NUM = r"(\d+(?:[.,]\d+)?)"
WORD_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "ten": 10,
                "ein": 1, "eine": 1, "zwei": 2, "drei": 3, "vier": 4, "fünf": 5, "zehn": 10}

PATTERNS: list[tuple[str, str, re.Pattern]] = [
    # (kind, unit, pattern with groups: number, platform)
    ("time_share", "percent", re.compile(
        _NUM + r"\s*(?:%|percent|per cent)\s+of\s+(?:my|his|her|their|the)\s+(?:working\s+)?time\s+(?:on|using)\s+" + _PLAT,
        re.I)),
    ("time_share", "percent", re.compile(
        _NUM + r"\s*(?:%|Prozent)\s+(?:meiner|seiner|ihrer)\s+(?:Arbeits)?[Zz]eit\s+(?:auf|bei|in|mit)\s+" + _PLAT)),
    ("time_per_day", "hours_per_day", re.compile(
        _NUM + r"\s+hours?\s+(?:a|per|each)\s+day\s+on\s+" + _PLAT, re.I)),
    ("time_per_day", "hours_per_day", re.compile(
        _NUM + r"\s+Stunden\s+(?:am|pro)\s+Tag\s+(?:auf|bei|in)\s+" + _PLAT)),
]
OTHER: list[tuple[str, str, re.Pattern]] = [
    ("message_visibility", "seconds", re.compile(
        r"(?:stays?|remains?|bleibe?t?)\s+(?:on screen|sichtbar)?\s*(?:for\s+)?(?:about|around|etwa|nur etwa|rund)?\s*"
        r"(\d+|one|two|three|five|ten|zwei|drei|fünf|zehn)\s+(?:seconds|Sekunden)", re.I)),
    ("message_visibility", "seconds", re.compile(
        r"(?:about|around|etwa|nur etwa|rund)\s+(\d+|one|two|three|five|ten|zwei|drei|fünf|zehn)\s+(?:seconds|Sekunden)\s+"
        r"(?:on screen|sichtbar)", re.I)),
    ("headcount", "people", re.compile(
        r"(?:more than|over|mehr als|über)\s+(\d{1,3}(?:[.,]\d{3})+|\d+)\s+(?:people|employees|staff|Mitarbeiter(?:innen)?)",
        re.I)),
]
_SAID = re.compile(r"[\"“„”]\s*,?\s*(?:said|says|sagte|sagt)\s+([A-Z][\w-]+)|([A-Z][\w-]+)\s+(?:said|says|sagte)\b")


def _number(raw: str) -> float:
    raw = raw.strip().lower()
    if raw in WORD_NUMBERS:
        return float(WORD_NUMBERS[raw])
    if re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", raw):
        return float(re.sub(r"[.,]", "", raw))
    return float(raw.replace(",", "."))


def sentences(text: str) -> list[str]:
    """Split text into sentences, keeping quotes with the sentence that attributes them."""
    parts = re.split(r"(?<=[.!?])\s+(?=[A-ZÄÖÜ„\"“])", text.replace("\n", " "))
    return [p.strip() for p in parts if p.strip()]


def find_claims(article_id: str, text: str) -> list[dict]:
    """All checkable claims in an article's text, one dict per claim."""
    found = []
    for sentence in sentences(text):
        for kind, unit, pattern in PATTERNS + OTHER:
            for m in pattern.finditer(sentence):
                platform = PLATFORMS.get(m.group(2).lower(), m.group(2).lower()) if m.lastindex and m.lastindex >= 2 else None
                if kind in ("message_visibility",):
                    platform = "telegram" if re.search(r"telegram", sentence, re.I) else None
                speaker = _speaker(sentence, text)
                cid = hashlib.sha256(f"{article_id}\0{kind}\0{sentence}".encode()).hexdigest()[:16]
                found.append({
                    "claim_id": cid, "article_id": article_id, "kind": kind, "metric": kind,
                    "platform": platform, "value": _number(m.group(1)), "unit": unit,
                    "sentence": sentence, "speaker": speaker,
                })
    unique = {c["claim_id"]: c for c in found}
    return list(unique.values())


def _speaker(sentence: str, text: str) -> str | None:
    m = _SAID.search(sentence)
    if not m:
        return None
    last = m.group(1) or m.group(2)
    # Articles name a person in full once, then by surname: recover the full name from the text.
    full = re.search(rf"\b([A-Z][a-z]+) {re.escape(last)}\b", text)
    return f"{full.group(1)} {last}" if full else last
