"""A publisher's set of works, as crawler signals name them: the works of a holder, the members of a
collection, or a manifest that maps URLs (or paths) to works. Each becomes a `SignalWork`: its record
read from the registry now, and the location it is served at."""

from __future__ import annotations

from pathlib import Path

from ..errors import ValidationError
from ..exports.record import ExportRecord
from ..exports.signals import SignalWork
from ..manifests import collect
from ..sdk.client import RightsLedger
from .bulk import hash_items

DEFAULT_LOCATION_PREFIX = "/works/"
"""Where works without a stated location are served: the gateway's `/works/{hash}` pages."""


def publisher_works(
    ledger: RightsLedger,
    *,
    holder: str | None = None,
    collection: int | None = None,
    manifest: str | Path | None = None,
    home: str | Path | None = None,
    location_prefix: str = DEFAULT_LOCATION_PREFIX,
) -> list[SignalWork]:
    """The works to write signals for; exactly one of `holder`, `collection`, `manifest`.

    A holder's and a collection's works are located at `location_prefix + hash`; a manifest's
    rows name their own `location` (or `url`) and fall back to the same."""
    chosen = [name for name, value in (("--holder", holder), ("--collection", collection), ("--manifest", manifest))
              if value is not None]  # fmt: skip
    if len(chosen) != 1:
        raise ValidationError("name the works: one of --holder ADDR, --collection ID or --manifest FILE")
    prefix = location_prefix if location_prefix.endswith("/") else location_prefix + "/"
    if holder is not None:
        hashes = ledger.works.held_by(holder)
        if not hashes:
            raise ValidationError(f"{holder} holds no registered works on this deployment")
        return [SignalWork(ExportRecord.read(ledger, h), prefix + h) for h in hashes]
    if collection is not None:
        tree = ledger.collections_in(home).tree(collection)
        return [SignalWork(ExportRecord.read_member(ledger, collection, h), prefix + h) for h in tree.values]
    assert manifest is not None
    items = collect(manifest)
    hash_items([i for i in items if i.content_hash is None], workers=4)
    works: list[SignalWork] = []
    for item in items:
        assert item.content_hash is not None
        location = item.location or prefix + item.content_hash
        works.append(SignalWork(ExportRecord.read(ledger, item.content_hash), location))
    return works


__all__ = ["DEFAULT_LOCATION_PREFIX", "publisher_works"]
