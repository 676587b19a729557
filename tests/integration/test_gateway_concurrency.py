"""Relayed registrations under concurrency, through HTTP: many signers at once whose terms are not
stored yet all land, one policy is created for one set of terms, and requests prepared at the same
moment with different terms each get their own terms on chain (never a 500, never swapped terms):
each request carries its terms, and the first of them to be mined stores them."""

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

from rightsledger import RightsLedger, Terms, Use, hash_bytes

from ..gateway_support import isolated_gateway, sign_prepared

CLIENTS = 200


def _terms(fee: int) -> dict[str, Any]:
    return {"rules": {"ai-training": {"mode": "licence", "fee": fee}}}


def _prepare(http: httpx.Client, account: Any, content_hash: str, terms: dict[str, Any]) -> httpx.Response:
    body = {"action": "register", "from": account.address, "contentHash": content_hash, "terms": terms}
    return http.post("/relay/prepare", json=body)


def test_concurrent_signers_with_the_same_new_terms_all_land_and_create_one_policy(
    w3: Web3, anvil_url: str, tmp_path: Path
) -> None:
    with isolated_gateway(w3, anvil_url, tmp_path) as gw:
        ledger = RightsLedger(w3, gw.deployment)
        terms = _terms(fee=7_777)
        policies_before = ledger.policies.functions.policyCount().call()
        hashes = [hash_bytes(os.urandom(32)) for _ in range(CLIENTS)]
        start = threading.Barrier(CLIENTS)
        limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
        http = httpx.Client(base_url=gw.url, timeout=300, limits=limits)  # one pool: clients cost little CPU

        def client(index: int) -> tuple[int, int, str]:
            account = Account.create()
            start.wait()
            prepared = _prepare(http, account, hashes[index], terms)
            if prepared.status_code != 200:
                return prepared.status_code, 0, prepared.text
            answer = http.post("/works", json=sign_prepared(prepared.json(), account))
            return 200, answer.status_code, answer.text

        began = time.monotonic()
        with http, ThreadPoolExecutor(CLIENTS) as pool:
            results = list(pool.map(client, range(CLIENTS)))
        elapsed = time.monotonic() - began

        statuses = [(p, s) for p, s, _ in results]
        assert statuses == [(200, 201)] * CLIENTS, [r for r in results if r[:2] != (200, 201)][:5]
        assert ledger.policies.functions.policyCount().call() == policies_before + 1
        policy_id = ledger.policies.find(Terms.model_validate(terms))
        assert policy_id is not None
        assert {ledger.work(h).policy_id for h in hashes} == {policy_id}
        print(f"\n{CLIENTS} relayed registrations with new terms in {elapsed:.1f} s: {CLIENTS / elapsed:.1f}/s")


def test_requests_prepared_at_once_with_different_terms_each_get_their_own_terms(
    w3: Web3, anvil_url: str, tmp_path: Path
) -> None:
    clients = 24
    with isolated_gateway(w3, anvil_url, tmp_path) as gw:
        ledger = RightsLedger(w3, gw.deployment)
        fees = [1_000 + i for i in range(clients)]
        hashes = [hash_bytes(os.urandom(32)) for _ in range(clients)]
        accounts = [Account.create() for _ in range(clients)]
        with httpx.Client(base_url=gw.url, timeout=300) as http:
            # All prepared before any is sent: every one names a policy id not stored yet.
            with ThreadPoolExecutor(clients) as pool:
                prepared = list(
                    pool.map(lambda i: _prepare(http, accounts[i], hashes[i], _terms(fees[i])), range(clients))
                )
            assert [p.status_code for p in prepared] == [200] * clients
            with ThreadPoolExecutor(clients) as pool:
                answers = list(
                    pool.map(
                        lambda i: http.post("/works", json=sign_prepared(prepared[i].json(), accounts[i])),
                        range(clients),
                    )
                )
        assert [a.status_code for a in answers] == [201] * clients, [a.text for a in answers if a.status_code != 201]
        for content_hash, fee in zip(hashes, fees, strict=True):
            rule = ledger.work(content_hash).terms.rules[Use.AI_TRAINING]
            assert rule.fee == fee


def test_other_terms_stored_between_prepare_and_submit_change_nothing(
    w3: Web3, anvil_url: str, tmp_path: Path
) -> None:
    """The request carries its terms, not a policy id: another policy stored in between (which took
    the next id) cannot give the request other terms, and the request still lands (it used to get
    400 `terms-changed`)."""
    with isolated_gateway(w3, anvil_url, tmp_path) as gw:
        ledger = RightsLedger(w3, gw.deployment, gw.deployer)
        account = Account.create()
        content_hash = hash_bytes(os.urandom(32))
        with httpx.Client(base_url=gw.url, timeout=60) as http:
            prepared = _prepare(http, account, content_hash, _terms(4_242))
            assert prepared.status_code == 200
            # Someone else stores other terms directly, taking the next policy id.
            taken = ledger.policies.ensure(Terms.model_validate(_terms(9_999)))
            answer = http.post("/works", json=sign_prepared(prepared.json(), account))
        assert answer.status_code == 201, answer.text
        assert answer.json()["function"] == "registerWithTerms"
        work = ledger.work(content_hash)
        assert work.policy_id == taken + 1
        assert work.terms.rules[Use.AI_TRAINING].fee == 4_242


if __name__ == "__main__":  # pragma: no cover
    pytest.main([__file__, "-s"])
