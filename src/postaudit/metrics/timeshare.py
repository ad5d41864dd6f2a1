"""Share of working time spent on a platform: an observable estimate with a moving-block bootstrap interval.

The estimate is built from gap-split sessions (metrics/sessions.py); the share is a ratio of sums over
days, so days are the resampling unit, in 7-day blocks to keep the weekly rhythm (Künsch 1989).

Every time-share mart needs only a few sums per account, day and (gap, composition set) pair, so posts are
first reduced to a SessionSummary: each pair's sessions are built once and shared by the estimates, the
sensitivity grid and the weekly rows. Summaries of disjoint accounts stack (merge_summaries), which lets
the build stream accounts from the warehouse and still produce the 'all' rows (every account as one person).
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache, reduce
from typing import NamedTuple

import numpy as np
import polars as pl

from postaudit.metrics.assumptions import (
    ALL,
    CENTRAL,
    WAKING_HOURS_PER_DAY,
    WEEKDAY_SHARE,
    WEEKEND_SHARE,
    Assumptions,
    sensitivity_grid,
)
from postaudit.metrics.sessions import (
    ACCOUNT,
    INTERVAL_SCHEMA,
    interval_minutes,
    merge_intervals,
    merge_overlaps,
    padded_intervals,
    session_parts,
    split_sessions,
    with_begun,
    with_session_ids,
)

LEVEL = 0.95
BLOCK_DAYS = 7

# The benchmark (docs/methodology.md) shows the session gap threshold, not day-to-day noise, dominates the error:
# the 30-min central estimate overshoots short-session executives and the 10-min one undershoots long-session ones.
SEGMENTATION_GAP = 10.0
SEGMENTATION = CENTRAL.replace(gap_minutes=SEGMENTATION_GAP)

Combo = tuple[float, str]  # (gap_minutes, compose_set): all sessions depend on (the working week is only a baseline)
COMBO_COLS = ["gap_minutes", "compose_set"]


def combo(a: Assumptions) -> Combo:
    """The (gap, composition set) pair whose sessions an assumption set uses."""
    return float(a.gap_minutes), a.compose_set


ESTIMATE_SETS = [*ALL.values(), SEGMENTATION]  # a row for each of ALL; the 10-min set for the segmentation interval
GRID_COMBOS: dict[Combo, Assumptions] = {combo(a): a for a in sensitivity_grid()}  # 9 pairs behind 27 cells
ESTIMATE_COMBOS: dict[Combo, Assumptions] = {combo(a): a for a in ESTIMATE_SETS}


def baseline_minutes(days: pl.Series | np.ndarray, weekly_hours: float) -> np.ndarray:
    """Working minutes each day: the weekly total split between weekdays and weekends as Porter & Nohria found.

    days: the dates, or already which of them fall on a weekend (a boolean array).
    """
    weekend = days if isinstance(days, np.ndarray) else days.dt.weekday().to_numpy() >= 6
    return np.where(weekend, WEEKEND_SHARE, WEEKDAY_SHARE) * weekly_hours * 60.0


def block_indices(n: int, n_boot: int, block: int = BLOCK_DAYS, seed: int = 0) -> np.ndarray:
    """Day indices for a circular moving-block bootstrap: n_boot rows of n indices in runs of `block` days."""
    block = max(1, min(block, n))
    rng = np.random.default_rng(seed)
    n_blocks = -(-n // block)
    starts = rng.integers(0, n, size=(n_boot, n_blocks))
    return (starts[:, :, None] + np.arange(block)[None, None, :]).reshape(n_boot, -1)[:, :n] % n


@lru_cache(maxsize=8)  # ≤ 8 × 12 MB at 2000 draws × 800 days; slices group accounts by window length
def draw_counts(n: int, n_boot: int, block: int = BLOCK_DAYS, seed: int = 0) -> np.ndarray:
    """How often each day appears in each draw of block_indices: a read-only n × n_boot matrix (days × draws).

    Every draw's sum over its days is then one matrix product, values @ counts, for many value rows at
    once; estimates with the same window length, draws, block and seed share the matrix. It is built from
    the same random block starts as block_indices, by marking where each block begins and ends.
    """
    block = max(1, min(block, n))
    rng = np.random.default_rng(seed)
    n_blocks = -(-n // block)
    starts = rng.integers(0, n, size=(n_boot, n_blocks))
    lengths = np.full(n_blocks, block)
    lengths[-1] = n - (n_blocks - 1) * block  # block_indices cuts the last block at n days
    ends = starts + lengths                     # exclusive; past n the block wraps to day 0 (at most once)
    wraps = ends > n
    draw = np.broadcast_to(np.arange(n_boot)[:, None], starts.shape)
    marks = np.concatenate([(starts * n_boot + draw).ravel(), (np.minimum(ends, n) * n_boot + draw).ravel(),
                            draw[wraps], (ends[wraps] - n) * n_boot + draw[wraps]])
    weights = np.concatenate([np.ones(starts.size), -np.ones(starts.size), np.ones(wraps.sum()),
                              -np.ones(wraps.sum())])
    # +1 where a block starts, -1 after it ends, per (day, draw); a running sum down the days then counts.
    counts = np.bincount(marks, weights, minlength=(n + 1) * n_boot).reshape(n + 1, n_boot)
    for day in range(1, n):  # row by row: numpy's cumsum(axis=0) is ~10x slower on this layout
        counts[day] += counts[day - 1]
    counts = counts[:n]
    counts.flags.writeable = False
    return counts


def block_bootstrap_ratio(num: np.ndarray, den: np.ndarray, block: int = BLOCK_DAYS, n_boot: int = 2000,
                          seed: int = 0, level: float = LEVEL) -> tuple[float, float]:
    """Interval for sum(num)/sum(den) by a circular moving-block bootstrap over days (Künsch 1989)."""
    if len(num) == 0:
        return (float("nan"), float("nan"))
    counts = draw_counts(len(num), n_boot, block, seed)
    ratios = (np.asarray(num, dtype=float) @ counts) / (np.asarray(den, dtype=float) @ counts)
    lo, hi = np.quantile(ratios, [(1 - level) / 2, 1 - (1 - level) / 2])
    return float(lo), float(hi)


class Members(NamedTuple):
    """Per-day padding sums of the accounts in a person, one column per account (n days × k accounts)."""

    mean_length: np.ndarray  # (k,) each account's mean session length; NaN without a multi-post session
    pads: np.ndarray         # Σ 2/(count_posts+1) over sessions whose first post falls on the day
    ranges: np.ndarray       # Σ range estimates of those sessions (0 for one-post sessions)
    counts: np.ndarray       # how many of them have a range estimate


class Person(NamedTuple):
    """Whose time is estimated (an account, or several merged) over a window of days."""

    days: pl.Series                    # the window's UTC dates
    minutes: dict[Combo, np.ndarray]   # minutes of merged sessions started on each day
    members: dict[float, Members]      # its accounts' padding sums, by gap
    totals: dict[Combo, dict]          # count_posts, count_sessions, minutes, span_minutes, mean_session_minutes


def _estimate_rows(sets: list[Assumptions], persons: list[Person], n_boot: int, seed: int, block: int,
                   level: float) -> list[list[dict]]:
    """Each person's estimate for each assumption set; the persons' windows must have the same length.

    The bootstrap resamples days and, in each draw, re-estimates each account's mean session length
    from the drawn days (a first-order correction of the padding; overlaps are not re-merged). All sums
    over drawn days are one matrix product and all intervals one quantile call.
    """
    n = len(persons[0].days)
    counts = draw_counts(n, n_boot, block, seed)
    waking = np.full(n, WAKING_HOURS_PER_DAY * 60.0)
    hours = sorted({a.weekly_work_hours for a in sets})
    keys = list(dict.fromkeys(combo(a) for a in sets))
    # One column per value (waking, then each person's baselines and minutes); a draw's sums are then a
    # row of drawn = values.T @ counts.
    columns, layout = [waking], []
    for p in persons:
        weekend = p.days.dt.weekday().to_numpy() >= 6
        where = {("base", h): len(columns) + i for i, h in enumerate(hours)}
        columns += [baseline_minutes(weekend, h) for h in hours]
        where |= {("minutes", k): len(columns) + i for i, k in enumerate(keys)}
        columns += [p.minutes[k] for k in keys]
        layout.append(where)
    values = np.column_stack(columns)
    drawn = values.T @ counts
    # Per gap, how much the re-estimated mean session lengths move each draw: Σ over a person's accounts of
    # (mean* − mean) · pads*, with one matrix product for every account of every person.
    shift: dict[tuple[int, float], np.ndarray] = {}
    for gap in sorted({float(a.gap_minutes) for a in sets if a.padding == "gap"}):
        owners, blocks = [], []
        for i, p in enumerate(persons):
            m = p.members.get(gap)
            keep = None if m is None else ~np.isnan(m.mean_length)
            if keep is not None and keep.any():
                owners.append((i, m.mean_length[keep][:, None]))
                blocks += [m.pads[:, keep], m.ranges[:, keep], m.counts[:, keep]]
        if not owners:
            continue
        sums = np.hstack(blocks).T @ counts
        at = 0
        for i, mean_len in owners:
            k = len(mean_len)
            pads_star, ranges_star, c_star = sums[at:at + k], sums[at + k:at + 2 * k], sums[at + 2 * k:at + 3 * k]
            mean_star = np.where(c_star > 0, ranges_star / np.maximum(c_star, 1), mean_len)
            shift[(i, gap)] = ((mean_star - mean_len) * pads_star).sum(axis=0)
            at += 3 * k
    ratios, points = [], []
    for i, (p, where) in enumerate(zip(persons, layout, strict=True)):
        for a in sets:
            key, gap, base = combo(a), float(a.gap_minutes), where[("base", a.weekly_work_hours)]
            num = drawn[where[("minutes", key)]]
            if a.padding == "gap" and (i, gap) in shift:
                num = num + shift[(i, gap)]
            num = np.maximum(num, 0.0)
            total = p.minutes[key].sum()
            points += [float(total / values[:, base].sum()), float(total / waking.sum())]
            ratios += [num / drawn[base], num / drawn[0]]
    # A percentile interval can miss its own point estimate when the bootstrap distribution is skewed
    # (few days, one huge day); we widen it to include the estimate rather than report an interval
    # that does not contain what we report.
    q = np.quantile(np.vstack(ratios), [(1 - level) / 2, 1 - (1 - level) / 2], axis=1)
    lows, highs = np.minimum(q[0], points), np.maximum(q[1], points)
    out, i = [], 0
    for p, where in zip(persons, layout, strict=True):
        rows = []
        for a in sets:
            key, t = combo(a), p.totals[combo(a)]
            m, base = p.minutes[key], values[:, where[("base", a.weekly_work_hours)]]
            rows.append({
                "assumption_set": a.name,
                "compose_set": a.compose_set,
                "padding": a.padding,
                "window_start": p.days[0],
                "window_end": p.days[-1],
                "count_days": n,
                "count_days_active": int((m > 0).sum()),
                "count_posts": int(t["count_posts"]),
                "count_sessions": int(t["count_sessions"]),
                "observed_hours": float(m.sum() / 60),
                "baseline_hours": float(base.sum() / 60),
                "share": points[i],
                "ci_low": float(lows[i]),
                "ci_high": float(highs[i]),
                "waking_hours": float(waking.sum() / 60),
                "share_waking": points[i + 1],
                "ci_low_waking": float(lows[i + 1]),
                "ci_high_waking": float(highs[i + 1]),
                "gap_minutes": float(a.gap_minutes),
                "weekly_work_hours": float(a.weekly_work_hours),
                "mean_session_minutes": t["mean_session_minutes"],
                "pad_hours": float((t["minutes"] - t["span_minutes"]) / 60),
                "n_boot": n_boot,
                "block_days": min(block, n),
                "level": level,
            })
            i += 2
        out.append(rows)
    return out


def _day_range(first: date, last: date) -> pl.Series:
    return pl.Series("day", pl.date_range(first, last, "1d", eager=True))


def _offsets(frame: pl.DataFrame, first: date) -> np.ndarray:
    return frame.select((pl.col("day") - pl.lit(first)).dt.total_days()).to_series().to_numpy()


def _dense(frame: pl.DataFrame, first: date, n: int, cols: list[str]) -> np.ndarray:
    """`cols` by day as an n × len(cols) array over the window from `first` (days outside it are dropped)."""
    out = np.zeros((n, len(cols)))
    if frame.height:
        off = _offsets(frame, first)
        inside = (off >= 0) & (off < n)
        out[off[inside]] = frame.select(cols).to_numpy()[inside]
    return out


def _members(sums: pl.DataFrame, mean_length: np.ndarray, first: date, n: int, cols: tuple[str, str, str]) -> Members:
    """Members from per-(account index k, day) padding sums named by `cols` (pads, ranges, counts)."""
    mats = [np.zeros((n, len(mean_length))) for _ in cols]
    if sums.height:
        off, k = _offsets(sums, first), sums["k"].to_numpy()
        inside = (off >= 0) & (off < n)
        for mat, c in zip(mats, cols, strict=True):
            mat[off[inside], k[inside]] = sums[c].to_numpy()[inside]
    return Members(mean_length, *mats)


def _pad_sums(gap: float) -> dict[str, pl.Expr]:
    pads, ranges, counts = pad_cols(gap)
    return {pads: (2.0 / (pl.col("count_posts").cast(pl.Float64) + 1)).sum(),
            ranges: pl.col("range_minutes").fill_null(0.0).sum(),
            counts: pl.col("range_minutes").is_not_null().sum().cast(pl.Float64)}


def estimate(posts: pl.DataFrame, a: Assumptions, first: date | None = None, last: date | None = None,
             n_boot: int = 2000, seed: int = 0, block: int = BLOCK_DAYS, level: float = LEVEL) -> dict:
    """Time-share estimate for one assumption set over a window of whole UTC days.

    All rows of `posts` count as one person: sessions of different platforms or accounts are padded
    with their own account's session length and then merged, so overlapping time is counted once.
    The bootstrap resamples days and, in each draw, re-estimates each account's mean session length
    from the drawn days (a first-order correction of the padding; overlaps are not re-merged).
    """
    if posts.is_empty():
        raise ValueError("no posts in the window: nothing to estimate")
    first = first or posts["created_at"].min().date()
    last = last or posts["created_at"].max().date()
    parts = session_parts(posts, a).filter(pl.col("first_post_at").dt.date().is_between(first, last))
    merged = merge_overlaps(padded_intervals(parts), by=[])
    days = _day_range(first, last)
    per_day = merged.group_by(day=pl.col("started_at").dt.date()).agg(m=pl.col("minutes").sum())
    minutes = _dense(per_day, first, len(days), ["m"])[:, 0]
    accounts = parts.group_by(ACCOUNT, maintain_order=True).agg(pl.col("mean_length_minutes").first()).with_row_index("k")
    sums = (parts.group_by(*ACCOUNT, day=pl.col("first_post_at").dt.date()).agg(**_pad_sums(a.gap_minutes))
            .join(accounts.select(*ACCOUNT, "k"), on=ACCOUNT, nulls_equal=True))
    members = _members(sums, accounts["mean_length_minutes"].fill_null(np.nan).to_numpy(), first, len(days),
                       pad_cols(a.gap_minutes))
    totals = {"count_posts": parts["count_posts"].sum(), "count_sessions": merged.height,
              "minutes": merged["minutes"].sum(), "span_minutes": parts["span_minutes"].sum(),
              "mean_session_minutes": accounts["mean_length_minutes"].mean()}
    key = combo(a)
    person = Person(days, {key: minutes}, {float(a.gap_minutes): members}, {key: totals})
    return _estimate_rows([a], [person], n_boot, seed, block, level)[0][0]


def with_segmentation_interval(central: dict, short_gap: dict) -> dict:
    """Add the segmentation-aware interval: from the 10-min-gap estimate's lower bound to the 30-min one's upper."""
    return {**central, "ci_low_segmentation": min(central["ci_low"], short_gap["ci_low"]),
            "ci_high_segmentation": max(central["ci_high"], short_gap["ci_high"])}


# ---------------------------------------------------------------- session summaries

def minutes_col(key: Combo) -> str:
    """Column of SessionSummary.days holding a pair's minutes of merged sessions started that day."""
    return f"minutes|{key[0]:g}|{key[1]}"


def pad_cols(gap: float) -> tuple[str, str, str]:
    """Columns of SessionSummary.days holding a gap's padding sums (pads, ranges, counts)."""
    return f"pads|{gap:g}", f"ranges|{gap:g}", f"counts|{gap:g}"


class SessionSummary(NamedTuple):
    """What the time-share marts need from a set of accounts' posts.

    accounts:  platform, account_id, first_day, last_day (UTC dates of its first and last post), count_posts
    combos:    per account and (gap_minutes, compose_set): count_posts, span_minutes (Σ first→last post of its
               gap-split sessions), mean_length_minutes, and count_sessions and minutes of its merged sessions
    days:      per account and UTC day: minutes_col(pair) for the pairs asked per day, pad_cols(gap) for their gaps
    intervals: per pair, merged sessions (started_at, ended_at, count_posts) with the account dropped: the
               pieces of the 'all' person, whose union is taken when it is estimated
    sessions:  the sessions mart (merged sessions of one assumption set), when asked for
    """

    accounts: pl.DataFrame
    combos: pl.DataFrame
    days: pl.DataFrame
    intervals: pl.DataFrame
    sessions: pl.DataFrame | None = None

    def for_all(self) -> SessionSummary:
        """Only what the 'all' rows need: per-day minutes and the sessions mart dropped."""
        pads = [c for c in self.days.columns if not c.startswith("minutes|")]
        return SessionSummary(self.accounts, self.combos, self.days.select(pads), self.intervals)


def to_session_summary(posts: pl.DataFrame, combos: dict[Combo, Assumptions] | None = None,
                       daily: dict[Combo, Assumptions] | None = None,
                       sessions: Assumptions | None = None) -> SessionSummary:
    """Reduce posts to a SessionSummary for the pairs in `combos` (default: the 9 behind the sensitivity grid).

    daily: pairs that also need per-day sums (default: the three estimate sets and the 10-min segmentation set);
    sessions: the assumption set whose merged sessions to keep as the sessions mart.
    """
    daily = ESTIMATE_COMBOS if daily is None else daily
    combos = {**(GRID_COMBOS if combos is None else combos), **daily}
    if sessions is not None:
        combos.setdefault(combo(sessions), sessions)
    # One integer per account (posts sorted by account): a dozen sorts and groupings below are then on
    # integers, not strings; the names are joined back on the (small) outputs.
    chars = "text_chars" if "text_chars" in posts.columns else "text"
    p = (posts.select(*ACCOUNT, pl.col("created_at").dt.cast_time_unit("us"), "kind", chars)
         .sort(*ACCOUNT, "created_at", nulls_last=True).with_columns(acc=pl.struct(ACCOUNT).rle_id()))
    at, key = pl.col("created_at"), ["acc"]
    accounts = p.group_by("acc", maintain_order=True).agg(
        *(pl.col(c).first() for c in ACCOUNT), first_day=at.min().dt.date(), last_day=at.max().dt.date(),
        count_posts=pl.len().cast(pl.Int64))
    names = accounts.select("acc", *ACCOUNT)
    p = p.drop(ACCOUNT)
    totals, day_frames, pieces, session_frame = [], [], [], None
    # When a post was begun depends only on the composition set, which posts form a session only on the
    # gap: the posts are sorted once, and one split per gap serves every composition set.
    p = with_begun(p, {cset: a for (_, cset), a in combos.items()}, by=key)
    for gap in sorted({g for g, _ in combos}):
        sets = {cset: a for (g, cset), a in combos.items() if g == gap}
        split = split_sessions(p, gap, by=key)
        if any(g == gap and a.padding == "gap" for (g, _), a in daily.items()):
            day_frames.append(split.group_by("acc", day=pl.col("first_post_at").dt.date()).agg(**_pad_sums(gap)))
        per_account = split.group_by("acc").agg(count_posts=pl.col("count_posts").sum().cast(pl.Int64),
                                                  span_minutes=pl.col("span_minutes").sum(),
                                                  mean_length_minutes=pl.col("mean_length_minutes").first())
        for cset, a in sets.items():
            merged = (merge_intervals(padded_intervals(session_parts(p, a, split=split, by=key), by=key), key)
                      .with_columns(minutes=interval_minutes()))
            if sessions is not None and (gap, cset) == combo(sessions):
                session_frame = with_session_ids(merged.join(names, on="acc").sort("acc", "started_at"))
            if (gap, cset) in daily:
                day_frames.append(merged.group_by("acc", day=pl.col("started_at").dt.date())
                                  .agg(**{minutes_col((gap, cset)): pl.col("minutes").sum()}))
            count = merged.group_by("acc").agg(count_sessions=pl.len().cast(pl.Int64), minutes=pl.col("minutes").sum())
            totals.append(per_account.join(count, on="acc").with_columns(gap_minutes=pl.lit(gap),
                                                                          compose_set=pl.lit(cset)))
            pieces.append(merged.select(gap_minutes=pl.lit(gap), compose_set=pl.lit(cset), started_at="started_at",
                                        ended_at="ended_at", count_posts="count_posts"))
    days = reduce(lambda x, y: x.join(y, on=["acc", "day"], how="full", coalesce=True), day_frames,
                  pl.DataFrame(schema={"acc": pl.UInt32, "day": pl.Date}))
    days = names.join(days.with_columns(pl.exclude("acc", "day").fill_null(0.0)), on="acc").sort("acc", "day")
    combos_frame = (names.join(pl.concat(totals), on="acc").sort("acc") if totals
                    else pl.DataFrame(schema={"platform": pl.Utf8, "account_id": pl.Utf8}))
    intervals = pl.concat(pieces) if pieces else pl.DataFrame(schema={"gap_minutes": pl.Float64, "compose_set": pl.Utf8,
                                                                       **INTERVAL_SCHEMA})
    return SessionSummary(accounts.drop("acc"), combos_frame.drop("acc"), days.drop("acc"), intervals, session_frame)


def merge_summaries(summaries: list[SessionSummary | None]) -> SessionSummary:
    """Stack the summaries of disjoint sets of accounts into one; the 'all' pieces are merged per pair."""
    got = [s for s in summaries if s is not None]
    return SessionSummary(pl.concat([s.accounts for s in got]), pl.concat([s.combos for s in got]),
                          pl.concat([s.days for s in got], how="diagonal"),
                          union_by_combo(pl.concat([s.intervals for s in got])))


def _totals(summary: SessionSummary) -> dict[tuple, dict]:
    return {(r["platform"], r["account_id"], r["gap_minutes"], r["compose_set"]): r
            for r in summary.combos.iter_rows(named=True)}


def _with_segmentation(platform: str, account_id: str, rows: list[dict]) -> list[dict]:
    """The rows of ALL's sets with the segmentation interval on the central one (rows follow ESTIMATE_SETS)."""
    by_name = dict(zip([a.name for a in ALL.values()], rows, strict=False))
    by_name["central"] = with_segmentation_interval(by_name["central"], rows[-1])
    return [{"platform": platform, "account_id": account_id, **by_name[a.name]} for a in ALL.values()]


def account_estimates(summary: SessionSummary, n_boot: int = 2000, seed: int = 0, first: date | None = None,
                      last: date | None = None, block: int = BLOCK_DAYS, level: float = LEVEL) -> list[dict]:
    """timeshare_estimates rows for every account of a summary (window: [first, last], else the account's own)."""
    totals = _totals(summary)
    by_account = summary.days.partition_by(ACCOUNT, as_dict=True)
    gaps = {float(a.gap_minutes) for a in ESTIMATE_SETS if a.padding == "gap"}
    persons: dict[int, list[tuple[int, Person]]] = {}  # by window length: those share the bootstrap draws
    accounts = summary.accounts.select(ACCOUNT).rows()
    for i, (platform, account_id, first_day, last_day, _) in enumerate(summary.accounts.iter_rows()):
        days = _day_range(first or first_day, last or last_day)
        d = by_account.get((platform, account_id), summary.days.clear())
        col = dict(zip(d.columns[3:], _dense(d, days[0], len(days), d.columns[3:]).T, strict=True))
        mine = {}
        for key in ESTIMATE_COMBOS:
            t = totals[(platform, account_id, *key)]
            mine[key] = {**t, "mean_session_minutes": t["mean_length_minutes"]}
        members = {}
        for gap in gaps:
            mean = next(t["mean_length_minutes"] for (g, _), t in mine.items() if g == gap)
            members[gap] = Members(np.array([np.nan if mean is None else mean]),
                                   *(col[c][:, None] for c in pad_cols(gap)))
        person = Person(days, {key: col[minutes_col(key)] for key in ESTIMATE_COMBOS}, members, mine)
        persons.setdefault(len(days), []).append((i, person))
    rows: list[list[dict]] = [[] for _ in accounts]
    for group in persons.values():
        got = _estimate_rows(ESTIMATE_SETS, [p for _, p in group], n_boot, seed, block, level)
        for (i, _), person_rows in zip(group, got, strict=True):
            rows[i] = _with_segmentation(*accounts[i], person_rows)
    return [row for account_rows in rows for row in account_rows]


def _window(summary: SessionSummary, first: date | None, last: date | None) -> pl.Series:
    return _day_range(first or summary.accounts["first_day"].min(), last or summary.accounts["last_day"].max())


def union_by_combo(intervals: pl.DataFrame) -> pl.DataFrame:
    """Intervals (per gap_minutes, compose_set) merged into their union: sessions of many accounts as one person's."""
    parts = [merge_intervals(g, []).select(gap_minutes=pl.lit(gap), compose_set=pl.lit(cset), started_at="started_at",
                                            ended_at="ended_at", count_posts="count_posts")
             for (gap, cset), g in intervals.partition_by(COMBO_COLS, as_dict=True, maintain_order=True).items()]
    return pl.concat(parts) if parts else intervals


def _union(summary: SessionSummary) -> pl.DataFrame:
    return union_by_combo(summary.intervals).with_columns(minutes=interval_minutes())


def all_estimates(summary: SessionSummary, n_boot: int = 2000, seed: int = 0, first: date | None = None,
                  last: date | None = None, block: int = BLOCK_DAYS, level: float = LEVEL) -> list[dict]:
    """timeshare_estimates rows for platform 'all': every account of the summary merged as one person."""
    if summary.accounts.is_empty():
        return []
    days = _window(summary, first, last)
    n = len(days)
    union = _union(summary)
    index = summary.accounts.select(ACCOUNT).with_row_index("k")
    sums = summary.days.join(index, on=ACCOUNT, nulls_equal=True)
    combos = summary.combos.filter(pl.col("compose_set").is_in([k[1] for k in ESTIMATE_COMBOS]))
    minutes, totals, members = {}, {}, {}
    for key in ESTIMATE_COMBOS:
        pieces = union.filter((pl.col("gap_minutes") == key[0]) & (pl.col("compose_set") == key[1]))
        per_day = pieces.group_by(day=pl.col("started_at").dt.date()).agg(m=pl.col("minutes").sum())
        minutes[key] = _dense(per_day, days[0], n, ["m"])[:, 0]
        accounts = (index.join(combos.filter((pl.col("gap_minutes") == key[0]) & (pl.col("compose_set") == key[1])),
                               on=ACCOUNT, how="left", nulls_equal=True).sort("k"))
        totals[key] = {"count_posts": accounts["count_posts"].sum(), "span_minutes": accounts["span_minutes"].sum(),
                       "count_sessions": pieces.height, "minutes": pieces["minutes"].sum(),
                       "mean_session_minutes": accounts["mean_length_minutes"].mean()}
        if ESTIMATE_COMBOS[key].padding == "gap":
            members[key[0]] = _members(sums, accounts["mean_length_minutes"].fill_null(np.nan).to_numpy(), days[0], n,
                                       pad_cols(key[0]))
    got = _estimate_rows(ESTIMATE_SETS, [Person(days, minutes, members, totals)], n_boot, seed, block, level)[0]
    return _with_segmentation("all", "all", got)


def _sensitivity_rows(platform: str, account_id: str, first: date, last: date,
                      totals: dict[Combo, tuple[float, int]]) -> list[dict]:
    weekend = _day_range(first, last).dt.weekday().to_numpy() >= 6
    rows = []
    for a in sensitivity_grid():
        minutes, count = totals[combo(a)]
        base = baseline_minutes(weekend, a.weekly_work_hours).sum()
        rows.append({"platform": platform, "account_id": account_id, "compose_set": a.compose_set,
                     "padding": a.padding, "gap_minutes": float(a.gap_minutes),
                     "weekly_work_hours": float(a.weekly_work_hours), "share": minutes / base,
                     "observed_hours": minutes / 60, "baseline_hours": base / 60, "count_sessions": count,
                     "window_start": first, "window_end": last})
    return rows


def account_sensitivity(summary: SessionSummary) -> list[dict]:
    """timeshare_sensitivity rows (27 grid cells) for every account of a summary."""
    totals = _totals(summary)
    return [row for platform, account_id, first, last, _ in summary.accounts.iter_rows()
            for row in _sensitivity_rows(platform, account_id, first, last, {
                key: (float(totals[(platform, account_id, *key)]["minutes"]),
                      totals[(platform, account_id, *key)]["count_sessions"]) for key in GRID_COMBOS})]


def all_sensitivity(summary: SessionSummary) -> list[dict]:
    """timeshare_sensitivity rows for platform 'all'."""
    if summary.accounts.is_empty():
        return []
    days = _window(summary, None, None)
    got = {(g, c): (float(m), n) for g, c, m, n in _union(summary).group_by(COMBO_COLS).agg(
        pl.col("minutes").sum(), pl.len()).iter_rows()}
    return _sensitivity_rows("all", "all", days[0], days[-1], got)


def weekly_rows(daily: pl.DataFrame, a: Assumptions = CENTRAL, n_boot: int = 500, seed: int = 0,
                level: float = LEVEL) -> list[dict]:
    """timeshare_weekly rows from minutes on every day of each account's window (platform, account_id, day, minutes).

    A week has only 7 days, so its interval resamples single days (no blocks) and is rough; the
    whole-window interval in timeshare_estimates is the one verdicts use.
    """
    if daily.is_empty():
        return []
    d = daily.with_columns(week_start=pl.col("day").dt.truncate("1w"))
    run = d.select(pl.struct(*ACCOUNT, "week_start").rle_id().alias("run"))["run"].to_numpy()
    starts = np.flatnonzero(np.r_[True, run[1:] != run[:-1]])
    lengths = np.diff(np.r_[starts, len(run)])
    minutes = d["minutes"].to_numpy().astype(float)
    base = baseline_minutes(d["day"], a.weekly_work_hours)
    share, lo, hi = (np.empty(len(starts)) for _ in range(3))
    observed = np.empty(len(starts))
    for length in np.unique(lengths):
        which = np.flatnonzero(lengths == length)
        at = starts[which][:, None] + np.arange(length)[None, :]
        m, b = minutes[at], base[at]
        counts = draw_counts(int(length), n_boot, 1, seed)  # length × n_boot
        point = m.sum(axis=1) / b.sum(axis=1)
        q = np.quantile((m @ counts) / (b @ counts), [(1 - level) / 2, 1 - (1 - level) / 2], axis=1)
        share[which], observed[which] = point, m.sum(axis=1) / 60
        lo[which], hi[which] = np.minimum(q[0], point), np.maximum(q[1], point)
    first = d[starts]
    return [{"platform": p, "account_id": acc, "week_start": w, "share": float(s), "ci_low": float(lo_),
             "ci_high": float(hi_), "count_days": int(n), "observed_hours": float(o), "assumption_set": a.name}
            for p, acc, w, s, lo_, hi_, n, o in zip(first["platform"], first["account_id"], first["week_start"],
                                                     share, lo, hi, lengths, observed, strict=True)]


def _every_day(accounts: pl.DataFrame, values: pl.DataFrame, col: str) -> pl.DataFrame:
    """minutes (from `col`) on every day from each account's first_day to last_day, zero where it has none."""
    grid = accounts.select(*ACCOUNT, day=pl.date_ranges("first_day", "last_day")).explode("day")
    got = values.select(*ACCOUNT, "day", minutes=pl.col(col))
    return (grid.join(got, on=[*ACCOUNT, "day"], how="left", nulls_equal=True)
            .with_columns(pl.col("minutes").fill_null(0.0)).sort([*ACCOUNT, "day"], nulls_last=True))


def account_weekly(summary: SessionSummary, a: Assumptions = CENTRAL, n_boot: int = 500, seed: int = 0,
                   level: float = LEVEL) -> list[dict]:
    """timeshare_weekly rows for every account of a summary (its days must hold minutes_col(combo(a)))."""
    return weekly_rows(_every_day(summary.accounts, summary.days, minutes_col(combo(a))), a, n_boot, seed, level)


def all_weekly(summary: SessionSummary, a: Assumptions = CENTRAL, n_boot: int = 500, seed: int = 0,
               level: float = LEVEL) -> list[dict]:
    """timeshare_weekly rows for platform 'all'."""
    if summary.accounts.is_empty():
        return []
    days = _window(summary, None, None)
    key = combo(a)
    per_day = (_union(summary).filter((pl.col("gap_minutes") == key[0]) & (pl.col("compose_set") == key[1]))
               .group_by(day=pl.col("started_at").dt.date()).agg(minutes=pl.col("minutes").sum())
               .with_columns(platform=pl.lit("all"), account_id=pl.lit("all")))
    everyone = pl.DataFrame({"platform": ["all"], "account_id": ["all"], "first_day": [days[0]],
                             "last_day": [days[-1]]})
    return weekly_rows(_every_day(everyone, per_day, "minutes"), a, n_boot, seed, level)


# ---------------------------------------------------------------- the marts from a posts frame

def _in_window(posts: pl.DataFrame, first: date | None, last: date | None) -> pl.DataFrame:
    if first is None and last is None:
        return posts
    return posts.filter(pl.col("created_at").dt.date().is_between(first or date.min, last or date.max))


def to_timeshare_estimates(posts: pl.DataFrame, n_boot: int = 2000, seed: int = 0,
                           first: date | None = None, last: date | None = None) -> pl.DataFrame:
    """One row per (platform, account, assumption set), plus platform 'all' merged across platforms."""
    windowed = first is not None or last is not None
    posts = _in_window(posts, first, last)
    if posts.is_empty():
        if windowed:
            return pl.DataFrame()
        raise ValueError("no posts in the window: nothing to estimate")
    s = to_session_summary(posts, combos={}, daily=ESTIMATE_COMBOS)
    return pl.DataFrame(account_estimates(s, n_boot, seed, first, last) + all_estimates(s, n_boot, seed, first, last))


def to_timeshare_sensitivity(posts: pl.DataFrame) -> pl.DataFrame:
    """One row per account (and 'all') and grid cell: gap × composition set × working week → point share."""
    s = to_session_summary(posts, combos=GRID_COMBOS, daily={})
    return pl.DataFrame(account_sensitivity(s) + all_sensitivity(s))


def to_timeshare_weekly(posts: pl.DataFrame, a: Assumptions = CENTRAL, n_boot: int = 500, seed: int = 0,
                        level: float = LEVEL) -> pl.DataFrame:
    """One row per account (and 'all') and ISO week (Monday, UTC): share with an interval over its days.

    A week has only 7 days, so its interval resamples single days (no blocks) and is rough; the
    whole-window interval in timeshare_estimates is the one verdicts use.
    """
    s = to_session_summary(posts, combos={}, daily={combo(a): a})
    return pl.DataFrame(account_weekly(s, a, n_boot, seed, level) + all_weekly(s, a, n_boot, seed, level))


def window_days(first: date, last: date) -> int:
    """Number of whole days in a window."""
    return (last - first + timedelta(days=1)).days
