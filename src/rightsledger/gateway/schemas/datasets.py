"""Declared datasets that contain a work, and the relay actions on them (prove inclusion, request removal)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from ...datasets import Inclusion
from ...vocabulary import Reason, Use
from .common import Bytes32Str, PrepareBase, Schema


class PrepareProveInclusion(PrepareBase):
    action: Literal["prove-inclusion"]
    dataset_id: int = Field(ge=1, lt=2**64, description="the declared dataset")
    proof: list[Bytes32Str] | None = Field(
        default=None,
        max_length=64,
        description="the Merkle proof (sibling hashes, leaf to root); default: read from the dataset's manifest",
    )


class PrepareRequestRemoval(PrepareBase):
    action: Literal["request-removal"]
    dataset_id: int = Field(ge=1, lt=2**64, description="the declared dataset (the work's inclusion proven first)")
    note: str = Field(default="", max_length=1_000, description="a message to the declarer, stored in the event")


# The registry's answer at the declaration, for the declarer, in plain words.
DECLARED_TEXT: dict[Reason, str] = {
    Reason.ALLOWED_BY_TERMS: "This use was permitted: the holder's terms allowed it when the dataset was declared.",
    Reason.ALLOWED_BY_LICENCE: (
        "This use was permitted: the declarer held a licence for it when the dataset was declared."
    ),
    Reason.DENIED: "This use was not permitted: the terms did not allow it when the dataset was declared.",
    Reason.LICENCE_REQUIRED: (
        "This use was not permitted: it needed a licence, and the declarer held none when the dataset was declared."
    ),
    Reason.OUTSIDE_WINDOW: (
        "This use was not permitted: the terms allowed it only inside a time window, "
        "and the declaration was outside it."
    ),
    Reason.EXPIRED: "This use was not permitted: the terms had expired when the dataset was declared.",
    Reason.OPTED_OUT: "This use was not permitted: the holder had opted it out when the dataset was declared.",
    Reason.UNREGISTERED: (
        "No answer: the work was not registered when the dataset was declared, so no terms permitted or refused it."
    ),
    Reason.DISPUTED: "No answer: a registrar marks the registration disputed, so no use is settled.",
}
REMOVAL_TEXT = {
    "none": "No removal requested.",
    "requested": "Removal requested; the declarer has not acknowledged it yet.",
    "acknowledged": "Removal requested and acknowledged by the declarer.",
}


class DatasetInclusionPublic(Schema):
    dataset_id: int
    declarer: str
    use: Use = Field(description="the use the dataset was declared for")
    declared_at: datetime
    manifest_uri: str
    item_count: int = Field(description="the number of works the declarer says the dataset holds")
    root: str = Field(description="the Merkle root declared")
    found_by: Literal["manifest", "proof"] = Field(
        description="manifest: listed in its readable manifest; proof: proven on-chain (manifest not readable here)"
    )
    permitted: bool = Field(description="the use was permitted for the declarer at the declaration")
    reason: Reason = Field(description="the registry's answer at the declaration (checkAt)")
    plain: str = Field(description="the answer in plain words")
    proven: bool = Field(description="its inclusion is proven on-chain")
    violation: bool = Field(description="a violation is recorded (proven, and not permitted at the declaration)")
    removal: Literal["none", "requested", "acknowledged"]
    removal_plain: str

    @classmethod
    def from_inclusion(cls, inclusion: Inclusion) -> DatasetInclusionPublic:
        dataset, answer, flags = inclusion.dataset, inclusion.permitted, inclusion.status
        removal = inclusion.removal or "none"
        return cls(
            dataset_id=dataset.dataset_id,
            declarer=dataset.declarer,
            use=dataset.use,
            declared_at=dataset.declared_at,
            manifest_uri=dataset.manifest_uri,
            item_count=dataset.item_count,
            root=dataset.root,
            found_by="proof" if inclusion.source == "proof" else "manifest",
            permitted=answer.allowed,
            reason=answer.reason,
            plain=DECLARED_TEXT[answer.reason],
            proven=flags.proven,
            violation=flags.violation,
            removal=removal,
            removal_plain=REMOVAL_TEXT[removal],
        )


class DatasetsPublic(Schema):
    content_hash: str
    indexed_to: int = Field(description="the last block the gateway's index has read")
    count: int
    datasets: list[DatasetInclusionPublic] = Field(description="by dataset id")


class DatasetProofPublic(Schema):
    dataset_id: int
    content_hash: str
    root: str = Field(description="the dataset's declared Merkle root, which the proof leads to")
    tree_index: int = Field(description="the leaf's position in OpenZeppelin's array tree (a standard-v1 dump's)")
    proof: list[str] = Field(description="the sibling hashes from the work's leaf to the root")
    code: str | None = Field(
        description="the ISCC content code the leaf commits to (0x, 10 bytes); null for a tree of content hashes"
    )
    leaf_encoding: list[str] = Field(description='the leaf\'s values: ["bytes32"] or ["bytes32", "bytes10"]')
    item_count: int = Field(description="the leaves of the tree file the proof was read from")

