"""Claim cards: one card per distinct claim with who said it, where, the verdict and the numbers behind it."""

from __future__ import annotations

import duckdb
import polars as pl

from dashboards.figures import esc, link, missing
from postaudit.verdict_rules import fmt
from postaudit.warehouse import query_pl


def claim_cards(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """One row per distinct claim (copies of one story's claim counted once) with its verdict and sources."""
    if missing(con, "claims", "claim_verdicts", "press_articles"):
        return pl.DataFrame()
    return query_pl(con, """
        select c.metric as kind, c.platform, c.value, c.unit,
               any_value(c.speaker) filter (where c.speaker is not null) as speaker,
               arg_min(c.sentence, a.published_at) as sentence, any_value(v.verdict) as verdict,
               any_value(v.verdict_text) as verdict_text, any_value(v.reason) as reason,
               any_value(v.estimate) as estimate, any_value(v.estimate_low) as estimate_low,
               any_value(v.estimate_high) as estimate_high, any_value(v.floor) as floor,
               any_value(v.baseline) as baseline, any_value(v.r_star) as r_star,
               coalesce(min(a.published_at), min(c.published_at)) as first_published_at,
               list(distinct {'url': coalesce(a.url, c.source_url), 'outlet': coalesce(a.outlet, c.origin)})
                   filter (where coalesce(a.url, c.source_url) is not null) as sources,
               list(distinct coalesce(a.outlet, c.origin) order by coalesce(a.outlet, c.origin)) as outlets
        from claims c
        join claim_verdicts v using (claim_id)
        left join press_articles a using (article_id)
        group by c.story_id, c.metric, c.platform, c.value, c.unit
        order by case when c.metric like 'time%' then 0 else 1 end, c.metric, min(a.published_at)
        limit 30""")


def _verdict_class(verdict: str) -> str:
    if verdict in ("consistent", "supported", "supported_by_posts", "partly_supported"):
        return "supported"
    if verdict == "contradicted":
        return "contra"
    if verdict in ("probably_understated", "probably_overstated", "needs_unseen_reading", "not_shown", "inconclusive"):
        return "nc"
    return "nt"


def claimed_shares(cards: pl.DataFrame) -> list[float]:
    """The distinct claimed time shares in percent (drawn as lines on the time-share charts)."""
    if not cards.height:
        return []
    shares = cards.filter((pl.col("kind") == "time_share") & (pl.col("unit") == "percent"))["value"]
    return sorted({float(v) for v in shares.drop_nulls().to_list()})


def cards_html(cards: pl.DataFrame) -> str:
    """The cards as HTML, every text field escaped."""
    out = []
    for c in cards.iter_rows(named=True):
        figures = ""
        if c["estimate"] is not None:
            unit = (c["unit"] or "").replace("_", " ")
            base = f" of {c['baseline']} hours" if c.get("baseline") else ""
            floor = "" if c.get("floor") is None else f", floor {fmt(c['floor'])}"
            figures = (f"<div class=\"num\">Measured <b>{esc(fmt(c['estimate']))} {esc(unit)}</b>{esc(base)}{esc(floor)} "
                       f"(95% {esc(fmt(c['estimate_low']))}–{esc(fmt(c['estimate_high']))})</div>")
            if c.get("r_star") is not None:
                figures += (f"<div class=\"num\">Needs r* = {c['r_star']:.1f} minutes of reading without posting "
                            "per minute of posting sessions</div>")
        sources = sorted(c["sources"] or [], key=lambda s: s["url"])[:8]
        links = " · ".join(link(s["url"], s["outlet"] or s["url"]) for s in sources)
        where = ", ".join(c["outlets"] or []) or "unknown outlet"
        when = f", first {c['first_published_at']:%d %b %Y}" if c["first_published_at"] else ""
        value = "?" if c["value"] is None else f"{c['value']:g}"
        out.append(
            f'<div class="card"><div class="h"><b>{esc(value)} {esc(c["unit"])}</b> · '
            f'{esc(c["kind"]).replace("_", " ")} · {esc(c["platform"] or "no platform named")}</div>'
            f'<div class="q">{esc(c["sentence"])}</div>'
            f'<small>Said by {esc(c["speaker"] or "unattributed")} · in {esc(where)}{esc(when)}</small>'
            f'<div class="v {_verdict_class(c["verdict"] or "")}">{esc(c["verdict_text"])}</div>'
            f'<div>{esc(c["reason"])}</div>{figures}<small>Sources: {links or "none"}</small></div>')
    return "".join(out)
