"""A coded collection's members manifest is read only if it rebuilds both of the collection's roots."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rightsledger.code_tree import NO_CODE, pack_code
from rightsledger.errors import ValidationError
from rightsledger.hashing import hash_bytes
from rightsledger.merkle import MerkleTree
from rightsledger.sdk.collections import read_members

HASHES = [hash_bytes(f"member {i}".encode()) for i in range(5)]
CODES = [pack_code(0x2101 << 64 | (i + 1) * 0x1111) if i != 3 else NO_CODE for i in range(5)]


def _manifest(tmp_path: Path) -> tuple[Path, str, str]:
    coded = MerkleTree.of(HASHES, CODES)
    return coded.save(tmp_path / "members.json"), MerkleTree.of(HASHES).root, coded.root


def test_the_published_manifest_gives_every_member_and_its_code_in_order(tmp_path: Path) -> None:
    path, root, codes_root = _manifest(tmp_path)
    assert read_members(path, root=root, codes_root=codes_root, what="collection 1") == list(
        zip(HASHES, CODES, strict=True)
    )
    upper = "0x" + root[2:].upper()  # roots as a block explorer may print them
    assert read_members(path, root=upper, codes_root=codes_root, what="collection 1")[3] == (HASHES[3], NO_CODE)


def test_a_manifest_committing_to_other_codes_is_refused(tmp_path: Path) -> None:
    path, root, _ = _manifest(tmp_path)
    other = MerkleTree.of(HASHES, [NO_CODE] * 5).root
    with pytest.raises(ValidationError, match="committed to") as caught:
        read_members(path, root=root, codes_root=other, what="collection 1")
    assert caught.value.code == "manifest-root-mismatch"


def test_a_manifest_of_other_members_is_refused_even_with_the_right_codes_root(tmp_path: Path) -> None:
    path, _, codes_root = _manifest(tmp_path)
    with pytest.raises(ValidationError, match="other works than collection 1"):
        read_members(path, root=MerkleTree.of(HASHES[:4]).root, codes_root=codes_root, what="collection 1")


def test_an_edited_code_or_a_plain_tree_is_refused(tmp_path: Path) -> None:
    path, root, codes_root = _manifest(tmp_path)
    data = json.loads(path.read_text())
    data["values"][0]["value"][1] = "0x" + pack_code(0x2101 << 64 | 7).hex()
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(data))
    with pytest.raises(ValidationError, match="altered"):
        read_members(edited, root=root, codes_root=codes_root, what="collection 1")
    plain = MerkleTree.of(HASHES).save(tmp_path / "plain.json")
    with pytest.raises(ValidationError, match="lists no codes"):
        read_members(plain, root=root, codes_root=codes_root, what="collection 1")
