"""Loopback fakes for the press sources: GDELT DOC 2.0, RSS feeds with validators, article pages.

Response shapes follow the real services: GDELT artlist `{"articles": [{url, url_mobile, title, seendate,
socialimage, domain, language, sourcecountry}]}` capped at 250 per call, `{}` for no matches, query errors as
text/html with status 200; timelinevolraw `{"query_details": …, "timeline": [{"series", "data": [{date, value,
norm}]}]}`.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from postaudit import warehouse

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "press"
PRESS_VIEWS = ("stg_gdelt_articles", "stg_gdelt_timeline", "stg_press_pages", "stg_press_items")


@pytest.fixture()
def server():
    """A threaded HTTP server on 127.0.0.1 (threaded, so a slow response does not block the retry)."""
    srv = HTTPServer(host="127.0.0.1", threaded=True)
    srv.start()
    yield srv
    srv.clear()
    if srv.is_running():
        srv.stop()


def apply_press_views(con) -> None:
    """Create only the press staging views and the GDELT mart (other areas' SQL is not under test here)."""
    warehouse.ensure_raw(con)
    for view in PRESS_VIEWS:
        warehouse.staging_view(con, view)  # with the views it reads and the macros it reads values with
    con.execute("CREATE OR REPLACE TABLE press_gdelt_daily AS\n"
                + (warehouse.SQL_DIR / "marts" / "press_gdelt_daily.sql").read_text())


class FakeClock:
    """A monotonic clock that only moves when someone sleeps: pacing is checked without waiting."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def gdelt_records(n: int, start: datetime, every: timedelta, prefix: str = "story") -> list[dict]:
    """n artlist records, one every `every`, in GDELT's shape."""
    out = []
    for i in range(n):
        seen = start + i * every
        out.append({
            "url": f"https://news{i % 7}.example/{seen:%Y/%m/%d}/{prefix}-{i}",
            "url_mobile": "",
            "title": f"Lumen Ledger update number {i}",
            "seendate": seen.strftime("%Y%m%dT%H%M%SZ"),
            "socialimage": f"https://news{i % 7}.example/img/{i}.jpg",
            "domain": f"news{i % 7}.example",
            "language": "English" if i % 3 else "German",
            "sourcecountry": "United States",
        })
    return out


def _parse(stamp: str) -> datetime:
    return datetime.strptime(stamp, "%Y%m%d%H%M%S").replace(tzinfo=UTC)


@dataclass
class GdeltFake:
    """The DOC 2.0 endpoint: filters its records by startdatetime/enddatetime and caps artlist at 250."""

    records: list[dict]
    fail_first: int = 0            # answer this many calls with 429 first
    slow_first: float = 0.0        # the first call sleeps this long before answering
    retry_after: str | None = "0"
    error_text: str | None = None  # answer every call with this text/html error
    calls: list[dict] = field(default_factory=list)
    user_agents: list[str] = field(default_factory=list)

    def __call__(self, request: Request) -> Response:
        args = dict(request.args)
        self.calls.append(args)
        self.user_agents.append(request.headers.get("User-Agent", ""))
        if len(self.calls) == 1 and self.slow_first:
            time.sleep(self.slow_first)
        if len(self.calls) <= self.fail_first:
            headers = {"Retry-After": self.retry_after} if self.retry_after is not None else {}
            return Response("Please limit requests to one every 5 seconds", status=429, headers=headers,
                            content_type="text/html")
        if self.error_text:
            return Response(self.error_text, status=200, content_type="text/html; charset=utf-8")
        lo, hi = _parse(args["startdatetime"]), _parse(args["enddatetime"])
        hits = sorted((r for r in self.records if lo <= datetime.strptime(r["seendate"], "%Y%m%dT%H%M%SZ")
                       .replace(tzinfo=UTC) < hi), key=lambda r: r["seendate"])
        if args["mode"] == "artlist":
            hits = hits[: int(args.get("maxrecords", 75))]
            body = {"articles": hits} if hits else {}
        elif args["mode"] == "timelinevolraw":
            per_day = Counter(r["seendate"][:8] for r in hits)
            days = []
            d = lo.replace(hour=0, minute=0, second=0)
            while d < hi:
                days.append({"date": d.strftime("%Y%m%dT000000Z"), "value": per_day.get(d.strftime("%Y%m%d"), 0),
                             "norm": 120000})
                d += timedelta(days=1)
            body = {"query_details": {"title": args["query"], "date_resolution": "1d"},
                    "timeline": [{"series": "Article Count", "data": days}]}
        else:
            return Response("Invalid mode", status=200, content_type="text/html")
        return Response(json.dumps(body), status=200, content_type="application/json; charset=utf-8")


@dataclass
class FeedFake:
    """One feed URL with an ETag and Last-Modified; answers 304 when the client sends matching validators."""

    body: bytes
    etag: str = '"v1"'
    last_modified: str = "Mon, 12 May 2025 10:00:00 GMT"
    content_type: str = "application/rss+xml; charset=utf-8"
    requests: list[dict] = field(default_factory=list)

    def __call__(self, request: Request) -> Response:
        self.requests.append(dict(request.headers))
        if request.headers.get("If-None-Match") == self.etag or (
                request.headers.get("If-Modified-Since") == self.last_modified and not self.etag):
            return Response(status=304, headers={"ETag": self.etag})
        headers = {"Last-Modified": self.last_modified}
        if self.etag:
            headers["ETag"] = self.etag
        return Response(self.body, status=200, headers=headers, content_type=self.content_type)


@pytest.fixture()
def no_network(monkeypatch):
    """Refuse any connection that is not to the loopback fakes, so a test cannot reach the internet by accident."""
    import socket

    real_connect = socket.socket.connect
    real_create = socket.create_connection

    def guarded(address) -> None:
        host = address[0] if isinstance(address, tuple) else address
        if host not in ("127.0.0.1", "::1", "localhost"):
            raise OSError(f"test tried to reach the network: {address!r}")

    def connect(self, address):
        guarded(address)
        return real_connect(self, address)

    def create_connection(address, *args, **kwargs):
        guarded(address)
        return real_create(address, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "create_connection", create_connection)
    monkeypatch.setattr(socket, "getaddrinfo", lambda host, *a, **k: (_ for _ in ()).throw(
        OSError(f"test tried to resolve {host!r}")) if host not in ("127.0.0.1", "::1", "localhost") else
        _real_getaddrinfo(host, *a, **k))


import socket as _socket  # noqa: E402

_real_getaddrinfo = _socket.getaddrinfo
