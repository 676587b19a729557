"""A manifest written for a tree with codes lists each item's code, and rebuilds the same coded tree
(so the root checked against the chain is the coded one); CSV manifests may give a `code` column."""

from __future__ import annotations

import json
from pathlib import Path

from rightsledger.code_tree import NO_CODE
from rightsledger.hashing import hash_bytes
from rightsledger.manifests import Item, collect, tree_of_manifest, write_manifest
from rightsledger.merkle import MerkleTree
from rightsledger.vocabulary import Use


def test_a_coded_tree_round_trips_through_its_manifest(tmp_path: Path) -> None:
    hashes = [hash_bytes(bytes([i])) for i in range(3)]
    codes = [(0x4010 << 64) | 0x0123456789ABCDEF, None, (0x4010 << 64) | 0xFFFF]
    tree = MerkleTree.of(hashes, codes)
    items = [Item(f"{i}.jpg", h) for i, h in enumerate(hashes)] + [Item("dup.jpg", hashes[0])]
    manifest, _ = write_manifest(items, tree, Use.AI_TRAINING, tmp_path, "coded")
    data = json.loads(manifest.read_text())
    assert data["leafEncoding"].startswith("keccak256(keccak256(abi.encode(bytes32 contentHash, bytes10 code)))")
    assert [i["code"] for i in data["items"]] == [
        "0x40100123456789abcdef", "0x" + NO_CODE.hex(), "0x4010000000000000ffff", "0x40100123456789abcdef"]
    rebuilt = tree_of_manifest(manifest)
    assert rebuilt.root == tree.root and rebuilt.codes == tree.codes
    assert rebuilt.root != MerkleTree.of(hashes).root
    assert [i.code for i in collect(manifest)][:1] == ["0x40100123456789abcdef"]


def test_a_manifest_without_codes_makes_the_plain_tree(tmp_path: Path) -> None:
    hashes = [hash_bytes(b"a"), hash_bytes(b"b")]
    tree = MerkleTree.of(hashes)
    manifest, _ = write_manifest([Item(None, h) for h in hashes], tree, Use.TDM, tmp_path, "plain")
    assert "code" not in json.loads(manifest.read_text())["items"][0]
    assert tree_of_manifest(manifest).root == tree.root and tree_of_manifest(manifest).codes is None
    csv = tmp_path / "m.csv"
    csv.write_text(f"hash,code\n{hashes[0]},0x4010000000000000ffff\n{hashes[1]},\n")
    assert [i.code for i in collect(csv)] == ["0x4010000000000000ffff", None]
