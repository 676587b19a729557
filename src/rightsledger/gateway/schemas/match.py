"""Near-copy search by content code: the registered works within a Hamming distance."""

from __future__ import annotations

from pydantic import Field

from .common import Schema


class MatchRequest(Schema):
    iscc: list[str] = Field(min_length=1, max_length=100, description="ISCC codes (a Content-Code or a composite)")
    max_distance: int | None = Field(default=None, ge=0, le=64,
                                     description="bits of 64; default: the media's threshold (12)")


class WorkMatchPublic(Schema):
    content_hash: str
    iscc: str = Field(description="the registered work's Content-Code")
    distance: int = Field(description="Hamming distance of the codes, in bits of 64")
    holder: str
    collection: int | None = Field(default=None, description="a member of this collection (registered with "
                                   "codes; its holder is the collection's), not a work registered on its own")
    chance: float = Field(default=0.0, description="unrelated works expected this near by chance at the "
                          "registry's size (a binomial tail times the codes held; docs/identity.md)")
    decisive: bool = Field(default=True, description="chance at most 0.01: checks answer such a copy with the "
                           "work's terms and registrations of it are refused; otherwise a possible copy to review")


class MatchPublic(Schema):
    iscc: str | None = Field(description="the query's ISCC (of an upload: its composite ISCC-CODE)")
    content_hash: str | None = Field(default=None, description="of an upload: its SHA-256 content hash")
    matches: list[WorkMatchPublic] = Field(description="nearest first; empty when none is within the distance")
    skipped_reason: str | None = Field(default=None, description="why an upload has no code to match on")


class SuspectedCopyPublic(Schema):
    copy_hash: str = Field(alias="copy", description="the later registration's content hash")
    copy_iscc: str
    copy_holder: str
    copy_block: int
    original: str = Field(description="the earlier work of another holder it is near")
    original_iscc: str
    original_holder: str
    original_block: int
    distance: int = Field(description="Hamming distance of the codes, in bits of 64")
    copy_collection: int | None = Field(default=None, description="the copy is a member of this collection "
                                        "(registered with codes; its holder is the collection's)")
    original_collection: int | None = Field(default=None, description="the original is a member of this "
                                            "collection (registered with codes)")
