"""SIMULATED executives written as the X API v2 timeline pages twarc2 stores (one JSON page per line)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from postaudit.simulator.behaviour import SIM_LABEL, SimExecutive

TWITTER_EPOCH_MS = 1288834974657  # snowflake ids count milliseconds from here
WORDS = ("market", "users", "build", "launch", "team", "growth", "product", "update", "thanks", "research",
         "today", "security", "community", "support", "progress", "roadmap")
REFERENCE = {"reply": "replied_to", "quote": "quoted", "repost": "retweeted"}


def _text(rng: np.random.Generator, chars: int, prefix: str = "") -> str:
    """A text of exactly `chars` characters (at least the prefix), words after the prefix."""
    out = prefix
    while len(out) < chars:
        out += ("" if not out or out.endswith(" ") else " ") + str(rng.choice(WORDS))
    return out[:max(chars, len(prefix))]


def post_objects(exe: SimExecutive, seed: int = 0) -> list[dict]:
    """The executive's posts as X API v2 post objects (text of the simulated length, `source` where the data has one)."""
    rng = np.random.default_rng(seed)
    posts = []
    at = exe.posts["created_at"].to_list()
    for seq, (created, kind, chars, source) in enumerate(zip(at, exe.posts["kind"], exe.posts["text_chars"],
                                                             exe.posts["source"], strict=True)):
        ms = int(created.timestamp() * 1000)
        post_id = str(((ms - TWITTER_EPOCH_MS) << 22) | (seq % 4096))
        prefix = {"reply": "@someone_sim ", "repost": "RT @someone_sim: "}.get(kind, "")
        obj = {"id": post_id, "author_id": exe.user_id, "conversation_id": post_id, "lang": "en",
               "created_at": created.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
               "edit_history_tweet_ids": [post_id], "text": _text(rng, int(chars), prefix),
               "public_metrics": {"impression_count": 0, "like_count": 0, "reply_count": 0, "retweet_count": 0,
                                  "quote_count": 0, "bookmark_count": 0}}
        if source is not None:
            obj["source"] = source
        if kind in REFERENCE:
            obj["referenced_tweets"] = [{"type": REFERENCE[kind], "id": str(int(post_id) - 4096 * 1000)}]
        posts.append(obj)
    return posts


def timeline_pages(exe: SimExecutive, handle: str, retrieved: datetime | None = None) -> list[dict]:
    """twarc2 timeline output: pages of up to 100 posts, newest first, with the author in includes."""
    objects = sorted(post_objects(exe), key=lambda p: p["created_at"], reverse=True)
    retrieved = retrieved or datetime(exe.start.year, exe.start.month, exe.start.day, tzinfo=UTC)
    user = {"id": exe.user_id, "username": handle, "name": f"{handle} ({SIM_LABEL})",
            "description": f"{SIM_LABEL} executive ({exe.behaviour.family}) for postaudit's benchmark. Not a real person.",
            "created_at": "2017-06-01T00:00:00.000Z",
            "public_metrics": {"followers_count": 1000, "following_count": 10, "tweet_count": len(objects),
                               "listed_count": 0}}
    pages = []
    for i in range(0, len(objects), 100):
        chunk = objects[i:i + 100]
        pages.append({"data": chunk, "includes": {"users": [user]},
                      "meta": {"result_count": len(chunk), "newest_id": chunk[0]["id"], "oldest_id": chunk[-1]["id"]},
                      "__twarc": {"url": f"https://api.twitter.com/2/users/{exe.user_id}/tweets?max_results=100",
                                  "version": f"postaudit-simulator ({SIM_LABEL})",
                                  "retrieved_at": retrieved.isoformat().replace("+00:00", "Z")}})
    return pages


def write_jsonl(executives: list[tuple[SimExecutive, str]], path: Path) -> Path:
    """Write (executive, handle) pairs as one twarc2 JSONL file."""
    with path.open("w", encoding="utf-8") as fh:
        for exe, handle in executives:
            for page in timeline_pages(exe, handle):
                fh.write(json.dumps(page, ensure_ascii=False) + "\n")
    return path
