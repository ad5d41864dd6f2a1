"""The claims registry (press claims + a user-edited claims file) and the verdict rules, fixed before looking at data.

docs/methodology.md explains each rule and its sources; docs/claims.example.toml shows the file format.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Callable
from datetime import date
from pathlib import Path

import polars as pl

from postaudit.metrics.assumptions import ALL
from postaudit.press.claims_found import PLATFORMS
from postaudit.sources.errors import InputError

TOLERANCE = 0.25   # relative: a 20% claim is "about right" between 15% and 25%
K_MAX = 3.0        # assumed cap: unobserved reading is at most 3x the observed posting time
SCREEN_MESSAGES = 10  # assumed: a phone screen shows about ten chat messages (group-chat visibility claims)

NOT_TESTABLE = {
    "message_visibility": "how long a message stays on screen depends on everyone's messages in the group; "
                          "the executive's own posts cannot show it (a group chat export can)",
    "headcount": "an employee count leaves no trace in public posts",
    "group_members": "a group's member count is not in the posts or message exports the warehouse holds",
    "other": "the claims file marks it as a claim the data cannot speak to",
}
MISSING = ("reading, likes and direct messages leave no public timestamp (the estimate is a floor); "
           "deleted and protected posts are absent; scheduled posts carry their publication time, not the time "
           "they were written; the X timeline endpoint reaches only the newest 3,200 posts")
TIMELINE_CAP = 3200

# metric → units it may be stated in; time_per_* units convert to hours per day / per week
UNITS = {
    "time_share": ("percent", "fraction"),
    "time_per_day": ("hours_per_day", "minutes_per_day"),
    "time_per_week": ("hours_per_week", "minutes_per_week"),
    "message_visibility": ("seconds",),
    "headcount": ("people",),
    "group_members": ("members",),
    "other": None,
}
FILE_FIELDS = {"id", "text", "speaker", "source_url", "platform", "metric", "value", "unit", "period", "tolerance"}
REQUIRED = ("id", "text", "metric", "value", "unit")

CLAIMS_SCHEMA = {
    "claim_id": pl.Utf8, "article_id": pl.Utf8, "kind": pl.Utf8, "metric": pl.Utf8, "platform": pl.Utf8,
    "value": pl.Float64, "unit": pl.Utf8, "sentence": pl.Utf8, "speaker": pl.Utf8, "story_id": pl.Utf8,
    "language": pl.Utf8, "origin": pl.Utf8, "is_simulated": pl.Boolean, "source_url": pl.Utf8,
    "period_start": pl.Date, "period_end": pl.Date, "tolerance": pl.Float64,
}
VERDICT_SCHEMA = {
    "claim_id": pl.Utf8, "verdict": pl.Utf8, "reason": pl.Utf8, "claimed_value": pl.Float64, "unit": pl.Utf8,
    "platform": pl.Utf8, "estimate": pl.Float64, "ci_low": pl.Float64, "ci_high": pl.Float64,
    "tipping_point": pl.Float64, "tolerance": pl.Float64, "k_max": pl.Float64, "assumptions": pl.Utf8,
    "window_start": pl.Date, "window_end": pl.Date, "count_posts": pl.Int64, "missing": pl.Utf8,
    # added by issue 5
    "account_id": pl.Utf8, "origin": pl.Utf8, "claimed_share": pl.Float64, "estimate_floor": pl.Float64,
    "estimate_waking": pl.Float64, "ci_low_waking": pl.Float64, "ci_high_waking": pl.Float64,
    "rule": pl.Utf8, "count_days": pl.Int64,
}


# ---------------------------------------------------------------- the claims file

def load_claims_file(path: str | Path) -> pl.DataFrame:
    """Read a claims file (TOML `[[claim]]` tables, or YAML with a `claim:` list); errors name the file and field."""
    path = Path(path)
    try:
        raw_text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{path}: cannot read the claims file ({exc.strerror or exc})") from exc
    if path.suffix.lower() in (".yaml", ".yml"):
        import yaml

        try:
            doc = yaml.safe_load(raw_text) or {}
        except yaml.YAMLError as exc:
            raise InputError(f"{path}: not valid YAML: {exc}") from exc
    else:
        try:
            doc = tomllib.loads(raw_text)
        except tomllib.TOMLDecodeError as exc:
            raise InputError(f"{path}: not valid TOML: {exc}") from exc
    if not isinstance(doc, dict) or set(doc) - {"claim"}:
        extra = sorted(set(doc) - {"claim"}) if isinstance(doc, dict) else ["(not a table)"]
        raise InputError(f"{path}: unknown top-level key(s) {extra}; write each claim as a [[claim]] table")
    items = doc.get("claim", [])
    if not isinstance(items, list):
        raise InputError(f"{path}: claim: must be a list of tables ([[claim]])")
    rows, seen = [], set()
    for i, item in enumerate(items):
        rows.append(_parse_claim(path, i, item, seen))
    return pl.DataFrame(rows, schema=CLAIMS_SCHEMA)


def _parse_claim(path: Path, i: int, item: object, seen: set) -> dict:
    where = f"{path}: claim[{i}]"
    if not isinstance(item, dict):
        raise InputError(f"{where}: must be a table of fields")
    if isinstance(item.get("id"), str):
        where += f" ({item['id']})"
    unknown = sorted(set(item) - FILE_FIELDS)
    if unknown:
        raise InputError(f"{where}: unknown field(s) {unknown}; allowed: {sorted(FILE_FIELDS)}")
    for name in REQUIRED:
        if item.get(name) in (None, ""):
            raise InputError(f"{where}.{name}: required")
    for name in ("id", "text", "speaker", "source_url", "platform", "metric", "unit", "period"):
        if name in item and not isinstance(item[name], str):
            raise InputError(f"{where}.{name}: must be a string")
    cid = item["id"]
    if cid in seen:
        raise InputError(f"{where}.id: duplicate id {cid!r}")
    seen.add(cid)
    metric = item["metric"]
    if metric not in UNITS:
        raise InputError(f"{where}.metric: {metric!r} is not one of {sorted(UNITS)}")
    unit = item["unit"]
    if UNITS[metric] is not None and unit not in UNITS[metric]:
        raise InputError(f"{where}.unit: {unit!r} does not fit metric {metric!r} (use one of {list(UNITS[metric])})")
    value = item["value"]
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise InputError(f"{where}.value: must be a non-negative number, not {value!r}")
    tolerance = item.get("tolerance")
    if tolerance is not None and (isinstance(tolerance, bool) or not isinstance(tolerance, int | float)
                                  or not 0 < tolerance < 1):
        raise InputError(f"{where}.tolerance: must be a relative tolerance between 0 and 1 (e.g. 0.25)")
    platform = item.get("platform")
    if platform is not None:
        platform = PLATFORMS.get(platform.strip().lower(), platform.strip().lower())
    start = end = None
    if item.get("period"):
        start, end = _period(where, item["period"])
    url = item.get("source_url")
    if url is not None and not re.match(r"https?://", url):
        raise InputError(f"{where}.source_url: must start with http:// or https://")
    return {"claim_id": f"file:{cid}", "article_id": None, "kind": metric, "metric": metric, "platform": platform,
            "value": float(value), "unit": unit, "sentence": item["text"], "speaker": item.get("speaker"),
            "story_id": f"file:{cid}", "language": None, "origin": f"file:{path.name}", "is_simulated": False,
            "source_url": url, "period_start": start, "period_end": end,
            "tolerance": float(tolerance) if tolerance is not None else None}


def _period(where: str, text: str) -> tuple[date, date]:
    m = re.fullmatch(r"\s*(\d{4}-\d{2}-\d{2})\s*/\s*(\d{4}-\d{2}-\d{2})\s*", text)
    try:
        if not m:
            raise ValueError
        start, end = date.fromisoformat(m.group(1)), date.fromisoformat(m.group(2))
    except ValueError:
        raise InputError(f"{where}.period: {text!r} is not 'YYYY-MM-DD/YYYY-MM-DD'") from None
    if end < start:
        raise InputError(f"{where}.period: ends before it starts")
    return start, end


def to_claims(press_claims: pl.DataFrame, file_claims: pl.DataFrame | None = None) -> pl.DataFrame:
    """Every claim in one frame: press claims (one per copy; story_id groups copies) and the claims file's."""
    frames = [press_claims.with_columns(pl.lit("press").alias("origin")) if "origin" not in press_claims.columns
              else press_claims]
    if file_claims is not None and file_claims.height:
        frames.append(file_claims)
    out = pl.concat([f.with_columns([pl.lit(None, dtype=t).alias(c) for c, t in CLAIMS_SCHEMA.items()
                                     if c not in f.columns]) for f in frames], how="diagonal_relaxed")
    return out.with_columns([pl.col(c).cast(t) for c, t in CLAIMS_SCHEMA.items()])


# ---------------------------------------------------------------- verdict rules

def judge_share(claimed: float, low: float, high: float, tolerance: float = TOLERANCE,
                k_max: float = K_MAX) -> tuple[str, str]:
    """Verdict and reason for a claimed amount given the floor's lower bound and the liberal upper bound.

    low: the conservative (hard-floor) set's 95% lower bound; high: the liberal set's 95% upper bound;
    all three in the same unit. The order of the rules is part of the rule.
    """
    lo_band, hi_band = claimed * (1 - tolerance), claimed * (1 + tolerance)
    if low > hi_band:
        return ("contradicted (more than claimed)",
                f"even the conservative floor's lower bound {low:.3g} exceeds the claim's upper band {hi_band:.3g}")
    if lo_band <= low <= hi_band:
        return ("supported", f"the conservative floor's lower bound {low:.3g} lies within the claim's band "
                             f"{lo_band:.3g}–{hi_band:.3g}: posting alone shows at least about the claimed amount")
    if high * (1 + k_max) < lo_band:
        return (f"contradicted (less than claimed, assuming reading ≤ {k_max:g}× posting time)",
                f"the liberal upper bound {high:.3g} plus {k_max:g}× as much unobserved reading is still below "
                f"the claim's lower band {lo_band:.3g}")
    return ("not contradicted",
            f"the data cannot decide: the conservative floor's lower bound {low:.3g} is below the claim's band "
            f"{lo_band:.3g}–{hi_band:.3g}, while the liberal upper bound {high:.3g} with up to {k_max:g}× as much "
            "unobserved reading could reach it; this is not confirmation")


def tipping_text(k: float | None) -> str:
    """Plain words for the tipping point k* = claimed ÷ central estimate."""
    if k is None:
        return ""
    if k <= 1:
        return (f"the central estimate already reaches the claim (k* = {k:.2f}); "
                "only the conservative floor falls short of it")
    return f"the true time must be {k:.1f}× the central estimate for the claim to hold (k* = {k:.2f})"


def _in_unit(row: dict, unit: str) -> float:
    """Scale from a share of the set's working-time baseline into the claim's unit."""
    per_day = row["baseline_hours"] / row["count_days"]
    return {"percent": 100.0, "fraction": 1.0, "hours_per_day": per_day, "minutes_per_day": per_day * 60,
            "hours_per_week": per_day * 7, "minutes_per_week": per_day * 7 * 60}[unit]


Estimator = Callable[[str | None, date | None, date | None], pl.DataFrame]


def to_verdicts(claims: pl.DataFrame, estimates: pl.DataFrame, tolerance: float = TOLERANCE, k_max: float = K_MAX,
                estimator: Estimator | None = None, group_metrics: pl.DataFrame | None = None,
                account_posts: dict[tuple[str, str], int] | None = None,
                account_names: dict[tuple[str, str], str] | None = None) -> pl.DataFrame:
    """One verdict row per claim, with estimate, interval, tipping point, the assumptions used and what is missing.

    estimator(platform, first, last) re-estimates for a claim's own period; without it such claims use the
    whole window and say so.
    """
    rows = []
    for c in claims.iter_rows(named=True):
        tol = c.get("tolerance") or tolerance
        base = {"claim_id": c["claim_id"], "claimed_value": c["value"], "unit": c["unit"], "platform": c["platform"],
                "tolerance": tol, "k_max": k_max, "missing": MISSING, "origin": c.get("origin")}
        kind = c["kind"]
        if kind == "message_visibility" and group_metrics is not None and group_metrics.height:
            rows.append({**base, **_judge_visibility(c, group_metrics, tol)})
            continue
        if kind in NOT_TESTABLE:
            rows.append({**base, "verdict": f"not testable ({kind.replace('_', ' ')})", "reason": NOT_TESTABLE[kind],
                         "rule": "not testable"})
            continue
        if kind not in UNITS or c["unit"] not in (UNITS[kind] or ()) or c["value"] is None:
            rows.append({**base, "verdict": "not testable (unit)", "reason": f"no rule for {kind} in {c['unit']}",
                         "rule": "not testable"})
            continue
        platform = c["platform"] if c["platform"] not in (None, "all") else "all"
        note = ""
        sel = estimates.filter(pl.col("platform") == platform) if estimates.height else estimates
        start, end = c.get("period_start"), c.get("period_end")
        if start is not None and sel.height:
            if estimator is not None:
                sel = estimator(platform, start, end)
                if sel.is_empty():
                    rows.append({**base, "verdict": "not testable (no data)", "rule": "not testable",
                                 "reason": f"no posts on {platform!r} between {start} and {end}"})
                    continue
            else:
                note = f" The claim's period {start}–{end} was not re-estimated; the whole window is used."
        if sel.is_empty():
            rows.append({**base, "verdict": "not testable (no data)", "rule": "not testable",
                         "reason": f"no posts on platform {platform!r} are in the warehouse"})
            continue
        accounts = sel.filter(pl.col("assumption_set") == "central").sort("count_posts", descending=True)
        if account_names and c.get("speaker") and platform != "all":
            # A claim is about its speaker: judge it against the speaker's own account, not whoever posts most.
            matched = [a for (p, a) in speaker_accounts(c["speaker"], account_names) if p == platform]
            if matched:
                accounts = accounts.filter(pl.col("account_id").is_in(matched))
            elif accounts.height > 1:
                rows.append({**base, "verdict": "not testable (speaker)", "rule": "not testable",
                             "reason": f"{c['speaker']!r} matches none of the {accounts.height} audited accounts on "
                                       f"{platform}; name the account in the claims file"})
                continue
        account = accounts["account_id"][0]
        if accounts.height > 1:
            note += (f" {accounts.height} accounts post on {platform}; the one with the most posts ({account}) "
                     "is used.")
        est = {r["assumption_set"]: r for r in sel.filter(pl.col("account_id") == account).iter_rows(named=True)}
        cons, central, lib = est["conservative"], est["central"], est["liberal"]
        unit = c["unit"]
        low = cons["ci_low"] * _in_unit(cons, unit)
        high = lib["ci_high"] * _in_unit(lib, unit)
        verdict, reason = judge_share(c["value"], low, high, tol, k_max)
        point = central["share"] * _in_unit(central, unit)
        missing = MISSING
        if account_posts and platform in ("x", "all"):
            capped = [f"{p}:{a}" for (p, a), n in account_posts.items() if p == "x" and n >= TIMELINE_CAP]
            if capped:
                missing += (f"; {', '.join(capped)} has at least {TIMELINE_CAP:,} posts in the warehouse, so older "
                            "posts beyond the timeline cap are likely missing")
        rows.append({
            **base, "verdict": verdict, "reason": reason + note, "missing": missing, "account_id": account,
            "rule": "floor vs claim band (docs/methodology.md)",
            "claimed_share": c["value"] / _in_unit(central, unit),
            "estimate": central["share"], "ci_low": cons["ci_low"], "ci_high": lib["ci_high"],
            "estimate_floor": cons["share"], "estimate_waking": central.get("share_waking"),
            "ci_low_waking": central.get("ci_low_waking"), "ci_high_waking": central.get("ci_high_waking"),
            "tipping_point": c["value"] / point if point > 0 else None,
            "assumptions": json.dumps({
                "sets": {name: ALL[name].as_dict() for name in est if name in ALL},
                "tolerance": tol, "k_max": k_max, "baseline": "working hours, Porter & Nohria 2018 weekday/weekend split",
                "interval": f"{central.get('level', 0.95):.0%} moving-block bootstrap over days, "
                            f"{central.get('block_days', 7)}-day blocks, {central.get('n_boot')} draws",
                "estimate_basis": "central set; interval = conservative lower bound .. liberal upper bound",
            }, sort_keys=True, default=str),
            "window_start": central["window_start"], "window_end": central["window_end"],
            "count_posts": central["count_posts"], "count_days": central["count_days"],
        })
    return pl.DataFrame(rows, schema=VERDICT_SCHEMA)


def speaker_accounts(speaker: str, account_names: dict[tuple[str, str], str]) -> list[tuple[str, str]]:
    """Accounts whose display name or handle contains the speaker's surname as a word (case-insensitive)."""
    words = re.findall(r"\w+", speaker.lower())
    surname = words[-1] if words else ""
    if len(surname) < 3:
        return []
    return [key for key, name in account_names.items()
            if surname in re.findall(r"[a-z0-9]+", name.lower()) or surname in name.lower().split("_")]


def _judge_visibility(c: dict, groups: pl.DataFrame, tol: float) -> dict:
    """A claimed on-screen time against the measured median time until SCREEN_MESSAGES newer messages arrive."""
    sel = groups.filter(pl.col("k") == SCREEN_MESSAGES)
    if c["platform"] not in (None, "all"):
        sel = sel.filter(pl.col("platform") == c["platform"])
    sel = sel.filter(pl.col("median_seconds_on_screen").is_not_null())
    if sel.is_empty():
        return {"verdict": "not testable (no data)", "rule": "not testable",
                "reason": f"no group chat on {c['platform'] or 'any platform'} has {SCREEN_MESSAGES}+ messages"}
    top = sel.sort("count_messages", descending=True).row(0, named=True)
    measured = top["median_seconds_on_screen"]
    lo_band, hi_band = c["value"] * (1 - tol), c["value"] * (1 + tol)
    if lo_band <= measured <= hi_band:
        verdict = "supported"
    elif measured > hi_band:
        verdict = "contradicted (messages stay longer than claimed)"
    else:
        verdict = "contradicted (messages stay shorter than claimed)"
    return {"verdict": verdict, "rule": "measured median vs claim band",
            "reason": f"in chat {top['chat_id']} ({top['platform']}, {top['count_messages']} messages) the median "
                      f"message is pushed off a {SCREEN_MESSAGES}-message screen after {measured:.0f} s "
                      f"(claim band {lo_band:.3g}–{hi_band:.3g} s); assumes a screen shows {SCREEN_MESSAGES} messages",
            # estimate/ci columns hold shares of time elsewhere (the dashboard prints them as %): seconds stay in reason
            "count_posts": top["count_messages"],
            "assumptions": json.dumps({"screen_messages": SCREEN_MESSAGES, "tolerance": tol})}
