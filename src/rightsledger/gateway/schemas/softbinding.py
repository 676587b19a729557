"""The C2PA soft-binding resolution API's answers (field names as the API's: camelCase)."""

from __future__ import annotations

from pydantic import Field

from .common import Schema


class SoftBindingMatch(Schema):
    manifest_id: str = Field(description="the registered work's (or collection member's) content hash")
    endpoint: str = Field(description="where the work's record is (a collection member: its members manifest)")
    similarity_score: int = Field(ge=0, le=100, description="100 x (64 - distance) / 64")
    distance: int = Field(description="Hamming distance of the Content-Codes, in bits of 64")
    iscc: str = Field(description="the registered work's Content-Code")
    holder: str = Field(description="the work's holder (a collection member: the collection's)")
    collection: int | None = Field(default=None, description="a member of this collection (registered with "
                                   "codes), not a work registered on its own")


class SoftBindingMatches(Schema):
    matches: list[SoftBindingMatch] = Field(description="nearest first; empty when none is within the threshold")


class SupportedAlgorithms(Schema):
    watermarks: list[dict[str, str]]
    fingerprints: list[dict[str, str]]
