"""Collections registered by Merkle root: one transaction for many works, members proven when
checked (one at a time or in batches with proofs) and when their levy share is claimed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from web3 import Web3

from rightsledger import ContractRevert, Mode, Reason, RightsLedger, Rule, Status, Terms, Use, hash_bytes
from rightsledger.collections import CollectionClient
from rightsledger.merkle import MerkleTree

OPEN_TDM = Terms(rules={Use.TDM: Rule(mode=Mode.ALLOW), Use.AI_TRAINING: Rule(mode=Mode.LICENCE, fee=5)})


def test_a_thousand_works_cost_one_transaction_under_1000_gas_each(alice: RightsLedger, tmp_path: Path) -> None:
    archive = CollectionClient(alice.ctx, alice.policies, home=tmp_path)
    items = [os.urandom(32) for _ in range(1000)]
    reg = archive.register(items, terms=OPEN_TDM, metadata_uri="https://archive.example/items/")
    assert reg.count == 1000 and reg.tree_file.exists()
    assert reg.gas_used / 1000 <= 1_000
    results = archive.check_many(reg.collection_id, [*items[:50], b"not in the collection"], Use.TDM)
    assert [r.reason for r in results[:50]] == [Reason.ALLOWED_BY_TERMS] * 50
    assert results[50].reason is Reason.UNREGISTERED
    single = archive.check(reg.collection_id, items[7], Use.AI_TRAINING)
    assert single.reason is Reason.LICENCE_REQUIRED


def test_collection_opt_out_dispute_and_individual_registration(
    alice: RightsLedger, admin: RightsLedger, bob: RightsLedger, tmp_path: Path
) -> None:
    archive = CollectionClient(alice.ctx, alice.policies, home=tmp_path)
    reg = archive.register([b"plate 1", b"plate 2", b"plate 3"], terms=OPEN_TDM)
    cid = reg.collection_id
    # Registered on its own later, by someone else: a squatter's record does not override the collection.
    bob.register(b"plate 3")
    alice.ctx.send(archive.registry.functions.setCollectionOptOut(cid, 1 << Use.TDM.code), "opting out")
    answers = archive.check_many(cid, [b"plate 1", b"plate 3"], Use.TDM)
    assert [a.reason for a in answers] == [Reason.OPTED_OUT, Reason.OPTED_OUT]
    admin.collections.mark(cid, Status.DISPUTED, "")
    assert archive.check(cid, b"plate 2", Use.TDM).reason is Reason.DISPUTED
    with pytest.raises(ContractRevert) as info:
        bob.ctx.send(bob.collections.registry.functions.setCollectionPolicy(cid, 0), "hijack")
    assert info.value.error == "CollectionUnauthorized"
    with pytest.raises(ContractRevert) as info:
        alice.ctx.call(
            archive.registry.functions.checkMember(cid, hash_bytes(b"plate 1"), [], Use.TDM.code, bob.address, 0),
            "checking",
        )
    assert info.value.error == "CollectionInvalidProof"


def test_levy_share_of_a_collection_member_goes_to_the_collection_holder(
    admin: RightsLedger, alice: RightsLedger, eve: RightsLedger, chain: Web3, tmp_path: Path
) -> None:
    archive = CollectionClient(alice.ctx, alice.policies, home=tmp_path)
    reg = archive.register([b"scan 1", b"scan 2"], terms=OPEN_TDM)
    admin.collections.mark(reg.collection_id, Status.VERIFIED, "ipfs://deed")
    chain.provider.make_request("evm_increaseTime", [1])  # type: ignore[arg-type]
    start = eve.datasets.current_epoch()
    eve.datasets.contribute(1_000)
    tree = MerkleTree.of([hash_bytes(b"scan 1"), hash_bytes(b"other")])
    dataset_id = eve.datasets.declare(tree, Use.AI_TRAINING, "ipfs://m").dataset_id
    admin.datasets.admit(dataset_id)
    epoch_length = eve.datasets.levy.functions.schedule().call()[1]
    chain.provider.make_request("evm_increaseTime", [epoch_length])  # type: ignore[arg-type]
    chain.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
    eve.datasets.finalize(start)
    proof = archive.proof(reg.collection_id, b"scan 1")
    amount = eve.datasets.claim_for_collection_member(
        dataset_id, b"scan 1", reg.collection_id, tree=tree, member_proof=proof
    )
    assert amount == 500 and alice.datasets.levy_balance() == 500
    with pytest.raises(ContractRevert) as info:
        eve.datasets.claim_for_collection_member(dataset_id, b"other", reg.collection_id, tree=tree, member_proof=proof)
    assert info.value.error == "LevyInvalidMemberProof"
