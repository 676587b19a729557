"""Near copies: the registered works (and members of collections registered with codes) whose content
code is within a distance of a code or an upload."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from ...errors import ValidationError
from ...identity import Identity, content_code_bits, content_header, identify_bytes, normalize
from ...workflows.identity_index import WorkMatch
from ...workflows.identity_review import suspected_copies
from ..deps import StateDep
from ..errors import GatewayError
from ..schemas.common import ErrorPublic
from ..schemas.match import MatchPublic, MatchRequest, SuspectedCopyPublic, WorkMatchPublic

FEATURE = "match"
router = APIRouter(prefix="/match", tags=["identity"])


def _public(found: list[WorkMatch]) -> list[WorkMatchPublic]:
    return [WorkMatchPublic(content_hash=m.content_hash, iscc=m.iscc, distance=m.distance, holder=m.holder,
                            collection=m.collection_id, chance=float(f"{m.chance:.2g}"), decisive=m.decisive)
            for m in found]


# Bodies that are a form or a document, not a file's bytes: read as one, they would be "matched"
# as a text (a multipart body is UTF-8), so they are refused.
FORM_TYPES = frozenset({"multipart/form-data", "application/x-www-form-urlencoded", "application/json"})


async def uploaded_identity(request: Request, name: str | None, what: str = "file") -> Identity:
    """The ISCC codes of the request body (a file's raw bytes); a one-line error naming what is wrong
    with it (a form instead of the bytes, nothing sent, bytes of no media we code, a damaged file)."""
    kind = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if kind in FORM_TYPES:
        raise GatewayError(415, "unsupported-upload", f"the request body is {kind}, not a {what}: send the {what}'s "
                                                      "raw bytes as the body (Content-Type: application/octet-stream)")
    data = await request.body()
    if not data:
        raise ValidationError(f"the request body is empty: send the {what}'s raw bytes as the body "
                              "(Content-Type: application/octet-stream)")
    try:
        return identify_bytes(data, name)
    except ValidationError as exc:
        hint = "; an audio file needs its name (?name=song.mp3)" if name is None and "unsupported" in str(exc) else ""
        raise ValidationError(f"the uploaded {what} ({len(data):,} bytes): {exc}{hint}", code=exc.code) from None


def parse_code(code: str) -> tuple[str, str, int]:
    """(the normalised code, its media, its 64-bit Content-Code body); ValidationError if it has none."""
    iscc = normalize(code)
    media = content_header(iscc).media
    if media is None:
        raise ValidationError(f"{iscc} has no image, text or audio Content-Code to match on")
    return iscc, media, content_code_bits(iscc)


@router.post(
    "",
    response_model=list[MatchPublic],
    responses={422: {"model": ErrorPublic}},
    summary="registered works near these ISCC codes (by Content-Code Hamming distance), nearest first",
)
def match_codes(body: MatchRequest, state: StateDep) -> list[MatchPublic]:
    queries = [parse_code(code) for code in body.iscc]
    with state.codes_index() as index:
        index.sync()
        return [MatchPublic(iscc=iscc, matches=_public(index.matches(media, bits, body.max_distance,
                                                                             members=True)))
                for iscc, media, bits in queries]


@router.post(
    "/file",
    response_model=MatchPublic,
    responses={413: {"model": ErrorPublic}, 415: {"model": ErrorPublic}, 422: {"model": ErrorPublic}},
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
    identity = await uploaded_identity(request, name)
    with state.codes_index() as index:
        index.sync()
        found = index.matches_of(identity, max_distance, members=True)
    return MatchPublic(iscc=identity.iscc, content_hash=identity.sha256, matches=_public(found),
                       skipped_reason=identity.skipped_reason)


@router.get(
    "/suspected-copies",
    response_model=list[SuspectedCopyPublic],
    responses={422: {"model": ErrorPublic}},
    summary="registrars' review: works and coded collection members registered after another holder's, near it",
)
def get_suspected_copies(
    state: StateDep,
    max_distance: Annotated[int | None, Query(alias="maxDistance", ge=0, le=64)] = None,
) -> list[SuspectedCopyPublic]:
    with state.codes_index() as index:
        index.sync()
        found = suspected_copies(index, max_distance)
    return [SuspectedCopyPublic(
        copy_hash=s.copy.content_hash, copy_iscc=s.copy.iscc, copy_holder=s.copy_holder, copy_block=s.copy.block,
        original=s.original.content_hash, original_iscc=s.original.iscc, original_holder=s.original_holder,
        original_block=s.original.block, distance=s.distance, copy_collection=s.copy.collection_id,
        original_collection=s.original.collection_id) for s in found]
