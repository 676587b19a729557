"""Issue 12 finding 8 through the SDK, on a paused anvil of its own: the holder's switch of terms
lands in the same block as, and before, a buyer's purchase. `Licensing.buy` binds the purchase to
the policy id and the licence end it read, so the buyer pays nothing instead of buying worse terms."""

from __future__ import annotations

import threading
import time
from typing import Any

from web3 import Web3

from rightsledger import ContractRevert, Mode, RightsLedger, Rule, Terms, Use
from rightsledger.chain import dev_account
from rightsledger.chain.deployments import Deployment

from .test_relayer_restart import own_chain, paused, shared_pool, wait_until

__all__ = ["own_chain", "paused"]  # the fixtures, shared with the relayer's restart tests

FEE = 10**16


def _in_thread(call: Any, result: dict[str, Any], key: str) -> threading.Thread:
    def run() -> None:
        try:
            result[key] = call()
        except Exception as exc:  # the test asserts on it
            result[key] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_attack_frontRunTermsSwitchMakesTheSdkPurchaseRevertNotPay(paused: tuple[Web3, Deployment]) -> None:
    w3, deployment = paused
    w3.provider.make_request("evm_setAutomine", [True])  # type: ignore[arg-type]
    alice = RightsLedger(w3, deployment, dev_account(1))
    bob = RightsLedger(w3, deployment, dev_account(2))
    now = int(w3.eth.get_block("latest")["timestamp"])
    seen = Terms(rules={Use.AI_TRAINING: Rule(mode=Mode.LICENCE, fee=FEE, end=now + 365 * 86400)})
    worse = Terms(rules={Use.AI_TRAINING: Rule(mode=Mode.LICENCE, fee=FEE, end=now + 3600)})
    song = b"a front-run song " + int(time.time_ns()).to_bytes(8, "big")
    alice.register(song, terms=seen)
    alice.register(b"another work " + song)
    worse_id = alice.set_terms(b"another work " + song, worse)  # the worse policy, stored beforehand
    assert alice.work(song).policy_id != worse_id
    before = w3.eth.get_balance(bob.address)

    w3.provider.make_request("evm_setAutomine", [False])  # type: ignore[arg-type]
    result: dict[str, Any] = {}
    switch = _in_thread(lambda: alice.set_terms(song, worse_id), result, "switch")
    wait_until(lambda: len(shared_pool(w3)) == 1)  # the holder's transaction is first in the pool
    buy = _in_thread(lambda: bob.licensing.buy(song, Use.AI_TRAINING), result, "buy")
    wait_until(lambda: len(shared_pool(w3)) == 2 or "buy" in result)
    w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
    switch.join(30)
    buy.join(30)

    assert not isinstance(result["switch"], Exception), result["switch"]
    assert isinstance(result["buy"], ContractRevert), result["buy"]
    assert result["buy"].error == "LicenceTermsChanged"
    assert alice.work(song).policy_id == worse_id
    assert bob.licensing.licences(licensee=bob.address, item=song) == []
    assert before - w3.eth.get_balance(bob.address) < FEE, "the fee was not paid (only gas, if anything)"
