"""Verdict cards: one per story claim, the verdict first, then the claim, who said it where, and the evidence.

A card shows the plain phrase, the sentence, speaker, outlets and languages of its copies, a number line in the
claim's unit, the figures in words, the reading ratio r* in words, and (one click away) the reason, the
assumptions, what is missing and every copy. Claims the data cannot speak to go in a compact list saying what
would make them testable. Claims from a claims file have no article: their outlet is "claims file".
"""

from __future__ import annotations

import json
from collections import Counter

import duckdb

from postaudit.dashboards.evidence import TONE, claim_words, evidence, headline, severity
from postaudit.dashboards.figures import esc, link, missing
from postaudit.dashboards.numberline import numberline_html
from postaudit.dashboards.zone import UTC_ZONE, Zone
from postaudit.marts import MARTS
from postaudit.verdict_rules import fmt
from postaudit.warehouse import query_pl, table_exists

MAX_CARDS = 30
MAX_OUTLETS_SHOWN = 3
CLAIM_FIELDS = ("story_id", "article_id", "value", "value_low", "value_high", "speaker", "self_report", "sentence",
                "language", "published_at", "count_copies", "source_url")


def _declared(con: duckdb.DuckDBPyConnection, mart: str, alias: str, names: tuple[str, ...] | list[str]) -> str:
    """A select list of a mart's declared columns in their declared kinds; a column an older warehouse lacks
    reads as NULL."""
    have = {r[0] for r in con.execute("select column_name from duckdb_columns() where table_name = ?",
                                      [mart]).fetchall()}
    types = {"text": "varchar", "int": "bigint", "float": "double", "bool": "boolean", "date": "date",
             "timestamp": "timestamptz", "list": "varchar[]", "json": "varchar"}
    kinds = MARTS[mart].columns
    return ", ".join(f'cast({alias}."{n}" as {types[kinds[n]]}) as "{n}"' if n in have else
                     f'null::{types[kinds[n]]} as "{n}"' for n in names)


def _copies(con: duckdb.DuckDBPyConnection) -> str:
    """One row per claim: its copies (url, outlet, language, date, sentence), outlets and languages."""
    if table_exists(con, "claim_copies"):
        return """select claim_id,
                      list({'url': url, 'outlet': outlet, 'language': language, 'published_at': published_at,
                            'sentence': sentence} order by published_at nulls last, url) as copies,
                      list(distinct outlet order by outlet) filter (where outlet is not null) as outlets,
                      list(distinct language order by language) filter (where language is not null) as languages
               from claim_copies group by claim_id"""
    if table_exists(con, "press_articles"):   # a warehouse built before claim_copies: the claim's own article
        return """select c.claim_id,
                      [{'url': a.url, 'outlet': a.outlet, 'language': a.language, 'published_at': a.published_at,
                        'sentence': c.sentence}] as copies,
                      [a.outlet] as outlets, list_filter([a.language], lambda x: x is not null) as languages
               from claims c join press_articles a using (article_id)"""
    return ("select null::varchar as claim_id, null::struct(url varchar, outlet varchar, language varchar, "
            "published_at timestamptz, sentence varchar)[] as copies, null::varchar[] as outlets, "
            "null::varchar[] as languages where false")


def claim_rows(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Every claim with its verdict row and copies, contradictions first; [] when there are no verdicts yet."""
    if missing(con, "claims", "claim_verdicts"):
        return []
    verdict_cols = list(MARTS["claim_verdicts"].columns)
    claim_cols = [c for c in CLAIM_FIELDS if c not in verdict_cols]
    df = query_pl(con, f"""
        with k as ({_copies(con)})
        select {_declared(con, "claim_verdicts", "v", verdict_cols)}, {_declared(con, "claims", "c", claim_cols)},
               k.copies, k.outlets, k.languages
        from claims c join claim_verdicts v using (claim_id) left join k using (claim_id)""")
    rows = df.to_dicts()
    for r in rows:
        if r["article_id"] is None and not r["copies"]:
            origin = (r.get("origin") or "").removeprefix("file:")
            r["outlets"] = ["claims file"]
            r["copies"] = [{"url": r["source_url"], "outlet": "claims file" + (f" ({origin})" if origin else ""),
                            "language": r["language"], "published_at": r["published_at"], "sentence": r["sentence"]}]
            r["languages"] = [r["language"]] if r["language"] else []
    rows.sort(key=_order)
    return rows


def _order(r: dict) -> tuple:
    """Contradictions first, time claims first among equals, then the earliest."""
    when = r["published_at"]
    return (severity(r["verdict"]), not (r["metric"] or "").startswith("time"), when is None,
            when.timestamp() if when else 0.0, r["claim_id"])


def claimed_shares(rows: list[dict]) -> list[float]:
    """The distinct claimed time shares in percent (drawn as lines on the weekly time-share chart)."""
    return sorted({float(r["claimed_value"]) for r in rows
                   if r["metric"] == "time_share" and r["unit"] == "percent" and r["claimed_value"] is not None})


# ---------------------------------------------------------------- HTML

def who(r: dict, zone: Zone) -> str:
    """'Rowan Vale · Global Business Daily, NewsMirror Hub +2 more · en, de · 11 Sep 2025 · 4 copies' (unescaped)."""
    outlets = [o for o in (r["outlets"] or []) if o]
    shown = ", ".join(outlets[:MAX_OUTLETS_SHOWN]) + (f" +{len(outlets) - MAX_OUTLETS_SHOWN} more"
                                                       if len(outlets) > MAX_OUTLETS_SHOWN else "")
    parts = [r["speaker"] or "unattributed", shown or "unknown outlet"]
    if r["languages"]:
        parts.append(", ".join(r["languages"]))
    if r["published_at"] is not None:
        parts.append(f"{zone.day(r['published_at']):%d %b %Y}")
    n = len(r["copies"] or [])
    if n > 1:
        parts.append(f"{n} copies")
    return " · ".join(parts)


def subject(r: dict) -> str:
    """'time share on x', 'headcount'."""
    what = (r["metric"] or "claim").replace("_", " ")
    where = {None: "", "all": " on all their platforms"}.get(r["platform"], f" on {r['platform']}")
    return f"{what}{where}"


def _value(v: object) -> str:
    if isinstance(v, dict):
        return "; ".join(f"{k.replace('_', ' ')}: {_value(x)}" for k, x in v.items() if x is not None)
    if isinstance(v, list):
        return ", ".join(_value(x) for x in v)
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return fmt(v)
    return str(v)


def assumptions(r: dict, brief: bool = False) -> list[tuple[str, str]]:
    """The assumptions JSON and the row's context (window, zone, baseline, method, what is missing), unescaped;
    brief: the row's context only (window, zone, baseline, scheduled posts), for the one-page summary."""
    items: list[tuple[str, str]] = []
    if r.get("window_start") is not None:
        items.append(("window", f"{r['window_start']} to {r['window_end']} ({(r.get('window_basis') or '').replace('_', ' ')})"))
    if r.get("timezone"):
        items.append(("time zone", f"{r['timezone']} ({r.get('timezone_source') or 'unknown source'})"))
    if r.get("baseline"):
        items.append(("deciding baseline", f"{r['baseline']} hours"))
    if r.get("count_scheduled_excluded"):
        items.append(("scheduled posts left out", str(r["count_scheduled_excluded"])))
    if brief:
        return items
    if r.get("method"):
        items.append(("method", r["method"]))
    try:
        extra = json.loads(r.get("assumptions") or "{}")
    except (TypeError, ValueError):
        extra = {"assumptions": r.get("assumptions")}
    for k, v in (extra or {}).items():
        if k not in ("window",) and v is not None:
            items.append((k.replace("_", " "), _value(v)))
    if r.get("missing"):
        items.append(("missing from the data", r["missing"]))
    return items


def _dl(items: list[tuple[str, str]]) -> str:
    return "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in items)


def _copies_html(r: dict, zone: Zone) -> str:
    out = []
    simulated = bool(r.get("is_simulated"))
    for c in r["copies"] or []:
        when = f", {zone.day(c['published_at']):%d %b %Y}" if c.get("published_at") else ""
        lang = f", {c['language']}" if c.get("language") else ""
        label = c.get("outlet") or c.get("url") or "copy"
        quote = f": “{esc(c['sentence'])}”" if c.get("sentence") and c["sentence"] != r["sentence"] else ""
        out.append(f"<li>{link(c.get('url'), label, simulated=simulated)}{esc(lang)}{esc(when)}{quote}</li>")
    return f'<ul class="copies">{"".join(out)}</ul>' if out else ""


def card_html(r: dict, zone: Zone = UTC_ZONE) -> str:
    """One verdict card; every text from data escaped."""
    head, more = headline(r["verdict_text"])
    ev = evidence(r)
    facts = [("Claim", ev.claim), *ev.facts]
    dl = _dl(facts)
    reading = f'<p class="reading">{esc(ev.reading)}</p>' if ev.reading else ""
    no_numbers = "" if ev.drawable or ev.facts else f'<p class="because">{esc(r["reason"])}</p>'
    return (f'<article class="card v-{TONE.get(r["verdict"], "nt")}" data-verdict="{esc(r["verdict"])}">'
            f'<div class="vh"><span class="badge">{esc(head)}</span>'
            + (f'<span class="vq">{esc(more)}</span>' if more else "") + "</div>"
            f'<div class="subject">{esc(subject(r))}</div>'
            f'<blockquote class="q">{esc(r["sentence"])}</blockquote>'
            f'<div class="who">{esc(who(r, zone))}</div>'
            f'{numberline_html(ev, None if r["metric"] == "ama_effect" else r["unit"])}'
            f'<dl class="facts">{dl}</dl>{reading}{no_numbers}'
            '<details><summary>Why, assumptions and sources</summary>'
            f'<p class="reason">{esc(r["reason"])}</p><dl class="assume">{_dl(assumptions(r))}</dl>'
            f"{_copies_html(r, zone)}</details></article>")


def untestable_html(rows: list[dict], zone: Zone = UTC_ZONE) -> str:
    """The claims the data cannot speak to, one line each, with what would make them testable."""
    items = []
    for r in rows:
        _, more = headline(r["verdict_text"])
        items.append(f'<li><span class="nt-what">{esc(claim_words(r))}</span> '
                     f'<span class="nt-kind">({esc(subject(r))}{": " + esc(more) if more else ""})</span> '
                     f'<q>{esc(r["sentence"])}</q> <span class="who">{esc(who(r, zone))}</span>'
                     f'<div class="nt-why">Why not, and what would make it testable: {esc(r["reason"])}</div></li>')
    return f'<ul class="nt-list">{"".join(items)}</ul>'


def tally(rows: list[dict]) -> str:
    """'7 claims: 2 contradicted · 3 consistent · …' in the order of severity."""
    counts = Counter(headline(r["verdict_text"])[0].lower() for r in rows)
    order = sorted(counts, key=lambda h: min(severity(r["verdict"]) for r in rows
                                             if headline(r["verdict_text"])[0].lower() == h))
    return f"{len(rows)} claim{'s' if len(rows) != 1 else ''}: " + " · ".join(f"{counts[h]} {h}" for h in order)


def cards_html(rows: list[dict], zone: Zone = UTC_ZONE) -> str:
    """The claims block: a tally, the cards of testable claims, the list of untestable ones."""
    if not rows:
        return ""
    testable = [r for r in rows if r["verdict"] != "not_testable"][:MAX_CARDS]
    untestable = [r for r in rows if r["verdict"] == "not_testable"]
    out = [f'<p class="tally">{esc(tally(rows))}</p>']
    if testable:
        out.append(f'<div class="cards">{"".join(card_html(r, zone) for r in testable)}</div>')
    if untestable:
        out.append(f'<h3 class="nt-head">Not testable with this data ({len(untestable)})</h3>'
                   + untestable_html(untestable, zone))
    return "".join(out)
