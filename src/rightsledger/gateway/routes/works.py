"""Works: the record, terms and status (read); register, set terms, opt out (relayed, signed by the user)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response

from ...exports.record import ExportRecord
from ...exports.signals import signal_headers
from ...sdk.forwarding import DecodedCall, SignedForwardRequest
from ..deps import ClientDep, RelayerDep, SettingsDep
from ..schemas import ContentHashStr, ErrorPublic, RelayReceiptPublic, SignedRequestBody, WorkPublic

FEATURE = "works"
router = APIRouter(prefix="/works", tags=["works"])

HashPath = Annotated[ContentHashStr, Path(description="sha256 of the work's bytes, 64 hex digits")]
_ERRORS: dict[int | str, dict[str, Any]] = {404: {"model": ErrorPublic}, 422: {"model": ErrorPublic}}
_WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorPublic, "description": "expired, forged or mismatched request"},
    403: {"model": ErrorPublic, "description": "not the holder, or not a function this relayer sends"},
    409: {"model": ErrorPublic, "description": "replayed nonce, or the chain state conflicts"},
    422: {"model": ErrorPublic},
    503: {"model": ErrorPublic, "description": "this gateway relays no writes"},
}


def _signed(body: SignedRequestBody) -> SignedForwardRequest:
    return SignedForwardRequest(body.request.to_sdk(), body.signature)


@router.get("/{content_hash}", response_model=WorkPublic, responses=_ERRORS, summary="a work's record and terms")
def get_work(
    content_hash: HashPath, client: ClientDep, settings: SettingsDep, request: Request, response: Response
) -> WorkPublic:
    """The record, with the signals crawlers read as response headers: TDMRep (`tdm-reservation`,
    `tdm-policy`), the IETF AI-preferences `Content-Usage`, and a `Link` to the RSL licence file
    when this gateway serves one for the work's holder. `HEAD` gives the headers alone."""
    work = client.work(content_hash)
    base = str(request.base_url).rstrip("/")
    policy_url = f"{base}/works/{content_hash}/exports/tdm-policy"
    holder = settings.signals_holder
    license_url = f"{base}/rsl.xml" if holder and holder.lower() == str(work.holder).lower() else None
    headers = signal_headers(ExportRecord.of_work(work, client), policy_url=policy_url, license_url=license_url)
    response.headers.update(headers)
    return WorkPublic.from_work(work)


@router.head("/{content_hash}", include_in_schema=False)
def head_work(
    content_hash: HashPath, client: ClientDep, settings: SettingsDep, request: Request, response: Response
) -> Response:
    """What GET answers, without the body: a crawler reads the signals from the headers."""
    get_work(content_hash, client, settings, request, response)
    return Response(headers=dict(response.headers), media_type="application/json")


@router.post(
    "", response_model=RelayReceiptPublic, status_code=201, responses=_WRITE_ERRORS, summary="register (relayed)"
)
def register(body: SignedRequestBody, relayer: RelayerDep) -> RelayReceiptPublic:
    """Relay a registration the user signed (prepare it with POST /relay/prepare, action `register`)."""
    return RelayReceiptPublic.from_receipt(relayer.relay(_signed(body), expect=DecodedCall("register", "", ())))


@router.put(
    "/{content_hash}/terms", response_model=RelayReceiptPublic, responses=_WRITE_ERRORS, summary="set terms (relayed)"
)
def set_terms(content_hash: HashPath, body: SignedRequestBody, relayer: RelayerDep) -> RelayReceiptPublic:
    expect = DecodedCall("set-terms", "", (content_hash,))  # type: ignore[arg-type]
    return RelayReceiptPublic.from_receipt(relayer.relay(_signed(body), expect=expect))


@router.put(
    "/{content_hash}/opt-out", response_model=RelayReceiptPublic, responses=_WRITE_ERRORS, summary="opt out (relayed)"
)
def set_opt_out(content_hash: HashPath, body: SignedRequestBody, relayer: RelayerDep) -> RelayReceiptPublic:
    expect = DecodedCall("opt-out", "", (content_hash,))  # type: ignore[arg-type]
    return RelayReceiptPublic.from_receipt(relayer.relay(_signed(body), expect=expect))
