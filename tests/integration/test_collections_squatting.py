"""Issue 12, finding 6 (residual): a squatter's later individual registration of a member of an
archive's collection answered a check of the bare hash and could take the member's levy share.
Anyone now contests it with the member's proof (SDK `contest_member`, CLI `collection contest`), and
individual levy claims open only after the collection members' phase."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from web3 import Web3

from rightsledger import ContractRevert, Mode, Reason, RightsLedger, Rule, Status, Terms, Use, hash_bytes
from rightsledger.chain import dev_account
from rightsledger.chain.deployments import Deployment
from rightsledger.collections import CollectionClient
from rightsledger.errors import ValidationError
from rightsledger.merkle import MerkleTree

ALLOW_TRAINING = Terms(rules={Use.AI_TRAINING: Rule(mode=Mode.ALLOW)})


def _later(chain: Web3, seconds: int = 1) -> None:
    chain.provider.make_request("evm_increaseTime", [seconds])  # type: ignore[arg-type]
    chain.provider.make_request("evm_mine", [])  # type: ignore[arg-type]


def test_attack_squatter_registering_a_collection_member_later_is_contested_and_bare_hash_check_denies(
    admin: RightsLedger, alice: RightsLedger, bob: RightsLedger, eve: RightsLedger, chain: Web3, tmp_path: Path,
    deployment: Deployment,
) -> None:
    wired = admin.works.contract.functions.collectionRegistry().call()
    assert wired == deployment.contracts["CollectionRegistry"], "deploy wires the collection registry"
    archive = CollectionClient(alice.ctx, alice.policies, home=tmp_path)
    reg = archive.register([b"scan 1", b"scan 2"])  # every use denied
    admin.collections.mark(reg.collection_id, Status.VERIFIED, "ipfs://deed")
    _later(chain)
    eve.register(b"scan 1", terms=ALLOW_TRAINING)
    assert eve.check(b"scan 1", Use.AI_TRAINING).allowed, "the attack: the bare hash followed the squatter"
    contester = CollectionClient(bob.ctx, bob.policies, home=tmp_path)  # anyone, with the kept tree
    transaction = contester.contest_member(reg.collection_id, b"scan 1")
    assert transaction.startswith("0x") and len(transaction) == 66
    result = eve.check(b"scan 1", Use.AI_TRAINING)
    assert not result.allowed and result.reason is Reason.DISPUTED
    contested = [e for e in alice.trail(b"scan 1") if e.stage == "contested-by-collection"]
    assert len(contested) == 1 and contested[0].actor == bob.address
    assert contested[0].details["collectionId"] == reg.collection_id
    assert contested[0].summary().endswith(f"disputed as a member of collection #{reg.collection_id}")
    admin.works.correct_holder(b"scan 1", alice.address, "ipfs://deed")
    assert alice.works.work(b"scan 1").holder == alice.address
    assert eve.check(b"scan 1", Use.AI_TRAINING).reason is Reason.DENIED


def test_contest_refuses_what_it_must_not_dispute(
    admin: RightsLedger, alice: RightsLedger, eve: RightsLedger, chain: Web3, tmp_path: Path
) -> None:
    alice.register(b"early", terms=ALLOW_TRAINING)  # before the collection: alice's own claim stands
    _later(chain)
    archive = CollectionClient(alice.ctx, alice.policies, home=tmp_path)
    reg = archive.register([b"early", b"own", b"free", b"squatted"])
    copied = CollectionClient(eve.ctx, eve.policies, home=tmp_path / "eve").register([b"real work"])
    _later(chain)
    alice.register(b"own", terms=ALLOW_TRAINING)  # the archive refining one member
    eve.register(b"squatted", terms=ALLOW_TRAINING)
    alice.register(b"real work", terms=ALLOW_TRAINING)

    def refused(client: CollectionClient, collection_id: int, item: bytes) -> str:
        with pytest.raises(ContractRevert) as info:
            client.contest_member(collection_id, item)
        return info.value.error

    assert refused(archive, reg.collection_id, b"squatted") == "CollectionNotVerified"
    copier = CollectionClient(eve.ctx, eve.policies, home=tmp_path / "eve")
    assert refused(copier, copied.collection_id, b"real work") == "CollectionNotVerified", "a copied root"
    admin.collections.mark(reg.collection_id, Status.VERIFIED, "ipfs://deed")
    assert refused(archive, reg.collection_id, b"early") == "CollectionMemberRegisteredBefore"
    assert refused(archive, reg.collection_id, b"own") == "CollectionMemberRegisteredByCollectionHolder"
    assert refused(archive, reg.collection_id, b"free") == "WorkNotRegistered"
    with pytest.raises(ValidationError, match="not a member of collection"):
        archive.contest_member(reg.collection_id, b"stranger")
    archive.contest_member(reg.collection_id, b"squatted")
    assert refused(archive, reg.collection_id, b"squatted") == "WorkNotContestable"
    assert alice.check(b"early", Use.AI_TRAINING).allowed and alice.check(b"real work", Use.AI_TRAINING).allowed


def test_attack_squatter_claiming_a_members_levy_first_is_refused_in_the_members_phase(
    admin: RightsLedger, alice: RightsLedger, eve: RightsLedger, chain: Web3, tmp_path: Path
) -> None:
    archive = CollectionClient(alice.ctx, alice.policies, home=tmp_path)
    reg = archive.register([b"scan 1", b"scan 2"])
    admin.collections.mark(reg.collection_id, Status.VERIFIED, "ipfs://deed")
    _later(chain)
    eve.register(b"scan 1", terms=ALLOW_TRAINING)  # after the collection, before the declaration
    _later(chain)
    start = eve.datasets.current_epoch()
    eve.datasets.contribute(1_000)
    tree = MerkleTree.of([hash_bytes(b"scan 1"), hash_bytes(b"scan 2")])
    dataset_id = eve.datasets.declare(tree, Use.AI_TRAINING, "ipfs://m").dataset_id
    admin.datasets.admit(dataset_id)
    epoch_length = eve.datasets.levy.functions.schedule().call()[1]
    _later(chain, epoch_length)
    epoch = eve.datasets.finalize(start)
    with pytest.raises(ContractRevert) as info:
        eve.datasets.claim(dataset_id, b"scan 1", tree=tree)
    assert info.value.error == "LevyMembersFirst"
    assert info.value.args_by_name["opensAt"] == epoch.individual_claims_from == epoch.finalized_at + epoch_length // 2
    proof = archive.proof(reg.collection_id, b"scan 1")
    assert eve.datasets.claim_for_collection_member(dataset_id, b"scan 1", reg.collection_id, tree=tree,
                                                    member_proof=proof) == 500  # fmt: skip
    _later(chain, epoch_length // 2)
    with pytest.raises(ContractRevert) as info:
        eve.datasets.claim(dataset_id, b"scan 1", tree=tree)
    assert info.value.error == "LevyAlreadyClaimed"
    assert alice.datasets.levy_balance() == 500 and eve.datasets.levy_balance() == 0


CliRun = Callable[..., tuple[int, str, str]]


def test_collection_contest_cli_disputes_a_squatter_and_says_why_in_one_line_otherwise(
    admin: RightsLedger, eve: RightsLedger, alice: RightsLedger, chain: Web3, cli: CliRun, tmp_path: Path
) -> None:
    folder = tmp_path / "scans"
    folder.mkdir()
    for i in range(4):  # scan-3 is registered by nobody
        (folder / f"scan-{i}.tif").write_bytes(f"archive scan {i}".encode())
    alice.register(folder / "scan-0.tif", terms=ALLOW_TRAINING)  # before the collection
    _later(chain)
    code, out, _ = cli("--dev-account", "1", "collection", "register", str(folder), "--json")
    assert code == 0
    collection_id = str(json.loads(out)["collection_id"])
    _later(chain)
    eve.register(folder / "scan-1.tif", terms=ALLOW_TRAINING)
    alice.register(folder / "scan-2.tif", terms=ALLOW_TRAINING)

    def one_line_error(*args: str) -> str:
        code, _, err = cli("--dev-account", "2", "collection", "contest", *args)
        assert code != 0 and len(err.strip().splitlines()) == 1, err
        return err

    assert "not verified" in one_line_error(collection_id, str(folder / "scan-1.tif"))
    admin.collections.mark(int(collection_id), Status.VERIFIED, "ipfs://deed")
    assert "registered on its own" in one_line_error(collection_id, str(folder / "scan-0.tif"))
    assert "by the holder of collection" in one_line_error(collection_id, str(folder / "scan-2.tif"))
    assert "not a member of collection" in one_line_error(collection_id, "0x" + "ab" * 32)
    assert "no work is registered under" in one_line_error(collection_id, str(folder / "scan-3.tif"))
    assert "collection contest needs" in one_line_error(str(folder / "scan-1.tif"))
    assert "collection contest needs" in one_line_error(collection_id)
    code, out, _ = cli("--dev-account", "2", "collection", "contest", collection_id, str(folder / "scan-1.tif"))
    assert code == 0 and "contested" in out
    assert eve.check(folder / "scan-1.tif", Use.AI_TRAINING).reason is Reason.DISPUTED
    assert "disputed already" in one_line_error(collection_id, str(folder / "scan-1.tif"))


def test_levy_claim_cli_says_when_individual_claims_open_and_claims_as_a_member_with_collection(
    admin: RightsLedger, alice: RightsLedger, chain: Web3, deployment: Deployment, cli: CliRun, tmp_path: Path
) -> None:
    home = tmp_path / "home"  # the CLI's: the trees kept there serve both proofs
    archive = CollectionClient(alice.ctx, alice.policies, home=home)
    reg = archive.register([b"scan 1", b"scan 2"])
    admin.collections.mark(reg.collection_id, Status.VERIFIED, "ipfs://deed")
    alice.register(b"own work")
    _later(chain)
    trainer = RightsLedger(chain, deployment, dev_account(3), home=home)
    start = trainer.datasets.current_epoch()
    trainer.datasets.contribute(3_000)
    tree = MerkleTree.of([hash_bytes(b"scan 1"), hash_bytes(b"scan 2"), hash_bytes(b"own work")])
    dataset_id = trainer.datasets.declare(tree, Use.AI_TRAINING, "ipfs://m").dataset_id
    admin.datasets.admit(dataset_id)
    epoch_length = trainer.datasets.levy.functions.schedule().call()[1]
    _later(chain, epoch_length)
    code, out, _ = cli("--dev-account", "3", "levy", "finalize", str(start))
    assert code == 0 and "individual claims open at" in out
    own = hash_bytes(b"own work")
    code, _, err = cli("--dev-account", "3", "levy", "claim", own, "--dataset", str(dataset_id))
    assert code != 0 and len(err.strip().splitlines()) == 1 and "open at" in err and "UTC" in err, err
    code, out, _ = cli("--dev-account", "3", "levy", "claim", hash_bytes(b"scan 2"), "--dataset", str(dataset_id),
                       "--collection", str(reg.collection_id))  # fmt: skip
    assert code == 0 and out.startswith("credited ")
    assert alice.datasets.levy_balance() == 1_000
    _later(chain, epoch_length // 2)
    code, out, _ = cli("--dev-account", "3", "levy", "claim", own, "--dataset", str(dataset_id))
    assert code == 0 and alice.datasets.levy_balance() == 2_000
