"""Compatibility: datasets are `rightsledger.sdk.datasets`; manifests are `rightsledger.manifests`."""

from .manifests import manifest_path_of, tree_of_manifest, write_manifest
from .records import Dataset, Declaration, Epoch, Inclusion, ItemStatus, ProofResult
from .sdk.datasets import DatasetClient

__all__ = [
    "Dataset",
    "DatasetClient",
    "Declaration",
    "Epoch",
    "Inclusion",
    "ItemStatus",
    "ProofResult",
    "manifest_path_of",
    "tree_of_manifest",
    "write_manifest",
]
