"""Claim cards: one card per distinct claim with who said it, where, the verdict and the numbers behind it."""

from __future__ import annotations

import duckdb
import polars as pl

from postaudit.dashboards.figures import esc, link, missing
from postaudit.verdict_rules import fmt
from postaudit.warehouse import query_pl, table_exists


def claim_cards(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """One row per distinct claim (copies of one story's claim counted once) with its verdict and sources.

    Claims from a claims file have no article: their outlet is "claims file", their link the file's source_url.
    """
    if missing(con, "claims", "claim_verdicts"):
        return pl.DataFrame()
    articles = ("press_articles" if table_exists(con, "press_articles") else
                "(select null::varchar as article_id, null::varchar as url, null::varchar as outlet, "
                "null::timestamptz as published_at)")
    when = "coalesce(a.published_at, c.published_at)"
    url = "coalesce(a.url, c.source_url)"
    outlet = "case when c.article_id is null then 'claims file' else a.outlet end"
    return query_pl(con, f"""
        select c.metric as kind, c.platform, c.value, c.unit,
               any_value(c.speaker) filter (where c.speaker is not null) as speaker,
               arg_min(c.sentence, {when}) as sentence, any_value(v.verdict) as verdict,
               any_value(v.verdict_text) as verdict_text, any_value(v.reason) as reason,
               any_value(v.estimate) as estimate, any_value(v.estimate_low) as estimate_low,
               any_value(v.estimate_high) as estimate_high, any_value(v.floor) as floor,
               any_value(v.baseline) as baseline, any_value(v.r_star) as r_star,
               min({when}) as first_published_at,
               list(distinct {{'url': {url}, 'outlet': {outlet}}}) filter (where {url} is not null) as sources,
               list(distinct {outlet} order by {outlet}) filter (where {outlet} is not null) as outlets
        from claims c
        join claim_verdicts v using (claim_id)
        left join {articles} a using (article_id)
        group by c.story_id, c.metric, c.platform, c.value, c.unit
        order by case when c.metric like 'time%' then 0 else 1 end, c.metric, min({when})
        limit 30""")


def _verdict_class(verdict: str) -> str:
    if verdict in ("consistent", "supported", "supported_by_posts", "partly_supported"):
        return "supported"
    if verdict == "contradicted":
        return "contra"
    if verdict in ("probably_understated", "probably_overstated", "needs_unseen_reading", "not_shown", "inconclusive"):
        return "nc"
    return "nt"


def _interval(c: dict) -> str:
    if c.get("estimate_low") is None or c.get("estimate_high") is None:
        return ""
    return f"(95% {esc(fmt(c['estimate_low']))}–{esc(fmt(c['estimate_high']))})"


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
                       f"{_interval(c)}</div>")
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
