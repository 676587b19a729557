"""Merkle trees of any size, built streaming and kept on disk: the same tree as `merkle.MerkleTree`.

The tree is OpenZeppelin's `StandardMerkleTree` over bytes32 values (see merkle.py): the same
root and the same proofs for the same content hashes. Building it holds at most `run_size` leaf
hashes in memory, whatever the number of items:

1. leaf hashes are cut into runs of `run_size`, each sorted in memory and written to a temporary
   file; runs are merged k-way (at most `FANOUT` at a time, in several passes if need be);
2. the sorted leaves are written to the tree file, then every inner node, in one forward pass.

Layout. OpenZeppelin's array tree has the root at `tree[0]`, the children of node i at 2i+1 and
2i+2, and the k-th smallest leaf at `tree[2n-2-k]`. The file stores that array *reversed*:
node r of the file is `tree[2n-2-r]`. Then the first n nodes are the leaves in ascending
order (a binary search finds a leaf), and node n+m is the hash of nodes 2m and 2m+1, so the file
is written front to back while the pass reads two nodes behind it; the last node is the root.
A proof is one binary search (log2 n reads of 32 bytes) and one read per level.

Repeats: an error by default, as in `MerkleTree.of`; `distinct=True` drops them (a manifest that
lists a file twice makes one leaf). Codes: with `coded=True` the values are (content hash, code)
pairs and the leaves are `MerkleTree.of(hashes, codes)`'s (leaf encoding bytes32, bytes10); the
pairs are sorted by hash in a second external sort and kept after the nodes, so `code_of` is one
more binary search (log2 n reads of 32 bytes) and a proof needs nothing but the file.

File: a 128-byte header (magic, version, flags (1 = coded), leaf count, root, sha256 of the body,
sha256 of the header fields), then (2n-1) x 32 bytes, then (coded trees) n x 42 bytes of pairs.
Opening checks the header, its digest, the file size and the root; `verify()` re-hashes the body;
every proof is checked against the root before it is returned, so a damaged node on its path is
reported, not served.
"""

from __future__ import annotations

import hashlib
import heapq
import os
import struct
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np

from .code_tree import CODE_BYTES, pack_code
from .errors import NotFoundError, ValidationError
from .hashing import parse_hash
from .merkle import verify as _verify

try:  # pysha3's C keccak is ~10x faster per call than eth-hash's pycryptodome backend
    from sha3 import keccak_256 as _keccak_256  # type: ignore[import-untyped,import-not-found,unused-ignore]

    def _keccak(data: bytes) -> bytes:
        return _keccak_256(data).digest()  # type: ignore[no-any-return]

    _FAST: Any = _keccak_256

except ImportError:  # pragma: no cover - the same function, slower
    from eth_utils.crypto import keccak as _eth_keccak

    def _keccak(data: bytes) -> bytes:
        return bytes(_eth_keccak(data))

    _FAST = None


MAGIC = b"RLMTREE\x00"
VERSION = 1
HEADER_SIZE = 128
_FIELDS = struct.Struct("<8sIIQ32s32s")  # magic, version, flags, count, root, body sha256
NODE = 32
RECORD = NODE + CODE_BYTES  # a coded tree's (content hash, code) pair
FLAG_CODED = 1
_CODE_PAD = bytes(NODE - CODE_BYTES)  # abi.encode pads the bytes10 code to 32 bytes
FANOUT = 64
DEFAULT_RUN_SIZE = 1_000_000
_READ_BLOCK = 8_192  # leaves per read of a run while merging
_PASS_BLOCK = 16_384  # inner nodes per step of the inner pass

Value = bytes | str
"""A content hash: 32 bytes, or 0x hex text."""


def _value_bytes(value: Value) -> bytes:
    if isinstance(value, str):
        return bytes.fromhex(parse_hash(value)[2:])
    if isinstance(value, (bytes, bytearray, memoryview)) and len(value) == NODE:
        return bytes(value)
    raise ValidationError(f"{value!r} is not a content hash: give 32 bytes or 64 hex digits")


def leaf_of(value: Value) -> bytes:
    """The OpenZeppelin standard leaf of a bytes32 value: keccak256(keccak256(value))."""
    return _keccak(_keccak(_value_bytes(value)))


def node_of(a: bytes, b: bytes) -> bytes:
    return _keccak(a + b) if a <= b else _keccak(b + a)


def verify(root: str, content_hash: str, proof: Sequence[str]) -> bool:
    """Whether `proof` leads from `content_hash` to `root` (merkle.verify, as MerkleProof.verify does)."""
    return _verify(root, content_hash, proof)


# ---------------------------------------------------------------------- sorting
# Runs hold fixed-width records: leaf hashes (32 bytes) or, for a coded tree, (content hash, code)
# records (42 bytes) keyed by their first 32 bytes.

_TWICE = "the dataset lists a content hash twice; give each work once"
_TWICE_CODED = "the dataset lists a content hash twice with different codes; give each work once"


class _Kind:
    """How records of one run are compared: their width, the key's width, whether repeats are dropped."""

    def __init__(self, width: int, *, distinct: bool, key: int = NODE) -> None:
        self.width, self.distinct, self.key = width, distinct, key


def _sorted_run(buffer: bytearray, kind: _Kind) -> bytes:
    records = np.frombuffer(bytes(buffer), dtype=f"S{kind.width}")
    # Fixed-width byte strings compare as memcmp: the order of Python's bytes.
    ordered = np.sort(records, kind="stable")
    if len(ordered) > 1:
        same = ordered[1:] == ordered[:-1]
        if bool(np.any(same)):
            if not kind.distinct:
                raise ValidationError(_TWICE)
            ordered = ordered[np.concatenate(([True], ~same))]
        if kind.key < kind.width and len(ordered) > 1:
            keys = np.frombuffer(ordered.tobytes(), dtype=np.uint8).reshape(-1, kind.width)[:, : kind.key]
            if bool(np.any(np.all(keys[1:] == keys[:-1], axis=1))):
                raise ValidationError(_TWICE_CODED)
    return ordered.tobytes()


def _write_run(data: bytes, folder: Path) -> Path:
    handle = tempfile.NamedTemporaryFile(dir=folder, prefix="run-", suffix=".leaves", delete=False)
    with handle:
        handle.write(data)
    return Path(handle.name)


def _read_run(path: Path, width: int = NODE) -> Iterator[bytes]:
    with path.open("rb") as handle:
        while block := handle.read(_READ_BLOCK * width):
            for at in range(0, len(block), width):
                yield block[at : at + width]


def _merged(runs: Sequence[Path], kind: _Kind) -> Iterator[bytes]:
    """The records of sorted runs in one ascending stream; a record met twice is dropped or an error."""
    previous = b""
    key = kind.key
    for record in heapq.merge(*(_read_run(p, kind.width) for p in runs)):
        if record[:key] == previous[:key]:
            if record != previous:
                raise ValidationError(_TWICE_CODED)
            if not kind.distinct:
                raise ValidationError(_TWICE)
            continue
        previous = record
        yield record


def _merge_to_file(runs: Sequence[Path], folder: Path, kind: _Kind) -> Path:
    handle = tempfile.NamedTemporaryFile(dir=folder, prefix="run-", suffix=".leaves", delete=False)
    with handle:
        out = bytearray()
        for record in _merged(runs, kind):
            out += record
            if len(out) >= _READ_BLOCK * NODE:
                handle.write(out)
                out.clear()
        handle.write(out)
    for run in runs:
        run.unlink()
    return Path(handle.name)


def _sorted_stream(runs: list[Path], folder: Path, kind: _Kind) -> Iterator[bytes]:
    """All records of the runs, ascending: merged in passes of at most FANOUT runs."""
    while len(runs) > FANOUT:
        runs = [_merge_to_file(runs[i : i + FANOUT], folder, kind) for i in range(0, len(runs), FANOUT)]
    if not runs:
        return iter(())
    return _read_run(runs[0], kind.width) if len(runs) == 1 else _merged(runs, kind)


def _coded(value: object) -> tuple[bytes, bytes]:
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise ValidationError(f"{value!r} is not a (content hash, code) pair: a tree with codes takes one per item")
    return _value_bytes(value[0]), pack_code(value[1])


def _runs(
    values: Iterable[Any], run_size: int, folder: Path, *, distinct: bool, coded: bool
) -> tuple[list[Path], list[Path], int]:
    runs: list[Path] = []
    record_runs: list[Path] = []
    leaf_kind = _Kind(NODE, distinct=distinct)
    record_kind = _Kind(RECORD, distinct=distinct)
    buffer = bytearray()
    records = bytearray()
    count = 0
    k = _FAST
    for value in values:
        if coded:
            digest, code = _coded(value)
            records += digest + code
            buffer += _keccak(_keccak(digest + code + _CODE_PAD))
        # The hot loop: a 32-byte value is hashed inline, anything else is parsed (and checked) first.
        elif k is not None and type(value) is bytes and len(value) == NODE:
            buffer += k(k(value).digest()).digest()
        else:
            buffer += leaf_of(value)
        count += 1
        if count % run_size == 0:
            runs.append(_write_run(_sorted_run(buffer, leaf_kind), folder))
            buffer.clear()
            if coded:
                record_runs.append(_write_run(_sorted_run(records, record_kind), folder))
                records.clear()
    if buffer:
        runs.append(_write_run(_sorted_run(buffer, leaf_kind), folder))
    if records:
        record_runs.append(_write_run(_sorted_run(records, record_kind), folder))
    return runs, record_runs, count


# ---------------------------------------------------------------------- building


def build_tree_file(
    values: Iterable[Any],
    path: str | Path,
    *,
    run_size: int = DEFAULT_RUN_SIZE,
    temp_dir: str | Path | None = None,
    distinct: bool = False,
    coded: bool = False,
) -> TreeFile:
    """Write the tree of `values` (content hashes, any order) to `path`; returns it opened.

    `distinct=True` drops repeated values (a manifest listing a file twice makes one leaf, as
    `tree_of_manifest` does); otherwise a repeat is an error, as in `MerkleTree.of`. With
    `coded=True` each value is a (content hash, code) pair and the leaves commit to the codes
    (`MerkleTree.of(hashes, codes)`); the file then also keeps the pairs sorted by hash, so a
    proof finds the item's code with one more binary search.

    Memory: about 3 x 32 x `run_size` bytes for the runs (x 2.3 with codes), plus `FANOUT` read
    buffers while merging. Temporary runs go to `temp_dir` (default: beside `path`) and are removed.
    """
    if run_size < 1:
        raise ValidationError("run_size must be at least 1")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    folder = Path(temp_dir) if temp_dir is not None else path.parent
    with tempfile.TemporaryDirectory(dir=folder, prefix=".merkle-") as scratch:
        work = Path(scratch)
        runs, record_runs, count = _runs(values, run_size, work, distinct=distinct, coded=coded)
        if count == 0:
            raise ValidationError("a Merkle tree needs at least one content hash")
        leaves = _sorted_stream(runs, work, _Kind(NODE, distinct=distinct))
        tmp = path.with_name(path.name + ".tmp")
        try:
            records = _sorted_stream(record_runs, work, _Kind(RECORD, distinct=distinct)) if coded else None
            _write_tree(tmp, leaves, records)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    tmp.replace(path)
    return TreeFile(path)


def _append(fd: int, stream: Iterator[bytes], offset: int, body: Any, width: int) -> int:
    """Write the records of `stream` from `offset` on, in blocks; returns how many."""
    written = 0
    out = bytearray()
    for record in stream:
        out += record
        if len(out) >= _PASS_BLOCK * width:
            os.pwrite(fd, out, offset + written * width)
            body.update(out)
            written += len(out) // width
            out.clear()
    if out:
        os.pwrite(fd, out, offset + written * width)
        body.update(out)
        written += len(out) // width
    return written


def _write_tree(path: Path, leaves: Iterator[bytes], records: Iterator[bytes] | None) -> None:
    body = hashlib.sha256()
    with path.open("w+b") as handle:
        fd = handle.fileno()
        os.pwrite(fd, bytes(HEADER_SIZE), 0)
        count = _append(fd, leaves, HEADER_SIZE, body, NODE)
        # Node n+m = hash(node 2m, node 2m+1): read b pairs behind the write position, append b nodes.
        m = 0
        inner = count - 1
        last = b""
        k = _FAST
        while m < inner:
            b = min(_PASS_BLOCK, max(1, (count - m) // 2), inner - m)
            pairs = os.pread(fd, 2 * b * NODE, HEADER_SIZE + 2 * m * NODE)
            halves = iter([pairs[i : i + NODE] for i in range(0, 2 * b * NODE, NODE)])
            if k is not None:
                nodes = b"".join(
                    [k(x + y).digest() if x <= y else k(y + x).digest() for x, y in zip(halves, halves, strict=True)]
                )
            else:
                nodes = b"".join([node_of(x, y) for x, y in zip(halves, halves, strict=True)])
            os.pwrite(fd, nodes, HEADER_SIZE + (count + m) * NODE)
            body.update(nodes)
            last = nodes[-NODE:]
            m += b
        flags = 0
        if records is not None:
            flags |= FLAG_CODED
            pairs_written = _append(fd, records, HEADER_SIZE + (2 * count - 1) * NODE, body, RECORD)
            if pairs_written != count:  # pragma: no cover - distinct leaves imply distinct pairs
                raise ValidationError(f"{count} leaves but {pairs_written} (content hash, code) pairs")
        root = last if count > 1 else os.pread(fd, NODE, HEADER_SIZE)
        fields = _FIELDS.pack(MAGIC, VERSION, flags, count, root, body.digest())
        header = fields + hashlib.sha256(fields).digest()
        os.pwrite(fd, header.ljust(HEADER_SIZE, b"\x00"), 0)
        handle.flush()
        os.fsync(fd)


# ---------------------------------------------------------------------- reading


class TreeFile:
    """A tree written by `build_tree_file`: its root, leaf count and proofs, read on demand."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            self._handle = self.path.open("rb")
        except FileNotFoundError:
            raise NotFoundError(f"tree file {self.path} does not exist") from None
        except IsADirectoryError:
            raise ValidationError(f"{self.path} is a folder; give the tree file build_tree_file wrote") from None
        self._fd = self._handle.fileno()
        try:
            self._read_header()
        except BaseException:
            self._handle.close()
            raise

    def _corrupt(self, what: str) -> ValidationError:
        return ValidationError(f"tree file {self.path} is damaged ({what}); build it again from the dataset")

    def _read_header(self) -> None:
        header = os.pread(self._fd, HEADER_SIZE, 0)
        if len(header) < HEADER_SIZE or not header.startswith(MAGIC):
            raise ValidationError(f"{self.path} is not a rightsledger tree file (no {MAGIC!r} header)")
        fields = header[: _FIELDS.size]
        if hashlib.sha256(fields).digest() != header[_FIELDS.size : _FIELDS.size + 32]:
            raise self._corrupt("its header does not match the header's digest")
        _magic, version, flags, count, root, body = _FIELDS.unpack(fields)
        if version != VERSION or flags & ~FLAG_CODED:
            raise ValidationError(
                f"tree file {self.path} has format version {version} (flags {flags}); this SDK reads {VERSION}"
            )
        if count < 1:
            raise self._corrupt("it holds no leaves")
        self.coded: bool = bool(flags & FLAG_CODED)
        """Whether the leaves commit to each item's code (leaf encoding bytes32, bytes10)."""
        self._records_at = HEADER_SIZE + (2 * count - 1) * NODE
        expected = self._records_at + (count * RECORD if self.coded else 0)
        size = os.fstat(self._fd).st_size
        if size != expected:
            raise self._corrupt(f"{size} bytes, where {count} leaves make {expected}")
        self.count: int = count
        self._root: bytes = root
        self._body_digest: bytes = body
        if self._node(2 * count - 2) != root:
            raise self._corrupt("its last node is not the root in its header")

    def close(self) -> None:
        self._handle.close()

    def __enter__(self) -> TreeFile:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    def __len__(self) -> int:
        return self.count

    @property
    def root(self) -> str:
        return "0x" + self._root.hex()

    def _node(self, r: int) -> bytes:
        """Node r of the file (tree index 2n-2-r)."""
        return os.pread(self._fd, NODE, HEADER_SIZE + r * NODE)

    def leaf(self, k: int) -> bytes:
        """The k-th smallest leaf hash."""
        if not 0 <= k < self.count:
            raise NotFoundError(f"leaf {k} is outside this tree of {self.count} leaves")
        return self._node(k)

    def expect_root(self, root: str, *, what: str = "the declared root") -> TreeFile:
        """This tree, if its root is `root`; otherwise a ValidationError (code `tree-root-mismatch`)."""
        if self.root != root.lower():
            raise ValidationError(
                f"tree file {self.path} has root {self.root}, not {what} {root.lower()}: "
                "it is another tree's, or was altered",
                code="tree-root-mismatch",
            )
        return self

    def code_of(self, content_hash: Value) -> bytes:
        """The code the work's leaf commits to (a coded tree only): a binary search over the pairs."""
        if not self.coded:
            raise ValidationError("this dataset's tree has no codes: its leaves are content hashes only")
        target = _value_bytes(content_hash)
        lo, hi = 0, self.count
        while lo < hi:
            mid = (lo + hi) // 2
            if os.pread(self._fd, NODE, self._records_at + mid * RECORD) < target:
                lo = mid + 1
            else:
                hi = mid
        record = os.pread(self._fd, RECORD, self._records_at + lo * RECORD) if lo < self.count else b""
        if record[:NODE] != target:
            raise NotFoundError(f"0x{target.hex()} is not in this dataset", code="not-in-dataset")
        return record[NODE:]

    def _leaf_of(self, content_hash: Value) -> bytes:
        if self.coded:
            return _keccak(_keccak(_value_bytes(content_hash) + self.code_of(content_hash) + _CODE_PAD))
        return leaf_of(content_hash)

    def index_of(self, content_hash: Value) -> int:
        """The rank of the work's leaf among the sorted leaves (binary search: log2(n) reads)."""
        target = self._leaf_of(content_hash)
        lo, hi = 0, self.count
        while lo < hi:
            mid = (lo + hi) // 2
            if self._node(mid) < target:
                lo = mid + 1
            else:
                hi = mid
        if lo < self.count and self._node(lo) == target:
            return lo
        shown = content_hash if isinstance(content_hash, str) else "0x" + bytes(content_hash).hex()
        raise NotFoundError(f"{shown} is not in this dataset", code="not-in-dataset")

    def tree_index(self, content_hash: Value) -> int:
        """The position of the work's leaf in OpenZeppelin's array tree (its dump's `treeIndex`)."""
        return 2 * self.count - 2 - self.index_of(content_hash)

    def __contains__(self, content_hash: object) -> bool:
        if not isinstance(content_hash, (str, bytes)):
            return False
        try:
            self.index_of(content_hash)
        except (NotFoundError, ValidationError):
            return False
        return True

    def proof(self, content_hash: Value) -> list[str]:
        """The sibling hashes from the work's leaf up to the root (what MerkleTree.proof gives)."""
        i = self.tree_index(content_hash)
        last = 2 * self.count - 2
        node = self._node(last - i)
        siblings: list[str] = []
        while i > 0:
            sibling = self._node(last - (i + 1 if i % 2 == 1 else i - 1))
            siblings.append("0x" + sibling.hex())
            node = node_of(node, sibling)
            i = (i - 1) // 2
        if node != self._root:
            raise self._corrupt("a node on this proof's path does not lead to the root")
        return siblings

    def leaves(self) -> Iterator[bytes]:
        """Every leaf hash, ascending."""
        for start in range(0, self.count, _READ_BLOCK):
            n = min(_READ_BLOCK, self.count - start)
            block = os.pread(self._fd, n * NODE, HEADER_SIZE + start * NODE)
            for at in range(0, len(block), NODE):
                yield block[at : at + NODE]

    def verify(self, *, progress: Callable[[int], None] | None = None) -> None:
        """Re-hash the whole body against the header's digest (reads the file once)."""
        body = hashlib.sha256()
        total = (2 * self.count - 1) * NODE + (self.count * RECORD if self.coded else 0)
        done = 0
        while done < total:
            chunk = os.pread(self._fd, min(1 << 22, total - done), HEADER_SIZE + done)
            if not chunk:
                break
            body.update(chunk)
            done += len(chunk)
            if progress:
                progress(done)
        if body.digest() != self._body_digest:
            raise self._corrupt("its nodes do not match the digest in its header")


__all__ = ["DEFAULT_RUN_SIZE", "TreeFile", "build_tree_file", "leaf_of", "node_of", "verify"]
