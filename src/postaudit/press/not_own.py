"""Shapes that make a figure nobody's own habit, whoever the reader took it for: a third party's estimate
(a spokesperson, management, the club, an interviewer's own count), a survey's answer of a group, a plan or
resolution, a team's size told by its owner."""

from __future__ import annotations

import re

# someone other than the person speaks for them: "A spokesperson, Dana X, estimated that", „Ein Sprecher der Stadt
# schätzt, dass", „Ihr Management sagt, Sie …", "Her club reckons she …"
_OTHER_SPEAKER = re.compile(
    r"\b(?:spokes(?:man|woman|person)|press (?:team|secretary)|office(?:rs?)?|officials?|aides?|advisers?|"
    r"management|manager|agent|label|club|publicist|staff|Sprecher(?:in)?|Pressestelle|Büro|Management|Manager(?:in)?|"
    r"Berater(?:in)?|Verein|Klub|Label|Agentur|Umfeld)\b[^.;:!?\"“”„«»]{0,60}?\b(?:estimat\w*|reckons?|reckoned|"
    r"puts? (?:it|the figure) at|put (?:it|the figure) at|believes?|believed|thinks?|thought|says?|said|claims?|"
    r"claimed|told|insists?|insisted|schätz\w*|sagt\w*|meint\w*|glaubt\w*|geht davon aus|behauptet\w*|spricht von|"
    r"beziffert\w*)\b", re.I)
# the journalist's own information or count: "our count of your account", „nach unseren Informationen"
_OUR_SOURCE = re.compile(
    r"\b(?:our|unser\w*)\s+(?:own\s+)?(?:count|information|research|reporting|tally|figures|data|records|"
    r"Informationen|Recherchen?|Zählung|Daten|Unterlagen)\b|\bwe (?:counted|tallied|found)\b|"
    r"\bwir (?:haben )?(?:gezählt|nachgezählt)\b", re.I)
# a survey's answer: "in a survey, the MPs put their activity at", „In einer Befragung gaben die Abgeordneten … an"
_SURVEY = re.compile(r"\b(?:survey\w*|poll(?:s|ed)?|questionnaire|respondents|Befragung\w*|Umfrage\w*|Befragte\w*|"
                     r"Fragebogen)\b", re.I)
# a plan or resolution, not a habit: "I want to get it down to", "from January I'll", „Im neuen Jahr will ich"
_PLAN = re.compile(
    r"\b(?:I\s+(?:really\s+)?(?:want|plan|intend|hope|mean|aim)\s+to|I['’]d (?:like|love) to|"
    r"I(?:['’]m| am) (?:going|planning|aiming|hoping|trying) to|I(?:['’]ll| will| shall)(?!\s+(?:usually|often|"
    r"sometimes|normally|typically|generally|happily|easily|still))|my (?:goal|plan|aim|target|resolution) is|"
    r"(?:he|she|they) (?:wants|plans|intends|hopes|aims|is going|is planning|are going|are planning) to|"
    r"will ich|ich will|möchte ich|ich möchte|werde ich|ich werde|(?:habe )?(?:ich )?mir vorgenommen|"
    r"(?:mein|ihr|sein) (?:Ziel|Plan|Vorsatz)|(?:will|wolle|möchte|plant|plane) (?:er|sie)|"
    r"(?:er|sie) (?:will|wolle|möchte|plant|plane)\b|in the new year|im neuen Jahr|from (?:next|January|February|"
    r"March|April|May|June|July|August|September|October|November|December)|ab (?:nächste\w*|kommende\w*|Januar|"
    r"Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember))\b", re.I)
# a team or company of one's own: „Mein Team ist … auf 25 Leute gewachsen", "our company now has 40 staff"
_OWN_TEAM = re.compile(r"\b(?:my|our|mein\w*|unser\w*|his|her|their|sein\w*|ihr\w*)\s+(?:[\w-]+\s+)?(?:team|company|"
                       r"firm|business|agency|start-?up|staff|studio|Team|Firma|Unternehmen|Agentur|Start-?up|"
                       r"Belegschaft|Büro|Studio)\b", re.I)
_CLAUSE_END = re.compile(r"[.;!?]\s|\s[–—]\s|,\s*(?:but|and|while|aber|und|doch|während)\b", re.I)
MEASURED = {"time_share", "time_per_day", "time_per_week", "posts_per_day", "posts_per_week", "group_members",
            "message_visibility"}


def _clause(text: str, start: int, end: int) -> tuple[str, str]:
    """The clause holding a figure: what comes before it in the clause, and after it."""
    cut = 0
    for m in _CLAUSE_END.finditer(text, 0, start):
        cut = m.end()
    after = _CLAUSE_END.search(text, end)
    return text[cut:start], text[end:after.start() if after else len(text)]


def someone_elses(text: str, start: int, end: int) -> bool:
    """Whether the sentence gives the figure on another's word: a spokesperson, management, a survey, our count."""
    return bool(_OTHER_SPEAKER.search(text[:start]) or _OUR_SOURCE.search(text))


def surveyed(text: str) -> bool:
    """Whether the figure is what a survey's respondents gave: a group's answer, nobody's own claim."""
    return bool(_SURVEY.search(text))


def planned(text: str, start: int, end: int) -> bool:
    """Whether the figure is a plan or resolution in its own clause, not a habit."""
    before, after = _clause(text, start, end)
    return bool(_PLAN.search(before + " " + after))


def own_team(text: str, start: int, end: int) -> bool:
    """Whether a head count is the size of one's own team or company (no claim about online life)."""
    before, after = _clause(text, start, end)
    return bool(_OWN_TEAM.search(before + " " + after))
