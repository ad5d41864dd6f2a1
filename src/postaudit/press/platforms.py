"""Platform names in English and German press (Twitter, tweets, „Kurznachrichtendienst", social media in general)
and words that point back to one ("the platform", "the app", „dort"), resolved from earlier sentences."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Canonical ids. "social media" in general is `all`: judged against all of the person's accounts.
PLATFORMS = {
    "twitter": "x", "x": "x", "twitter/x": "x", "x/twitter": "x", "telegram": "telegram", "slack": "slack",
    "wechat": "wechat", "weixin": "wechat", "bluesky": "bluesky", "mastodon": "mastodon", "linkedin": "linkedin",
    "instagram": "instagram", "facebook": "facebook", "tiktok": "tiktok", "youtube": "youtube",
    "threads": "threads", "discord": "discord", "whatsapp": "whatsapp", "reddit": "reddit", "snapchat": "snapchat",
    "pinterest": "pinterest", "twitch": "twitch", "truth social": "truth_social", "weibo": "weibo",
    "social media": "all", "sozialen medien": "all", "sozialen netzwerken": "all", "social networks": "all",
}
_NAMES = [
    (r"\bTwitter\w*|\bTwitter-\w+|\btweet(?:s|ed|ing|er)?\b|\bTweets?\b|\b(?:re)?tweet\w*|\b(?:ge)?twitter(?:t|te|ten|n)\b|"
     r"\bzwitscher\w*|\bGezwitscher\b|\bKurznachrichtendienst\w*", "x"),
    # "X" is only the platform when written as its name in a platform context: never case-insensitively.
    (r"(?-i:(?<=\bon )X\b|(?<=\bauf )X\b|\bX(?= \(formerly)|\bX\.com\b|\bX(?=/Twitter)|(?<=Twitter/)X\b)", "x"),
    (r"\bTelegram\w*", "telegram"), (r"\bSlack\b", "slack"), (r"\bWe[Cc]hat\b|\bWeixin\b", "wechat"),
    (r"\bBluesky\b|\bBsky\b", "bluesky"), (r"\bMastodon\b", "mastodon"), (r"\bLinked[Ii]n\b", "linkedin"),
    (r"\bInstagram\w*|\bInsta\b|(?-i:\bIG\b)", "instagram"), (r"\bFacebook\w*|(?-i:\bFB\b)", "facebook"),
    (r"\bTik[Tt]ok\b", "tiktok"), (r"\bYou[Tt]ube\w*", "youtube"), (r"(?-i:\bThreads\b)", "threads"),
    (r"\bDiscord\b", "discord"), (r"\bWhats[Aa]pp\b", "whatsapp"), (r"\bReddit\b", "reddit"),
    (r"\bSnapchat\b", "snapchat"), (r"\bPinterest\b", "pinterest"), (r"\bTwitch\b", "twitch"),
    (r"\bTruth Social\b", "truth_social"), (r"\bWeibo\b", "weibo"),
    (r"\bsocial[ -]media\b|\bsocial networks?\b|\bsoziale[nr]? (?:Medien|Netzwerke[n]?)\b|\bSocial[- ]Media\b|"
     r"\bsozialen Netzwerk(?:en)?\b", "all"),
]
_PLATFORM = re.compile("|".join(f"(?P<p{i}>{rx})" for i, (rx, _) in enumerate(_NAMES)), re.I)
_IDS = [pid for _rx, pid in _NAMES]
NAME_RX = "|".join(f"(?:{rx})" for rx, _pid in _NAMES)   # any platform name, for use inside other patterns
# "the social network Twitter", „dem sozialen Netzwerk Twitter": the general word names the specific platform
_GENERAL_BEFORE_NAME = re.compile(r"(?:social network|soziale[nm]? Netzwerk|Sozialnetzwerk|Kurznachrichtendienst)\s+$",
                                  re.I)

# Words pointing back to a platform named earlier. "specific" ones ("the app") never mean social media in general.
ANAPHORA = re.compile(
    r"\b(?P<specific>(?:the|his|her|my|this|that|its) (?:platform|app|site|service|network|social network|"
    r"account)|(?:die|der|diese|seine[rn]?|ihre[rn]?|meine[rn]?) (?:App|Plattform|Dienst|Netzwerk)|"
    r"dem (?:Dienst|Netzwerk|Sozialnetzwerk|Online-Dienst)|(?:das|dem) Sozialnetzwerk|"
    r"(?:das|dem) soziale[n]? Netzwerk)\b"
    r"|\b(?P<any>there|on it|it|darauf|dort|dafür|dabei|damit|davon|es)\b", re.I)

# Screens and devices: a claim about phone time has no platform (NULL), but is a claim about being online.
DEVICE = re.compile(r"\b(?:phones?|smartphones?|iPhones?|screens?|screen time|devices?|Handys?|Smartphones?|"
                    r"Bildschirm\w*|Mobiltelefon\w*|Telefon|online|Internet|apps?)\b", re.I)
# Media that are not online life: time spent on them is no claim here.
OFF_SCOPE = re.compile(r"\b(?:TV|television|Fernseh\w*|Netflix|Spotify|Safari|Chrome|books?|Bücher\w*|podcasts?|"
                       r"Messages app|working out|workout|sleep\w*|Schlaf\w*|meetings?|Sitzung\w*|"
                       # offline habits a daily time is often about ("every morning, 30 minutes meditating")
                       r"meditat\w*|Meditation\w*|yoga|Yoga|jogging|joggen|running|gym|e-?mails?|E-Mails?)\b", re.I)


@dataclass(frozen=True)
class Mention:
    """A platform named in a sentence: canonical id and character span."""

    platform: str
    start: int
    end: int


def mentions(text: str) -> list[Mention]:
    """Platforms named in the text, in order."""
    out = []
    for m in _PLATFORM.finditer(text):
        pid = _IDS[int(m.lastgroup[1:])]
        out.append(Mention(pid, m.start(), m.end()))
    # "the social network Twitter": keep only the name after the general word
    return [x for x in out if not (x.platform == "all" and any(
        y.platform != "all" and 0 <= y.start - x.end <= 2 for y in out))]


def canonical(name: str | None) -> str | None:
    """Canonical id for a platform name as written ("Twitter" → "x"), unknown names lower-cased."""
    if not name:
        return None
    key = re.sub(r"\s+", " ", name.strip().lower())
    if key in PLATFORMS:
        return PLATFORMS[key]
    m = mentions(name)
    return m[0].platform if m else key


def nearest(text: str, pos: int, specific: bool = False) -> str | None:
    """The platform named nearest to position `pos` in the text (None when none is)."""
    found = [m for m in mentions(text) if not (specific and m.platform == "all")]
    if not found:
        return None
    return min(found, key=lambda m: (min(abs(m.start - pos), abs(m.end - pos)), m.platform == "all")).platform


def last_named(texts: list[str], specific: bool = False) -> str | None:
    """The platform named last in a run of earlier sentences (searched from the nearest back)."""
    for text in reversed(texts):
        found = [m for m in mentions(text) if not (specific and m.platform == "all")]
        if found:
            return found[-1].platform
    return None
