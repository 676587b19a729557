"""The one registry of export formats, for every front end (CLI `export` / `signals`, the gateway's
exports routes): a format's name, what it is made from (one work, or a publisher's set of works),
its media type, and the pure function that renders it.

Per-work formats render exactly the documents the CLI and the gateway have always returned
(tests/golden pins them); set formats are the crawler signals of `signals.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
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
    content_usage_header,
    robots_txt,
    rsl_xml,
    signal_headers,
    tdmrep_json,
)
from .tdmrep import tdm_declaration, tdm_policy

JSON = "application/json"
JSON_LD = "application/ld+json"
TEXT = "text/plain; charset=utf-8"


class Scope(StrEnum):
    WORK = "work"
    """Rendered for one work; several works give one document each."""
    WORKS = "works"
    """Rendered once for a set of works served by one publisher (each needs a location)."""


@dataclass(frozen=True)
class ExportOptions:
    """Every option any format reads; each format ignores those it does not name."""

    policy_url: str | None = None
    """tdmrep, tdmrep.json, signal headers: where the TDM policy is served ({hash} allowed);
    tdm-policy: the policy's uid."""
    contact_url: str | None = None
    """tdm-policy: the holder's licensing page."""
    name: str | None = None
    """erc7517: the token's name."""
    license_url: str | None = None
    """robots, headers: where the RSL licence file is served."""
    server_url: str | None = None
    """rsl: an RSL licence server."""
    terms_url: str | None = None
    """rsl: the human-readable terms ({hash} allowed)."""
    currency: str = "ETH"
    """rsl: the code written for the chain's native currency."""
    sitemap: str | None = None
    """robots: a Sitemap line."""
    ai_crawlers: tuple[str, ...] = DEFAULT_AI_CRAWLERS
    """robots: the AI crawlers that get a group of their own."""


Document = dict[str, Any] | list[Any] | str
"""JSON-able document (dict or list) or text (str)."""


@dataclass(frozen=True)
class Exporter:
    name: str
    scope: Scope
    media_type: str
    description: str
    render: Callable[[Sequence[SignalWork], ExportOptions], Document] = field(repr=False)

    def __call__(self, works: Sequence[SignalWork], options: ExportOptions | None = None) -> Document:
        return self.render(works, options or ExportOptions())


def _one(
    build: Callable[[ExportRecord, ExportOptions], Document],
) -> Callable[[Sequence[SignalWork], ExportOptions], Document]:
    def render(works: Sequence[SignalWork], options: ExportOptions) -> Document:
        if len(works) != 1:
            raise ValidationError(f"this format describes one work at a time; got {len(works)}")
        return build(works[0].record, options)

    return render


def _tdmrep(record: ExportRecord, options: ExportOptions) -> dict[str, Any]:
    url = options.policy_url.replace("{hash}", record.content_hash) if options.policy_url else None
    declaration = tdm_declaration(record, policy_url=url)
    return {**declaration.to_json_dict(), "http": declaration.http_headers(), "html": declaration.html_meta()}


def _headers(record: ExportRecord, options: ExportOptions) -> dict[str, Any]:
    return signal_headers(record, policy_url=options.policy_url, license_url=options.license_url)


_EXPORTERS = (
    Exporter("odrl", Scope.WORK, JSON_LD, "the terms as an ODRL 2.2 Offer", _one(lambda r, o: odrl_policy(r))),
    Exporter("tdmrep", Scope.WORK, JSON, "TDMRep values, HTTP headers and HTML meta elements", _one(_tdmrep)),
    Exporter(
        "tdm-policy",
        Scope.WORK,
        JSON_LD,
        "the TDM Policy (ODRL Offer, TDMRep profile)",
        _one(lambda r, o: tdm_policy(r, uid=o.policy_url, contact_url=o.contact_url)),
    ),
    Exporter(
        "cawg", Scope.WORK, JSON, "the CAWG training-mining assertion", _one(lambda r, o: training_mining_assertion(r))
    ),
    Exporter("plus", Scope.WORK, JSON, "the IPTC/PLUS plus:DataMining value", _one(lambda r, o: data_mining(r))),
    Exporter(
        "erc7517",
        Scope.WORK,
        JSON,
        "ERC-721 metadata with ERC-7517 preferences",
        _one(lambda r, o: token_metadata(r, name=o.name)),
    ),
    Exporter(
        "iptc",
        Scope.WORK,
        JSON,
        "the IPTC digital source type of the AI label",
        _one(lambda r, o: digital_source_type(r)),
    ),
    Exporter("headers", Scope.WORK, JSON, "the signal header fields to serve with the work", _one(_headers)),
    Exporter(
        "content-usage",
        Scope.WORK,
        JSON,
        "the IETF AI-preferences Content-Usage header field",
        _one(lambda r, o: content_usage_header(r)),
    ),
    Exporter(
        "tdmrep.json",
        Scope.WORKS,
        JSON,
        "/.well-known/tdmrep.json",
        lambda w, o: tdmrep_json(w, policy_url=o.policy_url),
    ),
    Exporter(
        "robots",
        Scope.WORKS,
        TEXT,
        "robots.txt with Content-Usage rules",
        lambda w, o: robots_txt(w, ai_crawlers=o.ai_crawlers, license_url=o.license_url, sitemap=o.sitemap),
    ),
    Exporter(
        "rsl",
        Scope.WORKS,
        RSL_MEDIA_TYPE,
        "an RSL 1.0 licence file with the licence fees",
        lambda w, o: rsl_xml(w, server_url=o.server_url, terms_url=o.terms_url, currency=o.currency),
    ),
    Exporter("ai-txt", Scope.WORKS, TEXT, "Spawning's ai.txt", lambda w, o: ai_txt(w)),
)

FORMATS: dict[str, Exporter] = {e.name: e for e in _EXPORTERS}
"""Every export format by name."""

SIGNAL_FORMATS = ("tdmrep.json", "robots", "content-usage", "headers", "rsl", "ai-txt")
"""The formats of `rightsledger signals` (crawler signals)."""


def exporter(name: str) -> Exporter:
    """The exporter called `name`; ValidationError listing the choices if there is none."""
    try:
        return FORMATS[name]
    except KeyError:
        raise ValidationError(
            f"unknown export format {name!r}; expected one of: {', '.join(FORMATS)}", code="unknown-format"
        ) from None


def render(name: str, works: Sequence[SignalWork], options: ExportOptions | None = None) -> Document:
    """Render format `name` for `works` (one work for per-work formats)."""
    return exporter(name)(works, options)


__all__ = ["FORMATS", "SIGNAL_FORMATS", "Document", "ExportOptions", "Exporter", "Scope", "exporter", "render"]
