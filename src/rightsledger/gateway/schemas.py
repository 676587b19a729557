"""What the gateway reads and returns, by role: `...Public` out, `...Request`/`...Body` in."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, WithJsonSchema
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

from ..client import CheckResult, Work
from ..errors import ValidationError
from ..hashing import parse_hash
from ..relay import ForwardRequest, RelayReceipt
from ..terms import Terms, format_wei
from ..vocabulary import REASON_TEXT, Reason, Status, Use

HASH_PATTERN = r"^(0x)?[0-9a-fA-F]{64}$"
ADDRESS_PATTERN = r"^0x[0-9a-fA-F]{40}$"
HEX_PATTERN = r"^0x([0-9a-fA-F]{2})*$"
EXAMPLE_HASH = "0x" + "ab" * 32


def _hash(value: Any) -> str:
    if not isinstance(value, str):
        raise PydanticCustomError("invalid_hash", "a content hash is a string of 64 hex digits")
    try:
        return parse_hash(value)
    except ValidationError as exc:
        raise PydanticCustomError("invalid_hash", str(exc)) from None


def _address(value: Any) -> str:
    if not isinstance(value, str) or not re.match(ADDRESS_PATTERN, value):
        raise PydanticCustomError("invalid_address", "an address is 0x and 40 hex digits")
    return value


def _hex(value: Any) -> str:
    if not isinstance(value, str) or not re.match(HEX_PATTERN, value):
        raise PydanticCustomError("invalid_hex", "expected 0x and an even number of hex digits")
    return value.lower()


def _uint(bits: int) -> Any:
    def parse(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise PydanticCustomError("invalid_number", "expected an integer (or its decimal string)")
        if isinstance(value, str) and not value.isdigit():
            raise PydanticCustomError("invalid_number", "expected a decimal integer")
        number = int(value)
        if not 0 <= number < 2**bits:
            raise PydanticCustomError("invalid_number", f"must be between 0 and 2**{bits}-1")
        return number

    return parse


ContentHashStr = Annotated[
    str,
    PlainValidator(_hash),
    WithJsonSchema({"type": "string", "pattern": HASH_PATTERN, "examples": [EXAMPLE_HASH]}),
]
AddressStr = Annotated[
    str,
    PlainValidator(_address),
    WithJsonSchema({"type": "string", "pattern": ADDRESS_PATTERN, "examples": ["0x" + "70" * 20]}),
]
HexStr = Annotated[str, PlainValidator(_hex), WithJsonSchema({"type": "string", "pattern": HEX_PATTERN})]
Uint256 = Annotated[
    int,
    PlainValidator(_uint(256)),
    WithJsonSchema({"anyOf": [{"type": "integer", "minimum": 0}, {"type": "string", "pattern": r"^[0-9]{1,78}$"}]}),
]
Uint48 = Annotated[
    int, PlainValidator(_uint(48)), WithJsonSchema({"type": "integer", "minimum": 0, "maximum": 2**48 - 1})
]


class Schema(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class ErrorDetail(Schema):
    code: str = Field(description="stable machine-readable code, e.g. invalid-hash, work-not-registered")
    message: str = Field(description="what went wrong and what to do next, in plain words")
    contract_error: str | None = Field(default=None, description="the decoded custom error, for contract reverts")
    details: Any = None


class ErrorPublic(Schema):
    error: ErrorDetail


# ---------------------------------------------------------------------- works and terms


class RulePublic(Schema):
    use: Use
    mode: str
    plain: str = Field(description="the rule in plain words")
    opted_out: bool = Field(description="the holder opted this use out: no open use, no new licences")
    start: datetime | None
    end: datetime | None
    fee_wei: str = Field(description="licence fee in wei (decimal string)")
    fee: str = Field(description="the fee for people, e.g. 0.01 ETH")
    attribution: bool
    share_alike: bool
    revenue_share_bps: int


class TermsPublic(Schema):
    policy_id: int
    expires: datetime | None
    rules: list[RulePublic] = Field(description="one per use, in the vocabulary's order")

    @classmethod
    def build(cls, policy_id: int, terms: Terms, opted_out: tuple[Use, ...] = ()) -> TermsPublic:
        rules = []
        for use in Use:
            rule = terms.rule(use)
            plain = rule.describe()
            if use in opted_out:
                plain = f"opted out by the holder (the terms say: {plain})"
            rules.append(
                RulePublic(
                    use=use,
                    mode=rule.mode.value,
                    plain=plain,
                    opted_out=use in opted_out,
                    start=rule.start,
                    end=rule.end,
                    fee_wei=str(rule.fee),
                    fee=format_wei(rule.fee),
                    attribution=rule.attribution,
                    share_alike=rule.share_alike,
                    revenue_share_bps=rule.revenue_share_bps,
                )
            )
        return cls(policy_id=policy_id, expires=terms.expires, rules=rules)


STATUS_TEXT = {
    Status.UNVERIFIED: "not yet verified by a registrar",
    Status.VERIFIED: "verified by a registrar (a collective management organisation or heritage institution)",
    Status.DISPUTED: "disputed: a registrar contests this registration; every use is suspended",
}


class WorkPublic(Schema):
    content_hash: str
    holder: str
    registrant: str
    registered_at: datetime
    registration_id: int
    status: Status
    status_plain: str
    metadata_uri: str
    opted_out: list[Use]
    terms: TermsPublic

    @classmethod
    def from_work(cls, work: Work) -> WorkPublic:
        return cls(
            content_hash=work.content_hash,
            holder=work.holder,
            registrant=work.registrant,
            registered_at=work.registered_at,
            registration_id=work.registration_id,
            status=work.status,
            status_plain=STATUS_TEXT[work.status],
            metadata_uri=work.metadata_uri,
            opted_out=list(work.opted_out),
            terms=TermsPublic.build(work.policy_id, work.terms, work.opted_out),
        )


class PolicyPublic(Schema):
    policy_id: int
    terms: Terms = Field(description="the terms in the terms-file form")
    plain: TermsPublic


# ---------------------------------------------------------------------- checks


class CheckPublic(Schema):
    content_hash: str
    use: Use
    allowed: bool
    reason: Reason
    plain: str

    @classmethod
    def from_result(cls, result: CheckResult) -> CheckPublic:
        return cls(
            content_hash=result.content_hash,
            use=result.use,
            allowed=result.allowed,
            reason=result.reason,
            plain=REASON_TEXT[result.reason],
        )


class CheckManyRequest(Schema):
    use: Use
    hashes: list[ContentHashStr] = Field(
        min_length=1, json_schema_extra={"maxItems": 10_000}, description="up to 10,000 content hashes"
    )
    licensee: AddressStr | None = None
    at: datetime | None = Field(default=None, description="answer for this moment (default: the latest block)")


class CheckItem(Schema):
    content_hash: str
    allowed: bool
    reason: Reason


class ChecksPublic(Schema):
    use: Use
    licensee: str | None
    count: int
    allowed_count: int
    results: list[CheckItem] = Field(description="in the order of the hashes asked")


# ---------------------------------------------------------------------- relayed writes


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


class _Prepare(Schema):
    sender: AddressStr = Field(alias="from", description="the account that will sign")
    content_hash: ContentHashStr


class PrepareRegister(_Prepare):
    action: Literal["register"]
    terms: Terms | None = Field(default=None, description="terms (stored as a policy by the relayer) ...")
    policy_id: int | None = Field(default=None, ge=0, lt=2**32, description="... or an existing policy id")
    holder: AddressStr | None = None
    metadata_uri: str = Field(default="", max_length=2_048)


class PrepareSetTerms(_Prepare):
    action: Literal["set-terms"]
    terms: Terms | None = None
    policy_id: int | None = Field(default=None, ge=0, lt=2**32)


class PrepareOptOut(_Prepare):
    action: Literal["opt-out"]
    uses: list[Use] = Field(
        max_length=7, description="exactly the uses to opt out after this request (an empty list opts back in)"
    )


PrepareRequest = Annotated[PrepareRegister | PrepareSetTerms | PrepareOptOut, Field(discriminator="action")]


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
            events=[
                {k: (str(v) if isinstance(v, int) and v >= 2**53 else v) for k, v in e.items()} for e in receipt.events
            ],
        )


# ---------------------------------------------------------------------- about the gateway


class UsePublic(Schema):
    use: Use
    plain: str


class LimitsPublic(Schema):
    max_body_bytes: int
    max_batch: int
    rate_limit: float
    rate_burst: int
    relay_max_gas: int


class InfoPublic(Schema):
    name: str
    version: str
    chain_id: int
    block: int
    contracts: dict[str, str]
    relayer: str | None = Field(description="the account paying for relayed writes; null: writes are off")
    dev_keys: bool = Field(description="the page may sign with the local chain's public development keys")
    features: dict[str, bool] = Field(description="which parts of the API this gateway has")
    limits: LimitsPublic
    uses: list[UsePublic]


class DevAccountPublic(Schema):
    index: int
    address: str
    private_key: str
    label: str


class DevAccountsPublic(Schema):
    warning: str
    count: int
    accounts: list[DevAccountPublic]
