"""The collections of a registry snapshot: read from the event index and the chain at the snapshot's
block, and re-checked live (see workflows/snapshot_build.py).

Every collection id comes from `CollectionRegistered` events up to the block (with the registrant and
the member count, which only the event holds); the rest of the row is `collectionOf` at the block
(root, holder, policy, status, opt-out mask, registration time, metadata URI). An incremental build
re-reads only the collections named by a CollectionRegistry event after the previous snapshot's block
(registered, policy attached, opted out, marked, holder corrected).

The coded members of collections registered with codes come from the codes index
(workflows/identity_index.py `CodesIndex.members`: the members manifests it loaded and matched
against both roots), those of collections committed by the block; an incremental build adds the
members not in the previous snapshot (a manifest loaded since, a collection registered since).
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from ..sdk.client import RightsLedger
from .identity_index import CodesIndex
from .indexer import Indexer
from .snapshot_rows import CollectionRow, MemberRow

CONTRACT = "CollectionRegistry"
EVENTS = (
    "CollectionRegistered",
    "CollectionPolicyAttached",
    "CollectionOptOutChanged",
    "CollectionStatusMarked",
    "CollectionHolderCorrected",
)


@dataclass(frozen=True)
class Registration:
    registrant: str
    member_count: int


def registrations(index: Indexer, block: int) -> dict[int, Registration]:
    """Each collection registered up to `block`: its registrant and member count, by id."""
    return {
        int(a["collectionId"]): Registration(str(a["registrant"]), int(a["count"]))
        for a in index.events(CONTRACT, "CollectionRegistered", -1, block)
    }


def changed_ids(index: Indexer, after: int, block: int) -> set[int]:
    """The collections a CollectionRegistry event names in blocks `after` < b <= `block`."""
    return {int(a["collectionId"]) for name in EVENTS for a in index.events(CONTRACT, name, after, block)}


def _read(client: RightsLedger, collection_id: int, block: int, registration: Registration) -> CollectionRow:
    raw = client.collections.registry.functions.collectionOf(collection_id).call(block_identifier=block)
    holder, policy_id, registered_at, status, mask, root, uri = raw
    return CollectionRow(
        collection_id,
        "0x" + bytes(root).hex(),
        str(holder),
        int(policy_id),
        int(status),
        int(mask),
        int(registered_at),
        registration.member_count,
        registration.registrant,
        str(uri),
    )


def read_collections(
    client: RightsLedger, index: Indexer, ids: set[int] | None, block: int, workers: int = 8
) -> list[CollectionRow]:
    """The collections `ids` (None: every one registered by `block`) as the chain has them at `block`."""
    known = registrations(index, block)
    wanted = sorted(known if ids is None else ids & set(known))
    with ThreadPoolExecutor(max(1, workers)) as pool:
        return list(pool.map(lambda i: _read(client, i, block, known[i]), wanted))


def _registered_on_chain(client: RightsLedger, collection_id: int, block: int) -> Registration | None:
    """The collection's `CollectionRegistered` event, read from the node (not the index)."""
    event = client.collections.registry.events.CollectionRegistered()
    logs = event.get_logs(argument_filters={"collectionId": collection_id}, from_block=0, to_block=block)
    if not logs:
        return None
    args = logs[0]["args"]
    return Registration(str(args["registrant"]), int(args["count"]))


def coded_members(client: RightsLedger, block: int, known: Iterable[MemberRow] = ()) -> list[MemberRow]:
    """The coded members of the collections registered with codes by `block`, as the codes index
    (synced first) holds them, less those already `known` (the previous snapshot's)."""
    with CodesIndex(client) as index:
        index.sync()
        held = index.members()
    rows = [MemberRow(int(m.collection_id or 0), m.content_hash.lower(), m.header, m.body) for m in held
            if m.block <= block and m.collection_id is not None]
    before = {(r.collection_id, r.content_hash.lower(), r.content_header, r.content_code) for r in known}
    return [r for r in rows if (r.collection_id, r.content_hash, r.content_header, r.content_code) not in before]


def collection_count(client: RightsLedger, block: int) -> int:
    registry = client.collections.registry
    if not client.w3.eth.get_code(registry.address, block_identifier=block):
        return 0  # not deployed yet at that block
    return int(registry.functions.collectionCount().call(block_identifier=block))


def compare(
    client: RightsLedger, rows: list[CollectionRow], block: int, workers: int = 8
) -> list[tuple[int, str, Any, Any]]:
    """(collection id, field, snapshot value, chain value) for every field of `rows` that differs
    from the chain at `block` (the record by `collectionOf`, registrant and count by the event)."""

    def live(row: CollectionRow) -> CollectionRow | None:
        registration = _registered_on_chain(client, row.collection_id, block)
        return None if registration is None else _read(client, row.collection_id, block, registration)

    with ThreadPoolExecutor(max(1, workers)) as pool:
        chain_rows = list(pool.map(live, rows))
    out: list[tuple[int, str, Any, Any]] = []
    for row, chain in zip(rows, chain_rows, strict=True):
        if chain is None:
            out.append((row.collection_id, "registered", True, False))
            continue
        for name in ("root", "holder", "policy_id", "status", "opt_out", "registered_at", "member_count",
                     "registrant", "metadata_uri"):  # fmt: skip
            mine, theirs = getattr(row, name), getattr(chain, name)
            if isinstance(mine, str) and name != "metadata_uri":
                mine, theirs = mine.lower(), str(theirs).lower()
            if mine != theirs:
                out.append((row.collection_id, name, mine, theirs))
    return out


__all__ = ["changed_ids", "coded_members", "collection_count", "compare", "read_collections", "registrations"]
