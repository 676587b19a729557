"""Concurrent relayed writes through HTTP: none lost, none duplicated (bounded: 40 requests, 8 threads)."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import httpx
from web3 import Web3

from rightsledger import RightsLedger, hash_bytes
from rightsledger.chain import dev_account
from rightsledger.chain.deployments import Deployment

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

    def worker(index: int) -> list[tuple[int, str]]:
        signer = dev_account(1 + index)  # one signer per thread; the relayer is shared by all
        with httpx.Client(base_url=gateway_url, timeout=120) as http:
            answers = [relay_register(http, signer, h) for h in hashes[index::THREADS]]
            return [(a.status_code, a.json().get("transaction", "")) for a in answers]

    with ThreadPoolExecutor(THREADS) as pool:
        answers = [a for batch in pool.map(worker, range(THREADS)) for a in batch]

    assert [status for status, _ in answers] == [201] * N
    assert all(ledger.is_registered(h) for h in hashes)
    assert ledger.works.functions.registrationCount().call() == registrations + N
    # Concurrent requests share executeBatch transactions: the relayer sent exactly those its
    # answers name, each mined once.
    transactions = {tx for _, tx in answers}
    assert 1 <= len(transactions) <= N
    assert w3.eth.get_transaction_count(relayer) == relayer_nonce + len(transactions)
