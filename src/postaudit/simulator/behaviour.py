"""The behaviour engine: one SIMULATED executive's sessions and posts from a Behaviour, vectorised with numpy.

A session is a stretch of time on the platform; some sessions contain posts, the rest are reading only.
The ground truth the estimator is scored against is the total length of the sessions that contain at
least one of the executive's own posts (posts scheduled by a team belong to no session). Every number in
a Behaviour is an assumption of the simulator, drawn widely by the families in `families.py`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl

SIM_LABEL = "SIMULATED"
KINDS = ("original", "reply", "quote", "repost")
# The least time each kind of post takes to write, in seconds, plus typing at 4 characters a second
# (the conservative composition set of metrics/assumptions.py): a person's true time is drawn at or above it.
COMPOSE_FLOOR = {"original": 45.0, "reply": 20.0, "quote": 45.0, "repost": 5.0}
TYPING_CPS = 4.0
CLIENTS = ("Twitter for iPhone", "Twitter for Android", "Twitter Web App")
_FIXED = re.compile(r"^UTC([+-])(\d{1,2})(?::?(\d{2}))?$")


@dataclass(frozen=True)
class Behaviour:
    """How one SIMULATED executive uses the platform (local hours; minutes unless named otherwise)."""

    family: str = "classic"
    traits: tuple[str, ...] = ()
    timezone: str = "Asia/Singapore"          # IANA name or a fixed offset such as "UTC+05:30"
    wake_hour: float = 7.0
    sleep_hour: float = 23.5                  # past 24 means after midnight
    # Daily shape: a base of 0.5 plus Gaussian bumps (local hour, sd in hours, weight), after Golder & Macy 2011
    peaks: tuple[tuple[float, float, float], ...] = ((9.5, 1.4, 0.5), (21.0, 1.2, 0.7))
    sessions_weekday: float = 14.0            # mean sessions (or pick-up bursts) a day
    sessions_weekend: float = 9.0
    session_median_min: float = 9.0           # log-normal session length
    session_sigma: float = 0.8
    idle_min: tuple[float, float] = (2.0, 20.0)   # least pause before a session that would have overlapped
    p_post: float = 0.55                      # share of sessions in which the person may post
    posts_per_session: float = 2.4            # mean posts in a posting session (independent of its length)
    post_rate_per_min: float | None = None    # instead: posts ~ Poisson(rate × length): longer sessions, more posts
    placement: tuple[float, float] = (1.0, 1.0)   # Beta(a, b): where in its session a post falls
    # the first post goes out the moment it is written at the session's very start (its composition is the
    # session's first minute: a post is written in the platform's own client, so on the platform)
    first_moment: bool = False
    length_coupling: float | None = None      # posts ~ 1 + Poisson((mean − 1) × (length ÷ median)^γ): γ here
    long_share: float = 0.0                   # share of sessions drawn from a second, long log-normal (binges)
    long_median_min: float = 60.0
    long_sigma: float = 0.5
    hour_length_slope: float = 0.0            # session length × exp(slope × (local hour − 14) ÷ 6)
    p_burst: float = 1.0                      # with pickup_burst: share of session starts that are bursts
    compose_slowness: tuple[float, float] = (1.0, 2.5)  # true composition time ÷ the conservative floor
    pickup_burst: tuple[int, int] | None = None     # each session is a burst of this many pick-ups
    pickup_gap_min: tuple[float, float] = (1.0, 10.0)
    p_thread: float = 0.0                     # chance a post opens a thread
    thread_len: tuple[int, int] = (3, 12)
    thread_spacing_s: tuple[float, float] = (2.0, 30.0)
    p_live_day: float = 0.0                   # chance a day has a live-tweeted event
    live_hours: tuple[float, float] = (1.0, 4.0)
    live_post_every_min: tuple[float, float] = (1.0, 10.0)
    scheduled_per_day: float = 0.0            # a team's scheduled posts, in no session of the person
    scheduled_minutes: tuple[int, ...] = (0, 30)
    scheduled_hours: tuple[float, float] = (8.0, 21.0)
    scheduled_jitter_s: float = 0.0
    scheduled_source: str | None = None       # the client the data names for them (X API v2 usually names none)
    weekday_factor: tuple[float, ...] = (1.0,) * 7   # sessions on Monday..Sunday × this
    kind_mix: tuple[float, float, float, float] = (0.35, 0.35, 0.1, 0.2)   # original, reply, quote, repost
    text_chars_median: float = 80.0
    source_share: float = 0.3                 # share of own posts whose client the data carries

    def replace(self, **changes) -> Behaviour:
        """A copy with some fields changed."""
        return Behaviour(**{**self.__dict__, **changes})


@dataclass
class SimExecutive:
    """What the engine produced for one SIMULATED executive: posts, sessions and the truth."""

    behaviour: Behaviour
    user_id: str
    start: date
    days: int
    posts: pl.DataFrame        # created_at (UTC), kind, text_chars, source, scheduled, session (-1: scheduled)
    sessions: pl.DataFrame     # started_at, ended_at (UTC), count_posts (own posts)
    truth_hours: float = field(default=0.0)   # hours of sessions with at least one own post
    traces: pl.DataFrame | None = None        # occurred_at (UTC), kind, session: likes, ad impressions, ...
    truth_activity_hours: float | None = None  # hours of sessions with at least one own post or trace

    @property
    def timezone(self) -> str:
        return self.behaviour.timezone


def utc_offset_seconds(zone: str, day: date) -> int:
    """The zone's UTC offset at local noon of a day (seconds east of UTC)."""
    return _offset(zone, day.toordinal())


@lru_cache(maxsize=200_000)
def _offset(zone: str, ordinal: int) -> int:
    m = _FIXED.match(zone)
    if m:
        sign = 1 if m.group(1) == "+" else -1
        return sign * (int(m.group(2)) * 3600 + int(m.group(3) or 0) * 60)
    day = date.fromordinal(ordinal)
    noon = datetime(day.year, day.month, day.day, 12, tzinfo=ZoneInfo(zone))
    return int(noon.utcoffset().total_seconds())


def _hours(rng: np.random.Generator, b: Behaviour, n: int) -> np.ndarray:
    """n local hours from the daily shape between waking and sleep (inverse CDF on a 1-minute grid)."""
    grid = np.arange(b.wake_hour, b.sleep_hour, 1 / 60)
    w = np.full(grid.size, 0.5)
    for hour, sd, weight in b.peaks:
        for shift in (-24, 0, 24):  # a bump near midnight also weighs the other side of it
            w += weight * np.exp(-0.5 * ((grid - hour - shift) / sd) ** 2)
    cdf = np.cumsum(w)
    cdf /= cdf[-1]
    return grid[np.searchsorted(cdf, rng.random(n))] + rng.random(n) / 60


def _lengths(rng: np.random.Generator, b: Behaviour, hours: np.ndarray) -> np.ndarray:
    """Session lengths (seconds) for sessions starting at these local hours: log-normal, some from a long one."""
    n = hours.size
    length = rng.lognormal(np.log(b.session_median_min * 60), b.session_sigma, n)
    if b.long_share > 0:
        long = rng.lognormal(np.log(b.long_median_min * 60), b.long_sigma, n)
        length = np.where(rng.random(n) < b.long_share, long, length)
    if b.hour_length_slope:
        length = length * np.exp(b.hour_length_slope * ((hours % 24) - 14) / 6)
    return length


def _text_chars(rng: np.random.Generator, b: Behaviour, n: int) -> np.ndarray:
    return np.clip(np.round(rng.lognormal(np.log(b.text_chars_median), 0.6, n)), 3, 280).astype(np.int64)


def compose_floor(kinds: np.ndarray, chars: np.ndarray) -> np.ndarray:
    """Conservative composition seconds per post (kind index into KINDS, characters)."""
    base = np.array([COMPOSE_FLOOR[k] for k in KINDS])[kinds]
    return base + np.where(kinds == KINDS.index("repost"), 0.0, chars / TYPING_CPS)


def simulate_executive(b: Behaviour, *, seed: int, days: int = 56, start: date = date(2025, 9, 1),
                       user_id: str = "990000000000000001") -> SimExecutive:
    """Simulate one executive's sessions and posts over `days` local days from `start`; deterministic for a seed."""
    if days < 1:
        raise ValueError("days must be at least 1")
    rng = np.random.default_rng(seed)
    dates = [start + timedelta(days=d) for d in range(days)]
    weekday = np.array([d.weekday() for d in dates])
    offsets = np.array([utc_offset_seconds(b.timezone, d) for d in dates], dtype=float)
    midnight = np.array([datetime(d.year, d.month, d.day, tzinfo=UTC).timestamp() for d in dates])
    factor = np.asarray(b.weekday_factor)[weekday]
    mean = np.where(weekday >= 5, b.sessions_weekend, b.sessions_weekday) * factor
    n_day = rng.poisson(mean)
    day = np.repeat(np.arange(days), n_day)
    shift = rng.normal(0, 0.4, days)  # a later or earlier day moves all its sessions
    hours = _hours(rng, b, day.size) + shift[day]
    nominal = midnight[day] + hours * 3600 - offsets[day]
    length = _lengths(rng, b, hours)
    idle = rng.uniform(*b.idle_min, day.size) * 60
    live = np.zeros(day.size, bool)
    if b.pickup_burst:
        m = rng.integers(b.pickup_burst[0], b.pickup_burst[1] + 1, day.size)
        if b.p_burst < 1:
            m = np.where(rng.random(day.size) < b.p_burst, m, 1)
        member = np.concatenate([np.arange(k) for k in m]) if m.size else np.zeros(0, int)
        nominal = np.repeat(nominal, m) + member * 1e-3  # members stay in order
        day = np.repeat(day, m)
        last = np.repeat(m, m) - 1 == member
        length = _lengths(rng, b, np.repeat(hours, m))
        idle = np.where(last, rng.uniform(*b.idle_min, nominal.size), rng.uniform(*b.pickup_gap_min, nominal.size)) * 60
        live = np.zeros(nominal.size, bool)
    if b.p_live_day > 0:
        live_days = np.flatnonzero(rng.random(days) < b.p_live_day)
        at = midnight[live_days] + _hours(rng, b, live_days.size) * 3600 - offsets[live_days]
        nominal = np.concatenate([nominal, at])
        length = np.concatenate([length, rng.uniform(*b.live_hours, live_days.size) * 3600])
        idle = np.concatenate([idle, rng.uniform(*b.idle_min, live_days.size) * 60])
        live = np.concatenate([live, np.ones(live_days.size, bool)])
    order = np.argsort(nominal, kind="stable")
    nominal, length, idle, live = nominal[order], length[order], idle[order], live[order]
    n_sessions = nominal.size

    # posts per session
    if b.post_rate_per_min is not None:
        k = rng.poisson(b.post_rate_per_min * length / 60)
    elif b.length_coupling is not None:
        scale = (length / (b.session_median_min * 60)) ** b.length_coupling
        k = 1 + rng.poisson(max(b.posts_per_session - 1, 0.0) * scale)
    else:
        k = rng.geometric(1 / max(b.posts_per_session, 1.0), n_sessions)
    k = np.where(rng.random(n_sessions) < b.p_post, k, 0)
    every = rng.uniform(*b.live_post_every_min, n_sessions) * 60
    k = np.where(live, np.maximum(1, rng.poisson(length / every)), k)
    sess = np.repeat(np.arange(n_sessions), k)
    n_units = sess.size
    kinds = rng.choice(len(KINDS), n_units, p=np.asarray(b.kind_mix) / sum(b.kind_mix))
    chars = _text_chars(rng, b, n_units)
    # a thread: more posts seconds apart after the first, all written before the first went out
    thread = np.where(rng.random(n_units) < b.p_thread, rng.integers(b.thread_len[0], b.thread_len[1] + 1, n_units), 1)
    thread = np.where(kinds == KINDS.index("repost"), 1, thread)
    unit_of = np.repeat(np.arange(n_units), thread)
    member = np.concatenate([np.arange(t) for t in thread]) if n_units else np.zeros(0, int)
    t_kinds = np.where(member == 0, kinds[unit_of], KINDS.index("original"))
    t_chars = np.where(member == 0, chars[unit_of], _text_chars(rng, b, unit_of.size))
    t_compose = compose_floor(t_kinds, t_chars) * rng.uniform(*b.compose_slowness, unit_of.size)
    spacing = np.where(member == 0, 0.0, rng.uniform(*b.thread_spacing_s, unit_of.size))
    t_after = _cumsum_by(spacing, unit_of, n_units)       # seconds after the unit's first post
    need = np.bincount(unit_of, t_compose, minlength=n_units) if n_units else np.zeros(0)
    span = np.bincount(unit_of, spacing, minlength=n_units) if n_units else np.zeros(0)
    before = need                                          # written in the session, before it goes out
    # the session lasts at least as long as writing and sending what is in it
    fit = before + span + rng.uniform(0, 30, n_units)
    np.maximum.at(length, sess, fit)
    # sessions do not overlap: a session that would start before the last one ended (plus a pause) waits
    c = np.concatenate([[0.0], np.cumsum(length + idle)[:-1]])
    started = np.maximum.accumulate(nominal - c) + c
    u = np.where(live[sess], rng.random(n_units), rng.beta(*b.placement, n_units))  # live: all through the event
    if b.first_moment:
        u = np.where(live[sess], u, 0.0)
    first_at = started[sess] + before + u * np.maximum(length[sess] - before - span, 0)
    own_at = first_at[unit_of] + t_after
    own_sess = sess[unit_of]
    own_kind, own_chars = t_kinds, t_chars
    has_post = np.bincount(sess, minlength=n_sessions) > 0 if n_sessions else np.zeros(0, bool)

    # a team's scheduled posts: on the chosen minutes of local hours, in nobody's session
    n_sched = rng.poisson(b.scheduled_per_day, days) if b.scheduled_per_day > 0 else np.zeros(days, int)
    s_day = np.repeat(np.arange(days), n_sched)
    s_hour = rng.integers(int(b.scheduled_hours[0]), int(b.scheduled_hours[1]), s_day.size)
    s_min = rng.choice(np.asarray(b.scheduled_minutes), s_day.size) if s_day.size else np.zeros(0, int)
    s_at = (midnight[s_day] + s_hour * 3600 + s_min * 60 - offsets[s_day]
            + rng.uniform(0, b.scheduled_jitter_s, s_day.size))
    s_at = np.unique(np.floor(s_at))  # a team does not post twice in the same second

    at = np.floor(np.concatenate([own_at, s_at]))  # X API v2 times carry whole seconds
    n_own = own_at.size
    sched = np.arange(at.size) >= n_own
    kind = np.concatenate([own_kind, np.zeros(s_at.size, int)])
    text = np.concatenate([own_chars, _text_chars(rng, b.replace(text_chars_median=150.0), s_at.size)])
    client = np.where(rng.random(n_own) < b.source_share, rng.choice(np.array(CLIENTS, dtype=object), n_own), None)
    source = np.concatenate([client, np.full(s_at.size, b.scheduled_source, dtype=object)])
    session = np.concatenate([own_sess, np.full(s_at.size, -1)])
    o = np.argsort(at, kind="stable")
    posts = pl.DataFrame({
        "created_at": pl.Series((at[o] * 1e6).astype(np.int64)).cast(pl.Datetime("us", "UTC")),
        "kind": pl.Series(np.asarray(KINDS)[kind[o]], dtype=pl.Utf8),
        "text_chars": pl.Series(text[o].astype(np.int64)),
        "source": pl.Series(source[o].tolist(), dtype=pl.Utf8),
        "scheduled": pl.Series(sched[o]),
        "session": pl.Series(session[o].astype(np.int64)),
    })
    counts = np.bincount(own_sess, minlength=n_sessions) if n_sessions else np.zeros(0, int)
    sessions = pl.DataFrame({
        "started_at": pl.Series((started * 1e6).astype(np.int64)).cast(pl.Datetime("us", "UTC")),
        "ended_at": pl.Series(((started + length) * 1e6).astype(np.int64)).cast(pl.Datetime("us", "UTC")),
        "count_posts": pl.Series(counts.astype(np.int64)),
    })
    truth = float(length[has_post].sum() / 3600) if n_sessions else 0.0
    return SimExecutive(b, user_id, start, days, posts, sessions, truth)


def _cumsum_by(values: np.ndarray, group: np.ndarray, n_groups: int) -> np.ndarray:
    """Running sum of values within consecutive groups (group ids ascending)."""
    if values.size == 0:
        return values
    total = np.cumsum(values)
    first = np.searchsorted(group, np.arange(n_groups))
    offset = np.concatenate([[0.0], total])[first]
    return total - offset[group]
