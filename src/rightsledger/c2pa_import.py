"""Compatibility: C2PA import is `rightsledger.workflows.c2pa_import`."""

from .workflows.c2pa_import import C2paOffer, offer_from_manifest_store, read_c2pa, read_manifest_store

__all__ = ["C2paOffer", "offer_from_manifest_store", "read_c2pa", "read_manifest_store"]
