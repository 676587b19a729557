"""Declared datasets that hold near copies of a registered work (or coded collection member), by
their coded leaves.

A dataset declared with `declare --codes` commits each item's content code next to its sha256 (the
manifest lists `code` per item). `near_copies_in_datasets` reads the manifest of every declared
dataset the event index could load and lists the items whose code has the work's header and is
within the threshold (Hamming distance of the 64-bit bodies) of the work's registered code: what
`prove --near-copy-of` can prove on chain. Mirrored copies are not compared (the chain does not check
them), datasets without coded leaves are skipped, and each query reads every loaded manifest. A
member of a collection registered with codes is compared by its code in the members manifest; the
chain cannot prove a near copy of a member (`proveNearCopy` verifies a registered work's code).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import RightsLedgerError
from ..identity import THRESHOLDS, format_unit
from ..manifests import manifest_leaves, manifest_path_of
from ..sdk.client import RightsLedger
from .identity_index import CodesIndex
from .indexer import Indexer

BODY = (1 << 64) - 1


@dataclass(frozen=True, slots=True)
class NearCopyInDataset:
    """An item of a declared dataset whose leaf code is within the distance of a registered work's code."""

    dataset_id: int
    declarer: str
    use: str
    manifest_uri: str
    item: str
    iscc: str
    distance: int
    collection: int | None = None
    """The work is a member of this collection (registered with codes), not a work registered on its own."""

    def as_dict(self) -> dict[str, Any]:
        found: dict[str, Any] = {"dataset_id": self.dataset_id, "declarer": self.declarer, "use": self.use,
                                 "manifest_uri": self.manifest_uri, "source": "near-copy", "item": self.item,
                                 "iscc": self.iscc, "distance": self.distance}
        if self.collection is not None:
            found["collection"] = self.collection
        return found


def near_copies_in_datasets(
    client: RightsLedger, events: Indexer, codes: CodesIndex, work: str, max_distance: int | None = None
) -> list[NearCopyInDataset]:
    """The coded leaves of declared datasets that are near copies of the registered `work`, nearest
    first (none if the work has no code in the codes index, which the caller has synced). A member of
    a collection registered with codes is looked up by its member code (`collection` set)."""
    registered = codes.registered(work)
    collection = None
    if registered is None:
        registered = codes.member(work)
        if registered is None:
            return []
        collection = registered.collection_id
    limit = THRESHOLDS[registered.media] if max_distance is None else max_distance
    found: dict[tuple[int, str], NearCopyInDataset] = {}
    for dataset_id, declarer, use, uri in events.loaded_datasets():
        try:
            coded, values = manifest_leaves(manifest_path_of(uri, client.datasets.manifest_folder))
            if not coded:
                continue
            for digest, code in values:
                if code is None or digest == work.lower() or (dataset_id, digest) in found:
                    continue
                packed = int(code, 16)
                if packed >> 64 != registered.header:
                    continue
                distance = ((packed & BODY) ^ registered.body).bit_count()
                if distance <= limit:
                    found[(dataset_id, digest)] = NearCopyInDataset(
                        dataset_id, declarer, use, uri, digest, format_unit(registered.header, packed & BODY), distance,
                        collection)
        except (RightsLedgerError, OSError, ValueError):
            continue  # a manifest changed or gone since it was indexed: it shows no near copies
    return sorted(found.values(), key=lambda h: (h.distance, h.dataset_id, h.item))
