"""Limits every client meets before a route runs: the body size and a token bucket per client."""

from __future__ import annotations

import json
import math
import threading
import time
from collections import OrderedDict
from pathlib import Path
from typing import Any, Protocol

from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..chain.state_file import StateFile
from .errors import error_body

# Paths that cost nothing: the page's own files and the API description.
_FREE_PREFIXES = ("/static/", "/docs", "/redoc", "/openapi.json", "/favicon")


async def _reply(send: Send, status: int, body: dict[str, Any], headers: list[tuple[bytes, bytes]] = ()) -> None:  # type: ignore[assignment]
    payload = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


class _TooLarge(StarletteHTTPException):
    """Raised from `receive` once a streamed (chunked) body passes the limit. FastAPI turns any other
    exception raised while it reads a body into a 400; an HTTPException it re-raises, so the answer
    is the 413 it is (rendered by the gateway's HTTPException handler)."""

    def __init__(self, message: str) -> None:
        super().__init__(status_code=413, detail=message)


class BodySizeLimit:
    """413 for a body over `max_bytes`: at once from Content-Length, else while it streams in."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        message = (
            f"the request body is larger than {self.max_bytes:,} bytes; send less (check-many takes 10,000 hashes)"
        )
        for name, value in scope.get("headers", []):
            if name == b"content-length" and value.isdigit() and int(value) > self.max_bytes:
                await _reply(send, 413, error_body("body-too-large", message))
                return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            msg = await receive()
            if msg["type"] == "http.request":
                received += len(msg.get("body", b""))
                if received > self.max_bytes:
                    raise _TooLarge(message)
            return msg

        async def tracking_send(msg: Message) -> None:
            nonlocal started
            if msg["type"] == "http.response.start":
                started = True
            await send(msg)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not started:
                await _reply(send, 413, error_body("body-too-large", message))


class TokenBuckets:
    """One bucket per client: `rate` tokens a second, at most `burst` saved up; a request takes one."""

    def __init__(self, rate: float, burst: int, max_clients: int = 10_000) -> None:
        self.rate = rate
        self.burst = burst
        self.max_clients = max_clients
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, client: str, now: float | None = None) -> float:
        """0 if the request may go ahead, else the seconds until it may."""
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens, last = self._buckets.pop(client, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.rate)
            wait = 0.0
            if tokens >= 1:
                tokens -= 1
            else:
                wait = (1 - tokens) / self.rate
            self._buckets[client] = (tokens, now)
            while len(self._buckets) > self.max_clients:
                self._buckets.popitem(last=False)
            return wait


BUCKETS_SCHEMA = "CREATE TABLE IF NOT EXISTS rate_buckets (client TEXT PRIMARY KEY, tokens REAL, last REAL)"


class Buckets(Protocol):
    rate: float
    burst: int

    def take(self, client: str, now: float | None = None) -> float: ...


class SharedTokenBuckets(StateFile):
    """The same buckets in the gateway's state file, for every worker process: a client's limit is
    the gateway's, not each worker's. Wall-clock time (the workers share no monotonic clock)."""

    def __init__(self, path: str | Path, rate: float, burst: int) -> None:
        super().__init__(path, BUCKETS_SCHEMA)
        self.rate = rate
        self.burst = burst
        self._takes = 0

    def take(self, client: str, now: float | None = None) -> float:
        now = time.time() if now is None else now
        with self.transaction() as db:
            row = db.execute("SELECT tokens, last FROM rate_buckets WHERE client = ?", (client,)).fetchone()
            tokens, last = (float(row[0]), float(row[1])) if row else (float(self.burst), now)
            tokens = min(float(self.burst), tokens + max(0.0, now - last) * self.rate)
            wait = 0.0
            if tokens >= 1:
                tokens -= 1
            else:
                wait = (1 - tokens) / self.rate
            db.execute("INSERT OR REPLACE INTO rate_buckets VALUES (?, ?, ?)", (client, tokens, now))
            self._takes += 1
            if self._takes % 1_000 == 0:  # full again by now: forget them
                db.execute("DELETE FROM rate_buckets WHERE last < ?", (now - self.burst / self.rate,))
            return wait


class RateLimit:
    """429 with Retry-After when a client (by address) spends its bucket. With a `state_file` the
    buckets are shared by every worker process of the gateway."""

    def __init__(self, app: ASGIApp, rate: float, burst: int, state_file: str | Path | None = None) -> None:
        self.app = app
        self.buckets: Buckets | None = None
        if rate > 0:
            self.buckets = SharedTokenBuckets(state_file, rate, burst) if state_file else TokenBuckets(rate, burst)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or self.buckets is None
            or scope["path"] == "/"
            or scope["path"].startswith(_FREE_PREFIXES)
        ):
            await self.app(scope, receive, send)
            return
        client = (scope.get("client") or ("unknown", 0))[0]
        wait = self.buckets.take(client)
        if wait > 0:
            retry = str(max(1, math.ceil(wait)))
            body = error_body(
                "rate-limited",
                f"too many requests from {client}: at most {self.buckets.rate:g} a second "
                f"(bursts of {self.buckets.burst}); retry in {retry} s",
            )
            await _reply(send, 429, body, [(b"retry-after", retry.encode())])
            return
        await self.app(scope, receive, send)
