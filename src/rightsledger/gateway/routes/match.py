"""Near copies: the registered works (and members of collections registered with codes) whose content
code is within a distance of a code or an upload."""

from __future__ import annotations

import io
from typing import Annotated

import anyio.to_thread
from anyio import CapacityLimiter
from fastapi import APIRouter, Query, Request
from PIL import Image
from starlette.concurrency import run_in_threadpool

from ...errors import ValidationError
from ...identity import Identity, content_code_bits, content_header, identify_bytes, normalize
from ...workflows.identity_index import WorkMatch
from ...workflows.identity_review import suspected_copies
from ..deps import GatewayState, StateDep, get_settings
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


# Decoding an upload is CPU work of up to seconds and, for a large image, hundreds of megabytes: it
# runs in a thread of its own limiter (the event loop keeps serving the other clients), at most this
# many at once per worker process. The others wait on the event loop holding only their bodies, not
# in threads of the pool that the sync routes (/info, /checks, /match) run in.
UPLOAD_DECODERS = 2


def _decoders(request: Request) -> CapacityLimiter:
    """The app's upload limiter (made on the event loop, at the first upload)."""
    limiter: CapacityLimiter | None = getattr(request.app.state, "upload_decoders", None)
    if limiter is None:
        limiter = request.app.state.upload_decoders = CapacityLimiter(UPLOAD_DECODERS)
    return limiter


def _image_size(data: bytes) -> tuple[int, int] | None:
    """The width and height an image's header declares (nothing is decoded); None if not an image."""
    try:
        with Image.open(io.BytesIO(data)) as img:
            return img.size
    except Exception:  # noqa: BLE001 - not an image Pillow reads: identify_bytes says what it is
        return None


def _identify_upload(data: bytes, name: str | None, max_pixels: int) -> Identity:
    size = _image_size(data)
    if size is not None and size[0] * size[1] > max_pixels:
        width, height = size
        raise ValidationError(f"an image of {width} x {height} pixels is over the {max_pixels:,} pixels this gateway "
                              "decodes (RIGHTSLEDGER_GATEWAY_MAX_UPLOAD_PIXELS); downscale it first")
    return identify_bytes(data, name)


async def uploaded_identity(request: Request, name: str | None, what: str = "file") -> Identity:
    """The ISCC codes of the request body (a file's raw bytes), computed in a worker thread; a
    one-line error naming what is wrong with it (a form instead of the bytes, nothing sent, bytes of
    no media we code, a damaged file, an image of more pixels than the gateway decodes)."""
    kind = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if kind in FORM_TYPES:
        raise GatewayError(415, "unsupported-upload", f"the request body is {kind}, not a {what}: send the {what}'s "
                                                      "raw bytes as the body (Content-Type: application/octet-stream)")
    data = await request.body()
    if not data:
        raise ValidationError(f"the request body is empty: send the {what}'s raw bytes as the body "
                              "(Content-Type: application/octet-stream)")
    try:
        return await anyio.to_thread.run_sync(_identify_upload, data, name, get_settings(request).max_upload_pixels,
                                              limiter=_decoders(request))
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
    found = await run_in_threadpool(_matches_of, state, identity, max_distance)
    return MatchPublic(iscc=identity.iscc, content_hash=identity.sha256, matches=_public(found),
                       skipped_reason=identity.skipped_reason)


def _matches_of(state: GatewayState, identity: Identity, max_distance: int | None) -> list[WorkMatch]:
    """The upload's matches (a sync of the codes index first: node calls and database reads, and at
    start-up a wait for the index's load: off the event loop)."""
    with state.codes_index() as index:
        index.sync()
        return index.matches_of(identity, max_distance, members=True)


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
