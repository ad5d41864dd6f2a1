"""Turn article HTML into clean text: strip markup and scraper boilerplate, detect the language."""

from __future__ import annotations

import html
import re
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlparse, urlunparse

# Scraper sites wrap copied articles in ad-slot shortcodes like "[ad_1]" … "[ad_2]" (WordPress ad plugins such
# as Ad Inserter), sometimes "[ads]", "[adsense]" or "[ad#top]"; WordPress also leaks "[caption …]" shortcodes.
_AD_MARKER = re.compile(r"\[/?(?:ad(?:[_#\s-]?\w{0,12})?|ads(?:ense)?|advert\w*|caption[^\]]{0,200})\]", re.I)
# The auto-blog footer and its relatives. Matched up to the end of the sentence/URL, not the whole line, because
# flattened copies can put the next paragraph on the same line.
_URLISH = r"(?:\s*:?\s*(?:<?https?://\S+|\S+\.\w{2,}/\S*)>?)?"
_DISCLAIMERS = re.compile(
    "|".join([
        r"this (?:post|article|story|content) (?:is|was) (?:a |an )?(?:public |automatically generated )?"
        r"(?:rss|news)[ -]?feed(?: item)?[^.\n]*\.?",
        r"(?:you can )?(?:find|read) the original (?:post|article|story)(?: here| at| on)?" + _URLISH + r"\.?",
        r"(?:this|the) (?:post|article) .{0,80}? appeared first on [^.\n]*\.?",
        r"(?:originally|first) published (?:at|on|by) [^.\n]*\.?",
        r"(?:source|quelle|via)\s*:?\s*(?:link|original|<?https?://\S+)\.?",
        r"read (?:the )?(?:full|original) (?:story|article)(?: at| on| here)?" + _URLISH + r"\.?",
        r"dieser (?:beitrag|artikel) (?:ist|wurde) (?:ein |eine |aus einem )?(?:öffentliche[nr]? )?rss-?feed[^.\n]*\.?",
        r"(?:der |den )?original(?:beitrag|artikel) (?:finden sie|gibt es|lesen sie) (?:hier|unter|auf)" + _URLISH + r"\.?",
        r"(?:dieser (?:beitrag|artikel) )?erschien zuerst (?:auf|bei) [^.\n]*\.?",
        r"disclaimer\s*:\s*we (?:do not|don't) own[^.\n]*\.?",
    ]),
    re.I,
)
_NETWORKS = (r"facebook|twitter|x|linkedin|whatsapp|telegram|reddit|e-?mail|print|drucken|pinterest|tumblr|pocket|"
             r"xing|mastodon|threads|bluesky|messenger|flipboard|copy link|link kopieren|more|mehr|tweet|share|"
             r"teilen|pin it|like|gefällt mir|loading\W*")
# A share widget: "Share this: Facebook Twitter …", "Teilen: …", "Click to share on Twitter (Opens in new window)".
_SHARE_INLINE = re.compile(  # within one line: a widget never spans paragraphs
    r"(?:share this(?: article| story| post)?|share on|teilen(?: auf| mit)?|diesen artikel teilen|like this)[ \t]*:?[ \t]*"
    rf"(?:(?:{_NETWORKS})\b[ \t,|·•/]*)+", re.I)
_SHARE_LINE = re.compile(
    rf"^\s*(?:(?:click to share on|share on|teilen auf|auf)\s+)?(?:(?:{_NETWORKS})\b[\s,|·•/:()]*"
    r"(?:\(opens in new window\))?[\s,|·•/]*)+$", re.I)
_RELATED = re.compile(r"^\s*(?:related(?: posts| articles| stories)?|ähnliche (?:beiträge|artikel)|"
                      r"mehr zum thema|also read|read more|weiterlesen|tags?|share this|like this|teilen|"
                      r"gefällt mir|like loading\W*|loading\W*|advertisement|anzeige|werbung)\s*:?\s*$", re.I)
# WordPress "sharedaddy": "Click to share on Twitter (Opens in new window)", "Like Loading..."
_CLICK_TO_SHARE = re.compile(r"click to (?:share on|email a link to a friend|print)\s*[\w.+-]*\s*"
                             r"(?:\(opens in new window\))?|\blike loading\s*(?:\.{3}|…)?", re.I)
_DROP_ELEMENTS = re.compile(r"<(script|style|noscript|template|svg|nav|aside|form|iframe)\b[^>]*>.*?</\1\s*>",
                            re.S | re.I)
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_TAG = re.compile(r"<[^>]*>?")
_BLOCK = re.compile(r"</?(?:p|div|br|li|ul|ol|h[1-6]|section|article|blockquote|tr|table|figure|figcaption|header|"
                    r"footer)\b[^>]*>", re.I)


def html_to_text(markup: str | None) -> str:
    """Plain text from an HTML fragment (broken markup tolerated), paragraphs kept as line breaks."""
    if not markup:
        return ""
    text = _COMMENT.sub(" ", markup)
    text = _DROP_ELEMENTS.sub(" ", text)
    # An unclosed <script> (truncated page) would otherwise spill code into the text: drop it to the end.
    text = re.sub(r"<(script|style)\b.*", " ", text, flags=re.S | re.I)
    text = _BLOCK.sub("\n", text)
    text = _TAG.sub(" ", text)
    return html.unescape(text).replace("\xa0", " ")


# Page furniture that scrapers keep as lines of text: cookie banners, paywall and subscription prompts, reading
# time, breadcrumbs, "skip to content", ad labels, bare time stamps and dates.
_FURNITURE = re.compile(
    r"^\W*(?:"
    r"skip to (?:main )?content|header ads?|advertisement|anzeige|werbung|sponsored|mehr anzeigen|show more|"
    r"(?:lesedauer|reading time|lesezeit)\s*:?\s*(?:ca\.\s*)?\d+\s*(?:minuten|minutes|min\.?)|"
    r"\d+\s*(?:min(?:ute)?s?\.?|minuten)\s+(?:read|lesezeit|lesen)|"
    r"zur startseite|jetzt weiterlesen|weiterlesen|read more|testen sie unsere angebote\.?|"
    r"(?:diesen|diese[nr]?) und viele weitere artikel lesen sie[^\n]*|"
    r"ending soon!?.*|save \d+\s*% on [^\n]{0,40}|subscribe(?: now)?|jetzt abonnieren|newsletter abonnieren|"
    r"sign up for (?:our|the) newsletter[^\n]*|visit [^\n]{0,40} homepage for more stories\.?|"
    r"(?:we|this (?:web)?site) uses? cookies[^\n]*|wir verwenden cookies[^\n]*|diese (?:web)?seite verwendet cookies[^\n]*|"
    r"(?:accept|akzeptieren|alle akzeptieren|accept all)(?: cookies)?|cookie[- ]?(?:settings|einstellungen)|"
    r"(?:all rights reserved|alle rechte vorbehalten)\.?|©[^\n]{0,80}|"
    r"schlagwörter|schlagworte|dazu passende beiträge:?|ähnliche themen\w*[^\n]{0,200}|"
    r"\d{1,2}\.\s*(?:home|startseite)|"
    r"[-–|]?\s*\d{1,2}:\d{2}(?:\s*uhr)?|"
    r"\d{1,2}\.\d{1,2}\.\d{2,4}|"
    r"(?:january|february|march|april|may|june|july|august|september|october|november|december)\s+\d{1,2},\s+\d{4}|"
    r"•+|[-–—]+"
    r")\W*$", re.I)
# Photo credits left inline by scrapers: "Bild: Keystone", "Foto: SRF/Jane Roe", "Credit: Getty Images",
# "Jane Roe/WireImage" glued to a caption.
_CREDIT = re.compile(
    r"\b(?:Bild|Foto|Fotos|Photo|Image|Credit|Bildquelle)\s*:\s*[\w.&-]+(?:\s+Images)?"
    r"(?:\s*/\s*[\w.&-]+(?:\s+[A-ZÄÖÜ][\w-]+)?)?"
    r"|(?<=[.\s])[A-Z][a-z]+\s[A-Z][\w-]+/(?:WireImage|Getty Images|Reuters|AFP|AP|dpa|imago|Shutterstock|"
    r"picture alliance|Keystone)\b"
    r"|^[\w .&-]{0,40}\|\s*(?:Getty Images|Reuters|AFP|AP|dpa|imago|Shutterstock|Keystone)\s*$", re.M)


def strip_boilerplate(text: str) -> str:
    """Remove ad markers, RSS-feed disclaimers, share widgets, cookie and paywall text, photo credits and
    'related' headers; tidy white space."""
    text = _AD_MARKER.sub(" ", text or "")
    text = _DISCLAIMERS.sub(" ", text)
    text = _CLICK_TO_SHARE.sub(" ", text)
    text = _SHARE_INLINE.sub(" ", text)
    text = _CREDIT.sub(" ", text)
    lines = []
    for line in text.splitlines():
        line = re.sub(r"[ \t\r\f\v]+", " ", line).strip()
        line = re.sub(r"\s+(?:Mehr anzeigen|Show more|Read more)$", "", line)
        if (not re.search(r"\w", line) or _SHARE_LINE.match(line) or _RELATED.match(line)
                or _FURNITURE.match(line)):
            continue
        lines.append(line)
    return "\n".join(lines)


def clean_title(title: str | None) -> str | None:
    """A headline without ad markers or page furniture; None when nothing of it is left."""
    if not title:
        return None
    cleaned = " ".join(strip_boilerplate(title).split())
    return cleaned or None


def clean_text(body_html: str | None = None, body_text: str | None = None) -> str:
    """Clean article text from extracted text when there is some, else from the HTML fragment."""
    return strip_boilerplate(body_text if body_text else html_to_text(body_html))


# GDELT names languages in English; the warehouse uses ISO 639-1 codes.
LANGUAGE_NAMES = {
    "english": "en", "german": "de", "french": "fr", "spanish": "es", "italian": "it", "dutch": "nl",
    "portuguese": "pt", "chinese": "zh", "japanese": "ja", "korean": "ko", "russian": "ru", "turkish": "tr",
    "arabic": "ar", "polish": "pl", "swedish": "sv",
}


def language_code(declared: str | None) -> str | None:
    """ISO 639-1 code from a declared language ("en-US", "German", "de")."""
    if not declared:
        return None
    value = declared.strip().lower()
    if value in LANGUAGE_NAMES:
        return LANGUAGE_NAMES[value]
    code = re.split(r"[-_]", value)[0]
    return code if re.fullmatch(r"[a-z]{2}", code) else None


@lru_cache(maxsize=1)
def _detector():
    # lingua ships its language models inside the wheel, so this works offline.
    from lingua import Language, LanguageDetectorBuilder

    langs = [Language.ENGLISH, Language.GERMAN, Language.FRENCH, Language.SPANISH, Language.ITALIAN,
             Language.DUTCH, Language.PORTUGUESE, Language.CHINESE, Language.JAPANESE, Language.RUSSIAN]
    return LanguageDetectorBuilder.from_languages(*langs).build()


MIN_CHARS = 20  # below this, a language guess is noise


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the text's language, or None when too little text to tell."""
    return detect_languages([text])[0]


def detect_languages(texts: list[str]) -> list[str | None]:
    """detect_language for many texts at once (lingua runs them in parallel)."""
    idx = [i for i, t in enumerate(texts) if t and len(t.strip()) >= MIN_CHARS]
    out: list[str | None] = [None] * len(texts)
    if not idx:
        return out
    found = _detector().detect_languages_in_parallel_of([texts[i][:2000] for i in idx])
    for i, lang in zip(idx, found, strict=True):
        out[i] = lang.iso_code_639_1.name.lower() if lang else None
    return out


_TRACKING = re.compile(r"^(utm_\w+|fbclid|gclid|mc_cid|mc_eid|ref|ref_src|cmpid|ocid|at_\w+|__twitter_impression)$",
                       re.I)


def normalize_url(url: str | None) -> str | None:
    """A URL key for one article: scheme-less, lower-case host without www, no tracking parameters or fragment."""
    if not url:
        return None
    p = urlparse(url.strip())
    if not p.netloc:
        return url.strip()
    host = p.netloc.lower()
    host = host[4:] if host.startswith("www.") else host
    host = re.sub(r"^(m|amp|mobile)\.", "", host)
    path = re.sub(r"/(amp|index\.html?)/?$", "/", p.path or "/").rstrip("/") or "/"
    query = urlencode(sorted((k, v) for k, v in parse_qsl(p.query, keep_blank_values=True) if not _TRACKING.match(k)))
    return urlunparse(("", host, path, "", query, ""))[2:]
