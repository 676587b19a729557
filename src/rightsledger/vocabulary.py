"""The stable vocabulary shared with the contracts: uses, modes, reasons, statuses.

The order of each enum's members is its on-chain number (see contracts/libraries/RightsTypes.sol).
"""

from __future__ import annotations

from enum import StrEnum
from typing import NewType

from .errors import ValidationError

ContentHash = NewType("ContentHash", str)
"""A work's identity: sha256 of its bytes, as 0x-prefixed lowercase hex (66 characters)."""
PolicyId = NewType("PolicyId", int)
RegistrationId = NewType("RegistrationId", int)


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
