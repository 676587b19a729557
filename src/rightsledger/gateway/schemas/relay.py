"""Relayed writes: ERC-2771 forward requests, the actions `POST /relay/prepare` takes, receipts."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from ...relay import ForwardRequest, RelayReceipt
from ...terms import Terms
from ...vocabulary import Use
from .common import AddressStr, HexStr, PrepareBase, Schema, Uint48, Uint256
from .datasets import PrepareProveInclusion, PrepareRequestRemoval
from .offers import PrepareRedeemOffer


class ForwardRequestBody(Schema):
    """An ERC-2771 `ForwardRequest` (EIP-712, signed by `from`)."""

    sender: AddressStr = Field(alias="from")
    to: AddressStr
    value: Uint256
    gas: Uint256
    nonce: Uint256
    deadline: Uint48
    data: HexStr

    def to_sdk(self) -> ForwardRequest:
        return ForwardRequest(
            sender=self.sender,
            to=self.to,
            value=self.value,
            gas=self.gas,
            nonce=self.nonce,
            deadline=self.deadline,
            data=self.data,
        )

    @classmethod
    def from_sdk(cls, request: ForwardRequest) -> ForwardRequestBody:
        return cls.model_validate(
            {
                "from": request.sender,
                "to": request.to,
                "value": request.value,
                "gas": request.gas,
                "nonce": request.nonce,
                "deadline": request.deadline,
                "data": request.data,
            }
        )


class SignedRequestBody(Schema):
    request: ForwardRequestBody
    signature: HexStr = Field(description="65-byte EIP-712 signature (r, s, v) by request.from")


class PrepareRegister(PrepareBase):
    action: Literal["register"]
    terms: Terms | None = Field(
        default=None,
        description="terms: by their policy id if stored, else carried in the request (`registerWithTerms`), "
        "which stores them when it is signed and sent ...",
    )
    policy_id: int | None = Field(default=None, ge=0, lt=2**32, description="... or an existing policy id")
    holder: AddressStr | None = None
    metadata_uri: str = Field(default="", max_length=2_048)
    iscc: str | None = Field(
        default=None, max_length=200,
        description="the work's ISCC Content-Code (or an ISCC-CODE holding one): recorded on chain "
        "(`registerWithCode`), so its near copies are found; refused with 409 `similar-work` when it is "
        "within the threshold of another holder's registered work, unless `allowSimilar`")
    allow_similar: bool = Field(default=False, description="register even if `iscc` is near another holder's work")


class PrepareSetTerms(PrepareBase):
    action: Literal["set-terms"]
    terms: Terms | None = Field(
        default=None, description="terms: by their policy id if stored, else carried in the request (`setTerms`) ..."
    )
    policy_id: int | None = Field(default=None, ge=0, lt=2**32)


class PrepareOptOut(PrepareBase):
    action: Literal["opt-out"]
    uses: list[Use] = Field(
        max_length=7, description="exactly the uses to opt out after this request (an empty list opts back in)"
    )


class PreparedRequest(Schema):
    action: str
    request: ForwardRequestBody
    typed_data: dict[str, Any] = Field(description="the EIP-712 document to sign with eth_signTypedData_v4")
    chain_id: int
    forwarder: str


class NoncePublic(Schema):
    address: str
    nonce: int = Field(description="the nonce the next request of this signer must carry")


class RelayReceiptPublic(Schema):
    action: str
    function: str
    signer: str
    nonce: int
    content_hashes: list[str]
    transaction: str
    block: int
    gas_used: int
    relayer: str
    events: list[dict[str, Any]]
    batch_size: int = Field(
        default=1, description="requests relayed in the same transaction (gasUsed is the whole transaction's)"
    )

    @classmethod
    def from_receipt(cls, receipt: RelayReceipt) -> RelayReceiptPublic:
        return cls(
            action=receipt.action,
            function=receipt.function,
            signer=receipt.signer,
            nonce=receipt.nonce,
            content_hashes=list(receipt.content_hashes),
            transaction=receipt.transaction,
            block=receipt.block,
            gas_used=receipt.gas_used,
            relayer=receipt.relayer,
            batch_size=receipt.batch_size,
            events=[
                {k: (str(v) if isinstance(v, int) and v >= 2**53 else v) for k, v in e.items()} for e in receipt.events
            ],
        )


PrepareRequest = Annotated[
    PrepareRegister
    | PrepareSetTerms
    | PrepareOptOut
    | PrepareRedeemOffer
    | PrepareProveInclusion
    | PrepareRequestRemoval,
    Field(discriminator="action"),
]
