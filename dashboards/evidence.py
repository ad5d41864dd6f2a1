"""A verdict row in plain words: what was claimed, what the data show, in the claim's own unit.

Pure functions of one row (claims joined to claim_verdicts); the cards, the number lines and the one-page
summary all say the same thing because they all say it from here. Text is returned unescaped: the caller
escapes for HTML or Markdown.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from postaudit.verdict_rules import fmt, reading_ratio

# How a value reads in each unit: (before, after).
UNIT_WORDS = {
    "percent": ("", "%"), "fraction": ("", " of the time"), "hours_per_day": ("", " h a day"),
    "minutes_per_day": ("", " min a day"), "hours_per_week": ("", " h a week"), "minutes_per_week": ("", " min a week"),
    "posts_per_day": ("", " posts a day"), "posts_per_week": ("", " posts a week"), "seconds": ("", " s"),
    "members": ("", " members"), "people": ("", " people"),
}
BASELINE_WORDS = {"working": "of working hours", "waking": "of waking hours", "day": "of the whole day"}
TIME_METRICS = ("time_share", "time_per_day", "time_per_week")
SEVERITY = ("contradicted", "probably_understated", "probably_overstated", "needs_unseen_reading", "not_shown",
            "inconclusive", "partly_supported", "consistent", "supported_by_posts", "supported", "not_testable")
# The colour family of each verdict code (CSS classes v-…).
TONE = {"contradicted": "contra", "probably_understated": "warn", "probably_overstated": "warn",
        "needs_unseen_reading": "read", "not_shown": "open", "inconclusive": "open", "partly_supported": "ok",
        "consistent": "ok", "supported_by_posts": "ok", "supported": "ok", "not_testable": "nt"}

# What every reader of a verdict must know; on the page's footer and in the one-page summary.
CAVEATS = (
    "Public posts give a floor on platform time: reading, likes (private on X since mid-2024) and direct messages "
    "leave no public timestamp, so a claim above the posting-session time is never contradicted for that alone.",
    "What is missing: reading without posting, deleted and protected posts, accounts the warehouse does not hold; "
    "each verdict names its own gaps.",
    "Self-reports of screen time are noisy in both directions (Parry et al. 2021, Nature Human Behaviour 5:1535, "
    "106 comparisons with device logs: self-reports correlate only moderately with logged use, and people over- "
    "and under-report about equally): a gap between a claim and the data is not evidence of dishonesty.",
)


def amount(value: float | None, unit: str | None) -> str:
    """A value with its unit in words: '17.8%', '2 h a day', '352,104 members'."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "?"
    before, after = UNIT_WORDS.get(unit or "", ("", f" {(unit or '').replace('_', ' ')}".rstrip()))
    return f"{before}{fmt(value)}{after}"


def span(low: float | None, high: float | None, unit: str | None) -> str:
    """A range in one unit: '10.8–37.3%'."""
    if low is None or high is None:
        return "?"
    if low == high:
        return amount(low, unit)
    return f"{fmt(low)}–{amount(high, unit)}"


def headline(verdict_text: str | None) -> tuple[str, str]:
    """The plain phrase split into its verdict and the qualifier in brackets: ('Contradicted', 'order')."""
    text = (verdict_text or "no verdict").strip()
    m = re.match(r"^(.*?)\s*\((.*)\)$", text)
    head, more = (m.group(1), m.group(2)) if m else (text, "")
    return head[:1].upper() + head[1:], more


def claim_words(r: dict) -> str:
    """What the claim allows: 'about 20% (15–25%)', 'at most 2 h a day', '200,000–900,000 members'."""
    unit, value = r.get("unit"), r.get("claimed_value")
    if value is None:
        value = r.get("value")
    if value is None:
        return r.get("sentence") or "a claim without a number"
    low, high, direction = r.get("claimed_low"), r.get("claimed_high"), r.get("direction") or "about"
    if direction == "at_least":
        return f"at least {amount(value, unit)}"
    if direction == "at_most":
        return f"at most {amount(value, unit)}"
    if low is not None and high is not None and low != high:
        tol = r.get("tolerance")
        stated = tol is None or abs((high - low) - 2 * tol * value) > 1e-9 * max(abs(value), 1)
        return span(low, high, unit) if stated else f"about {amount(value, unit)} ({span(low, high, unit)})"
    return f"about {amount(value, unit)}"


@dataclass
class Evidence:
    """One verdict's figures: a line per fact, and the points its number line draws (all in the claim's unit)."""

    claim: str
    facts: list[tuple[str, str]] = field(default_factory=list)   # (label, words)
    band: tuple[float, float | None] | None = None               # claim's low..high (None high: no upper end)
    estimate: float | None = None
    interval: tuple[float, float] | None = None
    interval_label: str = "95% interval"
    estimate_label: str = "estimate"
    floor: float | None = None
    floor_label: str = "the posts alone prove"
    reference: float | None = None                                # a value that means "no effect" (0)
    reading: str | None = None                                    # r* in words

    @property
    def drawable(self) -> bool:
        return self.estimate is not None or self.floor is not None


def _reading_words(r: dict) -> str | None:
    """r* in words: 'read without posting for about 3 minutes for every minute of posting sessions'."""
    rstar = r.get("r_star")
    if rstar is None:
        return None
    who = (r.get("speaker") or "").strip() or "the account holder"
    if rstar < 1:
        per = f"about {max(1, round(rstar * 60))} seconds"
    elif rstar >= 120:
        per = f"about {fmt(rstar / 60)} hours"
    else:
        per = f"about {fmt(round(rstar, 1) if rstar < 10 else round(rstar))} minutes"
    text = (f"For this to be true, {who} would have to read without posting for {per} for every minute of "
            "posting sessions")
    value, high = r.get("claimed_value"), r.get("estimate_high")
    least = reading_ratio(value, high) if value is not None and high else None
    if least is not None and least > 0:
        text += f" (at least {fmt(least)} minutes at the top of the 95% interval)"
    return text + ". No published ratio of reading to posting time says whether that is plausible."


def evidence(r: dict) -> Evidence:
    """The figures of one verdict row (claims and claim_verdicts columns) in words and as number-line points."""
    metric, unit = r.get("metric") or "other", r.get("unit")
    ev = Evidence(claim=claim_words(r))
    low, high = r.get("claimed_low"), r.get("claimed_high")
    if r.get("claimed_value") is not None and low is not None:
        ev.band = (low, high)
    est, lo, hi, floor = (r.get(k) for k in ("estimate", "estimate_low", "estimate_high", "floor"))
    interval = (lo, hi) if lo is not None and hi is not None else None
    if metric in TIME_METRICS:
        base = f" {BASELINE_WORDS[r['baseline']]}" if unit in ("percent", "fraction") and r.get("baseline") else ""
        if est is not None:
            ev.estimate, ev.interval, ev.estimate_label = est, interval, "posting sessions"
            ci = f" (95% interval {span(lo, hi, unit)})" if interval else ""
            ev.facts.append(("Posting sessions", f"{amount(est, unit)}{base}{ci}"))
        if floor is not None:
            ev.floor = floor
            ev.facts.append(("The posts alone prove", f"{amount(floor, unit)}{base} (a floor: composition time "
                                                      "before each post)"))
        ev.reading = _reading_words(r)
    elif metric.startswith("posts_per_"):
        if est is not None:
            ev.estimate, ev.interval, ev.estimate_label = est, interval, "counted"
            ev.interval_label = "95% interval over days"
            ci = f" (95% interval over days {span(lo, hi, unit)})" if interval else ""
            ev.facts.append(("Counted", f"{amount(est, unit)}{ci}, every kind of post; deleted posts are missing"))
    elif metric == "message_visibility":
        if est is not None:
            ev.estimate, ev.interval, ev.estimate_label = est, interval, "typical, 10-message screen"
            ev.interval_label = "over screen sizes and busy hours"
            rng = f"; {span(lo, hi, unit)} over screens of 5–20 messages and busy hours" if interval else ""
            ev.facts.append(("On screen", f"{amount(est, unit)} typically on a 10-message screen{rng}"))
    elif metric == "group_members":
        if est is not None:
            ev.estimate, ev.estimate_label = est, "member count"
            source = (r.get("method") or "").removeprefix("member count from ").replace("_", " ")
            ev.facts.append(("Member count", amount(est, unit) + (f" ({source})" if source else "")))
        elif floor is not None:
            ev.floor, ev.floor_label = floor, "distinct senders (a floor)"
            ev.facts.append(("Distinct senders", f"{amount(floor, unit)}, a floor of members; no member count"))
    elif metric == "ama_effect":
        ev.claim = "their messages set off a burst of questions (an AMA) whenever they write"
        if est is not None:
            ev.estimate, ev.interval, ev.reference = est, interval, 0.0
            ev.estimate_label, unit = "extra questions and replies per message", None
            ci = f" (95% interval {span(lo, hi, None)})" if interval else ""
            ev.facts.append(("After their messages", f"{fmt(est)} more questions and replies in the next 10 minutes "
                                                     f"than at matched times{ci}; 0 would mean no effect"))
    if r.get("count_days") and r.get("window_start") and metric not in ("group_members", "platform_history"):
        ev.facts.append(("Judged on", f"{r['count_days']} days, {r['window_start']:%d %b %Y} – {r['window_end']:%d %b %Y}"
                                      + (f", {r['count_posts']:,} posts or messages" if r.get("count_posts") else "")))
    return ev


def severity(code: str | None) -> int:
    """Sort key: contradictions first, not testable last."""
    return SEVERITY.index(code) if code in SEVERITY else len(SEVERITY)
