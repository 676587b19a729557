"""Coded collection members answered from a registry snapshot, as `CollectionRegistry.checkMembers`
answers them at the snapshot's block.

A snapshot's members table (workflows/snapshot.py) lists the coded members of the collections
registered with codes. `MemberAnswers.collection_of` finds the collection a content hash is a
member of (the lowest id, if several list it, as the codes index's `member_collections`), and
`reasons` gives the collection's check of members with the registry's precedence
(ICollectionRegistry): a member's own registration answers (its work's check) when it came
strictly before the collection, a registrar verified it, or the collection's holder holds it (the
chain asks who registered it; a snapshot has no registrants: README, Known limits); otherwise the collection's
terms do (`decision.decide_many` over the collection's status, opt-outs and policy, registered
from its registration time, licences looked up by the member's hash), so a squatter's later
registration of an archive's member does not clear it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..decision import WorkColumns, address_bytes, decide_many
from ..vocabulary import Reason, Status, Use
from .snapshot import Snapshot, check_rows
from .snapshot_rows import keys_of

NO_COLLECTION = -1


def _fixed(column: Any, width: int) -> Any:
    """A fixed-size binary Arrow column as a numpy S<width> array."""
    chunk = column.combine_chunks()
    return np.frombuffer(chunk.buffers()[1], dtype=f"S{width}", count=len(chunk), offset=chunk.offset * width)


class MemberAnswers:
    """The snapshot's coded members, searchable by content hash, and the collections' checks of them."""

    def __init__(self, snap: Snapshot) -> None:
        self.snap = snap
        members = snap.members
        keys = _fixed(members.column("content_hash"), 32) if members.num_rows else np.zeros(0, dtype="S32")
        ids = members.column("collection_id").to_numpy().astype(np.int64)
        # The table is ordered by collection, then hash: sorted stably by hash, each hash's lowest collection is first.
        order = np.argsort(keys, kind="stable")
        self.keys, first = np.unique(keys[order], return_index=True)
        self.collections = ids[order][first]
        self.member_hashes = ["0x" + bytes(k).hex() for k in keys]
        self.member_collections = ids
        table = snap.collections
        self.at = {int(c): k for k, c in enumerate(table.column("collection_id").to_pylist())}
        n = table.num_rows
        self.holder = _fixed(table.column("holder"), 20) if n else np.zeros(0, dtype="S20")
        self.registered_at = table.column("registered_at").to_numpy().astype(np.uint64)
        self.status = table.column("status").to_numpy().astype(np.uint8)
        self.opt_out = table.column("opt_out").to_numpy().astype(np.uint8)
        self.policy_id = table.column("policy_id").to_numpy().astype(np.uint32)

    def __len__(self) -> int:
        return len(self.member_hashes)

    def collection_of(self, hashes: Sequence[str]) -> Any:
        """Per hash, the collection it is a coded member of (the lowest id), or NO_COLLECTION."""
        if not len(self.keys) or not hashes:
            return np.full(len(hashes), NO_COLLECTION, dtype=np.int64)
        queries = keys_of(list(hashes))
        at = np.minimum(np.searchsorted(self.keys, queries), len(self.keys) - 1)
        return np.where(self.keys[at] == queries, self.collections[at], NO_COLLECTION).astype(np.int64)

    def reasons(
        self, hashes: Sequence[str], collections: Sequence[int], use: Use, licensee: str | None
    ) -> list[Reason]:
        """The collections' checks of their members `hashes` (member i of `collections[i]`) at the
        snapshot's block and time, with the registry's precedence."""
        if not hashes:
            return []
        snap = self.snap
        when = snap.meta.block_time
        at = np.array([self.at.get(int(c), -1) for c in collections], dtype=np.int64)
        if not len(self.holder) or not bool((at >= 0).any()):  # collections the snapshot lacks: unknown there
            return [Reason.UNREGISTERED] * len(hashes)
        known = at >= 0
        safe = np.maximum(at, 0)
        rows = snap.rows_of(list(hashes))
        own = np.asarray(check_rows(snap, rows, use, licensee))
        individual = np.zeros(len(hashes), dtype=np.bool_)
        if snap.works.num_rows:
            work = np.maximum(rows, 0)
            holders = _fixed(snap.works.column("holder"), 20)[work]
            registered = snap.works.column("registered_at").to_numpy().astype(np.uint64)[work]
            verified = snap.works.column("status").to_numpy()[work] == Status.VERIFIED.code
            # The chain asks whether the collection's holder *registered* the work; the snapshot has no
            # registrants, so it asks whether it holds it (they differ only for a registration naming the
            # archive as holder, or a token the archive sold or was handed: README, Known limits).
            first = (registered < self.registered_at[safe]) | (holders == self.holder[safe]) | verified
            individual = (rows >= 0) & known & first
        terms = WorkColumns(
            known & (np.uint64(when) >= self.registered_at[safe]),
            self.status[safe],
            self.opt_out[safe],
            np.where(known, self.policy_id[safe], 0).astype(np.uint32),
        )
        licensed = self._licensed(hashes, use, licensee, when)
        theirs = decide_many(terms, snap.policy_table, use, when, licensee=licensee, licensed=licensed)
        members = list(Reason)
        return [members[int(c)] for c in np.where(individual, own, theirs)]

    def _licensed(self, hashes: Sequence[str], use: Use, licensee: str | None, when: int) -> Any:
        """Per hash: does `licensee` hold a licence for `use` of it valid at `when` (LicenceIssued periods)?"""
        table = self.snap.licences
        if licensee is None or address_bytes(licensee) == bytes(20) or table.num_rows == 0:
            return np.zeros(len(hashes), dtype=np.bool_)
        who = _fixed(table.column("licensee"), 20)
        uses = table.column("use").to_numpy()
        start = table.column("valid_from").to_numpy().astype(np.uint64)
        until = table.column("valid_until").to_numpy().astype(np.uint64)
        moment = np.uint64(when)
        hit = (who == np.bytes_(address_bytes(licensee))) & (uses == use.code) & (start <= moment) & (moment < until)
        licensed_keys = _fixed(table.column("content_hash"), 32)[hit]
        return np.isin(keys_of(list(hashes)), licensed_keys)


__all__ = ["NO_COLLECTION", "MemberAnswers"]
