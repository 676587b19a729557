"""Signed licence offers: checking one, and the relay action that redeems a free one."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from ...licensing import OfferVerification, SignedOffer
from ...terms import format_wei
from ...vocabulary import Use
from .common import AddressStr, Schema


class OfferFileBody(Schema):
    """A signed licence offer as `rightsledger licence offer --out OFFER.json` writes it."""

    kind: str = Field(description='"rightsledger-licence-offer"')
    version: int
    summary: str | None = Field(
        default=None, max_length=2_048, description="ignored: the terms are read from typedData"
    )
    typed_data: dict[str, Any] = Field(description="the EIP-712 LicenceOffer the holder signed")
    signature: str

    def to_sdk(self) -> SignedOffer:
        return SignedOffer.from_json_dict(self.model_dump(by_alias=True), source="the offer")


class OfferProblemPublic(Schema):
    code: str = Field(description="offer-expired, offer-used-up, offer-cancelled, offer-bad-signature, ...")
    message: str


RELAY_FREE_TEXT = "free: the gateway can send the redemption for you (you sign, it pays the gas)"
RELAY_PAID_TEXT = (
    "this offer has a price: redeem it from your own wallet (`rightsledger licence redeem OFFER.json`); "
    "the gateway never pays a price for you"
)


class OfferVerificationPublic(Schema):
    offer_hash: str = Field(description="the EIP-712 digest; the contract counts redemptions under it")
    summary: str = Field(description="the offer in plain words")
    content_hash: str
    use: Use
    licensee: str | None = Field(description="null: anyone who redeems it")
    price_wei: str
    price: str
    free: bool
    valid_until: datetime = Field(description="the licence's end")
    expires_at: datetime = Field(description="the offer's own end: it cannot be redeemed from then on")
    max_redemptions: int
    redemptions: int
    cancelled: bool
    signer: str
    signature_valid: bool
    signer_is_holder: bool = Field(description="the signer holds the work (or operates for its holder) now")
    chain_id: int
    verifying_contract: str
    redeemable: bool = Field(description="true: nothing stands in the way of redeeming it now")
    problems: list[OfferProblemPublic]
    relayable: bool = Field(description="redeemable and free: POST /relay/prepare with action redeem-offer")
    how_to_redeem: str

    @classmethod
    def build(cls, checked: OfferVerification, *, relay: bool) -> OfferVerificationPublic:
        offer = checked.signed.offer
        return cls(
            offer_hash=checked.offer_hash,
            summary=offer.describe(),
            content_hash=offer.content_hash,
            use=offer.use,
            licensee=offer.licensee,
            price_wei=str(offer.price),
            price=format_wei(offer.price),
            free=checked.free,
            valid_until=offer.valid_until,
            expires_at=offer.expires_at,
            max_redemptions=offer.max_redemptions,
            redemptions=checked.redemptions,
            cancelled=checked.cancelled,
            signer=offer.signer,
            signature_valid=checked.signature_valid,
            signer_is_holder=checked.signer_is_holder,
            chain_id=checked.signed.chain_id,
            verifying_contract=checked.signed.verifying_contract,
            redeemable=checked.redeemable,
            problems=[OfferProblemPublic(code=p.code, message=p.message) for p in checked.problems],
            relayable=relay and checked.redeemable and checked.free,
            how_to_redeem=RELAY_FREE_TEXT if checked.free else RELAY_PAID_TEXT,
        )


class PrepareRedeemOffer(Schema):
    action: Literal["redeem-offer"]
    sender: AddressStr = Field(alias="from", description="the account that will sign (and pay nothing)")
    offer: OfferFileBody
    licensee: AddressStr | None = Field(default=None, description="for an offer open to anyone: who gets the licence")
