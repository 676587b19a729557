"""`rightsledger serve --workers 2`: two gateway processes behind one port share the relayer's
nonces, its journal, the gas budgets and the rate-limit buckets through the state file.
Concurrent relayed registrations all land with no nonce used twice; a client's rate limit is
counted across the workers, not per process."""

from __future__ import annotations

import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from eth_account import Account
from web3 import Web3

from rightsledger import RightsLedger, Terms, hash_bytes
from rightsledger.chain.deploy import deploy
from rightsledger.chain.deployments import Deployment
from rightsledger.chain.state_file import TxJournal

from ..gateway_support import funded_account, serving, sign_prepared

pytest.importorskip("uvicorn")


@pytest.fixture
def fresh(w3: Web3, tmp_path: Path) -> tuple[Deployment, Any, Path]:
    """A deployment of its own (its policy count is this test's) and a relayer account."""
    deployment = deploy(w3, funded_account(w3), home=tmp_path)
    return deployment, funded_account(w3), tmp_path


def test_two_workers_relay_200_concurrent_registrations_without_a_nonce_collision(
    w3: Web3, anvil_url: str, fresh: tuple[Deployment, Any, Path]
) -> None:
    deployment, relayer, home = fresh
    clients = 200
    terms = {"rules": {"ai-training": {"mode": "licence", "fee": 31_337}}}
    hashes = [hash_bytes(os.urandom(32)) for _ in range(clients)]
    start_nonce = w3.eth.get_transaction_count(relayer.address)
    key = "0x" + bytes(relayer.key).hex()
    with serving(anvil_url, home, key, RIGHTSLEDGER_GATEWAY_RATE_LIMIT="0") as url:
        barrier = threading.Barrier(clients)
        # One pool of connections (building an httpx client costs ~18 ms of CPU, which would make
        # this measure the test's clients): prepare and submit may reach different workers.
        limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
        http = httpx.Client(base_url=url, timeout=300, limits=limits)

        def client(index: int) -> tuple[int, int, str]:
            account = Account.create()
            body = {"action": "register", "from": account.address, "contentHash": hashes[index], "terms": terms}
            barrier.wait()
            prepared = http.post("/relay/prepare", json=body)
            if prepared.status_code != 200:
                return prepared.status_code, 0, prepared.text
            answer = http.post("/works", json=sign_prepared(prepared.json(), account))
            return 200, answer.status_code, answer.json()["transaction"] if answer.status_code == 201 else answer.text

        began = time.monotonic()
        with http, ThreadPoolExecutor(clients) as pool:
            results = list(pool.map(client, range(clients)))
        elapsed = time.monotonic() - began
        # Both workers answer /info with the index: the one that follows it, and the ones that read it.
        infos = [httpx.get(f"{url}/info", headers={"connection": "close"}, timeout=30) for _ in range(8)]
        indexes = [info.json()["index"] for info in infos]
        assert all(i is not None and i["block"] > 0 and i["error"] is None for i in indexes), indexes
    assert [r[:2] for r in results] == [(200, 201)] * clients, [r for r in results if r[:2] != (200, 201)][:3]
    ledger = RightsLedger(w3, deployment)
    assert all(ledger.is_registered(h) for h in hashes)
    # One policy for the one set of terms (stored by the first registration carrying it), and
    # exactly one relayer nonce per executeBatch transaction the answers name: none lost, none
    # used twice by the two workers.
    assert ledger.policies.count() == 1
    assert ledger.policies.find(Terms.model_validate(terms)) == 1
    transactions = {r[2] for r in results}
    assert len(transactions) < clients, "concurrent requests were batched"
    assert w3.eth.get_transaction_count(relayer.address) == start_nonce + len(transactions)
    assert TxJournal(home / f"gateway-state-{deployment.chain_id}.sqlite").entries(relayer.address) == []
    print(f"\n{clients} relayed registrations through 2 workers in {elapsed:.1f} s: {clients / elapsed:.1f}/s")


def test_the_rate_limit_is_counted_across_workers(
    w3: Web3, anvil_url: str, fresh: tuple[Deployment, Any, Path]
) -> None:
    _, relayer, home = fresh
    key = "0x" + bytes(relayer.key).hex()
    limits = {"RIGHTSLEDGER_GATEWAY_RATE_LIMIT": "0.01", "RIGHTSLEDGER_GATEWAY_RATE_BURST": "10"}
    with serving(anvil_url, home, key, **limits) as url:

        def get(_: int) -> int:
            # A new connection each time, so the requests are spread over both workers.
            return httpx.get(f"{url}/info", timeout=30, headers={"connection": "close"}).status_code

        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(get, range(40)))
    # Per-process buckets would let up to 2 x 10 through; shared ones let the burst of 10 through.
    assert statuses.count(200) == 10, statuses
    assert statuses.count(429) == 30
