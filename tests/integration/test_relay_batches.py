"""Relayed requests checked at about the same time go out in one `Forwarder.executeBatch`
transaction: each caller gets its own answer (its own events, its registration), a request whose
call fails in the batch sinks none of the others and costs at most its own gas, and the trail names
each request's signer, not the relayer, as the actor."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3

from rightsledger import RightsLedger, hash_bytes
from rightsledger.chain.deployments import Deployment
from rightsledger.errors import ContractRevert
from rightsledger.sdk.forwarding import FORWARDER_OVERHEAD, SignedForwardRequest
from rightsledger.sdk.relay import Relayer
from rightsledger.sdk.relay_batch import BATCH_BASE_GAS

from ..gateway_support import funded_account


@pytest.fixture
def relayer(chain: Web3, deployment: Deployment) -> Relayer:
    """A relayer of its own account that waits a whole second for requests to batch with."""
    return Relayer(RightsLedger(chain, deployment, funded_account(chain)), batch_window=1.0)


def _signed(relayer: Relayer, user: LocalAccount, content: bytes, uri: str = "") -> SignedForwardRequest:
    builder = relayer.builder
    request = builder.register(user.address, content, metadata_uri=uri)
    return request.sign(user, builder.chain_id, builder.forwarder_address)


def _relay_together(relayer: Relayer, requests: list[SignedForwardRequest]) -> list[Any]:
    """Relay each request in its own thread at once; each one's receipt or error, in order."""
    results: list[Any] = [None] * len(requests)

    def run(index: int) -> None:
        try:
            results[index] = relayer.relay(requests[index])
        except Exception as exc:  # the test asserts on it
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(requests))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def _gas(signed: SignedForwardRequest) -> int:
    """What the relayer counts for a request (its share of a batch's gas limit)."""
    return signed.request.gas * 64 // 63 + FORWARDER_OVERHEAD + 16 * len(signed.execute_data()) // 2


def test_concurrent_requests_share_one_transaction_and_each_caller_gets_its_own_answer(
    relayer: Relayer, deployment: Deployment
) -> None:
    users = [Account.create() for _ in range(4)]
    contents = [f"batched work {i}".encode() for i in range(4)]
    requests = [_signed(relayer, users[i], contents[i], f"ipfs://work-{i}") for i in range(4)]
    receipts = _relay_together(relayer, requests)
    assert all(not isinstance(r, Exception) for r in receipts), receipts
    assert len({r.transaction for r in receipts}) == 1, "one executeBatch transaction"
    assert all(r.batch_size == 4 for r in receipts)
    ledger = RightsLedger(relayer.ledger.ctx.w3, deployment)
    registration_ids = set()
    for user, content, receipt, index in zip(users, contents, receipts, range(4), strict=True):
        assert receipt.signer == user.address and receipt.content_hashes == (hash_bytes(content),)
        # Only its own events: its registration, registered by its signer with its metadata.
        registered = [e for e in receipt.events if e["event"] == "WorksRegistered"]
        assert len(registered) == 1
        assert registered[0]["registrant"] == user.address and registered[0]["metadataURI"] == f"ipfs://work-{index}"
        registration_ids.add(registered[0]["registrationId"])
        work = ledger.work(content)
        assert work.holder == user.address == work.registrant
        # The trail names the signer, not the relayer that sent the batch.
        entry = ledger.trail(content)[0]
        assert entry.stage == "registered" and entry.transaction == receipt.transaction
        assert entry.actor == user.address != relayer.address
        assert entry.details["registrationId"] == registered[0]["registrationId"]
        assert entry.details["metadataURI"] == f"ipfs://work-{index}"
    assert len(registration_ids) == 4


def test_a_request_that_fails_in_its_batch_sinks_none_of_the_others_and_costs_at_most_its_own_gas(
    relayer: Relayer, deployment: Deployment
) -> None:
    """Two signers register the same work at once: both simulations pass (neither is mined), the
    second's call reverts inside the batch. It gets the decoded contract error; the others land."""
    first, second, third = (Account.create() for _ in range(3))
    contested = b"claimed by two at once"
    requests = [
        _signed(relayer, first, contested),
        _signed(relayer, second, contested),
        _signed(relayer, third, b"an honest neighbour"),
    ]
    budget_before = relayer.budget.spent()
    nonces_before = [relayer.builder.nonce(u.address) for u in (first, second, third)]
    results = _relay_together(relayer, requests)
    failed = [r for r in results if isinstance(r, Exception)]
    landed = [r for r in results if not isinstance(r, Exception)]
    assert len(failed) == 1 and len(landed) == 2, results
    error = failed[0]
    assert isinstance(error, ContractRevert) and error.error == "WorkAlreadyRegistered"
    assert len({r.transaction for r in landed}) == 1 and landed[0].batch_size == 3
    ledger = RightsLedger(relayer.ledger.ctx.w3, deployment)
    winner = landed[0].signer if landed[0].content_hashes == (hash_bytes(contested),) else landed[1].signer
    assert ledger.work(contested).holder == winner
    assert ledger.work(b"an honest neighbour").holder == third.address
    # The failed request used its nonce (the forwarder ran it) and what the relayer spent on it is
    # bounded by its own gas: the batch's gas used stays under the three requests' limits.
    assert [relayer.builder.nonce(u.address) for u in (first, second, third)] == [n + 1 for n in nonces_before]
    assert relayer.budget.spent() - budget_before == sum(_gas(r) for r in requests)
    receipt = relayer.ledger.ctx.w3.eth.get_transaction_receipt(landed[0].transaction)  # type: ignore[arg-type]
    assert receipt["gasUsed"] < BATCH_BASE_GAS + sum(_gas(r) for r in requests)
    assert receipt["status"] == 1
