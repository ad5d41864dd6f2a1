"""The claims registry: the user-edited claims file, press claims merged into one `claims` frame, and the verdict codes.

docs/methodology.md ("Verdicts") explains the rules (postaudit.verdict_rules) and their sources;
docs/claims.example.toml shows the file format.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
import tomllib
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import polars as pl

from postaudit.press.claims_found import PLATFORMS
from postaudit.sources.errors import InputError

TOLERANCE = 0.25   # relative: "about 20%" is right between 15% and 25% (docs/methodology.md)
DIRECTIONS = ("about", "at_least", "at_most")

# metric → the units it may be stated in (None: a kind without a number)
UNITS: dict[str, tuple[str, ...] | None] = {
    "time_share": ("percent", "fraction"),
    "time_per_day": ("hours_per_day", "minutes_per_day"),
    "time_per_week": ("hours_per_week", "minutes_per_week"),
    "posts_per_day": ("posts_per_day",),
    "posts_per_week": ("posts_per_week",),
    "group_members": ("members",),
    "message_visibility": ("seconds",),
    "ama_effect": None,
    "headcount": ("people",),
    "platform_history": None,
    "quit_or_absent": None,
    "other": (),  # any unit or none: judged "not testable"
}
# Canonical platform ids (CONTRACTS.md); names people write map to them through press.claims_found.PLATFORMS.
KNOWN_PLATFORMS = frozenset({"x", "telegram", "slack", "bluesky", "mastodon", "linkedin", "instagram", "facebook",
                             "tiktok", "youtube", "threads", "wechat", "discord", "whatsapp", "reddit", "all",
                             *PLATFORMS.values()})

CLAIMS_SCHEMA = {
    "claim_id": pl.Utf8, "story_id": pl.Utf8, "article_id": pl.Utf8, "metric": pl.Utf8,
    "value": pl.Float64, "value_low": pl.Float64, "value_high": pl.Float64, "unit": pl.Utf8,
    "direction": pl.Utf8, "tolerance": pl.Float64, "platform": pl.Utf8, "detail": pl.Utf8,
    "period_start": pl.Date, "period_end": pl.Date, "speaker": pl.Utf8, "self_report": pl.Boolean,
    "sentence": pl.Utf8, "language": pl.Utf8, "published_at": pl.Datetime("us", "UTC"),
    "count_copies": pl.Int32, "source_url": pl.Utf8, "origin": pl.Utf8, "is_simulated": pl.Boolean,
}


class Verdict(StrEnum):
    """Stable verdict codes of claim_verdicts.verdict (the plain phrase is verdict_text)."""

    CONTRADICTED = "contradicted"                  # the data prove the claim wrong (posts prove more, or impossible)
    PROBABLY_UNDERSTATED = "probably_understated"  # the posting-session interval lies wholly above the claim
    CONSISTENT = "consistent"                      # the claim's band overlaps what the data show
    SUPPORTED_BY_POSTS = "supported_by_posts"      # an at-least claim the posts alone prove
    NEEDS_UNSEEN_READING = "needs_unseen_reading"  # the claim lies above the interval: r* says how much reading
    PROBABLY_OVERSTATED = "probably_overstated"    # counted posts or a measured chat figure lie wholly below it
    SUPPORTED = "supported"                        # a group-chat effect the claim describes is measured
    PARTLY_SUPPORTED = "partly_supported"          # the effect is there, but not as often as the claim says
    NOT_SHOWN = "not_shown"                        # the data do not show the effect the claim describes
    INCONCLUSIVE = "inconclusive"                  # data exist but cannot decide (reason says why)
    NOT_TESTABLE = "not_testable"                  # the data cannot speak to the claim (reason says what would)


# ---------------------------------------------------------------- the claims file

FILE_FIELDS = {"id", "text", "speaker", "source_url", "platform", "metric", "value", "value_low", "value_high",
               "unit", "direction", "tolerance", "period", "date", "timezone", "account", "detail", "self_report",
               "language", "simulated"}
STRING_FIELDS = ("id", "text", "speaker", "source_url", "platform", "metric", "unit", "direction", "period",
                 "timezone", "account", "language")
DETAIL_FIELDS = {"platform_history": {"sequence"}, "quit_or_absent": {"since"}, "headcount": {"from", "growth"},
                 "message_visibility": {"chat", "own_messages"}, "ama_effect": {"chat"}, "group_members": {"chat"}}


def load_claims_file(path: str | Path) -> pl.DataFrame:
    """Read a claims file (TOML `[[claim]]` tables, or YAML with a `claim:` list); every error at once, naming the field."""
    claims, errors = check_claims_file(path)
    if errors:
        raise InputError("\n".join(errors) if len(errors) == 1 else
                         f"{len(errors)} errors in the claims file:\n" + "\n".join(errors))
    return claims


def check_claims_file(path: str | Path) -> tuple[pl.DataFrame, list[str]]:
    """The claims of a file and every error found in it (the frame holds only the claims without errors)."""
    path = Path(path)
    empty = pl.DataFrame(schema=CLAIMS_SCHEMA)
    try:
        raw_text = path.read_text(encoding="utf-8")
    except OSError as exc:
        return empty, [f"{path}: cannot read the claims file ({exc.strerror or exc})"]
    except UnicodeDecodeError as exc:
        return empty, [f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})"]
    if path.suffix.lower() in (".yaml", ".yml"):
        import yaml

        try:
            doc = yaml.safe_load(raw_text) or {}
        except yaml.YAMLError as exc:
            return empty, [f"{path}: not valid YAML: {exc}"]
    else:
        try:
            doc = tomllib.loads(raw_text)
        except tomllib.TOMLDecodeError as exc:
            return empty, [f"{path}: not valid TOML: {exc}"]
    if not isinstance(doc, dict) or set(doc) - {"claim"}:
        extra = sorted(set(doc) - {"claim"}) if isinstance(doc, dict) else ["(not a table)"]
        return empty, [f"{path}: unknown top-level key(s) {extra}; write each claim as a [[claim]] table"]
    items = doc.get("claim", [])
    if not isinstance(items, list):
        return empty, [f"{path}: claim: must be a list of tables ([[claim]])"]
    rows, errors, seen = [], [], set()
    for i, item in enumerate(items):
        row, problems = _parse_claim(path, i, item, seen)
        errors += problems
        if row is not None and not problems:
            rows.append(row)
    return pl.DataFrame(rows, schema=CLAIMS_SCHEMA), errors


def canonical_platform(name: str) -> str:
    """The canonical platform id for a name people write ("Twitter" → "x")."""
    key = re.sub(r"\s+", " ", name.strip().lower())
    return PLATFORMS.get(key, key)


def _number(value: object) -> bool:
    return not isinstance(value, bool) and isinstance(value, int | float)


def _parse_claim(path: Path, i: int, item: object, seen: set) -> tuple[dict | None, list[str]]:
    where = f"{path}: claim[{i}]"
    if not isinstance(item, dict):
        return None, [f"{where}: must be a table of fields"]
    if isinstance(item.get("id"), str):
        where += f" ({item['id']})"
    errors: list[str] = []

    def err(field: str, message: str) -> None:
        errors.append(f"{where}.{field}: {message}" if field else f"{where}: {message}")

    unknown = sorted(set(item) - FILE_FIELDS)
    if unknown:
        err("", f"unknown field(s) {unknown}; allowed: {sorted(FILE_FIELDS)}")
    for name in STRING_FIELDS:
        if name in item and not isinstance(item[name], str):
            err(name, "must be a string")
    for name in ("id", "text", "metric"):
        if item.get(name) in (None, ""):
            err(name, "required")
    cid = item.get("id") if isinstance(item.get("id"), str) else None
    if cid and cid in seen:
        err("id", f"duplicate id {cid!r}")
    if cid:
        seen.add(cid)
    metric = item.get("metric") if isinstance(item.get("metric"), str) else None
    if metric and metric not in UNITS:
        err("metric", f"{metric!r} is not one of {sorted(UNITS)}")
        metric = None
    units = UNITS.get(metric) if metric else ()
    unit = item.get("unit") if isinstance(item.get("unit"), str) else None
    numeric = bool(units)
    if metric and units is None and unit is not None:
        err("unit", f"metric {metric!r} has no number, so no unit")
    if numeric and unit is None:
        err("unit", f"required for metric {metric!r} (one of {list(units)})")
    elif numeric and unit not in units:
        err("unit", f"{unit!r} does not fit metric {metric!r} (use one of {list(units)})")
    value, low, high = (item.get(k) for k in ("value", "value_low", "value_high"))
    for name, v in (("value", value), ("value_low", low), ("value_high", high)):
        if v is not None and (not _number(v) or v < 0):
            err(name, f"must be a non-negative number, not {v!r}")
    if numeric and value is None and (low is None or high is None):
        err("value", "required (or both value_low and value_high for a range)")
    if metric and not numeric and any(v is not None for v in (value, low, high)) and metric != "other":
        err("value", f"metric {metric!r} takes no number")
    if _number(low) and _number(high) and low > high:
        err("value_low", f"{low} is above value_high {high}")
    if _number(value) and _number(low) and _number(high) and not low <= value <= high:
        err("value", f"{value} lies outside value_low..value_high ({low}..{high})")
    direction = item.get("direction", "about" if numeric else None)
    if direction is not None and direction not in DIRECTIONS:
        err("direction", f"{direction!r} is not one of {list(DIRECTIONS)}")
    tolerance = item.get("tolerance")
    if tolerance is not None and (not _number(tolerance) or not 0 < tolerance < 1):
        err("tolerance", "must be a relative tolerance between 0 and 1 (e.g. 0.25)")
    platform = item.get("platform")
    if isinstance(platform, str):
        platform = canonical_platform(platform)
        if platform not in KNOWN_PLATFORMS:
            near = difflib.get_close_matches(platform, sorted(KNOWN_PLATFORMS), n=1)
            hint = f" (did you mean {near[0]!r}?)" if near else ""
            err("platform", f"{item['platform']!r} is not a known platform{hint}; known: {sorted(KNOWN_PLATFORMS)}")
    start = end = None
    if isinstance(item.get("period"), str):
        try:
            start, end = _period(item["period"])
        except ValueError as exc:
            err("period", str(exc))
    published = None
    if "date" in item:
        published = _date(item["date"])
        if published is None:
            err("date", f"{item['date']!r} is not a date (YYYY-MM-DD): when the claim was made")
    zone = item.get("timezone")
    if isinstance(zone, str):
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            err("timezone", f"{zone!r} is not an IANA time zone like Europe/Berlin or Asia/Kolkata")
    url = item.get("source_url")
    if isinstance(url, str) and not re.match(r"https?://", url):
        err("source_url", "must start with http:// or https://")
    for name in ("self_report", "simulated"):
        if name in item and not isinstance(item[name], bool):
            err(name, "must be true or false")
    detail = _detail(item, metric, err)
    if errors:
        return None, errors
    if published is not None:
        # the claim's date as midnight in its own zone (UTC when none is given)
        published = datetime(published.year, published.month, published.day,
                             tzinfo=ZoneInfo(zone) if zone else UTC).astimezone(UTC)
    if numeric and value is None:
        value = (low + high) / 2
    return {"claim_id": f"file:{cid}", "story_id": f"file:{cid}", "article_id": None, "metric": metric,
            "value": _float(value), "value_low": _float(low if low is not None else value),
            "value_high": _float(high if high is not None else value), "unit": unit, "direction": direction,
            "tolerance": _float(tolerance), "platform": platform, "detail": detail,
            "period_start": start, "period_end": end, "speaker": item.get("speaker"),
            "self_report": item.get("self_report", True), "sentence": item["text"],
            "language": item.get("language"), "published_at": published, "count_copies": 1,
            "source_url": url, "origin": f"file:{path.name}", "is_simulated": item.get("simulated", False)}, []


def _float(v: object) -> float | None:
    return None if v is None else float(v)


def _detail(item: dict, metric: str | None, err) -> str | None:
    """The claim's kind-specific detail as JSON; the account, chat and time zone it names go here too."""
    detail = item.get("detail", {})
    if not isinstance(detail, dict):
        err("detail", "must be a table (e.g. detail = { sequence = [\"wechat\", \"slack\"] })")
        return None
    allowed = DETAIL_FIELDS.get(metric or "", set())
    unknown = sorted(set(detail) - allowed)
    if unknown:
        err("detail", f"unknown field(s) {unknown} for metric {metric!r}; allowed: {sorted(allowed) or 'none'}")
    out = dict(detail)
    if metric == "platform_history":
        seq = detail.get("sequence")
        if not (isinstance(seq, list) and len(seq) >= 2 and all(isinstance(s, str) for s in seq)):
            err("detail.sequence", "required: the platforms in the stated order, e.g. [\"wechat\", \"slack\"]")
        else:
            out["sequence"] = [canonical_platform(s) for s in seq]
            bad = [s for s in out["sequence"] if s not in KNOWN_PLATFORMS]
            if bad:
                err("detail.sequence", f"unknown platform(s) {bad}")
    if metric == "quit_or_absent":
        since = _date(detail.get("since"))
        if since is None:
            err("detail.since", "required: the date (YYYY-MM-DD) since which the person says they are absent")
        else:
            out["since"] = since.isoformat()
    if "own_messages" in detail and not isinstance(detail["own_messages"], bool):
        err("detail.own_messages", "must be true or false")
    if isinstance(item.get("account"), str):
        out["account"] = item["account"].strip().lstrip("@")
    if isinstance(item.get("timezone"), str):
        out["timezone"] = item["timezone"]
    return json.dumps(out, sort_keys=True) if out else None


def _date(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value  # TOML and YAML read bare dates as dates
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _period(text: str) -> tuple[date, date]:
    m = re.fullmatch(r"\s*(\d{4}-\d{2}-\d{2})\s*/\s*(\d{4}-\d{2}-\d{2})\s*", text)
    try:
        if not m:
            raise ValueError
        start, end = date.fromisoformat(m.group(1)), date.fromisoformat(m.group(2))
    except ValueError:
        raise ValueError(f"{text!r} is not 'YYYY-MM-DD/YYYY-MM-DD'") from None
    if end < start:
        raise ValueError("ends before it starts")
    return start, end


# ---------------------------------------------------------------- press claims + file claims

def _normalised(sentence: str | None) -> str:
    return re.sub(r"\s+", " ", (sentence or "").strip().lower())


def press_claim_id(story_id: str | None, metric: str | None, platform: str | None, value: float | None,
                   direction: str | None, sentence: str | None) -> str:
    """The stable id of a press claim: a hash of its story, metric, platform, value, direction and sentence."""
    key = "\0".join(str(x) for x in (story_id, metric, platform, value, direction, _normalised(sentence)))
    return "press:" + hashlib.sha256(key.encode()).hexdigest()[:16]


def _with_columns(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns([pl.lit(None, dtype=t).alias(c) for c, t in CLAIMS_SCHEMA.items()
                               if c not in frame.columns])


def _press_rows(press: pl.DataFrame) -> pl.DataFrame:
    """Press claims in the claims schema: rows already in it pass; older rows (one per copy) are merged per story."""
    if "metric" not in press.columns and "kind" in press.columns:
        press = press.rename({"kind": "metric"})
    press = _with_columns(press).with_columns(
        pl.col("origin").fill_null("press"), pl.col("self_report").fill_null(True),
        pl.col("story_id").fill_null(pl.col("article_id")),
        value_low=pl.col("value_low").fill_null(pl.col("value")),
        value_high=pl.col("value_high").fill_null(pl.col("value")))
    press = press.select([pl.col(c).cast(t) for c, t in CLAIMS_SCHEMA.items()])
    done = pl.col("claim_id").str.starts_with("press:").fill_null(False) & pl.col("count_copies").is_not_null()
    ready, older = press.filter(done), press.filter(~done)
    if older.is_empty():
        return ready
    # One row per distinct claim of a story: the earliest copy (then the smallest article id) states it.
    keys = ["story_id", "metric", "platform", "value", "unit", "direction"]
    merged = (older.sort("published_at", "article_id", nulls_last=True)
              .group_by(keys, maintain_order=True)
              .agg(pl.exclude(keys, "count_copies").first(), count_copies=pl.len().cast(pl.Int32),
                   is_simulated_any=pl.col("is_simulated").any()))
    merged = merged.with_columns(
        is_simulated=pl.col("is_simulated_any"),
        claim_id=pl.struct(keys[:4] + ["direction", "sentence"]).map_elements(
            lambda r: press_claim_id(r["story_id"], r["metric"], r["platform"], r["value"], r["direction"],
                                     r["sentence"]), return_dtype=pl.Utf8))
    return pl.concat([ready, merged.select(list(CLAIMS_SCHEMA)).cast(CLAIMS_SCHEMA)])


def to_claims(press_claims: pl.DataFrame, file_claims: pl.DataFrame | None = None) -> pl.DataFrame:
    """Every claim in one frame (the `claims` relation): one row per distinct claim of a story, press and file."""
    frames = [_press_rows(press_claims)] if press_claims.height else []
    if file_claims is not None and file_claims.height:
        frames.append(_with_columns(file_claims).select([pl.col(c).cast(t) for c, t in CLAIMS_SCHEMA.items()]))
    if not frames:
        return pl.DataFrame(schema=CLAIMS_SCHEMA)
    return pl.concat(frames).unique("claim_id", keep="first", maintain_order=True)
