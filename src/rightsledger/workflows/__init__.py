"""Workflows over the SDK: audits, bulk work, indexing, snapshots."""
