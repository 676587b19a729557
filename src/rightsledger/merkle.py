"""Merkle trees over content hashes, compatible with OpenZeppelin.

Leaf:  keccak256(keccak256(abi.encode(bytes32 contentHash)))  (a double hash, so a leaf can
       never be mistaken for an inner node), which is `StandardMerkleTree.of(values, ["bytes32"])`
       of @openzeppelin/merkle-tree.
Pair:  keccak256(min(a, b) ++ max(a, b))  (sorted pairs), as OpenZeppelin's MerkleProof verifies.
Shape: leaves sorted by their hash, laid out as that library's array tree: `tree[0]` is the root,
       node i has children 2i+1 and 2i+2, and leaf k sits at `len(tree) - 1 - k`.

A tree may also commit to each item's ISCC content code (`MerkleTree.of(hashes, codes=...)`): leaf
keccak256(keccak256(abi.encode(bytes32 contentHash, bytes10 code))), i.e. leaf encoding
["bytes32", "bytes10"] (rightsledger.code_tree; DatasetRegistry.proveCodedInclusion and proveNearCopy).

`MerkleTree.dump()` writes the library's own "standard-v1" JSON, so `StandardMerkleTree.load`
in JavaScript reads our files and we read theirs.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from eth_utils.crypto import keccak

from .code_tree import CODED_LEAF_ENCODING, coded_leaf_hash, pack_code
from .errors import NotFoundError, ValidationError
from .files import read_json_file
from .hashing import parse_hash
from .vocabulary import ContentHash

FORMAT = "standard-v1"
LEAF_ENCODING = ["bytes32"]


def leaf_hash(content_hash: str) -> bytes:
    """The leaf of a content hash: abi.encode(bytes32) is the 32 bytes themselves, hashed twice."""
    return keccak(keccak(bytes.fromhex(content_hash[2:])))


def node_hash(a: bytes, b: bytes) -> bytes:
    return keccak(a + b) if a <= b else keccak(b + a)


def process_proof(content_hash: str, proof: Sequence[str]) -> str:
    """The root a proof leads to from a content hash (what MerkleProof.verify compares)."""
    node = leaf_hash(content_hash)
    for sibling in proof:
        node = node_hash(node, bytes.fromhex(sibling[2:]))
    return "0x" + node.hex()


def verify(root: str, content_hash: str, proof: Sequence[str]) -> bool:
    return process_proof(content_hash, proof) == root.lower()


class MerkleTree:
    """A tree over distinct content hashes; proofs for any of them."""

    def __init__(
        self,
        tree: list[bytes],
        values: list[ContentHash],
        tree_index: dict[str, int],
        codes: dict[str, bytes] | None = None,
    ) -> None:
        self._tree = tree
        self.values = values
        self._index = tree_index
        self.codes = codes

    @classmethod
    def of(cls, hashes: Iterable[str], codes: Sequence[bytes | int | str | None] | None = None) -> MerkleTree:
        """Build the tree over `hashes` (0x hex sha256 values); duplicates are an error. With `codes`
        (one per hash, None for an item without one), the leaves commit to each item's content code."""
        values = [parse_hash(h) for h in hashes]
        if not values:
            raise ValidationError("a Merkle tree needs at least one content hash")
        packed: dict[str, bytes] | None = None
        if codes is not None:
            if len(codes) != len(values):
                raise ValidationError(f"{len(values)} content hashes but {len(codes)} codes: give one code per item")
            packed = {v: pack_code(c) for v, c in zip(values, codes, strict=True)}
            leaves = [(coded_leaf_hash(v, packed[v]), i) for i, v in enumerate(values)]
        else:
            leaves = [(leaf_hash(v), i) for i, v in enumerate(values)]
        leaves.sort()
        n = len(leaves)
        tree: list[bytes] = [b""] * (2 * n - 1)
        index: dict[str, int] = {}
        for k, (leaf, value_index) in enumerate(leaves):
            position = len(tree) - 1 - k
            tree[position] = leaf
            if values[value_index] in index:
                raise ValidationError(f"the dataset lists {values[value_index]} twice")
            index[values[value_index]] = position
        for i in range(len(tree) - 1 - n, -1, -1):
            tree[i] = node_hash(tree[2 * i + 1], tree[2 * i + 2])
        return cls(tree, values, index, packed)

    @property
    def root(self) -> str:
        return "0x" + self._tree[0].hex()

    def __len__(self) -> int:
        return len(self.values)

    @property
    def coded(self) -> bool:
        """Whether the leaves commit to each item's code (leaf encoding bytes32, bytes10)."""
        return self.codes is not None

    def __contains__(self, content_hash: object) -> bool:
        return isinstance(content_hash, str) and content_hash.lower() in self._index

    def proof(self, content_hash: str) -> list[str]:
        """The sibling hashes from the leaf of `content_hash` up to the root."""
        key = parse_hash(content_hash)
        if key not in self._index:
            raise NotFoundError(f"{key} is not in this dataset", code="not-in-dataset")
        i = self._index[key]
        proof: list[str] = []
        while i > 0:
            sibling = i + 1 if i % 2 == 1 else i - 1
            proof.append("0x" + self._tree[sibling].hex())
            i = (i - 1) // 2
        return proof

    def code_of(self, content_hash: str) -> bytes:
        """The code the leaf of `content_hash` commits to (a tree with codes only)."""
        key = parse_hash(content_hash)
        if self.codes is None:
            raise ValidationError("this dataset's tree has no codes: its leaves are content hashes only")
        if key not in self.codes:
            raise NotFoundError(f"{key} is not in this dataset", code="not-in-dataset")
        return self.codes[key]

    def has_layout(self, nodes: list[bytes], index: Mapping[Any, int]) -> bool:
        """Whether this tree's nodes and leaf positions are exactly `nodes` and `index` (a dump's)."""
        return self._tree == nodes and self._index == index

    def dump(self) -> dict[str, Any]:
        """The @openzeppelin/merkle-tree "standard-v1" JSON form."""
        codes = self.codes
        return {
            "format": FORMAT,
            "leafEncoding": LEAF_ENCODING if codes is None else CODED_LEAF_ENCODING,
            "tree": ["0x" + node.hex() for node in self._tree],
            "values": [
                {"value": [v] if codes is None else [v, "0x" + codes[v].hex()], "treeIndex": self._index[v]}
                for v in self.values
            ],
        }

    @classmethod
    def load(cls, data: dict[str, Any], *, source: str = "tree") -> MerkleTree:
        """Read a "standard-v1" dump (ours or the JavaScript library's); checks every node."""
        coded = data.get("leafEncoding") == CODED_LEAF_ENCODING
        if data.get("format") != FORMAT or not (coded or data.get("leafEncoding") == LEAF_ENCODING):
            raise ValidationError(
                f"{source} is not a standard-v1 Merkle tree over bytes32 values (or bytes32, bytes10 with codes)"
            )
        try:
            tree = [bytes.fromhex(str(node)[2:]) for node in data["tree"]]
            values = [parse_hash(entry["value"][0]) for entry in data["values"]]
            codes = [str(entry["value"][1]) for entry in data["values"]] if coded else None
            index = {v: int(entry["treeIndex"]) for v, entry in zip(values, data["values"], strict=True)}
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise ValidationError(f"{source} is malformed ({exc})") from None
        rebuilt = cls.of(values, codes)
        if not rebuilt.has_layout(tree, index):
            raise ValidationError(f"{source} does not hold the tree its values make; it was altered")
        return rebuilt

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(self.dump()) + "\n")
        tmp.replace(path)
        return path

    @classmethod
    def read(cls, path: str | Path) -> MerkleTree:
        return cls.load(read_json_file(path, what="tree file"), source=str(path))
