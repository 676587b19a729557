"""Import from a file's C2PA manifest: its digital source type becomes the AI disclosure to
offer, and its training-and-data-mining assertion (`cawg.training-mining`, or the C2PA 1.x
`c2pa.training-mining`) the terms to offer, for the holder to confirm and register.

Needs `c2pa-python` (the `c2pa` extra: `pip install 'rightsledger[c2pa]'`); it reads offline.
The manifest's signature is validated by the library; a signer outside the trust list is
reported (`trusted: false`), never silently believed. `trust_anchors` (PEM) adds roots to trust,
such as the development root of `rightsledger.workflows.devcerts`.

What rightsledger's own embedding writes (workflows/embed.py) is read back too: the ISCC soft
binding (`c2pa.soft-binding`, algorithm `io.iscc.v0`), the link to the on-chain record
(`org.w3id.rightsledger.record`) and the file's XMP packet (IPTC digital source type, PLUS data
mining).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..disclosure import Disclosure, disclosure_from_source_type
from ..errors import ConfigError, NotFoundError, ValidationError
from ..exports.cawg import LABEL as TRAINING_MINING_LABEL
from ..exports.cawg import LEGACY_LABELS, terms_from_assertion
from ..terms import Terms
from .xmp import XmpValues, read_values

ISCC_ALGORITHM = "io.iscc.v0"

_ACTIONS_LABELS = ("c2pa.actions", "c2pa.actions.v2")
_UNTRUSTED = "signingCredential.untrusted"
SOFT_BINDING_LABEL = "c2pa.soft-binding"
RECORD_LABEL = "org.w3id.rightsledger.record"


@dataclass(frozen=True)
class SoftBinding:
    """A soft binding of the manifest: algorithm and value (for io.iscc.v0, an ISCC code)."""

    algorithm: str
    value: str

    def to_json_dict(self) -> dict[str, str]:
        return {"alg": self.algorithm, "value": self.value}


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
    validation_state: str | None = None
    """The library's overall verdict: Invalid, Valid, or Trusted (the signer chains to a trust anchor)."""
    soft_bindings: tuple[SoftBinding, ...] = ()
    record_link: Mapping[str, Any] | None = None
    """The on-chain record the manifest names (chainId, registry, contentHash, tokenId, caip19)."""
    xmp: XmpValues | None = None
    """The file's XMP values, when read from a file (read_c2pa)."""

    @property
    def iscc(self) -> str | None:
        """The ISCC code of the first io.iscc.v0 soft binding, if any."""
        return next((b.value for b in self.soft_bindings if b.algorithm == ISCC_ALGORITHM), None)

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
            "validationState": self.validation_state,
            "softBindings": [b.to_json_dict() for b in self.soft_bindings],
            "recordLink": dict(self.record_link) if self.record_link else None,
            "xmp": self.xmp.to_json_dict() if self.xmp else None,
        }


def read_manifest_store(path: Path, *, trust_anchors: bytes | str | None = None) -> dict[str, Any] | None:
    """The C2PA manifest store of `path` as JSON, or None if the file carries none. `trust_anchors`:
    PEM root certificates to trust besides the library's defaults."""
    try:
        import c2pa  # type: ignore[import-untyped]
    except ImportError:
        raise ConfigError("reading C2PA manifests needs c2pa-python: pip install 'rightsledger[c2pa]'") from None
    if not path.is_file():
        raise NotFoundError(f"file {path} does not exist")
    try:
        context = _trust_context(c2pa, trust_anchors) if trust_anchors else None
        with c2pa.Reader(str(path), context=context) as reader:
            store: dict[str, Any] = json.loads(reader.json())
    except c2pa.C2paError as exc:
        name = type(exc).__name__
        if "ManifestNotFound" in name:
            return None
        if "NotSupported" in name:
            raise ValidationError(f"{path}: C2PA manifests cannot be read from this type of file") from None
        raise ValidationError(f"{path}: the C2PA manifest cannot be read ({exc})") from None
    return store


def _trust_context(c2pa: Any, anchors: bytes | str) -> Any:
    pem = anchors.decode() if isinstance(anchors, bytes) else anchors
    if "BEGIN CERTIFICATE" not in pem:
        raise ValidationError("the trust anchors must be PEM certificates")
    settings = c2pa.Settings.from_dict({"trust": {"user_anchors": pem}, "verify": {"verify_trust": True}})
    return c2pa.Context(settings)


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

    bindings: list[SoftBinding] = []
    soft = assertions.get(SOFT_BINDING_LABEL)
    if isinstance(soft, Mapping):
        algorithm = str(soft.get("alg") or "")
        for block in soft.get("blocks") or []:
            if isinstance(block, Mapping) and block.get("value"):
                bindings.append(SoftBinding(algorithm, str(block["value"])))
    link = assertions.get(RECORD_LABEL)

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
        validation_state=store.get("validation_state"),
        soft_bindings=tuple(bindings),
        record_link=link if isinstance(link, Mapping) else None,
    )


def read_c2pa(path: str | Path, *, trust_anchors: bytes | str | None = None) -> C2paOffer | None:
    """The offer from a file's C2PA manifest (with the file's XMP values), or None if the file
    has no manifest."""
    store = read_manifest_store(Path(path), trust_anchors=trust_anchors)
    if store is None:
        return None
    offer = offer_from_manifest_store(store)
    return replace(offer, xmp=read_values(Path(path).read_bytes()))
