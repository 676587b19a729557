"""Workflows over the SDK: audits, bulk hashing, the event index, C2PA import."""
