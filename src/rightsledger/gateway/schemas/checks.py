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
        default_factory=list, json_schema_extra={"maxItems": 10_000}, description="up to 10,000 content hashes"
    )
    iscc: list[str] = Field(
        default_factory=list,
        json_schema_extra={"maxItems": 10_000},
        description="ISCC codes (a Content-Code or a composite ISCC-CODE): each answers as its nearest registered "
        "work within the distance, or `unregistered`; hashes and codes together: at least one, at most 10,000",
    )
    max_distance: int | None = Field(default=None, ge=0, le=64,
                                     description="for `iscc`: bits of 64; default: the media's threshold (12)")
    licensee: AddressStr | None = None
    at: ChainTime | None = Field(default=None, description="answer for this moment (default: the latest block)")


class CheckItem(Schema):
    content_hash: str
    allowed: bool
    reason: Reason


class CodeCheckItem(Schema):
    iscc: str = Field(description="the code asked")
    content_hash: str | None = Field(description="the registered work it answers as: the nearest within the "
                                     "distance; null when none is")
    allowed: bool
    reason: Reason = Field(description="that work's answer (`unregistered` when none is within the distance)")
    near_copy_of: str | None = Field(description="the registered work it is a near copy of (null: none)")
    distance: int | None = Field(description="the Hamming distance of the codes, in bits of 64")
    note: str = Field(description="e.g. `near copy of 0x..., distance 5`")
    collection: int | None = Field(default=None, description="the nearest is a member of this collection "
                                   "(registered with codes): the answer is the collection's check of it")
    possible_near_copy_of: str | None = Field(
        default=None, description="the nearest registered work is within the distance but not decisively: "
        "about `chance` unrelated works would be as near by chance at the registry's size, so the code is "
        "answered `unregistered`, for a person to review (docs/identity.md, chance)")
    chance: float | None = Field(default=None, description="expected chance matches at that distance")


class ChecksPublic(Schema):
    use: Use
    licensee: str | None
    count: int = Field(description="hashes and codes answered")
    allowed_count: int
    results: list[CheckItem] = Field(description="one per hash, in the order asked")
    code_results: list[CodeCheckItem] = Field(default_factory=list, description="one per ISCC code, in the order asked")
