"""GDELT DOC 2.0 API: article lists (split by time window to get past 250 a call) and raw volume timelines."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import duckdb

from postaudit.http import FetchError, PoliteClient
from postaudit.warehouse import Provenance, RawRecord, land_raw

BASE_URL = "https://api.gdeltproject.org/api/v2/doc/doc"
MAX_RECORDS = 250              # the API's hard cap per artlist call
MIN_INTERVAL = 5.0             # GDELT asks for about one request per 5 s; 429s are its load shedding
MIN_WINDOW = timedelta(minutes=15)  # GDELT crawls in 15-minute batches: a smaller window cannot split further
Progress = Callable[[str], None]


class GdeltError(RuntimeError):
    """GDELT answered but not with data (it returns query errors as text/html with status 200)."""


def _term(term: str) -> str:
    # GDELT has no escape for a double quote inside a phrase: a quote in a name ("Dwayne "The Rock" Johnson")
    # would end the phrase early. Replace quotes with spaces; the phrase match ignores punctuation anyway.
    clean = " ".join(term.replace('"', " ").replace("“", " ").replace("”", " ").split())
    if not clean:
        return ""
    if clean.startswith("@"):
        clean = clean[1:]   # GDELT's tokenizer drops "@", so the handle is matched as a word
    return f'"{clean}"' if " " in clean or not clean.isalnum() else clean


def build_query(terms: list[str], extra: str | None = None) -> str:
    """GDELT query matching any of the terms (names, handle, aliases), each quoted as a phrase when needed."""
    parts = [t for t in dict.fromkeys(_term(t) for t in terms) if t]
    if not parts:
        raise ValueError("no search terms: give the executive's name, handle or aliases")
    too_short = [p for p in parts if len(p.strip('"')) < 3]
    if too_short:
        # The API refuses keywords shorter than 3 characters with a text error.
        raise ValueError(f"GDELT refuses search terms shorter than 3 characters: {', '.join(too_short)}")
    # OR'd terms must be wrapped in parentheses, and a single term must not be.
    query = parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")"
    return f"{query} {extra}".strip() if extra else query


def _stamp(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y%m%d%H%M%S")


def _params(query: str, mode: str, start: datetime, end: datetime) -> dict:
    params = {"query": query, "mode": mode, "format": "json", "startdatetime": _stamp(start),
              "enddatetime": _stamp(end)}
    if mode == "artlist":
        params |= {"maxrecords": str(MAX_RECORDS), "sort": "dateasc"}
    return params


def _decode(content: bytes, url: str) -> dict:
    text = content.decode("utf-8", errors="replace").strip()
    if not text:
        return {}   # an empty body means no matches
    try:
        # strict=False: GDELT titles sometimes carry raw control characters, which strict JSON rejects.
        doc = json.loads(text, strict=False)
    except json.JSONDecodeError as exc:
        raise GdeltError(f"{url}: GDELT answered with an error instead of JSON: {text[:200]!r}") from exc
    if not isinstance(doc, dict):
        raise GdeltError(f"{url}: unexpected GDELT response {text[:200]!r}")
    return doc


def _call(client: PoliteClient, base_url: str, params: dict) -> tuple[dict, str, datetime]:
    resp = client.get(base_url, params=params, max_bytes=50_000_000)
    url = f"{base_url}?{urlencode(params)}"
    if "text/html" in resp.headers.get("content-type", "") and not resp.content.lstrip().startswith(b"{"):
        raise GdeltError(f"{url}: GDELT refused the query: {resp.content[:200].decode('utf-8', 'replace').strip()!r}")
    return _decode(resp.content, url), url, resp.retrieved_at


def fetch_artlist(client: PoliteClient, query: str, start: datetime, end: datetime, *, base_url: str = BASE_URL,
                  progress: Progress | None = None) -> Iterator[tuple[str, RawRecord]]:
    """Yield (request URL, raw page) per artlist call, halving the window whenever a call comes back full."""
    say = progress or (lambda _m: None)
    stack = [(start, end)]
    while stack:
        lo, hi = stack.pop()
        params = _params(query, "artlist", lo, hi)
        doc, url, retrieved = _call(client, base_url, params)
        n = len(doc.get("articles") or [])
        if n >= MAX_RECORDS and hi - lo > MIN_WINDOW:
            # A full page means some matches were cut off: split the window and ask again for each half.
            mid = lo + (hi - lo) / 2
            say(f"GDELT {_stamp(lo)}–{_stamp(hi)}: {n} records (the cap), splitting the window")
            stack.extend([(mid, hi), (lo, mid)])
            continue
        if n >= MAX_RECORDS:
            say(f"GDELT {_stamp(lo)}–{_stamp(hi)}: still {n} records in a {MIN_WINDOW} window; some may be missing")
        say(f"GDELT {_stamp(lo)}–{_stamp(hi)}: {n} articles")
        payload = {"request": {k: v for k, v in params.items()}, "response": doc}
        yield url, RawRecord(json.dumps(payload, ensure_ascii=False, sort_keys=True), retrieved_at=retrieved,
                             key=f"artlist {query} {_stamp(lo)} {_stamp(hi)}")


def fetch_timeline(client: PoliteClient, query: str, start: datetime, end: datetime, *,
                   base_url: str = BASE_URL) -> tuple[str, RawRecord]:
    """One timelinevolraw call: matching article counts per time step with GDELT's total (`norm`)."""
    params = _params(query, "timelinevolraw", start, end)
    doc, url, retrieved = _call(client, base_url, params)
    payload = {"request": params, "response": doc}
    return url, RawRecord(json.dumps(payload, ensure_ascii=False, sort_keys=True), retrieved_at=retrieved,
                          key=f"timelinevolraw {query} {_stamp(start)} {_stamp(end)}")


def collect_gdelt(con: duckdb.DuckDBPyConnection, query: str | list[str], start: datetime, end: datetime, *,
                  base_url: str = BASE_URL, client: PoliteClient | None = None, flow_run_id: str | None = None,
                  progress: Progress | None = None, timeline: bool = True) -> dict:
    """Land GDELT article lists and the raw volume timeline for a query; returns counts (and notes on failures).

    `query` is either a ready GDELT query or a list of terms (name, handle, aliases) to OR together.
    Each page lands as it arrives (whole), so a failure later in the run keeps what was already fetched.
    """
    say = progress or (lambda _m: None)
    q = build_query(query) if isinstance(query, list) else query
    own = client is None
    client = client or PoliteClient(min_interval=MIN_INTERVAL)
    counts: dict = {"gdelt_calls": 0, "gdelt_articles": 0, "new_gdelt_pages": 0, "new_gdelt_timelines": 0,
                    "notes": []}
    try:
        try:
            for url, rec in fetch_artlist(client, q, start, end, base_url=base_url, progress=say):
                counts["gdelt_calls"] += 1
                counts["gdelt_articles"] += len(json.loads(rec.payload)["response"].get("articles") or [])
                counts["new_gdelt_pages"] += land_raw(con, "raw_gdelt_artlist", [rec],
                                                      Provenance("gdelt", url, flow_run_id))
        except (FetchError, GdeltError) as exc:
            counts["notes"].append(f"GDELT article list stopped: {exc}")
            say(counts["notes"][-1])
        if timeline:
            try:
                url, rec = fetch_timeline(client, q, start, end, base_url=base_url)
                counts["gdelt_calls"] += 1
                counts["new_gdelt_timelines"] += land_raw(con, "raw_gdelt_timeline", [rec],
                                                          Provenance("gdelt", url, flow_run_id))
                say("GDELT volume timeline landed")
            except (FetchError, GdeltError) as exc:
                counts["notes"].append(f"GDELT timeline skipped: {exc}")
                say(counts["notes"][-1])
    finally:
        if own:
            client.close()
    return counts
