"""Suspected copies, for registrars to review, and the trail entries near copies add to both works.

A suspected copy is a coded work registered after another holder's coded work whose Content-Code
is within the threshold: what `register` (CLI and SDK) refuses unless `--allow-similar` /
`allow_similar=True` (and what a registration by hash, a forward request made by hand or a direct
contract call can still make). Both are read from the
codes index alone, i.e. from the chain's `ContentCodesRecorded` events: nothing else is recorded,
so the review cannot tell a registrant who passed `--allow-similar` from one who skipped the check.
Mirrored matches are not reviewed (the index keeps codes, not images). Members of collections
registered with codes are reviewed beside the works: a work registered after another holder's
member near it, or a member committed after another holder's work (or member), is listed with its
collection (`copyCollection` / `originalCollection`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from eth_utils.address import to_checksum_address

from ..sdk.client import RightsLedger
from ..sdk.trail import TrailEntry
from .identity_index import CodesIndex, Registered


@dataclass(frozen=True, slots=True)
class SuspectedCopy:
    """`copy` was registered after `original`, by another holder, `distance` bits from it. Either may
    be a member of a collection registered with codes (its `collection_id` set, its holder the
    collection's)."""

    copy: Registered
    copy_holder: str
    original: Registered
    original_holder: str
    distance: int

    def as_dict(self) -> dict[str, object]:
        found: dict[str, object] = {
            "copy": self.copy.content_hash, "copyIscc": self.copy.iscc, "copyHolder": self.copy_holder,
            "copyBlock": self.copy.block, "original": self.original.content_hash,
            "originalIscc": self.original.iscc, "originalHolder": self.original_holder,
            "originalBlock": self.original.block, "distance": self.distance,
        }
        if self.copy.collection_id is not None:
            found["copyCollection"] = self.copy.collection_id
        if self.original.collection_id is not None:
            found["originalCollection"] = self.original.collection_id
        return found


def _earlier(a: Registered, b: Registered) -> bool:
    """Was `a` registered before `b`? Works by their rows (filled in chain order), members of
    collections by their collection ids; a work and a member only by block (in one block, neither)."""
    if (a.collection_id is None) == (b.collection_id is None):
        if a.collection_id is None or b.collection_id is None:
            return a.order < b.order
        return (a.block, a.collection_id) < (b.block, b.collection_id)
    return a.block < b.block


def suspected_copies(index: CodesIndex, max_distance: int | None = None) -> list[SuspectedCopy]:
    """Every pair (later work, earlier work of another holder) within the distance, in the order the
    copies were registered, nearest original first: registered works and members of collections
    registered with codes alike. One query per coded work and member: minutes at 10^6."""
    coded = sorted([*index.registrations(), *index.members()], key=lambda r: (r.block, r.collection_id is not None,
                                                                              r.collection_id or 0, r.order))
    by_key = {(r.content_hash, r.collection_id): r for r in coded}
    collection_holders: dict[int, str] = {}
    out: list[SuspectedCopy] = []
    for work in coded:
        found = [m for m in index.matches(work.media, work.body, max_distance, members=True)
                 if (m.content_hash, m.collection_id) != (work.content_hash, work.collection_id)]
        earlier = [(m, by_key[(m.content_hash, m.collection_id)]) for m in found
                   if (m.content_hash, m.collection_id) in by_key
                   and _earlier(by_key[(m.content_hash, m.collection_id)], work)]
        if not earlier:
            continue
        if work.collection_id is None:
            holder = _holder(index, work.content_hash)
        else:
            if work.collection_id not in collection_holders:
                collection_holders[work.collection_id] = to_checksum_address(
                    index.client.collections.record(work.collection_id).holder)
            holder = collection_holders[work.collection_id]
        for m, original in earlier:
            if m.holder.lower() != holder.lower():
                out.append(SuspectedCopy(work, holder, original, m.holder, m.distance))
    return out


def _holder(index: CodesIndex, content_hash: str) -> str:
    return str(index.client.work(content_hash).holder)


def near_copy_entries(client: RightsLedger, index: CodesIndex, content_hash: str) -> list[TrailEntry]:
    """The trail entries of a work's near copies by other holders: `near-copy-of` (this work was
    registered after, near another's) and `near-copy-registered` (another's near copy came after it),
    each at the later registration's block and transaction, by its registrant."""
    this = index.registered(content_hash)
    if this is None:
        return []
    holder = _holder(index, this.content_hash)
    entries = []
    for m in index.matches(this.media, this.body):
        other = index.registered(m.content_hash)
        if other is None or other.content_hash == this.content_hash or m.holder.lower() == holder.lower():
            continue
        later, stage = (this, "near-copy-of") if this.order > other.order else (other, "near-copy-registered")
        receipt = client.works.registration_receipt(later.registration_id)
        block = client.w3.eth.get_block(later.block)
        entries.append(TrailEntry(
            stage=stage,
            block=later.block,
            log_index=int(receipt["logs"][-1]["logIndex"]) if receipt["logs"] else 0,  # after the registration
            transaction="0x" + bytes(receipt["transactionHash"]).hex(),
            timestamp=datetime.fromtimestamp(int(block["timestamp"]), tz=UTC),
            actor=str(client.work(later.content_hash).registrant),
            source="WorkRegistry (content codes)",
            details={"work": other.content_hash, "holder": m.holder, "distance": m.distance, "iscc": other.iscc},
        ))
    return entries
