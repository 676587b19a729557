"""Compatibility: manifests are `rightsledger.manifests`; hashing many files is `rightsledger.workflows.bulk`."""

from .manifests import MANIFEST_FORMAT, Item, collect, read_manifest
from .workflows.bulk import Checkpoint, Progress, hash_items

__all__ = [
    "MANIFEST_FORMAT",
    "Checkpoint",
    "Item",
    "Progress",
    "collect",
    "hash_items",
    "read_manifest",
]
