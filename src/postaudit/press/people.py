"""Who an article is about: person names (first-name dictionary, repetition, aliases such as "CZ" or
„alias Karpi"), bylines, role nouns ("the CEO", „der Gründer") and pronouns resolved to a person."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

_CAP = r"(?:[A-Z]\.(?=\s)|[A-ZÄÖÜÉ][\wäöüßéèáíóúñçğ'’-]*)"
_PARTICLE = r"(?:de|De|von|van|der|van der|di|da|del|dos|Le|La|bin|al|Mc)"
_RUN = re.compile(rf"{_CAP}(?:[ \t]+(?:{_PARTICLE}[ \t]+)?{_CAP})*")
# Capitalised words that are never part of a person's name (sentence starts, titles, German nouns that precede
# names, months, platforms).
_NOT_NAME = set(["a", "an", "the", "and", "but", "or", "if", "in", "on", "at", "for", "of", "to", "by", "with", "from", "as", "is", "it", "its", "he", "she", "his", "her", "they", "we", "i", "my", "our", "you", "your", "this", "that", "these", "those", "when", "while", "after", "before", "during", "since", "then", "also", "so", "not", "no", "yes", "why", "how", "what", "who", "which", "where", "there", "here", "mr", "mrs", "ms", "dr", "prof", "sir", "herr", "frau", "der", "die", "das", "den", "dem", "des", "ein", "eine", "einer", "im", "am", "um", "zu", "zur", "zum", "mit", "auf", "für", "und", "aber", "oder", "er", "sie", "es", "wir", "ich", "ihr", "mein", "sein", "seine", "ihre", "unser", "so", "wie", "als", "nach", "bei", "vor", "seit", "über", "unter", "von", "vom", "aus", "durch", "gegen", "ohne", "ja", "nein", "doch", "nur", "auch", "noch", "schon", "dann", "denn", "weil", "wenn", "dass", "ob", "meine", "deine", "seine", "ihre", "unsere", "eure", "andere", "anderen", "alle", "viele", "einige", "manche", "jede", "jeder", "jedes", "keine", "kein", "diese", "dieser", "dieses", "jene", "welche", "hier", "dort", "heute", "gestern", "morgen", "wollen", "wir", "sollen", "kann", "muss", "will", "ist", "sind", "war", "hat", "haben", "hi", "hello", "hey", "well", "yeah", "okay", "ok", "dear", "thanks", "danke", "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december", "januar", "februar", "märz", "mai", "juni", "juli", "oktober", "dezember", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "montag", "dienstag", "mittwoch", "donnerstag", "freitag", "samstag", "sonntag", "twitter", "telegram", "slack", "wechat", "bluesky", "mastodon", "linkedin", "instagram", "facebook", "tiktok", "youtube", "threads", "discord", "whatsapp", "reddit", "snapchat", "apple", "google", "microsoft", "amazon", "netflix", "iphone", "ios", "android", "screen", "time", "tweets", "tweet", "posts", "news", "summit", "times", "post", "insider", "magazine", "daily", "group", "inc", "conference", "award", "awards", "festival", "forum", "grind", "week", "journal", "zeitung", "magazin", "online", "media", "network", "club", "league", "party", "partei", "university", "ceo", "cto", "cfo", "president", "chief", "founder", "minister", "senator", "interview", "update", "video", "photo", "bild", "foto", "quelle", "source"])
# a count opening a sentence („Drei Videos, manchmal vier.") is no first name
_NOT_NAME |= {"one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
              "dozen", "eins", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun", "zehn", "elf",
              "zwölf", "dutzend", "hundert", "hundred", "tausend", "thousand"}
_TITLES = {"mr", "mrs", "ms", "dr", "prof", "herr", "frau", "sir", "president", "ceo", "präsident", "präsidentin",
           "senator", "minister", "ministerin", "chef", "chefin", "gründer", "gründerin"}

ROLE_EN = (r"\d+-year-old|CEO|chief executive|chief|founder|co-?founder|chairman|chairwoman|chair|president|executive|"
           r"entrepreneur|billionaire|owner|boss|head|minister|senator|politician|lawmaker|singer|actor|actress|"
           r"star|rapper|influencer|author|businessman|businesswoman|tycoon|mogul|leader|man|woman|"
           r"satirist|comedian|athlete|skier|presenter|host|journalist|economist|investor")
ROLE_DE = (r"\w*[Cc]hef(?:in)?|\w*[Gg]ründer(?:in)?|\w*[Mm]inister(?:in)?|\w*[Pp]olitiker(?:in)?|Sänger(?:in)?|"
           r"\w*[Ss]chauspieler(?:in)?|Kabarettist(?:in)?|Satiriker(?:in)?|Unternehmer(?:in)?|Milliardär(?:in)?|"
           r"Manager(?:in)?|Abgeordnete[r]?|Präsident(?:in)?|Vorsitzende[r]?|\w*[Ss]tar|Moderator(?:in)?|"
           r"Twitterer(?:in)?|\d+-Jährige[r]?|Sportler(?:in)?|Skifahrer(?:in)?|Autor(?:in)?|Investor(?:in)?|"
           r"Berliner(?:in)?|Hamburger(?:in)?|Münchner(?:in)?|Schwyzer(?:in)?|Zürcher(?:in)?|Amerikaner(?:in)?")
# "the CEO", "the Apple CEO", "Twitter's owner", "the man in charge of Twitter", „der Berliner Fraktionschef"
ROLE = re.compile(
    rf"\b(?:[Tt]he|[Tt]his|[Tt]hat)\s+(?:[A-Z][\w.&-]*\s+|\w+-\w+\s+)?(?:{ROLE_EN})\b(?!\s+(?:of|von)\s+(?:the|a)\b)"
    rf"|\b[A-Z][\w.&-]*['’]s\s+(?:{ROLE_EN})\b"
    rf"|\b(?:[Dd]er|[Dd]ie|[Dd]en|[Dd]em|[Dd]es)\s+(?:\w+e[nrs]?\s+)?(?:{ROLE_DE})\b")

PRONOUNS = {
    "he": "m", "him": "m", "his": "m", "himself": "m", "she": "f", "her": "f", "hers": "f", "herself": "f",
    "er": "m", "ihm": "m", "ihn": "m", "sein": "m", "seine": "m", "seiner": "m", "seinen": "m", "seinem": "m",
    "seines": "m", "sie": "f", "ihr": "f", "ihre": "f", "ihrer": "f", "ihren": "f", "ihrem": "f", "ihres": "f",
}
FIRST = {"i", "me", "my", "mine", "myself", "i'm", "i’m", "i've", "i’ve", "i'd", "i’d", "i'll", "i’ll", "ich", "mir",
         "mich", "mein", "meine", "meiner", "meinen", "meinem", "meines"}
WE = {"we", "us", "our", "ours", "ourselves", "we're", "we’re", "we've", "we’ve", "wir", "uns", "unser", "unsere",
      "unserer", "unseren", "unserem"}
# Groups of people and generic subjects: a figure about them is a statistic, not one person's claim.
POPULATION = re.compile(
    r"\b(?:users?|people|persons|adults|americans|britons|germans|teens|teenagers|children|kids|consumers|"
    r"everyone|anyone|individuals|men|women|respondents|participants in the (?:study|survey)|students|workers|"
    r"employees|staff|the (?:average|typical) \w+|average (?:user|person|american|adult)|the public|viewers|"
    r"they|their|them|you|your|yourself|one's|"
    r"\w*[Nn]utzer(?:innen|n)?|Menschen|Deutschen|Durchschnitts\w+|Jugendliche\w*|Erwachsene\w*|Kinder|"
    r"Befragte\w*|Bürger\w*|Bevölkerung|Unter-\d+-Jährige\w*|Über-\d+-Jährige\w*|\w*Jährigen|jeder\s+\w+te|"
    r"man|du|dich|dir|euch|Mitarbeiter(?:innen|n)?|Beschäftigte\w*|Angestellte\w*|Team)\b")
COMPANY = re.compile(r"\b(?:the company|the firm|the team|the startup|the start-up|the exchange|"
                     r"das Unternehmen|die Firma|der Konzern|das Team)\b", re.I)


@lru_cache(maxsize=1)
def _gender_detector():
    import gender_guesser.detector as gd  # a first-name dictionary shipped in the wheel: works offline

    return gd.Detector(case_sensitive=False)


def first_name_gender(token: str) -> str | None:
    """'m', 'f', 'a' (either) for a known first name, None when the word is no first name."""
    if token.lower() in _NOT_NAME or not token[:1].isupper() or len(token) < 2:
        return None
    g = _gender_detector().get_gender(token.split("-")[0])
    return {"male": "m", "mostly_male": "m", "female": "f", "mostly_female": "f", "andy": "a"}.get(g)


@dataclass(eq=False)
class Person:
    """A person named in an article: the fullest form of the name, the forms it is referred to by, gender."""

    name: str
    forms: set[str] = field(default_factory=set)
    gender: str | None = None
    count: int = 0
    first_at: int = 0


@dataclass
class Cast:
    """The people of one article, its subject (most mentioned) and its authors (bylines)."""

    people: list[Person]
    subject: Person | None
    authors: list[str]
    interview: bool

    def find(self, text: str) -> list[tuple[int, int, Person]]:
        """Mentions of known people in a text: (start, end, person), in order, longest form first."""
        key = tuple((f, id(p)) for p in self.people for f in sorted(p.forms))
        if getattr(self, "_key", None) != key:
            # one pattern for all forms, longest first, compiled once per cast (not once per sentence)
            self._owner = {f: p for p in self.people for f in p.forms}
            forms = sorted(self._owner, key=len, reverse=True)
            self._pattern = re.compile(
                r"(?<![\w-])(" + "|".join(map(re.escape, forms)) + r")(?:['’]s)?(?![\w-])") if forms else None
            self._key = key
        if self._pattern is None:
            return []
        return [(m.start(), m.end(), self._owner[m.group(1)]) for m in self._pattern.finditer(text)]

    def by_name(self, name: str) -> Person | None:
        """The person a written name (full, surname or alias) refers to."""
        hits = self.find(name)
        return hits[0][2] if hits else None


def _strip_titles(tokens: list[str]) -> list[str]:
    while tokens and (tokens[0].lower().rstrip(".") in _TITLES or tokens[0].lower() in _NOT_NAME
                      or re.fullmatch(r"[A-Z]{2,}", tokens[0])):
        tokens = tokens[1:]
    return tokens


def _candidates(text: str) -> list[tuple[str, int, bool]]:
    """Name-like runs of capitalised words: (name, position, starts with a known first name)."""
    out = []
    for m in _RUN.finditer(text):
        tokens = [re.sub(r"['’]s$", "", t).rstrip(",") for t in m.group(0).split()]
        # start at the first known first name ("Skistar Wendy Holdener" → "Wendy Holdener")
        first = next((i for i, t in enumerate(tokens) if first_name_gender(t) and i + 1 < len(tokens)), None)
        known = first is not None
        tokens = tokens[first:] if known else _strip_titles(tokens)
        name = tokens[:1]
        for t in tokens[1:]:
            if t.lower() in _NOT_NAME or (len(name) >= 2 and first_name_gender(t)):
                break   # "Daniel Watson Hi", "Claudia Roth Pirat Christopher": the name ended before
            name.append(t)
            if (len(name) == 2 and not re.fullmatch(_PARTICLE, name[1]) and not re.fullmatch(r"[A-Z]\.", name[1])
                    and not (len(tokens) > 2 and re.fullmatch(_PARTICLE, tokens[1]))):
                break   # first name and surname; a third word only after a particle or an initial
        if len(name) >= 2 and not re.fullmatch(r"[A-Z]\.", name[-1]):
            out.append((" ".join(name), m.start(), known))
    return out


def _initials(name: str) -> str:
    return "".join(t[0] for t in name.split() if t[:1].isupper())


_ALIAS = re.compile(r"\s*(?:\(\s*(?P<or>or|oder|alias|aka|a\.k\.a\.|genannt)?\s*(?P<a1>[A-Z][\w]{1,15})(?:\s+for short)?\s*\)"
                    r"|,\s*(?:or|oder|alias|aka|known as|genannt)\s+(?P<a2>[A-Z][\w]{1,15})\s*,"
                    r"|\s+(?:alias|aka|a\.k\.a\.|genannt)\s+(?P<a3>[A-Z][\w]{1,15}))")
_TITLE_BEFORE = re.compile(r"\b(?:CEO|Chef|Chefin|President|Präsident|Herr|Frau|Mr\.?|Ms\.?)\s+$")
_BYLINE = re.compile(r"^(?:By|Von:?(?:\s+Von)?|[-–]|Interview(?:ed)? by|Interview:|Text:|Words by|Reporting by|"
                     r"Das Interview führten?|Interview von|Aufgezeichnet von|Protokoll:)\s+(?P<names>[A-ZÄÖÜ][\w'’.-]+(?:\s+[A-ZÄÖÜ][\w'’.-]+){1,2}"
                     r"(?:\s*(?:,|and|und|&)\s*[A-ZÄÖÜ][\w'’.-]+(?:\s+[A-ZÄÖÜ][\w'’.-]+){1,2})*?)\.?\s*$", re.I)
_SELF_INTRO = re.compile(r"(?:^|[.!?]\s+|\bhi\b[^.!?]{0,20}[,!]\s*)(?:I['’]m|I am|my name is|ich bin|mein name ist)\s+"
                         r"(?P<name>(?-i:[A-ZÄÖÜ][\w'’-]+(?:\s+[A-ZÄÖÜ][\w'’-]+){1,2}))\b", re.I)
_INTERVIEW = re.compile(r"\binterview\w*\b|\bim Gespräch\b|\bQ\s?&\s?A\b|\b(?:Herr|Frau|Mr\.?|Ms\.?|Mrs\.?)\s+[A-ZÄÖÜ][\w-]+,\s",
                        re.I)


def _positions(text: str, part: str) -> list[int]:
    """Start of every occurrence of part in text (non-overlapping, as re.finditer finds them)."""
    out, at = [], text.find(part)
    while part and at >= 0:
        out.append(at)
        at = text.find(part, at + len(part))
    return out


def cast_of(units_text: list[str], headline: str | None = None, author: str | None = None) -> Cast:
    """Find the people in an article's sentences (headline apart: title case would look like names)."""
    nicknames: dict[str, str] = {}
    body = _without_nicknames("\n".join(units_text), nicknames)
    headline = _without_nicknames(headline, nicknames) if headline else headline
    authors: list[str] = []
    for line in units_text[:8]:
        m = _BYLINE.match(line.strip())
        alone = re.fullmatch(r"[A-ZÄÖÜ][\w'’-]+(?:\s+[A-ZÄÖÜ][\w'’-]+){1,2}", line.strip())
        if alone and first_name_gender(line.split()[0]):
            authors.append(line.strip())   # a name alone on a line near the top is the byline
        elif m:
            authors += [a.strip().rstrip(".") for a in re.split(r"\s*(?:,|\band\b|\bund\b|&)\s*", m.group("names"))
                        if len(a.split()) >= 2]
    if author:
        authors += [a.strip() for a in re.split(r"\s*(?:,|\band\b|\bund\b|&)\s*", author) if len(a.split()) >= 2]
    # "I'm Lena Park, a marine biologist … Ask me anything": who introduces themselves at the top is the voice
    for line in [headline or ""] + units_text[:3]:
        m = _SELF_INTRO.search(line)
        if m and m.group("name") not in authors and first_name_gender(m.group("name").split()[0]):
            authors.append(m.group("name"))
    counts: dict[str, list[int]] = {}
    known: dict[str, bool] = {}
    # a headline in sentence case names people as the body does ("Adaeze Okonkwo on running a bank"); in title
    # case every word looks like a name, so only a known first name counts there
    head = [] if not headline else [(n, -1, f or n in nicknames) for n, _p, f in _candidates(headline)
                                    if f or n in nicknames or not _title_case(headline)]
    for name, pos, has_first in head + _candidates(body):
        counts.setdefault(name, []).append(pos)
        known[name] = known.get(name, False) or has_first
    # whole words, counted once: a pattern per name would be compiled per article and crowd re's cache (the
    # segmenter's patterns are then compiled again for every article)
    words = Counter(re.findall(r"[\w-]+", body))
    people: list[Person] = []
    for name, positions in sorted(counts.items(), key=lambda kv: kv[1][0]):
        tokens = name.split()
        gender = first_name_gender(tokens[0])
        at = _positions(body, name)
        introduced = any(_ALIAS.match(body, pos + len(name)) or _TITLE_BEFORE.search(body, max(0, pos - 15), pos)
                         for pos in at)
        again = words[tokens[-1]] if re.fullmatch(r"[\w-]+", tokens[-1]) else len(
            re.findall(rf"(?<![\w-]){re.escape(tokens[-1])}(?![\w-])", body))   # "O'Neill"
        surname_again = again > len(positions)
        in_headline = bool(headline and name in headline)
        after_article = [pos for pos in at if re.search(r"\b(?:der|die|das|des|dem|den|the|a|an|vom|zum|zur)\s+$",
                                                         body[max(0, pos - 5):pos], re.I)]
        if not known[name] and at and len(after_article) == len(at):
            continue   # „der Krypto-Wallet Lumo", "the Lagos-based Kudiya": a thing named, not a person
        if not (known[name] or len(positions) >= 2 or introduced or surname_again or in_headline):
            continue   # no known first name, said once, not introduced: likely a place, an outlet or a product
        if any(name != other and f" {name}" in f" {other}" for other in counts):
            continue   # "De Masi" is "Fabio De Masi" said short
        people.append(Person(name, {name}, None if gender == "a" else gender, len(positions), positions[0]))
    # "Trump Tweets From Bed" (a headline-like line) is no person when "Trump" is someone's surname
    surnames = {p.name.split()[-1] for p in people if p.gender}
    people = [p for p in people if p.gender or p.name.split()[0] not in surnames]
    # "Mack Delaney" in the headline is Marcus "Mack" Delaney: the nickname with the surname is the same person
    by_nick = {f"{nick} {name.split()[-1]}": name for name, nick in nicknames.items()}
    owners = {p.name: p for p in people}
    for p in [p for p in people if p.name in by_nick and by_nick[p.name] in owners]:
        people.remove(p)
        owners[by_nick[p.name]].forms.add(p.name)
    # surnames and aliases
    for person in people:
        tokens = person.name.split()
        surname = tokens[-1] if len(tokens[-1]) > 2 else None
        if surname and not any(surname in other.name.split() for other in people if other is not person):
            person.forms.add(surname)
        if len(tokens) > 2 and tokens[-2] in ("De", "de", "von", "van", "Van", "Di", "da"):
            person.forms.add(" ".join(tokens[-2:]))
        if person.name in nicknames:
            person.forms.add(nicknames[person.name])   # Jannik „Jaxx" Brückner is also „Jaxx"
        firstname = tokens[0]
        if first_name_gender(firstname) and not any(o.name.split()[0] == firstname for o in people if o is not person):
            person.forms.add(firstname)
        at = [pos + len(person.name) for pos in _positions(body, person.name)]
        for m in filter(None, (_ALIAS.match(body, pos) for pos in at)):
            alias = m.group("a1") or m.group("a2") or m.group("a3")
            # a bare "(XY)" after a name is an alias only when it is the name's initials, not a party or firm
            if m.group("a1") and not m.group("or") and alias != _initials(person.name):
                continue
            if alias and alias.lower() not in _NOT_NAME:
                person.forms.add(alias)
    cast = Cast(people, None, authors, bool(_INTERVIEW.search((headline or "") + "\n" + body[:600])))
    in_body = cast.find(body)
    in_head = cast.find(headline) if headline else []
    for person in people:
        person.count = sum(1 for _s, _e, p in in_body if p is person) + 2 * sum(1 for _s, _e, p in in_head
                                                                                if p is person)
    others = [p for p in people if p.name not in authors]
    pool = others or people
    cast.subject = max(pool, key=lambda p: (p.count, -p.first_at)) if pool else None
    if cast.subject is None and authors:
        cast.subject = Person(authors[0], {authors[0]}, None, 0, 0)
        cast.people.append(cast.subject)
    return cast


# Tim „Kaiser" Köhler, Marcus "Mack" Delaney: a nickname in quotes between first name and surname
_NICKNAME = re.compile(r"(?P<first>[A-ZÄÖÜ][\w'’-]+)[ \t]+[„\"“‚‘»«'](?P<nick>[A-ZÄÖÜ][\w'’-]{1,20})[“\"”’‘«»'][ \t]+"
                       r"(?P<last>[A-ZÄÖÜ][\w'’-]+)")


def _without_nicknames(text: str, found: dict[str, str]) -> str:
    """The text with nicknames between first name and surname taken out (noted in `found`: name → nickname)."""
    def cut(m: re.Match) -> str:
        found[f"{m.group('first')} {m.group('last')}"] = m.group("nick")
        return f"{m.group('first')} {m.group('last')}"
    return _NICKNAME.sub(cut, text)


def _title_case(line: str) -> bool:
    words = [w for w in re.findall(r"[A-Za-zÄÖÜäöüß][\w'’-]*", line)[1:] if len(w) > 3]
    return bool(words) and sum(w[0].isupper() for w in words) >= 0.6 * len(words)


def pronoun_gender(word: str) -> str | None:
    """'m' or 'f' for a third-person singular pronoun or possessive, else None."""
    return PRONOUNS.get(word.lower())


def role_gender(phrase: str) -> str | None:
    """Gender a German role noun states („die Sängerin" → 'f'); None when it does not."""
    if re.search(r"(?:in|erin)\b", phrase) and re.match(r"(?:die|der)\b", phrase, re.I):
        return "f"
    if re.match(r"der\b", phrase, re.I):
        return "m"
    if re.search(r"\b(?:woman|actress|chairwoman|businesswoman)\b", phrase, re.I):
        return "f"
    if re.search(r"\b(?:man|businessman|chairman)\b", phrase, re.I):
        return "m"
    return None
