"""Usage terms as the SDK models them: a pydantic `Terms` per work, one `Rule` per use.

`Terms` converts to and from the contracts' `Policy` tuple and reads the JSON terms files
of the CLI. A use without a rule is denied (consent is opt-in).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, cast

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic import ValidationError as PydanticValidationError

from .errors import ValidationError
from .files import read_json_file
from .units import (
    DUTY_ATTRIBUTION,
    DUTY_SHARE_ALIKE,
    DUTY_TRANSFERABLE,
    MAX_TIME,
    chain_time,
    format_wei,
    from_timestamp,
    parse_fee,
    parse_time,
    to_timestamp,
)
from .vocabulary import Mode, Use


def _seconds(value: Any) -> Any:
    """Numbers are whole seconds since the epoch (never pydantic's guess of milliseconds); ISO text passes."""
    if isinstance(value, bool):
        raise ValueError("a moment is ISO 8601 text or whole seconds since the epoch, not true/false")
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError("a moment in seconds since the epoch is a whole number")
        value = int(value)
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, int):
        if not 0 < value <= MAX_TIME:
            raise ValueError(f"must lie after 1970-01-01T00:00:00Z (1 .. {MAX_TIME} seconds)")
        return datetime.fromtimestamp(value, tz=UTC)
    return value


ChainTime = Annotated[
    datetime,
    BeforeValidator(_seconds),
    AfterValidator(chain_time),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "format": "date-time"},
                {"type": "integer", "minimum": 1, "maximum": MAX_TIME},
            ],
            "description": "ISO 8601 (naive means UTC) or whole seconds since the epoch, after 1970-01-01",
        }
    ),
]
"""A moment the contracts can store, in JSON as ISO 8601 text or whole seconds (the schema says both)."""


class Rule(BaseModel):
    """What one use is subject to: a mode, a window [start, end), a fee and duties."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    mode: Mode = Mode.DENY
    start: ChainTime | None = None
    end: ChainTime | None = None
    fee: int = Field(default=0, description="wei per licence (mode licence only)")
    attribution: bool = False
    share_alike: bool = False
    transferable: bool = Field(default=False, description="licences under this rule are transferable tokens")
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
            self.start
            or self.end
            or self.attribution
            or self.share_alike
            or self.transferable
            or self.revenue_share_bps
        ):
            raise ValueError("a deny rule takes no window, duties or revenue share")
        if self.fee and self.mode is not Mode.LICENCE:
            raise ValueError("a fee needs mode 'licence'")
        if self.start and self.end and self.end <= self.start:
            raise ValueError(f"window ends ({self.end.isoformat()}) at or before it starts ({self.start.isoformat()})")
        return self

    @property
    def duties(self) -> int:
        return (
            (DUTY_ATTRIBUTION if self.attribution else 0)
            | (DUTY_SHARE_ALIKE if self.share_alike else 0)
            | (DUTY_TRANSFERABLE if self.transferable else 0)
        )

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
            transferable=bool(duties & DUTY_TRANSFERABLE),
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
        named = (
            ("attribution", self.attribution),
            ("share-alike", self.share_alike),
            ("transferable", self.transferable),
        )
        duties = [d for d, on in named if on]
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
            message = str(first["msg"]).removeprefix("Value error, ")
            raise ValidationError(f"{source}: {where}: {message}") from None

    @classmethod
    def from_file(cls, path: str | Path) -> Terms:
        return cls.from_json_dict(read_json_file(path, what="terms file"), source=f"terms file {path}")


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


def terms_from_options(
    *,
    terms_file: str | Path | None = None,
    preset: str | None = None,
    allow: Sequence[str] = (),
    licence: Sequence[str] = (),
    window: Sequence[str] = (),
    attribution: bool = False,
    expires: str | None = None,
) -> Terms | None:
    """Terms from a terms file, or from a preset adjusted by per-use options; None if nothing was given.

    The one way front ends (CLI flags, gateway forms) turn options into terms: `allow` lists uses
    allowed openly, `licence` lists `USE=FEE`, `window` lists `USE=START/END` (ISO dates or seconds).
    """
    options_given = any((preset, allow, licence, window, expires, attribution))
    if terms_file:
        if options_given:
            raise ValidationError(
                "give either --terms FILE or preset flags (--preset, --allow, --licence, ...), not both"
            )
        return Terms.from_file(terms_file)
    if not options_given:
        return None
    if preset and preset not in PRESETS:
        raise ValidationError(f"unknown preset {preset!r}; expected one of: {', '.join(sorted(PRESETS))}")
    base = PRESETS[preset] if preset else Terms()
    rules: dict[Use, Rule] = dict(base.rules)
    for text in allow:
        rules[_use(text)] = Rule(mode=Mode.ALLOW, attribution=attribution)
    for text in licence:
        use_text, sep, fee_text = text.partition("=")
        if not sep:
            raise ValidationError(f"--licence {text!r}: write USE=FEE, e.g. ai-training=0.01ether")
        rules[_use(use_text)] = Rule(mode=Mode.LICENCE, fee=parse_fee(fee_text), attribution=attribution)
    for text in window:
        use_text, sep, span = text.partition("=")
        start_text, slash, end_text = span.partition("/")
        if not sep or not slash:
            raise ValidationError(f"--window {text!r}: write USE=START/END, e.g. promotion=2026-12-01/2027-01-01")
        use = _use(use_text)
        if use not in rules or rules[use].mode is Mode.DENY:
            raise ValidationError(
                f"--window {text!r}: allow or licence {use} first (--allow {use} or --licence {use}=FEE)"
            )
        start = parse_time(start_text, what="window start") if start_text else None
        end = parse_time(end_text, what="window end") if end_text else None
        try:
            rules[use] = Rule.model_validate({**rules[use].model_dump(), "start": start, "end": end})
        except PydanticValidationError as exc:
            message = str(exc.errors()[0]["msg"]).removeprefix("Value error, ")
            raise ValidationError(f"--window {text!r}: {message}") from None
    if attribution:
        rules = {u: r if r.mode is Mode.DENY else r.model_copy(update={"attribution": True}) for u, r in rules.items()}
    until = parse_time(expires, what="--expires") if expires else base.expires
    return Terms.from_json_dict({"rules": {u.value: r.model_dump() for u, r in rules.items()}, "expires": until})


def _use(text: str) -> Use:
    return cast(Use, Use.parse(text))


__all__ = [
    "MAX_TIME",
    "ChainTime",
    "PRESETS",
    "Rule",
    "Terms",
    "format_wei",
    "from_timestamp",
    "parse_fee",
    "terms_from_options",
    "to_timestamp",
]
