"""Compatibility: provenance is `rightsledger.sdk.provenance` and `rightsledger.sdk.trail`."""

from .chain.logs import DEFAULT_PAGE_SIZE
from .sdk.provenance import Provenance
from .sdk.trail import STAGE_BATCH_CHUNK, TRAIL_SOURCES, EventSource, Stage, TrailEntry, TrailReader, details_digest

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "STAGE_BATCH_CHUNK",
    "TRAIL_SOURCES",
    "EventSource",
    "Provenance",
    "Stage",
    "TrailEntry",
    "TrailReader",
    "details_digest",
]
