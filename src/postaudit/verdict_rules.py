"""The verdict rules, fixed before looking at data (docs/methodology.md, "Verdicts"): pure functions of numbers.

Every rule takes the claim's band (what the claim allows, in its own unit and direction) and what the data
show in the same unit, and returns a Verdict code, a plain phrase and the reason. The order of the checks
is part of each rule.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from postaudit.claims import TOLERANCE, Verdict


@dataclass(frozen=True)
class Band:
    """The values a claim allows, in its unit: about → value ± tolerance (or the stated range), at least → [v, ∞),
    at most → [0, v]."""

    low: float
    high: float
    direction: str

    def text(self, unit: str = "") -> str:
        u = f" {unit.replace('_', ' ')}" if unit else ""
        if self.direction == "at_least":
            return f"at least {fmt(self.low)}{u}"
        if self.direction == "at_most":
            return f"at most {fmt(self.high)}{u}"
        return f"{fmt(self.low)}–{fmt(self.high)}{u}"


def claim_band(value: float, direction: str | None = "about", value_low: float | None = None,
               value_high: float | None = None, tolerance: float | None = None) -> Band:
    """What a claim allows: a stated range is its own band; a point gets the relative tolerance (about only)."""
    direction = direction or "about"
    low = value if value_low is None else value_low
    high = value if value_high is None else value_high
    if direction == "at_least":
        return Band(low, math.inf, direction)
    if direction == "at_most":
        return Band(0.0, high, direction)
    if low < high:  # "between 2 and 3 hours", "several hundred thousand"
        return Band(low, high, direction)
    tol = TOLERANCE if tolerance is None else tolerance
    return Band(value * (1 - tol), value * (1 + tol), direction)


def fmt(x: float | None) -> str:
    """A number for a sentence: three significant figures, thousands separated."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "?"
    if math.isinf(x):
        return "∞"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:.3g}"


@dataclass(frozen=True)
class Judged:
    """A rule's outcome."""

    verdict: Verdict
    text: str
    reason: str


# ---------------------------------------------------------------- time claims (share, per day, per week)

@dataclass(frozen=True)
class TimeEvidence:
    """Posting-session time over the window in the claim's unit, against one baseline."""

    floor: float      # what the posts prove (composition time before each post, merged)
    estimate: float   # posting-session time
    low: float        # its 95% interval
    high: float
    capacity: float   # the whole waking day over the window: no claim can be more


def reading_ratio(claimed: float, posting: float) -> float | None:
    """r*: minutes of reading without posting the claim needs for each minute of posting sessions."""
    if posting <= 0:
        return None
    return (claimed - posting) / posting


def judge_time(band: Band, ev: TimeEvidence, value: float, unit: str = "") -> Judged:
    """A time claim against the floor, the posting-session interval and the waking day."""
    u = f" {unit.replace('_', ' ')}" if unit else ""
    interval = f"posting sessions {fmt(ev.estimate)}{u} (95% {fmt(ev.low)}–{fmt(ev.high)})"
    claim = f"the claim allows {band.text(unit)}"
    if band.direction in ("about", "at_most") and ev.floor > band.high:
        return Judged(Verdict.CONTRADICTED, "contradicted (posts alone prove more)",
                      f"the posts alone prove {fmt(ev.floor)}{u} (composition time before each post); {claim}")
    if band.direction in ("about", "at_least") and band.low > ev.capacity:
        return Judged(Verdict.CONTRADICTED, "contradicted (more than the whole waking day)",
                      f"{claim}, more than the whole waking day ({fmt(ev.capacity)}{u}) could hold")
    if band.direction in ("about", "at_most") and ev.low > band.high:
        return Judged(Verdict.PROBABLY_UNDERSTATED, "probably understated",
                      f"{interval} lie wholly above the claim: {claim}; reading would only add to it")
    if band.direction == "at_least" and ev.floor >= band.low:
        return Judged(Verdict.SUPPORTED_BY_POSTS, "supported by the posts alone",
                      f"the posts alone prove {fmt(ev.floor)}{u}; {claim}")
    if ev.high < band.low:
        r = reading_ratio(value, ev.estimate)
        r_low = reading_ratio(value, ev.high)
        need = ("no posting sessions were found, so the claim rests wholly on unseen reading" if r is None else
                f"it needs r* = {r:.1f} minutes of reading without posting for each minute of posting sessions "
                f"(at least {r_low:.1f} at the interval's upper end)")
        return Judged(Verdict.NEEDS_UNSEEN_READING, "needs unseen reading",
                      f"{claim}, above {interval}: {need}. There is no published ratio of reading to posting "
                      "time for public figures, so this is not a contradiction")
    if band.direction == "at_most":
        return Judged(Verdict.CONSISTENT, "consistent",
                      f"{interval}; {claim}. Reading leaves no trace, so posts cannot confirm an upper limit")
    return Judged(Verdict.CONSISTENT, "consistent", f"{interval} overlap the claim: {claim}")


# Most favourable to the claim first: a verdict stands only as far as every baseline agrees.
_FAVOUR = [Verdict.CONSISTENT, Verdict.SUPPORTED_BY_POSTS, Verdict.NEEDS_UNSEEN_READING,
           Verdict.PROBABLY_UNDERSTATED, Verdict.CONTRADICTED]


def combine_baselines(judged: dict[str, Judged]) -> tuple[str, Judged]:
    """One verdict for "my time" judged against several baselines: the one most favourable to the claim.

    So a claim is contradicted (or probably understated) only when every baseline says so.
    Returns the deciding baseline and its judgement; the reason lists what the others said.
    """
    order = list(judged)
    best = min(order, key=lambda b: (_FAVOUR.index(judged[b].verdict), order.index(b)))
    pick = judged[best]
    others = [f"{b.replace('_', ' ')}: {judged[b].text}" for b in order if b != best]
    if not others:
        return best, pick
    return best, Judged(pick.verdict, pick.text,
                        f"against {best.replace('_', ' ')} hours, {pick.reason} (other baselines: {'; '.join(others)})")


# ---------------------------------------------------------------- counted posts and measured chat figures

def judge_counted(band: Band, observed: float, low: float, high: float, unit: str = "") -> Judged:
    """Posts counted in the warehouse (a floor: deleted posts are missing), with an interval over days."""
    counted = f"{fmt(observed)} counted (95% over days {fmt(low)}–{fmt(high)})"
    claim = f"the claim allows {band.text(unit)}"
    if band.direction in ("about", "at_most") and low > band.high:
        return Judged(Verdict.CONTRADICTED, "contradicted (more posts than claimed)", f"{counted}; {claim}")
    if band.direction == "at_least" and observed >= band.low:
        return Judged(Verdict.SUPPORTED_BY_POSTS, "supported by the posts alone", f"{counted}; {claim}")
    if high < band.low:
        return Judged(Verdict.PROBABLY_OVERSTATED, "probably overstated",
                      f"{counted}, below the claim: {claim}; deleted or protected posts and accounts not in "
                      "the warehouse could make up the difference")
    return Judged(Verdict.CONSISTENT, "consistent", f"{counted}; {claim}")


def judge_measured(band: Band, low: float, high: float, what: str, more: str, less: str, unit: str = "") -> Judged:
    """A figure the data measure directly (a chat's on-screen time, a member count) against the claim's band.

    low..high: the range the measurement allows (its interval, over the stated assumptions).
    """
    u = f" {unit.replace('_', ' ')}" if unit else ""
    measured = f"{what} {fmt(low)}–{fmt(high)}{u}" if low != high else f"{what} {fmt(low)}{u}"
    claim = f"the claim allows {band.text(unit)}"
    if low > band.high:
        return Judged(Verdict.CONTRADICTED, f"contradicted ({more})", f"{measured}; {claim}")
    if high < band.low:
        return Judged(Verdict.CONTRADICTED, f"contradicted ({less})", f"{measured}; {claim}")
    return Judged(Verdict.CONSISTENT, "consistent", f"{measured} overlaps the claim: {claim}")


AMA_ALPHA = 0.05         # the permutation test's level
AMA_WHENEVER = 0.5       # "whenever I speak": at least half of their messages are followed by a burst


def judge_ama(effect_low: float, p_value: float, share_burst: float, window: str) -> Judged:
    """'Whenever I speak it becomes an AMA': the extra questions after their messages and how often a burst follows."""
    if effect_low > 0 and p_value < AMA_ALPHA:
        if share_burst >= AMA_WHENEVER:
            return Judged(Verdict.SUPPORTED, "supported",
                          f"their messages draw more questions in the {window} after them than matched times "
                          f"(p = {p_value:.3g}), and {share_burst:.0%} of them are followed by a burst")
        return Judged(Verdict.PARTLY_SUPPORTED, "partly supported",
                      f"their messages draw more questions in the {window} after them (p = {p_value:.3g}), but "
                      f"only {share_burst:.0%} are followed by a burst, not 'whenever'")
    return Judged(Verdict.NOT_SHOWN, "not shown",
                  f"no more questions follow their messages in the {window} than at matched times "
                  f"(p = {p_value:.3g}, effect's lower bound {fmt(effect_low)})")


# ---------------------------------------------------------------- accounts: order of platforms, absence

@dataclass(frozen=True)
class Activity:
    """An account's observed activity on one platform."""

    platform: str
    first: date | None          # first observed activity
    last: date | None           # last observed activity
    created: date | None = None  # account creation (a lower bound of when use began), where a platform gives it


def _names(platforms: list[str]) -> str:
    """Platform ids as a reader writes them: 'wechat, slack and telegram'."""
    if len(platforms) < 2:
        return "".join(platforms)
    return ", ".join(platforms[:-1]) + " and " + platforms[-1]


def judge_history(sequence: list[str], seen: dict[str, Activity]) -> Judged:
    """'First A, then B, then C' against each account's first/last activity.

    Observed first activity is only an upper bound of when use began (collections reach back so far); only
    an account's creation date bounds it from below. So the order is contradicted only when a later-named
    platform was active before an earlier-named account even existed.
    """
    have = [p for p in sequence if p in seen and seen[p].first is not None]
    if len(have) < 2:
        missing = [p for p in sequence if p not in have]
        return Judged(Verdict.NOT_TESTABLE, "not testable (accounts missing)",
                      f"of the platforms the claim names ({_names(sequence)}), the warehouse holds activity on "
                      f"{_names(have) or 'none'}; importing the person's accounts or chat exports on "
                      f"{_names(missing)} would make the order testable")
    for i, earlier in enumerate(have):
        for later in have[i + 1:]:
            e, lt = seen[earlier], seen[later]
            if e.created is not None and lt.first is not None and lt.first < e.created:
                return Judged(Verdict.CONTRADICTED, "contradicted (order)",
                              f"{later} was active on {lt.first} before the {earlier} account was created on "
                              f"{e.created}; the claim says {earlier} came first")
    firsts = [seen[p].first for p in have]
    spans = "; ".join(f"{p} {seen[p].first}–{seen[p].last}" for p in have)
    if firsts == sorted(firsts):
        return Judged(Verdict.CONSISTENT, "consistent",
                      f"first observed activity follows the stated order ({spans})")
    return Judged(Verdict.INCONCLUSIVE, "inconclusive (order differs)",
                  f"first observed activity does not follow the stated order ({spans}), but first observed "
                  "activity only bounds when use began from above, so this does not contradict it")


def judge_absence(platform: str, since: date, posts_after: int, first_after: date | None,
                  observed_until: date | None) -> Judged:
    """'I quit X in 2018' / 'I am not on X': posts after the stated date, if the data reach past it."""
    if posts_after > 0:
        return Judged(Verdict.CONTRADICTED, "contradicted (active after the date)",
                      f"{posts_after} posts or messages on {platform} after {since}, the first on {first_after}")
    if observed_until is None or observed_until <= since:
        return Judged(Verdict.NOT_TESTABLE, "not testable (no data after the date)",
                      f"the warehouse's {platform} data end {observed_until or 'before any activity'}, not after "
                      f"{since}; a collection after that date would make it testable")
    return Judged(Verdict.CONSISTENT, "consistent",
                  f"no activity on {platform} from {since} to {observed_until}, the end of the data")
