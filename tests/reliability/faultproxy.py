"""A loopback proxy that injects network faults in front of any fake server, on a seeded random schedule.

The fakes (tests/fakes/platforms.py, tests/fakes/press.py) answer in the real response shapes; this proxy sits
between the client under test and a fake and, per request, either forwards it untouched or injects one fault on
the real socket: 429 with or without reset headers, 500/502/503, a dropped connection (no status line), a body cut
short of its Content-Length, a stall past the client's timeout, or a slow but complete answer. Link headers that
point at the fake are rewritten to point at the proxy, so paging keeps going through it.
"""

from __future__ import annotations

import http.client
import json
import random
import socket
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

FAULTS = ("429_reset", "429_bare", "500", "502", "503", "drop", "truncate", "stall", "slow")


class FaultProxy:
    """Forward GETs to `upstream` (http://127.0.0.1:PORT); inject a fault with probability `rate` per request.

    `burst` caps consecutive faults so a client with a few retries gets through; `faults` limits the kinds.
    `sequence` replaces chance with a fixed order. `stall_s` must exceed the client's read timeout, `slow_s` stay below it. Counts are in `injected`.
    """

    def __init__(self, upstream: str, *, seed: int, rate: float = 0.3, faults: tuple[str, ...] = FAULTS,
                 burst: int = 2, stall_s: float = 0.8, slow_s: float = 0.15, reset_in_s: int = 2,
                 sequence: tuple[str, ...] | None = None):
        self.upstream = upstream.rstrip("/")
        self.rng = random.Random(seed)
        self.rate, self.faults, self.burst = rate, faults, burst
        self.stall_s, self.slow_s, self.reset_in_s = stall_s, slow_s, reset_in_s
        self.enabled = True
        # A fixed sequence instead of chance: fault, clean request, next fault, ... (every kind at least once).
        self.sequence = list(sequence) if sequence is not None else None
        self._odd = False
        self.injected: Counter = Counter()
        self.forwarded = 0
        self._run = 0
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def next_fault(self) -> str | None:
        with self._lock:
            if self.sequence is not None:
                self._odd = not self._odd
                if not self.enabled or not self._odd or not self.sequence:
                    return None
                fault = self.sequence.pop(0)
                self.injected[fault] += 1
                return fault
            if not self.enabled or self._run >= self.burst or self.rng.random() >= self.rate:
                self._run = 0
                return None
            self._run += 1
            fault = self.rng.choice(self.faults)
            self.injected[fault] += 1
            return fault

    @property
    def total(self) -> int:
        return sum(self.injected.values())


def _handler(proxy: FaultProxy):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802
            fault = proxy.next_fault()
            if fault == "drop":
                self.connection.shutdown(socket.SHUT_RDWR)
                self.close_connection = True
                return
            if fault and fault.startswith("429"):
                return self._error(429, reset=fault == "429_reset")
            if fault in ("500", "502", "503"):
                return self._error(int(fault), reset=False)
            if fault == "stall":
                time.sleep(proxy.stall_s)
            status, headers, body = self._forward()
            if fault == "slow":
                time.sleep(proxy.slow_s)
            self.send_response(status)
            for k, v in headers:
                if k.lower() in ("transfer-encoding", "connection", "content-length", "date", "server"):
                    continue
                self.send_header(k, v.replace(proxy.upstream, proxy.base))
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if fault == "truncate":
                # Content-Length promises the whole body; half arrives, then the connection closes.
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self.connection.shutdown(socket.SHUT_RDWR)
                self.close_connection = True
                return
            self.wfile.write(body)

        def _forward(self) -> tuple[int, list[tuple[str, str]], bytes]:
            up = urlsplit(proxy.upstream)
            conn = http.client.HTTPConnection(up.hostname, up.port, timeout=30)
            try:
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                conn.request("GET", self.path, headers=headers)
                resp = conn.getresponse()
                proxy.forwarded += 1
                return resp.status, resp.getheaders(), resp.read()
            finally:
                conn.close()

        def _error(self, status: int, reset: bool) -> None:
            now = datetime.now(UTC)
            body = json.dumps({"error": "RateLimitExceeded" if status == 429 else "InternalServerError",
                               "message": f"injected {status}", "status": status}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            if reset:
                when = now + timedelta(seconds=proxy.reset_in_s)
                # each API's own header: Retry-After (GDELT, feeds), RateLimit-Reset epoch (Bluesky),
                # X-RateLimit-Reset ISO (Mastodon)
                self.send_header("Retry-After", str(proxy.reset_in_s))
                self.send_header("RateLimit-Reset", str(int(when.timestamp())))
                self.send_header("X-RateLimit-Remaining", "0")
                self.send_header("X-RateLimit-Reset", when.isoformat().replace("+00:00", "Z"))
            self.end_headers()
            self.wfile.write(body)

        def send_response(self, code, message=None) -> None:
            # BaseHTTPRequestHandler adds Date itself; keep one, in the format clients parse.
            self.log_request(code)
            self.send_response_only(code, message)
            self.send_header("Server", "faultproxy")
            self.send_header("Date", format_datetime(datetime.now(UTC), usegmt=True))

    return Handler
