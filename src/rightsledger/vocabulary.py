"""The stable vocabulary shared with the contracts: uses, modes, reasons, statuses.

The order of each enum's members is its on-chain number (see contracts/libraries/RightsTypes.sol).
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import NewType, cast

from eth_utils.address import is_address, is_checksum_address, to_checksum_address

from .errors import ValidationError

ContentHash = NewType("ContentHash", str)
"""A work's identity: sha256 of its bytes, as 0x-prefixed lowercase hex (66 characters)."""
PolicyId = NewType("PolicyId", int)
RegistrationId = NewType("RegistrationId", int)

ZERO_ADDRESS = "0x" + "00" * 20
"""The zero address: \"anyone\" as a licensee, \"let the contract choose\" as a recipient."""


class _Coded(StrEnum):
    @property
    def code(self) -> int:
        return list(type(self)).index(self)

    @classmethod
    def from_code(cls, code: int) -> _Coded:
        members = list(cls)
        if not 0 <= code < len(members):
            raise ValidationError(f"unknown {cls.__name__.lower()} code {code}")
        return members[code]

    @classmethod
    def parse(cls, value: str) -> _Coded:
        try:
            return cls(value.strip().lower())
        except ValueError:
            choices = ", ".join(m.value for m in cls)
            kind = cls.__name__.lower()
            message = f"unknown {kind} {value!r}; expected one of: {choices}"
            raise ValidationError(message, code=f"unknown-{kind}") from None


class Use(_Coded):
    COMMERCIAL = "commercial"
    PROMOTION = "promotion"
    DERIVATIVE = "derivative"
    TDM = "tdm"
    AI_TRAINING = "ai-training"
    AI_GENERATIVE_TRAINING = "ai-generative-training"
    AI_INFERENCE = "ai-inference"


class Mode(_Coded):
    DENY = "deny"
    LICENCE = "licence"
    ALLOW = "allow"


class Reason(_Coded):
    UNREGISTERED = "unregistered"
    ALLOWED_BY_TERMS = "allowed-by-terms"
    ALLOWED_BY_LICENCE = "allowed-by-licence"
    DENIED = "denied"
    LICENCE_REQUIRED = "licence-required"
    OUTSIDE_WINDOW = "outside-window"
    EXPIRED = "expired"
    DISPUTED = "disputed"
    OPTED_OUT = "opted-out"
    # Only a licence answers it (LicenceManager.licenceStatus): a registrar revoked it.
    REVOKED = "revoked"

    @property
    def allows(self) -> bool:
        return self in (Reason.ALLOWED_BY_TERMS, Reason.ALLOWED_BY_LICENCE)


class Status(_Coded):
    UNVERIFIED = "unverified"
    VERIFIED = "verified"
    DISPUTED = "disputed"


REASON_TEXT: dict[Reason, str] = {
    Reason.UNREGISTERED: "no work is registered under this hash (unknown, not a refusal)",
    Reason.ALLOWED_BY_TERMS: "the holder's terms allow this use now",
    Reason.ALLOWED_BY_LICENCE: "the licensee holds a licence valid now",
    Reason.DENIED: "the terms do not allow this use",
    Reason.LICENCE_REQUIRED: "allowed only with a licence",
    Reason.OUTSIDE_WINDOW: "allowed only inside a time window, and now is outside it",
    Reason.EXPIRED: "the terms have expired",
    Reason.DISPUTED: "a registrar marked the registration disputed",
    Reason.OPTED_OUT: "the holder opted this use out",
}


def as_use(use: Use | str) -> Use:
    """A Use from a Use or its name (ValidationError naming the choices otherwise)."""
    return use if isinstance(use, Use) else cast(Use, Use.parse(use))


def use_mask(uses: Iterable[Use]) -> int:
    """The contracts' bit mask of a set of uses (bit i: the use numbered i)."""
    mask = 0
    for use in uses:
        mask |= 1 << use.code
    return mask


def parse_address(value: str, *, what: str = "address") -> str:
    """An EIP-55 checksummed address; a mixed-case address whose checksum is wrong is refused (a typo)."""
    if not isinstance(value, str) or not is_address(value.lower()):
        raise ValidationError(f"{what} {value!r} is not an Ethereum address (0x and 40 hex digits)")
    body = value[2:]
    if body != body.lower() and body != body.upper() and not is_checksum_address(value):
        raise ValidationError(
            f"{what} {value!r} has a wrong EIP-55 checksum (a mistyped letter?): "
            f"check it, or write it all in lower case"
        )
    return str(to_checksum_address(value))
