"""Shared pieces of the gateway's schemas: the base `Schema`, validated string and number types, the error body."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, WithJsonSchema
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

from ...errors import ValidationError
from ...hashing import parse_hash
from ...vocabulary import parse_address

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
    try:
        parse_address(value)  # the SDK's rule: a mixed-case address must carry a valid EIP-55 checksum
    except ValidationError as exc:
        raise PydanticCustomError("invalid_address", str(exc)) from None
    return value


def _hex(value: Any) -> str:
    if not isinstance(value, str) or not re.match(HEX_PATTERN, value):
        raise PydanticCustomError("invalid_hex", "expected 0x and an even number of hex digits")
    return value.lower()


def _uint(bits: int) -> Any:
    def parse(value: Any) -> int:
        if isinstance(value, float) and value.is_integer() and abs(value) <= 2**53:
            value = int(value)  # JSON Schema's "integer" includes 3169.0; beyond 2**53 a float is not exact
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

Bytes32Str = Annotated[
    str,
    PlainValidator(_hash),
    WithJsonSchema({"type": "string", "pattern": HASH_PATTERN, "examples": ["0x" + "cd" * 32]}),
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


class PrepareBase(Schema):
    """What every `POST /relay/prepare` action carries: the signer and the work."""

    sender: AddressStr = Field(alias="from", description="the account that will sign")
    content_hash: ContentHashStr


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
