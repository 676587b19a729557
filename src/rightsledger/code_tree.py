"""The on-chain commitment to a registration's content codes (contracts/libraries/ContentCodes.sol).

A code is 10 bytes: the ISCC unit's 2-byte header (main type, subtype, version, length) and its
64-bit body, i.e. the unit's binary form; all zero (`NO_CODE`) = the work has none (featureless
image, too short a text, unknown media). A registration's codes, packed in registration order,
are cut into leaves of `CODES_PER_LEAF` codes (the last holds the rest); leaf j = keccak256 of its
bytes; nodes are keccak256(left ++ right) by position; an odd last node moves up unchanged; the
root is the last node left. The registry stores that root per registration and emits the packed
codes in `ContentCodesRecorded`, so anyone can rebuild the codes (and the similarity index) from
the chain and prove a work's code to a contract (`WorkRegistry.verifyCode`).

Dataset trees may commit to codes too: `coded_leaf_hash` is the OpenZeppelin StandardMerkleTree
leaf of `["bytes32", "bytes10"]` values (content hash, code).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from eth_utils.crypto import keccak

from .errors import ValidationError

CODE_BYTES = 10
CODES_PER_LEAF = 32
NO_CODE = bytes(CODE_BYTES)
HEADER_TEXT_64 = 0x2001
HEADER_IMAGE_64 = 0x2101
HEADER_AUDIO_64 = 0x2201
CODED_LEAF_ENCODING = ["bytes32", "bytes10"]
CODES_EVENT = "ContentCodesRecorded(uint32,bytes32,bytes)"
# A code as callers give it: the 10 bytes, an int (header << 64 | body), or 0x-hex.
CodeLike = bytes | int | str


def pack_code(code: CodeLike | None) -> bytes:
    """The 10 on-chain bytes of a code: None = NO_CODE; an int is header << 64 | body; a str is 0x-hex."""
    if code is None:
        return NO_CODE
    if isinstance(code, int) and not isinstance(code, bool):
        if not 0 <= code < 1 << 80:
            raise ValidationError(f"a content code is 80 bits (16-bit header, 64-bit body), got {code:#x}")
        return code.to_bytes(CODE_BYTES, "big")
    if isinstance(code, str):
        text = code[2:] if code.lower().startswith("0x") else code
        try:
            code = bytes.fromhex(text)
        except ValueError:
            raise ValidationError(f"a content code is 10 bytes of hex (header and body), got {code!r}") from None
    if isinstance(code, bytes | bytearray) and len(code) == CODE_BYTES:
        return bytes(code)
    raise ValidationError(
        f"a content code is 10 bytes (the ISCC unit's 2-byte header and 64-bit body), got {code!r}; "
        "use rightsledger.identity to compute one, or None for a work without a code"
    )


def code_header(code: bytes) -> int:
    return int.from_bytes(code[:2], "big")


def code_distance(a: bytes, b: bytes) -> int:
    """The Hamming distance of two codes' 64-bit bodies, as DatasetRegistry computes it."""
    return (int.from_bytes(a[2:CODE_BYTES], "big") ^ int.from_bytes(b[2:CODE_BYTES], "big")).bit_count()


def _leaves(packed: bytes) -> list[bytes]:
    step = CODES_PER_LEAF * CODE_BYTES
    return [keccak(packed[start : start + step]) for start in range(0, len(packed), step)]


def _up(level: list[bytes]) -> list[bytes]:
    nxt = [keccak(level[k] + level[k + 1]) for k in range(0, len(level) - 1, 2)]
    if len(level) % 2:
        nxt.append(level[-1])
    return nxt


def _packed(codes: Sequence[bytes]) -> bytes:
    if not codes:
        raise ValidationError("a registration has at least one code")
    return b"".join(pack_code(c) for c in codes)


def codes_root(codes: Sequence[bytes]) -> bytes:
    """The root WorkRegistry stores for a registration with these codes (in registration order)."""
    level = _leaves(_packed(codes))
    while len(level) > 1:
        level = _up(level)
    return level[0]


@dataclass(frozen=True, slots=True)
class CodeProof:
    """The `CodeProof` struct of IWorkRegistry: the leaf's packed codes and the siblings above it."""

    leaf_codes: bytes
    siblings: tuple[bytes, ...]

    def as_tuple(self) -> tuple[bytes, list[bytes]]:
        return (self.leaf_codes, list(self.siblings))


@dataclass(frozen=True, slots=True)
class RegisteredCode:
    """A registered work's content code as the chain recorded it, with the proof `verifyCode` takes."""

    code: bytes
    registration_id: int
    position: int
    proof: CodeProof

    @property
    def featureless(self) -> bool:
        return self.code == NO_CODE


def code_proof(codes: Sequence[bytes], position: int) -> CodeProof:
    """The proof that code number `position` (0-based) of a registration is what it is."""
    packed = _packed(codes)
    count = len(packed) // CODE_BYTES
    if not 0 <= position < count:
        raise ValidationError(f"position {position} is outside a registration of {count} works")
    leaf = position // CODES_PER_LEAF
    step = CODES_PER_LEAF * CODE_BYTES
    leaf_codes = packed[leaf * step : (leaf + 1) * step]
    siblings: list[bytes] = []
    level = _leaves(packed)
    j = leaf
    while len(level) > 1:
        if j % 2:
            siblings.append(level[j - 1])
        elif j + 1 < len(level):
            siblings.append(level[j + 1])
        level = _up(level)
        j //= 2
    return CodeProof(leaf_codes, tuple(siblings))


def verify_code(root: bytes, count: int, position: int, code: bytes, proof: CodeProof) -> bool:
    """What WorkRegistry.verifyCode computes, given the work's registration root, size and position."""
    if not 0 <= position < count:
        return False
    leaf = position // CODES_PER_LEAF
    first = leaf * CODES_PER_LEAF
    in_leaf = min(CODES_PER_LEAF, count - first)
    if len(proof.leaf_codes) != in_leaf * CODE_BYTES:
        return False
    at = (position - first) * CODE_BYTES
    if proof.leaf_codes[at : at + CODE_BYTES] != pack_code(code):
        return False
    node = keccak(proof.leaf_codes)
    size = -(-count // CODES_PER_LEAF)
    used = 0
    while size > 1:
        if leaf % 2 or leaf + 1 < size:
            if used == len(proof.siblings):
                return False
            sibling = proof.siblings[used]
            used += 1
            node = keccak(sibling + node) if leaf % 2 else keccak(node + sibling)
        leaf >>= 1
        size = (size + 1) >> 1
    return used == len(proof.siblings) and node == root


def split_codes(packed: bytes) -> list[bytes]:
    """The codes of a ContentCodesRecorded event's `codes` bytes, in registration order."""
    if len(packed) % CODE_BYTES:
        raise ValidationError(f"packed codes are 10 bytes each; got {len(packed)} bytes")
    return [packed[i : i + CODE_BYTES] for i in range(0, len(packed), CODE_BYTES)]


def coded_leaf_hash(content_hash: str, code: CodeLike | None) -> bytes:
    """A dataset tree's leaf committing to an item's code: keccak256(keccak256(abi.encode(bytes32, bytes10)))."""
    raw = bytes.fromhex(content_hash.removeprefix("0x"))
    if len(raw) != 32:
        raise ValidationError(f"a content hash is 32 bytes, got {content_hash!r}")
    return keccak(keccak(raw + pack_code(code) + bytes(32 - CODE_BYTES)))
