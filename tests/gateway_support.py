"""Running a gateway for tests: uvicorn in a thread on a free port, over a real node."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3

from rightsledger.chain import free_port
from rightsledger.chain.deploy import deploy
from rightsledger.chain.deployments import Deployment
from rightsledger.gateway import GatewaySettings, create_app
from rightsledger.gateway.deps import GatewayState
from rightsledger.sdk.forwarding import ForwardRequest


def wait_until_up(ready: Callable[[], bool], exited: Callable[[], str | None], seconds: float, poll: float) -> None:
    """Poll `ready` until it holds; fail at once when `exited` gives a reason the gateway is gone,
    or after `seconds`."""
    deadline = time.monotonic() + seconds
    while not ready():
        reason = exited()
        if reason is not None:
            raise RuntimeError(f"the gateway exited: {reason}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"the gateway did not start within {seconds:g} s")
        time.sleep(poll)


@contextmanager
def running_gateway(settings: GatewaySettings, state: GatewayState | None = None) -> Iterator[str]:
    port = free_port()
    app = create_app(settings, state=state)
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", timeout_keep_alive=settings.keep_alive
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    wait_until_up(lambda: server.started, lambda: None if thread.is_alive() else "its thread ended", 20, 0.02)
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(10)


@contextmanager
def serving(rpc_url: str, home: Path, relayer_key: str, workers: int = 2, **env: str) -> Iterator[str]:
    """`rightsledger serve --workers N` in a process of its own; its URL once the workers answer."""
    port = free_port()
    environ = {**os.environ, "RIGHTSLEDGER_GATEWAY_RELAYER_KEY": relayer_key, **env}
    process = subprocess.Popen(
        [sys.executable, "-m", "rightsledger.cli", "--rpc-url", rpc_url, "--home", str(home),
         "serve", "--port", str(port), "--workers", str(workers)],
        env=environ, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        try:
            return httpx.get(f"{url}/openapi.json", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def exited() -> str | None:
        if process.poll() is None:
            return None
        return process.stderr.read().decode() if process.stderr else f"exit status {process.returncode}"

    try:
        wait_until_up(answers, exited, 60, 0.2)
        time.sleep(1.0)  # the second worker
        yield url
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


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


def funded_account(w3: Web3, wei: int = 10**21) -> LocalAccount:
    """A fresh random account with ether set by anvil (no transaction: no other account's nonce or
    balance changes, so no snapshot test notices)."""
    account: LocalAccount = Account.create()
    w3.provider.make_request("anvil_setBalance", [account.address, hex(wei)])  # type: ignore[arg-type]
    return account


@dataclass(frozen=True)
class IsolatedGateway:
    url: str
    deployment: Deployment
    deployer: LocalAccount  # the deployment's admin and registrar
    relayer: LocalAccount
    home: Path


@contextmanager
def isolated_gateway(
    w3: Web3, rpc_url: str, home: Path, *, dev_keys: bool = False, **settings: Any
) -> Iterator[IsolatedGateway]:
    """A gateway over its own fresh deployment on the session's anvil, with its own relayer.

    For tests whose writes other tests must never see: dataset ids, dataset counts and levy epochs
    are per deployment, and the snapshot tests count them on the session deployment."""
    from rightsledger.gateway import GatewaySettings

    deployer, relayer = funded_account(w3), funded_account(w3)
    deployment = deploy(w3, deployer, home=home)
    configured = GatewaySettings(
        rpc_url=rpc_url,
        home=str(home),
        dev_keys=dev_keys,
        rate_limit=0,
        relayer_key="0x" + bytes(relayer.key).hex(),
        **settings,
    )
    with running_gateway(configured) as url:
        yield IsolatedGateway(url, deployment, deployer, relayer, home)


def wait_indexed(http: httpx.Client, timeout: float = 10.0) -> dict[str, Any]:
    """Wait until the gateway's index follower has reached the head the gateway sees now (its
    /info `index.lag` is 0); returns that `index` object. Requests never sync the index inline."""
    deadline = time.monotonic() + timeout
    while True:
        index = http.get("/info").json()["index"]
        if index is None or index["lag"] <= index["confirmations"]:
            return dict(index or {})
        if time.monotonic() > deadline:
            raise AssertionError(f"the index follower did not catch up in {timeout} s: {index}")
        time.sleep(0.05)
