"""Group chats: how long a message stays on screen, whether the executive's messages draw a burst of questions,
and the replies the executive's messages draw vs others'.

Frame contract (the `group_messages` relation): platform, chat_id, message_id, sender_id, sent_at,
reply_to_message_id, is_executive, and where the source has them text and sender_name.
Every assumed number is named here and stated in docs/methodology.md ("Group chats").
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
import polars as pl

GROUP_SCHEMA = {"platform": pl.Utf8, "chat_id": pl.Utf8, "k": pl.Int64, "count_messages": pl.Int64,
                "count_executive": pl.Int64, "median_seconds_on_screen": pl.Float64,
                "p25_seconds_on_screen": pl.Float64, "p75_seconds_on_screen": pl.Float64,
                "median_seconds_on_screen_executive": pl.Float64, "replies_per_message_executive": pl.Float64,
                "replies_per_message_others": pl.Float64, "reply_ratio": pl.Float64}

# Screen sizes (assumed): a phone screen shows 5 to 20 short messages; a short message takes two lines (the
# sender's name and one line of text), a longer one a line more for every CHARS_PER_LINE characters.
SCREEN_MESSAGES = (5, 10, 20)
LINES_PER_SHORT_MESSAGE = 2
CHARS_PER_LINE = 36  # assumed: about 36 characters fit a line of a chat bubble on a phone held upright
AMA_WINDOWS_MIN = (10, 30)
MIN_CHAT_DAYS = 14
MIN_EXECUTIVE_MESSAGES = 10

QUESTION_WORDS = {
    # English
    "who", "what", "when", "where", "why", "how", "which", "whose", "whom", "is", "are", "am", "do", "does", "did",
    "can", "could", "will", "would", "should", "shall", "may", "might", "was", "were", "has", "have", "had", "any",
    "anyone", "when's", "what's", "where's", "who's", "how's", "isn't", "aren't", "don't", "doesn't",
    "can't", "won't",
    # German
    "wer", "wann", "wo", "warum", "wieso", "weshalb", "wie", "welche", "welcher", "welches", "wem", "wessen",
    "woher", "wohin", "womit", "wozu", "ist", "sind", "kann", "kannst", "können", "könnt", "wird", "werden",
    "würde", "würdest", "soll", "sollte", "hat", "habt", "haben", "gibt", "gibst", "bist", "darf", "dürfen",
    "weißt", "wisst",
}
_FIRST_WORD = re.compile(r"^\W*([\w'’]+)", re.UNICODE)


def is_question(text: str | None) -> bool:
    """A question: a question mark, or a first word that opens questions (English and German)."""
    if not text:
        return False
    if "?" in text or "？" in text:
        return True
    m = _FIRST_WORD.match(text.lower())
    return bool(m) and m.group(1).replace("’", "'") in QUESTION_WORDS


def message_lines(chars: pl.Expr) -> pl.Expr:
    """Lines a message takes on screen: the sender's name plus its text wrapped at CHARS_PER_LINE."""
    text_lines = ((chars.fill_null(0).cast(pl.Float64) / CHARS_PER_LINE).ceil()).clip(lower_bound=1)
    return text_lines + (LINES_PER_SHORT_MESSAGE - 1)


def seconds_on_screen(messages: pl.DataFrame, k: int) -> pl.DataFrame:
    """Each message's time until k newer messages have arrived in its chat (null for the last k: still on screen)."""
    if k < 1:
        raise ValueError("k must be at least 1")
    return (messages.sort("platform", "chat_id", "sent_at", "message_id")
            .with_columns(seconds_on_screen=(pl.col("sent_at").shift(-k).over("platform", "chat_id")
                                             - pl.col("sent_at")).dt.total_microseconds() / 1e6))


def seconds_until_pushed_off(messages: pl.DataFrame, screen_lines: float) -> np.ndarray:
    """For one chat's messages sorted by time: seconds until newer messages fill `screen_lines` lines above them.

    NaN where the export ends first (the message is still on screen).
    """
    chars = (pl.col("text").str.len_chars() if "text" in messages.columns else pl.lit(0))
    lines = messages.select(message_lines(chars)).to_series().to_numpy()
    t = messages["sent_at"].dt.epoch("us").to_numpy() / 1e6
    cum = np.cumsum(lines)
    j = np.searchsorted(cum, cum + screen_lines - 1e-9, side="left")
    out = np.full(len(t), np.nan)
    inside = j < len(t)
    out[inside] = t[j[inside]] - t[inside]
    return out


@dataclass(frozen=True)
class Visibility:
    """On-screen time of the chosen messages for one screen size: typical and busiest-hour medians, with intervals."""

    k: int
    typical: float
    typical_low: float
    typical_high: float
    busiest: float
    busiest_low: float
    busiest_high: float
    count_messages: int
    busiest_from: str  # whose messages the busiest-hour value rests on


def _day_bootstrap_median(values: np.ndarray, days: np.ndarray, n_boot: int, seed: int) -> tuple[float, float]:
    """95% interval of the pooled median, resampling chat-days."""
    keep = ~np.isnan(values)
    values, days = values[keep], days[keep]
    if len(values) == 0:
        return math.nan, math.nan
    uniq, inverse = np.unique(days, return_inverse=True)
    groups = [values[inverse == i] for i in range(len(uniq))]
    rng = np.random.default_rng(seed)
    meds = np.array([np.median(np.concatenate([groups[i] for i in rng.integers(0, len(groups), len(groups))]))
                     for _ in range(n_boot)])
    return float(np.quantile(meds, 0.025)), float(np.quantile(meds, 0.975))


def visibility(chat: pl.DataFrame, own_only: bool, offset_hours: float = 0.0, n_boot: int = 400,
               seed: int = 0) -> list[Visibility]:
    """On-screen time in one chat over SCREEN_MESSAGES screen sizes (of the executive's messages, or everyone's).

    Busiest hour: each chat-day's local clock hour with the most messages; its value is the median over the
    chosen messages sent in such hours (everyone's, if the executive never wrote in one).
    """
    c = chat.sort("sent_at", "message_id").with_columns(
        local=pl.col("sent_at") + pl.duration(minutes=round(offset_hours * 60)))
    c = c.with_columns(day=pl.col("local").dt.date(), hour=pl.col("local").dt.hour())
    busiest = (c.group_by("day", "hour").len().sort("len", "hour", descending=[True, False])
               .group_by("day").first().select("day", "hour", busiest=pl.lit(True)))
    c = c.join(busiest, on=["day", "hour"], how="left", maintain_order="left").with_columns(
        pl.col("busiest").fill_null(False))
    chosen = c["is_executive"].fill_null(False).to_numpy() if own_only else np.ones(c.height, dtype=bool)
    in_busiest = c["busiest"].to_numpy()
    pick_busiest = chosen & in_busiest
    busiest_from = "the executive's messages" if own_only else "all messages"
    if own_only and not pick_busiest.any():
        pick_busiest, busiest_from = in_busiest, "all messages (the executive wrote in no busiest hour)"
    days = c["day"].to_physical().to_numpy()
    out = []
    for k in SCREEN_MESSAGES:
        s = seconds_until_pushed_off(c, k * LINES_PER_SHORT_MESSAGE)
        typ, busy = s[chosen], s[pick_busiest]
        t_lo, t_hi = _day_bootstrap_median(typ, days[chosen], n_boot, seed)
        b_lo, b_hi = _day_bootstrap_median(busy, days[pick_busiest], n_boot, seed + 1)
        out.append(Visibility(k, _nanmedian(typ), t_lo, t_hi, _nanmedian(busy), b_lo, b_hi,
                              int((~np.isnan(typ)).sum()), busiest_from))
    return out


def _nanmedian(x: np.ndarray) -> float:
    x = x[~np.isnan(x)]
    return float(np.median(x)) if len(x) else math.nan


# ---------------------------------------------------------------- "whenever I speak it becomes an AMA"

@dataclass(frozen=True)
class AmaWindow:
    """Questions and replies/mentions addressed to the executive after their messages vs matched windows."""

    minutes: int
    after: float           # mean count in the minutes after an executive message
    matched: float         # mean count in matched windows (same hour of the week, no executive message)
    effect: float          # after − matched
    effect_low: float
    effect_high: float
    p_value: float         # permutation test: message times shifted within their hour of the week
    share_burst: float     # share of their messages followed by more than the matched windows' 95th percentile
    count_messages: int
    count_matched: int


def addressed_events(chat: pl.DataFrame, names: list[str]) -> pl.DataFrame:
    """Others' messages that ask a question or answer or mention the executive, with their times."""
    exec_ids = set(chat.filter(pl.col("is_executive").fill_null(False))["message_id"].to_list())
    text = pl.col("text") if "text" in chat.columns else pl.lit(None, dtype=pl.Utf8)
    mention = pl.lit(False)
    for n in names:
        if n:
            mention = mention | text.str.to_lowercase().str.contains(re.escape(n.lower()), literal=False).fill_null(False)
    others = chat.filter(~pl.col("is_executive").fill_null(False))
    return others.with_columns(
        question=text.map_elements(is_question, return_dtype=pl.Boolean).fill_null(False),
        reply_to_exec=pl.col("reply_to_message_id").is_in(list(exec_ids)).fill_null(False),
        mention=mention,
    ).filter(pl.col("question") | pl.col("reply_to_exec") | pl.col("mention"))


def ama_effect(chat: pl.DataFrame, names: list[str], n_perm: int = 500, n_boot: int = 400,
               seed: int = 0) -> list[AmaWindow]:
    """Bursts after the executive's messages in one chat, for each of AMA_WINDOWS_MIN (see AmaWindow)."""
    rng = np.random.default_rng(seed)
    events = np.sort(addressed_events(chat, names)["sent_at"].dt.epoch("us").to_numpy() / 1e6)
    execs = np.sort(chat.filter(pl.col("is_executive").fill_null(False))["sent_at"].dt.epoch("us").to_numpy() / 1e6)
    all_t = chat["sent_at"].dt.epoch("us").to_numpy() / 1e6
    t0, t1 = float(all_t.min()), float(all_t.max())
    week = 7 * 86400.0
    n_weeks = max(1, math.floor((t1 - t0) / week))

    def count(starts: np.ndarray, w: float) -> np.ndarray:
        return np.searchsorted(events, starts + w, "right") - np.searchsorted(events, starts, "right")

    out = []
    for minutes in AMA_WINDOWS_MIN:
        w = minutes * 60.0
        after = count(execs, w).astype(float)
        # matched windows: the same moment of the week in other weeks, with no executive message within w
        shifts = np.arange(-n_weeks, n_weeks + 1)
        shifts = shifts[shifts != 0] * week
        cand = execs[:, None] + shifts[None, :]
        near = (np.searchsorted(execs, cand + w, "right") - np.searchsorted(execs, cand - w, "left")) > 0
        ok = (cand >= t0) & (cand + w <= t1) & ~near
        ctrl_counts = np.where(ok, count(cand.ravel(), w).reshape(cand.shape), 0).astype(float)
        n_ctrl = ok.sum(axis=1)
        has = n_ctrl > 0
        matched_per = np.where(has, ctrl_counts.sum(axis=1) / np.maximum(n_ctrl, 1), np.nan)
        diff = (after - matched_per)[has]
        days = np.floor(execs[has] / 86400).astype(np.int64)
        lo, hi = _day_bootstrap_mean(diff, days, n_boot, seed)
        pooled = ctrl_counts[ok]
        threshold = float(np.quantile(pooled, 0.95)) if len(pooled) else math.inf
        # permutation: each message moved to a random week at the same hour of the week, at a random second of it
        hour_start = np.floor(execs / 3600) * 3600
        observed = after.mean()
        perm = np.empty(n_perm)
        for i in range(n_perm):
            moved = hour_start + rng.integers(-n_weeks, n_weeks + 1, len(execs)) * week + rng.uniform(0, 3600, len(execs))
            moved = np.where((moved >= t0) & (moved + w <= t1), moved, execs)
            perm[i] = count(moved, w).mean()
        p = float((1 + (perm >= observed).sum()) / (1 + n_perm))
        out.append(AmaWindow(minutes, float(observed), float(np.nanmean(matched_per)) if has.any() else math.nan,
                             float(diff.mean()) if len(diff) else math.nan, lo, hi, p,
                             float((after > threshold).mean()) if len(after) else math.nan, len(execs),
                             int(n_ctrl.sum())))
    return out


def _day_bootstrap_mean(values: np.ndarray, days: np.ndarray, n_boot: int, seed: int) -> tuple[float, float]:
    if len(values) == 0:
        return math.nan, math.nan
    uniq, inverse = np.unique(days, return_inverse=True)
    sums = np.bincount(inverse, values, minlength=len(uniq))
    counts = np.bincount(inverse, minlength=len(uniq)).astype(float)
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, len(uniq), size=(n_boot, len(uniq)))
    means = sums[draws].sum(axis=1) / counts[draws].sum(axis=1)
    return float(np.quantile(means, 0.025)), float(np.quantile(means, 0.975))


# ---------------------------------------------------------------- the group_chat_metrics mart

def to_group_chat_metrics(messages: pl.DataFrame, ks: tuple[int, ...] = (1, 5, 10, 20)) -> pl.DataFrame:
    """One row per (platform, chat, k): on-screen time percentiles and replies drawn, executive vs others."""
    if messages.is_empty():
        return pl.DataFrame(schema=GROUP_SCHEMA)
    replies = (messages.filter(pl.col("reply_to_message_id").is_not_null())
               .group_by("platform", "chat_id", pl.col("reply_to_message_id").alias("message_id"))
               .agg(replies=pl.len().cast(pl.Int64)))
    m = (messages.join(replies, on=["platform", "chat_id", "message_id"], how="left")
         .with_columns(pl.col("replies").fill_null(0), pl.col("is_executive").fill_null(False)))
    frames = []
    for k in ks:
        s = seconds_on_screen(m, k)
        exe, other = pl.col("is_executive"), ~pl.col("is_executive")
        frames.append(s.group_by("platform", "chat_id").agg(
            k=pl.lit(k, dtype=pl.Int64),
            count_messages=pl.len().cast(pl.Int64),
            count_executive=exe.sum().cast(pl.Int64),
            median_seconds_on_screen=pl.col("seconds_on_screen").median(),
            p25_seconds_on_screen=pl.col("seconds_on_screen").quantile(0.25),
            p75_seconds_on_screen=pl.col("seconds_on_screen").quantile(0.75),
            median_seconds_on_screen_executive=pl.col("seconds_on_screen").filter(exe).median(),
            replies_per_message_executive=pl.col("replies").filter(exe).mean(),
            replies_per_message_others=pl.col("replies").filter(other).mean(),
        ))
    out = pl.concat(frames).with_columns(
        reply_ratio=pl.when(pl.col("replies_per_message_others") > 0)
        .then(pl.col("replies_per_message_executive") / pl.col("replies_per_message_others")))
    return out.select(list(GROUP_SCHEMA)).cast(GROUP_SCHEMA).sort("platform", "chat_id", "k")
