"""The public summary of training content a general-purpose AI provider must publish (Art. 53(1)(d)
AI Act), on the AI Office's template (Explanatory Notice and Template, July 2025), generated from
what the registry knows: dataset declarations and their manifests' metadata, audit receipts
pinned to a block, licences bought, violations recorded, removal requests and acknowledgements,
and opted-out works excluded.

Sections follow the template: 1 general information (provider, model, modalities, training data
size per modality as the template's ranges, content types, latest collection date), 2 data
sources (2.1 public datasets, 2.2 private datasets from third parties: 2.2.1 licensed by
rightsholders, 2.2.2 other; 2.3 crawled and scraped data with crawlers, collection period and the
top 10 % of domains by size; 2.4 user data; 2.5 synthetic data; 2.6 other), 3 data processing
(3.1 measures to respect reservations of rights under Art. 4(3) DSM Directive, with evidence;
3.2 removal of illegal content; 3.3 other). Anything the registry cannot know is the string
`TO_COMPLETE`. The JSON schema is documented in docs/provenance-and-exports.md; HTML and PDF
renderings are in `summary_render`.

The dataset manifest (`rightsledger-dataset-manifest-v1`) gains an optional `metadata` object,
read by `dataset_metadata`; manifests without it load as before and give "to be completed".
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from ..errors import ValidationError
from ..terms import format_wei
from ..vocabulary import Use
from .summary_metadata import Crawler, DatasetMetadata, Modality, SourceKind, dataset_metadata

SCHEMA = "https://w3id.org/rightsledger/schemas/training-content-summary/v1"
TEMPLATE = (
    "Template for the Public Summary of Training Content for general-purpose AI models "
    "(AI Office, July 2025; Art. 53(1)(d) Regulation (EU) 2024/1689)"
)
TO_COMPLETE = "to be completed by the provider"


SECTIONS: dict[SourceKind, str] = {
    SourceKind.PUBLIC: "2.1",
    SourceKind.LICENSED: "2.2.1",
    SourceKind.PRIVATE_THIRD_PARTY: "2.2.2",
    SourceKind.CRAWLED: "2.3",
    SourceKind.USER: "2.4",
    SourceKind.SYNTHETIC: "2.5",
    SourceKind.OTHER: "2.6",
}

SIZE_RANGES: dict[Modality, tuple[str, tuple[tuple[float, str], ...]]] = {
    Modality.TEXT: ("tokens", ((1e9, "less than 1 billion tokens"), (1e13, "1 billion to 10 trillion tokens"))),
    Modality.IMAGE: ("images", ((1e6, "less than 1 million images"), (1e9, "1 million to 1 billion images"))),
    Modality.AUDIO: ("hours", ((1e4, "less than 10,000 hours"), (1e7, "10,000 to 10 million hours"))),
    Modality.VIDEO: ("hours", ((1e3, "less than 1,000 hours"), (1e6, "1,000 to 1 million hours"))),
}
"""Per modality: the unit the template counts in, and (upper bound, range) pairs; above the last
bound the range is "more than <bound>". The template asks for a range, not the exact size."""
_ABOVE = {
    Modality.TEXT: "more than 10 trillion tokens",
    Modality.IMAGE: "more than 1 billion images",
    Modality.AUDIO: "more than 10 million hours",
    Modality.VIDEO: "more than 1 million hours",
}


def size_range(modality: Modality, amount: float) -> str:
    """The template's size range for `amount` (in the modality's unit)."""
    if modality is Modality.OTHER:
        return TO_COMPLETE
    _, bounds = SIZE_RANGES[modality]
    for bound, label in bounds:
        if amount < bound:
            return label
    return _ABOVE[modality]


# ---------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class DeclarationInput:
    """A dataset declaration as the registry recorded it, with its manifest's metadata."""

    dataset_id: int
    root: str
    item_count: int
    use: Use
    declared_at: datetime
    declarer: str = ""
    manifest_uri: str = ""
    metadata: DatasetMetadata = field(default_factory=DatasetMetadata)


@dataclass(frozen=True)
class AuditInput:
    """An audit receipt: what the registry answered for a dataset's items at one block."""

    block: int
    block_time: datetime
    use: Use
    items: int
    counts: Mapping[str, int]
    """Answers: cleared, needs-licence, denied, unregistered, disputed."""
    dataset_id: int | None = None
    chain_id: int | None = None
    registry: str | None = None
    opted_out_excluded: int = 0
    """Works the trainer removed from the dataset because their holders opted out or denied."""


@dataclass(frozen=True)
class LicenceInput:
    licence_id: int
    content_hash: str
    use: Use
    price: int
    """wei"""
    block: int
    dataset_id: int | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class ViolationInput:
    dataset_id: int
    content_hash: str
    block: int
    answer: str = ""


@dataclass(frozen=True)
class RemovalInput:
    dataset_id: int
    content_hash: str
    requested_at: datetime
    acknowledged_at: datetime | None = None
    note: str = ""


@dataclass(frozen=True)
class ProviderInput:
    name: str
    contact: str | None = None
    authorised_representative: str | None = None


@dataclass(frozen=True)
class ModelInput:
    name: str
    version: str
    dependencies: str | None = None
    placed_on_market: date | None = None
    knowledge_cutoff: date | None = None


@dataclass(frozen=True)
class SummaryInput:
    provider: ProviderInput
    model: ModelInput
    declarations: Sequence[DeclarationInput]
    audits: Sequence[AuditInput] = ()
    licences: Sequence[LicenceInput] = ()
    violations: Sequence[ViolationInput] = ()
    removals: Sequence[RemovalInput] = ()
    chain_id: int | None = None
    registry: str | None = None
    sme: bool = False
    """SMEs may list the top 5 % of domains (at most 1,000) instead of the top 10 %."""


# ---------------------------------------------------------------------- the summary


def _or_todo(value: Any) -> Any:
    return TO_COMPLETE if value in (None, "", [], ()) else value


def _iso(value: date | datetime | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return value.isoformat()


def top_domains(sizes: Mapping[str, int], *, sme: bool = False) -> list[dict[str, Any]]:
    """The top 10 % of domains by size (rounded up; SMEs: 5 %, at most 1,000), largest first."""
    ranked = sorted(sizes.items(), key=lambda kv: (-kv[1], kv[0]))
    share = 0.05 if sme else 0.10
    count = math.ceil(len(ranked) * share)
    if sme:
        count = min(count, 1000)
    return [{"domain": d, "size": s} for d, s in ranked[:count]]


def _dataset_entry(d: DeclarationInput, licences: Sequence[LicenceInput]) -> dict[str, Any]:
    meta = d.metadata
    entry: dict[str, Any] = {
        "datasetId": d.dataset_id,
        "name": _or_todo(meta.name),
        "root": d.root,
        "items": d.item_count,
        "use": d.use.value,
        "declaredAt": _iso(d.declared_at),
        "declarer": d.declarer or None,
        "manifest": d.manifest_uri or None,
        "modality": meta.modality.value if meta.modality else TO_COMPLETE,
        "contentTypes": _or_todo(list(meta.content_types)),
        "url": meta.url,
    }
    if meta.source_kind is SourceKind.LICENSED:
        bought = [lic for lic in licences if lic.dataset_id == d.dataset_id]
        entry["licensor"] = _or_todo(meta.licensor)
        entry["licencesBought"] = {
            "count": len(bought),
            "totalPaidWei": str(sum(lic.price for lic in bought)),
            "totalPaid": format_wei(sum(lic.price for lic in bought)),
            "uses": sorted({lic.use.value for lic in bought}),
        }
    return entry


def _section1(data: SummaryInput) -> dict[str, Any]:
    by_modality: dict[Modality, list[DeclarationInput]] = {}
    for d in data.declarations:
        if d.metadata.modality is not None:
            by_modality.setdefault(d.metadata.modality, []).append(d)
    sizes: dict[str, Any] = {}
    for modality, decls in by_modality.items():
        unit = SIZE_RANGES[modality][0] if modality in SIZE_RANGES else "items"
        items = sum(d.item_count for d in decls)
        stated = [d.metadata.size for d in decls]
        if modality is Modality.IMAGE:
            amount: float | None = float(items)  # one item of an image dataset is one image
        else:
            amount = sum(s for s in stated if s is not None) if all(s is not None for s in stated) else None
        sizes[modality.value] = {
            "unit": unit,
            "range": size_range(modality, amount) if amount is not None else TO_COMPLETE,
            "declaredItems": items,
        }
    content_types: dict[str, list[str]] = {}
    for modality, decls in by_modality.items():
        content_types[modality.value] = sorted({t for d in decls for t in d.metadata.content_types}) or [TO_COMPLETE]
    ends = [d.metadata.collection_end for d in data.declarations if d.metadata.collection_end]
    unknown_modality = [d.dataset_id for d in data.declarations if d.metadata.modality is None]
    return {
        "provider": {
            "name": data.provider.name,
            "contact": _or_todo(data.provider.contact),
            "authorisedRepresentative": _or_todo(data.provider.authorised_representative),
        },
        "model": {
            "name": data.model.name,
            "version": data.model.version,
            "dependencies": _or_todo(data.model.dependencies),
            "placedOnMarket": _or_todo(_iso(data.model.placed_on_market)),
            "knowledgeCutoff": _or_todo(_iso(data.model.knowledge_cutoff)),
        },
        "modalities": sorted(m.value for m in by_modality) or [TO_COMPLETE],
        "datasetsWithoutModality": unknown_modality,
        "trainingDataSize": sizes or TO_COMPLETE,
        "contentTypes": content_types or TO_COMPLETE,
        "languages": sorted({lang for d in data.declarations for lang in d.metadata.languages}) or TO_COMPLETE,
        "latestDataCollection": _iso(max(ends)) if ends else TO_COMPLETE,
    }


def _section2(data: SummaryInput) -> dict[str, Any]:
    grouped: dict[SourceKind | None, list[DeclarationInput]] = {}
    for d in data.declarations:
        grouped.setdefault(d.metadata.source_kind, []).append(d)

    def block(kind: SourceKind) -> dict[str, Any]:
        decls = grouped.get(kind, [])
        return {
            "section": SECTIONS[kind],
            "used": bool(decls) or TO_COMPLETE,
            "datasets": [_dataset_entry(d, data.licences) for d in decls],
        }

    crawled = grouped.get(SourceKind.CRAWLED, [])
    domains: Counter[str] = Counter()
    for d in crawled:
        domains.update(d.metadata.domains)
    crawlers: dict[str, dict[str, Any]] = {}
    for d in crawled:
        for c in d.metadata.crawlers:
            crawlers.setdefault(
                c.name, {"name": c.name, "userAgent": c.user_agent, "purpose": _or_todo(c.purpose), "respects": []}
            )
            crawlers[c.name]["respects"] = sorted(set(crawlers[c.name]["respects"]) | set(c.respects))
    starts = [d.metadata.collection_start for d in crawled if d.metadata.collection_start]
    ends = [d.metadata.collection_end for d in crawled if d.metadata.collection_end]
    crawl = block(SourceKind.CRAWLED)
    crawl.update(
        {
            "crawlers": list(crawlers.values()) or (TO_COMPLETE if crawled else []),
            "collectionPeriod": {"start": _iso(min(starts)), "end": _iso(max(ends))}
            if starts and ends
            else (TO_COMPLETE if crawled else None),
            "contentTypes": sorted({t for d in crawled for t in d.metadata.content_types})
            or (TO_COMPLETE if crawled else []),
            "topDomains": top_domains(domains, sme=data.sme) if domains else (TO_COMPLETE if crawled else []),
            "topDomainsRule": "top 5 % (at most 1,000) by size" if data.sme else "top 10 % by size",
            "domainsSeen": len(domains),
        }
    )
    return {
        "publicDatasets": block(SourceKind.PUBLIC),
        "privateDatasets": {
            "licensed": block(SourceKind.LICENSED),
            "otherThirdParty": block(SourceKind.PRIVATE_THIRD_PARTY),
        },
        "crawledData": crawl,
        "userData": block(SourceKind.USER),
        "syntheticData": block(SourceKind.SYNTHETIC),
        "otherSources": block(SourceKind.OTHER),
        "unclassified": [_dataset_entry(d, data.licences) for d in grouped.get(None, [])],
    }


def _section3(data: SummaryInput) -> dict[str, Any]:
    audits = sorted(data.audits, key=lambda a: a.block)
    acknowledged = [r for r in data.removals if r.acknowledged_at is not None]
    waits = sorted(
        (r.acknowledged_at - r.requested_at).total_seconds() / 86400 for r in acknowledged if r.acknowledged_at
    )
    excluded = sum(a.opted_out_excluded for a in audits)
    measures: list[str] = []
    if audits:
        where = f"chain {data.chain_id}, registry {data.registry}" if data.chain_id else "the rightsledger registry"
        measures.append(
            f"Every dataset item was checked against {where} before training: "
            f"{len(audits)} audit(s), pinned to blocks {', '.join(str(a.block) for a in audits)}; "
            "each receipt states the registry's answer per item at that block."
        )
    if excluded:
        measures.append(f"{excluded} work(s) whose holders opted out or denied the use were excluded from the data.")
    if data.licences:
        paid = sum(lic.price for lic in data.licences)
        measures.append(
            f"{len(data.licences)} licence(s) were bought on chain for works that required one "
            f"({format_wei(paid)} in total)."
        )
    crawlers = [c for d in data.declarations for c in d.metadata.crawlers if c.respects]
    if crawlers:
        honoured = sorted({p for c in crawlers for p in c.respects})
        measures.append(f"Crawlers honoured these machine-readable reservations: {', '.join(honoured)}.")
    measures.append(
        "Each dataset is declared on chain (Merkle root of its content hashes), so any rights holder can prove "
        "whether a work is included; a proof records a violation when the use was not permitted."
    )
    return {
        "tdmReservations": {
            "section": "3.1",
            "measures": measures,
            "furtherMeasures": TO_COMPLETE,
            "evidence": {
                "audits": [
                    {
                        "datasetId": a.dataset_id,
                        "block": a.block,
                        "blockTime": _iso(a.block_time),
                        "use": a.use.value,
                        "items": a.items,
                        "answers": dict(a.counts),
                        "optedOutExcluded": a.opted_out_excluded,
                    }
                    for a in audits
                ],
                "optedOutExcluded": excluded,
                "licencesBought": len(data.licences),
                "violations": [
                    {
                        "datasetId": v.dataset_id,
                        "contentHash": v.content_hash,
                        "block": v.block,
                        "answer": v.answer or None,
                    }
                    for v in sorted(data.violations, key=lambda v: v.block)
                ],
                "removalRequests": {
                    "received": len(data.removals),
                    "acknowledged": len(acknowledged),
                    "open": len(data.removals) - len(acknowledged),
                    "medianDaysToAcknowledge": waits[len(waits) // 2] if waits else None,
                    "requests": [
                        {
                            "datasetId": r.dataset_id,
                            "contentHash": r.content_hash,
                            "requestedAt": _iso(r.requested_at),
                            "acknowledgedAt": _iso(r.acknowledged_at),
                        }
                        for r in sorted(data.removals, key=lambda r: r.requested_at)
                    ],
                },
            },
        },
        "illegalContentRemoval": {"section": "3.2", "measures": TO_COMPLETE},
        "otherInformation": {"section": "3.3", "information": TO_COMPLETE},
    }


def training_summary(data: SummaryInput, *, generated_at: datetime | None = None) -> dict[str, Any]:
    """The summary as JSON (schema `SCHEMA`, documented in docs/provenance-and-exports.md)."""
    if not data.declarations:
        raise ValidationError("a training-content summary needs at least one dataset declaration")
    if not data.provider.name.strip() or not data.model.name.strip() or not data.model.version.strip():
        raise ValidationError("the summary needs the provider's name and the model's name and version")
    ids = [d.dataset_id for d in data.declarations]
    if len(set(ids)) != len(ids):
        raise ValidationError("a dataset is listed twice")
    return {
        "schema": SCHEMA,
        "template": TEMPLATE,
        "generatedAt": _iso(generated_at or datetime.now(UTC)),
        "generatedBy": "rightsledger",
        "registry": {"chainId": data.chain_id, "workRegistry": data.registry},
        "datasets": ids,
        "toComplete": TO_COMPLETE,
        "section1": _section1(data),
        "section2": _section2(data),
        "section3": _section3(data),
    }


def todo_fields(summary: Mapping[str, Any], prefix: str = "") -> list[str]:
    """Dotted paths of every field still marked `TO_COMPLETE` (the provider's to-do list)."""
    out: list[str] = []
    for key, value in summary.items():
        if key == "toComplete":
            continue
        path = f"{prefix}.{key}" if prefix else str(key)
        if value == TO_COMPLETE or (isinstance(value, list) and value == [TO_COMPLETE]):
            out.append(path)
        elif isinstance(value, Mapping):
            out += todo_fields(value, path)
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, Mapping):
                    out += todo_fields(item, f"{path}[{i}]")
    return out


__all__ = [
    "SCHEMA",
    "SECTIONS",
    "SIZE_RANGES",
    "TEMPLATE",
    "TO_COMPLETE",
    "AuditInput",
    "Crawler",
    "DatasetMetadata",
    "DeclarationInput",
    "LicenceInput",
    "Modality",
    "ModelInput",
    "ProviderInput",
    "RemovalInput",
    "SourceKind",
    "SummaryInput",
    "ViolationInput",
    "dataset_metadata",
    "size_range",
    "todo_fields",
    "top_domains",
    "training_summary",
]
