"""Declarations, Merkle proofs verified on chain, violations judged on the terms in force at
declaration time, removal requests, and the levy fund, through the SDK on a real anvil."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from web3 import Web3

from rightsledger import ContractRevert, Mode, Reason, RightsLedger, Rule, Terms, Use, hash_bytes
from rightsledger.merkle import MerkleTree

NODES = ("anvil", "hardhat")  # these tests run on both nodes (tests/integration/conftest.py)

OPEN_TRAINING = Terms(rules={Use.AI_TRAINING: Rule(mode=Mode.ALLOW)})
PAID_TRAINING = Terms(rules={Use.AI_TRAINING: Rule(mode=Mode.LICENCE, fee=10**15)})


def _declare(client: RightsLedger, blobs: list[bytes], use: Use = Use.AI_TRAINING) -> tuple[int, MerkleTree]:
    tree = MerkleTree.of([hash_bytes(b) for b in blobs])
    return client.datasets.declare(tree, use, "ipfs://manifest").dataset_id, tree


def _set_time(w3: Web3, seconds_ahead: int) -> None:
    w3.provider.make_request("evm_increaseTime", [seconds_ahead])  # type: ignore[arg-type]
    w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(size=st.integers(min_value=1, max_value=40), pick=st.integers(min_value=0, max_value=39))
def test_every_python_proof_verifies_on_chain(bob: RightsLedger, size: int, pick: int) -> None:
    blobs = [os.urandom(16) for _ in range(size)]
    dataset_id, tree = _declare(bob, blobs)
    member = hash_bytes(blobs[pick % size])
    registry = bob.datasets.registry.functions
    assert registry.verifyInclusion(dataset_id, member, tree.proof(member)).call()
    assert not registry.verifyInclusion(dataset_id, hash_bytes(b"not in it"), tree.proof(member)).call()


def test_proof_records_a_violation_when_terms_denied_the_use_at_declaration(
    alice: RightsLedger, bob: RightsLedger, eve: RightsLedger, chain: Web3
) -> None:
    alice.register(b"reserved work")  # no terms: every use denied
    alice.register(b"paid work", terms=PAID_TRAINING)
    _set_time(chain, 60)
    dataset_id, tree = _declare(bob, [b"reserved work", b"paid work", b"someone else's"])
    _set_time(chain, 60)
    # The holder opens the terms afterwards: the dataset was still a violation when declared.
    alice.set_terms(b"reserved work", OPEN_TRAINING)
    first = eve.datasets.prove(dataset_id, b"reserved work", tree=tree)
    second = alice.datasets.prove(dataset_id, b"paid work", tree=tree)
    assert (first.violation, first.reason) == (True, Reason.DENIED)
    assert (second.violation, second.reason) == (True, Reason.LICENCE_REQUIRED)
    status = alice.datasets.item_status(dataset_id, b"reserved work")
    assert status.proven and status.violation
    with pytest.raises(ContractRevert) as info:
        alice.datasets.prove(dataset_id, b"reserved work", tree=tree)
    assert info.value.error == "DatasetAlreadyProven"
    unregistered = alice.datasets.prove(dataset_id, b"someone else's", tree=tree)
    assert (unregistered.violation, unregistered.reason) == (False, Reason.UNREGISTERED)


def test_permitted_use_is_not_recorded_as_a_violation_even_if_terms_closed_later(
    alice: RightsLedger, bob: RightsLedger, chain: Web3
) -> None:
    alice.register(b"open work", terms=OPEN_TRAINING)
    _set_time(chain, 60)
    dataset_id, tree = _declare(bob, [b"open work", b"filler"])
    _set_time(chain, 60)
    alice.set_terms(b"open work", Terms())  # now denied, and opted out too
    alice.opt_out(b"open work", [Use.AI_TRAINING])
    assert alice.check(b"open work", Use.AI_TRAINING).reason is Reason.OPTED_OUT
    result = alice.datasets.prove(dataset_id, b"open work", tree=tree)
    assert (result.violation, result.reason) == (False, Reason.ALLOWED_BY_TERMS)
    status = alice.datasets.item_status(dataset_id, b"open work")
    assert status.proven and not status.violation


def test_a_licence_valid_at_declaration_counts_even_after_it_lapsed_and_a_new_one_began(
    alice: RightsLedger, bob: RightsLedger, chain: Web3
) -> None:
    alice.register(b"licensed work")  # terms deny training: only a licence permits it
    start = int(chain.eth.get_block("latest")["timestamp"])
    alice.licensing.grant(b"licensed work", Use.AI_TRAINING, bob.address, until=start + 1_000)
    _set_time(chain, 60)
    dataset_id, tree = _declare(bob, [b"licensed work", b"filler"])
    _set_time(chain, 5_000)  # the licence lapses; a new one starts a new period
    alice.licensing.grant(b"licensed work", Use.AI_TRAINING, bob.address, until=start + 100_000)
    result = alice.datasets.prove(dataset_id, b"licensed work", tree=tree)
    assert (result.violation, result.reason) == (False, Reason.ALLOWED_BY_LICENCE)


def test_work_registered_after_the_declaration_is_no_violation(
    alice: RightsLedger, bob: RightsLedger, chain: Web3
) -> None:
    dataset_id, tree = _declare(bob, [b"later work"])
    _set_time(chain, 60)
    alice.register(b"later work")
    result = alice.datasets.prove(dataset_id, b"later work", tree=tree)
    assert (result.violation, result.reason) == (False, Reason.UNREGISTERED)


def test_invalid_proof_is_refused(alice: RightsLedger, bob: RightsLedger) -> None:
    dataset_id, tree = _declare(bob, [b"a", b"b", b"c"])
    with pytest.raises(ContractRevert) as info:
        alice.datasets.prove(dataset_id, b"not there", proof=tree.proof(hash_bytes(b"a")))
    assert info.value.error == "DatasetInvalidProof"


def test_removal_request_and_acknowledgement(alice: RightsLedger, bob: RightsLedger, eve: RightsLedger) -> None:
    alice.register(b"my song")
    dataset_id, tree = _declare(bob, [b"my song", b"other"])
    with pytest.raises(ContractRevert) as info:
        alice.datasets.request_removal(dataset_id, b"my song")
    assert info.value.error == "DatasetNotProven"
    alice.datasets.prove(dataset_id, b"my song", tree=tree)
    with pytest.raises(ContractRevert) as info:
        eve.datasets.request_removal(dataset_id, b"my song")
    assert info.value.error == "DatasetNotHolder"
    alice.datasets.request_removal(dataset_id, b"my song", "please remove: mailto:alice@example.org")
    with pytest.raises(ContractRevert) as info:
        eve.datasets.acknowledge_removal(dataset_id, b"my song")
    assert info.value.error == "DatasetNotDeclarer"
    bob.datasets.acknowledge_removal(dataset_id, b"my song", "removed from v2")
    status = alice.datasets.item_status(dataset_id, b"my song")
    assert status.removal_requested and status.removal_acknowledged
    assert status.describe() == "proven, violation recorded, removal acknowledged"
    registry = alice.datasets.registry
    requested = registry.events.RemovalRequested().get_logs(from_block=0)
    acknowledged = registry.events.RemovalAcknowledged().get_logs(from_block=0)
    assert requested[0]["args"]["note"] == "please remove: mailto:alice@example.org"
    assert acknowledged[0]["args"]["declarer"] == bob.address
    trail = alice.trail(b"my song")
    dataset_stages = [(e.stage, e.actor) for e in trail if e.details.get("datasetId") == dataset_id]
    assert dataset_stages == [
        ("declared-in-dataset", alice.address),
        ("violation-recorded", alice.address),  # recorded by the proof alice sent
        ("removal-requested", alice.address),
        ("removal-acknowledged", bob.address),
    ], "the dataset's part of the work's provenance trail, in order"
    assert trail[-1].summary() == f"dataset #{dataset_id}: removed from v2"


def test_levy_claims_share_each_epoch_exactly_and_roll_over_the_rest(
    admin: RightsLedger, alice: RightsLedger, bob: RightsLedger, eve: RightsLedger, chain: Web3
) -> None:
    epoch_length = admin.datasets.levy.functions.schedule().call()[1]
    alice.register_batch([b"w1", b"w2"])
    bob.register(b"w3")
    _set_time(chain, 1)  # the levy pays works registered strictly before the declaration
    start = admin.datasets.current_epoch()
    eve.datasets.contribute(1_000)
    admin.datasets.contribute(1)
    _, tree_a = _declare(eve, [b"w1", b"w2", b"w3"])
    b_id, tree_b = _declare(eve, [b"w1", b"unregistered"])
    a_id = b_id - 1
    with pytest.raises(ContractRevert) as info:
        eve.datasets.admit(a_id)
    assert info.value.error == "LevyUnauthorized"
    assert admin.datasets.admit(a_id) == start and admin.datasets.admit(b_id) == start
    _set_time(chain, epoch_length)
    epoch = eve.datasets.finalize(start)
    assert (epoch.pool, epoch.items, epoch.per_item) == (1_001, 5, 200)
    assert eve.datasets.levy_accounts()["carriedOver"] == 1
    # Collection members first: individual claims open half an epoch after finalization.
    assert epoch.individual_claims_from == epoch.finalized_at + epoch_length // 2
    with pytest.raises(ContractRevert) as info:
        eve.datasets.claim(a_id, b"w1", tree=tree_a)
    assert info.value.error == "LevyMembersFirst" and info.value.args_by_name["opensAt"] == epoch.individual_claims_from
    assert "open at" in str(info.value) and "UTC" in str(info.value)
    _set_time(chain, epoch_length // 2)
    assert eve.datasets.claim(a_id, b"w1", tree=tree_a) == 200
    assert eve.datasets.claim(a_id, b"w2", tree=tree_a) == 200
    assert eve.datasets.claim(b_id, b"w1", tree=tree_b) == 200  # once per work per dataset: twice in two
    with pytest.raises(ContractRevert) as info:
        eve.datasets.claim(a_id, b"w1", tree=tree_a)
    assert info.value.error == "LevyAlreadyClaimed"
    with pytest.raises(ContractRevert) as info:
        eve.datasets.claim(b_id, b"unregistered", tree=tree_b)
    assert info.value.error == "LevyWorkNotRegistered"
    assert alice.datasets.levy_balance() == 600 and bob.datasets.levy_balance() == 0
    books = eve.datasets.levy_accounts()
    assert books["balance"] == books["credited"] + books["claimable"] + books["carriedOver"] + books["pending"]
    assert (books["credited"], books["claimable"]) == (600, 400)
    alice_before = alice.w3.eth.get_balance(alice.address)
    assert alice.datasets.withdraw_levy() == 600
    assert alice.w3.eth.get_balance(alice.address) > alice_before - 10**15  # minus gas
    # Next epoch: no datasets, the unclaimed share and the remainder roll over, once epoch `start`'s
    # claim window (at least one epoch long) has passed.
    assert epoch.claim_until == epoch.finalized_at + epoch_length
    _set_time(chain, epoch_length)
    nxt = eve.datasets.finalize(start + 1)
    assert (nxt.pool, nxt.items, nxt.per_item) == (401, 0, 0)
    with pytest.raises(ContractRevert) as info:
        bob.datasets.claim(a_id, b"w3", tree=tree_a)  # bob waited too long
    assert info.value.error == "LevyClaimWindowClosed"
    books = eve.datasets.levy_accounts()
    assert books["carriedOver"] == 401 and books["credited"] == 0 and books["claimable"] == 0
    assert books["balance"] == books["credited"] + books["claimable"] + books["carriedOver"] + books["pending"]
