"""Near copies: the registered works whose content code is within a distance of a code or an upload."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from ...errors import ValidationError
from ...identity import content_code_bits, content_header, identify_bytes, normalize
from ...workflows.identity_index import WorkMatch
from ..deps import StateDep
from ..schemas.common import ErrorPublic
from ..schemas.match import MatchPublic, MatchRequest, WorkMatchPublic

FEATURE = "match"
router = APIRouter(prefix="/match", tags=["identity"])


def _public(found: list[WorkMatch]) -> list[WorkMatchPublic]:
    return [WorkMatchPublic(content_hash=m.content_hash, iscc=m.iscc, distance=m.distance, holder=m.holder)
            for m in found]


@router.post(
    "",
    response_model=list[MatchPublic],
    responses={422: {"model": ErrorPublic}},
    summary="registered works near these ISCC codes (by Content-Code Hamming distance), nearest first",
)
def match_codes(body: MatchRequest, state: StateDep) -> list[MatchPublic]:
    queries = []
    for code in body.iscc:
        iscc = normalize(code)
        media = content_header(iscc).media
        if media is None:
            raise ValidationError(f"{iscc} has no image, text or audio Content-Code to match on")
        queries.append((iscc, media, content_code_bits(iscc)))
    with state.codes_index() as index:
        index.sync()
        return [MatchPublic(iscc=iscc, matches=_public(index.matches(media, bits, body.max_distance)))
                for iscc, media, bits in queries]


@router.post(
    "/file",
    response_model=MatchPublic,
    responses={413: {"model": ErrorPublic}, 422: {"model": ErrorPublic}},
    summary="registered works an uploaded file (the raw request body, up to the body size cap) is a near copy of",
    openapi_extra={"requestBody": {"required": True, "content": {
        "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}},
)
async def match_file(
    request: Request,
    state: StateDep,
    name: Annotated[str | None, Query(max_length=255, description="file name (helps tell the media type)")] = None,
    max_distance: Annotated[int | None, Query(alias="maxDistance", ge=0, le=64)] = None,
) -> MatchPublic:
    data = await request.body()
    if not data:
        raise ValidationError("send the file as the request body (application/octet-stream)")
    identity = identify_bytes(data, name)
    with state.codes_index() as index:
        index.sync()
        found = index.matches_of(identity, max_distance)
    return MatchPublic(iscc=identity.iscc, content_hash=identity.sha256, matches=_public(found),
                       skipped_reason=identity.skipped_reason)
