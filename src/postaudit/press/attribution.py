"""Who states a figure and about whom: quotes and their speakers, reported speech (said / sagte / „so der Chef",
German Konjunktiv), headlines, interview turns, third-party estimates (analysts, reports, „laut Auswertung") and
population or company figures, which are nobody's own claim."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from postaudit.press.people import (
    COMPANY,
    FIRST,
    POPULATION,
    PRONOUNS,
    ROLE,
    WE,
    Cast,
    Person,
    pronoun_gender,
    role_gender,
)
from postaudit.press.units import Unit

SPEECH_EN = {"say", "tell", "explain", "add", "write", "recall", "admit", "insist", "reveal", "share", "comment",
             "emphasize", "emphasise", "stress", "claim", "confess", "concede", "describe", "acknowledge", "announce",
             "disclose", "mention", "joke", "confirm", "reply", "answer", "state", "note", "estimate", "report",
             "suggest", "boast", "brag", "complain", "argue", "remark", "quip", "muse", "recount", "divulge",
             "tweet", "declare", "assert", "maintain", "speak", "talk"}
SPEECH_DE = {"sagen", "erklären", "betonen", "schreiben", "verraten", "gestehen", "berichten", "erzählen", "meinen",
             "bekennen", "behaupten", "beschreiben", "mitteilen", "twittern", "schätzen", "sprechen", "antworten",
             "bestätigen", "klagen", "beklagen", "verkünden", "offenbaren", "bekräftigen", "ergänzen", "zugeben",
             "einräumen", "angeben", "ankündigen", "hinzufügen", "notieren", "gestand", "verriet", "räumen",
             "geben", "fügen", "kündigen", "teilen"}
# verbs that report speech only when a quote or a "that"-clause goes with them
_AMBIGUOUS = {"add", "share", "note", "state", "answer", "put", "post", "report", "estimate", "describe", "tweet"}
# separable German verbs: "räumte … ein", "gab … zu", "fügte … hinzu"
_PARTICLE_OF = {"räumen": "ein", "geben": "zu|an", "fügen": "hinzu", "kündigen": "an", "teilen": "mit",
                # "speaks of an hour a day", "talked of two hours": speech with its "of"
                "speak": "of", "talk": "of"}
_SELF_SOURCE = re.compile(
    r"\b(?:by (?:his|her|their) own (?:count|account|admission|estimate)|according to (?:him|her|himself|herself)|"
    r"in (?:his|her) (?:own )?words|he says|she says|nach eigene[nr] (?:Worten|Aussage|Angabe|Angaben|Zählung|"
    r"Schätzung)|eigenen Angaben zufolge|wie (?:er|sie) (?:sagt|sagte|erzählt|erzählte|verrät|verriet))\b", re.I)
THIRD_PARTY = re.compile(
    r"\b(?:analysts?|analys[ie]s|analy[sz]ed|estimates?|estimated|according to|reports?|reported|noted|studies|study|"
    r"research(?:ers)?|data (?:from|show\w*)|tracked|tracker|counted|calculated|tally|tallied|a look at|insiders?|"
    r"sources|aides?|advisers?|those close to|people (?:close to|familiar)|critics|observers|journalists|"
    r"reporters|Analyst\w*|Analyse\w*|Auswertung\w*|ausgewertet|ermittelt\w*|Schätzung\w*|geschätzt|zufolge|laut|"
    r"Studie\w*|Daten|berichtet\w*|Bericht\w*|Vertraute\w*|Umfeld|Beobachter\w*|Kritiker\w*|gezählt|errechnet|"
    r"Portal\w*)\b", re.I)
_OTHER_AGENT = re.compile(
    r"\b(?:analysts?|aides?|advisers?|sources|insiders?|those|people|friends|staff(?:ers)?|officials|researchers|"
    r"journalists|reporters|critics|observers|experts|the (?:study|analysis|report|data|survey|paper|magazine|"
    r"newspaper|outlet)|Analyst\w*|Vertraute\w*|Mitarbeiter\w*|Insider|Experten|Beobachter\w*|Kritiker\w*|"
    r"Journalist\w*|Studie|Auswertung|Analyse|Zeitung|Magazin|Portal|Blog|"
    # an office or a company speaking: "his press office said", „teilte der Mutterkonzern mit"
    r"office|ministry|department|agency|company|firm|spokes(?:man|woman|person)|\w*[Kk]onzern|Firma|Unternehmen|"
    r"Pressestelle|Ministerium|Behörde|Sprecher(?:in)?)\b", re.I)
_QUOTES = re.compile(r"“[^“”]{2,1500}”|„[^„“”]{2,1500}[“”]|«[^«»]{2,1500}»|»[^»«]{2,1500}«|\"[^\"]{2,1500}\"")
_PREP = {"to", "of", "for", "with", "from", "by", "about", "at", "in", "on", "von", "mit", "für", "zu", "über", "bei",
         "an", "auf", "aus", "vom", "zum", "zur", "nach", "than", "als"}
_SKIP = {"also", "then", "later", "previously", "once", "repeatedly", "has", "had", "have", "was", "is", "recently", "often", "again", "first", "himself", "herself", "auch", "dann", "später", "einmal", "zuletzt",
         "jetzt", "nun", "hat", "habe", "noch"}
# object pronouns are never the agent of the speech verb after them ("Blake, who follows him, claimed …")
_OBJECT = {"him", "them", "me", "us", "ihn", "ihm", "ihnen", "mich", "mir", "uns"}
_TOKEN = re.compile(r"[\w’'-]+")
_VOCATIVE = re.compile(r"\b(?:Herr|Frau|Mr\.?|Mrs\.?|Ms\.?)\s+(?P<name>[A-ZÄÖÜ][\w-]+(?:\s+[A-ZÄÖÜ][\w-]+)?)\s*,")
# a turn's label, its time stamp before the name ("[00:02:31] HOST:") or after it ("Weber (01:17):")
_TURN = re.compile(r"^(?:(?P<lts>[\[(]?\d{1,2}:\d{2}(?::\d{2})?[\])]?)\s*)?(?P<name>[A-ZÄÖÜ][\w.'’-]*(?:\s+[A-ZÄÖÜ][\w.'’-]*){0,3})\s*(?P<ts>\(\d{1,2}:\d{2}(?::\d{2})?\))?"
                   r"\s*:\s*")
# a bare plural with an average ("that MPs on average spend", „dass Abgeordnete im Schnitt"): a group's statistic
_GENERIC_AVERAGE = re.compile(r"\b(?:that|dass|wonach|where|wo)\s+(?P<n>[^\W\d][\w-]*)\s+(?:\w+\s+)?"
                              r"(?:im Schnitt|im Durchschnitt|durchschnittlich|on average|an average of)\b", re.I)
# "before anyone else is in", „bevor alle anderen …": others in a clause of time or comparison are no subject
_CONTRAST_CLAUSE = re.compile(r"\b(?:before|after|until|while|than|bevor|ehe|nachdem|bis|als)\s+"
                              r"(?:(?:the|all|den|die|alle)\s+)?$", re.I)
_OBJECT_PREP = re.compile(r"\b(?:to|with|for|from|about|at|by|towards|mit|an|für|von|zu|bei|gegenüber)\s+(?:the|all|den|die|"
                          r"allen|anderen|other|many|viele[n]?)?\s*$", re.I)
_RELATION = re.compile(
    r"\b(?:[Hh]is|[Hh]er|[Tt]heir|[Mm]y|[Ss]ein\w*|[Ii]hr\w*|[Mm]ein\w*)\s+(?:[\w-]+\s+)?(?:parents|mother|father|mum|mom|"
    r"dad|wife|husband|partner|spouse|daughter|son|children|kids|sister|brother|family|friends?|colleagues?|manager|"
    r"agent|spokes(?:man|woman|person)|(?:press )?office|team|assistant|coach|rival|opponent|co-?founder|boss|Eltern|Mutter|Vater|Frau|"
    r"Mann|Ehefrau|Ehemann|Partnerin|Partner|Tochter|Sohn|Kinder|Schwester|Bruder|Familie|Freund(?:in|e)?|"
    r"Kolleg(?:in|en|e)|Managerin|Manager|Sprecherin|Sprecher|Assistentin|Assistent|Trainerin|Trainer|Beraterin|"
    r"Berater|Mitgründerin|Mitgründer|Chefin|Chef)\b")
# words in -en after "sie" that are no plural verb: „beantworte sie zwischen 30 und 60 Minuten"
_NOT_PLURAL_VERB = {"wen", "den", "zwischen", "gegen", "neben", "eben", "oben", "unten", "morgen", "innen", "außen",
                    "selten", "trotzdem"}
# verbs of saying proper (not "writes", "posts", "tweets", which also read as speech verbs)
_SAYING = r"(?:said|says|say|told|tells|explained|added|sagte|sagt|sagten|teilte|erklärte|erklärt|betonte|berichtete)\b"
_POSTING_KONJ = {"poste", "tweete", "streame", "scrolle", "chatte", "blogge", "vlogge"}
_ANSWER_LABELS = {"a", "antwort", "answer"}
_QUESTION_LABELS = {"q", "f", "frage", "question", "interviewer", "interviewerin", "host", "moderator", "moderatorin"}
_NOT_TURN = {"bild", "foto", "quelle", "source", "update", "note", "tags", "fazit", "presseschau", "disclaimer",
             "credit", "hinweis", "lesen sie auch", "internet", "he said", "she said", "he", "she", "er", "sie",
             "my suggestion", "example", "beispiel", "anzeige", "warning", "achtung"}


@lru_cache(maxsize=200_000)
def lemma(word: str, lang: str) -> str:
    """Dictionary form of a word (simplemma ships its data: offline)."""
    import simplemma

    return simplemma.lemmatize(word, lang=lang if lang in ("en", "de") else "en").lower()


@dataclass(frozen=True)
class Ref:
    """A reference to someone in a sentence: kind is person / first / we / second / population / company."""

    start: int
    end: int
    kind: str
    person: Person | None = None


@dataclass(frozen=True)
class Attribution:
    """The outcome for one figure: whom it is about, whether it is their own statement, and how it was said."""

    speaker: str | None
    self_report: bool
    mode: str       # quote / first_person / reported / headline / narrative / third_party / addressed
    person: Person | None = None


PRIVATE = {"time_share", "time_per_day", "time_per_week", "message_visibility", "ama_effect"}


class Reader:
    """Reads one article's units in order, tracking who is in focus, and attributes figures found in them."""

    def __init__(self, units: list[Unit], cast: Cast, lang: str):
        self.units, self.cast, self.lang = units, cast, lang
        self._refs: dict[int, list[Ref]] = {}
        self._speech: dict[int, list[tuple[int, object]]] = {}
        self.turns: dict[int, object] = {}
        # the first claim found in each unit: (metric, attribution, platform, detail), for sentences continuing it
        self.last_claim: dict[int, tuple] = {}
        self.focus: dict[int, list[Person]] = {}
        stack: list[Person] = [cast.subject] if cast.subject else []
        turn: object = None
        for u in units:
            m = _TURN.match(u.text)
            if m and not u.headline and m.group("name").lower() not in _NOT_TURN and (
                    m.group("ts") or m.group("lts") or cast.by_name(m.group("name")) or m.group("name").isupper()
                    or re.fullmatch(r"[A-ZÄÖÜ]+(?:\s+[A-ZÄÖÜ]+)?", m.group("name"))):
                turn = self._turn_of(m.group("name"))
            elif u.paragraph != (units[u.index - 1].paragraph if u.index else -1) and not self._continues_turn(u):
                turn = None
            self.turns[u.index] = turn
            self.focus[u.index] = list(stack)
            named = [p for _s, _e, p in cast.find(u.text)]
            for p in reversed(dict.fromkeys(named)):
                stack = [p] + [q for q in stack if q is not p]

    def _turn_of(self, label: str) -> object:
        """Who a transcript or Q&A label names: a person of the cast, the interviewee for "A:" / „Antwort:", the
        interviewer for "Q:" / „Frage:" / "Host:", else the label as written."""
        key = label.lower().rstrip(".")
        if key in _ANSWER_LABELS and self.cast.subject is not None:
            return self.cast.subject
        if key in _QUESTION_LABELS:
            return "interviewer"
        # a transcript writes the name in capitals ("MAYHEW:"): the person of the cast all the same
        return self.cast.by_name(label) or (label.isupper() and self.cast.by_name(label.title())) or label

    def _continues_turn(self, u: Unit) -> bool:
        # transcripts number continued turns "(01:17):" on their own line; a bare time stamp keeps the speaker
        prev = self.units[u.index - 1].text if u.index else ""
        return bool(re.fullmatch(r"\(?\d{1,2}:\d{2}(?::\d{2})?\)?:?", prev.strip())) or bool(
            re.match(r"^\(\d{1,2}:\d{2}\)", u.text))

    # ------------------------------------------------------------ references

    def quotes(self, i: int) -> list[tuple[int, int]]:
        return [(m.start(), m.end()) for m in _QUOTES.finditer(self.units[i].text)]

    def fragment(self, i: int, q: tuple[int, int]) -> bool:
        """A quoted fragment inside the sentence's own clause ('spends "a couple of hours" a week'): words of
        the clause stand right before and right after it."""
        text = self.units[i].text
        before, after = text[:q[0]].rstrip(), text[q[1]:].lstrip()
        return bool(re.search(r"\w$", before)) and bool(re.match(r"\w", after)) and not re.match(
            r"(?:said|says|sagte|sagt|so|he|she|er|sie)\b", after, re.I)

    def refs(self, i: int) -> list[Ref]:
        if i in self._refs:
            return self._refs[i]
        text = self.units[i].text
        out: list[Ref] = []
        # a transcript's "Weber:" label says who speaks, not whom a figure is about
        label = _TURN.match(text) if self.turns.get(i) is not None else None
        taken: list[tuple[int, int]] = [(0, label.end())] if label else []

        def add(s: int, e: int, kind: str, person: Person | None = None) -> None:
            if all(e <= a or s >= b for a, b in taken):
                out.append(Ref(s, e, kind, person))
                taken.append((s, e))

        vocative = _VOCATIVE.search(text)
        addressed = self.cast.by_name(vocative.group("name")) if vocative else None
        for s, e, p in self.cast.find(text):
            add(s, e, "person", p)
        # "her parents", „sein Manager", "their 15-year-old daughter": someone else close to a person (a name right
        # after it is that someone: "her husband Marco" is Marco, found above)
        for m in _RELATION.finditer(text):
            if not re.match(r"\s*,?\s*[A-ZÄÖÜ]", text[m.end():]) or not self.cast.find(text[m.end():m.end() + 40]):
                add(m.start(), m.end(), "other")
        for m in ROLE.finditer(text):
            add(m.start(), m.end(), "person", self._resolve(i, m.start(), role_gender(m.group(0))))
        for m in COMPANY.finditer(text):
            add(m.start(), m.end(), "company")
        for m in POPULATION.finditer(text):
            word = m.group(0)
            if word.lower() in ("sie", "ihr", "ihre", "ihrer", "ihren", "ihrem"):
                continue
            if word in ("you", "your", "You", "Your", "Sie", "Ihnen", "Ihr", "Ihre") and addressed:
                add(m.start(), m.end(), "second", addressed)
            else:
                add(m.start(), m.end(), "population")
        for m in _GENERIC_AVERAGE.finditer(text):
            w = m.group("n")
            if w.lower() not in FIRST and w.lower() not in WE and w.lower() not in PRONOUNS and not self.cast.find(w):
                add(m.start("n"), m.end("n"), "population")   # „dass Abgeordnete im Schnitt 40 Minuten …"
        for m in _TOKEN.finditer(text):
            w = m.group(0)
            lw = w.lower()
            if lw in FIRST and not (lw == "i" and w != "I"):
                add(m.start(), m.end(), "first")
            elif lw in WE:
                add(m.start(), m.end(), "we")
            elif lw in PRONOUNS:
                if w in ("Sie", "Ihnen", "Ihr", "Ihre", "Ihrer", "Ihren") and m.start() > 0 and addressed:
                    add(m.start(), m.end(), "second", addressed)
                    continue
                if self.lang == "de" and lw in ("sie", "es") and re.search(
                        r"\b(?:ich|er|wir|du|man)\s+\w+\s+$", text[:m.start()], re.I):
                    continue   # „ich hatte sie gelöscht": an object, not the one who acts
                if self.lang == "de" and lw in ("sie", "ihr", "ihre", "ihrer", "ihren", "ihrem") and \
                        self._plural_context(text, m.start()):
                    add(m.start(), m.end(), "population")
                    continue
                add(m.start(), m.end(), "person", self._resolve(i, m.start(), pronoun_gender(lw)))
        self._refs[i] = sorted(out, key=lambda r: r.start)
        return self._refs[i]

    def _plural_context(self, text: str, pos: int) -> bool:
        # „sie nutzen", „ihre Geräte": a plural verb right after "sie" means "they"
        after = text[pos:pos + 30].split()
        return len(after) > 1 and bool(re.fullmatch(r"[a-zäöü]+en", after[1])) and after[1] not in _NOT_PLURAL_VERB

    def _resolve(self, i: int, pos: int, gender: str | None) -> Person | None:
        """The person a pronoun or role at `pos` refers to: the nearest earlier mention in the sentence that
        stands as a subject (not right after a verb or preposition), else the one in focus."""
        text = self.units[i].text
        before = [(s, p) for s, _e, p in self.cast.find(text) if s < pos]
        subjects = [p for s, p in reversed(before) if self._subject_like(text, s)]
        for p in subjects + [p for _s, p in before] + self.focus.get(i, []):
            if gender is None or p.gender is None or p.gender == gender:
                return p
        return self.cast.subject

    @staticmethod
    def _subject_like(text: str, start: int) -> bool:
        prev = re.search(r"(\S+)\s*$", text[:start])
        if prev is None:
            return True
        word = prev.group(1)
        if re.search(r"[,.;:!?(\"“”„«»–—-]$", word) or word.lower() in ("and", "und", "but", "aber", "that", "dass",
                                                                         "alias", "oder", "or", "as", "als"):
            return True
        return word[:1].isupper() and word.lower() not in _PREP

    # ------------------------------------------------------------ speech

    def speech(self, i: int) -> list[tuple[int, object]]:
        """Speech verbs in a unit with their agent: a Person, 'first', 'other' or None (unknown)."""
        if i in self._speech:
            return self._speech[i]
        text = self.units[i].text
        out: list[tuple[int, object]] = []
        verbs = SPEECH_DE if self.lang == "de" else SPEECH_EN
        tokens = list(_TOKEN.finditer(text))
        for k, m in enumerate(tokens):
            w = m.group(0)
            if not w[:1].islower() and k > 0:
                continue
            lem = lemma(w, self.lang)
            if lem not in verbs and w.lower() not in verbs:
                continue
            if lem in _AMBIGUOUS and not (re.match(r"\s*(?:that\b|,|:|[\"“”])", text[m.end():]) or re.search(
                    r"[\"“”»«]\s*,?\s*(?:\w+\s+){0,3}$", text[:m.start()])):
                continue   # "couldn't add more people": not "he added"
            if lem in _PARTICLE_OF and not re.search(rf"\b(?:{_PARTICLE_OF[lem]})\b", text[m.end():m.end() + 80]):
                continue
            out.append((m.start(), self._agent(i, tokens, k)))
        so = re.finditer(r"[\"“”»«,]\s*so\s+(?=(?:der|die|[A-ZÄÖÜ]))", text)
        for m in so:
            out.append((m.start(), self._agent(i, tokens, next(
                (k for k, t in enumerate(tokens) if t.start() > m.start() + 1), len(tokens) - 1), right_only=True)))
        self._speech[i] = out
        return out

    def _agent(self, i: int, tokens: list[re.Match], k: int, right_only: bool = False) -> object:
        text = self.units[i].text
        refs = self.refs(i)

        def classify(tok: re.Match, prev: re.Match | None) -> object:
            if prev is not None and prev.group(0).lower() in _PREP:
                return None
            r = next((r for r in refs if r.start <= tok.start() < r.end), None)
            if r is not None:
                if r.kind == "person":
                    return r.person
                if r.kind == "first":
                    return "first"
                if r.kind in ("population", "company", "we", "other"):
                    return "other"
            w = tok.group(0)
            if _OTHER_AGENT.fullmatch(w):
                return "other"
            if w[:1].isupper() and w.lower() not in _SKIP and tok.start() > 0 and self.lang == "en" and \
                    not re.match(r"[.!?\"“”]\s*$", text[:tok.start()][-3:]):
                return "other"   # an outlet or organisation named in English ("Business Insider noted")
            if w[:1].isupper() and self.lang == "de" and re.search(r"\b(?:der|die)\s+$", text[:tok.start()]):
                return self._resolve(i, tok.start(), None)   # „sagte die Schwyzerin": a role of the one in focus
            return None

        # ", sagte Brenner" / "…,” said Holt": after a comma or a quote the agent follows the verb
        before = text[:tokens[k].start()]
        if self.lang == "de":
            inverted = bool(re.search(r"[,\"“”»«]\s*$", before))
        else:   # English inverts only after a quote ('…," said Holt') or before the speaker (", said Holt")
            nxt = next((r for r in refs if k + 1 < len(tokens) and r.start <= tokens[k + 1].start() < r.end), None)
            # …, said Holt — but not "Blake, who …, claimed he posts": a pronoun after the verb starts its clause
            # … and not "Lisa Carter, said Zoe spends …": a name followed by its own verb starts what was said
            inverted = bool(re.search(r"[\"“”]\s*,?\s*$", before)) or bool(
                re.search(r",\s*$", before) and nxt is not None and nxt.kind == "person"
                and tokens[k + 1].group(0)[:1].isupper() and re.match(
                    r"\s*(?:[,.;:!?)–—-]|$|(?:on|in|at|to|during|when|after|before|last|this|of|from|who|in)\b)",
                    text[nxt.end:]))
        if inverted:
            for j in range(k + 1, min(len(tokens), k + 7)):
                if re.search(r"[,:;\"“”„«»]", text[tokens[k].end():tokens[j].start()]):
                    break   # „…, sagte, er poste …": after the verb's comma comes what was said, not who said it
                got = classify(tokens[j], None)
                if got is not None:
                    return got
        if not right_only:
            for j in range(k - 1, max(-1, k - 10), -1):
                if re.search(r"[\"“”„«»;:]", text[tokens[j].end():tokens[j + 1].start()]):
                    break
                if tokens[j].group(0).lower() in _SKIP or tokens[j].group(0).lower() in _OBJECT:
                    continue
                got = classify(tokens[j], tokens[j - 1] if j > 0 else None)
                if got is not None:
                    return got
        # the agent after the verb: German word order („sagte Castell"), or an English inversion after a quote
        # or a comma (", said Holt"); never the subject of a that-clause ("estimate that he posts")
        if self.lang == "en" and not right_only and not re.search(r"[,\"“”]\s*$", text[:tokens[k].start()]):
            return None
        for j in range(k + 1, min(len(tokens), k + 7)):
            if self.lang == "de" and tokens[j].group(0).lower() in ("dass", "ob", "wie"):
                break
            got = classify(tokens[j], None)
            if got is not None:
                return got
        return None

    def konjunktiv(self, i: int) -> bool:
        """German reported speech: a third-person Konjunktiv I verb („habe er", „sei", „verbringe sie")."""
        if self.lang != "de":
            return False
        text = self.units[i].text
        words = [w for w in _TOKEN.findall(text)]
        for k, w in enumerate(words):
            if not w.islower():
                continue
            near = {x.lower() for x in words[max(0, k - 2):k + 3]}
            if "ich" in near:
                continue
            if w in ("sei", "seien", "habe", "werde", "könne", "müsse", "wolle", "solle", "dürfe", "möge"):
                return True
            # verbs of posting the lemmatiser does not know („poste", „streame") read like any other verb
            lem = w + "n" if w in _POSTING_KONJ else lemma(w, "de")
            if len(w) > 3 and lem.endswith("en") and w == lem[:-1] and (near & {"er", "sie", "es"} or any(
                    r.kind == "person" for r in self.refs(i))):
                return True
        return False

    # ------------------------------------------------------------ attribution

    def quote_speaker(self, i: int, q: tuple[int, int], depth: int = 0) -> object:
        """Who speaks a quote: the nearest speech verb outside quotes, a 'X said:' before it, or the turn."""
        text = self.units[i].text
        quotes = self.quotes(i)
        outside = [(pos, agent) for pos, agent in self.speech(i) if not any(s <= pos < e for s, e in quotes)]
        if outside:
            pos, agent = min(outside, key=lambda pa: min(abs(pa[0] - q[0]), abs(pa[0] - q[1])))
            if agent is not None:
                return agent
        for j in (i - 1, i - 2):
            if j < 0 or self.units[j].paragraph < self.units[i].paragraph - 1:
                break
            prev = self.units[j].text.rstrip()
            if prev.endswith(":") or prev.endswith(",") and re.search(r"\b(?:said|says|sagte|sagt)\b", prev):
                spoken = [a for _p, a in self.speech(j) if a is not None]
                if spoken:
                    return spoken[-1]
            if j == i - 1 and self.quotes(j) and text.lstrip()[:1] in "\"“„«»":
                # a quote going on after '"Tom thinks I'm addicted," Ruiz said.': the same speaker
                earlier = self.quote_speaker(j, self.quotes(j)[-1], depth + 1) if depth < 3 else None
                if earlier is not None:
                    return earlier
                continue
            break
        if self.turns.get(i) is not None:
            return self.turns[i]
        if outside or re.search(r"\b(?:said|says|sagte|sagt)\b", text[q[1]:q[1] + 30]):
            return self._resolve(i, q[1], None)
        return None

    def actor_before(self, i: int) -> Person | None:
        """The person a short narrative sentence just before, in the same paragraph, opens with ("She shrugged.",
        „Kalkan lacht."): who speaks a quote standing alone after it."""
        if i == 0 or self.units[i - 1].paragraph != self.units[i].paragraph or self.quotes(i - 1):
            return None
        prev = self.units[i - 1].text
        refs = self.refs(i - 1)
        if len(prev) > 80 or not refs or refs[0].start > 0 or refs[0].kind != "person" or refs[0].person is None:
            return None
        return refs[0].person if isinstance(refs[0].person, Person) else None

    def person_speech_in(self, i: int, person: Person | None) -> bool:
        """Does the unit report this person's speech (speech verb with them as agent, or a self-source cue)?"""
        if _SELF_SOURCE.search(self.units[i].text):
            return True
        return any(agent is not None and agent is person for _p, agent in self.speech(i))

    def question_at(self, i: int) -> int | None:
        """The unit holding the question a unit answers: the last question asked in another turn shortly before."""
        turn = self.turns.get(i)
        for j in range(i - 1, max(-1, i - 4), -1):
            u = self.units[j]
            # a short question counts when it closes another paragraph before a labelled answer („Stimmt das?")
            if u.text.rstrip().endswith("?") and self.turns.get(j) is not turn and (len(u.text) > 15 or (
                    turn is not None and u.paragraph != self.units[i].paragraph)):
                return j
        return None

    def question_before(self, i: int) -> str | None:
        """The question a unit answers, whole: "Surveys say X opens LinkedIn four times a day. Where do you sit?"."""
        j = self.question_at(i)
        if j is None:
            return None
        first = j
        while first > 0 and first > j - 3 and self.units[first - 1].paragraph == self.units[j].paragraph and \
                not self.units[first - 1].headline:
            first -= 1
        return " ".join(x.text for x in self.units[first:j + 1])

    def _answers(self, i: int) -> bool:
        """Whether the unit opens the paragraph right after a question asked in an interview or Q&A."""
        j = self.question_at(i)
        return j is not None and self.units[i].paragraph == self.units[j].paragraph + 1 and (
            self.turns.get(j) == "interviewer" or self.cast.interview or bool(self.cast.authors))

    def voice(self, i: int) -> object:
        """Who 'I' is outside quotes: the interview turn, the interviewee, or the author."""
        turn = self.turns.get(i)
        if turn is not None:
            return turn
        if self.cast.interview and self.cast.subject is not None:
            return self.cast.subject
        if self.cast.authors:
            return self.cast.by_name(self.cast.authors[0]) or self.cast.authors[0]
        return None

    def attribute(self, i: int, span: tuple[int, int], metric: str, exclude: tuple[int, int] | None = None,
                  allow_we: bool = False, any_person: bool = False) -> Attribution | None:
        """Attribute a figure at `span` of unit i; None when it is a population or company figure, or nobody's."""
        quotes = self.quotes(i)
        inq = next(((s, e) for s, e in quotes if s <= span[0] < e), None)
        text = self.units[i].text
        # "replying to people", „mit Nutzern": a group as the object of a preposition is not whom the figure is about
        refs = [r for r in self.refs(i) if not (exclude and exclude[0] <= r.start < exclude[1])
                and not (r.kind in ("population", "company") and _OBJECT_PREP.search(text[:r.start]))
                and not (r.kind == "population" and _CONTRAST_CLAUSE.search(text[:r.start]))
                # people in another sentence of the same quote ("… The rest is reposting other people.")
                and not (r.kind == "population" and re.search(r"[.!?]\s", text[min(span[0], r.start):
                                                                              max(span[1], r.start)]))]
        inside = [r for r in refs if inq and inq[0] <= r.start < inq[1]]
        if inq and not inside and (inq[0] > 0 or inq[1] < len(self.units[i].text)) and (
                self.speech(i) or self.konjunktiv(i) or _SELF_SOURCE.search(text)):
            # a quoted fragment inside reported speech ('he films "about 20 videos a week"', „Sie poste „fünf,
            # sechs Mal die Woche“")
            inq = None
        refs = inside if inq else [r for r in refs if not any(s <= r.start < e for s, e in quotes)]
        usable = refs
        if not allow_we:
            usable = [r for r in refs if r.kind != "we"]
        if any_person:
            people = [r for r in usable if r.kind in ("person", "first", "second") or r.kind == "we" and allow_we]
            usable = people or usable
        if not usable:
            turn = self.turns.get(i)
            if isinstance(turn, Person) and not inq:
                return Attribution(turn.name, True, "first_person", turn)   # an answer in an interview turn
            if turn is None and not inq and self._answers(i):
                # an unlabelled answer right after the question ("Honestly, maybe 45 minutes a day")
                who = self.voice(i)
                if who is not None:
                    return Attribution(_name(who), True, "first_person", who if isinstance(who, Person) else None)
            if any_person and not refs and self.focus.get(i):
                # "In the Telegram group a message stays on screen for two seconds": the group of the one in focus
                return self._third_person(i, self.focus[i][0], metric)
            actor = self.actor_before(i) if inq and not any(ag is not None for _p, ag in self.speech(i)) else None
            if actor is not None and not text[:inq[0]].strip():
                # 'Castaño laughed at the figure. "On a busy day, a dozen tweets."': the one who just acted speaks
                return Attribution(actor.name, True, "quote", actor)
            return self._continued(i, metric, inq)
        ref = min(usable, key=lambda r: min(abs(r.start - span[0]), abs(r.end - span[0]), abs(r.start - span[1])))
        if ref.kind in ("population", "company", "other"):
            return None
        if ref.kind == "we" and not allow_we:
            return None
        if inq:
            speaker = self.quote_speaker(i, inq)
            if ref.kind in ("first", "we"):
                if speaker == "other":
                    return None
                if speaker in (None, "first"):
                    speaker = self.voice(i) or (self.focus[i][0] if self.focus.get(i) else None)
                return Attribution(_name(speaker), True, "quote", speaker if isinstance(speaker, Person) else None)
            about = ref.person
            own = speaker is about and about is not None
            return Attribution(_name(about), own, "quote" if own else "third_party", about)
        if ref.kind in ("first", "we"):
            speaker = self.voice(i)
            return Attribution(_name(speaker), True, "first_person", speaker if isinstance(speaker, Person) else None)
        if ref.kind == "second":
            return Attribution(_name(ref.person), False, "addressed", ref.person)
        person = ref.person
        if person is None:
            return None
        return self._third_person(i, person, metric)

    def _sourced_to(self, i: int, person: Person) -> bool:
        """ "according to Vega", „laut Brenner", „Brenner zufolge": the person is the source."""
        text = self.units[i].text
        for m in re.finditer(r"\b(?:according to|laut|nach Angaben von)\s+(?P<a>[A-ZÄÖÜ][\w-]+(?:\s+[A-ZÄÖÜ][\w-]+)?)"
                             r"|\b(?P<b>[A-ZÄÖÜ][\w-]+)\s+zufolge\b", text):
            if self.cast.by_name(m.group("a") or m.group("b")) is person:
                return True
        return False

    def _third_person(self, i: int, person: Person, metric: str) -> Attribution | None:
        unit = self.units[i]
        speech = sorted(self.speech(i), key=lambda pa: pa[0])
        agents = [a for _p, a in speech]
        # "His press office said the account posts 10 times a day and that the minister writes none": the first
        # speaker of the sentence is someone else, and the person's own verb stands inside what they said
        own_saying = [p for p, a in speech if a is person and re.match(_SAYING, unit.text[p:])]
        if speech and (speech[0][1] == "other" or isinstance(speech[0][1], Person) and speech[0][1] is not person) \
                and re.match(_SAYING, unit.text[speech[0][0]:]) and not own_saying \
                and not _SELF_SOURCE.search(unit.text) and not self._sourced_to(i, person):
            return Attribution(person.name, False, "third_party", person)
        if any(a is person for a in agents) or _SELF_SOURCE.search(unit.text) or self._sourced_to(i, person):
            return Attribution(person.name, True, "reported", person)
        if any(a == "other" or isinstance(a, Person) and a is not person for a in agents) or \
                THIRD_PARTY.search(unit.text):
            # an analyst's, a relative's or a rival's statement about the person („Sein Manager schätzt, dass …")
            return Attribution(person.name, False, "third_party", person)
        if self.konjunktiv(i):
            return Attribution(person.name, True, "reported", person)
        if unit.headline:
            return Attribution(person.name, True, "headline", person)
        if metric == "headcount":
            return None   # an employee count in narrative is the company's metric, not the person's claim
        if metric in PRIVATE:
            return Attribution(person.name, True, "narrative", person)
        # an observable figure told in narrative is the person's own only next to their own words (the sentence
        # before or after reports their speech), and never when the paragraph names another source for it
        para = [u.index for u in self.units if u.paragraph == unit.paragraph and not u.headline]
        near = [j for j in para if abs(j - i) == 1]
        sourced_elsewhere = any(THIRD_PARTY.search(self.units[j].text) or any(
            a == "other" or isinstance(a, Person) and a is not person for _p, a in self.speech(j)) for j in para)
        own = not sourced_elsewhere and any(self.person_speech_in(j, person) or self.konjunktiv(j) for j in near)
        return Attribution(person.name, own, "narrative", person)

    def _continued(self, i: int, metric: str, inq: tuple[int, int] | None) -> Attribution | None:
        # "This week, it went down: five hours a day." continues the sentence before it
        if i == 0 or self.units[i - 1].headline:
            return None
        prev, unit = self.units[i - 1], self.units[i]
        # the same paragraph, or a quote going on in the next one (each quoted paragraph opens with a quote mark)
        quote_goes_on = unit.paragraph == prev.paragraph + 1 and unit.text.lstrip()[:1] in "\"“„«»" and self.quotes(i - 1)
        # a sentence naming nobody in the next paragraph goes on with the one before ("The biggest chunk went to
        # Instagram, at 35 minutes a day" after the column's own total)
        bare = unit.paragraph == prev.paragraph + 1 and not self.refs(i)
        if prev.paragraph != unit.paragraph and not quote_goes_on and not bare:
            return None
        got = self.last_claim.get(i - 1)
        if got is None or got[0].rsplit("_per_", 1)[0] != metric.rsplit("_per_", 1)[0]:
            return None   # the same kind of figure (a time per day after a time per week is one account of time)
        return got[1]


def _name(who: object) -> str | None:
    if isinstance(who, Person):
        return who.name
    if isinstance(who, str) and who not in ("first", "other"):
        return who
    return None
