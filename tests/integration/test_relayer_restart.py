"""The relayer's state survives a restart: its nonce sequence and the transactions it sent, in a
SQLite state file. A new relayer over the same file finishes what the previous one left (a lost
transaction is re-sent, a stuck one replaced with higher fees) and never reuses a nonce.

These tests stop and start mining, so they run on an anvil of their own."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from web3 import Web3

from rightsledger import RightsLedger, hash_bytes
from rightsledger.chain import dev_account
from rightsledger.chain.connection import connect_web3
from rightsledger.chain.deploy import deploy
from rightsledger.chain.deployments import Deployment
from rightsledger.chain.state_file import TxJournal
from rightsledger.chain.transactions import Transactor
from rightsledger.errors import ChainError, RelayError
from rightsledger.sdk.relay import Relayer

from .conftest import throwaway_anvil

RELAYER = dev_account(8)


@pytest.fixture(scope="module")
def own_chain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Web3, Deployment]]:
    with throwaway_anvil() as url:
        w3 = connect_web3(url)
        yield w3, deploy(w3, dev_account(0), home=tmp_path_factory.mktemp("home"))


@pytest.fixture
def paused(own_chain: tuple[Web3, Deployment]) -> Iterator[tuple[Web3, Deployment]]:
    """The chain with automatic mining off for the test (blocks only on `evm_mine`)."""
    w3, deployment = own_chain
    w3.provider.make_request("evm_setAutomine", [False])  # type: ignore[arg-type]
    try:
        yield w3, deployment
    finally:
        w3.provider.make_request("evm_setAutomine", [True])  # type: ignore[arg-type]
        w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]


def _relay_in_thread(relayer: Relayer, content: bytes) -> tuple[threading.Thread, dict[str, Any]]:
    """Sign a registration by a fresh user and relay it in a thread (it waits for a block)."""
    user = Account.create()
    builder = relayer.builder
    signed = builder.register(user.address, content).sign(user, builder.chain_id, builder.forwarder_address)
    result: dict[str, Any] = {}

    def run() -> None:
        try:
            result["receipt"] = relayer.relay(signed)
        except Exception as exc:  # the test asserts on it
            result["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, result


def wait_until(condition: Callable[[], bool], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.05)


def _mine_until_done(w3: Web3, *threads: threading.Thread) -> None:
    deadline = time.monotonic() + 60
    while any(t.is_alive() for t in threads):
        assert time.monotonic() < deadline, "the relayed requests were never finished"
        w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
        time.sleep(0.1)


def shared_pool(w3: Web3) -> list[str]:
    content = w3.provider.make_request("txpool_content", [])["result"]  # type: ignore[arg-type]
    return [tx["hash"] for by_nonce in content["pending"].values() for tx in by_nonce.values()]


def test_a_restarted_relayer_resends_a_lost_transaction_and_never_reuses_its_nonce(
    paused: tuple[Web3, Deployment], tmp_path: Path
) -> None:
    w3, deployment = paused
    state = tmp_path / "relayer-state.sqlite"
    first = Relayer(RightsLedger(w3, deployment, RELAYER), state_file=state)
    start_nonce = w3.eth.get_transaction_count(RELAYER.address)
    old_thread, old = _relay_in_thread(first, b"sent before the restart")
    wait_until(lambda: len(TxJournal(state).entries(RELAYER.address)) == 1)
    lost = TxJournal(state).entries(RELAYER.address)[0]
    assert lost.nonce == start_nonce
    # The journal is written ahead of the send: wait until the node has the transaction too.
    wait_until(lambda: lost.hash in shared_pool(w3))
    # The node forgets it (as a restarted node without its pool would), and the relayer restarts.
    w3.provider.make_request("anvil_dropTransaction", [lost.hash])  # type: ignore[arg-type]
    assert shared_pool(w3) == [] and w3.eth.get_transaction_count(RELAYER.address, "pending") == start_nonce

    second = Relayer(RightsLedger(w3, deployment, RELAYER), state_file=state)
    assert second.recovered == {"rebroadcast": 1}
    assert shared_pool(w3) == [lost.hash]
    new_thread, new = _relay_in_thread(second, b"sent after the restart")
    wait_until(lambda: len(TxJournal(state).entries(RELAYER.address)) == 2)
    assert [e.nonce for e in TxJournal(state).entries(RELAYER.address)] == [start_nonce, start_nonce + 1]

    _mine_until_done(w3, old_thread, new_thread)
    assert "error" not in old and "error" not in new, (old, new)
    ledger = RightsLedger(w3, deployment)
    assert ledger.is_registered(b"sent before the restart") and ledger.is_registered(b"sent after the restart")
    assert w3.eth.get_transaction_count(RELAYER.address) == start_nonce + 2
    assert old["receipt"].transaction == lost.hash
    assert TxJournal(state).entries(RELAYER.address) == []


def test_a_stuck_transaction_is_replaced_with_higher_fees_and_mined(
    paused: tuple[Web3, Deployment], tmp_path: Path
) -> None:
    w3, deployment = paused
    state = tmp_path / "relayer-state.sqlite"
    first = Relayer(RightsLedger(w3, deployment, RELAYER), state_file=state)
    start_nonce = w3.eth.get_transaction_count(RELAYER.address)
    thread, result = _relay_in_thread(first, b"stuck in the pool")
    wait_until(lambda: len(TxJournal(state).entries(RELAYER.address)) == 1)
    stuck = TxJournal(state).entries(RELAYER.address)[0]
    wait_until(lambda: stuck.hash in shared_pool(w3))  # journalled ahead of the send: the node has it too

    # A restart that finds it unmined for longer than the timeout (here: at once) replaces it.
    second = Relayer(RightsLedger(w3, deployment, RELAYER), state_file=state, stuck_after=0)
    assert second.recovered == {"replaced": 1}
    entries = TxJournal(state).entries(RELAYER.address)
    assert len(entries) == 2 and {e.nonce for e in entries} == {start_nonce}
    replacement = entries[-1]
    assert replacement.max_fee * 8 >= stuck.max_fee * 9  # >= +12.5 %, as nodes require
    assert replacement.priority_fee * 8 >= stuck.priority_fee * 9
    assert shared_pool(w3) == [replacement.hash]

    _mine_until_done(w3, thread)
    assert "error" not in result, result
    # The first relayer's waiter saw the replacement mined: the same request, one nonce, one registration.
    assert result["receipt"].transaction == replacement.hash
    assert RightsLedger(w3, deployment).is_registered(b"stuck in the pool")
    assert w3.eth.get_transaction_count(RELAYER.address) == start_nonce + 1
    assert TxJournal(state).entries(RELAYER.address) == []
    tx = w3.eth.get_transaction(replacement.hash)  # type: ignore[arg-type]
    assert tx["maxPriorityFeePerGas"] == replacement.priority_fee


def test_a_waiting_relayer_replaces_its_own_stuck_transaction(
    paused: tuple[Web3, Deployment], tmp_path: Path
) -> None:
    w3, deployment = paused
    state = tmp_path / "relayer-state.sqlite"
    relayer = Relayer(RightsLedger(w3, deployment, RELAYER), state_file=state, stuck_after=0.5)
    thread, result = _relay_in_thread(relayer, b"replaced while waited for")
    wait_until(lambda: len(TxJournal(state).entries(RELAYER.address)) >= 2, timeout=20)
    assert len(shared_pool(w3)) == 1
    _mine_until_done(w3, thread)
    assert "error" not in result, result
    assert RightsLedger(w3, deployment).is_registered(b"replaced while waited for")


def test_the_journal_of_a_mined_transaction_is_dropped_on_restart(
    own_chain: tuple[Web3, Deployment], tmp_path: Path
) -> None:
    w3, deployment = own_chain
    state = tmp_path / "relayer-state.sqlite"
    relayer = Relayer(RightsLedger(w3, deployment, RELAYER), state_file=state)
    user = Account.create()
    builder = relayer.builder
    signed = builder.register(user.address, b"mined at once").sign(user, builder.chain_id, builder.forwarder_address)
    receipt = relayer.relay(signed)
    assert TxJournal(state).entries(RELAYER.address) == []
    assert RightsLedger(w3, deployment).work(b"mined at once").content_hash == hash_bytes(b"mined at once")
    assert receipt.block > 0
    assert Relayer(RightsLedger(w3, deployment, RELAYER), state_file=state).recovered == {}


def test_a_journal_of_another_chain_is_forgotten_and_the_sequence_follows_the_node(
    own_chain: tuple[Web3, Deployment], w3: Web3, tmp_path: Path
) -> None:
    """A local node started afresh (another genesis block) under the same state file: the old
    journal's nonces and transactions mean nothing there and are dropped, not re-sent."""
    mine, _ = own_chain
    state = tmp_path / "relayer-state.sqlite"
    account = dev_account(7)
    first = Transactor(mine, account, journal=TxJournal(state))
    assert first.recover() == {}
    tx_hash, sent = first.submit({"to": account.address, "value": 0, "data": "0x"}, action="a transfer", gas=21_000)
    first.wait(tx_hash, sent, action="a transfer")
    journal = TxJournal(state)
    with journal.transaction() as db:  # as if a transaction were still in flight on that chain
        db.execute("UPDATE relayer_txs SET done_at = NULL")
        db.execute("UPDATE relayer_nonces SET next = next + 40")
    other = Transactor(w3, account, journal=TxJournal(state))
    assert other.recover() == {"other-chain": 1}
    assert TxJournal(state).entries(account.address) == []
    with journal.transaction() as db:
        assert journal.next_nonce(db, account.address) == w3.eth.get_transaction_count(account.address, "pending")


def test_a_nonce_whose_transaction_the_node_refuses_is_filled_so_later_ones_are_not_stuck(
    own_chain: tuple[Web3, Deployment], tmp_path: Path
) -> None:
    w3, _ = own_chain
    account = dev_account(6)
    transactor = Transactor(w3, account, journal=TxJournal(tmp_path / "relayer-state.sqlite"))
    transactor.recover()
    start = w3.eth.get_transaction_count(account.address)
    # More gas than a block holds: the node refuses it after its nonce was allocated and journalled.
    with pytest.raises(ChainError, match="refused"):
        transactor.submit({"to": account.address, "value": 0, "data": "0x"}, action="too big", gas=10**9)
    tx_hash, sent = transactor.submit({"to": account.address, "value": 1, "data": "0x"}, action="next", gas=21_000)
    assert sent["nonce"] == start + 1
    receipt = transactor.wait(tx_hash, sent, action="next")
    assert receipt["status"] == 1
    # The refused nonce went to a 0-value transfer to itself instead.
    filler = w3.eth.get_transaction_by_block(receipt["blockNumber"] - 1, 0) if receipt["blockNumber"] > 1 else None
    assert w3.eth.get_transaction_count(account.address) == start + 2
    assert filler is not None and filler["nonce"] == start and filler["value"] == 0 and filler["to"] == account.address


def test_attack_aStuckTransactionIsNotReplacedAtEverHigherFeesWithoutLimit(
    paused: tuple[Web3, Deployment], tmp_path: Path
) -> None:
    """Each replacement adds 12.5 %: left stuck for an hour (congestion, a node that will not mine it)
    a replaced every minute would bid ~1,000x the market's tip. Replacements stop at
    MAX_FEE_OVER_MARKET times the market's fees; the transaction then waits ("capped")."""
    from rightsledger.chain.transactions import MAX_FEE_OVER_MARKET

    w3, _ = paused
    account = dev_account(5)
    transactor = Transactor(w3, account, journal=TxJournal(tmp_path / "relayer-state.sqlite"), stuck_after=0)
    transactor.recover()
    tx_hash, sent = transactor.submit({"to": account.address, "value": 0, "data": "0x"}, action="stuck", gas=21_000)
    nonce = int(sent["nonce"])
    wait_until(lambda: "0x" + tx_hash.hex() in shared_pool(w3))
    base = int(w3.eth.get_block("latest")["baseFeePerGas"])  # no block is mined meanwhile: the market stays
    market = {"maxFeePerGas": 2 * base + 10**9, "maxPriorityFeePerGas": 10**9}  # as Transactor prices it
    outcomes = [transactor.check(account.address, nonce) for _ in range(40)]
    newest = TxJournal(tmp_path / "relayer-state.sqlite").entries(account.address, nonce)[-1]
    assert outcomes[0] == "replaced" and outcomes[-1] == "capped", outcomes
    assert outcomes.count("replaced") < 40
    assert newest.max_fee <= MAX_FEE_OVER_MARKET * market["maxFeePerGas"]
    assert newest.priority_fee <= MAX_FEE_OVER_MARKET * market["maxPriorityFeePerGas"]
    w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
    receipt = transactor.wait(bytes.fromhex(newest.hash[2:]), sent, action="stuck")
    assert receipt["status"] == 1 and transactor.check(account.address, nonce) == "mined"


def test_attack_aSecondRequestWhileOneIsInFlightIsRefusedNotSentUnsimulated(
    paused: tuple[Web3, Deployment], tmp_path: Path
) -> None:
    """Issue 12 finding 5: a signer's next request, built on one still in flight, skipped the
    simulation (the forwarder's nonce could not be checked yet) and was sent at the relayer's risk.
    Now it is refused before anything is sent; once the first is mined the next one goes through."""
    w3, deployment = paused
    relayer = Relayer(RightsLedger(w3, deployment, RELAYER), state_file=tmp_path / "relayer-state.sqlite")
    user = Account.create()
    builder = relayer.builder
    first = builder.register(user.address, b"first in flight").sign(user, builder.chain_id, builder.forwarder_address)
    result: dict[str, Any] = {}
    thread = threading.Thread(target=lambda: result.update(receipt=relayer.relay(first)), daemon=True)
    thread.start()
    wait_until(lambda: len(shared_pool(w3)) == 1)
    second = builder.register(user.address, b"second, on top").sign(user, builder.chain_id, builder.forwarder_address)
    assert second.request.nonce == first.request.nonce + 1
    sent = w3.eth.get_transaction_count(RELAYER.address, "pending")
    with pytest.raises(RelayError) as info:
        relayer.relay(second)
    assert info.value.code == "request-in-flight"
    assert w3.eth.get_transaction_count(RELAYER.address, "pending") == sent, "nothing was sent"
    _mine_until_done(w3, thread)
    assert "receipt" in result
    w3.provider.make_request("evm_setAutomine", [True])  # type: ignore[arg-type]
    assert relayer.relay(second).nonce == first.request.nonce + 1
    assert RightsLedger(w3, deployment).is_registered(b"second, on top")


def test_attack_twoWorkersNeverRelayOneSignerNonceTwice(paused: tuple[Web3, Deployment], tmp_path: Path) -> None:
    """README Known limits (issue 13): a signer's in-flight requests were tracked per worker, so two
    requests with the same forwarder nonce sent to two workers were both simulated (the nonce is
    unused until one is mined) and both sent: one reverted on chain at the relayer's cost. The
    (signer, nonce) is now claimed in the shared state file before anything is simulated or sent:
    the second worker answers request-in-flight (409) and sends nothing."""
    w3, deployment = paused
    state = tmp_path / "relayer-state.sqlite"
    # Two gateway workers: two relayers over one account and one state file.
    one = Relayer(RightsLedger(w3, deployment, RELAYER), state_file=state)
    two = Relayer(RightsLedger(w3, deployment, RELAYER), state_file=state)
    user = Account.create()
    builder = one.builder
    nonce = builder.nonce(user.address)
    first = builder.register(user.address, b"same nonce, worker one")
    second = builder.register(user.address, b"same nonce, worker two")
    assert first.nonce == second.nonce == nonce
    signed_first = first.sign(user, builder.chain_id, builder.forwarder_address)
    signed_second = second.sign(user, builder.chain_id, builder.forwarder_address)
    result: dict[str, Any] = {}
    thread = threading.Thread(target=lambda: result.update(receipt=one.relay(signed_first)), daemon=True)
    thread.start()
    wait_until(lambda: len(shared_pool(w3)) == 1)
    sent = w3.eth.get_transaction_count(RELAYER.address, "pending")
    for attempt in (signed_second, signed_first):  # another request with the nonce, and the very same one
        with pytest.raises(RelayError) as info:
            two.relay(attempt)
        assert info.value.code == "request-in-flight"
        assert f"nonce {nonce}" in str(info.value)
    assert w3.eth.get_transaction_count(RELAYER.address, "pending") == sent, "the second worker sent nothing"
    _mine_until_done(w3, thread)
    assert result["receipt"].nonce == nonce
    ledger = RightsLedger(w3, deployment)
    assert ledger.is_registered(b"same nonce, worker one") and not ledger.is_registered(b"same nonce, worker two")
    # Once mined, the claim is gone: the nonce is used (a replay), the next one is free in either worker.
    w3.provider.make_request("evm_setAutomine", [True])  # type: ignore[arg-type]
    with pytest.raises(RelayError) as info:
        two.relay(signed_second)
    assert info.value.code == "nonce-used"
    third = two.builder.register(user.address, b"next nonce, worker two")
    assert two.relay(third.sign(user, builder.chain_id, builder.forwarder_address)).nonce == nonce + 1
