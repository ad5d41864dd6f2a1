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
    # How a session is padded beyond its first and last post:
    #   "compose": only the composition time of the first post (nothing assumed unseen at the ends, but the
    #              gaps up to gap_minutes inside a session are still bridged: a low estimate, not a floor;
    #              the floor is time_on_platform.floor_hours, metrics/posting_time.py);
    #   "gap": one expected uncovered stretch at each end, L/(n+1), with L the account's mean session length
    #          estimated from its multi-post sessions (docs/methodology.md, "Session time").
    padding: str = "gap"
    compose_set: str = ""            # which composition-time set; defaults to the set's own name

    def __post_init__(self) -> None:
        if self.padding not in ("compose", "gap"):
            raise ValueError(f"padding must be 'compose' or 'gap', not {self.padding!r}")
        if not self.compose_set:
            object.__setattr__(self, "compose_set", self.name)

    def as_dict(self) -> dict:
        return asdict(self)

    def replace(self, **changes) -> Assumptions:
        """A copy with some fields changed (the sensitivity grid varies one dimension at a time)."""
        return Assumptions(**{**asdict(self), **changes})


COMPOSE = {
    "conservative": ({"repost": 5, "reply": 20, "quote": 45, "original": 45}, 4.0),
    "central": ({"repost": 10, "reply": 45, "quote": 90, "original": 90}, 3.0),
    "liberal": ({"repost": 20, "reply": 90, "quote": 180, "original": 180}, 2.0),
}
# The conservative set pads by composition time only (a low estimate: it still bridges 10-min gaps, so it is no
# floor); central and liberal estimate the unseen ends.
PADDING = {"conservative": "compose", "central": "gap", "liberal": "gap"}
GAP_MINUTES = {"conservative": 10.0, "central": 30.0, "liberal": 60.0}
WEEKLY_WORK_HOURS = {"liberal": 50.0, "central": 62.5, "conservative": 70.0}  # a longer week lowers the share


def _named(name: str) -> Assumptions:
    compose, cps = COMPOSE[name]
    return Assumptions(name, GAP_MINUTES[name], compose, cps, WEEKLY_WORK_HOURS[name], PADDING[name], name)


CONSERVATIVE = _named("conservative")
CENTRAL = _named("central")
LIBERAL = _named("liberal")
ALL = {a.name: a for a in (CONSERVATIVE, CENTRAL, LIBERAL)}


def sensitivity_grid() -> list[Assumptions]:
    """Every combination of gap threshold × composition set (with its padding rule) × working week: 27 cells."""
    cells = []
    for gap in sorted(GAP_MINUTES.values()):
        for cname in COMPOSE:
            for hours in sorted(WEEKLY_WORK_HOURS.values()):
                compose, cps = COMPOSE[cname]
                cells.append(Assumptions(f"grid:{cname}:{gap:g}:{hours:g}", gap, compose, cps, hours,
                                         PADDING[cname], cname))
    return cells


# Porter & Nohria (HBR 2018): 9.7 h per weekday and 3.9 h per weekend day, i.e. 48.5 + 7.8 = 56.3 h
# of the 62.5 h week falls in those; we keep their weekday/weekend proportion and scale to the weekly total.
WEEKDAY_SHARE = 9.7 / (5 * 9.7 + 2 * 3.9)
WEEKEND_SHARE = 3.9 / (5 * 9.7 + 2 * 3.9)
SLEEP_HOURS = 6.9  # Porter & Nohria's CEOs slept 6.9 h a night on average
WAKING_HOURS_PER_DAY = 24.0 - SLEEP_HOURS
