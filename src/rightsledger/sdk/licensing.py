"""Licences, payments and derivatives: the SDK side of the LicenceManager contract.

A licence grants (licensee, work, use, valid until). It is bought for the terms' fee, granted
by the holder, or redeemed from an offer the holder signed off-chain (EIP-712 typed data
saved as a JSON file that can be e-mailed). Income accrues to balances that holders
withdraw. Derivatives are registered through the licence manager, which enforces each
parent's `derivative` rule and pays parents their share of the derivative's licence income.

Reach it as `client.licensing` on a connected `RightsLedger`.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils.address import is_address, to_checksum_address
from eth_utils.crypto import keccak
from web3.logs import DISCARD
from web3.types import EventData, TxReceipt

from .contracts import abi
from .errors import ContractRevert, NotFoundError, ValidationError
from .hashing import ContentLike, content_hash, parse_hash
from .logs import fetcher, logs_in_pages
from .terms import MAX_TIME, Terms, format_wei, from_timestamp, parse_fee, to_timestamp
from .vocabulary import ContentHash, PolicyId, RegistrationId, Use

if TYPE_CHECKING:
    from .client import Registration, RightsLedger

FOREVER = 2**40 - 1
"""The `validUntil` of a licence that never ends."""
MAX_PARENTS = 16
OFFER_KIND = "rightsledger-licence-offer"
OFFER_FILE_VERSION = 1
DOMAIN_NAME = "rightsledger licences"
DOMAIN_VERSION = "1"
DEFAULT_OFFER_LIFETIME = timedelta(days=30)

OFFER_TYPES: dict[str, list[dict[str, str]]] = {
    "EIP712Domain": [
        {"name": "name", "type": "string"},
        {"name": "version", "type": "string"},
        {"name": "chainId", "type": "uint256"},
        {"name": "verifyingContract", "type": "address"},
    ],
    "LicenceOffer": [
        {"name": "contentHash", "type": "bytes32"},
        {"name": "use", "type": "uint8"},
        {"name": "licensee", "type": "address"},
        {"name": "price", "type": "uint256"},
        {"name": "validUntil", "type": "uint40"},
        {"name": "expiresAt", "type": "uint40"},
        {"name": "maxRedemptions", "type": "uint32"},
        {"name": "signer", "type": "address"},
        {"name": "nonce", "type": "uint256"},
    ],
}
_ZERO = "0x" + "00" * 20
_ERC1271_MAGIC = bytes.fromhex("1626ba7e")
_ERC1271_ABI: list[dict[str, Any]] = [
    {
        "type": "function",
        "name": "isValidSignature",
        "stateMutability": "view",
        "inputs": [{"name": "hash", "type": "bytes32"}, {"name": "signature", "type": "bytes"}],
        "outputs": [{"name": "magicValue", "type": "bytes4"}],
    }
]


class LicenceSource(StrEnum):
    """How a licence came about (the contract's SOURCE_* numbers, in order)."""

    BOUGHT = "bought"
    GRANTED = "granted"
    OFFER = "offer"


@dataclass(frozen=True)
class Licence:
    """One issued licence, as its LicenceIssued event records it.

    `valid_from`..`valid_until` is the licensee's continuous licensed period after this licence
    (a licence issued while an earlier one runs extends it); `valid_until` None means forever.
    """

    licence_id: int
    content_hash: ContentHash
    use: Use
    licensee: str
    source: LicenceSource
    valid_from: datetime
    valid_until: datetime | None
    payer: str
    price: int
    transaction: str
    block: int

    def valid_at(self, when: datetime) -> bool:
        return self.valid_from <= when and (self.valid_until is None or when < self.valid_until)


@dataclass(frozen=True)
class Earnings:
    """What an account may withdraw now, and all it has earned from licences so far (wei)."""

    account: str
    withdrawable: int
    earned: int


@dataclass(frozen=True)
class Parent:
    """A parent of a derivative and the share of the derivative's licence income it takes."""

    content_hash: ContentHash
    revenue_share_bps: int


@dataclass(frozen=True)
class DerivativeRegistration:
    """A derivative registered through the licence manager."""

    registration: Registration
    parents: tuple[Parent, ...]

    @property
    def content_hash(self) -> ContentHash:
        return self.registration.content_hashes[0]

    @property
    def policy_id(self) -> PolicyId:
        return self.registration.policy_id


@dataclass(frozen=True)
class Offer:
    """The terms of a licence offer. `licensee` None: anyone who redeems it."""

    content_hash: ContentHash
    use: Use
    price: int
    valid_until: datetime
    expires_at: datetime
    signer: str
    licensee: str | None = None
    max_redemptions: int = 1
    nonce: int = 0

    def message(self) -> dict[str, Any]:
        """The EIP-712 message (values as the signer signs them)."""
        return {
            "contentHash": bytes.fromhex(self.content_hash[2:]),
            "use": self.use.code,
            "licensee": self.licensee or _ZERO,
            "price": self.price,
            "validUntil": to_timestamp(self.valid_until),
            "expiresAt": to_timestamp(self.expires_at),
            "maxRedemptions": self.max_redemptions,
            "signer": self.signer,
            "nonce": self.nonce,
        }

    def as_tuple(self) -> tuple[Any, ...]:
        """The contract's `LicenceOffer` struct."""
        return tuple(self.message().values())

    def describe(self) -> str:
        who = self.licensee or "anyone"
        until = self.valid_until.strftime("%Y-%m-%d %H:%M UTC")
        uses = "once" if self.max_redemptions == 1 else f"up to {self.max_redemptions} times"
        return (
            f"{self.use.value} licence of {self.content_hash} for {who} at {format_wei(self.price)}, valid until "
            f"{until}; redeemable {uses} before {self.expires_at:%Y-%m-%d %H:%M UTC}"
        )


@dataclass(frozen=True)
class OfferProblem:
    """Why an offer cannot be redeemed now: a stable code and plain words."""

    code: str
    message: str


@dataclass(frozen=True)
class OfferVerification:
    """What an offer is and whether it can be redeemed now, checked against the chain."""

    signed: SignedOffer
    offer_hash: str
    signature_valid: bool
    redemptions: int
    cancelled: bool
    signer_is_holder: bool
    checked_at: datetime
    problems: tuple[OfferProblem, ...]

    @property
    def redeemable(self) -> bool:
        return not self.problems

    @property
    def free(self) -> bool:
        return self.signed.offer.price == 0


@dataclass(frozen=True)
class SignedOffer:
    """An offer signed by the holder for one chain and one licence manager: what a holder e-mails."""

    offer: Offer
    chain_id: int
    verifying_contract: str
    signature: str

    def typed_data(self) -> dict[str, Any]:
        return _typed_data(self.offer, self.chain_id, self.verifying_contract)

    @property
    def offer_hash(self) -> str:
        """The EIP-712 digest the signer signed; the contract tracks redemptions under it."""
        return offer_digest(self.offer, self.chain_id, self.verifying_contract)

    def to_json_dict(self) -> dict[str, Any]:
        message = self.offer.message()
        message["contentHash"] = self.offer.content_hash
        message["price"] = str(self.offer.price)
        message["nonce"] = str(self.offer.nonce)
        typed = self.typed_data()
        typed["message"] = message
        return {
            "kind": OFFER_KIND,
            "version": OFFER_FILE_VERSION,
            "summary": self.offer.describe(),
            "typedData": typed,
            "signature": self.signature,
        }

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.write_text(json.dumps(self.to_json_dict(), indent=2) + "\n")
        return path

    @classmethod
    def from_json_dict(cls, data: Any, *, source: str = "offer") -> SignedOffer:
        try:
            if not isinstance(data, dict) or data.get("kind") != OFFER_KIND:
                raise ValueError(f'it is not a rightsledger licence offer (no "kind": "{OFFER_KIND}")')
            if data.get("version") != OFFER_FILE_VERSION:
                raise ValueError(f"version {data.get('version')!r} is not {OFFER_FILE_VERSION}")
            typed = data["typedData"]
            domain, message = typed["domain"], typed["message"]
            if typed.get("primaryType") != "LicenceOffer" or domain.get("name") != DOMAIN_NAME:
                raise ValueError("its typed data is not a LicenceOffer of rightsledger")
            licensee = _address(message["licensee"], "licensee")
            offer = Offer(
                content_hash=parse_hash(str(message["contentHash"])),
                use=cast(Use, Use.from_code(int(message["use"]))),
                price=_uint(message["price"], "price", 256),
                valid_until=_time(message["validUntil"], "validUntil"),
                expires_at=_time(message["expiresAt"], "expiresAt"),
                signer=_address(message["signer"], "signer"),
                licensee=None if int(licensee, 16) == 0 else licensee,
                max_redemptions=_uint(message["maxRedemptions"], "maxRedemptions", 32),
                nonce=_uint(message["nonce"], "nonce", 256),
            )
            signature = str(data["signature"])
            if not signature.startswith("0x") or len(bytes.fromhex(signature[2:])) < 64:
                raise ValueError("its signature is not hex bytes")
            return cls(
                offer=offer,
                chain_id=_uint(domain["chainId"], "chainId", 256),
                verifying_contract=_address(domain["verifyingContract"], "verifyingContract"),
                signature=signature,
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            detail = f"field {exc} is missing" if isinstance(exc, KeyError) else str(exc)
            raise ValidationError(f"{source} is not a usable licence offer: {detail}", code="invalid-offer") from None

    @classmethod
    def load(cls, path: str | Path) -> SignedOffer:
        path = Path(path)
        try:
            text = path.read_text()
        except FileNotFoundError:
            raise NotFoundError(f"offer file {path} does not exist") from None
        except (IsADirectoryError, UnicodeDecodeError):
            raise ValidationError(f"offer file {path} is not a JSON text file") from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValidationError(f"offer file {path} is not valid JSON: {exc.msg} at line {exc.lineno}") from None
        return cls.from_json_dict(data, source=f"offer file {path}")


def _typed_data(offer: Offer, chain_id: int, verifying_contract: str) -> dict[str, Any]:
    return {
        "types": OFFER_TYPES,
        "primaryType": "LicenceOffer",
        "domain": {
            "name": DOMAIN_NAME,
            "version": DOMAIN_VERSION,
            "chainId": chain_id,
            "verifyingContract": verifying_contract,
        },
        "message": offer.message(),
    }


def offer_digest(offer: Offer, chain_id: int, verifying_contract: str) -> str:
    """The EIP-712 digest of an offer for one chain and licence manager (what LicenceManager.hashOffer returns)."""
    signable = encode_typed_data(full_message=_typed_data(offer, chain_id, verifying_contract))
    return "0x" + keccak(b"\x19" + signable.version + signable.header + signable.body).hex()


def _address(value: Any, what: str) -> str:
    if not isinstance(value, str) or not is_address(value):
        raise ValueError(f"{what} {value!r} is not an address")
    return str(to_checksum_address(value))


def _uint(value: Any, what: str, bits: int) -> int:
    if isinstance(value, bool):
        raise ValueError(f"{what} {value!r} is not a whole number")
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValueError(f"{what} {value!r} is not a whole number") from None
    if not 0 <= number < 2**bits:
        raise ValueError(f"{what} {value!r} is out of range")
    return number


def _time(value: Any, what: str) -> datetime:
    seconds = _uint(value, what, 40)
    if seconds == 0:
        raise ValueError(f"{what} is zero")
    return datetime.fromtimestamp(min(seconds, MAX_TIME), tz=UTC)


class Licensing:
    """Licences, offers, earnings and derivatives for one client (its chain, deployment and account)."""

    def __init__(self, client: RightsLedger) -> None:
        self.client = client
        self.address_of_contract = to_checksum_address(client.deployment.licence_manager)
        self.contract = client.w3.eth.contract(address=self.address_of_contract, abi=abi("LicenceManager"))

    # ------------------------------------------------------------------ getting a licence

    def fee(self, item: ContentLike, use: Use | str) -> int:
        """The fee the work's terms ask for a licence of `use` (wei)."""
        return self.client.work(item).terms.rule(_as_use(use)).fee

    def buy(self, item: ContentLike, use: Use | str, *, licensee: str | None = None) -> Licence:
        """Buy a licence for the terms' fee (paid exactly, from the signing account) for `licensee` (default: self)."""
        use = _as_use(use)
        digest = content_hash(item)
        price = self.fee(digest, use)
        who = self._address(licensee, "licensee")
        call = self.contract.functions.buyLicence(digest, use.code, who)
        receipt = self.client._send(call, f"buying a {use} licence of {digest}", value=price)
        return self._licence_from(receipt)

    def grant(
        self, item: ContentLike, use: Use | str, licensee: str, *, until: datetime | int | None = None
    ) -> Licence:
        """Grant a licence free of charge (holder or operator only); `until` None: forever."""
        use = _as_use(use)
        digest = content_hash(item)
        who = self._address(licensee, "licensee")
        valid_until = FOREVER if until is None else to_timestamp(until)
        call = self.contract.functions.grantLicence(digest, use.code, who, valid_until)
        return self._licence_from(self.client._send(call, f"granting a {use} licence of {digest}"))

    def offer(
        self,
        item: ContentLike,
        use: Use | str,
        *,
        price: int | str,
        valid_until: datetime,
        expires_at: datetime | None = None,
        licensee: str | None = None,
        max_redemptions: int = 1,
        nonce: int | None = None,
    ) -> SignedOffer:
        """Sign an offer with this client's key; no transaction, no gas. Save it with `.save(path)`."""
        account = self.client.account
        if account is None:
            self.client.address  # noqa: B018 - raises the ConfigError that explains how to give a key
            raise AssertionError("unreachable")
        now = self._now()
        expires_at = expires_at or now + DEFAULT_OFFER_LIFETIME
        if not 1 <= max_redemptions < 2**32:
            raise ValidationError("max redemptions must be between 1 and 4,294,967,295")
        for when, what in ((valid_until, "the licence's end"), (expires_at, "the offer's expiry")):
            if to_timestamp(when) <= to_timestamp(now):
                raise ValidationError(f"{what} ({when:%Y-%m-%d %H:%M} UTC) is not in the future")
        offer = Offer(
            content_hash=content_hash(item),
            use=_as_use(use),
            price=parse_fee(price) if isinstance(price, str) else _checked_price(price),
            valid_until=valid_until,
            expires_at=expires_at,
            signer=account.address,
            licensee=self._address(licensee, "licensee") if licensee else None,
            max_redemptions=max_redemptions,
            nonce=secrets.randbits(64) if nonce is None else nonce,
        )
        typed = _typed_data(offer, self.client.chain_id, self.address_of_contract)
        signed = account.sign_typed_data(full_message=typed)
        return SignedOffer(offer, self.client.chain_id, self.address_of_contract, "0x" + signed.signature.hex())

    def redeem(self, signed: SignedOffer, *, licensee: str | None = None, check_domain: bool = True) -> Licence:
        """Redeem a signed offer, paying its price. Refuses offers made for another chain or contract."""
        if check_domain and (
            signed.chain_id != self.client.chain_id or signed.verifying_contract != self.address_of_contract
        ):
            raise ValidationError(
                f"this offer was signed for chain {signed.chain_id}, contract {signed.verifying_contract}; "
                f"you are connected to chain {self.client.chain_id}, contract {self.address_of_contract}"
            )
        # address(0) lets the contract choose: the offer's licensee, or the redeemer for an open offer.
        who = self._address(licensee, "licensee") if licensee else _ZERO
        offer = signed.offer
        call = self.contract.functions.redeemOffer(offer.as_tuple(), bytes.fromhex(signed.signature[2:]), who)
        receipt = self.client._send(call, f"redeeming an offer for {offer.content_hash}", value=offer.price)
        return self._licence_from(receipt)

    def cancel(self, signed: SignedOffer | Offer) -> None:
        """Cancel an offer for good (its signer, or the work's holder or operator)."""
        offer = signed.offer if isinstance(signed, SignedOffer) else signed
        call = self.contract.functions.cancelOffer(offer.as_tuple())
        self.client._send(call, f"cancelling an offer for {offer.content_hash}")

    def offer_state(self, signed: SignedOffer) -> tuple[int, bool]:
        """How often the offer was redeemed, and whether it was cancelled."""
        redeemed, cancelled = self.client._call(
            self.contract.functions.offerState(signed.offer_hash), "reading an offer's state"
        )
        return int(redeemed), bool(cancelled)

    def verify_offer(self, signed: SignedOffer) -> OfferVerification:
        """Check an offer against the chain without sending anything: the deployment it was signed
        for, the signature, expiry, redemptions, cancellation, whether its signer still holds the
        work, and whether the work can be licensed now. Each obstacle is one `OfferProblem`."""
        offer = signed.offer
        client = self.client
        problems: list[OfferProblem] = []
        same_deployment = (
            signed.chain_id == client.chain_id and signed.verifying_contract.lower() == self.address_of_contract.lower()
        )
        if not same_deployment:
            problems.append(
                OfferProblem(
                    "offer-wrong-deployment",
                    f"signed for chain {signed.chain_id}, contract {signed.verifying_contract}; this registry is "
                    f"chain {client.chain_id}, contract {self.address_of_contract}",
                )
            )
        offer_hash = signed.offer_hash
        signature_valid = self._signature_valid(signed, offer_hash)
        if not signature_valid:
            problems.append(
                OfferProblem("offer-bad-signature", f"the signature is not {offer.signer}'s over this offer")
            )
        now = self._now()
        if offer.expires_at <= now:
            problems.append(
                OfferProblem("offer-expired", f"the offer expired on {offer.expires_at:%Y-%m-%d %H:%M} UTC")
            )
        redemptions, cancelled = (0, False)
        if same_deployment:
            redemptions, cancelled = self.offer_state(signed)
        if cancelled:
            problems.append(OfferProblem("offer-cancelled", "the holder cancelled this offer"))
        if redemptions >= offer.max_redemptions:
            problems.append(OfferProblem("offer-used-up", f"redeemed {redemptions} time(s), all the offer allows"))
        registered = client.is_registered(offer.content_hash)
        signer_is_holder = registered and bool(
            client._call(
                client.works.functions.isHolderOrOperator(offer.content_hash, offer.signer), "reading the holder"
            )
        )
        if not registered:
            problems.append(OfferProblem("work-not-registered", f"{offer.content_hash} is not registered"))
        else:
            if not signer_is_holder:
                problems.append(
                    OfferProblem(
                        "offer-signer-not-holder",
                        f"{offer.signer} neither holds {offer.content_hash} nor operates for its holder now",
                    )
                )
            reason = client.check(offer.content_hash, offer.use).reason
            if reason.value in ("disputed", "opted-out"):
                problems.append(
                    OfferProblem(
                        "licence-unavailable", f"no new {offer.use.value} licences: the work is {reason.value}"
                    )
                )
        return OfferVerification(
            signed=signed,
            offer_hash=offer_hash,
            signature_valid=signature_valid,
            redemptions=redemptions,
            cancelled=cancelled,
            signer_is_holder=signer_is_holder,
            checked_at=now,
            problems=tuple(problems),
        )

    def _signature_valid(self, signed: SignedOffer, digest: str) -> bool:
        """ECDSA for an account with a key; ERC-1271 `isValidSignature` for a contract wallet (as the contract does)."""
        signer = signed.offer.signer
        raw = bytes.fromhex(signed.signature.removeprefix("0x"))
        w3 = self.client.w3
        if w3.eth.get_code(to_checksum_address(signer)):
            wallet = w3.eth.contract(address=to_checksum_address(signer), abi=_ERC1271_ABI)
            try:
                magic = wallet.functions.isValidSignature(bytes.fromhex(digest[2:]), raw).call()
            except Exception:  # noqa: BLE001 - a wallet that reverts does not accept the signature
                return False
            return bytes(magic) == _ERC1271_MAGIC
        try:
            recovered = Account.recover_message(encode_typed_data(full_message=signed.typed_data()), signature=raw)
        except Exception:  # noqa: BLE001 - eth-keys raises several types for malformed signatures
            return False
        return str(recovered).lower() == signer.lower()

    # ------------------------------------------------------------------ reading licences

    def licensed_period(
        self, item: ContentLike, use: Use | str, licensee: str
    ) -> tuple[datetime, datetime | None] | None:
        """The licensee's current or latest licensed period for the use, or None if it never held one."""
        digest = content_hash(item)
        who = self._address(licensee, "licensee")
        start, end = self.client._call(
            self.contract.functions.licenceOf(digest, _as_use(use).code, who), f"reading licences of {digest}"
        )
        if end == 0:
            return None
        return from_timestamp(start) or datetime.fromtimestamp(0, tz=UTC), _until(end)

    def licences(self, *, licensee: str | None = None, item: ContentLike | None = None) -> list[Licence]:
        """Every licence issued on this deployment, optionally only those of a licensee or of a work."""
        # LicenceIssued's indexed topics: contentHash, licensee, payer.
        signature = (
            "0x" + keccak(text="LicenceIssued(uint64,bytes32,address,uint8,uint8,uint40,uint40,address,uint256)").hex()
        )
        work_topic = content_hash(item) if item is not None else None
        licensee_topic = "0x" + self._address(licensee, "licensee")[2:].lower().rjust(64, "0") if licensee else None
        filters = {"address": self.contract.address, "topics": [signature, work_topic, licensee_topic]}
        w3 = self.client.w3
        start, end = self.client.deployment.block, w3.eth.block_number
        event = self.contract.events.LicenceIssued()
        pages = logs_in_pages(fetcher(w3), filters, start, end, action="listing licences")
        return [_licence(event.process_log(log)) for log in pages]

    # ------------------------------------------------------------------ money

    def earnings(self, account: str | None = None) -> Earnings:
        who = self._address(account, "account")
        withdrawable, earned = self.client._call(self.contract.functions.earningsOf(who), "reading earnings")
        return Earnings(who, int(withdrawable), int(earned))

    def withdraw(self, to: str | None = None) -> int:
        """Withdraw this account's whole balance (to itself, or to `to`); returns the wei sent."""
        receiver = self._address(to, "recipient")
        receipt = self.client._send(self.contract.functions.withdraw(receiver), "withdrawing earnings")
        (event,) = self.contract.events.Withdrawn().process_receipt(receipt, errors=DISCARD)
        return int(event["args"]["amount"])

    def set_royalty(self, item: ContentLike, receiver: str, bps: int) -> None:
        """Set the EIP-2981 royalty of a work (holder or operator only): `bps` basis points to `receiver`."""
        digest = content_hash(item)
        if not 0 <= bps <= 10_000:
            raise ValidationError(f"a royalty of {bps} basis points is outside 0 .. 10000")
        call = self.contract.functions.setRoyalty(digest, self._address(receiver, "receiver"), bps)
        self.client._send(call, f"setting the royalty of {digest}")

    def royalty(self, item: ContentLike, sale_price: int) -> tuple[str, int]:
        """EIP-2981 `royaltyInfo` as the works registry answers it: (receiver, amount in wei)."""
        digest = content_hash(item)
        receiver, amount = self.client._call(
            self.client.works.functions.royaltyInfo(int(digest, 16), sale_price), "reading a royalty"
        )
        return str(receiver), int(amount)

    # ------------------------------------------------------------------ derivatives

    def register_derivative(
        self,
        item: ContentLike,
        parents: Sequence[ContentLike],
        *,
        terms: Terms | int | None = None,
        holder: str | None = None,
        metadata_uri: str = "",
    ) -> DerivativeRegistration:
        """Register a work derived from registered `parents`; each parent's derivative rule must allow it.

        A share-alike parent's terms pass down: leave `terms` None to inherit them.
        """
        from .client import Registration, parse_address

        digest = content_hash(item)
        parent_hashes = [content_hash(p) for p in parents]
        if not 1 <= len(parent_hashes) <= MAX_PARENTS:
            raise ValidationError(f"a derivative needs 1 to {MAX_PARENTS} parents, not {len(parent_hashes)}")
        if len(set(parent_hashes)) != len(parent_hashes):
            raise ValidationError("a parent is listed twice")
        holder_address = parse_address(holder, what="holder") if holder else self.client.address
        if isinstance(terms, Terms):
            policy_id = self.client.ensure_policy(terms)
        else:
            policy_id = PolicyId(int(terms or 0))
        call = self.contract.functions.registerDerivative(
            digest, parent_hashes, holder_address, policy_id, metadata_uri
        )
        receipt = self.client._send(call, f"registering {digest} as a derivative")
        (registered,) = self.client.works.events.WorksRegistered().process_receipt(receipt, errors=DISCARD)
        links = self.contract.events.DerivativeLinked().process_receipt(receipt, errors=DISCARD)
        registration = Registration(
            registration_id=RegistrationId(int(registered["args"]["registrationId"])),
            content_hashes=(digest,),
            holder=holder_address,
            policy_id=PolicyId(int(registered["args"]["policyId"])),
            transaction="0x" + receipt["transactionHash"].hex().removeprefix("0x"),
            block=int(receipt["blockNumber"]),
            gas_used=int(receipt["gasUsed"]),
        )
        return DerivativeRegistration(
            registration,
            tuple(Parent(_hex32(e["args"]["parent"]), int(e["args"]["revenueShareBps"])) for e in links),
        )

    def parents(self, item: ContentLike) -> tuple[Parent, ...]:
        """The parents of a derivative with their revenue shares (empty for a work that derives from none)."""
        digest = content_hash(item)
        hashes, shares = self.client._call(self.contract.functions.parentsOf(digest), f"reading parents of {digest}")
        return tuple(Parent(_hex32(h), int(s)) for h, s in zip(hashes, shares, strict=True))

    # ------------------------------------------------------------------ plumbing

    def _address(self, value: str | None, what: str) -> str:
        from .client import parse_address

        return parse_address(value, what=what) if value else self.client.address

    def _now(self) -> datetime:
        return datetime.fromtimestamp(int(self.client.w3.eth.get_block("latest")["timestamp"]), tz=UTC)

    def _licence_from(self, receipt: TxReceipt) -> Licence:
        events = self.contract.events.LicenceIssued().process_receipt(receipt, errors=DISCARD)
        if len(events) != 1:
            raise ContractRevert("Unknown", {}, "the transaction issued no licence")  # pragma: no cover
        return _licence(events[0])


def _as_use(use: Use | str) -> Use:
    return use if isinstance(use, Use) else cast(Use, Use.parse(use))


def _checked_price(price: int) -> int:
    if isinstance(price, bool) or not 0 <= price < 2**256:
        raise ValidationError(f"price {price!r} is not a whole number of wei")
    return price


def _hex32(value: bytes) -> ContentHash:
    return ContentHash("0x" + bytes(value).hex())


def _until(value: int) -> datetime | None:
    return None if value >= FOREVER else from_timestamp(value)


def _licence(event: EventData) -> Licence:
    args = event["args"]
    return Licence(
        licence_id=int(args["licenceId"]),
        content_hash=_hex32(args["contentHash"]),
        use=cast(Use, Use.from_code(int(args["use"]))),
        licensee=str(args["licensee"]),
        source=list(LicenceSource)[int(args["source"])],
        valid_from=cast(datetime, from_timestamp(int(args["validFrom"]))),
        valid_until=_until(int(args["validUntil"])),
        payer=str(args["payer"]),
        price=int(args["price"]),
        transaction="0x" + event["transactionHash"].hex().removeprefix("0x"),
        block=int(event["blockNumber"]),
    )


__all__ = [
    "DerivativeRegistration",
    "Earnings",
    "Licence",
    "LicenceSource",
    "Licensing",
    "Offer",
    "OfferProblem",
    "OfferVerification",
    "Parent",
    "SignedOffer",
    "offer_digest",
]
