"""Compatibility: the event index is `rightsledger.workflows.indexer`."""

from .workflows.indexer import DatasetHit, Indexer, SyncResult, open_index

__all__ = ["DatasetHit", "Indexer", "SyncResult", "open_index"]
