"""Named behaviour families: each draws a SIMULATED executive's Behaviour with every parameter randomised widely.

The estimator is calibrated on a broad prior of these families (and their mixtures) and scored per family,
with each family in turn left out of the calibration (leave-one-family-out). Families in TEST_ONLY are
never used for calibration: they stand in for behaviours nobody here has seen.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from postaudit.simulator.behaviour import Behaviour

Rng = np.random.Generator

WHOLE_HOUR_ZONES = ("Asia/Singapore", "Asia/Tokyo", "Asia/Dubai", "Africa/Lagos", "America/Bogota", "Asia/Shanghai",
                    "Europe/Istanbul", "Asia/Bangkok", "America/Lima", "Africa/Nairobi", "Asia/Seoul", "UTC",
                    "America/Argentina/Buenos_Aires", "Asia/Jakarta", "Pacific/Honolulu")
HALF_HOUR_ZONES = ("Asia/Kolkata", "Asia/Kathmandu", "Asia/Tehran", "Australia/Adelaide", "Australia/Darwin",
                   "America/St_Johns", "Asia/Yangon", "Asia/Kabul", "UTC+05:30", "UTC-09:30")
DST_ZONES = ("Europe/Berlin", "Europe/London", "America/New_York", "America/Los_Angeles", "Australia/Sydney",
             "America/Chicago", "Europe/Helsinki", "America/Santiago", "Pacific/Auckland")
SCHEDULERS = (None, None, None, "Buffer", "Hootsuite Inc.", "Sprout Social", "Twitter Media Studio", "Typefully")


def _logu(rng: Rng, lo: float, hi: float) -> float:
    return float(np.exp(rng.uniform(np.log(lo), np.log(hi))))


def _u(rng: Rng, lo: float, hi: float) -> float:
    return float(rng.uniform(lo, hi))


def _peaks(rng: Rng, wake: float, sleep: float) -> tuple[tuple[float, float, float], ...]:
    n = int(rng.integers(1, 4))
    return tuple((_u(rng, wake + 0.5, sleep - 0.5), _u(rng, 0.6, 2.5), _u(rng, 0.2, 1.2)) for _ in range(n))


def classic(rng: Rng) -> Behaviour:
    """The original persona, widely randomised: posts uniform within sessions, as many in short as in long ones."""
    wake, sleep = _u(rng, 5.0, 9.0), _u(rng, 21.5, 25.0)
    weekday = _u(rng, 3, 25)
    mix = rng.dirichlet([3.5, 3.5, 1.0, 2.0])
    return Behaviour(
        family="classic", timezone=str(rng.choice(WHOLE_HOUR_ZONES)), wake_hour=wake, sleep_hour=sleep,
        peaks=_peaks(rng, wake, sleep), sessions_weekday=weekday, sessions_weekend=weekday * _u(rng, 0.3, 1.2),
        session_median_min=_logu(rng, 2, 25), session_sigma=_u(rng, 0.3, 1.2), idle_min=(_u(rng, 0.5, 3), _u(rng, 5, 30)),
        p_post=_u(rng, 0.15, 0.9), posts_per_session=_u(rng, 1.0, 5.0), kind_mix=tuple(float(x) for x in mix),
        text_chars_median=_u(rng, 30, 160), compose_slowness=(1.0, _u(rng, 1.3, 4.0)), source_share=_u(rng, 0, 1),
    )


# What each trait changes, drawn widely; a family is the classic draw with one trait, `mixed` with several.
def _start(rng: Rng) -> dict:
    return {"placement": (_u(rng, 0.3, 1.0), _u(rng, 2.5, 8.0)), "first_moment": bool(rng.random() < 0.5)}


def _end(rng: Rng) -> dict:
    return {"placement": (_u(rng, 2.5, 8.0), _u(rng, 0.3, 1.0))}


def _rate(rng: Rng) -> dict:
    return {"post_rate_per_min": _logu(rng, 0.04, 0.8), "p_post": _u(rng, 0.3, 1.0),
            "session_median_min": _logu(rng, 3, 40)}


def _pickups(rng: Rng) -> dict:
    lo = int(rng.integers(2, 4))
    return {"pickup_burst": (lo, lo + int(rng.integers(1, 9))), "session_median_min": _logu(rng, 0.4, 3),
            "session_sigma": _u(rng, 0.3, 0.8), "pickup_gap_min": (_u(rng, 0.5, 3), _u(rng, 4, 15)),
            "sessions_weekday": _u(rng, 4, 20), "p_post": _u(rng, 0.1, 0.6), "posts_per_session": _u(rng, 1.0, 1.8)}


def _live(rng: Rng) -> dict:
    return {"p_live_day": _u(rng, 0.08, 0.6), "live_hours": (_u(rng, 0.5, 1.5), _u(rng, 2, 5)),
            "live_post_every_min": (_u(rng, 0.5, 2), _u(rng, 3, 15))}


def _lurker(rng: Rng) -> dict:
    return {"p_post": _logu(rng, 0.02, 0.15), "posts_per_session": _u(rng, 1.0, 1.5), "sessions_weekday": _u(rng, 5, 40)}


def _threads(rng: Rng) -> dict:
    return {"p_thread": _u(rng, 0.1, 0.7), "thread_len": (2, int(rng.integers(5, 26))),
            "thread_spacing_s": (1.0, _u(rng, 5, 60))}


def _scheduled(rng: Rng) -> dict:
    minutes = [(0,), (0, 30), (0, 15, 30, 45)][int(rng.integers(0, 3))]
    return {"scheduled_per_day": _u(rng, 0.5, 6), "scheduled_minutes": minutes,
            "scheduled_jitter_s": 0.0 if rng.random() < 0.7 else _u(rng, 5, 40),
            "scheduled_source": SCHEDULERS[int(rng.integers(0, len(SCHEDULERS)))],
            "scheduled_hours": (_u(rng, 6, 10), _u(rng, 17, 23))}


def _night(rng: Rng) -> dict:
    wake, sleep = _u(rng, 9.5, 13), _u(rng, 25.5, 29)
    peaks = ((_u(rng, 22, 27), _u(rng, 0.8, 2.0), _u(rng, 0.6, 1.5)), (_u(rng, wake + 1, 18), _u(rng, 1, 3), 0.3))
    return {"wake_hour": wake, "sleep_hour": sleep, "peaks": peaks}


def _half_hour(rng: Rng) -> dict:
    return {"timezone": str(rng.choice(HALF_HOUR_ZONES))}


def _dst(rng: Rng) -> dict:
    return {"timezone": str(rng.choice(DST_ZONES))}


def _commuter(rng: Rng) -> dict:
    peaks = ((_u(rng, 7, 9), _u(rng, 0.4, 1.0), _u(rng, 1, 3)), (_u(rng, 17, 19.5), _u(rng, 0.4, 1.0), _u(rng, 1, 3)))
    return {"wake_hour": _u(rng, 5.0, 7.0), "peaks": peaks,
            "weekday_factor": (1, 1, 1, 1, 1, _u(rng, 0.1, 0.6), _u(rng, 0.1, 0.6))}


def _binger(rng: Rng) -> dict:
    return {"sessions_weekday": _u(rng, 1, 5), "session_median_min": _logu(rng, 25, 120),
            "session_sigma": _u(rng, 0.3, 0.8), "posts_per_session": _u(rng, 1, 3), "p_post": _u(rng, 0.3, 1)}


TRAITS: dict[str, tuple[Callable[[Rng], dict], str]] = {
    "start_poster": (_start, "Posts come early in a session (opens the app, posts, reads); sometimes the post is its first moment."),
    "end_poster": (_end, "Posts come late in a session (reads, then posts and leaves)."),
    "longer_more_posts": (_rate, "Posts arrive at a steady rate while on the platform: a longer session holds more."),
    "phone_pickups": (_pickups, "Bursts of very short pick-ups a few minutes apart, a post in some of them."),
    "live_tweeter": (_live, "Ordinary days plus events tweeted live for hours, a post every few minutes."),
    "lurker": (_lurker, "Reads a lot, rarely posts: a posting session holds one post or two."),
    "thread_writer": (_threads, "Writes threads: many posts sent seconds apart, written before the first went out."),
    "team_scheduled": (_scheduled, "The person's own posts plus a team's scheduled posts on the hour or half hour."),
    "night_owl": (_night, "Wakes late and is most active after midnight."),
    "half_hour_zone": (_half_hour, "Lives in a zone a half (or three quarters of an) hour off UTC's whole hours."),
    "dst_zone": (_dst, "Lives in a zone with daylight saving; the window spans a change of the clocks."),
    "commuter": (_commuter, "Weekday sessions around the commute, few at weekends."),
    "binger": (_binger, "Few long sessions (half an hour to two hours) with few posts: most time is unseen reading."),
}
MIXABLE = ("start_poster", "end_poster", "longer_more_posts", "phone_pickups", "live_tweeter", "lurker",
           "thread_writer", "team_scheduled", "night_owl", "binger", "half_hour_zone", "commuter")


def with_traits(rng: Rng, family: str, traits: list[str]) -> Behaviour:
    """The classic draw with the given traits' fields drawn on top (later traits win where two set one field)."""
    fields: dict = {}
    for name in traits:
        fields.update(TRAITS[name][0](rng))
    return classic(rng).replace(**fields, family=family, traits=tuple(traits))


def mixed(rng: Rng) -> Behaviour:
    """Two or three traits of other families at once (e.g. a lurker who live-tweets, at the end of sessions)."""
    picks = [MIXABLE[int(i)] for i in rng.choice(len(MIXABLE), int(rng.integers(2, 4)), replace=False)]
    return with_traits(rng, "mixed", sorted(picks))


def broad(rng: Rng) -> Behaviour:
    """A continuous prior over every mechanism at once, each on with some chance and its strength drawn widely.

    The named families are points or corners of this space: post placement as any Beta(a, b), posts that
    grow (or shrink) with a session's length, a share of session starts that are pick-up bursts, a share
    of long binges, lengths trending through the day, lurking to prolific posting, threads, live events,
    a team's scheduled posts, late or commuting rhythms, any zone.
    """
    b = classic(rng)
    wake, sleep = b.wake_hour, b.sleep_hour
    fields: dict = {
        "placement": (_logu(rng, 0.25, 8.0), _logu(rng, 0.25, 8.0)), "first_moment": bool(rng.random() < 0.1),
        "sessions_weekday": _logu(rng, 1, 40), "session_median_min": _logu(rng, 0.3, 40),
        "session_sigma": _u(rng, 0.2, 1.5), "idle_min": (_u(rng, 0.3, 3), _u(rng, 3, 40)),
        "p_post": _logu(rng, 0.02, 0.95), "posts_per_session": _logu(rng, 1.0, 6.0),
        "timezone": str(rng.choice(WHOLE_HOUR_ZONES + HALF_HOUR_ZONES + DST_ZONES)),
    }
    fields["sessions_weekend"] = fields["sessions_weekday"] * _u(rng, 0.2, 1.5)
    if rng.random() < 0.5:
        fields["length_coupling"] = _u(rng, -0.3, 1.3)
    if rng.random() < 0.35:
        lo = int(rng.integers(2, 4))
        fields |= {"pickup_burst": (lo, lo + int(rng.integers(1, 10))), "p_burst": _u(rng, 0.2, 1.0),
                   "pickup_gap_min": (_u(rng, 0.3, 3), _u(rng, 3, 20))}
    if rng.random() < 0.35:
        fields |= {"long_share": _u(rng, 0.02, 0.6), "long_median_min": _logu(rng, 20, 180),
                   "long_sigma": _u(rng, 0.3, 0.9)}
    if rng.random() < 0.3:
        fields["hour_length_slope"] = _u(rng, -1.2, 1.2)
    for chance, trait in ((0.25, _threads), (0.15, _live), (0.1, _scheduled), (0.15, _night), (0.1, _commuter)):
        if rng.random() < chance:
            fields |= trait(rng)
    if "wake_hour" not in fields:
        fields["peaks"] = _peaks(rng, wake, sleep)
    return b.replace(**fields, family="broad", traits=("broad",))


# Never used for calibration: behaviours the calibration has not seen.
def regular_hours(rng: Rng) -> Behaviour:
    """Sessions at the same few hours every day (narrow peaks), posts late in short sessions."""
    wake, sleep = _u(rng, 6, 8), _u(rng, 22, 24)
    peaks = tuple((_u(rng, wake + 0.5, sleep - 0.5), _u(rng, 0.1, 0.3), _u(rng, 2, 6)) for _ in range(3))
    return classic(rng).replace(family="regular_hours", peaks=peaks, placement=(_u(rng, 1.5, 3), 1.0),
                                session_median_min=_logu(rng, 2, 8), traits=("regular_hours",))


def weekend_binger(rng: Rng) -> Behaviour:
    """Little on weekdays, long weekend sessions with posts at a steady rate."""
    return classic(rng).replace(family="weekend_binger", weekday_factor=(0.2, 0.2, 0.2, 0.2, 0.3, 1.5, 1.5),
                                sessions_weekend=_u(rng, 4, 12), session_median_min=_logu(rng, 15, 60),
                                post_rate_per_min=_logu(rng, 0.03, 0.2), traits=("weekend_binger",))


def pickup_rate(rng: Rng) -> Behaviour:
    """Pick-ups whose posts come at a steady rate, in a half-hour zone."""
    return with_traits(rng, "pickup_rate", ["phone_pickups", "half_hour_zone"]).replace(
        post_rate_per_min=_logu(rng, 0.2, 1.5), traits=("pickup_rate",))


@dataclass(frozen=True)
class Family:
    """A named persona generator and the first day of its windows."""

    name: str
    draw: Callable[[Rng], Behaviour]
    test_only: bool = False

    def start(self, rng: Rng) -> date:
        """A random first day; daylight-saving windows start within six weeks before a change of the clocks."""
        if self.name == "dst_zone":
            base = date(2025, 2, 20) if rng.random() < 0.5 else date(2025, 9, 15)
            return base + timedelta(days=int(rng.integers(0, 40)))
        return date(2025, 1, 1) + timedelta(days=int(rng.integers(0, 300)))


def _one_trait(name: str) -> Callable[[Rng], Behaviour]:
    def draw(rng: Rng) -> Behaviour:
        return with_traits(rng, name, [name])

    draw.__doc__ = TRAITS[name][1]
    return draw


FAMILIES = {f.name: f for f in [
    Family("classic", classic), *(Family(name, _one_trait(name)) for name in TRAITS), Family("mixed", mixed),
    Family("broad", broad),
    Family("regular_hours", regular_hours, test_only=True), Family("weekend_binger", weekend_binger, test_only=True),
    Family("pickup_rate", pickup_rate, test_only=True),
]}
CALIBRATION_FAMILIES = [n for n, f in FAMILIES.items() if not f.test_only]
