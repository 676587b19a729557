"""The provenance trail of a work: every stage in chain order, with block, transaction, time and actor."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from ..deps import ClientDep
from ..errors import GatewayError
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
    from_block: Annotated[Block, Query(alias="fromBlock")] = None,
    to_block: Annotated[Block, Query(alias="toBlock")] = None,
) -> ProvenancePublic:
    latest = client.w3.eth.block_number
    first = client.deployment.block if from_block is None else from_block
    last = latest if to_block is None else min(to_block, latest)
    if first > last:
        raise GatewayError(
            422, "invalid-range", f"fromBlock {first} is after toBlock {last} (the latest block is {latest})"
        )
    entries = client.trail(content_hash, from_block=first, to_block=last)
    if not entries:
        client.work(content_hash)  # an unregistered work is 404, a quiet range an empty trail
    return ProvenancePublic(
        content_hash=content_hash,
        from_block=first,
        to_block=last,
        count=len(entries),
        trail=[TrailEntryPublic.from_entry(e) for e in entries],
    )
