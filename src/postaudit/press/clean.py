"""Turn article HTML into clean text: strip markup and scraper boilerplate, detect the language."""

from __future__ import annotations

import html
import re
from functools import lru_cache

# Scraper sites wrap copied articles in ad-slot markers like "[ad_1]" (WordPress ad plugins)
# and a footer pointing at the original; none of it is the story.
_AD_MARKER = re.compile(r"\[ad_\d+\]", re.I)
_RSS_DISCLAIMER = re.compile(
    r"(this (post|article) is (a|an) (public )?rss feed[^\n]*|you can find the original (post|article) at[^\n]*|"
    r"dieser (beitrag|artikel) ist ein (öffentlicher )?rss-feed[^\n]*)", re.I)
_SHARE_WIDGET = re.compile(r"^\s*(share this|teilen)\s*:.*$", re.I | re.M)
_TAG = re.compile(r"<[^>]+>")
_BLOCK = re.compile(r"</?(p|div|br|li|h[1-6]|section|article)[^>]*>", re.I)


def html_to_text(markup: str | None) -> str:
    """Plain text from an HTML fragment, paragraphs kept as line breaks."""
    if not markup:
        return ""
    text = _BLOCK.sub("\n", markup)
    text = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", text, flags=re.S | re.I)
    text = html.unescape(_TAG.sub(" ", text))
    return text


def strip_boilerplate(text: str) -> str:
    """Remove ad markers, RSS-feed disclaimers and share widgets, and tidy white space."""
    text = _AD_MARKER.sub(" ", text)
    text = _RSS_DISCLAIMER.sub(" ", text)
    text = _SHARE_WIDGET.sub(" ", text)
    lines = [re.sub(r"[ \t]+", " ", line).strip() for line in text.splitlines()]
    return "\n".join(line for line in lines if line)


@lru_cache(maxsize=1)
def _detector():
    # lingua ships its language models inside the wheel, so this works offline.
    from lingua import Language, LanguageDetectorBuilder

    langs = [Language.ENGLISH, Language.GERMAN, Language.FRENCH, Language.SPANISH, Language.CHINESE]
    return LanguageDetectorBuilder.from_languages(*langs).build()


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the text's language, or None when too little text to tell."""
    if len(text.strip()) < 20:
        return None
    lang = _detector().detect_language_of(text[:2000])
    return lang.iso_code_639_1.name.lower() if lang else None
