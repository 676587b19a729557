"""One work's record as every export reads it: terms, opt-outs, status, disclosure, identity.

Each export is a pure function of an `ExportRecord`, so the same snapshot gives consistent
documents in every format. `access()` reduces a use to what most standards can say:
open (allowed now, unconditionally), conditional (allowed under a licence, a time window or
duties) or denied; it follows the registry's own order of evaluation (disputed, opted out and
expired records deny; a use without a rule is denied).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from ..disclosure import Disclosure
from ..hashing import ContentLike, content_hash
from ..identity import Identity, content_code_bits, format_unit
from ..terms import Rule, Terms, format_wei
from ..vocabulary import ContentHash, Mode, Status, Use

if TYPE_CHECKING:
    from ..records import Work
    from ..sdk.client import RightsLedger


class Access(StrEnum):
    OPEN = "open"
    CONDITIONAL = "conditional"
    DENIED = "denied"


@dataclass(frozen=True)
class UseAccess:
    """What a use of the work is subject to, reduced for the standards."""

    use: Use
    access: Access
    rule: Rule
    reason: str = ""
    """Why a use is denied (denied, opted-out, expired, window-ended, disputed)."""
    conditions: tuple[str, ...] = ()
    """Plain-words conditions of a conditional use."""

    @property
    def attribution_only(self) -> bool:
        """Conditional only because attribution is required."""
        return self.access is Access.CONDITIONAL and self.conditions == ("attribution required",)


@dataclass(frozen=True)
class ExportRecord:
    """A snapshot of one registered work, read at one block."""

    content_hash: ContentHash
    chain_id: int
    registry: str
    holder: str
    policy_id: int
    terms: Terms
    now: datetime
    opted_out: frozenset[Use] = frozenset()
    status: Status = Status.UNVERIFIED
    disclosure: Disclosure | None = None
    metadata_uri: str = ""
    extra: dict[str, str] = field(default_factory=dict)
    iscc: str | None = None
    """The work's ISCC: the ISCC-CODE of its file when the exporter has it, otherwise the ISCC
    Content-Code recorded on chain at registration; None for a work registered without a code."""

    @classmethod
    def read(cls, client: RightsLedger, item: ContentLike, *, iscc: bool = False) -> ExportRecord:
        """Read the record of a registered work (NotFoundError if none) and its disclosure; with
        `iscc`, also the content code it was registered with (one log query more)."""
        digest = content_hash(item)
        work = client.work(digest)
        disclosure = client.disclosure(digest) if "ProvenanceLog" in client.deployment.contracts else None
        record = cls.of_work(work, client, disclosure=disclosure)
        return replace(record, iscc=registered_iscc(client, digest)) if iscc else record

    @classmethod
    def of_work(cls, work: Work, client: RightsLedger, *, disclosure: Disclosure | None = None) -> ExportRecord:
        """The record of a work already read, as of the latest block."""
        return cls(
            content_hash=work.content_hash,
            chain_id=client.chain_id,
            registry=client.deployment.work_registry,
            holder=work.holder,
            policy_id=int(work.policy_id),
            terms=work.terms,
            now=client.chain_time(),
            opted_out=frozenset(work.opted_out),
            status=work.status,
            disclosure=disclosure,
            metadata_uri=work.metadata_uri,
        )

    @classmethod
    def read_member(cls, client: RightsLedger, collection_id: int, item: ContentLike) -> ExportRecord:
        """The record of a member of a collection registered by Merkle root: the collection's terms."""
        digest = content_hash(item)
        collection = client.collections.record(collection_id)
        return cls(
            content_hash=digest,
            chain_id=client.chain_id,
            registry=client.deployment.address("CollectionRegistry"),
            holder=collection.holder,
            policy_id=int(collection.policy_id),
            terms=client.policy(collection.policy_id),
            now=client.chain_time(),
            opted_out=frozenset(collection.opted_out),
            status=collection.status,
            metadata_uri=collection.metadata_uri,
            extra={"collectionId": str(collection_id)},
        )

    # ------------------------------------------------------------------ identifiers

    @property
    def token_id(self) -> int:
        return int(self.content_hash, 16)

    @property
    def caip19(self) -> str:
        """The registry token as a CAIP-19 asset id: eip155:<chain>/erc721:<registry>/<token id>."""
        return f"eip155:{self.chain_id}/erc721:{self.registry}/{self.token_id}"

    @property
    def content_uri(self) -> str:
        """The content itself as an RFC 6920 named-information URI (sha-256 of its bytes)."""
        raw = bytes.fromhex(self.content_hash[2:])
        return "ni:///sha-256;" + base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @property
    def holder_did(self) -> str:
        """The holder as a did:pkh (CAIP-10 account) identifier."""
        return f"did:pkh:eip155:{self.chain_id}:{self.holder}"

    @property
    def policy_uid(self) -> str:
        return f"{self.caip19}#policy-{self.policy_id}"

    # ------------------------------------------------------------------ access

    def access(self, use: Use) -> UseAccess:
        rule = self.terms.rule(use)
        if self.status is Status.DISPUTED:
            return UseAccess(use, Access.DENIED, rule, "disputed")
        if use in self.opted_out:
            return UseAccess(use, Access.DENIED, rule, "opted-out")
        expires = self.terms.expires
        if expires is not None and expires <= self.now:
            return UseAccess(use, Access.DENIED, rule, "expired")
        if rule.mode is Mode.DENY:
            return UseAccess(use, Access.DENIED, rule, "denied")
        if rule.end is not None and rule.end <= self.now:
            return UseAccess(use, Access.DENIED, rule, "window-ended")
        conditions: list[str] = []
        if rule.mode is Mode.LICENCE:
            conditions.append(f"licence required ({format_wei(rule.fee)} per licence, from the holder)")
        if rule.start is not None and rule.start > self.now:
            conditions.append(f"allowed from {_iso(rule.start)}")
        if rule.end is not None:
            conditions.append(f"allowed until {_iso(rule.end)}")
        if expires is not None:
            conditions.append(f"terms expire {_iso(expires)}")
        if rule.attribution:
            conditions.append("attribution required")
        if rule.share_alike:
            conditions.append("share-alike")
        if rule.revenue_share_bps:
            conditions.append(f"{rule.revenue_share_bps / 100:g}% of a derivative's licence income to the holder")
        if conditions:
            return UseAccess(use, Access.CONDITIONAL, rule, conditions=tuple(conditions))
        return UseAccess(use, Access.OPEN, rule)

    def conditions_text(self, use: Use) -> str:
        """A conditional use's conditions and where the terms are, for free-text fields of a standard."""
        state = self.access(use)
        return "; ".join([*state.conditions, f"terms: rightsledger record {self.caip19}"])


def registered_iscc(client: RightsLedger, item: ContentLike) -> str | None:
    """The ISCC Content-Code a work was registered with (`ISCC:...`), or None (no code, or NO_CODE)."""
    registered = client.works.registered_code(item)
    if registered is None or registered.featureless:
        return None
    code = registered.code
    return format_unit(int.from_bytes(code[:2], "big"), int.from_bytes(code[2:], "big"))


def with_file_iscc(record: ExportRecord, identity: Identity) -> ExportRecord:
    """The record naming the file's ISCC-CODE (content, data and instance units) when the file is
    the work (same sha256) and its Content-Code is the one registered."""
    if record.iscc is None or identity.sha256 != record.content_hash or identity.content_bits is None:
        return record
    same = identity.content_bits == content_code_bits(record.iscc)
    return replace(record, iscc=identity.iscc) if same else record


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_datetime(value: datetime) -> str:
    return _iso(value)
