"""claim_verdicts: each claim judged by the rules in postaudit.verdict_rules on what the warehouse shows.

What the data show comes through an `Inputs` (the warehouse in postaudit.build, frames in tests and the
bench); posting-session time through a `to_time_on_platform` estimator (postaudit.time_on_platform).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl

from postaudit.claims import TOLERANCE, UNITS, Verdict
from postaudit.metrics import groupchat
from postaudit.metrics.assumptions import SLEEP_HOURS, WEEKLY_WORK_HOURS
from postaudit.metrics.timeshare import block_bootstrap_ratio
from postaudit.time_on_platform import TimeOnPlatform, resolve, to_local, utc_range
from postaudit.verdict_rules import (
    Activity,
    Band,
    Judged,
    TimeEvidence,
    claim_band,
    combine_baselines,
    fmt,
    judge_absence,
    judge_ama,
    judge_counted,
    judge_history,
    judge_measured,
    judge_time,
    reading_ratio,
)

WINDOW_DAYS = 90   # a claim without a period is judged on the 90 days before it was made
MIN_DAYS = 14      # fewer observed days cannot show a habit (and a 7-day block bootstrap needs several blocks)
TIMELINE_CAP = 3200
MEMBER_COUNT_MAX_AGE_DAYS = 365  # a member count from more than a year away from the claim cannot judge it
MISSING = ("reading, likes and direct messages leave no public timestamp (the posting-session time is a lower "
           "bound of time on the platform); deleted and protected posts are absent")
BASELINES = ("working", "waking", "day")
BASELINE_TEXT = {
    "working": f"working hours: {WEEKLY_WORK_HOURS['central']:g} h a week split 9.7 h per weekday and 3.9 h per "
               "weekend day (Porter & Nohria 2018)",
    "waking": f"waking hours: 24 h minus {SLEEP_HOURS:g} h of sleep a day (Porter & Nohria 2018)",
    "day": "the whole day: 24 h",
}
_MY = re.compile(r"\b(my|mine|meine?[mnrs]?)\b", re.I)
_FAR = date(9999, 12, 31)

VERDICT_SCHEMA = {
    "claim_id": pl.Utf8, "verdict": pl.Utf8, "verdict_text": pl.Utf8, "reason": pl.Utf8, "metric": pl.Utf8,
    "platform": pl.Utf8, "account_id": pl.Utf8, "chat_id": pl.Utf8, "direction": pl.Utf8, "unit": pl.Utf8,
    "claimed_value": pl.Float64, "claimed_low": pl.Float64, "claimed_high": pl.Float64, "tolerance": pl.Float64,
    "estimate": pl.Float64, "estimate_low": pl.Float64, "estimate_high": pl.Float64, "floor": pl.Float64,
    "baseline": pl.Utf8, "r_star": pl.Float64,
    **{f"{s}{b}{e}": pl.Float64 for b in BASELINES for s, e in
       (("share_", ""), ("share_", "_low"), ("share_", "_high"), ("floor_share_", ""))},
    "window_start": pl.Date, "window_end": pl.Date, "window_basis": pl.Utf8, "count_days": pl.Int64,
    "count_posts": pl.Int64, "count_scheduled_excluded": pl.Int64, "timezone": pl.Utf8, "timezone_source": pl.Utf8,
    "missing": pl.Utf8, "assumptions": pl.Utf8, "method": pl.Utf8, "origin": pl.Utf8, "is_simulated": pl.Boolean,
}
ACCOUNTS_SCHEMA = {"platform": pl.Utf8, "account_id": pl.Utf8, "handle": pl.Utf8, "display_name": pl.Utf8,
                   "account_created_at": pl.Datetime("us", "UTC"), "first_post_at": pl.Datetime("us", "UTC"),
                   "last_post_at": pl.Datetime("us", "UTC"), "count_posts": pl.Int64,
                   "last_observed_at": pl.Datetime("us", "UTC")}


class Inputs(Protocol):
    """What the verdicts read: accounts with their activity, posts of some accounts, chat messages, member counts."""

    def accounts(self) -> pl.DataFrame: ...

    def posts(self, accounts: pl.DataFrame, first: date, last: date) -> pl.DataFrame: ...

    def messages(self) -> pl.DataFrame: ...

    def member_counts(self) -> pl.DataFrame: ...

    def traces(self, accounts: pl.DataFrame, first: date, last: date) -> pl.DataFrame | None:
        """activity_events rows (platform, account_id, kind, occurred_at) of some accounts on UTC days first..last,
        or None where no traces are known."""
        ...


@dataclass
class FrameInputs:
    """Inputs from frames in memory (tests, the bench): posts, and optionally accounts, messages, member counts."""

    posts_frame: pl.DataFrame
    accounts_frame: pl.DataFrame | None = None
    messages_frame: pl.DataFrame = field(default_factory=pl.DataFrame)
    members_frame: pl.DataFrame = field(default_factory=pl.DataFrame)
    traces_frame: pl.DataFrame | None = None

    def accounts(self) -> pl.DataFrame:
        if self.accounts_frame is not None:
            return self.accounts_frame
        return accounts_from_posts(self.posts_frame)

    def posts(self, accounts: pl.DataFrame, first: date, last: date) -> pl.DataFrame:
        return (self.posts_frame.join(accounts.select("platform", "account_id"), on=["platform", "account_id"],
                                      how="semi")
                .filter(pl.col("created_at").dt.date().is_between(first, last)))

    def messages(self) -> pl.DataFrame:
        return self.messages_frame

    def member_counts(self) -> pl.DataFrame:
        return self.members_frame

    def traces(self, accounts: pl.DataFrame, first: date, last: date) -> pl.DataFrame | None:
        if self.traces_frame is None:
            return None
        return (self.traces_frame.join(accounts.select("platform", "account_id"), on=["platform", "account_id"],
                                       how="semi")
                .filter(pl.col("occurred_at").dt.date().is_between(first, last)))


def accounts_from_posts(posts: pl.DataFrame) -> pl.DataFrame:
    """An accounts frame (ACCOUNTS_SCHEMA) from posts alone: ids, first and last post, count."""
    if posts.is_empty():
        return pl.DataFrame(schema=ACCOUNTS_SCHEMA)
    got = posts.group_by("platform", "account_id").agg(
        first_post_at=pl.col("created_at").min(), last_post_at=pl.col("created_at").max(),
        count_posts=pl.len().cast(pl.Int64))
    got = got.with_columns(handle=pl.col("account_id"), display_name=pl.lit(None, dtype=pl.Utf8),
                           account_created_at=pl.lit(None, dtype=pl.Datetime("us", "UTC")),
                           last_observed_at=pl.col("last_post_at"))
    return got.select(list(ACCOUNTS_SCHEMA)).cast(ACCOUNTS_SCHEMA).sort("platform", "account_id")


# ---------------------------------------------------------------- which accounts, which window

def speaker_accounts(speaker: str, account_names: dict[tuple[str, str], str]) -> list[tuple[str, str]]:
    """Accounts whose display name or handle contains the speaker's surname as a word (case-insensitive)."""
    words = re.findall(r"\w+", re.sub(r"\(.*?\)", " ", speaker.lower()))
    surname = words[-1] if words else ""
    if len(surname) < 3:
        return []
    return [key for key, name in account_names.items()
            if surname in re.findall(r"[a-z0-9]+", name.lower()) or surname in name.lower().split("_")]


class NotJudged(Exception):
    """A claim the data cannot speak to: carries the verdict row's text and reason."""

    def __init__(self, text: str, reason: str, verdict: Verdict = Verdict.NOT_TESTABLE, **fields):
        super().__init__(reason)
        self.judged, self.fields = Judged(verdict, text, reason), fields


def _detail(c: dict) -> dict:
    try:
        return json.loads(c.get("detail") or "{}") or {}
    except (TypeError, ValueError):
        return {}


def accounts_for(c: dict, accounts: pl.DataFrame, platform: str) -> tuple[pl.DataFrame, str]:
    """The claim's speaker's accounts on a platform ('all': on every platform), and a note on how they were chosen."""
    pool = accounts if platform == "all" else accounts.filter(pl.col("platform") == platform)
    pool = pool.filter(pl.col("count_posts").fill_null(0) > 0).sort("count_posts", descending=True)
    if pool.is_empty():
        where = "any platform" if platform == "all" else platform
        raise NotJudged("not testable (no data)", f"the warehouse holds no posts on {where}; importing the "
                        f"person's {where} posts or export would make it testable")
    named = _detail(c).get("account")
    if named:
        hit = pool.filter((pl.col("account_id") == named) | (pl.col("handle").str.to_lowercase() == named.lower()))
        if hit.is_empty():
            raise NotJudged("not testable (account)", f"the claims file names account {named!r}, which has no posts "
                            f"on {platform} in the warehouse")
        return hit, f"account {named} (named in the claims file)"
    names = {(r["platform"], r["account_id"]): f"{r['display_name'] or ''} {r['handle'] or ''}"
             for r in pool.iter_rows(named=True)}
    speaker = c.get("speaker")
    if speaker:
        matched = speaker_accounts(speaker, names)
        if matched:
            keys = pl.DataFrame(matched, schema={"platform": pl.Utf8, "account_id": pl.Utf8}, orient="row")
            hit = pool.join(keys, on=["platform", "account_id"], how="semi")
            return hit, f"{speaker}'s account(s): {', '.join(f'{p}:{a}' for p, a in matched)}"
        if pool.height > 1 and platform != "all":
            raise NotJudged("not testable (speaker)", f"{speaker!r} matches none of the {pool.height} accounts on "
                            f"{platform}; name the account in the claims file (account = ...)")
    if platform != "all" and pool.height > 1:
        top = pool.head(1)
        return top, (f"{pool.height} accounts post on {platform}; the one with the most posts "
                     f"({top['account_id'][0]}) is used")
    return pool, ("every account in the warehouse, merged" if platform == "all" and pool.height > 1 else
                  f"the only account on {platform}: {pool['account_id'][0]}")


def local_date(ts: datetime | None, zone: str | None) -> date | None:
    """The calendar date of an instant in a zone (UTC when none is stated)."""
    if ts is None:
        return None
    return ts.astimezone(ZoneInfo(zone) if zone else UTC).date()


@dataclass(frozen=True)
class Window:
    """The local days a claim is judged on, and why those."""

    first: date
    last: date
    basis: str
    note: str = ""

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


def claim_window(c: dict, span_first: date, span_last: date, zone: str | None = None) -> Window:
    """The claim's period; else the 90 days before it was made; else (or when those hold fewer than 14 days of
    data) the 90 days of data nearest its date, with a note."""
    start, end = c.get("period_start"), c.get("period_end")
    if start is not None and end is not None:
        first, last = max(start, span_first), min(end, span_last)
        cover = "" if (first, last) == (start, end) else f", of which the data cover {first}–{last}"
        return Window(first, last, "period", f"the claim's period {start}–{end}{cover}")
    made = local_date(c.get("published_at"), zone)
    if made is None:
        first = max(span_first, span_last - timedelta(days=WINDOW_DAYS - 1))
        return Window(first, span_last, "data_span",
                      f"the last {WINDOW_DAYS} days of data, {first}–{span_last} (the claim has no date)")
    want_first, want_last = made - timedelta(days=WINDOW_DAYS), made - timedelta(days=1)
    first, last = max(want_first, span_first), min(want_last, span_last)
    held = max(0, (last - first).days + 1)
    if held >= MIN_DAYS:
        cover = "" if (first, last) == (want_first, want_last) else f", of which the data cover {first}–{last}"
        return Window(first, last, "before_claim",
                      f"the {WINDOW_DAYS} days before the claim ({made}){cover}")
    first = min(max(want_first, span_first), max(span_first, span_last - timedelta(days=WINDOW_DAYS - 1)))
    last = min(span_last, first + timedelta(days=WINDOW_DAYS - 1))
    return Window(first, last, "data_span",
                  f"the {WINDOW_DAYS} days of data nearest the claim's date, {first}–{last} (the {WINDOW_DAYS} days "
                  f"before the claim ({made}) hold {held} days of data; this assumes the habit did not change)")


def _check_days(w: Window, count_days: int | None = None) -> None:
    days = w.days if count_days is None else count_days
    if days < MIN_DAYS:
        raise NotJudged("not testable (too few days)",
                        f"{days} observed days in {w.note} (need {MIN_DAYS})",
                        window_start=w.first, window_end=w.last, window_basis=w.basis, count_days=days)


def _span(accounts: pl.DataFrame, zone: str | None) -> tuple[date, date]:
    return (local_date(accounts["first_post_at"].min(), zone), local_date(accounts["last_post_at"].max(), zone))


# ---------------------------------------------------------------- time claims

def _scales(unit: str, row: dict) -> dict[str | None, float]:
    """Multipliers from hours over the window to the claim's unit; per baseline for shares."""
    days = row["count_days"]
    if unit in ("percent", "fraction"):
        k = 100.0 if unit == "percent" else 1.0
        return {b: k / row[f"baseline_{b}_hours"] for b in BASELINES}
    per = {"hours_per_day": 1.0, "minutes_per_day": 60.0, "hours_per_week": 7.0, "minutes_per_week": 420.0}[unit]
    return {None: per / days}


def judge_time_row(c: dict, row: dict) -> dict:
    """A time claim judged on one time_on_platform row: the verdict fields of its claim_verdicts row."""
    unit, value = c["unit"], c["value"]
    band = _band(c)
    judged, evidence = {}, {}
    # with traces (likes, ad impressions, ...) the floor and the sessions they reveal count too
    traced = (row.get("count_traces") or 0) > 0 and row.get("activity_hours") is not None
    floor, est = ("activity_floor_hours", "activity_hours") if traced else ("floor_hours", "posting_hours")
    for baseline, k in _scales(unit, row).items():
        ev = TimeEvidence(floor=row[floor] * k, estimate=row[est] * k, low=_times(row[f"{est}_low"], k),
                          high=_times(row[f"{est}_high"], k), capacity=row["baseline_waking_hours"] * k)
        judged[baseline], evidence[baseline] = judge_time(band, ev, value, unit), ev
    if None in judged:
        baseline, j = None, judged[None]
    else:
        baseline, j = combine_baselines(judged)
    ev = evidence[baseline]
    reason = j.reason + (f"; posts and traces ({row['traces_used']})" if traced else "")
    shares = {k: row.get(k) for k in VERDICT_SCHEMA if k.startswith(("share_", "floor_share_"))}
    if traced:  # the shares of what the verdict judged: posts and traces
        for b in BASELINES:
            base = row[f"baseline_{b}_hours"]
            shares |= {f"share_{b}{e}": _times(row[f"activity_hours{e}"], 1 / base) for e in ("", "_low", "_high")}
            shares[f"floor_share_{b}"] = row["activity_floor_hours"] / base
    return {"verdict": j.verdict.value, "verdict_text": j.text, "reason": reason, "baseline": baseline,
            "estimate": ev.estimate, "estimate_low": ev.low, "estimate_high": ev.high, "floor": ev.floor,
            "r_star": reading_ratio(value, ev.estimate) if j.verdict == Verdict.NEEDS_UNSEEN_READING else None,
            **shares, "window_start": row["window_start"], "window_end": row["window_end"], "count_days": row["count_days"],
            "count_posts": row["count_posts"], "count_scheduled_excluded": row["count_scheduled_excluded"],
            "timezone": row["timezone"], "timezone_source": row["timezone_source"], "method": row["method"]}


def _times(value: float | None, k: float) -> float | None:
    return None if value is None else value * k


def _band(c: dict) -> Band:
    return claim_band(c["value"], c.get("direction"), c.get("value_low"), c.get("value_high"), c.get("tolerance"))


def _pick_row(est: pl.DataFrame, accounts: pl.DataFrame, platform: str) -> dict | None:
    if est.is_empty():
        return None
    if accounts.height == 1 and platform != "all":
        r = accounts.row(0, named=True)
        got = est.filter((pl.col("platform") == r["platform"]) & (pl.col("account_id") == r["account_id"]))
    else:
        got = est.filter(pl.col("platform") == "all")
    return got.row(0, named=True) if got.height else None


@dataclass(frozen=True)
class ClaimPosts:
    """A claim's accounts, why those, its zone and window, and their posts (UTC days covering the window)."""

    platform: str
    accounts: pl.DataFrame
    chosen: str
    zone: str | None
    window: Window
    posts: pl.DataFrame


def claim_posts(c: dict, inputs: Inputs) -> ClaimPosts:
    """The speaker's accounts, window and posts a claim is judged on (NotJudged when there are none or too few days)."""
    platform = c.get("platform") or "all"
    accounts, chosen = accounts_for(c, inputs.accounts(), platform)
    zone = _detail(c).get("timezone")
    w = claim_window(c, *_span(accounts, zone), zone)
    _check_days(w)
    return ClaimPosts(platform, accounts, chosen, zone, w, inputs.posts(accounts, *utc_range(w.first, w.last)))


def _traces(inputs: Inputs, got: ClaimPosts) -> pl.DataFrame | None:
    """The claim's accounts' traces around its window, where the inputs know any."""
    read = getattr(inputs, "traces", None)
    return None if read is None else read(got.accounts, *utc_range(got.window.first, got.window.last))


def _time_claim(c: dict, inputs: Inputs, estimator: TimeOnPlatform, n_boot: int, seed: int) -> dict:
    got = claim_posts(c, inputs)
    w = got.window
    traces = _traces(inputs, got)
    more = {} if traces is None or traces.is_empty() else {"traces": traces}
    est = (estimator(got.posts, first=w.first, last=w.last, timezone=got.zone, n_boot=n_boot, seed=seed, **more)
           if got.posts.height else pl.DataFrame())
    row = _pick_row(est, got.accounts, got.platform)
    if row is None:
        raise NotJudged("not testable (no data)", f"no posts on {got.platform} in {w.note}",
                        window_start=w.first, window_end=w.last, window_basis=w.basis)
    out = judge_time_row(c, row)
    out["reason"] += f". Judged on {w.note}; {got.chosen}."
    out |= {"window_basis": w.basis, "account_id": row["account_id"],
            "assumptions": _assumptions(c, band=_band(c), window=w.note, estimator=row["method"],
                                        baselines=BASELINE_TEXT if c["unit"] in ("percent", "fraction") else None,
                                        rule="time claims (docs/methodology.md, Verdicts)")}
    return out


# ---------------------------------------------------------------- posts per day / week

def _posts_claim(c: dict, inputs: Inputs, n_boot: int, seed: int) -> dict:
    got = claim_posts(c, inputs)
    accounts, chosen, w = got.accounts, got.chosen, got.window
    local, zone_used, zone_source = to_local(got.posts, got.zone)
    days = pl.DataFrame({"day": pl.date_range(w.first, w.last, "1d", eager=True)})
    per_day = (days.join(local.group_by(day=pl.col("created_at").dt.date()).len(), on="day", how="left")
               .with_columns(pl.col("len").fill_null(0)))
    counts = per_day["len"].to_numpy().astype(float)
    scale = 7.0 if c["unit"] == "posts_per_week" else 1.0
    observed = counts.mean() * scale
    lo, hi = block_bootstrap_ratio(counts, np.ones_like(counts), n_boot=n_boot, seed=seed)
    j = judge_counted(_band(c), observed, min(lo * scale, observed), max(hi * scale, observed), c["unit"])
    return {"verdict": j.verdict.value, "verdict_text": j.text,
            "reason": f"{j.reason}. Every kind of post counts (reposts and replies too). Judged on {w.note}; {chosen}",
            "account_id": None if accounts.height > 1 else accounts["account_id"][0],
            "estimate": observed, "estimate_low": min(lo * scale, observed), "estimate_high": max(hi * scale, observed),
            "floor": observed, "window_start": w.first, "window_end": w.last, "window_basis": w.basis,
            "count_days": w.days, "count_posts": int(counts.sum()), "count_scheduled_excluded": 0,
            "timezone": zone_used, "timezone_source": zone_source, "method": "posts counted per local day",
            "assumptions": _assumptions(c, band=_band(c), window=w.note,
                                        interval="95% moving-block bootstrap over days, 7-day blocks",
                                        rule="counted posts (docs/methodology.md, Verdicts)")}


# ---------------------------------------------------------------- group chats

def _chat(c: dict, messages: pl.DataFrame) -> tuple[pl.DataFrame, str]:
    """The messages of the chat the claim names (detail.chat: id or name), else of its executive's busiest chat."""
    platform = c.get("platform")
    what = f"on {platform}" if platform not in (None, "all") else "on any platform"
    if messages.is_empty():
        raise NotJudged("not testable (no chat export)",
                        f"the warehouse holds no group chat {what}; importing the chat's export "
                        "(`postaudit import telegram FILE --from-id ID` or `import slack`) would make it testable")
    m = messages if platform in (None, "all") else messages.filter(pl.col("platform") == platform)
    named = _detail(c).get("chat")
    if named:
        by_name = pl.col("chat_name") == named if "chat_name" in m.columns else pl.lit(False)
        m = m.filter((pl.col("chat_id") == named) | by_name)
    if m.is_empty():
        raise NotJudged("not testable (no chat export)", f"no messages of chat {named or ''} {what} in the warehouse")
    counts = m.group_by("chat_id").agg(ex=pl.col("is_executive").fill_null(False).sum(), n=pl.len())
    chat_id = counts.sort("ex", "n", descending=True)["chat_id"][0]
    return m.filter(pl.col("chat_id") == chat_id).sort("sent_at"), chat_id


def _chat_window(c: dict, chat: pl.DataFrame) -> tuple[pl.DataFrame, Window]:
    zone = _detail(c).get("timezone")
    w = claim_window(c, local_date(chat["sent_at"].min(), zone), local_date(chat["sent_at"].max(), zone), zone)
    z = ZoneInfo(zone) if zone else UTC
    inside = chat.filter(pl.col("sent_at").dt.convert_time_zone(str(z)).dt.date().is_between(w.first, w.last))
    chat_days = inside.select(pl.col("sent_at").dt.date().n_unique()).item() if inside.height else 0
    _check_days(w, chat_days)
    return inside, w


def _offset_hours(zone: str | None, when: datetime) -> float:
    if not zone:
        return 0.0
    return ZoneInfo(zone).utcoffset(when.replace(tzinfo=None)).total_seconds() / 3600


def _visibility_claim(c: dict, inputs: Inputs, n_boot: int, seed: int) -> dict:
    chat, chat_id = _chat(c, inputs.messages())
    chat, w = _chat_window(c, chat)
    detail = _detail(c)
    own = detail.get("own_messages", bool(_MY.search(c.get("sentence") or "")))
    if own and not chat["is_executive"].fill_null(False).any():
        raise NotJudged("not testable (no own messages)", f"the claim is about the executive's own messages, but "
                        f"none of the {chat.height} messages of chat {chat_id} are marked as theirs")
    vis = groupchat.visibility(chat, own, _offset_hours(detail.get("timezone"), chat["sent_at"][0]),
                               n_boot=n_boot, seed=seed)
    lows = [v for x in vis for v in (x.typical_low, x.busiest_low) if not math.isnan(v)]
    highs = [v for x in vis for v in (x.typical_high, x.busiest_high) if not math.isnan(v)]
    if not lows:
        raise NotJudged("not testable (chat too quiet)", f"no message of chat {chat_id} was pushed off a screen "
                        f"of {groupchat.SCREEN_MESSAGES[0]} messages before the export ended")
    whose = "the executive's messages" if own else "messages"
    j = judge_measured(_band(c), min(lows), max(highs), f"{whose} stay on screen",
                       "messages stay on screen longer than claimed", "messages leave the screen sooner than claimed",
                       "seconds")
    per_k = "; ".join(f"{x.k} messages: typical {fmt(x.typical)} s (95% {fmt(x.typical_low)}–{fmt(x.typical_high)}),"
                      f" busiest hour {fmt(x.busiest)} s" for x in vis)
    mid = next(x for x in vis if x.k == 10)
    return {"verdict": j.verdict.value, "verdict_text": j.text, "chat_id": chat_id,
            "reason": (f"{j.reason}, over screens of {groupchat.SCREEN_MESSAGES[0]}–{groupchat.SCREEN_MESSAGES[-1]} "
                       f"short messages, typical and busiest hours ({per_k}); busiest-hour values from "
                       f"{mid.busiest_from}. Chat {chat_id}, {chat.height} messages, judged on {w.note}"),
            "estimate": mid.typical, "estimate_low": min(lows), "estimate_high": max(highs),
            "window_start": w.first, "window_end": w.last, "window_basis": w.basis, "count_days": w.days,
            "count_posts": mid.count_messages, "method": "time until newer messages fill the screen",
            "assumptions": _assumptions(c, band=_band(c), window=w.note, screen_messages=groupchat.SCREEN_MESSAGES,
                                        lines_per_short_message=groupchat.LINES_PER_SHORT_MESSAGE,
                                        chars_per_line=groupchat.CHARS_PER_LINE, own_messages=own,
                                        interval="95% bootstrap over chat-days of the median",
                                        rule="measured range vs the claim's band")}


def _names(chat: pl.DataFrame, accounts: pl.DataFrame) -> list[str]:
    """How others address the executive: @handle, and the first word of the name they write under."""
    names = set()
    if "sender_name" in chat.columns:
        for n in chat.filter(pl.col("is_executive").fill_null(False))["sender_name"].drop_nulls().unique().to_list():
            first = re.findall(r"\w+", n)
            if first and len(first[0]) >= 3:
                names.add(first[0])
    if "platform" in chat.columns and chat.height:
        own = accounts.filter(pl.col("platform") == chat["platform"][0])
        names |= {f"@{h}" for h in own["handle"].drop_nulls().to_list() if h}
    return sorted(names)


def _ama_claim(c: dict, inputs: Inputs, n_boot: int, seed: int) -> dict:
    chat, chat_id = _chat(c, inputs.messages())
    chat, w = _chat_window(c, chat)
    n_exec = int(chat["is_executive"].fill_null(False).sum())
    if n_exec < groupchat.MIN_EXECUTIVE_MESSAGES:
        raise NotJudged("not testable (too few own messages)", f"the executive wrote {n_exec} messages in chat "
                        f"{chat_id} in {w.note} (need {groupchat.MIN_EXECUTIVE_MESSAGES})", chat_id=chat_id)
    names = _names(chat, inputs.accounts())
    windows = groupchat.ama_effect(chat, names, n_boot=n_boot, seed=seed)
    ten = windows[0]
    j = judge_ama(ten.effect_low, ten.p_value, ten.share_burst, f"{ten.minutes} minutes")
    detail = "; ".join(f"{x.minutes} min: {fmt(x.after)} after vs {fmt(x.matched)} at matched times, effect "
                       f"{fmt(x.effect)} (95% {fmt(x.effect_low)}–{fmt(x.effect_high)}), p = {x.p_value:.3g}, "
                       f"{x.share_burst:.0%} followed by a burst" for x in windows)
    return {"verdict": j.verdict.value, "verdict_text": j.text, "chat_id": chat_id,
            "reason": (f"{j.reason}. Questions and replies or mentions addressed to them per message: {detail}. "
                       f"{n_exec} of their messages in chat {chat_id}, judged on {w.note}"),
            "estimate": ten.effect, "estimate_low": ten.effect_low, "estimate_high": ten.effect_high,
            "window_start": w.first, "window_end": w.last, "window_basis": w.basis, "count_days": w.days,
            "count_posts": n_exec, "method": "matched windows and a permutation test",
            "assumptions": _assumptions(c, window=w.note, windows_minutes=groupchat.AMA_WINDOWS_MIN,
                                        matched="same moment of the week in other weeks, no executive message within "
                                                "the window",
                                        permutation="message times moved to a random week at the same hour of the "
                                                    "week (500 draws)",
                                        question="a question mark, or an English or German question word first",
                                        addressed=f"a reply to their message, or a mention of {names}",
                                        burst="more than the matched windows' 95th percentile",
                                        whenever_share=0.5, rule="permutation p < 0.05 and effect interval above 0")}


def _members_claim(c: dict, inputs: Inputs) -> dict:
    platform = c.get("platform")
    counts = inputs.member_counts()
    if counts.height and platform not in (None, "all"):
        counts = counts.filter(pl.col("platform") == platform)
    named = _detail(c).get("chat")
    if named and counts.height:
        counts = counts.filter((pl.col("chat_id") == named) | (pl.col("chat_name") == named))
    messages = inputs.messages()
    if counts.is_empty():
        return _members_from_senders(c, messages)
    if not named and messages.height:
        active = (messages.filter(pl.col("is_executive").fill_null(False)).group_by("chat_id").len()
                  .sort("len", descending=True))
        preferred = counts.join(active, on="chat_id", how="semi")
        counts = preferred if preferred.height else counts
    latest = counts.sort("observed_at", descending=True).group_by("platform", "chat_id").first()
    top = latest.sort("count_members", descending=True).row(0, named=True)
    n = float(top["count_members"])
    made, seen = c.get("published_at"), top["observed_at"]
    base = {"chat_id": top["chat_id"], "estimate": n, "estimate_low": n, "estimate_high": n, "floor": None,
            "method": f"member count from {top['source']}",
            "assumptions": _assumptions(c, band=_band(c), count_source=top["source"],
                                        max_age_days=MEMBER_COUNT_MAX_AGE_DAYS, rule="count vs the claim's band")}
    where = f"{top['chat_name'] or top['chat_id']} ({top['platform']}) had {n:,.0f} members on {seen:%Y-%m-%d} " \
            f"({top['source']})"
    if made is not None and abs((seen - made).days) > MEMBER_COUNT_MAX_AGE_DAYS:
        return base | {"verdict": Verdict.INCONCLUSIVE.value, "verdict_text": "inconclusive (count from another time)",
                       "reason": f"{where}, more than a year from the claim ({made:%Y-%m-%d}); member counts change"}
    j = judge_measured(_band(c), n, n, "a member count of", "more members than claimed", "fewer members than claimed",
                       "members")
    return base | {"verdict": j.verdict.value, "verdict_text": j.text, "reason": f"{j.reason}: {where}"}


def _members_from_senders(c: dict, messages: pl.DataFrame) -> dict:
    """Without a member count: distinct senders are a floor of people who were ever members."""
    platform = c.get("platform") or "any platform"
    need = ("a member count: save the group's public t.me page and `postaudit import telegram-page FILE`, or "
            "import a Slack export (its channels.json lists each channel's members)")
    try:
        chat, chat_id = _chat(c, messages)
    except NotJudged:
        raise NotJudged("not testable (no member count)",
                        f"no source in the warehouse gives a member count on {platform}; {need}") from None
    senders = chat["sender_id"].n_unique()
    band = _band(c)
    if senders > band.high:
        j = judge_measured(band, senders, senders, f"{senders:,} distinct senders (a floor of members) in chat "
                           f"{chat_id}", "more people wrote in it than the claim allows members", "fewer", "members")
        return {"verdict": j.verdict.value, "verdict_text": j.text, "reason": j.reason, "chat_id": chat_id,
                "estimate": None, "floor": float(senders), "method": "distinct senders in the export"}
    raise NotJudged("not testable (no member count)",
                    f"chat {chat_id}'s export shows {senders:,} distinct senders, a floor of members that cannot "
                    f"judge {band.text('members')}, and no source gives a member count; {need}",
                    chat_id=chat_id, floor=float(senders))


# ---------------------------------------------------------------- platform history, absence, the rest

def _activity(accounts: pl.DataFrame) -> dict[str, Activity]:
    got = {}
    for (platform,), a in accounts.partition_by("platform", as_dict=True).items():
        created = a["account_created_at"].drop_nulls()
        got[platform] = Activity(platform, local_date(a["first_post_at"].min(), None),
                                 local_date(a["last_post_at"].max(), None),
                                 local_date(created.min(), None) if created.len() else None)
    return got


def _history_claim(c: dict, inputs: Inputs) -> dict:
    sequence = _detail(c).get("sequence") or []
    if len(sequence) < 2:
        raise NotJudged("not testable (no order)", "the claim names no order of platforms (detail.sequence)")
    accounts = inputs.accounts().filter(pl.col("platform").is_in(sequence))
    names = {(r["platform"], r["account_id"]): f"{r['display_name'] or ''} {r['handle'] or ''}"
             for r in accounts.iter_rows(named=True)}
    if c.get("speaker") and accounts.height:
        matched = speaker_accounts(c["speaker"], names)
        if matched:
            keys = pl.DataFrame(matched, schema={"platform": pl.Utf8, "account_id": pl.Utf8}, orient="row")
            accounts = accounts.join(keys, on=["platform", "account_id"], how="semi")
    j = judge_history(sequence, _activity(accounts.filter(pl.col("count_posts").fill_null(0) > 0)))
    return {"verdict": j.verdict.value, "verdict_text": j.text, "reason": j.reason, "method": "first/last activity",
            "assumptions": _assumptions(c, sequence=sequence, rule="first activity vs stated order; contradicted "
                                        "only against an account's creation date")}


def _absence_claim(c: dict, inputs: Inputs) -> dict:
    platform = c.get("platform")
    since = _detail(c).get("since")
    if platform in (None, "all") or not since:
        raise NotJudged("not testable (no platform or date)", "the claim names no platform or no date since which "
                        "the person is absent (detail.since)")
    since = date.fromisoformat(since)
    try:
        accounts, chosen = accounts_for(c, inputs.accounts(), platform)
    except NotJudged:
        raise NotJudged("not testable (no account)", f"the warehouse holds no account on {platform}; the person's "
                        f"{platform} account (or a search showing there is none) would make it testable") from None
    after = inputs.posts(accounts, since + timedelta(days=1), _FAR)
    first_after = local_date(after["created_at"].min(), None) if after.height else None
    until = local_date(accounts["last_observed_at"].max() or accounts["last_post_at"].max(), None)
    j = judge_absence(platform, since, after.height, first_after, until)
    return {"verdict": j.verdict.value, "verdict_text": j.text, "reason": f"{j.reason}; {chosen}",
            "account_id": accounts["account_id"][0] if accounts.height == 1 else None,
            "count_posts": after.height, "method": "posts after the stated date",
            "assumptions": _assumptions(c, since=since, rule="any post after the date contradicts")}


NOT_TESTABLE = {
    "headcount": ("not testable (headcount)",
                  "an employee count leaves no trace in posts, chats or press the warehouse holds; a company register "
                  "or annual report would make it testable"),
    "other": ("not testable (other)", "the claims file marks it as a claim the data cannot speak to"),
}


def _assumptions(c: dict, **items) -> str:
    out = {k: v for k, v in items.items() if v is not None}
    if "band" in out:
        b = out.pop("band")
        out["band"] = {"low": b.low, "high": None if math.isinf(b.high) else b.high, "direction": b.direction}
    out["direction_stated"] = c.get("direction") is not None
    out["tolerance"] = c.get("tolerance") or TOLERANCE
    return json.dumps(out, sort_keys=True, default=str)


def _missing(c: dict, row: dict, accounts: pl.DataFrame) -> str:
    missing = MISSING
    platform = c.get("platform")
    if accounts.height and platform in ("x", "all"):
        capped = accounts.filter((pl.col("platform") == "x") & (pl.col("count_posts") >= TIMELINE_CAP))
        if capped.height:
            missing += (f"; {', '.join(capped['account_id'].to_list())} has at least {TIMELINE_CAP:,} posts in the "
                        "warehouse: the X timeline reaches only the newest 3,200 posts, so older ones are likely "
                        "missing")
    n = row.get("count_scheduled_excluded")
    if n:
        missing += f"; {n} probably scheduled posts were left out (their time is not when they were written)"
    return missing


def _base(c: dict) -> dict:
    band = _band(c) if c.get("value") is not None and UNITS.get(c["metric"] or "other") else None
    return {"claim_id": c["claim_id"], "metric": c["metric"], "platform": c.get("platform"),
            "direction": c.get("direction"), "unit": c.get("unit"), "claimed_value": c.get("value"),
            "claimed_low": band.low if band else None,
            "claimed_high": band.high if band and not math.isinf(band.high) else None,
            "tolerance": c.get("tolerance") or TOLERANCE, "origin": c.get("origin"),
            "is_simulated": c.get("is_simulated")}


def to_verdicts(claims: pl.DataFrame, inputs: Inputs, *, estimator: TimeOnPlatform | None = None,
                n_boot: int = 400, seed: int = 0) -> pl.DataFrame:
    """One claim_verdicts row per claim: verdict code and phrase, reason, figures in the claim's unit, window, missing."""
    estimator = estimator or resolve()
    accounts = inputs.accounts()
    rows = []
    for c in claims.iter_rows(named=True):
        base = _base(c)
        metric = c["metric"] or "other"
        try:
            if metric in NOT_TESTABLE or (UNITS.get(metric) and c.get("value") is None):
                text, reason = NOT_TESTABLE.get(metric, ("not testable (no number)", "the claim states no number"))
                raise NotJudged(text, reason)
            if UNITS.get(metric) and c.get("unit") not in UNITS[metric]:
                raise NotJudged("not testable (unit)", f"no rule for {metric} in {c.get('unit')}")
            if metric.startswith("time_"):
                got = _time_claim(c, inputs, estimator, n_boot, seed)
            elif metric.startswith("posts_per_"):
                got = _posts_claim(c, inputs, n_boot, seed)
            elif metric == "message_visibility":
                got = _visibility_claim(c, inputs, n_boot, seed)
            elif metric == "ama_effect":
                got = _ama_claim(c, inputs, n_boot, seed)
            elif metric == "group_members":
                got = _members_claim(c, inputs)
            elif metric == "platform_history":
                got = _history_claim(c, inputs)
            else:
                got = _absence_claim(c, inputs)
        except NotJudged as exc:
            got = {"verdict": exc.judged.verdict.value, "verdict_text": exc.judged.text, "reason": exc.judged.reason,
                   **exc.fields}
        got.setdefault("assumptions", _assumptions(c))
        rows.append({**base, **got, "missing": _missing(c, got, accounts)})
    return pl.DataFrame(rows, schema=VERDICT_SCHEMA, strict=False)


# ---------------------------------------------------------------- one line per verdict, and what lacks data

_UNIT_WORDS = {"percent": "%", "fraction": "", "seconds": " s"}
_NO_DATA = ("not testable (no data)", "not testable (too few days)", "not testable (no chat export)",
            "not testable (no account)", "not testable (account)", "not testable (no member count)",
            "not testable (no data after the date)", "not testable (accounts missing)")


def _amount(value: float | None, unit: str | None) -> str:
    if value is None:
        return "?"
    if unit in _UNIT_WORDS:
        return f"{fmt(value)}{_UNIT_WORDS[unit]}"
    return f"{fmt(value)} {(unit or '').replace('_', ' ')}".strip()


def verdict_line(v: dict, c: dict | None = None) -> str:
    """One line for a verdict: what was claimed, the verdict, and the figures behind it."""
    c = c or {}
    direction = {"at_least": "at least ", "at_most": "at most "}.get(v.get("direction") or "", "")
    what = (v.get("metric") or "claim").replace("_", " ")
    value, low, high, tol = (v.get(k) for k in ("claimed_value", "claimed_low", "claimed_high", "tolerance"))
    claimed = ""
    if value is not None:
        stated_range = (not direction and low is not None and high is not None
                        and abs((high - low) - 2 * (tol or 0) * value) > 1e-9 * max(value, 1))
        claimed = (f": claimed {fmt(low)}–{_amount(high, v.get('unit'))}" if stated_range
                   else f": claimed {direction}{_amount(value, v.get('unit'))}")
    where = f" on {v['platform']}" if v.get("platform") else ""
    figures = ""
    if v.get("estimate") is not None:
        unit = v.get("unit") if v.get("metric") != "ama_effect" else "extra questions and replies per message"
        est = _amount(v["estimate"], unit)
        lo, hi = v.get("estimate_low"), v.get("estimate_high")
        label = "over screen sizes and busy hours" if v.get("metric") == "message_visibility" else "95%"
        rng = f" ({label} {fmt(lo)}–{fmt(hi)})" if lo is not None and hi is not None and lo != hi else ""
        floor = f", floor {fmt(v['floor'])}" if v.get("floor") is not None and v["metric"].startswith("time_") else ""
        base = f" of {v['baseline']} hours" if v.get("baseline") else ""
        r = f", r* = {v['r_star']:.1f}" if v.get("r_star") is not None else ""
        figures = f"{';' if claimed else ':'} measured {est}{base}{rng}{floor}{r}"
    sim = " [SIMULATED]" if v.get("is_simulated") or c.get("is_simulated") else ""
    return f"{v['verdict_text']} — {what}{where}{claimed}{figures} [{v['claim_id']}]{sim}"


def data_warnings(verdicts: pl.DataFrame) -> list[str]:
    """Claims whose platform or period has no (or too little) data, each with the reason."""
    out = []
    for v in verdicts.iter_rows(named=True):
        if v["verdict_text"] in _NO_DATA:
            out.append(f"{v['claim_id']}: {v['verdict_text']}: {v['reason']}")
        elif v.get("window_basis") == "period" and ", of which the data cover" in (v.get("reason") or ""):
            out.append(f"{v['claim_id']}: the data cover only part of its period ({v['window_start']}–"
                       f"{v['window_end']})")
    return out
