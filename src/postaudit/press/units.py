"""An article as a list of sentence units: the headline, then each paragraph's sentences (pysbd, per language),
with repeated captions and headlines dropped and a headline glued to the first paragraph cut off."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import pysbd


@dataclass(frozen=True)
class Unit:
    """One sentence (or one quoted passage pysbd keeps whole) of an article."""

    index: int
    paragraph: int
    text: str
    headline: bool = False


@lru_cache(maxsize=8)
def _segmenter(lang: str) -> pysbd.Segmenter:
    return pysbd.Segmenter(language=lang if lang in ("en", "de") else "en", clean=False)


def _segments(paragraph: str, lang: str) -> list[str]:
    """pysbd's sentences, found back in the paragraph by position.

    pysbd's own segment() finds each sentence with a pattern of that sentence (re.escape), so every sentence of
    every article is compiled once and evicts the patterns pysbd and this package use again from re's cache
    (512 entries): about 40% of the extraction's time under the profiler.
    """
    out, at = [], 0
    for sent in _segmenter(lang).processor(paragraph).process():
        start = paragraph.find(sent, at)
        if start < 0:
            continue   # pysbd drops a sentence it cannot find back in the text too
        out.append(paragraph[start:start + len(sent)])
        at = start + len(sent)
    return out


def _key(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


_BOUNDARY = re.compile(r"[.!?…][\"“”»«'’)]*\s+\S")
_BULLET = re.compile(r"^\s*(?:[-–•*·]|\d{1,2}[.)](?=\s+\D))\s+")


def split_sentences(paragraph: str, lang: str = "en") -> list[str]:
    """Sentences of one paragraph; a quote that spans several sentences stays in one piece."""
    if not _BOUNDARY.search(paragraph):
        return [paragraph.strip()] if paragraph.strip() else []   # one sentence: pysbd is slow, skip it
    out = []
    for s in _segments(paragraph, lang):
        # pysbd keeps „… zu viel.» Next sentence" together: a closing quote after a full stop ends a sentence
        out += [p.strip() for p in re.split(r"(?<=[.!?][»“”\"])\s+(?=[A-ZÄÖÜ])", s) if p.strip()]
    # „3 Std. 40 Min. täglich": a unit's abbreviation before a lower-case word ends no sentence
    merged: list[str] = []
    for sent in out:
        if merged and _ABBREVIATED_UNIT.search(merged[-1]) and sent[:1].islower():
            merged[-1] = f"{merged[-1]} {sent}"
        else:
            merged.append(sent)
    return merged


_ABBREVIATED_UNIT = re.compile(r"\d\s*(?:Std|Min|Sek|hrs?|mins?|secs?|Mio|Mrd|Tsd)\.$", re.I)


def to_units(text: str, title: str | None = None, lang: str | None = None) -> list[Unit]:
    """The headline and every distinct sentence of the text, in order, each with its paragraph number."""
    lang = lang or "en"
    units: list[Unit] = []
    seen: set[str] = set()
    head_key = _key(title) if title else ""
    if title and head_key:
        units.append(Unit(0, 0, title.strip(), headline=True))
        seen.add(head_key)
    for p, line in enumerate((text or "").split("\n"), 1):
        line = _BULLET.sub("", line).strip()
        if not line:
            continue
        if head_key and _key(line).startswith(head_key) and _key(line) != head_key:
            # a spun copy glues the headline to the first paragraph: cut it off at the word it ends with
            line = _after_prefix(line, title)
        for sentence in split_sentences(line, lang):
            k = _key(sentence)
            if not k or k in seen:
                continue   # captions and headlines repeated by carousels and scrapers
            seen.add(k)
            units.append(Unit(len(units), p, sentence))
    return units


def _after_prefix(line: str, title: str) -> str:
    words = re.findall(r"\w+", title)
    pattern = r"\W*".join(map(re.escape, words))
    m = re.match(r"\W*" + pattern + r"[\s:.–—-]*", line, re.I)
    return line[m.end():] if m else line
