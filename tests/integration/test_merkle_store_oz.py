"""The on-disk tree against OpenZeppelin's JavaScript StandardMerkleTree itself (not only through MerkleTree)."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from rightsledger.merkle_store import build_tree_file

pytestmark = pytest.mark.chain

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = next(
    p for p in (ROOT / "tests" / "merkle_oz.js", ROOT / "tests" / "integration" / "merkle_oz.js") if p.exists()
)
NODE = shutil.which("node")


@pytest.mark.skipif(NODE is None, reason="node is needed to run @openzeppelin/merkle-tree")
@pytest.mark.parametrize("n", [1, 2, 3, 5, 64, 257])
def test_tree_file_root_proofs_and_indices_equal_openzeppelin(tmp_path: Path, n: int) -> None:
    values = ["0x" + hashlib.sha256(f"oz:{i}".encode()).hexdigest() for i in range(n)]
    out = subprocess.run(
        [str(NODE), str(SCRIPT)], input=json.dumps({"values": values}), capture_output=True, text=True, check=True,
        cwd=ROOT,
    )  # fmt: skip
    reference = json.loads(out.stdout)
    tree = build_tree_file(values, tmp_path / "t.tree", run_size=4)
    assert tree.root == reference["root"]
    assert [tree.proof(v) for v in values] == reference["proofs"]
    indices = {entry["value"][0]: entry["treeIndex"] for entry in reference["dump"]["values"]}
    assert [tree.tree_index(v) for v in values] == [indices[v] for v in values]
    # The file's nodes are the library's array tree, reversed.
    nodes = [bytes.fromhex(node[2:]) for node in reference["dump"]["tree"]]
    assert list(tree.leaves()) == nodes[::-1][:n]
