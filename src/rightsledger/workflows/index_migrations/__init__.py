"""Alembic migrations of the index's schema (applied by index_store.open_engine)."""
