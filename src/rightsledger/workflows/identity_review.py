"""Suspected copies, for registrars to review, and the trail entries near copies add to both works.

A suspected copy is a coded work registered after another holder's coded work whose Content-Code
is within the threshold: what `register` (CLI and SDK) refuses unless `--allow-similar` /
`allow_similar=True` (and what a registration by hash, a forward request made by hand or a direct
contract call can still make). Both are read from the
codes index alone, i.e. from the chain's `ContentCodesRecorded` events: nothing else is recorded,
so the review cannot tell a registrant who passed `--allow-similar` from one who skipped the check.
Mirrored matches are not reviewed (the index keeps codes, not images).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from ..sdk.client import RightsLedger
from ..sdk.trail import TrailEntry
from .identity_index import CodesIndex, Registered


@dataclass(frozen=True, slots=True)
class SuspectedCopy:
    """`copy` was registered after `original`, by another holder, `distance` bits from it."""

    copy: Registered
    copy_holder: str
    original: Registered
    original_holder: str
    distance: int

    def as_dict(self) -> dict[str, object]:
        return {
            "copy": self.copy.content_hash, "copyIscc": self.copy.iscc, "copyHolder": self.copy_holder,
            "copyBlock": self.copy.block, "original": self.original.content_hash,
            "originalIscc": self.original.iscc, "originalHolder": self.original_holder,
            "originalBlock": self.original.block, "distance": self.distance,
        }


def suspected_copies(index: CodesIndex, max_distance: int | None = None) -> list[SuspectedCopy]:
    """Every pair (later work, earlier work of another holder) within the distance, in the order the
    copies were registered, nearest original first. One query per coded work: minutes at 10^6 works."""
    works = index.registrations()
    by_hash = {w.content_hash: w for w in works}
    out: list[SuspectedCopy] = []
    for work in works:
        found = [m for m in index.matches(work.media, work.body, max_distance) if m.content_hash != work.content_hash]
        earlier = [m for m in found if m.content_hash in by_hash and by_hash[m.content_hash].order < work.order]
        if not earlier:
            continue
        holder = _holder(index, work.content_hash)
        for m in earlier:
            if m.holder.lower() != holder.lower():
                out.append(SuspectedCopy(work, holder, by_hash[m.content_hash], m.holder, m.distance))
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
