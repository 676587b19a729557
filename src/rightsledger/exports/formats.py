"""The one registry of export formats: what the CLI's `export FORMAT` and the gateway's
`/works/{hash}/exports/{format}` both dispatch through, so a format is added in one place.

`FORMATS` are the single-record formats (one document per work); `SIGNAL_FORMATS` the crawler
signals, one document for a publisher's set of works, each with the path it is served at
(`signals.SignalWork`): what `rightsledger signals FORMAT` and the gateway's `/robots.txt`,
`/.well-known/tdmrep.json`, ... serve."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import ValidationError
from .cawg import training_mining_assertion
from .erc7517 import token_metadata
from .iptc import digital_source_type
from .odrl import odrl_policy
from .plus import data_mining
from .record import ExportRecord
from .signals import (
    DEFAULT_AI_CRAWLERS,
    RSL_MEDIA_TYPE,
    SignalWork,
    ai_txt,
    content_usage,
    robots_txt,
    rsl_xml,
    signal_headers,
    tdmrep_json,
)
from .tdmrep import tdm_declaration, tdm_policy

JSON_LD = "application/ld+json"
JSON = "application/json"
TEXT = "text/plain; charset=utf-8"


@dataclass(frozen=True)
class ExportOptions:
    """What some formats take besides the record. `policy_url` may contain `{hash}`: the work's hash."""

    policy_url: str | None = None
    contact_url: str | None = None
    name: str | None = None
    # Crawler signals (SIGNAL_FORMATS) only:
    license_url: str | None = None
    """robots, headers: where the RSL licence file is served."""
    server_url: str | None = None
    """rsl: an RSL licence server."""
    terms_url: str | None = None
    """rsl: the human-readable terms ({hash} allowed)."""
    currency: str = "ETH"
    """rsl: the code written for the chain's native currency (ISO 4217 has none)."""
    sitemap: str | None = None
    """robots: a Sitemap line."""
    ai_crawlers: tuple[str, ...] = DEFAULT_AI_CRAWLERS
    """robots: the AI-training crawlers that get a group of their own."""

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
        Exporter("cawg", JSON, "the CAWG `cawg.training-mining` assertion", lambda r, o: training_mining_assertion(r)),
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


# ---------------------------------------------------------------------- crawler signals


Document = dict[str, Any] | list[Any] | str
"""A JSON-able document (dict, list) or a text file (str)."""


@dataclass(frozen=True)
class SignalExporter:
    name: str
    media_type: str
    summary: str
    build: Callable[[Sequence[SignalWork], ExportOptions], Document]


def _per_path(
    build: Callable[[ExportRecord, ExportOptions], Any],
) -> Callable[[Sequence[SignalWork], ExportOptions], Document]:
    def render(works: Sequence[SignalWork], options: ExportOptions) -> Document:
        if not works:
            raise ValidationError("no works given; name a holder, a collection or a manifest of works")
        missing = [w.record.content_hash for w in works if not w.location]
        if missing:
            raise ValidationError(
                f"work {missing[0]} has no location; give the path it is served at (e.g. /works/a.jpg)"
            )
        return {str(w.location): build(w.record, options) for w in works}

    return render


SIGNAL_FORMATS: dict[str, SignalExporter] = {
    e.name: e
    for e in (
        SignalExporter(
            "tdmrep.json",
            JSON,
            "`/.well-known/tdmrep.json`: tdm-reservation and tdm-policy per path",
            lambda w, o: tdmrep_json(w, policy_url=o.policy_url),
        ),
        SignalExporter(
            "robots",
            TEXT,
            "robots.txt with IETF AI-preference `Content-Usage` rules and AI-crawler groups",
            lambda w, o: robots_txt(w, ai_crawlers=o.ai_crawlers, license_url=o.license_url, sitemap=o.sitemap),
        ),
        SignalExporter(
            "content-usage",
            JSON,
            "the `Content-Usage` header value per path",
            _per_path(lambda r, o: content_usage(r)),
        ),
        SignalExporter(
            "headers",
            JSON,
            "every signal header field per path (TDMRep, Content-Usage, Link to the RSL file)",
            _per_path(lambda r, o: signal_headers(r, policy_url=o.policy_url, license_url=o.license_url)),
        ),
        SignalExporter(
            "rsl",
            RSL_MEDIA_TYPE,
            "an RSL 1.0 licence file with the licence fees",
            lambda w, o: rsl_xml(w, server_url=o.server_url, terms_url=o.terms_url, currency=o.currency),
        ),
        SignalExporter("ai-txt", TEXT, "Spawning's ai.txt", lambda w, o: ai_txt(w)),
    )
}
"""Crawler-signal formats by name (docs/provenance-and-exports.md, "Signals for crawlers")."""


def export_signals(name: str, works: Sequence[SignalWork], options: ExportOptions | None = None) -> Document:
    """The signal file `name` for a publisher's works (ValidationError `unknown-format` otherwise)."""
    exporter = SIGNAL_FORMATS.get(name)
    if exporter is None:
        raise ValidationError(
            f"unknown signal format {name!r}; expected one of: {', '.join(SIGNAL_FORMATS)}", code="unknown-format"
        )
    return exporter.build(works, options or ExportOptions())


__all__ = [
    "FORMATS",
    "JSON",
    "JSON_LD",
    "SIGNAL_FORMATS",
    "TEXT",
    "Document",
    "ExportOptions",
    "Exporter",
    "SignalExporter",
    "export",
    "export_signals",
]
