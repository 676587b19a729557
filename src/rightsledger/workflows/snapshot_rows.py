"""The rows, Arrow schemas and encodings of registry snapshots (see workflows/snapshot.py)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np

from ..decision import address_bytes
from ..errors import ConfigError, ValidationError
from ..hashing import parse_hash, sha256_of_file
from ..terms import Terms
from ..vocabulary import Use

try:
    import pyarrow as pa  # type: ignore[import-untyped,import-not-found,unused-ignore]
    import pyarrow.parquet as pq  # type: ignore[import-untyped,import-not-found,unused-ignore]
except ImportError:  # pragma: no cover - the optional extra is missing
    pa = None
    pq = None

FORMAT = "rightsledger-snapshot-v2"
# v1 (read, never written): collections.parquet and members.parquet may be missing (written before
# snapshots held them), read as empty tables; v2 always has both.
OLDER_FORMATS = ("rightsledger-snapshot-v1",)
OPTIONAL_IN_OLDER = ("collections", "members")
MANIFEST = "manifest.json"
DEFAULT_PREFIX_BITS = 8
BUFFER_ROWS = 1_000_000

Rule6 = tuple[int, int, int, int, int, int]


def as_arrow() -> Any:
    if pa is None:
        raise ConfigError("snapshots need pyarrow: pip install 'rightsledger[parquet]'")
    return pa


# ---------------------------------------------------------------------- rows


@dataclass(frozen=True)
class WorkRow:
    """A registered work as `WorkRegistry.workOf` reports it (`content_code`: its perceptual code, if known)."""

    content_hash: str
    holder: str
    status: int
    opt_out: int
    policy_id: int
    registration_id: int = 0
    registered_at: int = 0
    content_code: int | None = None
    content_header: int | None = None  # the code's 2-byte ISCC header (its media kind), with content_code


@dataclass(frozen=True)
class PolicyRow:
    """A policy: seven (mode, start, end, fee, duties, revenue share) rules in Use order, and its expiry."""

    policy_id: int
    rules: tuple[Rule6, ...]
    expires_at: int

    @classmethod
    def from_terms(cls, policy_id: int, terms: Terms) -> PolicyRow:
        rules, expires = terms.as_policy()
        return cls(policy_id, tuple(rules), expires)


@dataclass(frozen=True)
class LicenceRow:
    """A licensee's licensed period [valid_from, valid_until) for one use of one work (LicenceIssued)."""

    content_hash: str
    licensee: str
    use: int
    valid_from: int
    valid_until: int


@dataclass(frozen=True)
class CollectionRow:
    """A collection as `CollectionRegistry.collectionOf` reports it, with its `CollectionRegistered`
    event's registrant and member count (the count is in the event only)."""

    collection_id: int
    root: str
    holder: str
    policy_id: int
    status: int
    opt_out: int
    registered_at: int
    member_count: int
    registrant: str
    metadata_uri: str = ""


@dataclass(frozen=True)
class MemberRow:
    """A coded member of a collection registered with codes, as the codes index loaded it from the
    collection's members manifest (both roots rebuilt and matched): its content hash and code."""

    collection_id: int
    content_hash: str
    content_header: int  # the code's 2-byte ISCC header (its media kind)
    content_code: int  # the code's 64-bit body


@dataclass(frozen=True)
class SnapshotMeta:
    chain_id: int
    contracts: dict[str, str]
    block_number: int
    block_hash: str
    block_time: int


def table_schemas() -> dict[str, Any]:
    arrow = as_arrow()
    return {
        "works": arrow.schema(
            [
                ("content_hash", arrow.binary(32)),
                ("content_code", arrow.uint64()),
                ("holder", arrow.binary(20)),
                ("status", arrow.uint8()),
                ("opt_out", arrow.uint8()),
                ("policy_id", arrow.uint32()),
                ("registration_id", arrow.uint32()),
                ("registered_at", arrow.uint64()),
                ("content_header", arrow.uint16()),
            ]
        ),
        "licences": arrow.schema(
            [
                ("content_hash", arrow.binary(32)),
                ("licensee", arrow.binary(20)),
                ("use", arrow.uint8()),
                ("valid_from", arrow.uint64()),
                ("valid_until", arrow.uint64()),
            ]
        ),
        "collections": arrow.schema(
            [
                ("collection_id", arrow.uint64()),
                ("root", arrow.binary(32)),
                ("holder", arrow.binary(20)),
                ("policy_id", arrow.uint32()),
                ("status", arrow.uint8()),
                ("opt_out", arrow.uint8()),
                ("registered_at", arrow.uint64()),
                ("member_count", arrow.uint64()),
                ("registrant", arrow.binary(20)),
                ("metadata_uri", arrow.string()),
            ]
        ),
        "members": arrow.schema(
            [
                ("collection_id", arrow.uint64()),
                ("content_hash", arrow.binary(32)),
                ("content_header", arrow.uint16()),
                ("content_code", arrow.uint64()),
            ]
        ),
        "policies": arrow.schema(
            [
                ("policy_id", arrow.uint32()),
                ("use", arrow.uint8()),
                ("mode", arrow.uint8()),
                ("start", arrow.uint64()),
                ("end", arrow.uint64()),
                ("fee", arrow.decimal128(38, 0)),
                ("duties", arrow.uint8()),
                ("revenue_share_bps", arrow.uint16()),
                ("expires_at", arrow.uint64()),
            ]
        ),
    }


def hash_bytes_of(value: str | bytes) -> bytes:
    if isinstance(value, bytes):
        if len(value) == 32:
            return value
    elif len(value) == 66 and value.startswith("0x"):
        try:
            raw = bytes.fromhex(value[2:])
        except ValueError:
            raw = b""
        if len(raw) == 32:
            return raw
    return bytes.fromhex(parse_hash(str(value))[2:])  # the slow path says clearly what is wrong


def keys_of(hashes: Sequence[str | bytes]) -> Any:
    """Content hashes as a numpy S32 array. 0x hex text is decoded with one bytes.fromhex over the
    joined text (the fastest way CPython has); anything else goes hash by hash, with clear errors."""
    n = len(hashes)
    try:
        text = "".join(hashes)  # type: ignore[arg-type]
    except TypeError:
        text = ""
    # Every item 66 characters starting "0x", and no other "0x" anywhere: then removing "0x" leaves the digits.
    if n and len(text) == 66 * n and text[0::66] == "0" * n and text[1::66] == "x" * n and text.count("0x") == n:
        try:
            return np.frombuffer(bytes.fromhex(text.replace("0x", "")), dtype="S32")
        except ValueError:
            pass
    return np.frombuffer(b"".join(hash_bytes_of(h) for h in hashes), dtype="S32")


def prefix64(keys: Any) -> Any:
    """The first 8 bytes of each S32 key as a big-endian uint64: sorting and searching those is fast."""
    return np.frombuffer(keys.tobytes(), dtype=">u8").reshape(-1, 4)[:, 0].astype(np.uint64)


def bucket_of(digest: bytes, bits: int) -> int:
    return int.from_bytes(digest[:2], "big") >> (16 - bits)


def part_name(table: str, bucket: int, bits: int) -> str:
    width = (bits + 3) // 4
    return f"{table}/part-{bucket:0{width}x}.parquet"


def work_columns(rows: Sequence[WorkRow]) -> dict[str, list[Any]]:
    return {
        "content_hash": [hash_bytes_of(r.content_hash) for r in rows],
        "content_code": [r.content_code for r in rows],
        "holder": [address_bytes(r.holder) for r in rows],
        "status": [r.status for r in rows],
        "opt_out": [r.opt_out for r in rows],
        "policy_id": [r.policy_id for r in rows],
        "registration_id": [r.registration_id for r in rows],
        "registered_at": [r.registered_at for r in rows],
        "content_header": [r.content_header for r in rows],
    }


def licence_columns_of(rows: Sequence[LicenceRow]) -> dict[str, list[Any]]:
    return {
        "content_hash": [hash_bytes_of(r.content_hash) for r in rows],
        "licensee": [address_bytes(r.licensee) for r in rows],
        "use": [r.use for r in rows],
        "valid_from": [r.valid_from for r in rows],
        "valid_until": [r.valid_until for r in rows],
    }


def policy_table_of(rows: Iterable[PolicyRow]) -> Any:
    cols: dict[str, list[Any]] = {name: [] for name in table_schemas()["policies"].names}
    for row in sorted(rows, key=lambda r: r.policy_id):
        if len(row.rules) != len(Use):
            raise ValidationError(f"policy {row.policy_id} has {len(row.rules)} rules; a policy has one per use (7)")
        for use, (mode, start, end, fee, duties, share) in enumerate(row.rules):
            for name, value in zip(
                cols,
                (row.policy_id, use, mode, start, end, Decimal(fee), duties, share, row.expires_at),
                strict=True,
            ):
                cols[name].append(value)
    return as_arrow().table(cols, schema=table_schemas()["policies"])


def collection_table_of(rows: Iterable[CollectionRow]) -> Any:
    """One row per collection, by id."""
    ordered = sorted(rows, key=lambda r: r.collection_id)
    cols = {
        "collection_id": [r.collection_id for r in ordered],
        "root": [hash_bytes_of(r.root) for r in ordered],
        "holder": [address_bytes(r.holder) for r in ordered],
        "policy_id": [r.policy_id for r in ordered],
        "status": [r.status for r in ordered],
        "opt_out": [r.opt_out for r in ordered],
        "registered_at": [r.registered_at for r in ordered],
        "member_count": [r.member_count for r in ordered],
        "registrant": [address_bytes(r.registrant) for r in ordered],
        "metadata_uri": [r.metadata_uri for r in ordered],
    }
    return as_arrow().table(cols, schema=table_schemas()["collections"])


def member_table_of(rows: Iterable[MemberRow]) -> Any:
    """One row per (collection, member), ordered by collection id, then content hash."""
    ordered = sorted({(r.collection_id, hash_bytes_of(r.content_hash)): r for r in rows}.items())
    cols = {
        "collection_id": [key[0] for key, _ in ordered],
        "content_hash": [key[1] for key, _ in ordered],
        "content_header": [r.content_header for _, r in ordered],
        "content_code": [r.content_code for _, r in ordered],
    }
    return as_arrow().table(cols, schema=table_schemas()["members"])


def file_sha256_hex(path: Path) -> str:
    return sha256_of_file(path)[0].removeprefix("0x")


def overall_digest(files: dict[str, str]) -> str:
    text = "\n".join(f"{name} {files[name]}" for name in sorted(files))
    return hashlib.sha256(text.encode()).hexdigest()


def row_from(table: str, d: dict[str, Any]) -> Any:
    if table == "works":
        return WorkRow(
            "0x" + d["content_hash"].hex(),
            "0x" + d["holder"].hex(),
            d["status"],
            d["opt_out"],
            d["policy_id"],
            d["registration_id"],
            d["registered_at"],
            d["content_code"],
            d.get("content_header"),
        )
    if table == "collections":
        return CollectionRow(
            d["collection_id"],
            "0x" + d["root"].hex(),
            "0x" + d["holder"].hex(),
            d["policy_id"],
            d["status"],
            d["opt_out"],
            d["registered_at"],
            d["member_count"],
            "0x" + d["registrant"].hex(),
            d["metadata_uri"],
        )
    if table == "members":
        return MemberRow(d["collection_id"], "0x" + d["content_hash"].hex(), d["content_header"], d["content_code"])
    return LicenceRow(
        "0x" + d["content_hash"].hex(), "0x" + d["licensee"].hex(), d["use"], d["valid_from"], d["valid_until"]
    )
