"""The CAWG training-and-data-mining assertion (`cawg.training-mining`, CAWG 1.1) of a work,
and the reverse: terms to register from such an assertion found in a C2PA manifest.

Entries: `cawg.data_mining` (our `tdm`), `cawg.ai_inference`, `cawg.ai_generative_training`,
`cawg.ai_training`. Open uses are `allowed`, denied ones `notAllowed`; uses under a licence, a
time window or duties are `constrained`, with the conditions and the record in `constraint_info`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import ValidationError
from ..terms import Rule, Terms
from ..vocabulary import Mode, Use
from .record import Access, ExportRecord

LABEL = "cawg.training-mining"
SOFT_BINDING_LABEL = "c2pa.soft-binding"
ISCC_ALG = "io.iscc.v0"
LEGACY_LABELS = ("c2pa.training-mining",)
"""The C2PA 1.x label of the same assertion, read on import."""

ENTRIES: dict[Use, str] = {
    Use.TDM: "cawg.data_mining",
    Use.AI_INFERENCE: "cawg.ai_inference",
    Use.AI_GENERATIVE_TRAINING: "cawg.ai_generative_training",
    Use.AI_TRAINING: "cawg.ai_training",
}
_VALUES = {Access.OPEN: "allowed", Access.CONDITIONAL: "constrained", Access.DENIED: "notAllowed"}


def training_mining_assertion(record: ExportRecord) -> dict[str, Any]:
    """The assertion as a C2PA manifest definition carries it: {"label", "data": {"entries"}}."""
    entries: dict[str, dict[str, str]] = {}
    for use, key in ENTRIES.items():
        state = record.access(use)
        entry = {"use": _VALUES[state.access]}
        if state.access is Access.CONDITIONAL:
            entry["constraint_info"] = record.conditions_text(use)
        entries[key] = entry
    assertion: dict[str, Any] = {"label": LABEL, "data": {"entries": entries}}
    if record.iscc is not None:
        assertion["softBinding"] = soft_binding_assertion(record.iscc)
    return assertion


def soft_binding_assertion(iscc: str) -> dict[str, Any]:
    """The `c2pa.soft-binding` assertion that names the work by its ISCC (algorithm `io.iscc.v0`),
    which the same manifest carries beside the training-mining assertion (what `embed` writes)."""
    return {"label": SOFT_BINDING_LABEL, "data": {"alg": ISCC_ALG, "blocks": [{"scope": {}, "value": iscc}]}}


def terms_from_assertion(data: Mapping[str, Any], *, base: Terms | None = None) -> Terms:
    """Terms that say what a training-mining assertion says: `allowed` -> allow, `constrained`
    -> licence (the holder grants it; no fee is known), `notAllowed` -> deny. Reads the CAWG
    and the C2PA 1.x (`c2pa.` prefixed) entry names; uses it does not name keep `base`'s rule."""
    entries = data.get("entries", data)
    if not isinstance(entries, Mapping):
        raise ValidationError("the training-mining assertion has no entries map")
    rules: dict[Use, Rule] = dict((base or Terms()).rules)
    for use, key in ENTRIES.items():
        entry = entries.get(key) or entries.get(key.replace("cawg.", "c2pa.", 1))
        if entry is None:
            continue
        value = entry.get("use") if isinstance(entry, Mapping) else None
        if value == "allowed":
            rules[use] = Rule(mode=Mode.ALLOW)
        elif value == "constrained":
            rules[use] = Rule(mode=Mode.LICENCE)
        elif value == "notAllowed":
            rules.pop(use, None)
        else:
            raise ValidationError(
                f"training-mining entry {key} has use {value!r}; expected allowed, notAllowed or constrained"
            )
    return Terms(rules=rules, expires=base.expires if base else None)
