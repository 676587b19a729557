"""The declared datasets that contain a work, with whether their use was permitted when they were
declared (the registry's terms history), and what has been recorded since (proof, violation, removal)."""

from __future__ import annotations

from fastapi import APIRouter

from ..deps import StateDep
from ..schemas import DatasetInclusionPublic, DatasetsPublic, ErrorPublic
from .works import HashPath

FEATURE = "datasets"
router = APIRouter(prefix="/works", tags=["datasets"])


@router.get(
    "/{content_hash}/datasets",
    response_model=DatasetsPublic,
    responses={422: {"model": ErrorPublic}, 502: {"model": ErrorPublic}},
    summary="declared datasets that contain the work, and whether that use was permitted at their declaration",
)
def get_datasets(content_hash: HashPath, state: StateDep) -> DatasetsPublic:
    """Found through the gateway's index (kept synced by its follower; `indexedTo` says how far):
    datasets whose readable
    manifest lists the work, and datasets in which its inclusion was proven on-chain. A work in no
    dataset (registered or not) answers an empty list."""
    with state.index() as index:
        found = index.inclusions(content_hash, sync=not state.following)
        indexed_to = index.cursor
    items = [DatasetInclusionPublic.from_inclusion(i) for i in found]
    return DatasetsPublic(content_hash=content_hash, indexed_to=indexed_to, count=len(items), datasets=items)
