"""Import from a file's C2PA manifest: its digital source type becomes the AI disclosure to
offer, and its training-and-data-mining assertion (`cawg.training-mining`, or the C2PA 1.x
`c2pa.training-mining`) the terms to offer, for the holder to confirm and register.

Needs `c2pa-python` (the `c2pa` extra: `pip install 'rightsledger[c2pa]'`); it reads offline.
The manifest's signature is validated by the library; a signer outside the trust list is
reported (`trusted: false`), never silently believed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..disclosure import Disclosure, disclosure_from_source_type
from ..errors import ConfigError, NotFoundError, ValidationError
from ..exports.cawg import LABEL as TRAINING_MINING_LABEL
from ..exports.cawg import LEGACY_LABELS, terms_from_assertion
from ..terms import Terms

_ACTIONS_LABELS = ("c2pa.actions", "c2pa.actions.v2")
_UNTRUSTED = "signingCredential.untrusted"


@dataclass(frozen=True)
class C2paOffer:
    """What a file's active C2PA manifest says, as rightsledger would register it."""

    manifest: str
    signer: str
    trusted: bool
    validation_errors: tuple[str, ...]
    digital_source_type: str | None = None
    disclosure: Disclosure | None = None
    training_mining: Mapping[str, Any] | None = None
    terms: Terms | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def valid(self) -> bool:
        """The manifest's signature and hashes check out (a signer outside the trust list aside)."""
        return not self.validation_errors

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "manifest": self.manifest,
            "signer": self.signer,
            "trusted": self.trusted,
            "valid": self.valid,
            "validationErrors": list(self.validation_errors),
            "digitalSourceType": self.digital_source_type,
            "disclosure": self.disclosure.to_json_dict() if self.disclosure else None,
            "trainingMining": dict(self.training_mining) if self.training_mining else None,
            "terms": self.terms.to_json_dict() if self.terms else None,
            "notes": list(self.notes),
        }


def read_manifest_store(path: Path) -> dict[str, Any] | None:
    """The C2PA manifest store of `path` as JSON, or None if the file carries none."""
    try:
        import c2pa  # type: ignore[import-untyped]
    except ImportError:
        raise ConfigError("reading C2PA manifests needs c2pa-python: pip install 'rightsledger[c2pa]'") from None
    if not path.is_file():
        raise NotFoundError(f"file {path} does not exist")
    try:
        with c2pa.Reader(str(path)) as reader:
            store: dict[str, Any] = json.loads(reader.json())
    except c2pa.C2paError as exc:
        name = type(exc).__name__
        if "ManifestNotFound" in name:
            return None
        if "NotSupported" in name:
            raise ValidationError(f"{path}: C2PA manifests cannot be read from this type of file") from None
        raise ValidationError(f"{path}: the C2PA manifest cannot be read ({exc})") from None
    return store


def offer_from_manifest_store(store: Mapping[str, Any]) -> C2paOffer:
    """The disclosure and terms the store's active manifest implies."""
    label = store.get("active_manifest")
    manifests = store.get("manifests") or {}
    if not label or label not in manifests:
        raise ValidationError("the C2PA manifest store names no active manifest")
    manifest = manifests[label]
    assertions = {a.get("label"): a.get("data") for a in manifest.get("assertions", []) if isinstance(a, Mapping)}
    notes: list[str] = []

    source_type = None
    for actions_label in _ACTIONS_LABELS:
        for action in (assertions.get(actions_label) or {}).get("actions", []):
            if action.get("digitalSourceType") and (source_type is None or action.get("action") == "c2pa.created"):
                source_type = str(action["digitalSourceType"])
    disclosure = disclosure_from_source_type(source_type) if source_type else None
    if source_type is None:
        notes.append("the manifest states no digital source type: no AI disclosure to offer")
    elif disclosure is None:
        notes.append(f"digital source type {source_type} maps to no disclosure level: none offered")

    training = None
    for name in (TRAINING_MINING_LABEL, *LEGACY_LABELS):
        if assertions.get(name) is not None:
            training = assertions[name]
            break
    terms = terms_from_assertion(training) if training is not None else None
    if training is None:
        notes.append("no training-and-data-mining assertion: no terms to offer (every use stays denied)")
    else:
        notes.append("constrained uses are offered as licence mode without a fee: set the fee before registering")

    statuses = store.get("validation_status") or []
    codes = [str(s.get("code")) for s in statuses if isinstance(s, Mapping)]
    signature = manifest.get("signature_info") or {}
    signer = ", ".join(str(signature[k]) for k in ("common_name", "issuer") if signature.get(k)) or "unknown"
    return C2paOffer(
        manifest=str(label),
        signer=signer,
        trusted=_UNTRUSTED not in codes,
        validation_errors=tuple(c for c in codes if c != _UNTRUSTED),
        digital_source_type=source_type,
        disclosure=disclosure,
        training_mining=training,
        terms=terms,
        notes=tuple(notes),
    )


def read_c2pa(path: str | Path) -> C2paOffer | None:
    """The offer from a file's C2PA manifest, or None if the file has no manifest."""
    store = read_manifest_store(Path(path))
    return offer_from_manifest_store(store) if store is not None else None
