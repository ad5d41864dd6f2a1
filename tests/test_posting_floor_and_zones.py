"""time_on_platform's parts that need no calibration: the floor, local time, zones, scheduled posts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from postaudit.metrics.localtime import baselines, day_hours, fixed_offset_minutes, offset_name, resolve_zone
from postaudit.metrics.posting_model import floor_hours
from postaudit.metrics.posting_time import posting_features
from postaudit.metrics.scheduled import flag_scheduled, poisson_tail
from postaudit.metrics.timezone import OFFSETS, infer_timezone
from postaudit.simulator.behaviour import Behaviour, compose_floor, simulate_executive
from postaudit.simulator.unseen import UNSEEN

T0 = datetime(2025, 3, 3, 9, 0, 7, tzinfo=UTC)  # a Monday, seven seconds past the minute
ORIGINAL_100 = 45 + 100 / 4  # conservative seconds to write a 100-character original


def frame(times, kind="original", chars=100, account="1", source=None):
    return pl.DataFrame({
        "platform": "x", "account_id": account, "post_id": [f"{account}-{i}" for i in range(len(times))],
        "created_at": pl.Series(times).dt.cast_time_unit("us"), "kind": kind, "text_chars": chars,
        "source": pl.Series([source] * len(times), dtype=pl.Utf8)})


def floor_of(posts) -> float:
    return floor_hours(posts, ["platform", "account_id"])["floor_hours"].sum()


def test_floor_is_the_union_of_composition_times_and_bridges_no_gap():
    # 5 and 50 minutes apart: the same floor, 2 × composition time; no threshold decides anything
    for gap in (5, 50, 500):
        posts = frame([T0, T0 + timedelta(minutes=gap)])
        assert floor_of(posts) * 3600 == pytest.approx(2 * ORIGINAL_100)
    # 20 s apart the two compositions overlap: their union, not their sum
    close = frame([T0, T0 + timedelta(seconds=20)])
    assert floor_of(close) * 3600 == pytest.approx(ORIGINAL_100 + 20)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0, 5000), min_size=1, max_size=25), st.floats(1, 600))
def test_floor_never_depends_on_how_far_apart_isolated_posts_are(offsets_min, stretch):
    times = [T0 + timedelta(minutes=m) for m in sorted(offsets_min)]
    stretched = [T0 + timedelta(minutes=m * stretch + 10 * i) for i, m in enumerate(sorted(offsets_min))]
    spread = [T0 + timedelta(hours=3 * i) for i in range(len(times))]
    f, s = floor_of(frame(times)), floor_of(frame(spread))
    assert f <= s + 1e-9                        # merging can only remove overlap, never add time
    assert s * 3600 == pytest.approx(len(times) * ORIGINAL_100)
    assert floor_of(frame(stretched)) <= s + 1e-9


def test_floor_stays_below_truth_even_when_posts_open_their_sessions():
    # adversarial: every post the first moment of its session (written as the session opens), pick-ups of about a
    # minute; and posts in the unseen generators (their own mechanisms: cascades, merged notification sessions)
    b = Behaviour(placement=(0.3, 8.0), first_moment=True, session_median_min=1.0, session_sigma=0.3,
                  posts_per_session=1.5, p_post=0.9, pickup_burst=(2, 6), pickup_gap_min=(0.5, 2.0))
    for seed in range(20):
        e = simulate_executive(b, seed=seed, days=14)
        own = e.posts.filter(~pl.col("scheduled")).with_columns(platform=pl.lit("x"), account_id=pl.lit("1"))
        assert floor_of(own) <= e.truth_hours
    for name, generate in UNSEEN.items():
        for seed in range(3):
            e = generate(np.random.default_rng(seed), date(2025, 3, 1), 14, "1")
            own = e.posts.with_columns(platform=pl.lit("x"), account_id=pl.lit("1"))
            assert own.is_empty() or floor_of(own) <= e.truth_hours, name


def test_simulator_composition_floor_matches_the_conservative_set():
    kinds = np.array([0, 1, 2, 3])   # original, reply, quote, repost
    assert compose_floor(kinds, np.array([100, 100, 100, 100])).tolist() == [70.0, 45.0, 70.0, 5.0]


def test_zone_names():
    assert resolve_zone("Asia/Kolkata") == "Asia/Kolkata"
    assert resolve_zone("UTC+05:30") == resolve_zone("+0530") == "UTC+05:30"
    assert offset_name(-210) == "UTC-03:30" and fixed_offset_minutes("UTC+05:45") == 345
    with pytest.raises(ValueError, match="unknown time zone 'Mars/Olympus'"):
        resolve_zone("Mars/Olympus")


def test_daylight_saving_days_last_23_and_25_hours():
    berlin = day_hours("Europe/Berlin", date(2025, 3, 29), date(2025, 3, 31))
    assert berlin.tolist() == [24.0, 23.0, 24.0]
    assert day_hours("Europe/Berlin", date(2025, 10, 26), date(2025, 10, 26)).tolist() == [25.0]
    assert day_hours("UTC+05:30", date(2025, 3, 29), date(2025, 3, 31)).tolist() == [24.0] * 3
    week = baselines("Europe/Berlin", date(2025, 3, 24), date(2025, 3, 30))  # Mon..Sun, clocks change on Sunday
    assert week["baseline_day_hours"] == 7 * 24 - 1
    assert week["baseline_working_hours"] == pytest.approx(62.5)
    assert week["baseline_waking_hours"] == pytest.approx(7 * (24 - 6.9))


def test_days_are_cut_at_local_midnight_in_a_half_hour_zone():
    # 18:45 UTC is 00:15 the next day in India (UTC+05:30)
    posts = frame([datetime(2025, 3, 3, 18, 45, 3, tzinfo=UTC), datetime(2025, 3, 4, 18, 0, 3, tzinfo=UTC)])
    f = posting_features(posts, timezone="Asia/Kolkata", merged=False)
    assert f["window_start"][0] == date(2025, 3, 4) and f["window_end"][0] == date(2025, 3, 4)
    utc = posting_features(posts, timezone="UTC", merged=False)
    assert utc["window_start"][0] == date(2025, 3, 3) and utc["count_days"][0] == 2
    # a stated window keeps only the posts of its local days
    only = posting_features(posts, timezone="Asia/Kolkata", first=date(2025, 3, 5), last=date(2025, 3, 9), merged=False)
    assert only["count_posts"][0] == 0 and only["count_days"][0] == 5


def test_time_zone_inference_tries_half_and_quarter_hour_offsets():
    assert {5.5, 5.75, 9.5, -3.5}.issubset(set(OFFSETS.tolist()))
    # a strongly rhythmed SIMULATED executive in India is placed within half an hour
    b = Behaviour(timezone="Asia/Kolkata", sessions_weekday=30, sessions_weekend=30, p_post=0.9,
                  peaks=((9.5, 1.4, 0.5), (21.0, 1.2, 0.7)))
    e = simulate_executive(b, seed=11, days=60)
    got = infer_timezone(e.posts.select("created_at"), n_boot=50)
    assert abs(got["utc_offset_hours"] - 5.5) <= 0.5


def test_poisson_tail_bounds_the_exact_tail():
    from math import exp, factorial
    for k, lam in ((3, 0.5), (10, 2.0), (50, 20.0)):
        exact = 1 - sum(exp(-lam) * lam ** j / factorial(j) for j in range(k))
        assert exact <= poisson_tail(k, lam) <= 1.5 * exact


def test_scheduled_cadence_client_and_no_false_alarms_on_people():
    rng = np.random.default_rng(3)
    people = [T0 + timedelta(seconds=float(s)) for s in np.sort(rng.uniform(0, 40 * 86400, 3000))]
    human = flag_scheduled(frame([t.replace(microsecond=0) for t in people]), ["platform", "account_id"])
    assert human["scheduled"].sum() <= 3          # 3000 posts by hand: an exact quarter hour ~3 times by chance
    team = [datetime(2025, 3, d, h, m, 0, tzinfo=UTC) for d in range(3, 23) for h, m in ((9, 0), (13, 30))]
    both = flag_scheduled(pl.concat([frame([t.replace(microsecond=0) for t in people]), frame(team)]),
                          ["platform", "account_id"])
    assert both.filter(pl.col("created_at").is_in(pl.Series(team).dt.cast_time_unit("us")))["scheduled"].all()
    # once the account is flagged, a hand-made post on an exact quarter-hour instant goes too: 1 in 900 of
    # them, 3.3 expected of 3000 (Poisson: at most 9 beyond three standard deviations)
    assert both["scheduled"].sum() <= len(team) + 9
    tool = flag_scheduled(frame([T0, T0 + timedelta(hours=1)], source="Hootsuite Inc."), ["platform", "account_id"])
    assert tool["scheduled_reason"].to_list() == ["client", "client"]
    # minute-resolution timestamps (every second is zero) do not make every quarter-hour post scheduled
    minutes = [t.replace(second=0, microsecond=0) for t in people]
    coarse = flag_scheduled(frame(minutes), ["platform", "account_id"])
    assert coarse["scheduled"].sum() == 0


def test_the_offset_time_on_platform_uses_is_the_one_account_timezone_reports():
    from postaudit.metrics.timezone import best_offsets, to_account_timezone

    frames = []
    for i, zone in enumerate(("Asia/Kolkata", "America/New_York", "UTC+05:45")):
        e = simulate_executive(Behaviour(timezone=zone), seed=i, days=30, user_id=str(i))
        frames.append(e.posts.select("created_at").with_columns(platform=pl.lit("x"), account_id=pl.lit(str(i))))
    few = frame([T0, T0 + timedelta(hours=1)], account="few")
    posts = pl.concat([*frames, few.select("created_at", "platform", "account_id")], how="diagonal")
    full = to_account_timezone(posts, n_boot=50).sort("account_id")
    fast = best_offsets(posts, ["platform", "account_id"]).sort("account_id")
    assert fast["utc_offset_hours"].to_list() == full["utc_offset_hours"].to_list()
    assert fast.filter(pl.col("account_id") == "few")["utc_offset_hours"].item() is None


def test_an_account_whose_every_post_looks_scheduled_gets_zero_hours_not_an_error():
    from postaudit.metrics.posting_time import to_time_on_platform

    # a post every three hours on the hour, to the second: a tool's cadence, not a person's sessions
    bot = frame([datetime(2025, 1, 1, tzinfo=UTC) + timedelta(hours=3 * i) for i in range(300)])
    got = to_time_on_platform(bot)
    assert got["count_scheduled_excluded"].to_list() == [300, 300]
    assert got["posting_hours"].to_list() == [0.0, 0.0] and got["floor_hours"].to_list() == [0.0, 0.0]
    assert got["method"].to_list() == ["no own posts in the window"] * 2
