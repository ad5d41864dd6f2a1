"""Each verdict rule, on hand-made numbers (docs/methodology.md, "Verdicts"): the order of the checks is the rule."""

from __future__ import annotations

import math
from datetime import date

import pytest

from postaudit.claims import Verdict
from postaudit.verdict_rules import (
    Activity,
    Judged,
    TimeEvidence,
    claim_band,
    combine_baselines,
    judge_absence,
    judge_ama,
    judge_counted,
    judge_history,
    judge_measured,
    judge_time,
    reading_ratio,
)

V = Verdict


def ev(floor=2.0, estimate=10.0, low=8.0, high=12.0, capacity=100.0) -> TimeEvidence:
    return TimeEvidence(floor=floor, estimate=estimate, low=low, high=high, capacity=capacity)


def test_bands_follow_direction_range_and_tolerance():
    assert claim_band(20, "about") == claim_band(20, None)
    b = claim_band(20, "about")
    assert (b.low, b.high) == (15, 25)
    assert (claim_band(20, "about", tolerance=0.1).low, claim_band(20, "about", tolerance=0.1).high) == (18, 22)
    # a stated range ("several hundred thousand") is its own band, no tolerance added
    r = claim_band(550_000, "about", 200_000, 900_000)
    assert (r.low, r.high) == (200_000, 900_000)
    assert claim_band(2, "at_most").low == 0 and claim_band(2, "at_most").high == 2
    assert claim_band(2, "at_least").low == 2 and math.isinf(claim_band(2, "at_least").high)


@pytest.mark.parametrize("direction, evidence, value, verdict", [
    # about 10 → band 7.5..12.5
    ("about", ev(floor=13, low=14, high=20), 10, V.CONTRADICTED),           # the floor alone is above the band
    ("about", ev(floor=5, low=13, high=20), 10, V.PROBABLY_UNDERSTATED),    # the interval lies wholly above
    ("about", ev(floor=5, low=9, high=20), 10, V.CONSISTENT),               # band overlaps the interval
    ("about", ev(floor=1, estimate=4, low=3, high=5), 10, V.NEEDS_UNSEEN_READING),  # the claim lies above
    ("about", ev(floor=1, estimate=4, low=3, high=5, capacity=5), 10, V.CONTRADICTED),  # not even the waking day
    # at most 10
    ("at_most", ev(floor=11, low=12, high=14), 10, V.CONTRADICTED),
    ("at_most", ev(floor=5, low=11, high=14), 10, V.PROBABLY_UNDERSTATED),
    ("at_most", ev(floor=5, low=9, high=14), 10, V.CONSISTENT),
    ("at_most", ev(floor=1, estimate=2, low=1, high=3), 10, V.CONSISTENT),  # posts cannot confirm an upper limit
    ("at_most", ev(floor=1, estimate=2, low=1, high=3, capacity=5), 10, V.CONSISTENT),  # the waking day rule is not for it
    # at least 10
    ("at_least", ev(floor=10, low=12, high=14), 10, V.SUPPORTED_BY_POSTS),   # the posts alone prove it
    ("at_least", ev(floor=3, low=9, high=14), 10, V.CONSISTENT),
    ("at_least", ev(floor=3, low=30, high=40), 10, V.CONSISTENT),           # far above is still at least 10
    ("at_least", ev(floor=1, estimate=4, low=3, high=5), 10, V.NEEDS_UNSEEN_READING),
    ("at_least", ev(floor=1, estimate=4, low=3, high=5, capacity=8), 10, V.CONTRADICTED),
])
def test_time_rules(direction, evidence, value, verdict):
    assert judge_time(claim_band(value, direction), evidence, value).verdict == verdict


def test_floor_outranks_the_waking_day_and_the_reason_gives_the_numbers():
    j = judge_time(claim_band(10, "about"), ev(floor=13, low=14, high=20, capacity=5), 10, "hours_per_day")
    assert j.text == "contradicted (posts alone prove more)"
    assert "13 hours per day" in j.reason and "7.5–12.5 hours per day" in j.reason


def test_needs_unseen_reading_reports_r_star_and_never_an_assumed_cap():
    j = judge_time(claim_band(10, "about"), ev(floor=1, estimate=2, low=1.5, high=2.5), 10)
    assert reading_ratio(10, 2) == pytest.approx(4.0)
    assert "r* = 4.0" in j.reason and "at least 3.0" in j.reason and "not a contradiction" in j.reason
    # a hundredfold claim is still only "needs unseen reading" while the waking day can hold it
    far = judge_time(claim_band(100, "about"), ev(floor=0.1, estimate=1, low=0.5, high=1.5, capacity=171), 100)
    assert far.verdict == V.NEEDS_UNSEEN_READING
    assert reading_ratio(5, 0) is None


def test_baselines_contradict_only_when_all_agree():
    c, pu, ok = (Judged(V.CONTRADICTED, "c", "r1"), Judged(V.PROBABLY_UNDERSTATED, "pu", "r2"),
                 Judged(V.CONSISTENT, "ok", "r3"))
    nur = Judged(V.NEEDS_UNSEEN_READING, "nur", "r4")
    assert combine_baselines({"working": c, "waking": c, "day": c})[1].verdict == V.CONTRADICTED
    assert combine_baselines({"working": c, "waking": pu, "day": pu})[1].verdict == V.PROBABLY_UNDERSTATED
    best, j = combine_baselines({"working": c, "waking": ok, "day": nur})
    assert best == "waking" and j.verdict == V.CONSISTENT
    assert "working: c" in j.reason and "day: nur" in j.reason
    # understated on one reading of "my time", needing reading on another: the claim could hold in between
    assert combine_baselines({"working": pu, "waking": nur, "day": nur})[1].verdict == V.NEEDS_UNSEEN_READING


@pytest.mark.parametrize("direction, observed, low, high, verdict", [
    ("about", 30, 25, 35, V.CONTRADICTED),            # band 7.5..12.5; even the low end counts more
    ("about", 13, 11, 15, V.CONSISTENT),
    ("about", 3, 2, 4, V.PROBABLY_OVERSTATED),        # deleted posts could explain fewer
    ("at_most", 12, 11, 13, V.CONTRADICTED),
    ("at_most", 3, 2, 4, V.CONSISTENT),
    ("at_least", 10, 8, 12, V.SUPPORTED_BY_POSTS),
    ("at_least", 8, 7, 11, V.CONSISTENT),
    ("at_least", 3, 2, 4, V.PROBABLY_OVERSTATED),
])
def test_counted_posts_rules(direction, observed, low, high, verdict):
    assert judge_counted(claim_band(10, direction), observed, low, high).verdict == verdict


def test_measured_figures_are_contradicted_in_both_directions():
    band = claim_band(2, "about")
    longer = judge_measured(band, 80, 600, "on screen", "stay longer", "leave sooner", "seconds")
    assert longer.verdict == V.CONTRADICTED and longer.text == "contradicted (stay longer)"
    assert "80–600 seconds" in longer.reason
    shorter = judge_measured(claim_band(500, "about"), 80, 200, "on screen", "stay longer", "leave sooner")
    assert shorter.text == "contradicted (leave sooner)"
    assert judge_measured(band, 1, 3, "on screen", "a", "b").verdict == V.CONSISTENT
    members = claim_band(550_000, "about", 200_000, 900_000)
    assert judge_measured(members, 352_104, 352_104, "count", "more", "fewer").verdict == V.CONSISTENT
    assert judge_measured(members, 12_000, 12_000, "count", "more", "fewer").text == "contradicted (fewer)"


@pytest.mark.parametrize("low, p, share, verdict", [
    (1.5, 0.002, 0.8, V.SUPPORTED), (1.5, 0.002, 0.2, V.PARTLY_SUPPORTED), (-0.3, 0.002, 0.8, V.NOT_SHOWN),
    (0.4, 0.2, 0.8, V.NOT_SHOWN),
])
def test_ama_rule(low, p, share, verdict):
    assert judge_ama(low, p, share, "10 minutes").verdict == verdict


def test_platform_history_order_and_its_only_contradiction():
    seen = {"wechat": Activity("wechat", date(2016, 1, 1), date(2018, 1, 1)),
            "telegram": Activity("telegram", date(2017, 6, 1), date(2025, 1, 1), created=date(2017, 5, 1))}
    assert judge_history(["wechat", "telegram"], seen).verdict == V.CONSISTENT
    # wechat was active before the telegram account existed: "telegram, then wechat" cannot be
    assert judge_history(["telegram", "wechat"], seen).verdict == V.CONTRADICTED
    # without a creation date, observed first activity only bounds when use began: not a contradiction
    uncreated = {**seen, "telegram": Activity("telegram", date(2017, 6, 1), date(2025, 1, 1))}
    assert judge_history(["telegram", "wechat"], uncreated).verdict == V.INCONCLUSIVE
    # ... unless the later-named platform was active before the earlier-named account existed
    created = {**seen, "wechat": Activity("wechat", date(2019, 1, 1), date(2020, 1, 1), created=date(2018, 12, 1))}
    j = judge_history(["wechat", "telegram"], created)
    assert j.verdict == V.CONTRADICTED and "2018-12-01" in j.reason
    missing = judge_history(["wechat", "slack", "telegram"], {"telegram": seen["telegram"]})
    assert missing.verdict == V.NOT_TESTABLE and "chat exports on wechat and slack would make" in missing.reason


def test_absence_needs_data_after_the_date():
    since = date(2024, 1, 1)
    assert judge_absence("x", since, 3, date(2024, 2, 1), date(2025, 1, 1)).verdict == V.CONTRADICTED
    assert judge_absence("x", since, 0, None, date(2025, 1, 1)).verdict == V.CONSISTENT
    assert judge_absence("x", since, 0, None, date(2023, 6, 1)).verdict == V.NOT_TESTABLE
