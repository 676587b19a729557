"""A work's provenance trail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from ...provenance import TrailEntry
from .common import Schema, json_safe

STAGE_TEXT: dict[str, str] = {
    "registered": "registered in the registry",
    "holdership-transferred": "passed to a new holder",
    "holder-corrected": "moved to its right holder by a registrar settling a dispute",
    "terms-changed": "terms of use changed",
    "opt-out-changed": "opt-outs changed",
    "status-marked": "verification status marked by a registrar",
    "contested-by-collection": "disputed: shown to be a member of a verified collection registered before it",
    "created": "created",
    "digitised": "digitised",
    "transformed": "transformed (edited, restored, re-encoded)",
    "derived-from": "made from other works",
    "disclosure-set": "AI disclosure label set",
    "licensed": "licence issued",
    "derivative-registered": "a derivative of it was registered",
    "royalty-set": "resale royalty set",
    "near-copy-of": "registered as a near copy of another holder's work",
    "near-copy-registered": "another holder registered a near copy of it",
}


class TrailEntryPublic(Schema):
    stage: str = Field(description="registered, holdership-transferred, terms-changed, opt-out-changed, ...")
    plain: str = Field(description="the stage in plain words")
    block: int
    log_index: int
    transaction: str
    timestamp: datetime
    actor: str = Field(description="who acted (the signer of a relayed request, not the relayer)")
    source: str = Field(description="the contract event it was read from")
    details: dict[str, Any]
    summary: str = Field(description="the details in a few words")

    @classmethod
    def from_entry(cls, entry: TrailEntry) -> TrailEntryPublic:
        return cls(
            stage=entry.stage,
            plain=STAGE_TEXT.get(entry.stage, entry.stage),
            block=entry.block,
            log_index=entry.log_index,
            transaction=entry.transaction,
            timestamp=entry.timestamp,
            actor=entry.actor,
            source=entry.source,
            details=json_safe(dict(entry.details)),
            summary=entry.summary(),
        )


class ProvenancePublic(Schema):
    content_hash: str
    from_block: int = Field(description="the first block read")
    to_block: int = Field(description="the last block read; continue from toBlock + 1")
    count: int
    trail: list[TrailEntryPublic] = Field(description="oldest first (block, then position in the block)")
