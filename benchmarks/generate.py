"""Fast synthetic inputs for the benchmarks: X API v2 timeline pages (twarc2 JSONL) and press articles.

The simulator builds every post as a Python dict and serialises it with json.dumps; at 10 million posts that
costs more than the import being measured, so this writer fills string templates from numpy arrays instead.
Everything here is SIMULATED and labelled so (the __twarc.version field and the user's description).
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

POSTS_PER_PAGE = 100        # the X API v2 timeline endpoint serves at most 100 posts a page
POSTS_PER_ACCOUNT = 10_000  # a collection of N posts spans max(1, N // 10k) accounts
REFRESH_SHARE = 0.10        # share of pages fetched a second time two days later, with grown counts
DUPLICATE_SHARE = 0.01      # share of pages that appear twice, byte for byte (overlapping collections)
START = datetime(2023, 1, 1, tzinfo=UTC)

_WORDS = (
    "market", "growth", "team", "launch", "customers", "product", "quarter", "energy", "battery",
    "factory", "model", "update", "record", "thanks", "great", "proud", "today", "week", "results",
    "engineering", "design", "launch", "orbit", "rocket", "Grüße", "café", "naïve", "über", "👍", "🚀",
    "data", "open", "source", "research", "policy", "climate", "AI", "chips", "demand",
)

_POST = ('{"id":"%d","text":"%s","created_at":"%s","author_id":"%d","conversation_id":"%d","lang":"%s",'
         '"source":"Twitter for iPhone","edit_history_tweet_ids":["%d"],"possibly_sensitive":false,'
         '"reply_settings":"everyone","public_metrics":{"retweet_count":%d,"reply_count":%d,"like_count":%d,'
         '"quote_count":%d,"bookmark_count":%d,"impression_count":%d}%s}')
_REPLY = ',"in_reply_to_user_id":"%d","referenced_tweets":[{"type":"replied_to","id":"%d"}]'
_QUOTE = ',"referenced_tweets":[{"type":"quoted","id":"%d"}]'
_REPOST = ',"referenced_tweets":[{"type":"retweeted","id":"%d"}]'
_USER = ('{"id":"%d","username":"sim_exec_%d","name":"Simulated executive %d (SIMULATED)",'
         '"created_at":"2015-03-01T00:00:00.000Z","description":"SIMULATED account for postaudit benchmarks.",'
         '"public_metrics":{"followers_count":%d,"following_count":210,"tweet_count":%d,"listed_count":90}}')
_PAGE = ('{"data":[%s],"includes":{"users":[%s]},"meta":{"result_count":%d,"newest_id":"%d","oldest_id":"%d"},'
         '"__twarc":{"url":"https://api.twitter.com/2/users/%d/tweets?max_results=100",'
         '"version":"postaudit-benchmark (SIMULATED)","retrieved_at":"%s"}}')


def _texts(rng: random.Random, n: int = 4096) -> list[str]:
    """A pool of post texts, 3–40 words, JSON-safe (no quotes or backslashes)."""
    return [" ".join(rng.choice(_WORDS) for _ in range(rng.randint(3, 40))) for _ in range(n)]


def _iso(ts: np.ndarray) -> list[str]:
    """Microsecond epoch values as X API timestamps (millisecond precision, Z suffix)."""
    ms = ts.astype("datetime64[us]").astype("datetime64[ms]")
    return [s + "Z" for s in np.datetime_as_string(ms, unit="ms").tolist()]


def write_posts(path: str | Path, n: int, seed: int = 1) -> dict:
    """Write n distinct posts as twarc2 JSONL pages; returns what was written (pages, lines, observations)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    prng = random.Random(seed)
    texts = _texts(prng)
    langs = ["en"] * 8 + ["de", "fr"]
    accounts = max(1, n // POSTS_PER_ACCOUNT)
    stats = {"posts": n, "accounts": accounts, "pages": 0, "lines": 0, "post_observations": 0}
    next_id = 1_600_000_000_000_000_000
    with open(path, "w", encoding="utf-8") as out:
        for a in range(accounts):
            m = n // accounts + (1 if a < n % accounts else 0)
            author = 10_000_000 + a
            # Bursty posting: 70% of gaps are short (inside a session, ~2 min), 30% long (~6 h).
            gaps = np.where(rng.random(m) < 0.7, rng.exponential(120, m), rng.exponential(6 * 3600, m))
            created = (START.timestamp() * 1e6 + np.cumsum(gaps) * 1e6).astype(np.int64)
            ids = next_id + np.arange(m, dtype=np.int64) * 7
            next_id += m * 7 + 1
            kind = rng.choice(4, size=m, p=[0.55, 0.25, 0.1, 0.1])  # original, reply, quote, repost
            likes = rng.poisson(40, m)
            imps = likes * 60 + rng.poisson(500, m)
            text_ix = rng.integers(0, len(texts), m)
            lang_ix = rng.integers(0, len(langs), m)
            created_s = _iso(created)
            posts = []
            for i in range(m):
                k = kind[i]
                ref = int(ids[i]) - 3
                extra = (_REPLY % (author + 1, ref) if k == 1 else _QUOTE % ref if k == 2
                         else _REPOST % ref if k == 3 else "")
                text = texts[text_ix[i]]
                posts.append((int(ids[i]), ("RT @someone: " + text) if k == 3 else text, created_s[i], author,
                              int(ids[i]), langs[lang_ix[i]], int(ids[i]), int(likes[i] // 10), int(likes[i] // 20),
                              int(likes[i]), int(likes[i] // 30), int(likes[i] // 15), int(imps[i]), extra))
            # Pages newest first, as the timeline endpoint serves them.
            for hi in range(m, 0, -POSTS_PER_PAGE):
                lo = max(0, hi - POSTS_PER_PAGE)
                chunk = posts[lo:hi][::-1]
                newest_created = datetime.fromisoformat(chunk[0][2].replace("Z", "+00:00"))
                retrieved = newest_created + timedelta(hours=1)
                user = _USER % (author, a, a, 50_000 + a, m)
                lines = [_page(chunk, user, author, retrieved, 1.0)]
                if rng.random() < REFRESH_SHARE:
                    lines.append(_page(chunk, user, author, retrieved + timedelta(days=2), 1.5))
                if rng.random() < DUPLICATE_SHARE:
                    lines.append(lines[0])
                out.write("\n".join(lines) + "\n")
                stats["pages"] += 1
                stats["lines"] += len(lines)
                stats["post_observations"] += len(chunk) * len(lines)
    stats["bytes"] = path.stat().st_size
    return stats


def _page(chunk: list[tuple], user: str, author: int, retrieved: datetime, grow: float) -> str:
    if grow == 1.0:
        data = ",".join(_POST % p for p in chunk)
    else:
        data = ",".join(_POST % (*p[:7], *(int(v * grow) for v in p[7:13]), p[13]) for p in chunk)
    stamp = retrieved.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return _PAGE % (data, user, len(chunk), chunk[0][0], chunk[-1][0], author, stamp)


def make_articles(n: int, copy_share: float = 0.3, seed: int = 1):
    """n SIMULATED press articles of which about copy_share are near-duplicate copies of an earlier one.

    Returns (frame with article_id, title, text, language, published_at, original_of) where original_of names the
    article a copy was made from (None for originals), so grouping quality can be checked.
    """
    import polars as pl

    rng = random.Random(seed)
    vocab = [f"w{i}" for i in range(20_000)]
    rows = []
    start = datetime(2025, 1, 1, tzinfo=UTC)
    for i in range(n):
        when = start + timedelta(minutes=i * 7)
        if rows and rng.random() < copy_share:
            src = rows[rng.randrange(max(0, len(rows) - 200), len(rows))]
            src = src if src["original_of"] is None else rows[int(src["original_of"][1:])]
            words = src["text"].split()
            for _ in range(max(1, len(words) // 40)):  # a scraper's edits: ~2.5% of words changed
                words[rng.randrange(len(words))] = rng.choice(vocab)
            rows.append({"article_id": f"a{i}", "title": src["title"], "text": " ".join(words), "language": "en",
                         "published_at": when, "original_of": src["article_id"]})
        else:
            words = [rng.choice(vocab) for _ in range(rng.randint(120, 300))]
            rows.append({"article_id": f"a{i}", "title": " ".join(words[:8]), "text": " ".join(words),
                         "language": "en" if i % 10 else "de",
                         "published_at": when, "original_of": None})
    return pl.DataFrame(rows)
