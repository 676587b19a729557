"""The provenance trail of a work: every stage in chain order, with block, transaction, time and actor."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from ...workflows.identity_review import near_copy_entries
from ..deps import ClientDep, StateDep
from ..schemas import ErrorPublic, ProvenancePublic, TrailEntryPublic
from .works import HashPath

FEATURE = "provenance"
router = APIRouter(prefix="/works", tags=["provenance"])

Block = Annotated[int | None, Query(ge=0, lt=2**63, description="a block number")]


@router.get(
    "/{content_hash}/provenance",
    response_model=ProvenancePublic,
    responses={404: {"model": ErrorPublic}, 422: {"model": ErrorPublic}},
    summary="the work's provenance trail, oldest first (optionally only blocks fromBlock..toBlock)",
)
def get_trail(
    content_hash: HashPath,
    client: ClientDep,
    state: StateDep,
    from_block: Annotated[Block, Query(alias="fromBlock")] = None,
    to_block: Annotated[Block, Query(alias="toBlock")] = None,
) -> ProvenancePublic:
    blocks = None
    if state.following:  # the index says where the work's events are: ask the node for those blocks only
        with state.index() as events:
            indexed_to = events.cursor
            head = client.ctx.block_number
            to_block = head if to_block is None else min(to_block, head)
            blocks = [*events.trail_blocks(content_hash), *range(indexed_to + 1, head + 1)]
    found = client.provenance.trail_range(content_hash, from_block=from_block, to_block=to_block, blocks=blocks)
    with state.codes_index() as index:  # near copies by other holders, from the registered content codes
        index.sync()
        near = [e for e in near_copy_entries(client, index, content_hash)
                if found.from_block <= e.block <= found.to_block]
    entries = sorted([*found.entries, *near], key=lambda e: (e.block, e.log_index))
    return ProvenancePublic(
        content_hash=content_hash,
        from_block=found.from_block,
        to_block=found.to_block,
        count=len(entries),
        trail=[TrailEntryPublic.from_entry(e) for e in entries],
    )
