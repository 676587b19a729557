"""The streaming, on-disk Merkle tree gives MerkleTree's root and proofs, and detects damage."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rightsledger.errors import NotFoundError, ValidationError
from rightsledger.merkle import MerkleTree
from rightsledger.merkle_store import HEADER_SIZE, TreeFile, build_tree_file, verify


def hashes(n: int, seed: int = 0) -> list[str]:
    return ["0x" + hashlib.sha256(f"{seed}:{i}".encode()).hexdigest() for i in range(n)]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    n=st.sampled_from([1, 2, 3, 4, 5, 7, 8, 9, 31, 33, 100, 257]) | st.integers(1, 600),
    seed=st.integers(0, 10**6),
    run_size=st.integers(1, 64),
)
def test_tree_file_matches_merkle_tree_root_and_every_proof(tmp_path: Path, n: int, seed: int, run_size: int) -> None:
    values = hashes(n, seed)
    reference = MerkleTree.of(values)
    path = tmp_path / f"t-{n}-{seed}-{run_size}.tree"
    with build_tree_file(iter(values), path, run_size=run_size) as tree:
        assert tree.root == reference.root
        assert tree.count == n
        for value in values:
            proof = tree.proof(value)
            assert proof == reference.proof(value)
            assert verify(tree.root, value, proof)
            assert tree.tree_index(value) == reference.dump()["values"][values.index(value)]["treeIndex"]


def test_ten_thousand_leaves_from_bytes_in_many_runs_and_merge_passes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import rightsledger.merkle_store as store

    monkeypatch.setattr(store, "FANOUT", 4)  # 10,000 / 97 = 104 runs: two merge passes before the last
    values = hashes(10_000, 7)
    reference = MerkleTree.of(values)
    tree = build_tree_file((bytes.fromhex(v[2:]) for v in values), tmp_path / "big.tree", run_size=97)
    assert tree.root == reference.root
    for value in values[::97]:
        assert tree.proof(value) == reference.proof(value)
    ranks = sorted(tree.index_of(v) for v in values)
    assert ranks == list(range(10_000))
    assert list(tree.leaves()) == sorted(tree.leaves())
    tree.verify()
    assert not [p for p in tmp_path.iterdir() if p.name != "big.tree"], "runs and scratch space are removed"


def test_proof_of_an_absent_work_is_not_found(tmp_path: Path) -> None:
    tree = build_tree_file(hashes(10), tmp_path / "t.tree")
    with pytest.raises(NotFoundError, match="is not in this dataset"):
        tree.proof(hashes(1, seed=99)[0])
    assert hashes(1, seed=99)[0] not in tree and hashes(10)[3] in tree


def test_duplicates_and_empty_input_are_refused(tmp_path: Path) -> None:
    values = hashes(50)
    with pytest.raises(ValidationError, match="twice"):
        build_tree_file([*values, values[10]], tmp_path / "dup.tree", run_size=7)
    with pytest.raises(ValidationError, match="twice"):
        build_tree_file([values[0], values[0]], tmp_path / "dup2.tree")
    with pytest.raises(ValidationError, match="at least one"):
        build_tree_file([], tmp_path / "empty.tree")
    with pytest.raises(ValidationError, match="not a content hash"):
        build_tree_file([b"short"], tmp_path / "bad.tree")
    assert not (tmp_path / "dup.tree").exists()


def _flip(path: Path, offset: int) -> None:
    with path.open("r+b") as handle:
        handle.seek(offset)
        byte = handle.read(1)
        handle.seek(offset)
        handle.write(bytes([byte[0] ^ 0x01]))


def test_a_damaged_header_body_or_size_is_detected(tmp_path: Path) -> None:
    values = hashes(100)
    path = tmp_path / "t.tree"
    build_tree_file(values, path).close()

    _flip(path, 20)  # the count
    with pytest.raises(ValidationError, match="header does not match"):
        TreeFile(path)
    _flip(path, 20)
    TreeFile(path).close()

    inner = HEADER_SIZE + 32 * 150 + 5  # an inner node
    _flip(path, inner)
    tree = TreeFile(path)  # the header and root are intact: only a full check or a proof through it notices
    with pytest.raises(ValidationError, match="do not match the digest"):
        tree.verify()
    broken = [v for v in values if _fails(tree, v)]
    assert broken, "some proofs pass through the damaged node and are refused"
    tree.close()
    _flip(path, inner)

    with path.open("ab") as handle:
        handle.write(b"\x00" * 32)
    with pytest.raises(ValidationError, match="bytes, where 100 leaves make"):
        TreeFile(path)
    os.truncate(path, 64)
    with pytest.raises(ValidationError, match="not a rightsledger tree file"):
        TreeFile(path)
    with pytest.raises(NotFoundError):
        TreeFile(tmp_path / "missing.tree")


def _fails(tree: TreeFile, value: str) -> bool:
    try:
        tree.proof(value)
    except ValidationError as exc:
        assert "does not lead to the root" in str(exc)
        return True
    return False
