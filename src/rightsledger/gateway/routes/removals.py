"""A holder's removal requests (relayed, signed by the holder): prove the work is in a declared
dataset (recording a violation if the use was not permitted when it was declared), then ask the
declarer to remove it. Prepare each with POST /relay/prepare (`prove-inclusion`, `request-removal`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from ...relay import DecodedCall, SignedForwardRequest
from ..deps import RelayerDep
from ..schemas import ErrorPublic, RelayReceiptPublic, SignedRequestBody
from .works import HashPath

FEATURE = "removal-requests"
router = APIRouter(prefix="/works", tags=["datasets"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorPublic, "description": "expired, forged or mismatched request"},
    403: {"model": ErrorPublic, "description": "DatasetNotHolder (not the holder or an approved operator)"},
    404: {"model": ErrorPublic, "description": "DatasetUnknown"},
    409: {"model": ErrorPublic, "description": "replayed nonce; proven already; not proven yet; requested already"},
    422: {"model": ErrorPublic, "description": "DatasetInvalidProof, or a malformed request"},
    503: {"model": ErrorPublic, "description": "this gateway relays no writes"},
}


def _relay(relayer: RelayerDep, body: SignedRequestBody, action: str, content_hash: str) -> RelayReceiptPublic:
    signed = SignedForwardRequest(body.request.to_sdk(), body.signature)
    expect = DecodedCall(action, "", (content_hash,))  # type: ignore[arg-type]
    return RelayReceiptPublic.from_receipt(relayer.relay(signed, expect=expect))


@router.post(
    "/{content_hash}/proofs",
    response_model=RelayReceiptPublic,
    status_code=201,
    responses=_ERRORS,
    summary="prove the work is in a dataset (relayed); a violation is recorded if the use was not permitted",
)
def prove_inclusion(content_hash: HashPath, body: SignedRequestBody, relayer: RelayerDep) -> RelayReceiptPublic:
    """The receipt's events: `InclusionProven` (with the reason at the declaration) and, for a use
    that was not permitted, `ViolationRecorded`."""
    return _relay(relayer, body, "prove-inclusion", content_hash)


@router.post(
    "/{content_hash}/removal-requests",
    response_model=RelayReceiptPublic,
    status_code=201,
    responses=_ERRORS,
    summary="ask a dataset's declarer to remove the work (relayed; the holder signs, after its inclusion is proven)",
)
def request_removal(content_hash: HashPath, body: SignedRequestBody, relayer: RelayerDep) -> RelayReceiptPublic:
    return _relay(relayer, body, "request-removal", content_hash)
