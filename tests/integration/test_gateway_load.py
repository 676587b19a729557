"""Concurrent relayed writes through HTTP: none lost, none duplicated (bounded: 40 requests, 8 threads)."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import httpx
from web3 import Web3

from rightsledger import RightsLedger, hash_bytes
from rightsledger.chain import dev_account
from rightsledger.deployments import Deployment

from ..gateway_support import relay_register

N, THREADS = 40, 8


def test_concurrent_relayed_registrations_all_land_exactly_once(
    gateway_url: str, w3: Web3, deployment: Deployment
) -> None:
    ledger = RightsLedger(w3, deployment)
    relayer = dev_account(9).address
    relayer_nonce = w3.eth.get_transaction_count(relayer)
    registrations = ledger.works.functions.registrationCount().call()
    hashes = [hash_bytes(os.urandom(32)) for _ in range(N)]

    def worker(index: int) -> list[int]:
        signer = dev_account(1 + index)  # one signer per thread; the relayer is shared by all
        with httpx.Client(base_url=gateway_url, timeout=120) as http:
            return [relay_register(http, signer, h).status_code for h in hashes[index::THREADS]]

    with ThreadPoolExecutor(THREADS) as pool:
        statuses = [s for batch in pool.map(worker, range(THREADS)) for s in batch]

    assert statuses == [201] * N
    assert all(ledger.is_registered(h) for h in hashes)
    assert ledger.works.functions.registrationCount().call() == registrations + N
    assert w3.eth.get_transaction_count(relayer) == relayer_nonce + N
