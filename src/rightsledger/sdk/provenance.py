"""Provenance: the stages of a work's life and its AI-disclosure label on the ProvenanceLog, and the
trail read back from every contract's events (see trail.py)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..chain.logs import DEFAULT_PAGE_SIZE
from ..chain.module import ChainContext, ContractModule
from ..disclosure import Disclosure, DisclosureLevel, phases_from_mask
from ..errors import ValidationError
from ..hashing import ContentLike, content_hash
from ..units import from_timestamp
from .trail import STAGE_BATCH_CHUNK, TRAIL_SOURCES, EventSource, Stage, TrailEntry, TrailReader, details_digest
from .works import Works


class Provenance(ContractModule):
    """The ProvenanceLog: stages of a work's life, its AI-disclosure label, and its whole trail."""

    contract_name = "ProvenanceLog"

    def __init__(self, ctx: ChainContext, works: Works) -> None:
        super().__init__(ctx)
        self.works = works

    def record_stage(
        self,
        item: ContentLike,
        stage: Stage | str,
        *,
        details_uri: str = "",
        details: Path | bytes | str | None = None,
        parents: Sequence[ContentLike] = (),
    ) -> str:
        """Append a stage (created, digitised, transformed, derived-from) to the work's trail.

        `details` is the details document (a file, its bytes, or its sha256 as hex) whose hash
        is recorded with `details_uri`. Holder or approved operator only. Returns the transaction hash.
        """
        chosen = stage if isinstance(stage, Stage) else Stage.parse(stage)
        digest = content_hash(item)
        parent_hashes = [content_hash(p) for p in parents]
        if chosen is Stage.DERIVED_FROM and not parent_hashes:
            raise ValidationError("a derived-from stage names the works it derives from (--parent FILE|HASH)")
        if chosen is not Stage.DERIVED_FROM and parent_hashes:
            raise ValidationError(f"only a derived-from stage takes parents, not {chosen.value}")
        call = self.functions.recordStage(
            digest, chosen.code, details_uri, details_digest(details), parent_hashes
        )
        receipt = self.send(call, f"recording {chosen.value} for {digest}")
        return "0x" + bytes(receipt["transactionHash"]).hex()

    def record_stage_batch(
        self,
        items: Sequence[ContentLike],
        stage: Stage | str,
        *,
        details_uri: str = "",
        details: Path | bytes | str | None = None,
        chunk_size: int = STAGE_BATCH_CHUNK,
    ) -> int:
        """Append one stage with the same details to many works (a digitisation campaign). Returns the count."""
        chosen = stage if isinstance(stage, Stage) else Stage.parse(stage)
        if chosen is Stage.DERIVED_FROM:
            raise ValidationError("derived-from names parents per work: record it one work at a time")
        hashes = [content_hash(i) for i in items]
        if not hashes:
            raise ValidationError("no works given")
        digest = details_digest(details)
        for start in range(0, len(hashes), chunk_size):
            chunk = hashes[start : start + chunk_size]
            call = self.functions.recordStageBatch(chunk, chosen.code, details_uri, digest)
            self.send(call, f"recording {chosen.value} for {len(chunk)} works")
        return len(hashes)

    def disclose(self, item: ContentLike, disclosure: Disclosure | str) -> Disclosure:
        """Set the work's AI-disclosure label (a Disclosure or its text form). Holder or operator only."""
        label = disclosure if isinstance(disclosure, Disclosure) else Disclosure.from_text(disclosure)
        digest = content_hash(item)
        call = self.functions.setDisclosure(digest, label.level.code, label.phases_mask, label.tools)
        self.send(call, f"setting the AI disclosure of {digest}")
        return label

    def disclosure(self, item: ContentLike) -> Disclosure | None:
        """The work's AI-disclosure label, or None if none was set."""
        digest = content_hash(item)
        level, phases, tools, set_at, set_by = self.call(
            self.functions.disclosureOf(digest), f"reading the AI disclosure of {digest}"
        )
        if level == 0:
            return None
        return Disclosure(
            DisclosureLevel.from_code(level), phases_from_mask(phases), tools, from_timestamp(set_at), set_by
        )

    def trail(
        self,
        item: ContentLike,
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
        sources: Sequence[EventSource] = TRAIL_SOURCES,
        from_block: int | None = None,
        to_block: int | None = None,
        blocks: Iterable[int] | None = None,
    ) -> list[TrailEntry]:
        """The work's provenance trail, oldest first; only blocks `from_block`..`to_block` if given
        (default: from the deployment to the latest block), and of those only `blocks` if given
        (where an index of the chain's events says the work's events are)."""
        reader = TrailReader(self.ctx.w3, self.ctx.deployment, sources=sources, page_size=page_size)
        return reader.read(item, from_block=from_block, to_block=to_block, blocks=blocks)

    def trail_range(
        self,
        item: ContentLike,
        *,
        from_block: int | None = None,
        to_block: int | None = None,
        blocks: Iterable[int] | None = None,
    ) -> TrailRange:
        """The trail of a registered work within blocks `from_block`..`to_block` (defaults: the
        deployment's block, the latest; `to_block` is capped at the latest). NotFoundError for an
        unregistered work; ValidationError (`invalid-range`) when the range is empty."""
        latest = self.ctx.block_number
        first = self.ctx.deployment.block if from_block is None else from_block
        last = latest if to_block is None else min(to_block, latest)
        if first > last:
            raise ValidationError(
                f"fromBlock {first} is after toBlock {last} (the latest block is {latest})", code="invalid-range"
            )
        entries = self.trail(item, from_block=first, to_block=last, blocks=blocks)
        if not entries:
            self.works.work(item)  # an unregistered work is NotFoundError, a quiet range an empty trail
        return TrailRange(first, last, tuple(entries))


@dataclass(frozen=True)
class TrailRange:
    """A trail read over a block range: the range actually read, and its entries."""

    from_block: int
    to_block: int
    entries: tuple[TrailEntry, ...]


__all__ = ["Provenance", "TrailRange"]
