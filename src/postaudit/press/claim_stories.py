"""One claim per story: statements of the same figure in copies and translations of a story are grouped, the
best-attributed statement gives the claim, the earliest copy its article, date and URL; every copy is listed."""

from __future__ import annotations

import hashlib
import json
import re

import polars as pl

CLAIM_SCHEMA = {
    "claim_id": pl.Utf8, "story_id": pl.Utf8, "article_id": pl.Utf8, "metric": pl.Utf8, "value": pl.Float64,
    "value_low": pl.Float64, "value_high": pl.Float64, "unit": pl.Utf8, "direction": pl.Utf8,
    "tolerance": pl.Float64, "platform": pl.Utf8, "detail": pl.Utf8, "period_start": pl.Date,
    "period_end": pl.Date, "speaker": pl.Utf8, "self_report": pl.Boolean, "sentence": pl.Utf8,
    "language": pl.Utf8, "published_at": pl.Datetime("us", "UTC"), "count_copies": pl.Int32,
    "source_url": pl.Utf8, "origin": pl.Utf8, "is_simulated": pl.Boolean,
    "kind": pl.Utf8,   # = metric; the verdict rules read this name
}
COPY_SCHEMA = {"claim_id": pl.Utf8, "article_id": pl.Utf8, "url": pl.Utf8, "outlet": pl.Utf8, "language": pl.Utf8,
               "published_at": pl.Datetime("us", "UTC"), "sentence": pl.Utf8}
# how a statement was made, best first: a quote beats a paraphrase, which beats a headline or the narrative
_MODE_RANK = {"quote": 0, "first_person": 1, "reported": 2, "headline": 3, "narrative": 4, "addressed": 5,
              "third_party": 6}
CLOSE = 0.10   # relative: two figures of one story within 10% (or one inside the other's range) are one claim


def _mode(row: dict) -> str:
    try:
        return json.loads(row["detail"] or "{}").get("attribution", "narrative")
    except json.JSONDecodeError:
        return "narrative"


def _rank(row: dict) -> tuple:
    published = row["published_at"]
    return (not row["self_report"], _MODE_RANK.get(_mode(row), 9), published is None,
            published.timestamp() if published else 0, row["article_id"], row["position"])


def _same(a: dict, b: dict) -> bool:
    if a["metric"] != b["metric"] or a["unit"] != b["unit"]:
        return False
    if a["platform"] is not None and b["platform"] is not None and a["platform"] != b["platform"]:
        return False
    if a["value"] is None or b["value"] is None:
        return a["value"] is None and b["value"] is None
    va, vb = a["value"], b["value"]
    if abs(va - vb) <= CLOSE * max(abs(va), abs(vb)):
        return True
    lo_a, hi_a = a["value_low"], a["value_high"]
    lo_b, hi_b = b["value_low"], b["value_high"]
    return (lo_a is not None and hi_a is not None and lo_a != hi_a and lo_a <= vb <= hi_a) or (
        lo_b is not None and hi_b is not None and lo_b != hi_b and lo_b <= va <= hi_b)


def _normalised(sentence: str) -> str:
    return " ".join(re.findall(r"\w+", (sentence or "").lower()))


def claim_id(story_id: str, row: dict) -> str:
    """press:<hash of story, metric, platform, value, direction, normalised sentence>."""
    key = "\x1f".join(str(x) for x in (story_id, row["metric"], row["platform"], row["value"], row["direction"],
                                        _normalised(row["sentence"])))
    return "press:" + hashlib.sha256(key.encode()).hexdigest()[:16]


def to_story_claims(copy_claims: list[dict]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(claims, claim_copies) from every copy's claims (dicts with the copy's story, url, outlet, date)."""
    by_story: dict[str, list[dict]] = {}
    for row in copy_claims:
        by_story.setdefault(row["story_id"], []).append(row)
    claims, copies = [], []
    for story_id, rows in by_story.items():
        clusters: list[list[dict]] = []
        for row in sorted(rows, key=_rank):
            home = next((c for c in clusters if all(_same(row, other) for other in c[:1])), None)
            if home is None:
                clusters.append([row])
            else:
                home.append(row)
        for members in clusters:
            best = members[0]
            platform = best["platform"] or next((m["platform"] for m in members if m["platform"]), None)
            earliest = min(members, key=lambda m: (m["published_at"] is None,
                                                   m["published_at"].timestamp() if m["published_at"] else 0,
                                                   m["article_id"]))
            first_copy = min((m for m in members if m["article_id"] == earliest["article_id"]), key=_rank)
            row = {**best, "platform": platform, "sentence": first_copy["sentence"]}
            cid = claim_id(story_id, row)
            per_copy: dict[str, dict] = {}
            for m in members:
                per_copy.setdefault(m["article_id"], m)   # members are in rank order: the copy's best statement
            claims.append({
                "claim_id": cid, "story_id": story_id, "article_id": earliest["article_id"],
                "metric": best["metric"], "value": best["value"], "value_low": best["value_low"],
                "value_high": best["value_high"], "unit": best["unit"], "direction": best["direction"],
                "tolerance": None, "platform": platform, "detail": best["detail"],
                "period_start": best["period_start"], "period_end": best["period_end"],
                "speaker": best["speaker"] or next((m["speaker"] for m in members if m["speaker"]), None),
                "self_report": bool(best["self_report"]), "sentence": first_copy["sentence"],
                "language": first_copy["language"], "published_at": earliest["published_at"],
                "count_copies": len(per_copy), "source_url": earliest["url"], "origin": "press",
                "is_simulated": any(bool(m["is_simulated"]) for m in members), "kind": best["metric"],
            })
            for art, m in per_copy.items():
                copies.append({"claim_id": cid, "article_id": art, "url": m["url"], "outlet": m["outlet"],
                               "language": m["language"], "published_at": m["published_at"],
                               "sentence": m["sentence"]})
    claims_df = pl.DataFrame(claims, schema=CLAIM_SCHEMA).sort("published_at", "story_id", "claim_id",
                                                                nulls_last=True)
    return claims_df, pl.DataFrame(copies, schema=COPY_SCHEMA).sort("claim_id", "published_at", nulls_last=True)
