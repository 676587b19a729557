"""The IPTC / PLUS data-mining value (XMP `plus:DataMining`, IPTC Photo Metadata 2023.1) of a work.

PLUS has one value for the whole work, built from mining (`tdm`) and the two AI training uses:
all open -> DMI-ALLOWED; all denied -> DMI-PROHIBITED; mining and AI training open but not
generative AI training -> DMI-PROHIBITED-GENAIMLTRAINING; mining open, no AI training ->
DMI-PROHIBITED-AIMLTRAINING; anything else (licences, windows, duties, or combinations PLUS has
no value for) -> DMI-PROHIBITED-SEECONSTRAINT with the conditions in `plus:OtherConstraints`.
"""

from __future__ import annotations

from typing import Any

from ..vocabulary import Use
from .record import Access, ExportRecord

PLUS_XMP_NS = "http://ns.useplus.org/ldf/xmp/1.0/"
PLUS_VOCAB = "http://ns.useplus.org/ldf/vocab/"
DC_XMP_NS = "http://purl.org/dc/elements/1.1/"


def data_mining(record: ExportRecord) -> dict[str, Any]:
    """{"plus:DataMining": URI, "plus:OtherConstraints": text (when it says "see constraint")}."""
    tdm, training, generative = (record.access(u) for u in (Use.TDM, Use.AI_TRAINING, Use.AI_GENERATIVE_TRAINING))
    kinds = (tdm.access, training.access, generative.access)
    out: dict[str, Any] = {"xmlns:plus": PLUS_XMP_NS}
    if kinds == (Access.OPEN, Access.OPEN, Access.OPEN):
        value = "DMI-ALLOWED"
    elif kinds == (Access.DENIED, Access.DENIED, Access.DENIED):
        value = "DMI-PROHIBITED"
    elif kinds == (Access.OPEN, Access.OPEN, Access.DENIED):
        value = "DMI-PROHIBITED-GENAIMLTRAINING"
    elif kinds == (Access.OPEN, Access.DENIED, Access.DENIED):
        value = "DMI-PROHIBITED-AIMLTRAINING"
    else:
        value = "DMI-PROHIBITED-SEECONSTRAINT"
        lines = []
        for state, name in ((tdm, "data mining"), (training, "AI training"), (generative, "generative AI training")):
            if state.access is Access.OPEN:
                lines.append(f"{name}: allowed")
            elif state.access is Access.DENIED:
                lines.append(f"{name}: not allowed")
            else:
                lines.append(f"{name}: {'; '.join(state.conditions)}")
        out["plus:OtherConstraints"] = ". ".join(lines) + f". Terms: rightsledger record {record.caip19}"
    out["plus:DataMining"] = PLUS_VOCAB + value
    if record.iscc is not None:  # the work's identifier beside the value, as XMP carries it (dc:identifier)
        out["xmlns:dc"] = DC_XMP_NS
        out["dc:identifier"] = record.iscc
    return out
