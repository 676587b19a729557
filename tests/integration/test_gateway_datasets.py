"""Datasets and removal requests through real HTTP: which declared datasets contain a work and whether
that use was permitted when they were declared; proofs of inclusion and removal requests relayed for
the holder. A gateway over its own fresh deployment (dataset ids and counts are per deployment, and
snapshot tests count them on the session's), fresh random accounts, no chain snapshots."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3

from rightsledger import RightsLedger, hash_bytes
from rightsledger.manifests import Item, write_manifest
from rightsledger.merkle import MerkleTree
from rightsledger.merkle_store import TreeFile
from rightsledger.sdk.forwarding import RequestBuilder
from rightsledger.vocabulary import Use

from ..gateway_support import (
    IsolatedGateway,
    funded_account,
    isolated_gateway,
    relay_register,
    request_json,
    sign_prepared,
    wait_indexed,
)

DENY = {"rules": {"ai-training": {"mode": "deny"}}}
ALLOW = {"rules": {"ai-training": {"mode": "allow"}}}


def fresh() -> str:
    return hash_bytes(os.urandom(32))


def error_of(response: httpx.Response) -> tuple[int, str, str | None]:
    error = response.json()["error"]
    return response.status_code, error["code"], error.get("contractError")


@dataclass(frozen=True)
class World:
    gateway: IsolatedGateway
    http: httpx.Client
    holder: LocalAccount  # no ether: every write of theirs is relayed
    stranger: LocalAccount
    declarer: RightsLedger
    dataset_id: int  # ai-training, manifest readable here: denied, allowed, unregistered
    manifest_uri: str
    denied: str
    allowed: str
    unregistered: str
    remote_id: int  # ai-training, manifest not readable here (ipfs://): remote_work and filler
    remote_tree: MerkleTree
    remote_work: str


@pytest.fixture(scope="module")
def world(w3: Web3, anvil_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    home = tmp_path_factory.mktemp("datasets-gateway")
    with isolated_gateway(w3, anvil_url, home) as gateway, httpx.Client(base_url=gateway.url, timeout=60) as http:
        holder, stranger = Account.create(), Account.create()
        denied, allowed, unregistered, remote_work = fresh(), fresh(), fresh(), fresh()
        for digest, terms in ((denied, DENY), (allowed, ALLOW), (remote_work, DENY)):
            response = relay_register(http, holder, digest, terms=terms)
            assert response.status_code == 201, response.text
        declarer = RightsLedger(w3, gateway.deployment, funded_account(w3))
        hashes = [denied, allowed, unregistered]
        tree = MerkleTree.of(hashes)
        manifest, _ = write_manifest([Item(None, h) for h in hashes], tree, Use.AI_TRAINING, home / "datasets", "crawl")
        uri = manifest.resolve().as_uri()
        dataset_id = declarer.datasets.declare(tree, Use.AI_TRAINING, uri).dataset_id
        remote_tree = MerkleTree.of([remote_work, fresh()])
        remote_id = declarer.datasets.declare(remote_tree, Use.AI_TRAINING, "ipfs://elsewhere").dataset_id
        yield World(
            gateway, http, holder, stranger, declarer, dataset_id, uri, denied, allowed, unregistered,
            remote_id, remote_tree, remote_work,
        )  # fmt: skip


def prepare(world: World, action: str, signer: LocalAccount, digest: str, **extra) -> httpx.Response:
    body = {"action": action, "from": signer.address, "contentHash": digest, **extra}
    return world.http.post("/relay/prepare", json=body)


def relayed(world: World, action: str, signer: LocalAccount, digest: str, **extra) -> httpx.Response:
    """Prepare, sign with the signer's own key, and post to the action's endpoint."""
    prepared = prepare(world, action, signer, digest, **extra)
    assert prepared.status_code == 200, prepared.text
    path = {"prove-inclusion": "proofs", "request-removal": "removal-requests"}[action]
    return world.http.post(f"/works/{digest}/{path}", json=sign_prepared(prepared.json(), signer))


def listing(world: World, digest: str) -> dict:
    wait_indexed(world.http)  # the gateway's follower indexes the head; requests never sync inline
    response = world.http.get(f"/works/{digest}/datasets")
    assert response.status_code == 200, response.text
    return response.json()


def only(world: World, digest: str, dataset_id: int) -> dict:
    (entry,) = [d for d in listing(world, digest)["datasets"] if d["datasetId"] == dataset_id]
    return entry


# ---------------------------------------------------------------------- reading


def test_info_reports_datasets_and_removal_requests(world: World) -> None:
    features = world.http.get("/info").json()["features"]
    assert features["datasets"] is True and features["removal-requests"] is True


def test_a_work_whose_terms_denied_the_use_is_listed_as_not_permitted(world: World) -> None:
    found = listing(world, world.denied)
    assert found["count"] == 1 and found["contentHash"] == world.denied
    (entry,) = found["datasets"]
    assert entry["datasetId"] == world.dataset_id
    assert entry["declarer"] == world.declarer.address
    assert entry["use"] == "ai-training" and entry["itemCount"] == 3
    assert entry["manifestUri"] == world.manifest_uri and entry["foundBy"] == "manifest"
    assert entry["permitted"] is False and entry["reason"] == "denied"
    assert entry["plain"].startswith("This use was not permitted: the terms did not allow it")
    assert (entry["proven"], entry["violation"], entry["removal"]) == (False, False, "none")
    assert found["indexedTo"] >= world.gateway.deployment.block
    assert (world.gateway.home / "gateway-index-31337.sqlite").is_file()  # the default index path


def test_a_work_whose_terms_allowed_the_use_is_listed_as_permitted_even_after_they_close(world: World) -> None:
    entry = only(world, world.allowed, world.dataset_id)
    assert entry["permitted"] is True and entry["reason"] == "allowed-by-terms"
    assert entry["plain"].startswith("This use was permitted")
    # The holder closes the terms afterwards: the answer is about the declaration, not now. (A
    # change in the declaration's own second would count as in force then: wait for the next.)
    time.sleep(1.1)
    prepared = prepare(world, "set-terms", world.holder, world.allowed, terms=DENY)
    assert prepared.status_code == 200, prepared.text
    changed = world.http.put(f"/works/{world.allowed}/terms", json=sign_prepared(prepared.json(), world.holder))
    assert changed.status_code == 200, changed.text
    assert world.http.get(f"/checks/{world.allowed}?use=ai-training").json()["reason"] == "denied"
    entry = only(world, world.allowed, world.dataset_id)
    assert entry["permitted"] is True and entry["reason"] == "allowed-by-terms"


def test_an_unregistered_work_in_a_dataset_is_listed_with_no_terms(world: World) -> None:
    entry = only(world, world.unregistered, world.dataset_id)
    assert entry["permitted"] is False and entry["reason"] == "unregistered"
    assert entry["plain"].startswith("No answer: the work was not registered")


def test_a_work_in_no_dataset_has_an_empty_list_and_a_bad_hash_is_422(world: World) -> None:
    empty = listing(world, fresh())
    assert empty["count"] == 0 and empty["datasets"] == []
    bad = world.http.get("/works/0x1234/datasets")
    assert error_of(bad)[:2] == (422, "invalid-hash")


# ---------------------------------------------------------------------- proofs and removal requests


def test_the_holder_proves_a_denied_work_then_requests_removal_and_replays_are_refused(world: World) -> None:
    early = prepare(world, "request-removal", world.holder, world.denied, datasetId=world.dataset_id)
    assert error_of(early) == (409, "contract-revert", "DatasetNotProven")  # prove first

    prepared = prepare(world, "prove-inclusion", world.holder, world.denied, datasetId=world.dataset_id)
    assert prepared.status_code == 200, prepared.text
    signed = sign_prepared(prepared.json(), world.holder)
    proof = world.http.post(f"/works/{world.denied}/proofs", json=signed)
    assert proof.status_code == 201, proof.text
    receipt = proof.json()
    assert receipt["action"] == "prove-inclusion" and receipt["signer"] == world.holder.address
    assert [e["event"] for e in receipt["events"]] == ["InclusionProven", "ViolationRecorded"]
    assert receipt["events"][0]["prover"] == world.holder.address  # the signer, not the relayer
    assert receipt["events"][0]["datasetId"] == world.dataset_id
    replay = world.http.post(f"/works/{world.denied}/proofs", json=signed)
    assert error_of(replay)[:2] == (409, "nonce-used")
    entry = only(world, world.denied, world.dataset_id)
    assert (entry["proven"], entry["violation"], entry["removal"]) == (True, True, "none")
    assert entry["permitted"] is False and entry["reason"] == "denied"

    not_holder = prepare(world, "request-removal", world.stranger, world.denied, datasetId=world.dataset_id)
    assert error_of(not_holder) == (403, "contract-revert", "DatasetNotHolder")

    prepared = prepare(
        world, "request-removal", world.holder, world.denied, datasetId=world.dataset_id, note="please remove it"
    )
    assert prepared.status_code == 200, prepared.text
    signed = sign_prepared(prepared.json(), world.holder)
    removal = world.http.post(f"/works/{world.denied}/removal-requests", json=signed)
    assert removal.status_code == 201, removal.text
    (event,) = removal.json()["events"]
    assert event["event"] == "RemovalRequested" and event["requester"] == world.holder.address
    assert event["note"] == "please remove it"
    entry = only(world, world.denied, world.dataset_id)
    assert entry["removal"] == "requested" and entry["removalPlain"].startswith("Removal requested; the declarer")
    assert error_of(world.http.post(f"/works/{world.denied}/removal-requests", json=signed))[:2] == (409, "nonce-used")
    again = prepare(world, "request-removal", world.holder, world.denied, datasetId=world.dataset_id)
    assert error_of(again) == (409, "contract-revert", "DatasetRemovalAlreadyRequested")

    world.declarer.datasets.acknowledge_removal(world.dataset_id, world.denied, "removed from the next release")
    assert only(world, world.denied, world.dataset_id)["removal"] == "acknowledged"


def test_proving_an_allowed_work_records_no_violation(world: World) -> None:
    response = relayed(world, "prove-inclusion", world.holder, world.allowed, datasetId=world.dataset_id)
    assert response.status_code == 201, response.text
    assert [e["event"] for e in response.json()["events"]] == ["InclusionProven"]
    entry = only(world, world.allowed, world.dataset_id)
    assert (entry["permitted"], entry["proven"], entry["violation"]) == (True, True, False)
    again = prepare(world, "prove-inclusion", world.holder, world.allowed, datasetId=world.dataset_id)
    assert error_of(again) == (409, "contract-revert", "DatasetAlreadyProven")


def test_a_dataset_whose_manifest_is_unreadable_needs_the_proof_and_is_then_listed(world: World) -> None:
    assert [d["datasetId"] for d in listing(world, world.remote_work)["datasets"]] == []  # not known yet
    missing = prepare(world, "prove-inclusion", world.holder, world.remote_work, datasetId=world.remote_id)
    assert error_of(missing)[:2] == (404, "manifest-unreadable")
    proof = world.remote_tree.proof(world.remote_work)
    wrong = prepare(
        world, "prove-inclusion", world.holder, world.remote_work, datasetId=world.remote_id, proof=[fresh()]
    )
    assert error_of(wrong) == (422, "contract-revert", "DatasetInvalidProof")
    response = relayed(
        world, "prove-inclusion", world.holder, world.remote_work, datasetId=world.remote_id, proof=proof
    )
    assert response.status_code == 201, response.text
    (entry,) = listing(world, world.remote_work)["datasets"]
    assert entry["datasetId"] == world.remote_id and entry["foundBy"] == "proof"
    assert entry["manifestUri"] == "ipfs://elsewhere" and (entry["violation"], entry["reason"]) == (True, "denied")


def test_the_gateway_serves_a_proof_from_the_tree_file_and_it_verifies_on_chain(world: World) -> None:
    reference = MerkleTree.of([world.denied, world.allowed, world.unregistered])
    registry = world.declarer.datasets.registry
    for digest in (world.denied, world.allowed, world.unregistered):
        response = world.http.get(f"/works/{digest}/datasets/{world.dataset_id}/proof")
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["proof"] == reference.proof(digest) and body["root"] == reference.root
        assert (body["itemCount"], body["code"], body["leafEncoding"]) == (3, None, ["bytes32"])
        assert body["treeIndex"] == next(v["treeIndex"] for v in reference.dump()["values"] if v["value"] == [digest])
        assert registry.functions.verifyInclusion(world.dataset_id, digest, body["proof"]).call()
    beside = world.gateway.home / "datasets" / "crawl.tree"  # written with the manifest, read from there
    assert beside.exists() and len(TreeFile(beside)) == 3
    outside = world.http.get(f"/works/{fresh()}/datasets/{world.dataset_id}/proof")
    assert error_of(outside)[:2] == (404, "not-in-dataset")
    remote = world.http.get(f"/works/{world.remote_work}/datasets/{world.remote_id}/proof")
    assert error_of(remote)[:2] == (404, "manifest-unreadable")
    unknown = world.http.get(f"/works/{world.denied}/datasets/999/proof")
    assert error_of(unknown) == (404, "contract-revert", "DatasetUnknown")
    assert world.http.get(f"/works/{world.denied}/datasets/0/proof").status_code == 422


def test_a_coded_dataset_s_proof_names_the_code_its_leaf_commits_to(world: World) -> None:
    hashes = [fresh(), fresh(), fresh()]
    codes = [bytes.fromhex("2101") + os.urandom(8), None, bytes.fromhex("2101") + os.urandom(8)]
    tree = MerkleTree.of(hashes, codes)
    folder = world.gateway.home / "datasets"
    manifest, _ = write_manifest([Item(None, h) for h in hashes], tree, Use.AI_TRAINING, folder, "coded")
    dataset_id = world.declarer.datasets.declare(tree, Use.AI_TRAINING, manifest.resolve().as_uri()).dataset_id
    (folder / "coded.tree").unlink()  # the gateway builds the coded tree file from the manifest's codes
    registry = world.declarer.datasets.registry
    for digest, code in zip(hashes, codes, strict=True):
        response = world.http.get(f"/works/{digest}/datasets/{dataset_id}/proof")
        assert response.status_code == 200, response.text
        body = response.json()
        packed = code or bytes(10)
        assert (body["code"], body["leafEncoding"]) == ("0x" + packed.hex(), ["bytes32", "bytes10"])
        assert body["proof"] == tree.proof(digest) and body["root"] == tree.root
        # The contract takes it: proveCodedInclusion, simulated (no state written).
        registry.functions.proveCodedInclusion(dataset_id, digest, packed, body["proof"]).call(
            {"from": world.declarer.address}
        )
    assert TreeFile(world.gateway.home / "trees" / f"{tree.root[2:]}.tree").coded


def test_proofs_the_gateway_cannot_make_are_refused_clearly(world: World) -> None:
    outside = prepare(world, "prove-inclusion", world.holder, fresh(), datasetId=world.dataset_id)
    assert error_of(outside)[:2] == (404, "not-in-dataset")
    unknown = prepare(world, "prove-inclusion", world.holder, world.denied, datasetId=999)
    assert error_of(unknown) == (404, "contract-revert", "DatasetUnknown")
    bad = prepare(world, "request-removal", world.holder, world.denied, datasetId=0)
    assert error_of(bad)[:2] == (422, "invalid-request")


def test_relayed_removal_requests_refuse_non_holders_mismatches_and_expired_requests(world: World) -> None:
    ledger = RightsLedger(world.declarer.w3, world.gateway.deployment)
    builder = RequestBuilder(ledger)
    registry = ledger.datasets.registry
    # A removal request needs the work proven in the dataset (the test above proves it; run alone, prove it here).
    if not only(world, world.allowed, world.dataset_id)["proven"]:
        assert relayed(world, "prove-inclusion", world.holder, world.allowed, datasetId=world.dataset_id).is_success
    # Signed by someone who does not hold the work: prepare would refuse it, so build it directly.
    data = str(registry.encode_abi("requestRemoval", args=[world.dataset_id, world.allowed, ""]))
    forged = builder.build(world.stranger.address, data, gas=200_000, to=str(registry.address))
    signed = forged.sign(world.stranger, builder.chain_id, builder.forwarder_address)
    body = {"request": request_json(forged), "signature": signed.signature}
    response = world.http.post(f"/works/{world.allowed}/removal-requests", json=body)
    assert error_of(response) == (403, "contract-revert", "DatasetNotHolder")
    # Signed for one work, posted for another; or posted as a proof.
    request = builder.request_removal(world.holder.address, world.dataset_id, world.allowed)
    signed = request.sign(world.holder, builder.chain_id, builder.forwarder_address)
    body = {"request": request_json(request), "signature": signed.signature}
    assert error_of(world.http.post(f"/works/{world.denied}/removal-requests", json=body))[:2] == (
        400, "request-mismatch",
    )  # fmt: skip
    assert error_of(world.http.post(f"/works/{world.allowed}/proofs", json=body))[:2] == (400, "request-mismatch")
    # Expired before it was sent.
    stale = builder.request_removal(world.holder.address, world.dataset_id, world.allowed, ttl=-60)
    signed = stale.sign(world.holder, builder.chain_id, builder.forwarder_address)
    body = {"request": request_json(stale), "signature": signed.signature}
    assert error_of(world.http.post(f"/works/{world.allowed}/removal-requests", json=body))[:2] == (
        400, "request-expired",
    )  # fmt: skip
    # The holder's own, still valid: accepted.
    done = relayed(world, "request-removal", world.holder, world.allowed, datasetId=world.dataset_id)
    assert done.status_code == 201, done.text
    assert only(world, world.allowed, world.dataset_id)["removal"] == "requested"
