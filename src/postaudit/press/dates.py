"""Dates and periods named in a sentence ("March 25, 2022", „23. September 2011", "seit 2009", "last week"),
resolved against the article's publication date where they are relative."""

from __future__ import annotations

import re
from datetime import date, timedelta

MONTHS = {m: i for i, names in enumerate([
    ("january", "januar", "jan"), ("february", "februar", "feb"), ("march", "märz", "mar", "mär"),
    ("april", "apr"), ("may", "mai"), ("june", "juni", "jun"), ("july", "juli", "jul"), ("august", "aug"),
    ("september", "sep", "sept"), ("october", "oktober", "oct", "okt"), ("november", "nov"),
    ("december", "dezember", "dec", "dez")], 1) for m in names}
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_DATE = re.compile(
    rf"\b(?P<m1>{_MONTH})\.?\s+(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y1>(?:19|20)\d\d)\b"
    rf"|\b(?P<d2>\d{{1,2}})\.?\s+(?P<m2>{_MONTH})\.?\s+(?P<y2>(?:19|20)\d\d)\b"
    rf"|\b(?P<m3>{_MONTH})\.?\s+(?:of\s+)?(?P<y3>(?:19|20)\d\d)\b"
    r"|\b(?P<d4>\d{1,2})\.(?P<mo4>\d{1,2})\.(?P<y4>(?:19|20)\d\d)\b"
    r"|\b(?P<y5>(?:19|20)\d\d)-(?P<mo5>\d\d)-(?P<d5>\d\d)\b"
    r"|\b(?P<season>spring|summer|autumn|fall|winter|Frühjahr|Frühling|Sommer|Herbst|Winter)\s+(?:of\s+)?"
    r"(?P<y7>(?:19|20)\d\d)\b"
    r"|\b(?:in|im|seit|since|from|ab|von|bis|until|zur|zum|schon|already|back in|Jahr|year)\s+(?:dem\s+Jahr\s+|the\s+year\s+)?"
    r"(?P<y6>(?:19|20)\d\d)\b",
    re.I)
_SEASON_MONTH = {"spring": 3, "frühjahr": 3, "frühling": 3, "summer": 6, "sommer": 6, "autumn": 9, "fall": 9,
                 "herbst": 9, "winter": 12}
_RELATIVE = re.compile(
    r"\b(?P<yesterday>yesterday|gestern)\b|\b(?P<today>today|heute)\b"
    r"|\b(?P<lastweek>last week|the past week|letzte[n]? Woche|vergangene[n]? Woche|der Vorwoche)\b"
    r"|\b(?P<thisweek>this week|diese[rn]? Woche)\b"
    r"|\b(?P<lastyear>last year|letzte[ns]? Jahr|vergangene[ns]? Jahr|im Vorjahr)\b",
    re.I)


def dates_in(text: str) -> list[tuple[date, int]]:
    """Absolute dates in a text with their position; a month or year alone is its first day."""
    out = []
    for m in _DATE.finditer(text):
        g = m.groupdict()
        try:
            if g["y1"]:
                d = date(int(g["y1"]), MONTHS[g["m1"].lower()], int(g["d1"]))
            elif g["y2"]:
                d = date(int(g["y2"]), MONTHS[g["m2"].lower()], int(g["d2"]))
            elif g["y3"]:
                d = date(int(g["y3"]), MONTHS[g["m3"].lower()], 1)
            elif g["y4"]:
                d = date(int(g["y4"]), int(g["mo4"]), int(g["d4"]))
            elif g["y7"]:
                d = date(int(g["y7"]), _SEASON_MONTH[g["season"].lower()], 1)
            elif g["y5"]:
                d = date(int(g["y5"]), int(g["mo5"]), int(g["d5"]))
            else:
                d = date(int(g["y6"]), 1, 1)
        except ValueError:
            continue
        out.append((d, m.start()))
    return out


def period_in(text: str, published: date | None) -> tuple[date | None, date | None, str | None]:
    """The period a sentence names relative to publication ("last week"): (start, end, which) or Nones."""
    m = _RELATIVE.search(text)
    if not m:
        return None, None, None
    which = m.lastgroup
    if published is None:
        return None, None, which
    if which == "yesterday":
        day = published - timedelta(days=1)
        return day, day, which
    if which == "today":
        return published, published, which
    monday = published - timedelta(days=published.weekday())
    if which == "lastweek":
        return monday - timedelta(days=7), monday - timedelta(days=1), which
    if which == "thisweek":
        return monday, published, which
    return date(published.year - 1, 1, 1), date(published.year - 1, 12, 31), which
