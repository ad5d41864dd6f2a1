"""A polite HTTP client for press sources: honest User-Agent, timeouts, pacing, retries and a size cap."""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlparse

import httpx

from postaudit import __version__

USER_AGENT = (f"postaudit/{__version__} (press-coverage research tool; reads public pages politely; "
              "+https://github.com/postaudit/postaudit)")
DEFAULT_TIMEOUT = 20.0          # seconds to connect / between bytes; GDELT can take ~10 s on wide queries
DEFAULT_MAX_BYTES = 5_000_000   # a news page is rarely over 1 MB; anything bigger is not an article
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class FetchError(RuntimeError):
    """A request failed for good (after retries); the message names the URL and why."""


class TooLarge(FetchError):
    """The response body went over the size cap; it was not read to the end."""


@dataclass
class Response:
    """What a request returned, read to the end (or to the cap)."""

    url: str
    status: int
    headers: dict[str, str]
    content: bytes
    retrieved_at: datetime

    @property
    def encoding(self) -> str | None:
        """The charset the server declared, if any."""
        ctype = self.headers.get("content-type", "")
        for part in ctype.split(";")[1:]:
            key, _, value = part.strip().partition("=")
            if key.lower() == "charset" and value:
                return value.strip("\"' ")
        return None


@dataclass
class PoliteClient:
    """GET with a minimum interval per host, retries with backoff for 429/5xx/timeouts, and a body size cap.

    `clock` and `sleep` are injectable so tests run without real waiting.
    """

    min_interval: float = 0.0
    timeout: float = DEFAULT_TIMEOUT
    max_retries: int = 4
    backoff: float = 5.0             # first retry wait; doubles each time, unless the server sends Retry-After
    max_backoff: float = 120.0
    user_agent: str = USER_AGENT
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    transport: httpx.BaseTransport | None = None
    _last: dict[str, float] = field(default_factory=dict)
    _client: httpx.Client | None = None

    def _http(self) -> httpx.Client:
        if self._client is None:
            self._client = httpx.Client(timeout=self.timeout, follow_redirects=True, transport=self.transport,
                                        headers={"User-Agent": self.user_agent})
        return self._client

    def close(self) -> None:
        """Close the connection pool."""
        if self._client is not None:
            self._client.close()
            self._client = None

    def _pace(self, host: str) -> None:
        last = self._last.get(host)
        if last is not None and self.min_interval > 0:
            wait = self.min_interval - (self.clock() - last)
            if wait > 0:
                self.sleep(wait)
        self._last[host] = self.clock()

    def get(self, url: str, params: dict | None = None, headers: dict | None = None,
            max_bytes: int | None = DEFAULT_MAX_BYTES, ok: tuple[int, ...] = (200,)) -> Response:
        """GET url; statuses in `ok` are returned, 429/5xx/timeouts retried, anything else raises FetchError."""
        host = urlparse(url).netloc
        attempt = 0
        while True:
            self._pace(host)
            try:
                resp = self._read(url, params, headers, max_bytes)
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                if attempt >= self.max_retries:
                    raise FetchError(f"{url}: {type(exc).__name__} after {attempt + 1} attempts ({exc})") from exc
                self.sleep(self._delay(attempt, None))
                attempt += 1
                continue
            if resp.status in ok:
                return resp
            if resp.status in RETRY_STATUSES and attempt < self.max_retries:
                self.sleep(self._delay(attempt, resp.headers.get("retry-after")))
                attempt += 1
                continue
            raise FetchError(f"{url}: HTTP {resp.status} after {attempt + 1} attempts")

    def _read(self, url: str, params: dict | None, headers: dict | None, max_bytes: int | None) -> Response:
        with self._http().stream("GET", url, params=params, headers=headers or {}) as r:
            chunks, size = [], 0
            # Stream and stop at the cap: a huge page is never read to the end or held in memory.
            for chunk in r.iter_bytes():
                size += len(chunk)
                if max_bytes is not None and size > max_bytes:
                    raise TooLarge(f"{r.url}: body larger than the {max_bytes:,}-byte cap; skipped")
                chunks.append(chunk)
            return Response(url=str(r.url), status=r.status_code, headers={k.lower(): v for k, v in r.headers.items()},
                            content=b"".join(chunks), retrieved_at=datetime.now(UTC))

    def _delay(self, attempt: int, retry_after: str | None) -> float:
        if retry_after:
            try:
                return min(self.max_backoff, max(0.0, float(retry_after)))
            except ValueError:
                try:
                    when = email.utils.parsedate_to_datetime(retry_after)
                except (TypeError, ValueError):
                    when = None
                if when is not None:
                    return min(self.max_backoff, max(0.0, (when - datetime.now(UTC)).total_seconds()))
        return min(self.max_backoff, self.backoff * (2 ** attempt))
