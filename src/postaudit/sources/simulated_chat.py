"""A SIMULATED Telegram group of the simulated executive, written as a Telegram Desktop export and a saved t.me page.

Everything here is SIMULATED. Many members write in a busy group with a daily rhythm; the executive writes a
few messages a day, and after each one members ask more questions and reply to them for a while (the
"AMA" effect, an assumption of this simulator with a known size, recorded in the ground truth). The files
are in the real shapes (result.json of Telegram Desktop, https://t.me/<name>), so the demo lands them through
the real importers. The claims the demo judges on them are written as a claims file (claims.simulated.toml).
"""

from __future__ import annotations

import json
import math
import os
import random
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from postaudit.sources.simulated import SIM_LABEL, Persona

EN_WORDS = ["listing", "withdrawal", "fees", "wallet", "support", "token", "launch", "deposit", "market", "volume",
            "app", "update", "ticket", "account", "team", "chart", "price", "rewards", "staking", "pair"]
DE_WORDS = ["Auszahlung", "Gebühren", "Wallet", "Support", "Konto", "Preis", "Update", "Einzahlung", "Handel"]
EN_QUESTIONS = ["when {w}?", "why is my {w} stuck?", "how do I get {w}?", "is {w} live yet?", "any news on {w}?",
                "what about {w} {w2}?", "can someone help with {w}?"]
DE_QUESTIONS = ["wann kommt {w}?", "warum dauert die {w} so lange?", "wie geht {w}?", "gibt es news zu {w}?"]
STATEMENTS = ["{w} {w2} looks good", "thanks team", "gm", "{w} done", "lol", "{w} {w2} {w3} again",
              "just did my {w}", "nice {w}", "same here", "ok"]


@dataclass(frozen=True)
class GroupPersona:
    """The simulated group and how its members behave; every number is an assumption of this simulator."""

    chat_id: int = 1700000042
    name: str = f"Simulated Exchange Community ({SIM_LABEL})"
    username: str = "simexchange_community_sim"
    count_members: int = 352_104           # what the group's page states
    count_online: int = 4_120
    active_senders: int = 6_000            # members who write at all
    messages_per_day: float = 1_500.0      # everyone else's messages on an average day
    executive_per_day: float = 4.0
    question_share: float = 0.15           # of members' messages that are questions
    german_share: float = 0.1
    ama_extra: float = 6.0                 # extra questions and replies to the executive after each of their messages
    ama_minutes: float = 12.0              # ... spread over this many minutes (exponential delays)
    days: int = 21


def _diurnal(local_hour: float) -> float:
    """Relative activity of an international group by local hour: a night lull, busy evenings."""
    return 0.35 + 0.65 * math.exp(-((local_hour - 20.0) ** 2) / 18) + 0.4 * math.exp(-((local_hour - 11.0) ** 2) / 8)


def _text(rng: random.Random, question: bool, german: bool) -> str:
    words = DE_WORDS if german else EN_WORDS
    pick = {k: rng.choice(words) for k in ("w", "w2", "w3")}
    if question:
        return rng.choice(DE_QUESTIONS if german else EN_QUESTIONS).format(**pick)
    return rng.choice(STATEMENTS).format(**pick)


def _message(mid: int, when: datetime, offset_h: float, sender: tuple[str, str], text: str, **extra) -> dict:
    """A message as Telegram Desktop writes it: `date` is the exporting machine's clock, date_unixtime the instant."""
    local = (when + timedelta(hours=offset_h)).replace(tzinfo=None, microsecond=0)
    msg = {"id": mid, "type": "message", "date": local.isoformat(), "date_unixtime": str(int(when.timestamp())),
           "from": sender[1], "from_id": sender[0], "text": text,
           "text_entities": [{"type": "plain", "text": text}]}
    msg.update(extra)
    return msg


def simulate_group(persona: Persona, start: date, group: GroupPersona | None = None, seed: int = 7) -> dict:
    """The group's export (a Telegram Desktop result.json as a dict) and its ground truth; deterministic for a seed."""
    g = group or GroupPersona()
    rng = random.Random(seed * 7919 + 13)
    offset = float(persona.utc_offset_hours)
    executive = (f"user{persona.user_id[-9:]}", f"{persona.name} ({SIM_LABEL})")
    members = [(f"user{7_000_000_000 + i}", f"Member {i} ({SIM_LABEL})") for i in range(g.active_senders)]
    # a few members write most messages (Zipf-like weights)
    cum, total = [], 0.0
    for i in range(g.active_senders):
        total += 1 / (i + 10)
        cum.append(total)
    events: list[tuple[datetime, str, dict]] = []
    t0 = datetime(start.year, start.month, start.day, tzinfo=UTC) - timedelta(hours=offset)
    peak = max(_diurnal(h / 4) for h in range(96))
    for d in range(g.days):
        day0 = t0 + timedelta(days=d)
        # members: an inhomogeneous Poisson process, drawn by thinning
        n = _poisson(rng, g.messages_per_day * peak / (sum(_diurnal(h / 4) for h in range(96)) / 96))
        for _ in range(n):
            h = rng.uniform(0, 24)
            if rng.random() < _diurnal(h) / peak:
                events.append((day0 + timedelta(hours=h), "member", {}))
        for _ in range(_poisson(rng, g.executive_per_day)):
            h = rng.uniform(persona.wake_hour + 1, min(persona.sleep_hour, 23.5))
            events.append((day0 + timedelta(hours=h), "executive", {}))
    events.sort(key=lambda e: e[0])
    messages, exec_ids, mid, truth = [], [], 0, []
    followers: list[tuple[datetime, int]] = []
    for when, who, _ in events:
        mid += 1
        if who == "executive":
            text = rng.choice(["Working on it, update soon", "Fees go down next week", "Thanks all, more tomorrow",
                               "Withdrawals are back to normal", "New listing policy is out, read it first"])
            messages.append(_message(mid, when, offset, executive, text))
            exec_ids.append(mid)
            extra = _poisson(rng, g.ama_extra)
            truth.append({"message_id": mid, "sent_at": when.isoformat(), "extra_addressed": extra})
            followers += [(when + timedelta(minutes=rng.expovariate(1 / (g.ama_minutes / 3))), mid)
                          for _ in range(extra)]
            continue
        german = rng.random() < g.german_share
        sender = rng.choices(members, cum_weights=cum)[0]
        messages.append(_message(mid, when, offset, sender, _text(rng, rng.random() < g.question_share, german)))
    # the AMA followers: questions and replies addressed to the executive, merged in time order
    for when, target in followers:
        sender = rng.choices(members, cum_weights=cum)[0]
        kind = rng.random()
        if kind < 0.5:
            text, extra = _text(rng, True, rng.random() < g.german_share), {"reply_to_message_id": target}
        elif kind < 0.8:
            text, extra = f"@{persona.handle} {_text(rng, True, False)}", {}
        else:
            text, extra = _text(rng, True, False), {}
        messages.append(_message(0, when, offset, sender, text, **extra))
    messages.sort(key=lambda m: (int(m["date_unixtime"]), m["id"] == 0, m["id"]))
    renumber = {}
    for i, m in enumerate(messages, start=1):
        if m["id"]:
            renumber[m["id"]] = i
        m["id"] = i
    for m in messages:
        if "reply_to_message_id" in m:
            m["reply_to_message_id"] = renumber[m["reply_to_message_id"]]
    for t in truth:
        t["message_id"] = renumber[t["message_id"]]
    service = {"id": 0, "type": "service", "date": (t0 + timedelta(hours=offset)).replace(tzinfo=None).isoformat(),
               "date_unixtime": str(int(t0.timestamp())), "actor": executive[1], "actor_id": executive[0],
               "action": "create_group", "title": g.name, "members": [], "text": ""}
    export = {"name": g.name, "type": "public_supergroup", "id": g.chat_id, "messages": [service, *messages]}
    return {"export": export, "executive_from_id": executive[0], "truth": truth, "group": g}


def _poisson(rng: random.Random, lam: float) -> int:
    """A Poisson draw: by inversion for small means, by its normal approximation for large ones (exp(-λ) underflows)."""
    if lam > 50:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    k, term, u = 0, math.exp(-lam), rng.random()
    total = term
    while u > total:
        k += 1
        term *= lam / k
        total += term
    return k


def tme_page(g: GroupPersona) -> str:
    """The group's public page as https://t.me/<name> serves it (the parts the importer reads)."""
    thin = "\u202f"

    def spaced(n: int) -> str:
        return f"{n:,}".replace(",", thin)

    return ("<!DOCTYPE html><html><head><meta charset=\"utf-8\">"
            f"<title>Telegram: Join Group Chat</title><meta property=\"og:title\" content=\"{g.name}\">"
            f"<meta property=\"og:url\" content=\"https://t.me/{g.username}\">"
            f"<meta property=\"og:description\" content=\"{SIM_LABEL} group for postaudit demos\"></head><body>"
            "<div class=\"tgme_page_wrap\"><div class=\"tgme_page\">"
            f"<div class=\"tgme_page_title\" dir=\"auto\"><span dir=\"auto\">{g.name}</span></div>"
            f"<div class=\"tgme_page_extra\">{spaced(g.count_members)} members, {spaced(g.count_online)} online</div>"
            f"<div class=\"tgme_page_description\" dir=\"auto\">{SIM_LABEL}: not a real group.</div>"
            "</div></div></body></html>\n")


def demo_claims(persona: Persona, g: GroupPersona, made: date) -> str:
    """The SIMULATED claims the demo judges on the group (a claims file)."""
    speaker = f"{persona.name} ({SIM_LABEL})"

    def claim(cid: str, text: str, **fields) -> str:
        lines = [f'id = "{cid}"', f'text = "{text}"', f'speaker = "{speaker}"', f"date = {made.isoformat()}",
                 "simulated = true"]
        lines += [f"{k} = {json.dumps(v) if isinstance(v, str) else v}" for k, v in fields.items()]
        return "[[claim]]\n" + "\n".join(lines) + "\n"

    return (f"# {SIM_LABEL} claims about the {SIM_LABEL} executive and group, written by postaudit's demo.\n\n"
            + claim("sim-telegram-members", "Our Telegram group has several hundred thousand members",
                    platform="telegram", metric="group_members", value_low=200000, value_high=900000,
                    unit="members", direction="about")
            + claim("sim-telegram-my-messages", "My messages stay on screen for about two seconds",
                    platform="telegram", metric="message_visibility", value=2, unit="seconds")
            + claim("sim-telegram-ama", "Whenever I speak in the group it becomes an AMA",
                    platform="telegram", metric="ama_effect")
            + claim("sim-x-posts-per-day", "I tweet about 15 times a day", platform="x", metric="posts_per_day",
                    value=15, unit="posts_per_day"))


def write_group_files(persona: Persona, start: date, out_dir: Path, made: date, seed: int = 7,
                      group: GroupPersona | None = None, days: int | None = None) -> dict[str, Path | str]:
    """Write the group as Telegram Desktop's result.json, its saved t.me page, the demo's claims and the truth.

    days: at most this many days of chat (the demo's posts may cover fewer than the group's default).
    """
    group = group or GroupPersona()
    if days is not None:
        group = replace(group, days=min(group.days, days))
    got = simulate_group(persona, start, group, seed)
    g = got["group"]
    folder = out_dir / "telegram_group"
    folder.mkdir(parents=True, exist_ok=True)
    export = folder / "result.json"
    export.write_text(json.dumps(got["export"], ensure_ascii=False, indent=1), encoding="utf-8")
    page = folder / "tme_page.html"
    page.write_text(tme_page(g), encoding="utf-8")
    claims = out_dir / "claims.simulated.toml"
    claims.write_text(demo_claims(persona, g, made), encoding="utf-8")
    # Telegram Desktop and a browser save these files at the end of the chat's period: their modification
    # time is what the importers take as when the export and the member count were seen.
    seen = datetime.fromtimestamp(int(got["export"]["messages"][-1]["date_unixtime"]), UTC) + timedelta(hours=1)
    for path in (export, page):
        os.utime(path, (seen.timestamp(), seen.timestamp()))
    truth = folder / "ground_truth.json"
    truth.write_text(json.dumps({"simulated": True, "count_members": g.count_members, "ama_extra": g.ama_extra,
                                 "ama_minutes": g.ama_minutes, "executive_messages": got["truth"]}, indent=1))
    return {"export": export, "page": page, "claims": claims, "truth": truth, "from_id": got["executive_from_id"]}
