"""Test-only generators of SIMULATED executives, written apart from the behaviour engine: never in calibration.

The calibration table is built from `behaviour.py` and `families.py` only. These generators share none of
that engine's mechanisms (no log-normal session lengths drawn per session and placed by a Beta, no Gaussian
daily bumps), so their coverage says how the calibrated interval does on behaviour nobody tuned it to:

* `semi_markov`: a hidden semi-Markov chain of offline, reading and writing states with Weibull and gamma
  dwell times (Yu, Artificial Intelligence 2010); a session is a run of online states, a post ends each
  writing state.
* `hawkes`: sessions from a Poisson process whose rate follows a cosine daily rhythm; inside a posting
  session, posts form a self-exciting cascade (a Hawkes process with an exponential kernel: each post
  triggers Poisson(n) more after exponential delays), with reading before and after.
* `diurnal_trend`: gamma session lengths that grow or shrink through the day and over the window, posting
  chances that depend on the hour, post counts that may fall with length, triangular placement.
* `notification_replier`: sessions opened by incoming mentions after a delay, replies and back-and-forth,
  plus reading-only sessions; overlapping sessions merge (a union of intervals, not a queue).

Each also leaves traces of its own making (likes while reading, ad impressions while scrolling) for some
executives. Truth: hours of sessions with at least one own post (and with a post or a trace).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from math import gamma as gamma_fn

import numpy as np
import polars as pl

from postaudit.simulator.behaviour import (
    KINDS,
    Behaviour,
    SimExecutive,
    compose_floor,
    utc_offset_seconds,
)
from postaudit.simulator.families import DST_ZONES, HALF_HOUR_ZONES, WHOLE_HOUR_ZONES

Rng = np.random.Generator
ZONES = WHOLE_HOUR_ZONES + HALF_HOUR_ZONES + DST_ZONES
REPLY = KINDS.index("reply")


def _logu(rng: Rng, lo: float, hi: float) -> float:
    return float(np.exp(rng.uniform(np.log(lo), np.log(hi))))


class _Day:
    """Local day arithmetic for one executive: local hours of a day to UTC seconds."""

    def __init__(self, zone: str, start: date, days: int) -> None:
        self.dates = [start + timedelta(days=d) for d in range(days)]
        self.midnight = np.array([datetime(d.year, d.month, d.day, tzinfo=UTC).timestamp() for d in self.dates])
        self.offset = np.array([utc_offset_seconds(zone, d) for d in self.dates], dtype=float)
        self.weekend = np.array([d.weekday() >= 5 for d in self.dates])

    def utc(self, day: int, hours: float) -> float:
        return float(self.midnight[day] + hours * 3600 - self.offset[day])


class _Log:
    """Sessions, posts and traces as a generator writes them (UTC seconds)."""

    def __init__(self) -> None:
        self.sessions: list[tuple[float, float]] = []
        self.posts: list[tuple[float, int, int, int]] = []    # at, kind, chars, session
        self.traces: list[tuple[float, str, int]] = []         # at, kind, session

    def post(self, at: float, kind: int, session: int, chars: int) -> None:
        self.posts.append((at, kind, chars, session))

    def executive(self, name: str, zone: str, start: date, days: int, user_id: str) -> SimExecutive:
        n = len(self.sessions)
        s = np.array(self.sessions, dtype=float).reshape(-1, 2)
        p = sorted(self.posts)
        at = np.floor(np.array([x[0] for x in p], dtype=float))
        sess = np.array([x[3] for x in p], dtype=np.int64)
        counts = np.bincount(sess, minlength=n) if n else np.zeros(0, int)
        tr = sorted(self.traces)
        t_sess = np.array([x[2] for x in tr], dtype=np.int64)
        traced = np.bincount(t_sess, minlength=n) > 0 if n else np.zeros(0, bool)
        length = (s[:, 1] - s[:, 0]) / 3600 if n else np.zeros(0)
        posts = pl.DataFrame({
            "created_at": pl.Series((at * 1e6).astype(np.int64)).cast(pl.Datetime("us", "UTC")),
            "kind": pl.Series([KINDS[x[1]] for x in p], dtype=pl.Utf8),
            "text_chars": pl.Series([x[2] for x in p], dtype=pl.Int64),
            "source": pl.Series([None] * len(p), dtype=pl.Utf8),
            "scheduled": pl.Series([False] * len(p), dtype=pl.Boolean),
            "session": pl.Series(sess),
        })
        sessions = pl.DataFrame({
            "started_at": pl.Series((s[:, 0] * 1e6).astype(np.int64)).cast(pl.Datetime("us", "UTC")),
            "ended_at": pl.Series((s[:, 1] * 1e6).astype(np.int64)).cast(pl.Datetime("us", "UTC")),
            "count_posts": pl.Series(counts.astype(np.int64)),
        })
        traces = pl.DataFrame({
            "occurred_at": pl.Series((np.floor([x[0] for x in tr]) * 1e6).astype(np.int64)).cast(
                pl.Datetime("us", "UTC")),
            "kind": pl.Series([x[1] for x in tr], dtype=pl.Utf8),
            "session": pl.Series(t_sess),
        })
        return SimExecutive(Behaviour(family=name, traits=(name,), timezone=zone), user_id, start, days, posts,
                            sessions, float(length[counts > 0].sum()), traces,
                            float(length[(counts > 0) | traced].sum()))


def _chars(rng: Rng, median: float) -> int:
    return int(np.clip(round(rng.lognormal(np.log(median), 0.7)), 3, 280))


def _compose(rng: Rng, kind: int, chars: int, slowness: float) -> float:
    """True writing seconds: at least the conservative floor (the floor's premise), often more."""
    return float(compose_floor(np.array([kind]), np.array([chars]))[0]) * rng.uniform(1.0, slowness)


def _trace_rates(rng: Rng) -> tuple[float, float]:
    """Likes per reading minute and ad impressions per reading minute (zero for executives without them)."""
    likes = _logu(rng, 0.02, 1.5) if rng.random() < 0.5 else 0.0
    ads = _logu(rng, 0.02, 0.4) if rng.random() < 0.4 else 0.0
    return likes, ads


def _read_traces(rng: Rng, log: _Log, t0: float, t1: float, session: int, likes: float, ads: float) -> None:
    """Traces while reading from t0 to t1: Poisson likes and ad impressions at per-minute rates."""
    minutes = max(t1 - t0, 0) / 60
    for kind, rate in (("like", likes), ("ad_impression", ads)):
        for _ in range(rng.poisson(rate * minutes)):
            log.traces.append((rng.uniform(t0, t1), kind, session))


def semi_markov(rng: Rng, start: date, days: int, user_id: str) -> SimExecutive:
    """Offline, reading and writing states with their own dwell-time laws; posts end writing states."""
    zone = str(rng.choice(ZONES))
    d = _Day(zone, start, days)
    wake, sleep = rng.uniform(5.5, 10.0), rng.uniform(21.0, 26.0)
    off_shape, off_mean = rng.uniform(0.5, 1.3), _logu(rng, 10, 150) * 60
    read_shape, read_mean = rng.uniform(0.6, 3.0), _logu(rng, 0.5, 25) * 60
    p_write, p_again, p_leave = rng.uniform(0.03, 0.6), rng.uniform(0.0, 0.6), rng.uniform(0.1, 0.9)
    amp, peak, slowness = rng.uniform(0, 0.9), rng.uniform(9, 22), rng.uniform(1.2, 4.0)
    weekend = rng.uniform(0.3, 1.5)
    median_chars = rng.uniform(30, 160)
    likes, ads = _trace_rates(rng)
    log = _Log()
    off_scale = off_mean / gamma_fn(1 + 1 / off_shape)
    for day in range(days):
        t = d.utc(day, wake + rng.normal(0, 0.5))
        end_day = d.utc(day, sleep + rng.normal(0, 0.5))
        while True:
            hour = (t - d.midnight[day] + d.offset[day]) / 3600
            rhythm = 1 + amp * np.cos(2 * np.pi * (hour - peak) / 24)
            factor = weekend if d.weekend[day] else 1.0
            t += off_scale * rng.weibull(off_shape) / (rhythm * factor)
            if t >= end_day:
                break
            session = len(log.sessions)
            begin = t
            while True:                                    # online: reading, sometimes writing
                bout = rng.gamma(read_shape, read_mean / read_shape)
                _read_traces(rng, log, t, t + bout, session, likes, ads)
                t += bout
                if rng.random() < p_write:
                    kind = int(rng.choice(len(KINDS), p=[0.35, 0.4, 0.1, 0.15]))
                    chars = _chars(rng, median_chars)
                    t += _compose(rng, kind, chars, slowness)
                    log.post(t, kind, session, chars)
                    if rng.random() < p_leave:
                        break
                elif rng.random() >= p_again:
                    break
            log.sessions.append((begin, t + rng.uniform(0, 5)))
            t += 60
    return log.executive("semi_markov", zone, start, days, user_id)


def hawkes(rng: Rng, start: date, days: int, user_id: str) -> SimExecutive:
    """Sessions at a cosine daily rate; a posting session's posts are a self-exciting cascade."""
    zone = str(rng.choice(ZONES))
    d = _Day(zone, start, days)
    wake, sleep = rng.uniform(5.5, 9.5), rng.uniform(21.5, 25.5)
    per_day, amp, peak = rng.uniform(2, 30), rng.uniform(0, 0.95), rng.uniform(8, 23)
    pre, tail = _logu(rng, 0.2, 15) * 60, _logu(rng, 0.2, 20) * 60
    p_post, branching, delay = rng.uniform(0.1, 0.9), rng.uniform(0.05, 0.9), _logu(rng, 10, 900)
    slowness, median_chars = rng.uniform(1.2, 3.5), rng.uniform(30, 160)
    likes, ads = _trace_rates(rng)
    log = _Log()
    busy_until = -np.inf
    for day in range(days):
        n = rng.poisson(per_day * (rng.uniform(0.4, 1.2) if d.weekend[day] else 1.0) * (1 + amp))
        hours = np.sort(rng.uniform(wake, sleep, n))
        keep = rng.random(n) < (1 + amp * np.cos(2 * np.pi * (hours - peak) / 24)) / (1 + amp)  # thinning
        for h in hours[keep]:
            begin = max(d.utc(day, h), busy_until + 60)
            session = len(log.sessions)
            t = begin + rng.exponential(pre)
            posts = []
            if rng.random() < p_post:
                queue = [(t, int(rng.choice(len(KINDS), p=[0.4, 0.35, 0.1, 0.15])), True)]
                while queue and len(posts) < 60:
                    parent_at, kind, first = queue.pop(0)
                    chars = _chars(rng, median_chars)
                    at = parent_at + _compose(rng, kind, chars, slowness)  # written after what triggered it
                    posts.append((at, kind, chars))
                    for _ in range(rng.poisson(branching)):
                        queue.append((at + rng.exponential(delay), REPLY, False))
                    queue.sort()
            last = max([p[0] for p in posts], default=t)
            end = last + rng.exponential(tail) + rng.uniform(0, 5)
            for at, kind, chars in posts:
                log.post(at, kind, session, chars)
            _read_traces(rng, log, begin, end, session, likes, ads)
            log.sessions.append((begin, end))
            busy_until = end
    return log.executive("hawkes", zone, start, days, user_id)


def diurnal_trend(rng: Rng, start: date, days: int, user_id: str) -> SimExecutive:
    """Session lengths trending through the day and the window; hour-dependent posting; triangular placement."""
    zone = str(rng.choice(ZONES))
    d = _Day(zone, start, days)
    wake, sleep = rng.uniform(5.0, 9.0), rng.uniform(21.0, 25.0)
    mean_sessions, dispersion = rng.uniform(2, 25), rng.uniform(0.5, 5)
    centres = rng.uniform(wake, sleep, int(rng.integers(1, 4)))
    spread = rng.uniform(0.7, 3.0)
    shape, base = rng.uniform(0.6, 3.0), _logu(rng, 1, 40) * 60
    by_hour, by_day = rng.uniform(-1.2, 1.2), rng.uniform(-1.0, 1.0)
    a0, a1 = rng.uniform(-2.5, 1.5), rng.uniform(-2, 2)
    per_post, coupling, mode = rng.uniform(0, 3), rng.uniform(-0.5, 1.5), rng.uniform(0, 1)
    slowness, median_chars = rng.uniform(1.2, 3.5), rng.uniform(30, 160)
    likes, ads = _trace_rates(rng)
    log = _Log()
    busy_until = -np.inf
    for day in range(days):
        n = rng.negative_binomial(dispersion, dispersion / (dispersion + mean_sessions))
        hours = np.sort((rng.choice(centres, n) + rng.normal(0, spread, n)).clip(wake, sleep))
        for h in hours:
            mean = base * np.exp(by_hour * (h - 14) / 6 + by_day * day / days)
            length = rng.gamma(shape, mean / shape)
            begin = max(d.utc(day, h), busy_until + 30)
            session = len(log.sessions)
            p = 1 / (1 + np.exp(-(a0 + a1 * (h - 14) / 6)))
            k = 0 if rng.random() >= p else 1 + rng.poisson(per_post * (length / base) ** coupling)
            posts = []
            for _ in range(k):
                kind = int(rng.choice(len(KINDS), p=[0.35, 0.35, 0.1, 0.2]))
                chars = _chars(rng, median_chars)
                posts.append((kind, chars, _compose(rng, kind, chars, slowness)))
            need = sum(p[2] for p in posts)
            length = max(length, need + 10)
            for kind, chars, compose in posts:
                u = rng.triangular(0, mode, 1)
                at = begin + compose + u * (length - compose)
                log.post(at, kind, session, chars)
            end = begin + length
            _read_traces(rng, log, begin, end, session, likes, ads)
            log.sessions.append((begin, end))
            busy_until = end
    return log.executive("diurnal_trend", zone, start, days, user_id)


def notification_replier(rng: Rng, start: date, days: int, user_id: str) -> SimExecutive:
    """Mentions open the app after a delay; replies and back-and-forth; reading-only sessions; overlaps merge."""
    zone = str(rng.choice(ZONES))
    d = _Day(zone, start, days)
    wake, sleep = rng.uniform(5.5, 9.0), rng.uniform(21.0, 25.0)
    mentions, p_answer = rng.uniform(1, 40), rng.uniform(0.1, 0.9)
    delay, read = _logu(rng, 1, 90) * 60, _logu(rng, 0.2, 5) * 60
    p_more, turn_gap, tail = rng.uniform(0, 0.8), _logu(rng, 0.5, 8) * 60, _logu(rng, 0.2, 15) * 60
    reading, reading_len = rng.uniform(0, 12), _logu(rng, 2, 45) * 60
    slowness, median_chars = rng.uniform(1.2, 3.5), rng.uniform(20, 120)
    likes, ads = _trace_rates(rng)
    pieces: list[tuple[float, float, list]] = []
    for day in range(days):
        for h in rng.uniform(0, 24, rng.poisson(mentions)):
            at = d.utc(day, h)
            if not (wake <= h <= sleep) or rng.random() >= p_answer:
                continue
            begin = at + rng.lognormal(np.log(delay), 0.8)
            t = begin + rng.exponential(read)
            posts = []
            while True:
                chars = _chars(rng, median_chars)
                t += _compose(rng, REPLY, chars, slowness)
                posts.append((t, REPLY, chars))
                if rng.random() >= p_more or len(posts) >= 20:
                    break
                t += rng.exponential(turn_gap)
            pieces.append((begin, t + rng.exponential(tail), posts))
        for h in rng.uniform(wake, sleep, rng.poisson(reading)):
            begin = d.utc(day, h)
            pieces.append((begin, begin + rng.lognormal(np.log(reading_len), 0.9), []))
    pieces.sort(key=lambda p: p[0])
    log = _Log()
    for begin, end, posts in pieces:                # the union of overlapping stretches is one session
        if log.sessions and begin <= log.sessions[-1][1]:
            log.sessions[-1] = (log.sessions[-1][0], max(end, log.sessions[-1][1]))
        else:
            log.sessions.append((begin, end))
        for at, kind, chars in posts:
            log.post(at, kind, len(log.sessions) - 1, chars)
    for i, (begin, end) in enumerate(log.sessions):
        _read_traces(rng, log, begin, end, i, likes, ads)
    return log.executive("notification_replier", zone, start, days, user_id)


UNSEEN: dict[str, Callable[[Rng, date, int, str], SimExecutive]] = {
    "semi_markov": semi_markov, "hawkes": hawkes, "diurnal_trend": diurnal_trend,
    "notification_replier": notification_replier,
}
