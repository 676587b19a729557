"""The indexer on a real anvil: mirrors events and manifests, resumes, survives a reorganisation;
each test on SQLite and on PostgreSQL (`index_target`)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from web3 import Web3

from rightsledger import RightsLedger, hash_bytes
from rightsledger.chain import dev_account
from rightsledger.chain.deployments import Deployment, save_deployment
from rightsledger.cli import main
from rightsledger.errors import ConfigError, RightsLedgerError
from rightsledger.manifests import Item, write_manifest
from rightsledger.merkle import MerkleTree
from rightsledger.vocabulary import Use
from rightsledger.workflows import index_store
from rightsledger.workflows.indexer import Indexer

from ..pg_support import index_rows


def _declare_with_manifest(client: RightsLedger, blobs: list[bytes], folder: Path, name: str) -> int:
    hashes = [hash_bytes(b) for b in blobs]
    tree = MerkleTree.of(hashes)
    manifest, _ = write_manifest([Item(None, h) for h in hashes], tree, Use.AI_TRAINING, folder, name)
    return client.datasets.declare(tree, Use.AI_TRAINING, manifest.resolve().as_uri()).dataset_id


def test_index_finds_datasets_by_manifest_and_by_proof_and_resumes(
    alice: RightsLedger, bob: RightsLedger, tmp_path: Path, index_target: str | Path
) -> None:
    db = index_target
    alice.register(b"poem")
    first = _declare_with_manifest(bob, [b"poem", b"essay"], tmp_path, "one")
    tree = MerkleTree.of([hash_bytes(b"poem"), hash_bytes(b"x")])
    second = bob.datasets.declare(tree, Use.AI_TRAINING, "ipfs://not-readable-here").dataset_id
    index = Indexer(alice, db, range_size=3)
    index.sync()
    poem = hash_bytes(b"poem")
    hits = index.datasets_containing(poem)
    assert [(h.dataset_id, h.source) for h in hits] == [(first, "manifest")]
    index.close()
    alice.datasets.prove(second, b"poem", tree=tree)  # now known by proof, with a violation
    alice.datasets.request_removal(second, b"poem")
    index = Indexer(alice, db, range_size=3)
    before = index.cursor
    result = index.sync()
    assert result.from_block == before + 1  # resumed, did not start over
    hits = {h.dataset_id: h for h in index.datasets_containing(poem)}
    assert hits[second].source == "proof" and hits[second].violation and hits[second].removal == "requested"
    events = [e["event"] for e in index.history(poem)]
    assert events == ["Transfer", "InclusionProven", "ViolationRecorded", "RemovalRequested"]
    assert index_rows(db, "SELECT COUNT(*) FROM events") == [(index.counts()["events"],)]
    assert index_rows(db, "SELECT version_num FROM alembic_version") == [(index_store.HEAD,)]
    index.close()


def test_index_rolls_back_a_reorganised_chain(
    alice: RightsLedger, bob: RightsLedger, chain: Web3, tmp_path: Path, index_target: str | Path
) -> None:
    db = index_target
    index = Indexer(alice, db)
    index.sync()
    fork_point = chain.eth.block_number
    snapshot = chain.provider.make_request("evm_snapshot", [])["result"]  # type: ignore[arg-type]
    _declare_with_manifest(bob, [b"orphaned work", b"other"], tmp_path, "orphan")
    chain.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
    index.sync()
    assert [h.dataset_id for h in index.datasets_containing(hash_bytes(b"orphaned work"))] == [1]
    # The chain reorganises: those blocks vanish, and other blocks take their numbers and more.
    chain.provider.make_request("evm_revert", [snapshot])  # type: ignore[arg-type]
    bob_again = RightsLedger(chain, bob.deployment, bob.account)  # fresh nonce
    _declare_with_manifest(bob_again, [b"canonical work"], tmp_path, "canonical")
    for _ in range(3):
        chain.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
    result = index.sync()
    assert result.rolled_back_to is not None and result.rolled_back_to <= fork_point
    assert index.datasets_containing(hash_bytes(b"orphaned work")) == []
    (hit,) = index.datasets_containing(hash_bytes(b"canonical work"))
    assert hit.dataset_id == 1 and hit.source == "manifest"
    assert index.counts()["datasets"] == 1
    # Every stored block hash is the chain's own again: nothing of the abandoned branch is left.
    for number, stored in index_rows(db, "SELECT number, hash FROM blocks"):
        assert "0x" + bytes(chain.eth.get_block(number)["hash"]).hex() == stored
    assert index_rows(db, "SELECT value FROM meta WHERE key = 'cursor'") == [(str(index.cursor),)]
    index.close()


def test_datasets_cli_answers_which_datasets_hold_a_file(
    chain: Web3, deployment: Deployment, anvil_url: str, bob: RightsLedger, tmp_path: Path, capsys,
    index_target: str | Path,
) -> None:
    """By default in <home>/index-<chainId>.sqlite; with --index-url in that database."""
    home = tmp_path / "home"
    where = ["--index-url", str(index_target)] if "://" in str(index_target) else []
    save_deployment(deployment, home)
    work = tmp_path / "painting.png"
    work.write_bytes(b"painted pixels")
    _declare_with_manifest(bob, [b"painted pixels", b"b"], tmp_path, "gallery")
    code = main(["--rpc-url", anvil_url, "--home", str(home), *where, "datasets", str(work), "--json"])
    out = capsys.readouterr().out
    assert code == 0
    assert [h["dataset_id"] for h in json.loads(out)] == [1]
    code = main(["--rpc-url", anvil_url, "--home", str(home), *where, "datasets", "0x" + "ab" * 32])
    assert code == 0 and "in no declared dataset" in capsys.readouterr().out
    default_file = home / f"index-{chain.eth.chain_id}.sqlite"
    assert default_file.exists() == (not where)
    if where:
        assert index_rows(index_target, "SELECT COUNT(*) FROM datasets") == [(1,)]


def test_attack_hostileManifestUrisMarkTheirDatasetsUnreadableAndTheSyncGoesOn(
    alice: RightsLedger, bob: RightsLedger, tmp_path: Path, index_target: str | Path
) -> None:
    """A declarer writes any manifest URI. Before issue 12 `/dev/zero` exhausted memory, and a folder or a
    binary file raised outside the error handler and stopped the index at that block for ever. Now the
    reader opens only regular files under the operator's manifest folder, and each failure marks its
    dataset `unreadable` while the sync goes on to the honest declaration after them."""
    folder = tmp_path / "manifests"
    folder.mkdir()
    (folder / "binary.json").write_bytes(bytes(range(256)) * 64)
    (folder / "a-folder").mkdir()
    outside, _ = write_manifest([Item(None, hash_bytes(b"x"))], MerkleTree.of([hash_bytes(b"x")]),
                                Use.AI_TRAINING, tmp_path / "elsewhere", "private")  # fmt: skip
    (folder / "link.json").symlink_to(outside)
    alice.datasets.manifest_folder = folder
    tree = MerkleTree.of([hash_bytes(b"x")])
    hostile = {
        "/dev/zero": "file:///dev/zero",
        "a folder": (folder / "a-folder").as_uri(),
        "a binary file": (folder / "binary.json").as_uri(),
        "outside the folder": outside.resolve().as_uri(),
        "climbing out": "../elsewhere/private.manifest.json",
        "a link out": (folder / "link.json").as_uri(),
    }
    ids = {what: bob.datasets.declare(tree, Use.AI_TRAINING, uri).dataset_id for what, uri in hostile.items()}
    honest = _declare_with_manifest(bob, [b"honest item"], folder, "honest")
    index = Indexer(alice, index_target, range_size=4)
    index.sync()
    status = dict(index_rows(index_target, "SELECT dataset_id, manifest_status FROM datasets"))
    assert {what: status[i] for what, i in ids.items()} == dict.fromkeys(hostile, "unreadable")
    assert status[honest] == "loaded", "the sync went on past the hostile declarations"
    assert [h.dataset_id for h in index.datasets_containing(hash_bytes(b"honest item"))] == [honest]
    index.close()
    with pytest.raises(RightsLedgerError) as info:
        alice.datasets.tree(ids["outside the folder"])
    assert info.value.code == "manifest-unreadable" and "outside the manifest folder" in str(info.value)


def test_a_dataset_one_writer_could_not_read_is_loaded_by_a_writer_that_can(
    alice: RightsLedger, bob: RightsLedger, tmp_path: Path, index_target: str | Path
) -> None:
    """A shared index used to keep the first writer's view: a gateway confined to its MANIFEST_FOLDER
    marked a dataset whose manifest lies elsewhere `unreadable`, and a CLI that can read it got that
    answer too. Now each indexer tries unreadable datasets again (at most every few minutes), and a
    load, checked against the declared root, replaces the mark."""
    from rightsledger.workflows import indexer as indexer_module

    confined = tmp_path / "gateway-manifests"
    confined.mkdir()
    dataset = _declare_with_manifest(bob, [b"kept elsewhere 1", b"kept elsewhere 2"], tmp_path / "elsewhere", "ds")
    alice.datasets.manifest_folder = confined
    gateway = Indexer(alice, index_target, range_size=50)
    gateway.sync()
    status = dict(index_rows(index_target, "SELECT dataset_id, manifest_status FROM datasets"))
    assert status[dataset] == "unreadable"
    assert gateway.retry_unreadable() == []  # tried moments ago: not again yet
    later = indexer_module.time.monotonic() + indexer_module.RETRY_UNREADABLE_SECONDS + 1
    assert gateway.retry_unreadable(now=later) == []  # still outside its folder: still unreadable

    cli = Indexer(bob, index_target, range_size=50)  # bob reads manifests anywhere on his disk
    cli.sync()
    status = dict(index_rows(index_target, "SELECT dataset_id, manifest_status FROM datasets"))
    assert status[dataset] == "loaded"
    assert [h.dataset_id for h in gateway.datasets_containing(hash_bytes(b"kept elsewhere 2"))] == [dataset]
    assert cli.retry_unreadable(now=later) == []
    cli.close()
    gateway.close()


def test_a_trail_read_where_the_index_says_equals_the_full_scan_in_fewer_requests(
    alice: RightsLedger, w3: Web3, index_target: str | Path
) -> None:
    from rightsledger import Mode, Rule, Terms
    from rightsledger.sdk.trail import TrailReader

    parent, child = hash_bytes(b"trail-parent" + bytes(8)), hash_bytes(b"trail-child" + bytes(8))
    alice.register(parent, terms=Terms(rules={Use.DERIVATIVE: Rule(mode=Mode.ALLOW)}))
    for _ in range(10):  # blocks in which the work has no event
        alice.register(hash_bytes(b"other" + w3.eth.block_number.to_bytes(8, "big")))
    alice.record_stage(parent, "digitised")
    alice.licensing.register_derivative(child, [parent])
    index = Indexer(alice, index_target)
    index.sync()
    alice.record_stage(parent, "transformed")  # after the index: read from the tail
    head = w3.eth.block_number
    tail = range(index.cursor + 1, head + 1)
    for work in (parent, child):
        full = TrailReader(w3, alice.deployment, page_size=1)
        scanned = full.read(work, to_block=head)
        indexed = TrailReader(w3, alice.deployment, page_size=1)
        read = indexed.read(work, to_block=head, blocks=[*index.trail_blocks(work), *tail])
        assert [(e.block, e.log_index, e.stage) for e in read] == [(e.block, e.log_index, e.stage) for e in scanned]
        assert indexed.requests * 4 < full.requests  # one request per run of blocks, not per block
    stages = [e.stage for e in alice.provenance.trail(parent, blocks=[*index.trail_blocks(parent), *tail])]
    assert stages == ["registered", "digitised", "derivative-registered", "transformed"]
    index.close()


def test_an_index_of_another_chain_with_the_same_id_and_addresses_is_refused_not_rolled_back(
    chain: Web3, deployment: Deployment, alice: RightsLedger, index_target: str | Path
) -> None:
    """Every local anvil is chain 31337 with the same contract addresses: a second home's chain
    opening the first one's index (a shared --index-url) is refused, instead of being taken for a
    reorganisation that deletes the first chain's events. A home whose chain was rebuilt from its
    journal onto a new genesis (the record names the old one) keeps its index."""
    alice.register(b"a work of the first chain")
    index = Indexer(alice, index_target)
    index.sync()
    events = index.counts()["events"]
    index.close()
    other = RightsLedger(chain, replace(deployment, genesis="0x" + "11" * 32), dev_account(1))
    with pytest.raises(ConfigError, match="mirrors another chain"):
        Indexer(other, index_target)
    assert index_rows(index_target, "SELECT COUNT(*) FROM events") == [(events,)]
    assert deployment.genesis is not None
    rebuilt = replace(deployment, genesis="0x" + "22" * 32, previous_genesis=(deployment.genesis,))
    index = Indexer(RightsLedger(chain, rebuilt, dev_account(1)), index_target)
    assert index_rows(index_target, "SELECT value FROM meta WHERE key = 'genesis'") == [("0x" + "22" * 32,)]
    index.close()
