"""The content-code tree of a registration (rightsledger.code_tree), as ContentCodes.sol builds it."""

from __future__ import annotations

import os
import random

import pytest
from eth_utils.crypto import keccak

from rightsledger.code_tree import (
    CODES_PER_LEAF,
    NO_CODE,
    CodeProof,
    code_distance,
    code_proof,
    coded_leaf_hash,
    codes_root,
    pack_code,
    split_codes,
    verify_code,
)
from rightsledger.errors import ValidationError


def _codes(n: int, seed: int) -> list[bytes]:
    rng = random.Random(seed)
    return [NO_CODE if i % 7 == 6 else bytes.fromhex("2101") + rng.randbytes(8) for i in range(n)]


def test_one_code_has_its_own_hash_as_root() -> None:
    code = bytes.fromhex("2101a1b2c3d4e5f60718")
    assert codes_root([code]) == keccak(code)


def test_root_of_two_leaves_hashes_them_left_then_right() -> None:
    codes = _codes(CODES_PER_LEAF + 1, 1)
    left = keccak(b"".join(codes[:CODES_PER_LEAF]))
    right = keccak(codes[CODES_PER_LEAF])
    assert codes_root(codes) == keccak(left + right)


@pytest.mark.parametrize("n", [1, 2, 31, 32, 33, 64, 65, 97, 200, 660])
def test_every_code_verifies_and_no_other_code_does(n: int) -> None:
    codes = _codes(n, n)
    root = codes_root(codes)
    for position in range(n):
        proof = code_proof(codes, position)
        assert verify_code(root, n, position, codes[position], proof)
        other = bytes(codes[position][:9]) + bytes([codes[position][9] ^ 1])
        assert not verify_code(root, n, position, other, proof)
        if proof.siblings:
            bad = (bytes(32), *proof.siblings[1:])
            assert not verify_code(root, n, position, codes[position], CodeProof(proof.leaf_codes, bad))
        else:
            extra = CodeProof(proof.leaf_codes, (bytes(32),))
            assert not verify_code(root, n, position, codes[position], extra)


def test_a_proof_does_not_move_to_another_position() -> None:
    codes = _codes(70, 3)
    codes[5] = codes[37]  # same code at the same offset of two leaves
    root = codes_root(codes)
    assert verify_code(root, 70, 37, codes[37], code_proof(codes, 37))
    assert not verify_code(root, 70, 5, codes[37], code_proof(codes, 37))
    assert not verify_code(root, 70, 70, codes[37], code_proof(codes, 37))


def test_pack_code_accepts_ints_hex_bytes_and_none() -> None:
    code = bytes.fromhex("2101a1b2c3d4e5f60718")
    assert pack_code(0x2101A1B2C3D4E5F60718) == code
    assert pack_code("0x2101a1b2c3d4e5f60718") == code
    assert pack_code(code) == code
    assert pack_code(None) == NO_CODE
    for bad in (1 << 80, -1, "0x1234", b"123", "zz"):
        with pytest.raises(ValidationError, match="content code"):
            pack_code(bad)  # type: ignore[arg-type]


def test_distance_compares_bodies_only() -> None:
    a = bytes.fromhex("2101ffffffffffffffff")
    b = bytes.fromhex("2001fffffffffffffff0")
    assert code_distance(a, b) == 4


def test_split_codes_reads_an_event_back() -> None:
    codes = _codes(5, 9)
    assert split_codes(b"".join(codes)) == codes
    with pytest.raises(ValidationError, match="10 bytes each"):
        split_codes(b"\x00" * 11)


def test_coded_leaf_is_the_double_hash_of_abi_encoded_hash_and_bytes10() -> None:
    digest = "0x" + os.urandom(32).hex()
    code = bytes.fromhex("2101a1b2c3d4e5f60718")
    encoded = bytes.fromhex(digest[2:]) + code + bytes(22)
    assert coded_leaf_hash(digest, code) == keccak(keccak(encoded))


def test_a_merkle_tree_with_codes_dumps_loads_and_proves() -> None:
    from rightsledger.merkle import MerkleTree, node_hash

    hashes = ["0x" + os.urandom(32).hex() for _ in range(9)]
    codes: list[bytes | None] = [*_codes(8, 4), None]
    tree = MerkleTree.of(hashes, codes)
    data = tree.dump()
    assert data["leafEncoding"] == ["bytes32", "bytes10"]
    assert data["values"][8]["value"] == [hashes[8], "0x" + NO_CODE.hex()]
    again = MerkleTree.load(data)
    assert again.root == tree.root and again.code_of(hashes[2]) == codes[2]
    for h, c in zip(hashes, codes, strict=True):
        node = coded_leaf_hash(h, c)
        for sibling in tree.proof(h):
            node = node_hash(node, bytes.fromhex(sibling[2:]))
        assert "0x" + node.hex() == tree.root
    assert MerkleTree.of(hashes).root != tree.root, "codes change every leaf"
    with pytest.raises(ValidationError, match="one code per item"):
        MerkleTree.of(hashes, codes[:3])
    with pytest.raises(ValidationError, match="no codes"):
        MerkleTree.of(hashes).code_of(hashes[0])
    data["values"][0]["value"][1] = "0x" + bytes.fromhex("2101" + "00" * 8).hex()
    with pytest.raises(ValidationError, match="altered"):
        MerkleTree.load(data)
