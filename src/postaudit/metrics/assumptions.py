"""Named assumption sets for the time-share estimate (conservative / central / liberal); sources in docs/methodology.md."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Assumptions:
    """Every number the estimate depends on, so a verdict can state them."""

    name: str
    gap_minutes: float               # a longer pause starts a new session (Halfaker et al. 2015; 30 min web default)
    compose_seconds: dict            # minimum time to write a post, by kind (assumed)
    typing_chars_per_second: float   # ~36 words/min on mobile (Palin et al. 2019) is ~3 chars/s
    weekly_work_hours: float         # CEO working week (Porter & Nohria 2018: ~62.5 h)

    def as_dict(self) -> dict:
        return asdict(self)


CONSERVATIVE = Assumptions("conservative", 10, {"repost": 5, "reply": 20, "quote": 45, "original": 45}, 4.0, 70.0)
CENTRAL = Assumptions("central", 30, {"repost": 10, "reply": 45, "quote": 90, "original": 90}, 3.0, 62.5)
LIBERAL = Assumptions("liberal", 60, {"repost": 20, "reply": 90, "quote": 180, "original": 180}, 2.0, 50.0)
ALL = {a.name: a for a in (CONSERVATIVE, CENTRAL, LIBERAL)}

# Porter & Nohria (HBR 2018): 9.7 h per weekday and 3.9 h per weekend day, i.e. 48.5 + 7.8 = 56.3 h
# of the 62.5 h week falls in those; we keep their weekday/weekend proportion and scale to the weekly total.
WEEKDAY_SHARE = 9.7 / (5 * 9.7 + 2 * 3.9)
WEEKEND_SHARE = 3.9 / (5 * 9.7 + 2 * 3.9)
SLEEP_HOURS = 6.9  # Porter & Nohria's CEOs slept 6.9 h a night on average
