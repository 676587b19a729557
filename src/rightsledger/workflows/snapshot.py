"""Registry snapshots: a registry's state at one block as a Parquet dataset, and checks answered from it.

Layout of a snapshot folder:

    manifest.json               chain id, contract addresses, block (number, hash, time), row counts,
                                the sha256 of every file and one digest over all of them
    works/part-XX.parquet       one file per hash-prefix bucket (XX: the first `prefix_bits` bits of
                                the content hash, in hex), rows sorted by content hash within
                                each row group (one per spill of the write buffer)
    licences/part-XX.parquet    licence periods, bucketed by the work's content hash the same way
    policies.parquet            every policy the works and collections point at, one row per (policy, use)
    collections.parquet         every collection registered by Merkle root, one row per collection id
                                (root, holder, policy, status, opt-outs, registration time, member
                                count, registrant, metadata URI); its members are not listed
    members.parquet             the coded members of collections registered with codes, as the codes
                                index loaded them from their members manifests (collection id,
                                content hash, code header and body), one row per (collection, member)

Format "rightsledger-snapshot-v2". A v1 snapshot (written before snapshots held collections or
members) is still read: a table it lacks reads as empty, and `Snapshot.holds_members` is False
(an audit's receipt says so).

Incremental: `update_snapshot` takes the previous snapshot and the rows that changed since (works
re-read, new or extended licence periods, new policies, collections re-read, members loaded since)
and writes new part files only for the buckets those rows fall in (and collections.parquet or
members.parquet only if a collection or a member was added or changed); every other part file is
the previous one, hard-linked (copied where the file system has no hard links), so it costs no
write and keeps its digest.

`check_snapshot` answers checks offline with `decision.decide_many`: the same reasons the
contract's `checkBatch` gives at the snapshot's block for the same use, licensee and time.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from ..decision import LicenceColumns, PolicyTable, WorkColumns, address_bytes, decide_many
from ..errors import NotFoundError, ValidationError
from ..hashing import parse_hash
from ..vocabulary import Use
from .snapshot_rows import (
    BUFFER_ROWS,
    DEFAULT_PREFIX_BITS,
    FORMAT,
    MANIFEST,
    OLDER_FORMATS,
    OPTIONAL_IN_OLDER,
    CollectionRow,
    LicenceRow,
    MemberRow,
    PolicyRow,
    Rule6,
    SnapshotMeta,
    WorkRow,
    as_arrow,
    bucket_of,
    collection_table_of,
    file_sha256_hex,
    hash_bytes_of,
    keys_of,
    licence_columns_of,
    member_table_of,
    overall_digest,
    part_name,
    policy_table_of,
    prefix64,
    row_from,
    table_schemas,
    work_columns,
)

try:
    import pyarrow.parquet as pq  # type: ignore[import-untyped,import-not-found,unused-ignore]
except ImportError:  # pragma: no cover - the optional extra is missing; as_arrow() says what to install
    pq = None

COLLECTIONS = "collections.parquet"
MEMBERS = "members.parquet"
SINGLE_FILES = {"collections": COLLECTIONS, "members": MEMBERS}  # tables of one file each, beside policies

# ---------------------------------------------------------------------- writing


class _BucketWriter:
    """Rows by hash-prefix bucket, spilled to one Parquet writer per bucket when the buffer fills."""

    def __init__(self, root: Path, table: str, bits: int, key: str, columns: Any, buffer_rows: int) -> None:
        self.root, self.table, self.bits, self.key = root, table, bits, key
        self.columns = columns
        self.schema = table_schemas()[table]
        self.buffer_rows = buffer_rows
        self.pending: dict[int, list[Any]] = {}
        self.buffered = 0
        self.writers: dict[int, Any] = {}
        self.rows: dict[int, int] = {}

    def add(self, row: Any) -> None:
        bucket = bucket_of(hash_bytes_of(getattr(row, self.key)), self.bits)
        self.pending.setdefault(bucket, []).append(row)
        self.buffered += 1
        if self.buffered >= self.buffer_rows:
            self.flush()

    def write_bucket(self, bucket: int, rows: Sequence[Any]) -> None:
        self.pending.setdefault(bucket, []).extend(rows)
        self.buffered += len(rows)

    def flush(self) -> None:
        for bucket, rows in sorted(self.pending.items()):
            table = as_arrow().table(self.columns(rows), schema=self.schema).sort_by(self._order())
            if bucket not in self.writers:
                path = self.root / part_name(self.table, bucket, self.bits)
                path.parent.mkdir(parents=True, exist_ok=True)
                self.writers[bucket] = pq.ParquetWriter(path, self.schema, compression="zstd")
            self.writers[bucket].write_table(table)
            self.rows[bucket] = self.rows.get(bucket, 0) + len(rows)
        self.pending.clear()
        self.buffered = 0

    def _order(self) -> list[tuple[str, str]]:
        if self.table == "works":
            return [("content_hash", "ascending")]
        return [(n, "ascending") for n in ("content_hash", "licensee", "use", "valid_from")]

    def close(self) -> dict[int, int]:
        self.flush()
        for writer in self.writers.values():
            writer.close()
        return self.rows


def _finish(
    out: Path,
    meta: SnapshotMeta,
    bits: int,
    parts: dict[str, dict[int, int]],
    policies: Any,
    singles: dict[str, Any | None],
    reused: list[str],
    previous: dict[str, Any] | None,
) -> dict[str, Any]:
    """The manifest over the part files; `singles`: the collections and members tables, None where
    the file is already there (reused)."""
    pq.write_table(policies, out / "policies.parquet", compression="zstd")
    for name, table in singles.items():
        if table is not None:
            pq.write_table(table, out / SINGLE_FILES[name], compression="zstd")
    files: dict[str, str] = {}
    tables: dict[str, Any] = {}
    for table, buckets in parts.items():
        entries = []
        for bucket, rows in sorted(buckets.items()):
            name = part_name(table, bucket, bits)
            files[name] = file_sha256_hex(out / name)
            entries.append({"path": name, "bucket": bucket, "rows": rows, "sha256": files[name]})
        tables[table] = {"rows": sum(buckets.values()), "parts": entries}
    files["policies.parquet"] = file_sha256_hex(out / "policies.parquet")
    policy_ids = len(set(policies.column("policy_id").to_pylist()))
    tables["policies"] = {
        "rows": policies.num_rows,
        "policies": policy_ids,
        "parts": [{"path": "policies.parquet", "rows": policies.num_rows, "sha256": files["policies.parquet"]}],
    }
    for name, file in SINGLE_FILES.items():
        files[file] = file_sha256_hex(out / file)
        count = pq.read_metadata(out / file).num_rows
        tables[name] = {"rows": count, "parts": [{"path": file, "rows": count, "sha256": files[file]}]}
    manifest = {
        "format": FORMAT,
        "chainId": meta.chain_id,
        "contracts": meta.contracts,
        "block": {"number": meta.block_number, "hash": meta.block_hash, "timestamp": meta.block_time},
        "prefixBits": bits,
        "tables": tables,
        "reused": sorted(reused),
        "previous": previous,
        "digest": overall_digest(files),
    }
    tmp = out / (MANIFEST + ".tmp")
    tmp.write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    tmp.replace(out / MANIFEST)
    return manifest


def _fresh_folder(out: Path) -> None:
    if (out / MANIFEST).exists() or (out.exists() and any(out.iterdir())):
        raise ValidationError(f"{out} is not empty; give a new folder for the snapshot")
    out.mkdir(parents=True, exist_ok=True)


def write_snapshot(
    out: str | Path,
    meta: SnapshotMeta,
    works: Iterable[WorkRow],
    policies: Iterable[PolicyRow],
    licences: Iterable[LicenceRow] = (),
    *,
    collections: Iterable[CollectionRow] = (),
    members: Iterable[MemberRow] = (),
    prefix_bits: int = DEFAULT_PREFIX_BITS,
    buffer_rows: int = BUFFER_ROWS,
) -> dict[str, Any]:
    """Write a whole snapshot into the new folder `out`; returns its manifest.

    Rows stream: at most `buffer_rows` are held before they are written to their buckets' files."""
    if not 1 <= prefix_bits <= 16:
        raise ValidationError("prefix_bits must be between 1 and 16")
    out = Path(out)
    _fresh_folder(out)
    work_writer = _BucketWriter(out, "works", prefix_bits, "content_hash", work_columns, buffer_rows)
    for row in works:
        work_writer.add(row)
    licence_writer = _BucketWriter(out, "licences", prefix_bits, "content_hash", licence_columns_of, buffer_rows)
    for lrow in licences:
        licence_writer.add(lrow)
    parts = {"works": work_writer.close(), "licences": licence_writer.close()}
    singles = {"collections": collection_table_of(collections), "members": member_table_of(members)}
    return _finish(out, meta, prefix_bits, parts, policy_table_of(policies), singles, [], None)


def update_snapshot(
    previous: str | Path,
    out: str | Path,
    meta: SnapshotMeta,
    works: Iterable[WorkRow] = (),
    policies: Iterable[PolicyRow] = (),
    licences: Iterable[LicenceRow] = (),
    collections: Iterable[CollectionRow] = (),
    members: Iterable[MemberRow] = (),
) -> dict[str, Any]:
    """A new snapshot in `out`: the previous one with `works` (new or changed, replacing rows of the
    same hash), `policies` (new ones, or replacing the same id), `licences` (new periods, or
    extended ones replacing the row of the same work, licensee, use and start), `collections`
    (new or changed, replacing the row of the same id) and `members` (new coded members, replacing
    the row of the same collection and hash).

    Only the buckets these rows fall in are rewritten; the other part files are the previous ones."""
    old = read_snapshot(previous)
    prev_dir = Path(previous)
    out = Path(out)
    if out.resolve() == prev_dir.resolve():
        raise ValidationError("write the new snapshot to a new folder, not over the previous one")
    _fresh_folder(out)
    bits = int(old.manifest["prefixBits"])
    parts: dict[str, dict[int, int]] = {}
    reused: list[str] = []
    changes: dict[str, list[Any]] = {"works": list(works), "licences": list(licences)}
    for table, rows in changes.items():
        by_bucket: dict[int, list[Any]] = {}
        for row in rows:
            by_bucket.setdefault(bucket_of(hash_bytes_of(row.content_hash), bits), []).append(row)
        columns = work_columns if table == "works" else licence_columns_of
        writer = _BucketWriter(out, table, bits, "content_hash", columns, BUFFER_ROWS)
        counts: dict[int, int] = {}
        for entry in old.manifest["tables"][table]["parts"]:
            bucket = int(entry["bucket"])
            if bucket in by_bucket:
                continue
            _link(prev_dir / entry["path"], out / entry["path"])
            reused.append(entry["path"])
            counts[bucket] = int(entry["rows"])
        for bucket, changed in sorted(by_bucket.items()):
            writer.write_bucket(bucket, _merged_rows(old, prev_dir, table, bucket, changed))
        counts.update(writer.close())
        parts[table] = counts
    policy_rows = {r.policy_id: r for r in old.policy_rows()}
    policy_rows.update({r.policy_id: r for r in policies})
    singles: dict[str, Any | None] = {}
    added: dict[str, list[Any]] = {"collections": list(collections), "members": list(members)}
    for name, file in SINGLE_FILES.items():
        if added[name] or name not in old.manifest["tables"]:
            if name == "collections":
                merged: dict[Any, Any] = {r.collection_id: r for r in old.collection_rows()}
                merged.update({r.collection_id: r for r in added[name]})
                singles[name] = collection_table_of(merged.values())
            else:
                singles[name] = member_table_of([*old.member_rows(), *added[name]])  # later rows replace
        else:
            _link(prev_dir / file, out / file)
            reused.append(file)
            singles[name] = None
    link = {"block": old.meta.block_number, "digest": old.manifest["digest"]}
    return _finish(out, meta, bits, parts, policy_table_of(policy_rows.values()), singles, reused, link)


def _link(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _merged_rows(old: Snapshot, prev_dir: Path, table: str, bucket: int, changed: list[Any]) -> list[Any]:
    entry = next((e for e in old.manifest["tables"][table]["parts"] if int(e["bucket"]) == bucket), None)
    existing: list[Any] = []
    if entry is not None:
        data = pq.read_table(prev_dir / entry["path"]).to_pylist()
        existing = [row_from(table, d) for d in data]
    if table == "works":
        merged = {r.content_hash: r for r in existing}
        merged.update({parse_hash(r.content_hash): r for r in changed})
    else:
        merged = {(r.content_hash, r.licensee.lower(), r.use, r.valid_from): r for r in existing}
        merged.update({(parse_hash(r.content_hash), r.licensee.lower(), r.use, r.valid_from): r for r in changed})
    return list(merged.values())


# ---------------------------------------------------------------------- reading and checking


@dataclass
class Snapshot:
    """A verified snapshot: its manifest and its tables (Arrow)."""

    path: Path
    manifest: dict[str, Any]
    works: Any
    policies: Any
    licences: Any
    collections: Any
    members: Any
    meta: SnapshotMeta = field(init=False)

    def __post_init__(self) -> None:
        block = self.manifest["block"]
        self.meta = SnapshotMeta(
            int(self.manifest["chainId"]),
            dict(self.manifest["contracts"]),
            int(block["number"]),
            str(block["hash"]),
            int(block["timestamp"]),
        )

    def policy_rows(self) -> list[PolicyRow]:
        rules: dict[int, list[Rule6]] = {}
        expiry: dict[int, int] = {}
        for d in self.policies.to_pylist():
            rules.setdefault(d["policy_id"], []).append(
                (d["mode"], d["start"], d["end"], int(d["fee"]), d["duties"], d["revenue_share_bps"])
            )
            expiry[d["policy_id"]] = d["expires_at"]
        return [PolicyRow(pid, tuple(r), expiry[pid]) for pid, r in rules.items()]

    def collection_rows(self) -> list[CollectionRow]:
        return [row_from("collections", d) for d in self.collections.to_pylist()]

    def member_rows(self) -> list[MemberRow]:
        return [row_from("members", d) for d in self.members.to_pylist()]

    @property
    def holds_members(self) -> bool:
        """Whether the snapshot records coded collection members (False: written before snapshots did)."""
        return "members" in self.manifest["tables"]

    @cached_property
    def _keys(self) -> tuple[Any, Any, Any]:
        """The works' hashes sorted, the row of each, and their 8-byte prefixes if those are all distinct."""
        column = self.works.column("content_hash").combine_chunks()
        keys = np.frombuffer(column.buffers()[1], dtype="S32", count=len(column), offset=column.offset * 32)
        prefixes = prefix64(keys)
        order = np.argsort(prefixes, kind="stable")
        prefixes = prefixes[order]
        if len(prefixes) > 1 and bool(np.any(prefixes[1:] == prefixes[:-1])):
            order = np.argsort(keys, kind="stable")  # two hashes share 8 bytes: search the full 32
            return keys[order], order, None
        return keys[order], order, prefixes

    def rows_of(self, hashes: Sequence[str | bytes]) -> Any:
        """The works-table row of each hash, -1 where the snapshot has no such work."""
        return self.rows_of_keys(keys_of(hashes))

    def rows_of_keys(self, queries: Any) -> Any:
        keys, order, prefixes = self._keys
        if len(keys) == 0:
            return np.full(len(queries), -1, dtype=np.int64)
        if prefixes is None:
            at = np.searchsorted(keys, queries)
        else:
            # Searching in ascending order keeps the sorted keys in cache: ~3x faster than random order.
            wanted = prefix64(queries)
            ranks = np.argsort(wanted, kind="stable")
            at = np.empty(len(queries), dtype=np.int64)
            at[ranks] = np.searchsorted(prefixes, wanted[ranks])
        at = np.minimum(at, len(keys) - 1)
        found = keys[at] == queries
        return np.where(found, order[at], -1).astype(np.int64)

    @cached_property
    def columns(self) -> WorkColumns:
        n = self.works.num_rows
        return WorkColumns(
            np.ones(n, dtype=np.bool_),
            self.works.column("status").to_numpy().astype(np.uint8),
            self.works.column("opt_out").to_numpy().astype(np.uint8),
            self.works.column("policy_id").to_numpy().astype(np.uint32),
        )

    @cached_property
    def policy_table(self) -> PolicyTable:
        return PolicyTable.from_rules(
            {r.policy_id: ([(m, s, e) for m, s, e, _f, _d, _b in r.rules], r.expires_at) for r in self.policy_rows()}
        )

    @cached_property
    def licence_columns(self) -> LicenceColumns:
        table = self.licences
        if table.num_rows == 0:
            return LicenceColumns.empty()
        hashes = table.column("content_hash").combine_chunks()
        keys = np.frombuffer(hashes.buffers()[1], dtype="S32", count=len(hashes), offset=hashes.offset * 32)
        licensees = table.column("licensee").combine_chunks()
        who = np.frombuffer(licensees.buffers()[1], dtype="S20", count=len(licensees), offset=licensees.offset * 20)
        return LicenceColumns(
            self.rows_of_keys(keys),
            who.copy(),
            table.column("use").to_numpy().astype(np.uint8),
            table.column("valid_from").to_numpy().astype(np.uint64),
            table.column("valid_until").to_numpy().astype(np.uint64),
        )


def read_snapshot(path: str | Path) -> Snapshot:
    """Read a snapshot, checking every file's sha256, the overall digest and the row counts."""
    as_arrow()
    root = Path(path)
    try:
        manifest = json.loads((root / MANIFEST).read_text())
    except FileNotFoundError:
        raise NotFoundError(f"{root} holds no snapshot ({MANIFEST} is missing)") from None
    except json.JSONDecodeError as exc:
        raise ValidationError(f"{root / MANIFEST} is not JSON ({exc.msg}); the snapshot is damaged") from None
    if not isinstance(manifest, dict) or manifest.get("format") not in (FORMAT, *OLDER_FORMATS):
        raise ValidationError(f"{root} is not a rightsledger snapshot ({FORMAT}, or an older one: "
                              f"{', '.join(OLDER_FORMATS)})")
    try:
        return _verified(root, manifest)
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, ValidationError):
            raise
        raise ValidationError(f"{root / MANIFEST} is malformed ({exc!r}); the snapshot is damaged") from None


def _verified(root: Path, manifest: dict[str, Any]) -> Snapshot:
    arrow = as_arrow()
    files: dict[str, str] = {}
    tables: dict[str, Any] = {}
    older = manifest["format"] in OLDER_FORMATS
    for name in ("works", "licences", "policies", "collections", "members"):
        if older and name in OPTIONAL_IN_OLDER and name not in manifest["tables"]:  # written before snapshots held it
            tables[name] = table_schemas()[name].empty_table()
            continue
        entry = manifest["tables"][name]
        pieces = []
        for part in entry["parts"]:
            file = root / part["path"]
            if not file.is_file():
                raise ValidationError(f"snapshot {root} lacks {part['path']}; it is incomplete")
            digest = file_sha256_hex(file)
            if digest != part["sha256"]:
                raise ValidationError(f"{file} does not match its digest in the manifest; the snapshot was altered")
            files[part["path"]] = digest
            piece = pq.read_table(file, schema=table_schemas()[name])
            if piece.num_rows != part["rows"]:
                raise ValidationError(f"{file} holds {piece.num_rows} rows, the manifest says {part['rows']}")
            pieces.append(piece)
        table = arrow.concat_tables(pieces) if pieces else table_schemas()[name].empty_table()
        if table.num_rows != entry["rows"]:
            raise ValidationError(
                f"snapshot {root}: {name} holds {table.num_rows} rows, the manifest says {entry['rows']}"
            )
        tables[name] = table
    if overall_digest(files) != manifest.get("digest"):
        raise ValidationError(f"snapshot {root}: the manifest's digest does not match its files; it was altered")
    return Snapshot(root, manifest, tables["works"], tables["policies"], tables["licences"], tables["collections"],
                    tables["members"])


def check_snapshot(
    snapshot: Snapshot,
    hashes: Sequence[str | bytes],
    use: Use | int,
    licensee: str | None = None,
    at: int | None = None,
) -> Any:
    """One Reason code (uint8 numpy array) per hash, as `checkBatch(hashes, use, licensee, at)` answers at
    the snapshot's block. `at` None: the snapshot block's time."""
    rows = snapshot.rows_of(hashes)
    return check_rows(snapshot, rows, use, licensee, at)


def check_rows(
    snapshot: Snapshot, rows: Any, use: Use | int, licensee: str | None = None, at: int | None = None
) -> Any:
    """`check_snapshot` for works already looked up (`Snapshot.rows_of`): the join done once, checks many."""
    when = snapshot.meta.block_time if at is None else at
    works = snapshot.columns.take(rows)
    if licensee is None or address_bytes(licensee) == bytes(20):
        return decide_many(works, snapshot.policy_table, use, when)
    code = use.code if isinstance(use, Use) else int(use)
    by_row = snapshot.licence_columns.licensed(snapshot.works.num_rows, code, address_bytes(licensee), when)
    licensed = np.where(rows >= 0, by_row[np.maximum(rows, 0)] if len(by_row) else False, False)
    return decide_many(works, snapshot.policy_table, use, when, licensee=licensee, licensed=licensed)


__all__ = [
    "CollectionRow",
    "LicenceRow",
    "MemberRow",
    "PolicyRow",
    "Snapshot",
    "SnapshotMeta",
    "WorkRow",
    "check_rows",
    "check_snapshot",
    "read_snapshot",
    "update_snapshot",
    "write_snapshot",
]
