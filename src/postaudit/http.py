"""The one HTTP client every network source uses: one User-Agent, timeouts, pacing, rate limits and retries.

Rules, in one place:
- Every request names postaudit in its User-Agent and has a timeout (requests/tweepy set none by default).
- Requests to one host are at least `min_interval` seconds apart.
- 429 and 5xx answers, timeouts and dropped connections are retried with capped exponential backoff and
  jitter; a server that cannot be reached at all (connection refused, unknown host) is not retried.
- Rate-limit headers are honoured: `Retry-After` (seconds or an HTTP date, RFC 9110 §10.2.3), and
  `RateLimit-Reset` / `X-RateLimit-Reset` as epoch seconds of any precision (X sends whole seconds,
  others microseconds), seconds from now (the IETF RateLimit draft) or an ISO 8601 time (Mastodon).
  When `X-RateLimit-Remaining` reaches 0 the next request waits for the reset instead of spending a 429.
- Waits are measured against the server's `Date` header when there is one, so a wrong local clock cannot
  make us wait hours (or hammer); a local clock more than SKEW_WARN_S off the server's is reported once.
- A wait longer than `max_wait` is not sat out: `RateLimited` says how long it would have been.

Tests fake the network on 127.0.0.1: give a base URL on loopback, an httpx `transport`, or (for tweepy, which
hard-codes https://api.twitter.com) mount an adapter on the client's requests session over `SessionAdapter`.
`sleep`, `clock`, `wall_clock` and `rng` are injectable so tests run without real waiting.
"""

from __future__ import annotations

import email.utils
import logging
import random
import re
import socket
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlencode, urlparse

import httpx

from postaudit import __version__

USER_AGENT = (f"postaudit/{__version__} (audits public posts and press coverage; reads public pages politely; "
              "+https://github.com/postaudit/postaudit)")
DEFAULT_TIMEOUT = 20.0          # seconds to connect / between bytes; GDELT can take ~10 s on wide queries
DEFAULT_MAX_BYTES = 5_000_000   # a news page is rarely over 1 MB; anything bigger is not an article
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
SKEW_WARN_S = 60.0              # a local clock this far from a server's Date is worth a warning
# Reset values below this are seconds from now (IETF draft); above, epoch seconds (1e9 s is September 2001).
_EPOCH_FROM = 1e9
_RESET_HEADERS = ("ratelimit-reset", "x-ratelimit-reset", "x-rate-limit-reset")
_REMAINING_HEADERS = ("ratelimit-remaining", "x-ratelimit-remaining", "x-rate-limit-remaining")

log = logging.getLogger(__name__)
Progress = Callable[[str], None]


class FetchError(RuntimeError):
    """A request failed for good (after retries); the message names the URL and why.

    `status` is the last HTTP status (None for network faults), `body` the start of the last error body.
    """

    def __init__(self, message: str, *, url: str = "", status: int | None = None, body: bytes = b"",
                 reason: str = ""):
        super().__init__(message)
        self.url, self.status, self.body, self.reason = url, status, body, reason


class TooLarge(FetchError):
    """The response body went over the size cap; it was not read to the end."""


class RateLimited(FetchError):
    """The server asks for a wait longer than the client sits out; `wait` says how long (seconds)."""

    def __init__(self, message: str, *, wait: float, **kw):
        super().__init__(message, **kw)
        self.wait = wait


# ---------------------------------------------------------------- the rules, as functions

@dataclass(frozen=True)
class Backoff:
    """Capped exponential backoff with jitter: base · factor^attempt, at most cap, less up to `jitter` of it.

    Jitter only shortens a wait (never past the cap), so clients that failed together retry apart.
    """

    base: float = 5.0
    factor: float = 2.0
    cap: float = 120.0
    jitter: float = 0.2

    def delay(self, attempt: int, rng: random.Random | None = None) -> float:
        """The wait before retry number attempt + 1 (attempt counts from 0)."""
        wait = min(self.cap, self.base * self.factor ** attempt)
        if self.jitter:
            wait *= 1.0 - self.jitter * (rng or random).random()
        return wait


def parse_time(value: str) -> float | None:
    """Epoch seconds of an HTTP date or an ISO 8601 time (fractions of any length), or None."""
    value = value.strip()
    if not value:
        return None
    iso = re.fullmatch(r"(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2})?)(?:\.(\d+))?(Z|z|[+-]\d{2}:?\d{2})?", value)
    if iso:
        stamp, frac, zone = iso.groups()
        zone = "+00:00" if zone in (None, "Z", "z") else zone
        try:
            when = datetime.fromisoformat(stamp + zone)
        except ValueError:
            return None
        return when.timestamp() + (float("0." + frac) if frac else 0.0)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp()


def server_time(headers: Mapping[str, str]) -> float | None:
    """The server's clock (its Date header) as epoch seconds, or None."""
    date = _header(headers, "date")
    return parse_time(date) if date else None


def reset_wait(headers: Mapping[str, str], now: float) -> float | None:
    """Seconds from `now` (epoch seconds) until the server lets us ask again, from its headers; None if they do not say.

    Retry-After wins (RFC 9110); then the RateLimit-Reset family as epoch seconds (any precision), seconds from
    now, or an ISO time. A moment in time gets a second's margin (Date headers have whole seconds), so a
    reset already past means one second, never zero.
    """
    retry_after = _header(headers, "retry-after")
    if retry_after:
        try:
            return max(0.0, float(retry_after))
        except ValueError:
            when = parse_time(retry_after)
            if when is not None:
                return max(0.0, when - now) + 1.0
    for name in _RESET_HEADERS:
        value = _header(headers, name)
        if not value:
            continue
        try:
            number = float(value)
        except ValueError:
            when = parse_time(value)
            if when is not None:
                return max(0.0, when - now) + 1.0
            continue
        return max(0.0, number - now) + 1.0 if number >= _EPOCH_FROM else max(0.0, number)
    return None


def budget_spent(headers: Mapping[str, str]) -> bool:
    """True when the response says no requests are left in this rate-limit window."""
    for name in _REMAINING_HEADERS:
        value = _header(headers, name)
        if value is not None and value.strip() in ("0", "0.0"):
            return True
    return False


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is None and not isinstance(headers, httpx.Headers):
        value = next((v for k, v in headers.items() if k.lower() == name), None)
    return value


def describe(exc: BaseException) -> str:
    """What went wrong on the way, in words."""
    if isinstance(exc, httpx.TimeoutException | TimeoutError | socket.timeout):
        return "no answer within the timeout"
    if isinstance(exc, httpx.RemoteProtocolError):
        detail = str(exc)
        if "incomplete" in detail.lower() or "expected" in detail.lower():
            return f"the response was cut short ({detail})"
        return f"the connection dropped ({detail or type(exc).__name__})"
    if isinstance(exc, httpx.ConnectError):
        return f"cannot connect ({exc})"
    return f"{type(exc).__name__} ({exc})"


def is_transient(exc: BaseException) -> bool:
    """A network fault worth retrying: true unless the server cannot be reached at all (refused, unknown host)."""
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(cause, ConnectionRefusedError | socket.gaierror):
            return False
        cause = cause.__cause__ or cause.__context__
    return not (isinstance(exc, httpx.ConnectError) and re.search(r"refused|name or service|nodename|resolv",
                                                                  str(exc), re.I))


# ---------------------------------------------------------------- the client

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

    def text(self) -> str:
        """The body as UTF-8 text; UnicodeDecodeError when it is not."""
        return self.content.decode("utf-8")


@dataclass
class PoliteClient:
    """GET with pacing per host, rate limits honoured, retries with capped backoff and jitter, a body size cap.

    `backoff` is the schedule for 5xx and network faults (and for 429s that say nothing about when to come
    back: `rate_limit_fallback` seconds, else the same schedule). `max_wait` bounds any rate-limit wait.
    """

    min_interval: float = 0.0
    timeout: float = DEFAULT_TIMEOUT
    max_retries: int = 4
    backoff: float = 5.0             # first retry wait; multiplied by `factor` each time
    factor: float = 2.0
    max_backoff: float = 120.0
    jitter: float = 0.2
    max_wait: float = 15 * 60.0      # longest rate-limit wait sat out before RateLimited
    rate_limit_fallback: float | None = None   # wait on a 429 without reset headers; None: the backoff schedule
    user_agent: str = USER_AGENT
    accept: str | None = None
    clock: Callable[[], float] = time.monotonic
    wall_clock: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep
    rng: random.Random = field(default_factory=random.Random)
    transport: httpx.BaseTransport | None = None
    progress: Progress | None = None
    waited_s: float = 0.0            # seconds slept for rate limits (not pacing, not backoff)
    _last: dict[str, float] = field(default_factory=dict)
    _not_before: dict[str, float] = field(default_factory=dict)
    _skew_warned: bool = False
    _client: httpx.Client | None = None

    @property
    def schedule(self) -> Backoff:
        return Backoff(self.backoff, self.factor, self.max_backoff, self.jitter)

    def _http(self) -> httpx.Client:
        if self._client is None:
            headers = {"User-Agent": self.user_agent}
            if self.accept:
                headers["Accept"] = self.accept
            self._client = httpx.Client(timeout=self.timeout, follow_redirects=True, transport=self.transport,
                                        headers=headers)
        return self._client

    def close(self) -> None:
        """Close the connection pool."""
        if self._client is not None:
            self._client.close()
            self._client = None

    def __enter__(self) -> PoliteClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @staticmethod
    def url(base: str, params: dict | None = None) -> str:
        """base?params, leaving out parameters that are None (what get() requests)."""
        query = urlencode({k: v for k, v in (params or {}).items() if v is not None})
        return f"{base}?{query}" if query else base

    def _pace(self, host: str, shown: str) -> None:
        not_before = self._not_before.pop(host, None)
        if not_before is not None:
            wait = not_before - self.clock()
            if wait > self.max_wait:
                raise RateLimited(f"{shown}: rate limited for {wait:.0f} s, longer than the {self.max_wait:.0f} s "
                                  "we wait; try again later", wait=wait, url=shown, status=429)
            if wait > 0:
                self._rate_wait(wait)
        last = self._last.get(host)
        if last is not None and self.min_interval > 0:
            wait = self.min_interval - (self.clock() - last)
            if wait > 0:
                self.sleep(wait)
        self._last[host] = self.clock()

    def _rate_wait(self, seconds: float) -> None:
        self.waited_s += seconds
        self.sleep(seconds)

    def get(self, url: str, params: dict | None = None, headers: dict | None = None,
            max_bytes: int | None = DEFAULT_MAX_BYTES, ok: tuple[int, ...] = (200,)) -> Response:
        """GET url; statuses in `ok` are returned, 429/5xx/timeouts retried, anything else raises FetchError."""
        params = {k: v for k, v in (params or {}).items() if v is not None}
        shown = self.url(url, params)
        host = urlparse(url).netloc
        attempt = 0
        while True:
            self._pace(host, shown)
            try:
                resp = self._read(url, params, headers, max_bytes)
            except TooLarge:
                raise
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                if attempt >= self.max_retries or not is_transient(exc):
                    tries = f" after {attempt + 1} attempts" if attempt else ""
                    raise FetchError(f"{shown}: {describe(exc)}{tries}", url=shown, reason=describe(exc)) from exc
                self.sleep(self.schedule.delay(attempt, self.rng))
                attempt += 1
                continue
            wait = self._server_wait(resp.headers)
            if resp.status in ok:
                if wait is not None and budget_spent(resp.headers):
                    # spend the last request, then sit out the reset before the next one
                    self._not_before[host] = self.clock() + wait
                return resp
            if resp.status in RETRY_STATUSES and attempt < self.max_retries:
                if resp.status == 429:
                    if wait is None:
                        wait = (self.rate_limit_fallback if self.rate_limit_fallback is not None
                                else self.schedule.delay(attempt, self.rng))
                    self._check_wait(shown, wait, resp)
                    self._rate_wait(wait)
                else:   # a 5xx: Retry-After when the server sends one (RFC 9110), else the schedule
                    self.sleep(min(self.max_backoff, wait) if wait is not None
                               else self.schedule.delay(attempt, self.rng))
                attempt += 1
                continue
            if resp.status == 429 and wait is not None:
                self._check_wait(shown, wait, resp)
            raise FetchError(f"{shown}: HTTP {resp.status} after {attempt + 1} attempts", url=shown,
                             status=resp.status, body=resp.content[:2000])

    def _check_wait(self, shown: str, wait: float, resp: Response) -> None:
        if wait > self.max_wait:
            raise RateLimited(f"{shown}: HTTP {resp.status}: rate limited for {wait:.0f} s, longer than the "
                              f"{self.max_wait:.0f} s we wait; try again later", wait=wait, url=shown,
                              status=resp.status, body=resp.content[:2000])

    def _server_wait(self, headers: Mapping[str, str]) -> float | None:
        """Seconds until the server's rate-limit reset, on the server's clock when it sends one."""
        local = self.wall_clock()
        server = server_time(headers)
        if server is not None and abs(server - local) > SKEW_WARN_S and not self._skew_warned:
            self._skew_warned = True
            message = (f"the local clock is {local - server:+.0f} s off the server's Date: rate-limit waits "
                       "are measured on the server's clock")
            log.warning(message)
            if self.progress:
                self.progress(message)
        return reset_wait(headers, server if server is not None else local)

    def _read(self, url: str, params: dict, headers: dict | None, max_bytes: int | None) -> Response:
        request_headers = dict(headers or {})
        # httpx replaces a URL's own query with `params` when given, even an empty one: pass None then.
        with self._http().stream("GET", url, params=params or None, headers=request_headers) as r:
            chunks, size = [], 0
            # Stream and stop at the cap: a huge page is never read to the end or held in memory.
            for chunk in r.iter_bytes():
                size += len(chunk)
                if max_bytes is not None and size > max_bytes:
                    raise TooLarge(f"{r.url}: body larger than the {max_bytes:,}-byte cap; skipped", url=str(r.url))
                chunks.append(chunk)
            return Response(url=str(r.url), status=r.status_code, headers={k.lower(): v for k, v in r.headers.items()},
                            content=b"".join(chunks), retrieved_at=datetime.now(UTC))


def get_text(client: PoliteClient, url: str, params: dict | None, error: type[Exception],
             message: Callable[[str], str]) -> tuple[str, Response]:
    """GET an API's answer as UTF-8 text; every failure is raised as `error`, naming the request and why.

    An HTTP error carries the API's own explanation, taken from the error body by `message`.
    """
    shown = PoliteClient.url(url, params)
    try:
        resp = client.get(url, params=params, max_bytes=None)
        return resp.text(), resp
    except RateLimited as exc:
        raise error(str(exc)) from None
    except FetchError as exc:
        if exc.status is not None:
            raise error(f"{shown}: HTTP {exc.status} {message(exc.body.decode('utf-8', 'replace'))}") from None
        raise error(f"{shown}: {exc.reason}") from None
    except UnicodeDecodeError:
        raise error(f"{shown}: the response is not UTF-8") from None


# ---------------------------------------------------------------- requests sessions (tweepy)

try:
    from requests.adapters import HTTPAdapter
except ImportError:  # pragma: no cover - requests comes with tweepy
    HTTPAdapter = object  # type: ignore[assignment,misc]


class SessionAdapter(HTTPAdapter):
    """A requests transport adapter with this client's rules that a session cannot set: timeout and User-Agent.

    requests has no default timeout and tweepy sets none: a stalled connection would hang a run forever.
    Mount it on a session (`mount(session)`); tests mount a loopback adapter derived from it on the API's host.
    """

    def __init__(self, timeout: float | tuple[float, float] = (10, 60), user_agent: str = USER_AGENT, **kwargs):
        self.timeout = timeout
        self.user_agent = user_agent
        super().__init__(**kwargs)

    def send(self, request, **kwargs):
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        request.headers["User-Agent"] = self.user_agent
        return super().send(request, **kwargs)


def mount(session, timeout: float | tuple[float, float] = (10, 60)) -> SessionAdapter:
    """Put the client's rules on every https:// and http:// request of a requests session; returns the adapter."""
    adapter = SessionAdapter(timeout)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return adapter
