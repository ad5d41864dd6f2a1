"""SIMULATED traces besides posts: likes and ad impressions inside a SIMULATED executive's sessions.

Some personas leave public traces of reading (Bluesky likes are public records; an X archive lists the ad
impressions shown to the account). A persona with likes likes something in a share of its sessions, at a
rate per minute while there; one with ad impressions sees a promoted post every few minutes of a share of
its sessions. Every trace lies inside a session, so a session with a trace is time on the platform; the
truth with traces is the hours of sessions holding an own post or a trace. Labelled SIMULATED like the rest.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import polars as pl

from postaudit.simulator.behaviour import SimExecutive

TRACE_SCHEMA = {"occurred_at": pl.Datetime("us", "UTC"), "kind": pl.Utf8, "session": pl.Int64}


@dataclass(frozen=True)
class TraceHabit:
    """How often a SIMULATED persona leaves likes and ad impressions (zero: none of that kind)."""

    like_sessions: float = 0.0        # share of sessions with at least one like
    likes_per_min: float = 0.3        # in such a session, likes per minute beyond the first
    ad_sessions: float = 0.0          # share of sessions in which promoted posts are shown
    ads_per_min: float = 0.2          # impressions per minute there

    @property
    def any(self) -> bool:
        return self.like_sessions > 0 or self.ad_sessions > 0


def draw_habit(rng: np.random.Generator) -> TraceHabit:
    """A persona's trace habit drawn widely: likes, ad impressions, both or neither."""
    likes, ads = rng.random() < 0.6, rng.random() < 0.45
    return TraceHabit(like_sessions=float(rng.uniform(0.03, 0.9)) if likes else 0.0,
                      likes_per_min=float(np.exp(rng.uniform(np.log(0.02), np.log(2.0)))),
                      ad_sessions=float(rng.uniform(0.05, 1.0)) if ads else 0.0,
                      ads_per_min=float(np.exp(rng.uniform(np.log(0.03), np.log(0.5)))))


def with_traces(exe: SimExecutive, habit: TraceHabit, seed: int) -> SimExecutive:
    """The executive with `traces` (occurred_at, kind, session) and `truth_activity_hours` filled in."""
    rng = np.random.default_rng(seed)
    start = exe.sessions["started_at"].dt.epoch("us").to_numpy() / 1e6
    end = exe.sessions["ended_at"].dt.epoch("us").to_numpy() / 1e6
    n = start.size
    minutes = (end - start) / 60
    at, kinds, owner = [], [], []
    for kind, share, rate in (("like", habit.like_sessions, habit.likes_per_min),
                              ("ad_impression", habit.ad_sessions, habit.ads_per_min)):
        if share <= 0 or n == 0:
            continue
        on = rng.random(n) < share
        count = np.where(on, (kind == "like") + rng.poisson(rate * minutes), 0)
        s = np.repeat(np.arange(n), count)
        at.append(start[s] + rng.random(s.size) * (end[s] - start[s]))
        kinds.append(np.full(s.size, kind, dtype=object))
        owner.append(s)
    if at:
        t, k, o = np.concatenate(at), np.concatenate(kinds), np.concatenate(owner)
        order = np.argsort(t, kind="stable")
        t, k, o = np.floor(t[order]), k[order], o[order]
    else:
        t, k, o = np.zeros(0), np.zeros(0, dtype=object), np.zeros(0, np.int64)
    traces = pl.DataFrame({"occurred_at": pl.Series((t * 1e6).astype(np.int64)).cast(pl.Datetime("us", "UTC")),
                           "kind": pl.Series(k.tolist(), dtype=pl.Utf8), "session": pl.Series(o.astype(np.int64))},
                          schema=TRACE_SCHEMA)
    posts = exe.sessions["count_posts"].to_numpy() > 0
    traced = np.bincount(o, minlength=n) > 0 if n else np.zeros(0, bool)
    truth = float(((end - start) / 3600)[posts | traced].sum()) if n else 0.0
    return replace(exe, traces=traces, truth_activity_hours=truth)
