"""What the registry answers and what a transaction recorded: plain, frozen records (no chain access)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path

from .terms import Terms
from .vocabulary import ContentHash, PolicyId, Reason, RegistrationId, Status, Use

# ---------------------------------------------------------------------- works and checks


@dataclass(frozen=True)
class CheckResult:
    """The registry's answer for one work and one use."""

    content_hash: ContentHash
    use: Use
    reason: Reason
    licensee: str | None = None

    @property
    def allowed(self) -> bool:
        return self.reason.allows


@dataclass(frozen=True)
class Registration:
    """What a registration transaction recorded."""

    registration_id: RegistrationId
    content_hashes: tuple[ContentHash, ...]
    holder: str
    policy_id: PolicyId
    transaction: str
    block: int
    gas_used: int
    codes: tuple[str | None, ...] = ()
    """The ISCC Content-Code recorded for each work, in order (None: none recorded)."""


@dataclass(frozen=True)
class BatchRegistration:
    """A collection registered in one or more chunked transactions (each under the gas cap)."""

    registrations: tuple[Registration, ...]

    @property
    def content_hashes(self) -> tuple[ContentHash, ...]:
        return tuple(h for r in self.registrations for h in r.content_hashes)

    @property
    def gas_used(self) -> int:
        return sum(r.gas_used for r in self.registrations)


@dataclass(frozen=True)
class Work:
    """A registered work's record and terms."""

    content_hash: ContentHash
    holder: str
    registrant: str
    policy_id: PolicyId
    registration_id: RegistrationId
    registered_at: datetime
    status: Status
    opted_out: tuple[Use, ...]
    metadata_uri: str
    terms: Terms = field(default_factory=Terms)


# ---------------------------------------------------------------------- licences


class LicenceSource(StrEnum):
    """How a licence came about (the contract's SOURCE_* numbers, in order)."""

    BOUGHT = "bought"
    GRANTED = "granted"
    OFFER = "offer"


@dataclass(frozen=True)
class Licence:
    """One issued licence, as its LicenceIssued event records it.

    `valid_from`..`valid_until` is the licensee's continuous licensed period after this licence
    (a licence issued while an earlier one runs extends it); `valid_until` None means forever.
    """

    licence_id: int
    content_hash: ContentHash
    use: Use
    licensee: str
    source: LicenceSource
    valid_from: datetime
    valid_until: datetime | None
    payer: str
    price: int
    transaction: str
    block: int

    def valid_at(self, when: datetime) -> bool:
        return self.valid_from <= when and (self.valid_until is None or when < self.valid_until)


@dataclass(frozen=True)
class Earnings:
    """What an account may withdraw now, and all it has earned from licences so far (wei)."""

    account: str
    withdrawable: int
    earned: int


@dataclass(frozen=True)
class Parent:
    """A parent of a derivative and the share of the derivative's licence income it takes."""

    content_hash: ContentHash
    revenue_share_bps: int


@dataclass(frozen=True)
class DerivativeRegistration:
    """A derivative registered through the licence manager."""

    registration: Registration
    parents: tuple[Parent, ...]

    @property
    def content_hash(self) -> ContentHash:
        return self.registration.content_hashes[0]

    @property
    def policy_id(self) -> PolicyId:
        return self.registration.policy_id


# ---------------------------------------------------------------------- datasets and collections


ITEM_PROVEN = 1
ITEM_VIOLATION = 2
ITEM_REMOVAL_REQUESTED = 4
ITEM_REMOVAL_ACKNOWLEDGED = 8
# 16: proven while the work was disputed (may be proven again).
ITEM_NEAR_COPY = 32


@dataclass(frozen=True)
class Dataset:
    dataset_id: int
    declarer: str
    declared_at: datetime
    use: Use
    item_count: int
    root: str
    manifest_uri: str


@dataclass(frozen=True)
class Declaration:
    dataset_id: int
    root: str
    item_count: int
    manifest_uri: str
    transaction: str
    block: int
    gas_used: int


@dataclass(frozen=True)
class ItemStatus:
    """What the registry records about one work in one dataset."""

    flags: int

    @property
    def proven(self) -> bool:
        return bool(self.flags & ITEM_PROVEN)

    @property
    def violation(self) -> bool:
        return bool(self.flags & ITEM_VIOLATION)

    @property
    def removal_requested(self) -> bool:
        return bool(self.flags & ITEM_REMOVAL_REQUESTED)

    @property
    def removal_acknowledged(self) -> bool:
        return bool(self.flags & ITEM_REMOVAL_ACKNOWLEDGED)

    @property
    def near_copy(self) -> bool:
        """Proven as a near copy: the dataset holds a different file whose code is within threshold."""
        return bool(self.flags & ITEM_NEAR_COPY)

    def describe(self) -> str:
        if not self.proven:
            return "not proven"
        parts = ["proven", "violation recorded" if self.violation else "no violation"]
        if self.removal_acknowledged:
            parts.append("removal acknowledged")
        elif self.removal_requested:
            parts.append("removal requested")
        return ", ".join(parts)


@dataclass(frozen=True)
class Inclusion:
    """A work in a declared dataset: was the dataset's use permitted for its declarer when it was
    declared (the registry's terms history), and what has been recorded since (proof, violation,
    removal)."""

    dataset: Dataset
    content_hash: ContentHash
    permitted: CheckResult  # checkAt(hash, use, declarer, declaredAt)
    status: ItemStatus
    source: str  # "manifest" (listed in its readable manifest), "proof" (proven on-chain), "" (asked directly)

    @property
    def removal(self) -> str:
        """ "acknowledged", "requested" or "" (none)."""
        if self.status.removal_acknowledged:
            return "acknowledged"
        return "requested" if self.status.removal_requested else ""


@dataclass(frozen=True)
class ProofResult:
    dataset_id: int
    content_hash: ContentHash
    reason: Reason
    violation: bool
    transaction: str


@dataclass(frozen=True)
class NearCopyResult:
    """A near copy proven on chain: `item_hash` in the dataset, `distance` bits from the registered
    work `content_hash`, against which inclusion (and any violation) is recorded."""

    dataset_id: int
    content_hash: ContentHash
    item_hash: ContentHash
    distance: int
    reason: Reason
    violation: bool
    transaction: str


@dataclass(frozen=True)
class Epoch:
    epoch: int
    contributed: int
    pool: int
    items: int
    per_item: int
    claimed: int
    finalized: bool
    finalized_at: int = 0  # unix seconds; 0: not finalized
    claim_until: int = 0  # the claim window stays open at least until here (unix seconds)
    individual_claims_from: int = 0  # `claim` opens here; before, collection members only (unix seconds)


@dataclass(frozen=True)
class CollectionRegistration:
    collection_id: int
    root: str
    count: int
    policy_id: PolicyId
    tree_file: Path
    transaction: str
    gas_used: int
    codes_root: str | None = None
    """A collection registered with codes: the root over its (content hash, code) leaves."""
    members_manifest: Path | None = None
    """The members manifest written for it (to publish at `manifest_uri`)."""
    manifest_uri: str = ""


@dataclass(frozen=True)
class Collection:
    """A collection registered by Merkle root: its holder, terms, status and opt-outs (one for all members)."""

    collection_id: int
    holder: str
    policy_id: PolicyId
    registered_at: datetime
    status: Status
    opted_out: tuple[Use, ...]
    root: str
    metadata_uri: str
