"""The IPTC digital source type of a work's AI disclosure (see rightsledger.disclosure)."""

from __future__ import annotations

from typing import Any

from ..errors import NotFoundError
from .record import ExportRecord


def digital_source_type(record: ExportRecord) -> dict[str, Any]:
    """{"digitalSourceType": URI, "label": text form, ...}; NotFoundError if no disclosure was set."""
    if record.disclosure is None:
        raise NotFoundError(
            f"{record.content_hash} has no AI disclosure; its holder sets one with `rightsledger disclose`",
            code="no-disclosure",
        )
    identifier = {} if record.iscc is None else {"iscc": record.iscc}
    return {"contentHash": record.content_hash, **identifier, **record.disclosure.to_json_dict()}
