"""Read-only JSON-RPC calls without web3's request stack: for the hand-encoded `eth_call` and
`eth_estimateGas` of the bulk and relaying paths. One kept-alive `http.client` connection per
thread; about a fifth of the CPU of web3's provider over `requests` (what was left of a relayed
request's cost). Only for a plain HTTP(S) node with no proxy configured for it; otherwise the
provider is used as before."""

from __future__ import annotations

import http.client
import itertools
import json
import threading
import weakref
from typing import Any
from urllib.parse import urlsplit

import requests.utils
from web3 import HTTPProvider, Web3

TIMEOUT = 30.0


class FastRPC:
    """POSTs JSON-RPC requests to one node URL; retried once on a connection the node closed (the
    methods sent here only read, so a retry changes nothing)."""

    def __init__(self, url: str, timeout: float = TIMEOUT) -> None:
        parts = urlsplit(url)
        self._https = parts.scheme == "https"
        self._host = parts.hostname or "127.0.0.1"
        self._port = parts.port or (443 if self._https else 80)
        self._path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self._timeout = timeout
        self._local = threading.local()
        self._ids = itertools.count(1)

    def _connection(self, fresh: bool = False) -> http.client.HTTPConnection:
        conn: http.client.HTTPConnection | None = getattr(self._local, "conn", None)
        if conn is None or fresh:
            if conn is not None:
                conn.close()
            kind = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
            conn = self._local.conn = kind(self._host, self._port, timeout=self._timeout)
        return conn

    def request(self, method: str, params: list[Any]) -> dict[str, Any]:
        """The node's JSON-RPC answer (with `result` or `error`); OSError if it cannot be reached."""
        body = json.dumps({"jsonrpc": "2.0", "id": next(self._ids), "method": method, "params": params})
        answer: dict[str, Any] = json.loads(self._post(body))
        return answer

    def _post(self, body: str) -> bytes:
        """POST `body` on this thread's kept-alive connection (once more on a fresh one if that fails);
        the answer's bytes. OSError if the node cannot be reached or answers anything but HTTP 200."""
        headers = {"Content-Type": "application/json"}
        for attempt in (1, 2):
            conn = self._connection(fresh=attempt == 2)
            try:
                conn.request("POST", self._path, body, headers)
                response = conn.getresponse()
                data = response.read()
            except (http.client.HTTPException, OSError):
                conn.close()
                self._local.conn = None
                if attempt == 2:
                    raise
                continue
            if response.status != 200:
                raise OSError(f"the node answered HTTP {response.status}")
            return data
        raise OSError("unreachable")  # pragma: no cover

    def batch(self, calls: list[tuple[str, list[Any]]]) -> list[dict[str, Any]]:
        """The node's answers to `calls` sent as one JSON-RPC batch (one round trip), in the order
        of `calls`; OSError if it cannot be reached or answers anything but one answer per call."""
        ids = list(range(1, len(calls) + 1))  # unique within the batch: the answer to one request
        body = json.dumps([{"jsonrpc": "2.0", "id": i, "method": m, "params": p}
                           for i, (m, p) in zip(ids, calls, strict=True)])
        answers = json.loads(self._post(body))
        if not isinstance(answers, list):  # a node that does not take batches answers with one error
            raise OSError("the node does not answer JSON-RPC batches")
        by_id = {a.get("id"): a for a in answers if isinstance(a, dict)}
        if any(i not in by_id for i in ids):
            raise OSError("the node's batch answer is missing answers")
        return [by_id[i] for i in ids]


_BY_PROVIDER: weakref.WeakKeyDictionary[Any, FastRPC | None] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def fast_rpc(w3: Web3) -> FastRPC | None:
    """The fast client for `w3`'s node, or None (not plain HTTP, or a proxy is configured for it)."""
    provider = w3.provider
    with _LOCK:
        if provider in _BY_PROVIDER:
            return _BY_PROVIDER[provider]
        found: FastRPC | None = None
        url = str(getattr(provider, "endpoint_uri", "") or "")
        plain = type(provider) is HTTPProvider and urlsplit(url).scheme in ("http", "https")
        if plain and not requests.utils.get_environ_proxies(url):
            timeout = float((getattr(provider, "_request_kwargs", None) or {}).get("timeout", TIMEOUT))
            found = FastRPC(url, timeout)
        _BY_PROVIDER[provider] = found
        return found


__all__ = ["FastRPC", "fast_rpc"]
