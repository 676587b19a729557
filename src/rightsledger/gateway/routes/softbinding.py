"""The C2PA soft-binding resolution API for the `io.iscc.v0` algorithm: a stripped or re-encoded copy
finds its record again through the work's ISCC code (C2PA 2.x "Soft Binding Resolution API":
`/services/supportedAlgorithms`, `/matches/byBinding`, `/matches/byContent`).

A match's `manifestId` is the registered work's content hash: the registry keeps no manifest store,
the work's record (and its embedded manifest, when the holder published one) is at `endpoint`. Members
of collections registered with codes are matched too: `collection` names the collection, `holder` is
its holder and `endpoint` the members manifest the chain names for it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from ...errors import ValidationError
from ...identity import Identity, content_code_bits, content_header, normalize
from ...workflows.c2pa_import import ISCC_ALGORITHM
from ...workflows.identity_index import CodesIndex, WorkMatch
from ..deps import GatewayState, StateDep
from ..schemas.common import ErrorPublic
from ..schemas.softbinding import SoftBindingMatch, SoftBindingMatches, SupportedAlgorithms
from .match import uploaded_identity

FEATURE = "soft-binding"
router = APIRouter(tags=["identity"])

AlgQuery = Annotated[str, Query(max_length=64, description=f"the soft-binding algorithm; only {ISCC_ALGORITHM}")]
MaxResults = Annotated[int, Query(alias="maxResults", ge=1, le=100, description="at most this many matches")]


def _algorithm(alg: str) -> None:
    if alg != ISCC_ALGORITHM:
        raise ValidationError(f"soft-binding algorithm {alg!r} is not supported here: use {ISCC_ALGORITHM}")


def _matches(request: Request, index: CodesIndex, found: list[WorkMatch], limit: int) -> SoftBindingMatches:
    base = str(request.base_url).rstrip("/")
    return SoftBindingMatches(matches=[
        SoftBindingMatch(
            manifest_id=m.content_hash, endpoint=_endpoint(base, index, m),
            similarity_score=round(100 * (64 - m.distance) / 64), distance=m.distance, iscc=m.iscc, holder=m.holder,
            collection=m.collection_id,
        )
        for m in found[:limit]
    ])  # fmt: skip


def _endpoint(base: str, index: CodesIndex, match: WorkMatch) -> str:
    """A registered work's record here; for a collection member, the members manifest the chain names
    (where its code is committed; the gateway keeps no record of a member by itself)."""
    if match.collection_id is None:
        return f"{base}/works/{match.content_hash}"
    return index.manifest_of(match.collection_id) or ""


@router.get("/services/supportedAlgorithms", response_model=SupportedAlgorithms,
            summary="the soft-binding algorithms this resolver answers for")  # fmt: skip
def supported_algorithms() -> SupportedAlgorithms:
    return SupportedAlgorithms(watermarks=[], fingerprints=[{"alg": ISCC_ALGORITHM}])


@router.get(
    "/matches/byBinding",
    response_model=SoftBindingMatches,
    responses={422: {"model": ErrorPublic}},
    summary="registered works and coded collection members whose ISCC Content-Code is near the binding value",
)
def matches_by_binding(
    request: Request,
    state: StateDep,
    alg: AlgQuery,
    value: Annotated[str, Query(min_length=4, max_length=200, description="the binding value: an ISCC code")],
    max_results: MaxResults = 10,
) -> SoftBindingMatches:
    _algorithm(alg)
    iscc = normalize(value)
    media = content_header(iscc).media
    if media is None:
        raise ValidationError(f"{iscc} has no image, text or audio Content-Code to match on")
    with state.codes_index() as index:
        index.sync()
        found = index.matches(media, content_code_bits(iscc), members=True)
        return _matches(request, index, found, max_results)


@router.post(
    "/matches/byContent",
    response_model=SoftBindingMatches,
    responses={413: {"model": ErrorPublic}, 415: {"model": ErrorPublic}, 422: {"model": ErrorPublic}},
    summary="registered works and coded collection members an uploaded asset (the raw body) is a near copy of",
    openapi_extra={"requestBody": {"required": True, "content": {
        "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}},
)  # fmt: skip
async def matches_by_content(
    request: Request, state: StateDep, alg: AlgQuery, max_results: MaxResults = 10
) -> SoftBindingMatches:
    _algorithm(alg)
    identity = await uploaded_identity(request, None, "asset")
    # The sync (and, at start-up, the wait for the codes' load) and the query block: off the event loop.
    return await run_in_threadpool(_content_matches, request, state, identity, max_results)


def _content_matches(request: Request, state: GatewayState, identity: Identity, max_results: int) -> SoftBindingMatches:
    with state.codes_index() as index:
        index.sync()
        found = index.matches_of(identity, members=True)
        return _matches(request, index, found, max_results)
