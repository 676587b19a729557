"""What the gateway reads and returns, by role: `...Public` out, `...Request`/`...Body` in."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, WithJsonSchema
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

from ..client import CheckResult, Work
from ..datasets import Inclusion
from ..disclosure import Disclosure, DisclosureLevel, Phase
from ..errors import ValidationError
from ..hashing import parse_hash
from ..licensing import Licence, LicenceSource, OfferVerification, SignedOffer
from ..provenance import TrailEntry
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


# ---------------------------------------------------------------------- AI label and provenance


def json_safe(value: Any) -> Any:
    """Integers beyond JavaScript's exact range (2**53) as decimal strings, recursively."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return str(value) if abs(value) >= 2**53 else value
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    return value


NO_LABEL_TEXT = "the holder has not said whether or how AI was involved in making this work"


class LabelPublic(Schema):
    content_hash: str
    disclosed: bool = Field(description="false: the holder has set no AI-disclosure label")
    level: DisclosureLevel | None = Field(description="how AI was involved, least to most")
    phases: list[Phase] = Field(description="the phases in which AI was used")
    tools: str = Field(description="the AI tools named by the holder")
    text: str | None = Field(description="the compact text form, e.g. ai-assisted-production/drafting;tools=GPT-4o")
    digital_source_type: str | None = Field(
        description="IPTC digital source type URI (or this project's extension term)"
    )
    iptc_fallback: str | None = Field(
        description="an IPTC code for consumers that need one, where the type is an extension"
    )
    plain: str = Field(description="the label in plain words")
    set_at: datetime | None
    set_by: str | None

    @classmethod
    def build(cls, content_hash: str, label: Disclosure | None) -> LabelPublic:
        if label is None:
            return cls(
                content_hash=content_hash, disclosed=False, level=None, phases=[], tools="", text=None,
                digital_source_type=None, iptc_fallback=None, plain=NO_LABEL_TEXT, set_at=None, set_by=None,
            )  # fmt: skip
        data = label.to_json_dict()
        return cls(
            content_hash=content_hash,
            disclosed=True,
            level=label.level,
            phases=[p for p in Phase if p in label.phases],
            tools=label.tools,
            text=label.to_text(),
            digital_source_type=label.iptc_digital_source_type,
            iptc_fallback=str(data["iptcFallback"]) if "iptcFallback" in data else None,
            plain=label.describe()[0].upper() + label.describe()[1:],
            set_at=label.set_at,
            set_by=label.set_by,
        )


STAGE_TEXT: dict[str, str] = {
    "registered": "registered in the registry",
    "holdership-transferred": "passed to a new holder",
    "terms-changed": "terms of use changed",
    "opt-out-changed": "opt-outs changed",
    "status-marked": "verification status marked by a registrar",
    "created": "created",
    "digitised": "digitised",
    "transformed": "transformed (edited, restored, re-encoded)",
    "derived-from": "made from other works",
    "disclosure-set": "AI disclosure label set",
    "licensed": "licence issued",
    "derivative-registered": "a derivative of it was registered",
    "royalty-set": "resale royalty set",
}


class TrailEntryPublic(Schema):
    stage: str = Field(description="registered, holdership-transferred, terms-changed, opt-out-changed, ...")
    plain: str = Field(description="the stage in plain words")
    block: int
    log_index: int
    transaction: str
    timestamp: datetime
    actor: str = Field(description="who acted (the signer of a relayed request, not the relayer)")
    source: str = Field(description="the contract event it was read from")
    details: dict[str, Any]
    summary: str = Field(description="the details in a few words")

    @classmethod
    def from_entry(cls, entry: TrailEntry) -> TrailEntryPublic:
        return cls(
            stage=entry.stage,
            plain=STAGE_TEXT.get(entry.stage, entry.stage),
            block=entry.block,
            log_index=entry.log_index,
            transaction=entry.transaction,
            timestamp=entry.timestamp,
            actor=entry.actor,
            source=entry.source,
            details=json_safe(dict(entry.details)),
            summary=entry.summary(),
        )


class ProvenancePublic(Schema):
    content_hash: str
    from_block: int = Field(description="the first block read")
    to_block: int = Field(description="the last block read; continue from toBlock + 1")
    count: int
    trail: list[TrailEntryPublic] = Field(description="oldest first (block, then position in the block)")


# ---------------------------------------------------------------------- licences and offers


class LicencePublic(Schema):
    licence_id: int
    content_hash: str
    use: Use
    licensee: str
    source: LicenceSource = Field(description="bought, granted (by the holder), or offer (redeemed)")
    valid_from: datetime
    valid_until: datetime | None = Field(description="null: no end")
    valid_now: bool
    payer: str
    price_wei: str
    price: str
    transaction: str
    block: int
    plain: str

    @classmethod
    def build(cls, licence: Licence, now: datetime) -> LicencePublic:
        how = {LicenceSource.BOUGHT: "bought", LicenceSource.GRANTED: "granted by the holder",
               LicenceSource.OFFER: "redeemed from the holder's offer"}[licence.source]  # fmt: skip
        until = "with no end" if licence.valid_until is None else f"until {licence.valid_until:%Y-%m-%d %H:%M} UTC"
        return cls(
            licence_id=licence.licence_id,
            content_hash=licence.content_hash,
            use=licence.use,
            licensee=licence.licensee,
            source=licence.source,
            valid_from=licence.valid_from,
            valid_until=licence.valid_until,
            valid_now=licence.valid_at(now),
            payer=licence.payer,
            price_wei=str(licence.price),
            price=format_wei(licence.price),
            transaction=licence.transaction,
            block=licence.block,
            plain=f"{licence.use.value} licence for {licence.licensee}, {how} for {format_wei(licence.price)}, {until}",
        )


class LicencesPublic(Schema):
    content_hash: str
    licensee: str | None = Field(description="the licensee asked about, if any")
    count: int
    valid_count: int = Field(description="how many are valid now")
    licences: list[LicencePublic] = Field(description="in the order they were issued")


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


# ---------------------------------------------------------------------- datasets and removal requests

Bytes32Str = Annotated[
    str,
    PlainValidator(_hash),
    WithJsonSchema({"type": "string", "pattern": HASH_PATTERN, "examples": ["0x" + "cd" * 32]}),
]


class PrepareProveInclusion(_Prepare):
    action: Literal["prove-inclusion"]
    dataset_id: int = Field(ge=1, lt=2**64, description="the declared dataset")
    proof: list[Bytes32Str] | None = Field(
        default=None,
        max_length=64,
        description="the Merkle proof (sibling hashes, leaf to root); default: read from the dataset's manifest",
    )


class PrepareRequestRemoval(_Prepare):
    action: Literal["request-removal"]
    dataset_id: int = Field(ge=1, lt=2**64, description="the declared dataset (the work's inclusion proven first)")
    note: str = Field(default="", max_length=1_000, description="a message to the declarer, stored in the event")


PrepareRequest = Annotated[
    PrepareRegister
    | PrepareSetTerms
    | PrepareOptOut
    | PrepareRedeemOffer
    | PrepareProveInclusion
    | PrepareRequestRemoval,
    Field(discriminator="action"),
]

# The registry's answer at the declaration, for the declarer, in plain words.
DECLARED_TEXT: dict[Reason, str] = {
    Reason.ALLOWED_BY_TERMS: "This use was permitted: the holder's terms allowed it when the dataset was declared.",
    Reason.ALLOWED_BY_LICENCE: (
        "This use was permitted: the declarer held a licence for it when the dataset was declared."
    ),
    Reason.DENIED: "This use was not permitted: the terms did not allow it when the dataset was declared.",
    Reason.LICENCE_REQUIRED: (
        "This use was not permitted: it needed a licence, and the declarer held none when the dataset was declared."
    ),
    Reason.OUTSIDE_WINDOW: (
        "This use was not permitted: the terms allowed it only inside a time window, "
        "and the declaration was outside it."
    ),
    Reason.EXPIRED: "This use was not permitted: the terms had expired when the dataset was declared.",
    Reason.OPTED_OUT: "This use was not permitted: the holder had opted it out when the dataset was declared.",
    Reason.UNREGISTERED: (
        "No answer: the work was not registered when the dataset was declared, so no terms permitted or refused it."
    ),
    Reason.DISPUTED: "No answer: a registrar marks the registration disputed, so no use is settled.",
}
REMOVAL_TEXT = {
    "none": "No removal requested.",
    "requested": "Removal requested; the declarer has not acknowledged it yet.",
    "acknowledged": "Removal requested and acknowledged by the declarer.",
}


class DatasetInclusionPublic(Schema):
    dataset_id: int
    declarer: str
    use: Use = Field(description="the use the dataset was declared for")
    declared_at: datetime
    manifest_uri: str
    item_count: int = Field(description="the number of works the declarer says the dataset holds")
    root: str = Field(description="the Merkle root declared")
    found_by: Literal["manifest", "proof"] = Field(
        description="manifest: listed in its readable manifest; proof: proven on-chain (manifest not readable here)"
    )
    permitted: bool = Field(description="the use was permitted for the declarer at the declaration")
    reason: Reason = Field(description="the registry's answer at the declaration (checkAt)")
    plain: str = Field(description="the answer in plain words")
    proven: bool = Field(description="its inclusion is proven on-chain")
    violation: bool = Field(description="a violation is recorded (proven, and not permitted at the declaration)")
    removal: Literal["none", "requested", "acknowledged"]
    removal_plain: str

    @classmethod
    def from_inclusion(cls, inclusion: Inclusion) -> DatasetInclusionPublic:
        dataset, answer, flags = inclusion.dataset, inclusion.permitted, inclusion.status
        removal = inclusion.removal or "none"
        return cls(
            dataset_id=dataset.dataset_id,
            declarer=dataset.declarer,
            use=dataset.use,
            declared_at=dataset.declared_at,
            manifest_uri=dataset.manifest_uri,
            item_count=dataset.item_count,
            root=dataset.root,
            found_by="proof" if inclusion.source == "proof" else "manifest",
            permitted=answer.allowed,
            reason=answer.reason,
            plain=DECLARED_TEXT[answer.reason],
            proven=flags.proven,
            violation=flags.violation,
            removal=removal,
            removal_plain=REMOVAL_TEXT[removal],
        )


class DatasetsPublic(Schema):
    content_hash: str
    indexed_to: int = Field(description="the last block the gateway's index has read")
    count: int
    datasets: list[DatasetInclusionPublic] = Field(description="by dataset id")
