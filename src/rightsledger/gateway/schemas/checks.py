"""Checks of a use, one work or many."""

from __future__ import annotations

from pydantic import Field

from ...client import CheckResult
from ...terms import ChainTime
from ...vocabulary import REASON_TEXT, Reason, Use
from .common import AddressStr, ContentHashStr, Schema


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
    at: ChainTime | None = Field(default=None, description="answer for this moment (default: the latest block)")


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
