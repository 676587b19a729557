"""The dataset manifest's metadata extension: an optional top-level `metadata` object in a
`rightsledger-dataset-manifest-v1` manifest, with what the AI Act training-content summary needs
(modality, content types, source kind, domains, collection period, crawlers). Manifests without
it load as before (nothing known). Read by `dataset_metadata`; used by workflows/summary.py."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from ..errors import ValidationError


class Modality(StrEnum):
    TEXT = "text"
    IMAGE = "image"
    AUDIO = "audio"
    VIDEO = "video"
    OTHER = "other"


class SourceKind(StrEnum):
    """Where a dataset came from, as the template's section 2 sorts sources."""

    PUBLIC = "public-dataset"
    LICENSED = "licensed"
    PRIVATE_THIRD_PARTY = "private-third-party"
    CRAWLED = "crawled"
    USER = "user-data"
    SYNTHETIC = "synthetic"
    OTHER = "other"


# ---------------------------------------------------------------------- the manifest extension


@dataclass(frozen=True)
class Crawler:
    name: str
    user_agent: str | None = None
    purpose: str | None = None
    respects: tuple[str, ...] = ()
    """Reservation protocols it honours, e.g. robots.txt, tdmrep, ai-preferences, rsl, ai.txt."""


@dataclass(frozen=True)
class DatasetMetadata:
    """What a dataset manifest's `metadata` object says (everything optional)."""

    name: str | None = None
    modality: Modality | None = None
    content_types: tuple[str, ...] = ()
    source_kind: SourceKind | None = None
    domains: Mapping[str, int] = field(default_factory=dict)
    """Domain name -> size of the content from it (items, or bytes: one unit per manifest)."""
    collection_start: date | None = None
    collection_end: date | None = None
    crawlers: tuple[Crawler, ...] = ()
    languages: tuple[str, ...] = ()
    size: float | None = None
    """Size in the modality's unit (tokens, images, hours), when the builder states it."""
    licensor: str | None = None
    url: str | None = None


_METADATA_KEYS = {
    "name", "modality", "contentTypes", "sourceKind", "domains", "collectionPeriod",
    "crawlers", "languages", "size", "licensor", "url",
}  # fmt: skip


def dataset_metadata(manifest_header: Mapping[str, Any]) -> DatasetMetadata:
    """The metadata of a dataset manifest (its top-level `metadata` object; absent: nothing known).

    ``{"metadata": {"name", "modality": text|image|audio|video|other, "contentTypes": [..],
    "sourceKind": public-dataset|licensed|private-third-party|crawled|user-data|synthetic|other,
    "domains": {"example.org": 1200, ...}, "collectionPeriod": {"start": "2025-01-01", "end": "2025-06-30"},
    "crawlers": [{"name", "userAgent", "purpose", "respects": ["robots.txt", "tdmrep"]}],
    "languages": ["en", ..], "size": 1.2e9, "licensor", "url"}}``
    """
    raw = manifest_header.get("metadata")
    if raw is None:
        return DatasetMetadata()
    if not isinstance(raw, Mapping):
        raise ValidationError("manifest metadata must be a JSON object")
    unknown = sorted(set(raw) - _METADATA_KEYS)
    if unknown:
        raise ValidationError(
            f"manifest metadata has unknown keys {', '.join(unknown)}; known: {', '.join(sorted(_METADATA_KEYS))}"
        )
    period = raw.get("collectionPeriod") or {}
    if not isinstance(period, Mapping):
        raise ValidationError('manifest metadata collectionPeriod must be {"start": date, "end": date}')
    start, end = _date(period.get("start"), "start"), _date(period.get("end"), "end")
    if start and end and end < start:
        raise ValidationError(f"manifest metadata collectionPeriod ends ({end}) before it starts ({start})")
    return DatasetMetadata(
        name=_text(raw.get("name"), "name"),
        modality=_enum(Modality, raw.get("modality"), "modality"),
        content_types=_texts(raw.get("contentTypes"), "contentTypes"),
        source_kind=_enum(SourceKind, raw.get("sourceKind"), "sourceKind"),
        domains=_domains(raw.get("domains")),
        collection_start=start,
        collection_end=end,
        crawlers=tuple(_crawler(c) for c in _list(raw.get("crawlers"), "crawlers")),
        languages=_texts(raw.get("languages"), "languages"),
        size=_number(raw.get("size"), "size"),
        licensor=_text(raw.get("licensor"), "licensor"),
        url=_text(raw.get("url"), "url"),
    )


def _text(value: Any, key: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"manifest metadata {key} must be a non-empty string")
    return value.strip()


def _list(value: Any, key: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValidationError(f"manifest metadata {key} must be a list")
    return value


def _texts(value: Any, key: str) -> tuple[str, ...]:
    return tuple(str(_text(v, key)) for v in _list(value, key))


def _enum(kind: type[Modality] | type[SourceKind], value: Any, key: str) -> Any:
    if value is None:
        return None
    try:
        return kind(str(value).strip().lower())
    except ValueError:
        raise ValidationError(
            f"manifest metadata {key} {value!r}; expected one of: {', '.join(m.value for m in kind)}"
        ) from None


def _number(value: Any, key: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 or not math.isfinite(value):
        raise ValidationError(f"manifest metadata {key} must be a non-negative number")
    return float(value)


def _date(value: Any, key: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise ValidationError(
            f"manifest metadata collectionPeriod {key} {value!r} is not a date (YYYY-MM-DD)"
        ) from None


def _domains(value: Any) -> dict[str, int]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ValidationError('manifest metadata domains must map domain names to sizes: {"example.org": 1200}')
    out: dict[str, int] = {}
    for name, size in value.items():
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise ValidationError(f"manifest metadata domains: the size of {name!r} must be a non-negative integer")
        out[str(name).strip().lower()] = size
    return out


def _crawler(value: Any) -> Crawler:
    if not isinstance(value, Mapping) or not value.get("name"):
        raise ValidationError('manifest metadata crawlers must be objects with a "name"')
    return Crawler(
        name=str(value["name"]),
        user_agent=_text(value.get("userAgent"), "crawlers.userAgent"),
        purpose=_text(value.get("purpose"), "crawlers.purpose"),
        respects=_texts(value.get("respects"), "crawlers.respects"),
    )


__all__ = ["Crawler", "DatasetMetadata", "Modality", "SourceKind", "dataset_metadata"]
