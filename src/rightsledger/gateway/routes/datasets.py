"""The declared datasets that contain a work, with whether their use was permitted when they were
declared (the registry's terms history), and what has been recorded since (proof, violation, removal);
a work's Merkle proof of inclusion in a dataset, read from the dataset's tree file."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from ...code_tree import CODED_LEAF_ENCODING
from ...merkle import LEAF_ENCODING
from ..deps import StateDep
from ..schemas import DatasetInclusionPublic, DatasetProofPublic, DatasetsPublic, ErrorPublic
from .works import HashPath

DatasetPath = Annotated[int, Path(ge=1, lt=2**64, description="the declared dataset")]

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


@router.get(
    "/{content_hash}/datasets/{dataset_id}/proof",
    response_model=DatasetProofPublic,
    responses={
        404: {"model": ErrorPublic, "description": "not-in-dataset; manifest-unreadable; DatasetUnknown"},
        409: {"model": ErrorPublic, "description": "manifest-root-mismatch (the manifest makes another root)"},
        422: {"model": ErrorPublic},
    },
    summary="the work's Merkle proof of inclusion in a declared dataset (verifies with MerkleProof on chain)",
)
def get_dataset_proof(content_hash: HashPath, dataset_id: DatasetPath, state: StateDep) -> DatasetProofPublic:
    """Read from the dataset's tree file, kept by its root (built once from its readable manifest,
    and checked against the root declared on chain): a binary search and one read per level, so
    the answer takes the same few reads for a dataset of a thousand works or a billion."""
    tree = state.ledger.datasets.store(dataset_id)
    proof = tree.proof(content_hash)
    code = "0x" + tree.code_of(content_hash).hex() if tree.coded else None
    return DatasetProofPublic(
        dataset_id=dataset_id,
        content_hash=content_hash,
        root=tree.root,
        tree_index=tree.tree_index(content_hash),
        proof=proof,
        code=code,
        leaf_encoding=CODED_LEAF_ENCODING if tree.coded else LEAF_ENCODING,
        item_count=len(tree),
    )

