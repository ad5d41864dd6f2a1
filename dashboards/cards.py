"""Claim cards: one card per distinct claim with who said it, where, the verdict and the numbers behind it."""

from __future__ import annotations

import duckdb
import polars as pl

from postaudit.claims import tipping_text
from postaudit.dashboards.figures import esc, link, missing
from postaudit.marts import MARTS
from postaudit.warehouse import query_pl, table_exists


def claim_cards(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """One row per distinct claim (copies of one story's claim counted once) with its verdict and sources.

    Claims from a claims file have no article: their outlet is "claims file", their link the file's source_url.
    Columns come from the mart declarations (postaudit.marts); a column a declaration lacks reads as NULL.
    """
    if missing(con, "claims", "claim_verdicts"):
        return pl.DataFrame()
    c, v = MARTS["claims"].columns, MARTS["claim_verdicts"].columns

    def pick(cols: dict, alias: str, *names: str) -> str:
        return next((f"{alias}.{n}" for n in names if n in cols), "null")

    kind = pick(c, "c", "kind", "metric")
    articles = ("press_articles" if table_exists(con, "press_articles") else
                "(select null::varchar as article_id, null::varchar as url, null::varchar as outlet, "
                "null::timestamptz as published_at)")
    when = f"coalesce(a.published_at, {pick(c, 'c', 'published_at')})"
    url = f"coalesce(a.url, {pick(c, 'c', 'source_url')})"
    outlet = f"case when {pick(c, 'c', 'article_id')} is null then 'claims file' else a.outlet end"
    return query_pl(con, f"""
        select {kind} as kind, c.platform, c.value, c.unit,
               any_value(c.speaker) filter (where c.speaker is not null) as speaker,
               arg_min(c.sentence, {when}) as sentence, any_value({pick(v, 'v', 'verdict_text', 'verdict')}) as verdict,
               any_value({pick(v, 'v', 'reason')}) as reason, any_value({pick(v, 'v', 'estimate')}) as estimate,
               any_value({pick(v, 'v', 'ci_low', 'estimate_low')}) as ci_low,
               any_value({pick(v, 'v', 'ci_high', 'estimate_high')}) as ci_high,
               any_value({pick(v, 'v', 'tipping_point')}) as tipping_point,
               any_value({pick(v, 'v', 'estimate_floor', 'floor')}) as estimate_floor,
               min({when}) as first_published_at,
               list(distinct {{'url': {url}, 'outlet': {outlet}}}) filter (where {url} is not null) as sources,
               list(distinct {outlet} order by {outlet}) filter (where {outlet} is not null) as outlets
        from claims c
        join claim_verdicts v using (claim_id)
        left join {articles} a using (article_id)
        group by c.story_id, {kind}, c.platform, c.value, c.unit
        order by case when {kind} like 'time%' then 0 else 1 end, {kind}, min({when})
        limit 30""")


def _verdict_class(verdict: str) -> str:
    if verdict.startswith("supported"):
        return "supported"
    if verdict.startswith("contradicted"):
        return "contra"
    if verdict.startswith("not contradicted"):
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
            floor = "" if c.get("estimate_floor") is None else f", floor {c['estimate_floor']:.1%}"
            span = ("" if c["ci_low"] is None or c["ci_high"] is None else
                    f" (range over assumptions and 95% intervals {c['ci_low']:.1%}–{c['ci_high']:.1%})")
            figures = f"<div class=\"num\">Central estimate <b>{c['estimate']:.1%}</b>{floor}{span}</div>"
            if c["tipping_point"]:
                figures += f"<div class=\"num\">Tipping point: {esc(tipping_text(c['tipping_point']))}</div>"
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
            f'<div class="v {_verdict_class(c["verdict"] or "")}">{esc(c["verdict"])}</div>'
            f'<div>{esc(c["reason"])}</div>{figures}<small>Sources: {links or "none"}</small></div>')
    return "".join(out)
