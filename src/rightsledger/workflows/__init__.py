"""Workflows: multi-step jobs built on the SDK and the exports (C2PA embedding, transparency
summaries, audits, bulk registration, indexing, snapshots). Above the SDK, below the CLI and gateway."""
