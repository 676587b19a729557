"""Licence offers: what a holder signs off-chain (EIP-712 typed data) and e-mails as a JSON file.

The offer file format and its digest, with no chain access: the SDK's `Licensing.offer` signs
one, `Licensing.redeem` sends one, and `LicenceManager.hashOffer` computes the same digest.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

from .eip712 import EIP712_DOMAIN, typed_data_digest
from .errors import ValidationError
from .files import read_json_file
from .hashing import parse_hash
from .units import MAX_TIME, format_wei, to_timestamp
from .vocabulary import ZERO_ADDRESS, ContentHash, Use, parse_address

FOREVER = 2**40 - 1


OFFER_KIND = "rightsledger-licence-offer"


OFFER_FILE_VERSION = 1


DOMAIN_NAME = "rightsledger licences"


DOMAIN_VERSION = "1"


DEFAULT_OFFER_LIFETIME = timedelta(days=30)


OFFER_TYPES: dict[str, list[dict[str, str]]] = {
    "EIP712Domain": EIP712_DOMAIN,
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
            "licensee": self.licensee or ZERO_ADDRESS,
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
        return offer_typed_data(self.offer, self.chain_id, self.verifying_contract)

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
            licensee = parse_address(message["licensee"], what="licensee")
            offer = Offer(
                content_hash=parse_hash(str(message["contentHash"])),
                use=cast(Use, Use.from_code(int(message["use"]))),
                price=_uint(message["price"], "price", 256),
                valid_until=_time(message["validUntil"], "validUntil"),
                expires_at=_time(message["expiresAt"], "expiresAt"),
                signer=parse_address(message["signer"], what="signer"),
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
                verifying_contract=parse_address(domain["verifyingContract"], what="verifyingContract"),
                signature=signature,
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            detail = f"field {exc} is missing" if isinstance(exc, KeyError) else str(exc)
            raise ValidationError(f"{source} is not a usable licence offer: {detail}", code="invalid-offer") from None

    @classmethod
    def load(cls, path: str | Path) -> SignedOffer:
        return cls.from_json_dict(read_json_file(path, what="offer file"), source=f"offer file {path}")


def offer_typed_data(offer: Offer, chain_id: int, verifying_contract: str) -> dict[str, Any]:
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
    return typed_data_digest(offer_typed_data(offer, chain_id, verifying_contract))


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


def checked_price(price: int) -> int:
    if isinstance(price, bool) or not 0 <= price < 2**256:
        raise ValidationError(f"price {price!r} is not a whole number of wei")
    return price


__all__ = [
    "DEFAULT_OFFER_LIFETIME",
    "FOREVER",
    "OFFER_KIND",
    "Offer",
    "OfferProblem",
    "OfferVerification",
    "SignedOffer",
    "checked_price",
    "offer_digest",
    "offer_typed_data",
]
