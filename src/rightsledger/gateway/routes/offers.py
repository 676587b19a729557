"""Licence offers a holder signed off-chain (JSON files): check one, and redeem a free one through the
relayer. An offer with a price is redeemed from the licensee's own wallet: the relayer never pays."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from ...relay import DecodedCall, SignedForwardRequest
from ..deps import ClientDep, RelayerDep, StateDep
from ..schemas import ErrorPublic, OfferFileBody, OfferVerificationPublic, RelayReceiptPublic, SignedRequestBody

FEATURE = "offers"
router = APIRouter(prefix="/offers", tags=["offers"])

_REDEEM_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorPublic, "description": "expired, forged or mismatched request"},
    403: {"model": ErrorPublic, "description": "offer-not-free (redeem it from your wallet), or not for this licensee"},
    409: {"model": ErrorPublic, "description": "replayed nonce; the offer expired, was used up or cancelled"},
    422: {"model": ErrorPublic},
    503: {"model": ErrorPublic, "description": "this gateway relays no writes"},
}


@router.post(
    "/verify",
    response_model=OfferVerificationPublic,
    responses={422: {"model": ErrorPublic}},
    summary="check an offer file: its signature, state and whether it can be redeemed now, in plain words",
)
def verify_offer(body: OfferFileBody, client: ClientDep, state: StateDep) -> OfferVerificationPublic:
    checked = client.licensing.verify_offer(body.to_sdk())
    return OfferVerificationPublic.build(checked, relay=state.relayer is not None)


@router.post(
    "/redeem",
    response_model=RelayReceiptPublic,
    status_code=201,
    responses=_REDEEM_ERRORS,
    summary="redeem a free offer (relayed; prepare it with POST /relay/prepare, action redeem-offer)",
)
def redeem_offer(body: SignedRequestBody, relayer: RelayerDep) -> RelayReceiptPublic:
    signed = SignedForwardRequest(body.request.to_sdk(), body.signature)
    return RelayReceiptPublic.from_receipt(relayer.relay(signed, expect=DecodedCall("redeem-offer", "", ())))
