"""ERC-7517-style token metadata: the registry token's metadata JSON with the work's
`dataMiningPreference` (ERC-7517 draft), its licence reference, and its AI disclosure.

Preferences: `dataMining` (our `tdm`), `aiInference`, `aiTraining`, `aiGenerativeTraining`,
and the `...WithAuthorship` variants. Open uses are `allowed`, denied ones `notAllowed`, uses
under conditions `constrained`, except that a use whose only condition is attribution is
`allowed` in its `...WithAuthorship` variant.
"""

from __future__ import annotations

from typing import Any

from ..vocabulary import Use
from .record import Access, ExportRecord

_VALUES = {Access.OPEN: "allowed", Access.CONDITIONAL: "constrained", Access.DENIED: "notAllowed"}
KEYS: dict[str, Use] = {
    "dataMining": Use.TDM,
    "aiInference": Use.AI_INFERENCE,
    "aiTraining": Use.AI_TRAINING,
    "aiGenerativeTraining": Use.AI_GENERATIVE_TRAINING,
}
AUTHORSHIP_KEYS: dict[str, Use] = {
    "aiTrainingWithAuthorship": Use.AI_TRAINING,
    "aiGenerativeTrainingWithAuthorship": Use.AI_GENERATIVE_TRAINING,
}


def data_mining_preference(record: ExportRecord) -> dict[str, str]:
    out = {key: _VALUES[record.access(use).access] for key, use in KEYS.items()}
    for key, use in AUTHORSHIP_KEYS.items():
        state = record.access(use)
        out[key] = "allowed" if state.attribution_only else _VALUES[state.access]
    return out


def token_metadata(
    record: ExportRecord, *, name: str | None = None, description: str | None = None, image: str | None = None
) -> dict[str, Any]:
    """ERC-721 metadata for the work's registry token, with `dataMiningPreference` (ERC-7517)."""
    meta: dict[str, Any] = {
        "name": name or f"rightsledger work {record.content_hash[:10]}…",
        "description": description or f"A work registered in rightsledger; sha-256 {record.content_hash}",
    }
    if image:
        meta["image"] = image
    elif record.metadata_uri:
        meta["external_url"] = record.metadata_uri
    meta["dataMiningPreference"] = data_mining_preference(record)
    meta["license"] = {"name": f"rightsledger terms, policy {record.policy_id}", "document": record.policy_uid}
    if record.disclosure is not None:
        meta["digitalSourceType"] = record.disclosure.iptc_digital_source_type
        meta["aiDisclosure"] = record.disclosure.to_text()
    meta["attributes"] = [{"trait_type": "contentHash", "value": record.content_hash}]
    if record.iscc is not None:
        meta["attributes"].append({"trait_type": "iscc", "value": record.iscc})
    return meta
