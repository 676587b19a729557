"""Compatibility: collections are `rightsledger.sdk.collections`."""

from .records import CollectionRegistration
from .sdk.collections import MEMBER_CHUNK, CollectionClient

__all__ = [
    "MEMBER_CHUNK",
    "CollectionClient",
    "CollectionRegistration",
]
