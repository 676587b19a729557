"""Merkle trees without a chain: a proof verifies only for its own leaf."""

from __future__ import annotations

from rightsledger import hash_bytes
from rightsledger.merkle import MerkleTree, verify


def test_a_proof_for_another_hash_does_not_verify() -> None:
    values = [hash_bytes(bytes([i])) for i in range(5)]
    tree = MerkleTree.of(values)
    assert not verify(tree.root, hash_bytes(b"outsider"), tree.proof(values[0]))
    assert not verify(tree.root, values[1], tree.proof(values[0]))
