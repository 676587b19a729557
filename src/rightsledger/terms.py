"""Usage terms as the SDK models them: a pydantic `Terms` per work, one `Rule` per use.

`Terms` converts to and from the contracts' `Policy` tuple and reads the JSON terms files
of the CLI. A use without a rule is denied (consent is opt-in).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic import ValidationError as PydanticValidationError

from .errors import NotFoundError, ValidationError
from .vocabulary import Mode, Use

MAX_UINT40 = 2**40 - 1
# The contracts keep uint40 seconds; Python's datetime ends at 9999-12-31, the bound both respect.
MAX_TIME = 253_402_300_799
MAX_UINT96 = 2**96 - 1
DUTY_ATTRIBUTION = 1
DUTY_SHARE_ALIKE = 2

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


def from_timestamp(value: int) -> datetime | None:
    if value == 0:
        return None
    return datetime.fromtimestamp(min(value, MAX_TIME), tz=UTC)


def _chain_time(value: datetime) -> datetime:
    """A moment the contracts can store: timezone-aware (naive means UTC), after the epoch."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    if not 0 < value.timestamp() <= MAX_TIME:
        raise ValueError("must lie after 1970-01-01T00:00:00Z")
    return value


ChainTime = Annotated[datetime, AfterValidator(_chain_time)]


class Rule(BaseModel):
    """What one use is subject to: a mode, a window [start, end), a fee and duties."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    mode: Mode = Mode.DENY
    start: ChainTime | None = None
    end: ChainTime | None = None
    fee: int = Field(default=0, description="wei per licence (mode licence only)")
    attribution: bool = False
    share_alike: bool = False
    revenue_share_bps: int = Field(default=0, ge=0, le=10_000, description="derivative rule: parent's share of income")

    @field_validator("mode", mode="before")
    @classmethod
    def _mode(cls, value: Any) -> Any:
        return Mode.parse(value) if isinstance(value, str) else value

    @field_validator("fee", mode="before")
    @classmethod
    def _fee(cls, value: Any) -> int:
        return parse_fee(value)

    @model_validator(mode="after")
    def _consistent(self) -> Rule:
        if self.mode is Mode.DENY and (
            self.start or self.end or self.attribution or self.share_alike or self.revenue_share_bps
        ):
            raise ValueError("a deny rule takes no window, duties or revenue share")
        if self.fee and self.mode is not Mode.LICENCE:
            raise ValueError("a fee needs mode 'licence'")
        if self.start and self.end and self.end <= self.start:
            raise ValueError(f"window ends ({self.end.isoformat()}) at or before it starts ({self.start.isoformat()})")
        return self

    @property
    def duties(self) -> int:
        return (DUTY_ATTRIBUTION if self.attribution else 0) | (DUTY_SHARE_ALIKE if self.share_alike else 0)

    def as_tuple(self) -> tuple[int, int, int, int, int, int]:
        return (
            self.mode.code,
            to_timestamp(self.start),
            to_timestamp(self.end),
            self.fee,
            self.duties,
            self.revenue_share_bps,
        )

    @classmethod
    def from_tuple(cls, raw: tuple[int, int, int, int, int, int] | list[int]) -> Rule:
        mode, start, end, fee, duties, share = raw
        return cls(
            mode=Mode.from_code(mode),
            start=from_timestamp(start),
            end=from_timestamp(end),
            fee=fee,
            attribution=bool(duties & DUTY_ATTRIBUTION),
            share_alike=bool(duties & DUTY_SHARE_ALIKE),
            revenue_share_bps=share,
        )

    def describe(self) -> str:
        """The rule in plain words."""
        if self.mode is Mode.DENY:
            return "not allowed"
        text = "allowed" if self.mode is Mode.ALLOW else f"allowed with a licence ({format_wei(self.fee)})"
        if self.start or self.end:
            since = self.start.strftime("%Y-%m-%d %H:%M UTC") if self.start else "always"
            until = self.end.strftime("%Y-%m-%d %H:%M UTC") if self.end else "open-ended"
            text += f", from {since} until {until}"
        duties = [d for d, on in (("attribution", self.attribution), ("share-alike", self.share_alike)) if on]
        if duties:
            text += f"; duties: {', '.join(duties)}"
        if self.revenue_share_bps:
            text += f"; {self.revenue_share_bps / 100:g}% of derivatives' licence income"
        return text


class Terms(BaseModel):
    """A work's terms: a rule per use (missing = deny) and an optional expiry of the whole record."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rules: dict[Use, Rule] = Field(default_factory=dict)
    expires: ChainTime | None = None

    @field_validator("rules", mode="before")
    @classmethod
    def _uses(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {Use.parse(k) if isinstance(k, str) else k: v for k, v in value.items()}
        return value

    def rule(self, use: Use) -> Rule:
        return self.rules.get(use, Rule())

    def as_policy(self) -> tuple[list[tuple[int, int, int, int, int, int]], int]:
        """The contracts' `Policy` tuple: seven rules in use order, then the expiry."""
        return ([self.rule(use).as_tuple() for use in Use], to_timestamp(self.expires))

    @classmethod
    def from_policy(cls, raw: tuple[Any, int] | list[Any]) -> Terms:
        rules_raw, expires = raw
        rules = {use: Rule.from_tuple(r) for use, r in zip(Use, rules_raw, strict=True)}
        return cls(rules={u: r for u, r in rules.items() if r.mode is not Mode.DENY}, expires=from_timestamp(expires))

    def to_json_dict(self) -> dict[str, Any]:
        """The terms-file form (what `from_file` reads)."""
        out: dict[str, Any] = {"rules": {}}
        for use in Use:
            if use in self.rules and self.rules[use].mode is not Mode.DENY:
                out["rules"][use.value] = self.rules[use].model_dump(mode="json", exclude_defaults=True)
        if self.expires:
            out["expires"] = self.expires.isoformat()
        return out

    @classmethod
    def from_json_dict(cls, data: Any, *, source: str = "terms") -> Terms:
        try:
            return cls.model_validate(data)
        except PydanticValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "(top level)"
            raise ValidationError(f"{source}: {where}: {first['msg']}") from None

    @classmethod
    def from_file(cls, path: str | Path) -> Terms:
        path = Path(path)
        try:
            text = path.read_text()
        except FileNotFoundError:
            raise NotFoundError(f"terms file {path} does not exist") from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValidationError(f"terms file {path} is not valid JSON: {exc.msg} at line {exc.lineno}") from None
        return cls.from_json_dict(data, source=f"terms file {path}")


def format_wei(amount: int) -> str:
    if amount == 0:
        return "free"
    if amount >= 10**15:
        return f"{Decimal(amount) / Decimal(10**18):f}".rstrip("0").rstrip(".") + " ETH"
    if amount >= 10**6:
        return f"{Decimal(amount) / Decimal(10**9):f}".rstrip("0").rstrip(".") + " gwei"
    return f"{amount} wei"


_OPEN_USES = [Use.COMMERCIAL, Use.PROMOTION, Use.DERIVATIVE, Use.TDM]

PRESETS: dict[str, Terms] = {
    # Every use denied: "all rights reserved".
    "reserved": Terms(),
    # Creative Commons mappings. AI uses stay denied: consent to training is opt-in, never assumed.
    "cc0": Terms(rules={u: Rule(mode=Mode.ALLOW) for u in _OPEN_USES}),
    "cc-by": Terms(rules={u: Rule(mode=Mode.ALLOW, attribution=True) for u in _OPEN_USES}),
    "cc-by-sa": Terms(
        rules={
            **{u: Rule(mode=Mode.ALLOW, attribution=True) for u in _OPEN_USES},
            Use.DERIVATIVE: Rule(mode=Mode.ALLOW, attribution=True, share_alike=True),
        }
    ),
    "cc-by-nc": Terms(rules={u: Rule(mode=Mode.ALLOW, attribution=True) for u in (Use.DERIVATIVE, Use.TDM)}),
    "cc-by-nd": Terms(
        rules={u: Rule(mode=Mode.ALLOW, attribution=True) for u in (Use.COMMERCIAL, Use.PROMOTION, Use.TDM)}
    ),
}
"""Named starting points for the CLI's `--preset`."""

__all__ = ["PRESETS", "Rule", "Terms", "format_wei", "parse_fee", "to_timestamp", "from_timestamp"]
