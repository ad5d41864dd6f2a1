"""A seeded simulated executive and the press about them, written in real wire formats.

Everything here is SIMULATED. The simulator decides how much time the person really
spends on the platform (reading included, which posts cannot show) and records it as
ground truth, so estimators can be scored against it.
"""

from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

import duckdb
import polars as pl

from postaudit import warehouse
from postaudit.simulator.behaviour import Behaviour, SimExecutive
from postaudit.simulator.traces import TraceHabit, with_traces
from postaudit.sources.traces import summarize

SIM_LABEL = "SIMULATED"
TWITTER_EPOCH_MS = 1288834974657  # snowflake ids count milliseconds from here


@dataclass(frozen=True)
class Persona:
    """Who is simulated and how they behave; every number is an assumption of the simulator."""

    name: str = "Rowan Vale"
    handle: str = "rowanvale_sim"
    user_id: str = "900000000000000001"
    company: str = "Simulated Exchange"
    utc_offset_hours: int = 8            # lives in UTC+8
    wake_hour: float = 7.0               # local
    sleep_hour: float = 23.5             # local
    sessions_weekday: float = 14.0       # mean platform sessions per weekday
    sessions_weekend: float = 9.0
    session_median_min: float = 9.0      # lognormal session length
    session_sigma: float = 0.8
    p_session_posts: float = 0.55        # share of sessions with at least one post; the rest are reading only
    posts_per_active_session: float = 2.4
    kind_mix: tuple[tuple[str, float], ...] = (("original", 0.35), ("reply", 0.35), ("quote", 0.1), ("repost", 0.2))
    followers_start: int = 8_200_000
    follower_growth_per_day: float = 0.0012
    claimed_share_pct: float = 20.0      # what the simulated press quotes them as saying
    # likes in a third of sessions, a promoted post every ~7 minutes in half of them (simulator/traces.py)
    traces: TraceHabit = TraceHabit(like_sessions=0.35, likes_per_min=0.3, ad_sessions=0.5, ads_per_min=0.15)


@dataclass
class World:
    """What the simulator produced: ground-truth sessions, posts, and press articles."""

    persona: Persona
    start: date
    days: int
    sessions: list[dict] = field(default_factory=list)
    posts: list[dict] = field(default_factory=list)
    followers: dict[date, int] = field(default_factory=dict)
    articles: list[dict] = field(default_factory=list)
    traces: list[dict] = field(default_factory=list)   # likes and ad impressions inside the sessions


def simulate(seed: int = 7, days: int = 56, start: date = date(2025, 9, 1), persona: Persona | None = None) -> World:
    """Simulate one executive's platform use, posts and press coverage; deterministic for a seed."""
    if days < 1:
        raise ValueError("days must be at least 1")
    persona = persona or Persona()
    rng = random.Random(seed)
    world = World(persona=persona, start=start, days=days)
    tz = timedelta(hours=persona.utc_offset_hours)
    followers = float(persona.followers_start)
    seq = 0
    for d in range(days):
        day = start + timedelta(days=d)
        followers *= 1 + rng.gauss(persona.follower_growth_per_day, persona.follower_growth_per_day / 2)
        world.followers[day] = int(followers)
        weekend = day.weekday() >= 5
        n_sessions = _poisson(rng, persona.sessions_weekend if weekend else persona.sessions_weekday)
        local_midnight = datetime(day.year, day.month, day.day, tzinfo=UTC) - tz
        wake = persona.wake_hour + rng.gauss(0, 0.4)
        sleep = persona.sleep_hour + rng.gauss(0, 0.4)
        starts = sorted(_diurnal_hour(rng, wake, sleep) for _ in range(n_sessions))
        last_end = None
        for h in starts:
            begin = local_midnight + timedelta(hours=h)
            if last_end and begin < last_end:
                begin = last_end + timedelta(minutes=rng.uniform(2, 20))
            length = timedelta(minutes=rng.lognormvariate(math.log(persona.session_median_min), persona.session_sigma))
            end = begin + length
            last_end = end
            n_posts = 0
            if rng.random() < persona.p_session_posts:
                n_posts = 1 + _geometric(rng, persona.posts_per_active_session - 1)
                offsets = sorted(rng.uniform(0, length.total_seconds()) for _ in range(n_posts))
                for off in offsets:
                    created = begin + timedelta(seconds=off)
                    seq += 1
                    world.posts.append(_post(rng, persona, created, seq, followers))
            world.sessions.append({
                "session_start": begin.isoformat(), "session_end": end.isoformat(),
                "minutes": round(length.total_seconds() / 60, 3), "count_posts": n_posts,
                "platform": "x", "account_id": persona.user_id, "simulated": True,
            })
    world.articles = _press(rng, persona, start, days)
    world.traces = _traces(world, seed)
    return world


def _traces(world: World, seed: int) -> list[dict]:
    """The sessions' likes and ad impressions, drawn by simulator/traces.py (its own generator, so the posts and
    press of a seed stay as they were)."""
    p = world.persona
    if not p.traces.any or not world.sessions:
        return []
    s = pl.DataFrame(world.sessions)
    sessions = pl.DataFrame({"started_at": s["session_start"].str.to_datetime(time_zone="UTC"),
                             "ended_at": s["session_end"].str.to_datetime(time_zone="UTC"),
                             "count_posts": s["count_posts"]})
    exe = SimExecutive(Behaviour(), p.user_id, world.start, world.days, pl.DataFrame(), sessions)
    drawn = with_traces(exe, p.traces, seed).traces
    out = []
    for i, t in enumerate(drawn.iter_rows(named=True)):
        at: datetime = t["occurred_at"]
        # the liked or promoted post: an id of a post written an hour before (unique per trace: ids of traces
        # in the same second differ in their low bits)
        ms = int(at.timestamp() * 1000) - 3_600_000 - TWITTER_EPOCH_MS
        out.append({"platform": "x", "account_id": p.user_id, "kind": t["kind"],
                    "occurred_at": at.strftime("%Y-%m-%dT%H:%M:%SZ"), "target_id": str((ms << 22) | (i % 4096)),
                    "session": t["session"], "simulated": True})
    return out


# ---------------------------------------------------------------- behaviour

def _poisson(rng: random.Random, lam: float) -> int:
    # Knuth's method is fine for the small means used here.
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _geometric(rng: random.Random, mean: float) -> int:
    if mean <= 0:
        return 0
    p = 1 / (1 + mean)
    return int(math.log(1 - rng.random()) / math.log(1 - p))


def _diurnal_hour(rng: random.Random, wake: float, sleep: float) -> float:
    """A local hour between waking and sleep, peaking mid-morning and late evening."""
    while True:
        h = rng.uniform(wake, sleep)
        weight = 0.5 + 0.5 * math.exp(-((h - 9.5) ** 2) / 4) + 0.7 * math.exp(-((h - 21.0) ** 2) / 3)
        if rng.random() < weight / 1.7:
            return h


WORDS = ["market", "liquidity", "users", "security", "build", "listing", "fees", "launch", "team", "community", "compliance", "growth", "wallet", "support", "update", "thanks", "progress", "product", "volume", "research"]


def _post(rng: random.Random, persona: Persona, created: datetime, seq: int, followers: float) -> dict:
    kinds, weights = zip(*persona.kind_mix, strict=True)
    kind = rng.choices(kinds, weights)[0]
    ms = int(created.timestamp() * 1000) - TWITTER_EPOCH_MS
    post_id = str((ms << 22) | (seq % 4096))
    n_words = max(2, int(rng.lognormvariate(math.log(12), 0.7)))
    text = " ".join(rng.choice(WORDS) for _ in range(n_words)).capitalize() + "."
    if kind == "original" and rng.random() < 0.04:
        text = " ".join(rng.choice(WORDS) for _ in range(70)).capitalize() + "."  # a long post
    ref_id = str(((ms - 3_600_000) << 22) | 7)
    other_user = str(800000000000000000 + rng.randrange(10**6))
    # Heavy-tailed reach: impressions are a lognormal share of followers.
    reach = {"original": 0.02, "quote": 0.012, "reply": 0.002, "repost": 0.03}[kind]
    impressions = int(followers * reach * rng.lognormvariate(0, 1.1))
    likes = int(impressions * rng.betavariate(2, 120))
    post = {
        "id": post_id,
        "author_id": persona.user_id,
        "created_at": created.strftime("%Y-%m-%dT%H:%M:%S.") + f"{created.microsecond // 1000:03d}Z",
        "conversation_id": post_id,
        "lang": "en",
        "source": rng.choice(["Twitter for iPhone", "Twitter Web App"]),
        "edit_history_tweet_ids": [post_id],
        "text": text,
        "final_metrics": {
            "impression_count": impressions,
            "like_count": likes,
            "reply_count": int(likes * rng.uniform(0.02, 0.15)),
            "retweet_count": int(likes * rng.uniform(0.05, 0.25)),
            "quote_count": int(likes * rng.uniform(0.0, 0.04)),
            "bookmark_count": int(likes * rng.uniform(0.01, 0.08)),
        },
    }
    if kind == "repost":
        post["text"] = f"RT @someone_{other_user[-4:]}: {text}"[:140]
        post["referenced_tweets"] = [{"type": "retweeted", "id": ref_id}]
    elif kind == "reply":
        post["text"] = f"@someone_{other_user[-4:]} {text}"
        post["referenced_tweets"] = [{"type": "replied_to", "id": ref_id}]
        post["in_reply_to_user_id"] = other_user
        post["conversation_id"] = ref_id
    elif kind == "quote":
        post["referenced_tweets"] = [{"type": "quoted", "id": ref_id}]
    if len(post["text"]) > 280:
        post["note_tweet"] = {"text": post["text"]}
        post["text"] = post["text"][:277] + "…"
    return post


# ---------------------------------------------------------------- X API v2 pages (twarc2 JSONL layout)

def _metrics_at(final: dict, age: timedelta) -> dict:
    """Counts as seen `age` after posting: impressions saturate with an ~80 min half-life (Pfeffer et al. 2023)."""
    frac = 1 - 0.5 ** (max(age.total_seconds(), 0) / 60 / 80)
    return {k: int(v * frac) for k, v in final.items()}


def x_pages(world: World, refresh_after_days: int = 2) -> list[dict]:
    """Timeline pages as a collector polling daily at 23:00 UTC would have stored them, plus a metrics refresh."""
    p = world.persona
    pages = []
    by_day: dict[date, list[dict]] = {}
    for post in world.posts:
        created = _parse(post["created_at"])
        poll = datetime(created.year, created.month, created.day, 23, tzinfo=UTC)
        if created >= poll:
            poll += timedelta(days=1)
        by_day.setdefault(poll.date(), []).append(post)
    for poll_day in sorted(by_day):
        for lag in (0, refresh_after_days):
            retrieved = datetime(poll_day.year, poll_day.month, poll_day.day, 23, tzinfo=UTC) + timedelta(days=lag)
            posts = sorted(by_day[poll_day], key=lambda q: q["created_at"], reverse=True)
            for i in range(0, len(posts), 100):  # the API serves at most 100 posts a page
                chunk = posts[i:i + 100]
                followers = world.followers.get(min(retrieved.date(), world.start + timedelta(days=world.days - 1)),
                                                p.followers_start)
                pages.append(_page(p, chunk, retrieved, followers))
    return pages


def _page(p: Persona, chunk: list[dict], retrieved: datetime, followers: int) -> dict:
    data = []
    for post in chunk:
        out = {k: v for k, v in post.items() if k != "final_metrics"}
        out["public_metrics"] = _metrics_at(post["final_metrics"], retrieved - _parse(post["created_at"]))
        data.append(out)
    user = {
        "id": p.user_id, "username": p.handle, "name": f"{p.name} ({SIM_LABEL})",
        "created_at": "2017-06-01T00:00:00.000Z",
        "description": f"{SIM_LABEL} executive for postaudit demos. Not a real person.",
        "public_metrics": {"followers_count": followers, "following_count": 210,
                           "tweet_count": 21000, "listed_count": 9100},
    }
    return {
        "data": data,
        "includes": {"users": [user]},
        "meta": {"result_count": len(data), "newest_id": data[0]["id"], "oldest_id": data[-1]["id"]},
        "__twarc": {"url": f"https://api.twitter.com/2/users/{p.user_id}/tweets?max_results=100",
                    "version": f"postaudit-simulator ({SIM_LABEL})",
                    "retrieved_at": retrieved.isoformat().replace("+00:00", "Z")},
    }


def _parse(ts: str) -> datetime:
    return datetime.fromisoformat(ts.replace("Z", "+00:00"))


# ---------------------------------------------------------------- press (RSS 2.0)

OUTLETS = {
    "globalbusinessdaily.example": ("Global Business Daily", "en", "original"),
    "finanzblatt.example": ("Finanzblatt", "de", "original"),
    "cryptowire.example": ("CryptoWire", "en", "original"),
    "newsmirror-hub.example": ("NewsMirror Hub", "en", "scraper"),
    "coinfeed-aggregator.example": ("CoinFeed Aggregator", "en", "scraper"),
}

INTERVIEW_EN = (
    "In a long interview, {name}, chief executive of {company}, described a day run from a phone. "
    '"I spend about {pct}% of my time on Twitter," {last} said, adding that the rest goes to meetings and travel. '
    "{last} said the company's Telegram group moves so fast that a message stays on screen for about two seconds. "
    "The company now employs more than 1,000 people, {last} said. "
    "Asked about regulators, {last} said the firm talks to them every week."
)
INTERVIEW_DE = (
    "In einem ausführlichen Interview beschrieb {name}, Chef von {company}, einen Arbeitstag am Telefon. "
    "„Ich verbringe etwa {pct} Prozent meiner Zeit auf Twitter“, sagte {last}. "
    "Die Telegram-Gruppe des Unternehmens sei so schnell, dass eine Nachricht nur etwa zwei Sekunden sichtbar bleibe. "
    "Das Unternehmen beschäftige inzwischen mehr als 1.000 Mitarbeiter, sagte {last}. "
    "Mit Aufsichtsbehörden spreche die Firma jede Woche, sagte {last}."
)
OTHER_STORIES = (
    "{company} announced a new listing policy on {day}; {name} said fees would fall for small traders.",
    "{name} of {company} appeared at a conference panel on market structure and answered questions about custody.",
    "{company} said its quarterly trading volume rose; {name} thanked the community on social media.",
    "Regulators asked {company} for more documents, and {name} said the firm would comply fully.",
    "{name} wrote on X that {company} would open an office in a new city next year.",
)
SCRAPER_HEAD = "[ad_1]\n"
SCRAPER_FOOT = ("\n[ad_2]\nThis post is a public RSS feed. You can find the original post at {url}\n"
                "Share this: Facebook Twitter LinkedIn WhatsApp")


def _press(rng: random.Random, p: Persona, start: date, days: int) -> list[dict]:
    last = p.name.split()[-1]
    fmt = {"name": p.name, "last": last, "company": p.company, "pct": int(p.claimed_share_pct)}
    articles = []

    def add(outlet: str, slug: str, title: str, body: str, when: datetime, author: str) -> dict:
        art = {"outlet_domain": outlet, "outlet": OUTLETS[outlet][0], "language": OUTLETS[outlet][1],
               # the handle keeps URLs apart when many simulated executives share outlets and dates
               "url": f"https://{outlet}/{when:%Y/%m/%d}/{p.handle}-{slug}", "title": title, "body": body,
               "published": when, "author": author}
        articles.append(art)
        return art

    base = datetime(start.year, start.month, start.day, 8, tzinfo=UTC)
    interview_at = base + timedelta(days=min(10, days - 1), hours=3)
    orig = add("globalbusinessdaily.example", "rowan-vale-interview",
               f"{p.company} chief {p.name}: 'My office is my phone'", INTERVIEW_EN.format(**fmt),
               interview_at, "Dana Fox")
    add("finanzblatt.example", "interview-rowan-vale", f"{p.company}-Chef {p.name}: „Mein Büro ist mein Telefon“",
        INTERVIEW_DE.format(**fmt), interview_at + timedelta(hours=20), "Jonas Weber")
    for i, outlet in enumerate(("newsmirror-hub.example", "coinfeed-aggregator.example")):
        add(outlet, f"copy-{i}-rowan-vale-interview", orig["title"],
            SCRAPER_HEAD + orig["body"] + SCRAPER_FOOT.format(url=orig["url"]),
            interview_at + timedelta(hours=2 + 5 * i), "admin")
    for k in range(max(0, days // 7)):
        tmpl = OTHER_STORIES[k % len(OTHER_STORIES)]
        when = base + timedelta(days=rng.randrange(days), hours=rng.randrange(10))
        body = tmpl.format(day=f"{when:%d %B}", **fmt) + " " + " ".join(rng.choice(WORDS) for _ in range(40)) + "."
        story = add("cryptowire.example", f"story-{k}", f"{p.company}: {tmpl.split(';')[0].format(day='', **fmt)[:70]}",
                    body, when, "Lee Park")
        if rng.random() < 0.5:
            add("newsmirror-hub.example", f"story-{k}-copy", story["title"],
                SCRAPER_HEAD + body + SCRAPER_FOOT.format(url=story["url"]), when + timedelta(hours=3), "admin")
    return sorted(articles, key=lambda a: a["published"])


def rss_feeds(world: World) -> dict[str, str]:
    """One RSS 2.0 document per outlet, keyed by the outlet's domain."""
    feeds: dict[str, list[dict]] = {}
    for art in world.articles:
        feeds.setdefault(art["outlet_domain"], []).append(art)
    out = {}
    for domain, arts in feeds.items():
        name, lang, _ = OUTLETS[domain]
        items = "".join(
            "<item>"
            f"<title>{escape(a['title'])}</title><link>{escape(a['url'])}</link>"
            f"<guid isPermaLink=\"true\">{escape(a['url'])}</guid>"
            f"<pubDate>{format_datetime(a['published'])}</pubDate>"
            f"<dc:creator>{escape(a['author'])}</dc:creator>"
            f"<description>{escape(a['body'][:200])}</description>"
            f"<content:encoded><![CDATA[<p>{'</p><p>'.join(escape(x) for x in a['body'].split(chr(10)))}</p>]]></content:encoded>"
            "</item>"
            for a in arts
        )
        out[domain] = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
            f"<title>{escape(name)} ({SIM_LABEL})</title><link>https://{domain}/</link>"
            f"<description>{SIM_LABEL} press feed for postaudit demos</description><language>{lang}</language>"
            f"{items}</channel></rss>\n"
        )
    return out


# ---------------------------------------------------------------- files

def write_files(world: World, out_dir: Path) -> dict[str, Path | list[Path]]:
    """Write the world as wire-format files: timeline JSONL, one RSS file per outlet, ground truth and traces JSONL."""
    out_dir.mkdir(parents=True, exist_ok=True)
    timeline = out_dir / "x_timeline.jsonl"
    timeline.write_text("".join(json.dumps(page, ensure_ascii=False) + "\n" for page in x_pages(world)))
    press_dir = out_dir / "press"
    press_dir.mkdir(exist_ok=True)
    feeds = []
    for domain, xml in rss_feeds(world).items():
        path = press_dir / f"{domain}.xml"
        path.write_text(xml, encoding="utf-8")
        feeds.append(path)
    truth = out_dir / "ground_truth.jsonl"
    truth.write_text("".join(json.dumps(s) + "\n" for s in world.sessions))
    traces = out_dir / "traces.jsonl"
    traces.write_text("".join(json.dumps(t) + "\n" for t in world.traces))
    (out_dir / "README.txt").write_text(
        f"Everything in this folder is {SIM_LABEL} data generated by postaudit's simulator. "
        f"'{world.persona.name}' is not a real person.\n")
    return {"timeline": timeline, "feeds": sorted(feeds), "ground_truth": truth, "traces": traces}


def land_traces(con: duckdb.DuckDBPyConnection, path: str | Path, flow_run_id: str | None = None) -> dict:
    """Land a traces.jsonl into raw_sim_traces in one transaction (all or nothing, twice adds nothing); returns
    the new records and the traces by kind as stg_sim_traces reads them (what it leaves out: rejected_records)."""
    prov = warehouse.Provenance("simulated", str(path), flow_run_id=flow_run_id, is_simulated=True)
    records = [warehouse.RawRecord(payload=line) for line in Path(path).read_text().splitlines() if line]
    warehouse.ensure_raw(con)
    with warehouse.transaction(con):
        writer = warehouse.RawWriter(con, "raw_sim_traces", prov)
        for rec in records:
            writer.add(rec)
        added = writer.close()
        found = summarize(con, "simulated", [r.record_id(prov.source) for r in records], file=str(path))
    return {"new_records": added, **found}


# ---------------------------------------------------------------- frames for the metrics

KINDS = {"retweeted": "repost", "replied_to": "reply", "quoted": "quote"}


def world_posts(world: World) -> pl.DataFrame:
    """The simulated posts as a posts frame (platform, account_id, created_at, kind, text)."""
    rows = []
    for p in world.posts:
        refs = p.get("referenced_tweets") or []
        kind = KINDS.get(refs[0]["type"], "original") if refs else "original"
        rows.append({"platform": "x", "account_id": p["author_id"], "post_id": p["id"],
                     "created_at": datetime.fromisoformat(p["created_at"].replace("Z", "+00:00")), "kind": kind,
                     "text": (p.get("note_tweet") or {}).get("text") or p["text"]})
    schema = {"platform": pl.Utf8, "account_id": pl.Utf8, "post_id": pl.Utf8,
              "created_at": pl.Datetime("us", "UTC"), "kind": pl.Utf8, "text": pl.Utf8}
    return pl.DataFrame(rows, schema=schema)


def true_shares(world: World, first: date, last: date, weekly_hours: float) -> dict:
    """The simulator's true minutes (all sessions and posting sessions only) over a window, as shares."""
    from postaudit.metrics.timeshare import baseline_minutes

    t = pl.DataFrame(world.sessions).with_columns(
        day=pl.col("session_start").str.to_datetime(time_zone="UTC").dt.date()
    ).filter(pl.col("day").is_between(first, last))
    days = pl.Series(pl.date_range(first, last, "1d", eager=True))
    base = float(baseline_minutes(days, weekly_hours).sum())
    observable = float(t.filter(pl.col("count_posts") > 0)["minutes"].sum())
    return {"true_share_observable": observable / base, "true_share_total": float(t["minutes"].sum()) / base}
