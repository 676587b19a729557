"""Merkle trees against OpenZeppelin's JavaScript implementation (@openzeppelin/merkle-tree, run
with node): the same root, proofs and dump for the same leaves."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rightsledger import hash_bytes
from rightsledger.merkle import MerkleTree, verify

from ..conftest import ROOT

HERE = Path(__file__).resolve().parent
NODE = shutil.which("node")


def _oz(values: list[str]) -> dict:
    out = subprocess.run(
        [NODE, str(HERE / "merkle_oz.js")],
        input=json.dumps({"values": values}),
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return json.loads(out.stdout)


hashes_strategy = st.lists(st.binary(min_size=1, max_size=8), min_size=1, max_size=70, unique=True).map(
    lambda blobs: [hash_bytes(b) for b in blobs]
)


@pytest.mark.skipif(NODE is None, reason="node is needed to run @openzeppelin/merkle-tree")
@settings(max_examples=30, deadline=None)
@given(values=hashes_strategy)
def test_merkle_tree_matches_openzeppelin_javascript(values: list[str]) -> None:
    tree = MerkleTree.of(values)
    reference = _oz(values)
    assert tree.root == reference["root"]
    assert [tree.proof(v) for v in values] == reference["proofs"]
    assert tree.dump() == reference["dump"]
    assert MerkleTree.load(reference["dump"]).root == tree.root
    assert all(verify(tree.root, v, tree.proof(v)) for v in values)
