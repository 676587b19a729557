"""Proofs served from tree files (rightsledger.merkle_store) on a real anvil: `declare` writes the
tree file, `prove`, levy claims, collection checks and near-copy proofs read theirs from it, the
proofs equal MerkleTree's and verify on chain, and a file holding another root is rejected with a
clear line and rebuilt from the manifest."""

from __future__ import annotations

import csv
import json
import os
import sqlite3
from pathlib import Path

import pytest
from web3 import Web3

from rightsledger import Mode, Reason, RightsLedger, Rule, Status, Terms, Use, hash_bytes
from rightsledger.chain import dev_account
from rightsledger.chain.deployments import Deployment, save_deployment
from rightsledger.cli import main
from rightsledger.manifests import Item, write_dataset
from rightsledger.merkle import MerkleTree
from rightsledger.merkle_store import TreeFile, build_tree_file
from rightsledger.workflows.indexer import Indexer

OPEN_TDM = Terms(rules={Use.TDM: Rule(mode=Mode.ALLOW)})


def _client(chain: Web3, deployment: Deployment, account: int, home: Path) -> RightsLedger:
    return RightsLedger(chain, deployment, dev_account(account), home=home)


def test_declare_writes_the_tree_file_and_prove_reads_its_proofs_from_it(
    chain: Web3, deployment: Deployment, anvil_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = tmp_path / "home"
    save_deployment(deployment, home)
    alice = _client(chain, deployment, 1, home)
    works = [f"work {i}".encode() for i in range(3)]
    alice.register_batch(works)
    listed = [hash_bytes(w) for w in works] + ["0x" + os.urandom(32).hex() for _ in range(37)]
    manifest_csv = tmp_path / "crawl.csv"
    with manifest_csv.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["hash", "url"])
        writer.writerows([h, f"https://example.org/{i}"] for i, h in enumerate(listed + listed[:5]))

    def run(*args: str) -> tuple[int, str, str]:
        code = main(["--rpc-url", anvil_url, "--home", str(home), *args])
        out, err = capsys.readouterr()
        return code, out, err

    code, out, _ = run("--dev-account", "2", "declare", str(manifest_csv), "--use", "ai-training",
                       "--out-dir", str(tmp_path / "out"), "--json")  # fmt: skip
    assert code == 0
    declared = json.loads(out)
    dataset_id = declared["dataset_id"]
    store = Path(declared["treeFile"])
    assert declared["item_count"] == 40 and store == tmp_path / "out" / "crawl.tree"
    shelved = home / "trees" / f"{declared['root'][2:]}.tree"
    assert shelved.stat().st_ino == store.stat().st_ino, "kept by its root in the home too (one more name)"
    with TreeFile(store) as tree:
        assert tree.root == declared["root"] == MerkleTree.read(declared["tree"]).root

    # Proofs from the tree file equal MerkleTree's and verify on chain.
    bob = _client(chain, deployment, 2, home)
    from_file = bob.datasets.store(dataset_id)
    in_memory = bob.datasets.tree(dataset_id)
    registry = bob.datasets.registry
    for value in listed:
        proof = from_file.proof(value)
        assert proof == in_memory.proof(value)
        assert registry.functions.verifyInclusion(dataset_id, value, proof).call()

    code, out, _ = run("prove", hash_bytes(works[0]), "--dataset", str(dataset_id))
    assert code == 0 and "VIOLATION recorded" in out

    # A file under the root's name that holds another tree: rejected with its reason, then rebuilt.
    store.unlink()
    shelved.unlink()
    build_tree_file(["0x" + os.urandom(32).hex() for _ in range(8)], shelved).close()
    code, out, err = run("prove", hash_bytes(works[1]), "--dataset", str(dataset_id))
    assert code == 0 and "VIOLATION recorded" in out
    assert f"not dataset {dataset_id}'s root {declared['root']}" in err and "rebuilding it" in err
    with TreeFile(shelved) as rebuilt:
        assert rebuilt.root == declared["root"] and len(rebuilt) == 40

    # No tree file at all: built once from the manifest.
    shelved.unlink()
    code, out, err = run("prove", hash_bytes(works[2]), "--dataset", str(dataset_id), "--json")
    assert code == 0 and json.loads(out)["violation"] is True and err == ""
    assert TreeFile(shelved).root == declared["root"]
    status = registry.functions.itemFlags(dataset_id, hash_bytes(works[2])).call()
    assert status & 1, "inclusion proven on chain"

    # A manifest that was altered makes another root: one clear line, exit 1.
    shelved.unlink()
    manifest = Path(declared["manifest"])
    lines = manifest.read_text().splitlines()
    manifest.write_text("\n".join([*lines[:20], *lines[21:]]) + "\n")  # drops a work listed once
    code, _, err = run("prove", hash_bytes(works[0]), "--dataset", str(dataset_id))
    assert code == 1 and "makes root" in err and f"dataset {dataset_id}'s root is" in err
    assert len(err.strip().splitlines()) == 1


def test_coded_proofs_and_near_copies_come_from_the_kept_tree_file(
    chain: Web3, deployment: Deployment, tmp_path: Path
) -> None:
    alice = _client(chain, deployment, 1, tmp_path)
    code = bytes.fromhex("2101") + os.urandom(8)
    work = os.urandom(64)
    alice.register(work, code=code)
    item = os.urandom(64)
    item_code = code[:9] + bytes([code[9] ^ 0x03])  # 2 bits off
    other = os.urandom(64)
    tree = MerkleTree.of([hash_bytes(item), hash_bytes(other)], [item_code, None])
    bob = _client(chain, deployment, 2, tmp_path)
    declaration = bob.datasets.declare(tree, Use.AI_TRAINING)  # no manifest URI: only the kept tree file
    later = _client(chain, deployment, 2, tmp_path)  # another process: nothing in memory
    stored = later.datasets.store(declaration.dataset_id)
    assert stored.coded and stored.root == tree.root and stored.proof(hash_bytes(item)) == tree.proof(hash_bytes(item))
    near = later.datasets.prove_near_copy(declaration.dataset_id, item, work)
    assert (near.distance, near.violation, near.reason) == (2, True, Reason.DENIED)
    proven = later.datasets.prove(declaration.dataset_id, other)  # proveCodedInclusion, from the file
    assert proven.reason == Reason.UNREGISTERED and not proven.violation


def test_levy_claims_and_collection_checks_read_their_proofs_from_tree_files(
    chain: Web3, deployment: Deployment, tmp_path: Path
) -> None:
    admin, alice, eve = (_client(chain, deployment, k, tmp_path) for k in (0, 1, 3))
    reg = alice.collections.register([b"scan 1", b"scan 2", b"scan 3"], terms=OPEN_TDM)
    root = reg.root[2:]
    assert (tmp_path / "trees" / f"{root}.tree").exists() and reg.tree_file.exists()
    archive = _client(chain, deployment, 1, tmp_path).collections
    checks = archive.check_many(reg.collection_id, [b"scan 2", b"not a member"], Use.TDM)
    assert [c.reason for c in checks] == [Reason.ALLOWED_BY_TERMS, Reason.UNREGISTERED]
    admin.collections.mark(reg.collection_id, Status.VERIFIED, "ipfs://deed")
    chain.provider.make_request("evm_increaseTime", [1])  # type: ignore[arg-type]
    start = eve.datasets.current_epoch()
    eve.datasets.contribute(1_000)
    dataset_id = eve.datasets.declare(MerkleTree.of([hash_bytes(b"scan 1"), hash_bytes(b"x")]), Use.AI_TRAINING,
                                      "ipfs://m").dataset_id  # fmt: skip
    admin.datasets.admit(dataset_id)
    chain.provider.make_request("evm_increaseTime", [eve.datasets.levy.functions.schedule().call()[1]])  # type: ignore[arg-type]
    chain.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
    eve.datasets.finalize(start)
    claimer = _client(chain, deployment, 3, tmp_path)  # both proofs read from the kept files
    assert claimer.datasets.claim_for_collection_member(dataset_id, b"scan 1", reg.collection_id) == 500
    assert alice.datasets.levy_balance() == 500


def test_the_index_loads_a_manifest_through_its_tree_file_and_marks_a_wrong_one(
    chain: Web3, deployment: Deployment, tmp_path: Path
) -> None:
    bob = _client(chain, deployment, 2, tmp_path / "declarer")
    items = [Item(f"f{i}", hash_bytes(f"item {i}".encode())) for i in range(30)]
    good = write_dataset(items, Use.AI_TRAINING, tmp_path / "m", "good")
    good_id = bob.datasets.declare(MerkleTree.of([i.content_hash for i in items[:29]]), Use.AI_TRAINING,
                                   good.manifest.resolve().as_uri()).dataset_id  # fmt: skip
    loaded_id = bob.datasets.declare(TreeFile(good.store), Use.AI_TRAINING, good.manifest.resolve().as_uri()).dataset_id
    good.store.unlink()  # the reader builds its own
    reader = _client(chain, deployment, 1, tmp_path / "reader")
    index = Indexer(reader, tmp_path / "index.sqlite")
    index.sync()
    with sqlite3.connect(tmp_path / "index.sqlite") as raw:
        status = dict(raw.execute("SELECT dataset_id, manifest_status FROM datasets").fetchall())
        listed = raw.execute("SELECT COUNT(*) FROM dataset_items WHERE dataset_id = ?", (loaded_id,)).fetchone()[0]
    index.close()
    assert (status[good_id], status[loaded_id], listed) == ("root-mismatch", "loaded", 30)
    assert TreeFile(tmp_path / "reader" / "trees" / f"{good.root[2:]}.tree").root == good.root
    assert reader.datasets.store(loaded_id).proof(items[7].content_hash) == MerkleTree.of(
        [i.content_hash for i in items]).proof(items[7].content_hash)  # fmt: skip
    # The declarer's own home keeps the 29-work tree of `good_id`: the index still checks the manifest itself.
    same_home = _client(chain, deployment, 1, tmp_path / "declarer")
    again = Indexer(same_home, tmp_path / "index2.sqlite")
    again.sync()
    again.close()
    with sqlite3.connect(tmp_path / "index2.sqlite") as raw:
        status = dict(raw.execute("SELECT dataset_id, manifest_status FROM datasets").fetchall())
    assert (status[good_id], status[loaded_id]) == ("root-mismatch", "loaded")
