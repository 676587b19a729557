"""Running a gateway for tests: uvicorn in a thread on a free port, over a real node."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import uvicorn
from eth_account.signers.local import LocalAccount

from rightsledger.chain import free_port
from rightsledger.gateway import GatewaySettings, create_app
from rightsledger.gateway.deps import GatewayState
from rightsledger.relay import ForwardRequest


@contextmanager
def running_gateway(settings: GatewaySettings, state: GatewayState | None = None) -> Iterator[str]:
    port = free_port()
    app = create_app(settings, state=state)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the gateway did not start")
        time.sleep(0.02)
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(10)


def request_json(request: ForwardRequest) -> dict[str, Any]:
    return {
        "from": request.sender,
        "to": request.to,
        "value": request.value,
        "gas": request.gas,
        "nonce": request.nonce,
        "deadline": request.deadline,
        "data": request.data,
    }


def sign_prepared(prepared: dict[str, Any], account: LocalAccount) -> dict[str, Any]:
    """Sign what POST /relay/prepare returned, as a user would with their own key."""
    r = prepared["request"]
    request = ForwardRequest(
        sender=r["from"], to=r["to"], value=int(r["value"]), gas=int(r["gas"]), nonce=int(r["nonce"]),
        deadline=int(r["deadline"]), data=r["data"],
    )  # fmt: skip
    signed = request.sign(account, prepared["chainId"], prepared["forwarder"])
    return {"request": request_json(request), "signature": signed.signature}


def relay_register(http: httpx.Client, account: LocalAccount, content_hash: str, **extra: Any) -> httpx.Response:
    prepared = http.post(
        "/relay/prepare", json={"action": "register", "from": account.address, "contentHash": content_hash, **extra}
    )
    prepared.raise_for_status()
    return http.post("/works", json=sign_prepared(prepared.json(), account))
