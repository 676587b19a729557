"""Registry snapshots built from the event index, pinned to one block, and verified live.

`build_snapshot` syncs the index (workflows/indexer.py) to the block, lists every work the
WorkRegistry ever minted (its Transfer events from the zero address), reads each work as
`workOf` answers at that block, every collection and the coded members of those registered with
codes (workflows/snapshot_collections.py), the policies works and collections reference, and the
licence periods (LicenceIssued, less the revoked ones), and writes them with `write_snapshot`.
Given a previous snapshot of the same deployment, it re-reads only the works and collections with
an event after the previous snapshot's block, adds the coded members it lacks, and writes the
result with `update_snapshot` (unchanged buckets are reused); a licence revocation since then
makes it rebuild in full (a snapshot update only adds periods).

`verify_snapshot` re-reads rows (all, or a sample) from the chain at the snapshot's block and
lists every difference, in the works' and collections' fields, their policies, the number of
collections, and the contract's own answer (`checkBatch` for every use, no licensee) against the
snapshot's.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..decision import MAX_UINT40
from ..errors import ValidationError
from ..sdk.client import RightsLedger
from ..vocabulary import Reason, Use
from . import snapshot_collections as colls
from .identity_index import CodesIndex
from .indexer import Indexer
from .snapshot import check_snapshot, read_snapshot, update_snapshot, write_snapshot
from .snapshot_rows import MANIFEST, CollectionRow, LicenceRow, PolicyRow, SnapshotMeta, WorkRow

ZERO = "0x" + "0" * 40


def _meta(client: RightsLedger, block: int) -> SnapshotMeta:
    head = client.w3.eth.block_number
    if not 0 <= block <= head:
        raise ValidationError(f"block {block} is not on this chain yet (its head is {head})")
    data = client.w3.eth.get_block(block)
    return SnapshotMeta(
        client.chain_id,
        dict(client.deployment.contracts),
        int(data["number"]),
        "0x" + bytes(data["hash"]).hex(),
        int(data["timestamp"]),
    )


def _read_work(client: RightsLedger, digest: str, block: int) -> WorkRow | None:
    try:
        raw = client.works.functions.workOf(digest).call(block_identifier=block)
    except Exception:  # WorkNotRegistered: not (yet) registered at that block
        if client.works.functions.isRegistered(digest).call(block_identifier=block):
            raise
        return None
    holder, _registrant, policy_id, registration_id, registered_at, status, mask, _uri = raw
    return WorkRow(digest, holder, int(status), int(mask), int(policy_id), int(registration_id), int(registered_at))


def read_works(client: RightsLedger, hashes: Sequence[str], block: int, workers: int = 8) -> list[WorkRow]:
    with ThreadPoolExecutor(max(1, workers)) as pool:
        rows = list(pool.map(lambda h: _read_work(client, h, block), hashes))
    return [r for r in rows if r is not None]


def with_codes(client: RightsLedger, works: list[WorkRow], block: int) -> list[WorkRow]:
    """The works with their content codes (header and body), as recorded on the chain by `block`."""
    if not works:
        return works
    with CodesIndex(client) as index:
        index.sync()
        codes = index.codes_until(block)
    out = []
    for work in works:
        code = codes.get(work.content_hash.lower())
        out.append(work if code is None else replace(work, content_header=code[0], content_code=code[1]))
    return out


def read_policies(client: RightsLedger, ids: set[int]) -> list[PolicyRow]:
    return [PolicyRow.from_terms(pid, client.policy(pid)) for pid in sorted(ids - {0})]


def _events(index: Indexer, contract: str, name: str, after: int, block: int) -> list[dict[str, Any]]:
    return index.events(contract, name, after, block)


def _minted(index: Indexer, after: int, block: int) -> list[str]:
    return [
        "0x" + int(a["tokenId"]).to_bytes(32, "big").hex()
        for a in _events(index, "WorkRegistry", "Transfer", after, block)
        if str(a["from"]).lower() == ZERO
    ]


def _touched(index: Indexer, after: int, block: int) -> list[str]:
    return index.touched("WorkRegistry", after, block)


def _licences(index: Indexer, after: int, block: int) -> list[LicenceRow]:
    revoked = {int(a["licenceId"]) for a in _events(index, "LicenceManager", "LicenceRevoked", -1, block)}
    return [
        LicenceRow(
            str(a["contentHash"]),
            str(a["licensee"]),
            int(a["use"]),
            int(a["validFrom"]),
            int(a["validUntil"]) or MAX_UINT40,
        )
        for a in _events(index, "LicenceManager", "LicenceIssued", after, block)
        if int(a["licenceId"]) not in revoked
    ]


@dataclass(frozen=True)
class BuildResult:
    manifest: dict[str, Any]
    incremental: bool
    works_read: int
    collections_read: int = 0
    members_added: int = 0


def build_snapshot(
    client: RightsLedger,
    index: Indexer,
    out: str | Path,
    *,
    block: int | None = None,
    previous: str | Path | None = None,
    workers: int = 8,
) -> BuildResult:
    """A snapshot of the registry at `block` (default: the latest) in the new folder `out`."""
    number = client.w3.eth.block_number if block is None else block
    meta = _meta(client, number)
    index.sync(to_block=max(index.cursor, meta.block_number))
    if previous is not None:
        old = read_snapshot(previous)
        if old.meta.chain_id != meta.chain_id or old.meta.contracts != meta.contracts:
            raise ValidationError(f"snapshot {previous} is of another chain or deployment; build a full one")
        after = old.meta.block_number
        if after > meta.block_number:
            raise ValidationError(f"snapshot {previous} is at block {after}, after block {meta.block_number}")
        revocations = _events(index, "LicenceManager", "LicenceRevoked", after, meta.block_number)
        if not revocations:
            hashes = sorted(
                set(_minted(index, after, meta.block_number)) | set(_touched(index, after, meta.block_number))
            )
            works = with_codes(client, read_works(client, hashes, meta.block_number, workers), meta.block_number)
            # A snapshot written before snapshots held collections gets all of them.
            ids = None
            if "collections" in old.manifest["tables"]:
                ids = colls.changed_ids(index, after, meta.block_number)
            collections = colls.read_collections(client, index, ids, meta.block_number, workers)
            known = {r.policy_id for r in old.policy_rows()}
            policies = read_policies(client, _policy_ids(works, collections) - known)
            licences = _licences(index, after, meta.block_number)
            members = colls.coded_members(client, meta.block_number, old.member_rows())
            manifest = update_snapshot(previous, out, meta, works, policies, licences, collections, members)
            return BuildResult(manifest, True, len(works), len(collections), len(members))
    hashes = sorted(set(_minted(index, -1, meta.block_number)))
    works = with_codes(client, read_works(client, hashes, meta.block_number, workers), meta.block_number)
    collections = colls.read_collections(client, index, None, meta.block_number, workers)
    policies = read_policies(client, _policy_ids(works, collections))
    licences = _licences(index, -1, meta.block_number)
    members = colls.coded_members(client, meta.block_number)
    manifest = write_snapshot(out, meta, works, policies, licences, collections=collections, members=members)
    return BuildResult(manifest, False, len(works), len(collections), len(members))


def _policy_ids(works: list[WorkRow], collections: list[CollectionRow]) -> set[int]:
    return {w.policy_id for w in works} | {c.policy_id for c in collections}


@dataclass(frozen=True)
class Mismatch:
    content_hash: str
    field: str
    snapshot: Any
    chain: Any


@dataclass(frozen=True)
class Verified:
    """What `verify_snapshot` re-read (works, collections) and every difference it found."""

    works: int
    collections: int
    mismatches: list[Mismatch]


def verify_snapshot(
    client: RightsLedger, path: str | Path, *, sample: int | None = None, workers: int = 8, seed: int | None = None
) -> Verified:
    """Re-read the snapshot's works and collections (all, or `sample` of each) live at its block."""
    snap = read_snapshot(path)
    if snap.meta.chain_id != client.chain_id or snap.meta.contracts != dict(client.deployment.contracts):
        raise ValidationError(f"snapshot {path} is of another chain or deployment than this client's")
    number = snap.meta.block_number
    actual = "0x" + bytes(client.w3.eth.get_block(number)["hash"]).hex()
    if actual != snap.meta.block_hash:
        raise ValidationError(f"block {number} now has hash {actual}, the snapshot {snap.meta.block_hash}: a reorg")
    rows = snap.works.to_pylist()
    if sample is not None and sample < len(rows):
        rows = random.Random(seed).sample(rows, sample)  # noqa: S311 - a sample, not a secret
    hashes = ["0x" + r["content_hash"].hex() for r in rows]
    live = {w.content_hash.lower(): w for w in read_works(client, hashes, number, workers)}
    policies = {p.policy_id: p for p in snap.policy_rows()}
    mismatches: list[Mismatch] = []
    for digest, row in zip(hashes, rows, strict=True):
        work = live.get(digest)
        if work is None:
            mismatches.append(Mismatch(digest, "registered", True, False))
            continue
        for name, chain_value in (
            ("holder", work.holder.lower()),
            ("status", work.status),
            ("opt_out", work.opt_out),
            ("policy_id", work.policy_id),
            ("registration_id", work.registration_id),
            ("registered_at", work.registered_at),
        ):
            value = row[name]
            if name == "holder":
                value = "0x" + value.hex()
            if value != chain_value:
                mismatches.append(Mismatch(digest, name, value, chain_value))
    for use in Use:
        # The contract's own answers at the block (no licensee) against the snapshot's.
        chain_codes = client.check_hashes(hashes, use, block=number, workers=workers) if hashes else b""
        snap_codes = bytes(check_snapshot(snap, hashes, use)) if hashes else b""
        for digest, mine, theirs in zip(hashes, snap_codes, chain_codes, strict=True):
            if mine != theirs:
                reasons = list(Reason)
                mismatches.append(Mismatch(digest, f"check {use.value}", reasons[mine].value, reasons[theirs].value))
    collections = snap.collection_rows()
    count = colls.collection_count(client, number)
    if count != len(collections):
        mismatches.append(Mismatch("collections", "count", len(collections), count))
    if sample is not None and sample < len(collections):
        collections = random.Random(seed).sample(collections, sample)  # noqa: S311 - a sample, not a secret
    for cid, name, mine, theirs in colls.compare(client, collections, number, workers):
        mismatches.append(Mismatch(f"collection {cid}", name, mine, theirs))
    referenced = {int(r["policy_id"]) for r in rows} | {c.policy_id for c in collections}
    for pid in sorted(referenced - {0}):
        chain_policy = PolicyRow.from_terms(pid, client.policy(pid))
        stored = policies.get(pid)
        if (
            stored is None
            or tuple(map(tuple, stored.rules)) != tuple(map(tuple, chain_policy.rules))
            or (stored.expires_at != chain_policy.expires_at)
        ):
            mismatches.append(Mismatch(f"policy {pid}", "rules", stored, chain_policy))
    return Verified(len(rows), len(collections), mismatches)


def is_snapshot(path: str | Path) -> bool:
    return (Path(path) / MANIFEST).is_file()


__all__ = ["BuildResult", "Mismatch", "Verified", "build_snapshot", "is_snapshot", "read_works", "verify_snapshot"]
