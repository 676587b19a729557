"""Tree files with codes, repeats dropped, the shelf of trees by root (a wrong file is rejected and
rebuilt), and manifests written and read as streams in bounded memory."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rightsledger.code_tree import coded_leaf_hash
from rightsledger.errors import NotFoundError, ValidationError
from rightsledger.manifests import Item, collect, manifest_hashes, read_manifest, tree_of_manifest, write_dataset
from rightsledger.merkle import MerkleTree
from rightsledger.merkle_store import TreeFile, build_tree_file
from rightsledger.tree_shelf import TreeShelf
from rightsledger.vocabulary import Use


def hashes(n: int, seed: int = 0) -> list[str]:
    return ["0x" + hashlib.sha256(f"{seed}:{i}".encode()).hexdigest() for i in range(n)]


def codes(n: int, seed: int = 0) -> list[bytes | None]:
    out: list[bytes | None] = []
    for i in range(n):
        raw = hashlib.sha256(f"code {seed}:{i}".encode()).digest()
        out.append(None if i % 5 == 4 else b"\x21\x01" + raw[:8])
    return out


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(n=st.integers(1, 300), seed=st.integers(0, 10**6), run_size=st.integers(1, 40))
def test_a_coded_tree_file_equals_the_coded_merkle_tree(tmp_path: Path, n: int, seed: int, run_size: int) -> None:
    values, item_codes = hashes(n, seed), codes(n, seed)
    reference = MerkleTree.of(values, item_codes)
    path = tmp_path / f"coded-{n}-{seed}-{run_size}.tree"
    with build_tree_file(zip(values, item_codes, strict=True), path, run_size=run_size, coded=True) as tree:
        assert tree.coded and reference.coded
        assert tree.root == reference.root and len(tree) == n
        for value in values:
            assert tree.code_of(value) == reference.code_of(value)
            assert tree.proof(value) == reference.proof(value)
            assert tree.tree_index(value) == reference.dump()["values"][values.index(value)]["treeIndex"]
        tree.verify()
    with TreeFile(path) as again:
        assert again.coded and again.root == reference.root


def test_a_coded_tree_file_refuses_what_it_does_not_hold(tmp_path: Path) -> None:
    values, item_codes = hashes(20), codes(20)
    tree = build_tree_file(zip(values, item_codes, strict=True), tmp_path / "c.tree", run_size=6, coded=True)
    with pytest.raises(NotFoundError, match="not in this dataset"):
        tree.proof(hashes(1, seed=7)[0])
    assert hashes(1, seed=7)[0] not in tree and values[3] in tree
    plain = build_tree_file(values, tmp_path / "p.tree")
    with pytest.raises(ValidationError, match="has no codes"):
        plain.code_of(values[0])
    with pytest.raises(ValidationError, match="with different codes"):
        build_tree_file([(values[0], item_codes[0]), (values[0], b"\x21\x01" + bytes(8))], tmp_path / "d.tree",
                        coded=True)  # fmt: skip
    with pytest.raises(ValidationError, match="with different codes"):  # across runs: found while merging
        pairs = [*zip(values, item_codes, strict=True), (values[0], b"\x21\x01" + bytes(8))]
        build_tree_file(pairs, tmp_path / "d2.tree", coded=True, run_size=4)
    with pytest.raises(ValidationError, match="not a \\(content hash, code\\) pair"):
        build_tree_file(values, tmp_path / "e.tree", coded=True)
    assert coded_leaf_hash(values[0], item_codes[0]) == tree.leaf(tree.index_of(values[0]))


@pytest.mark.parametrize("run_size", [1, 3, 1000])
def test_distinct_drops_repeats_and_makes_the_tree_of_the_distinct_hashes(tmp_path: Path, run_size: int) -> None:
    values = hashes(50)
    repeated = values + values[::3] + values[:2]
    with build_tree_file(repeated, tmp_path / "t.tree", distinct=True, run_size=run_size) as tree:
        reference = MerkleTree.of(values)
        assert tree.root == reference.root and len(tree) == 50
        assert all(tree.proof(v) == reference.proof(v) for v in values)
    with pytest.raises(ValidationError, match="twice"):
        build_tree_file(repeated, tmp_path / "u.tree", run_size=run_size)


def test_the_shelf_rejects_a_file_with_another_root_with_a_clear_error_and_rebuilds_it(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    values, other = hashes(30), hashes(31, seed=1)
    root = MerkleTree.of(values).root
    shelf = TreeShelf(tmp_path / "trees")
    wrong = build_tree_file(other, shelf.path_for(root))  # another tree's file under this root's name
    with pytest.raises(ValidationError, match=f"has root {wrong.root}, not dataset 1's root {root}") as info:
        wrong.expect_root(root, what="dataset 1's root")
    assert info.value.code == "tree-root-mismatch"
    wrong.close()
    with pytest.raises(NotFoundError, match="no tree file for root"):
        shelf.get(root)  # the wrong file is not served, and there is nothing to build from
    with caplog.at_level(logging.WARNING, logger="rightsledger.trees"):
        tree = shelf.get(root, leaves=lambda: (False, iter(values)), what="dataset 1's root")
    assert tree.root == root and tree.path == shelf.path_for(root)
    assert any("not dataset 1's root" in r.getMessage() and "rebuilding it" in r.getMessage() for r in caplog.records)
    assert TreeShelf(tmp_path / "trees").get(root).root == root, "the rebuilt file is kept for the next reader"
    with pytest.raises(ValidationError, match="makes root") as mismatch:
        TreeShelf(tmp_path / "other").get(root, leaves=lambda: (False, iter(other)), source="manifest m.json")
    assert mismatch.value.code == "manifest-root-mismatch"
    assert list((tmp_path / "other").glob("*.tree")) == [], "a tree of the wrong root is not kept"
    os.truncate(shelf.path_for(root), 200)  # damaged: rejected and rebuilt too
    shelf.close()
    assert TreeShelf(tmp_path / "trees").get(root, leaves=lambda: (False, iter(values))).root == root


def test_the_shelf_keeps_in_memory_and_coded_trees_by_root(tmp_path: Path) -> None:
    values, item_codes = hashes(12), codes(12)
    shelf = TreeShelf(tmp_path, keep=2)
    coded = shelf.put_tree(MerkleTree.of(values, item_codes))
    assert coded.coded and coded.path == shelf.path_for(coded.root)
    assert coded.code_of(values[2]) == MerkleTree.of(values, item_codes).code_of(values[2])
    plain = build_tree_file(values, tmp_path / "elsewhere" / "x.tree")
    kept = shelf.put_tree(plain)
    assert kept.path == shelf.path_for(plain.root)
    assert shelf.path_for(plain.root).stat().st_ino == plain.path.stat().st_ino, "a hard link, not a copy"
    shelf.put_tree(MerkleTree.of(hashes(3, seed=5)))  # a third: the oldest open file is closed
    assert TreeShelf(tmp_path).get(coded.root).coded


def _items(n: int) -> Iterator[Item]:
    for i in range(n):
        value = "0x" + hashlib.sha256(f"3:{i}".encode()).hexdigest()
        yield Item(f"file-{i}", value)
        if i % 10 == 0:
            yield Item(f"copy-{i}", value)  # a work listed twice: one leaf


def test_a_dataset_is_written_and_read_back_as_a_stream(tmp_path: Path) -> None:
    files = write_dataset(_items(500), Use.AI_TRAINING, tmp_path, "set")
    data = read_manifest(files.manifest)  # still one JSON document
    assert data["root"] == files.root and data["itemCount"] == files.count == 500 and len(data["items"]) == 550
    assert data["treeStore"] == "set.tree" and data["tree"] == "set.tree.json"
    assert list(manifest_hashes(files.manifest)) == [e["hash"] for e in data["items"]]
    assert tree_of_manifest(files.manifest).root == files.root == MerkleTree.read(files.dump).root  # type: ignore[arg-type]
    assert [i.content_hash for i in collect(files.manifest)] == [e["hash"] for e in data["items"]]
    with TreeFile(files.store) as tree:
        assert tree.root == files.root
    first = files.manifest.read_text().splitlines()[0]
    assert first.endswith('"items": [') and json.loads(first + "]}")["root"] == files.root
    big = write_dataset(_items(50), Use.AI_TRAINING, tmp_path, "big", dump_limit=10)
    assert big.dump is None and not (tmp_path / "big.tree.json").exists()
    assert read_manifest(big.manifest)["tree"] is None
    cut = tmp_path / "cut.manifest.json"
    cut.write_text("\n".join(files.manifest.read_text().splitlines()[:20]) + "\n")
    with pytest.raises(ValidationError, match="cut short"):
        list(manifest_hashes(cut))
    with pytest.raises(ValidationError, match="no content hash yet"):
        write_dataset([Item("a.txt")], Use.AI_TRAINING, tmp_path, "unhashed")


def _peak(n: int, folder: Path) -> int:
    tracemalloc.start()
    try:
        files = write_dataset(_items(n), Use.AI_TRAINING, folder, f"m{n}", dump_limit=0, run_size=500)
        with TreeFile(files.store) as tree:  # and the tree again, from the written manifest's hashes
            build_tree_file(manifest_hashes(files.manifest), folder / f"again-{n}.tree", distinct=True,
                            run_size=500).close()  # fmt: skip
            assert TreeFile(folder / f"again-{n}.tree").root == tree.root
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_writing_a_dataset_and_building_its_tree_take_memory_bounded_by_the_run_not_the_count(tmp_path: Path) -> None:
    # Memory: one run of leaves plus one read buffer per run merged at once (at most FANOUT = 64):
    # past 64 runs it no longer grows with the count. 40,000 items make 80 runs of 500; 160,000, 320.
    small, large = _peak(40_000, tmp_path), _peak(160_000, tmp_path)
    assert large < small * 1.3, f"peak {large:,} B for 160,000 items against {small:,} B for 40,000"
