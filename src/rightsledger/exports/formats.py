"""The one registry of export formats: what the CLI's `export FORMAT` and the gateway's
`/works/{hash}/exports/{format}` both dispatch through, so a format is added in one place."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..errors import ValidationError
from .cawg import training_mining_assertion
from .erc7517 import token_metadata
from .iptc import digital_source_type
from .odrl import odrl_policy
from .plus import data_mining
from .record import ExportRecord
from .tdmrep import tdm_declaration, tdm_policy

JSON_LD = "application/ld+json"
JSON = "application/json"


@dataclass(frozen=True)
class ExportOptions:
    """What some formats take besides the record. `policy_url` may contain `{hash}`: the work's hash."""

    policy_url: str | None = None
    contact_url: str | None = None
    name: str | None = None

    def policy_url_for(self, record: ExportRecord) -> str | None:
        return self.policy_url.replace("{hash}", record.content_hash) if self.policy_url else None


@dataclass(frozen=True)
class Exporter:
    name: str
    media_type: str
    summary: str
    build: Callable[[ExportRecord, ExportOptions], Any]


def _tdmrep(record: ExportRecord, options: ExportOptions) -> dict[str, Any]:
    declaration = tdm_declaration(record, policy_url=options.policy_url_for(record))
    return {**declaration.to_json_dict(), "http": declaration.http_headers(), "html": declaration.html_meta()}


FORMATS: dict[str, Exporter] = {
    e.name: e
    for e in (
        Exporter("odrl", JSON_LD, "the terms as an ODRL 2.2 Offer (JSON-LD)", lambda r, o: odrl_policy(r)),
        Exporter(
            "tdmrep", JSON, "the TDMRep `tdm-reservation` / `tdm-policy` values, HTTP headers and HTML meta", _tdmrep
        ),
        Exporter(
            "tdm-policy",
            JSON_LD,
            "the TDM Policy (an ODRL Offer in the TDMRep profile, JSON-LD)",
            lambda r, o: tdm_policy(r, uid=o.policy_url_for(r), contact_url=o.contact_url),
        ),
        Exporter(
            "cawg", JSON, "the CAWG `cawg.training-mining` assertion", lambda r, o: training_mining_assertion(r)
        ),
        Exporter("plus", JSON, "the IPTC/PLUS `plus:DataMining` value", lambda r, o: data_mining(r)),
        Exporter(
            "erc7517",
            JSON,
            "ERC-721 token metadata with the ERC-7517 `dataMiningPreference`",
            lambda r, o: token_metadata(r, name=o.name),
        ),
        Exporter("iptc", JSON, "the IPTC digital source type of the AI label", lambda r, o: digital_source_type(r)),
    )
}
"""Single-record formats by name, in the order the README lists them."""


def export(name: str, record: ExportRecord, options: ExportOptions | None = None) -> Any:
    """The work's record as format `name` (ValidationError `unknown-format` naming the choices otherwise)."""
    exporter = FORMATS.get(name)
    if exporter is None:
        raise ValidationError(
            f"unknown export format {name!r}; expected one of: {', '.join(FORMATS)}", code="unknown-format"
        )
    return exporter.build(record, options or ExportOptions())


__all__ = ["FORMATS", "JSON", "JSON_LD", "ExportOptions", "Exporter", "export"]
