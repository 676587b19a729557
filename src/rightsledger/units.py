"""Units the registry counts in: fees in wei, moments as whole seconds since the epoch (uint40 on chain)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from .errors import ValidationError

MAX_UINT40 = 2**40 - 1
# The contracts keep uint40 seconds; Python's datetime ends at 9999-12-31, the bound both respect.
MAX_TIME = 253_402_300_799
MAX_UINT96 = 2**96 - 1
DUTY_ATTRIBUTION = 1
DUTY_SHARE_ALIKE = 2
# A licence issued under a rule with this duty is a transferable token (LicenceToken); otherwise personal.
DUTY_TRANSFERABLE = 4

_UNITS = {"wei": 0, "gwei": 9, "ether": 18, "eth": 18}
_FEE = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*([a-zA-Z]+)?\s*$")


def parse_fee(value: int | str) -> int:
    """A fee in wei from an int or a string such as '0.01 ether', '250 gwei', '1000'."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValidationError("fee must be a number of wei or a string like '0.01 ether'")
    if isinstance(value, int):
        amount = value
    else:
        match = _FEE.match(value)
        if not match or (match.group(2) or "wei").lower() not in _UNITS:
            raise ValidationError(f"fee {value!r} is not an amount like '0.01 ether', '250 gwei' or '1000' (wei)")
        try:
            scaled = Decimal(match.group(1)) * (Decimal(10) ** _UNITS[(match.group(2) or "wei").lower()])
        except InvalidOperation:
            raise ValidationError(f"fee {value!r} is not a number") from None
        if scaled != scaled.to_integral_value():
            raise ValidationError(f"fee {value!r} is a fraction of a wei")
        amount = int(scaled)
    if not 0 <= amount <= MAX_UINT96:
        raise ValidationError(f"fee {value!r} is outside 0 .. 2**96-1 wei")
    return amount


def to_timestamp(value: datetime | int | None) -> int:
    """Seconds since the epoch (0 for None). Naive datetimes are taken as UTC."""
    if value is None:
        return 0
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        seconds = int(value.timestamp())
    else:
        seconds = int(value)
    if not 0 <= seconds < 2**64:
        raise ValidationError(f"time {value} is outside what the registry records (1970-01-01 onwards)")
    return seconds


def parse_time(text: str, *, what: str) -> datetime:
    """A moment from ISO 8601 text (naive means UTC) or whole seconds since the epoch."""
    value = text.strip()
    if value.isdigit() and int(value) > MAX_TIME:
        raise ValidationError(
            f"{what} {text!r} is out of range: times run from 1970-01-01 to 9999-12-31 (0 .. {MAX_TIME} seconds)"
        )
    try:
        if value.isdigit():
            return datetime.fromtimestamp(int(value), tz=UTC)
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (ValueError, OverflowError, OSError):
        raise ValidationError(
            f"{what} {text!r} is not a date: use ISO 8601 (2026-12-31 or 2026-12-31T18:00:00Z)"
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def from_timestamp(value: int) -> datetime | None:
    if value == 0:
        return None
    return datetime.fromtimestamp(min(value, MAX_TIME), tz=UTC)


def format_time(timestamp: int) -> str:
    """A chain timestamp (unix seconds) for people, in UTC."""
    return datetime.fromtimestamp(min(int(timestamp), MAX_TIME), tz=UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def chain_time(value: datetime) -> datetime:
    """A moment the contracts can store: timezone-aware (naive means UTC), after the epoch."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    if not 0 < value.timestamp() <= MAX_TIME:
        raise ValueError("must lie after 1970-01-01T00:00:00Z")
    return value


def format_wei(amount: int, *, zero: str = "free") -> str:
    """A fee or an amount for people: `zero` is what nothing reads as ("free" for a fee, "0 ETH" for a sum)."""
    if amount == 0:
        return zero
    if amount >= 10**15:
        return f"{Decimal(amount) / Decimal(10**18):f}".rstrip("0").rstrip(".") + " ETH"
    if amount >= 10**6:
        return f"{Decimal(amount) / Decimal(10**9):f}".rstrip("0").rstrip(".") + " gwei"
    return f"{amount} wei"


__all__ = [
    "DUTY_ATTRIBUTION",
    "DUTY_SHARE_ALIKE",
    "MAX_TIME",
    "MAX_UINT40",
    "MAX_UINT96",
    "chain_time",
    "format_time",
    "format_wei",
    "from_timestamp",
    "parse_fee",
    "parse_time",
    "to_timestamp",
]
