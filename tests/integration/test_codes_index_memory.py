"""The codes index holds its codes in memory within the budget (the similarity index's 14 bytes a code
plus an 8-byte id, and its fixed tables: nothing per code in Python objects), appends rows added
since its last query instead of loading them all again, and loads them again after another
writer's rollback."""

from __future__ import annotations

import sqlite3
import tracemalloc
from pathlib import Path

import numpy as np
from sqlalchemy import text

from rightsledger import RightsLedger
from rightsledger.identity.similarity import popcount64
from rightsledger.workflows import index_store
from rightsledger.workflows.identity_index import CodesIndex

N = 300_000
FIXED_TABLES = 18_700_000  # the three blocks' bucket offsets and occupancy maps (docs/identity.md)


def _fill(path: Path, codes: np.ndarray, first: int, block: int) -> None:
    rows = ((f"0x{first + i:064x}", 0x2101, str(int(c)), "image", first + i, block)
            for i, c in enumerate(codes.tolist()))
    with sqlite3.connect(path) as db:
        db.executemany("INSERT INTO codes (content_hash, header, body, media, registration_id, block) "
                       "VALUES (?, ?, ?, ?, ?, ?)", rows)


def test_the_codes_in_memory_stay_within_the_budget_and_new_rows_are_appended(
    alice: RightsLedger, tmp_path: Path
) -> None:
    path = tmp_path / "codes.sqlite"
    rng = np.random.default_rng(11)
    codes = rng.integers(0, 2**64, N, dtype=np.uint64, endpoint=False)
    probe = int(codes[123])
    far = codes[popcount64(codes ^ np.uint64(probe)) > 12]  # no chance match of the probe
    with CodesIndex(alice, path) as index:
        _fill(path, np.concatenate([codes[123:124], far]), 0, alice.deployment.block)
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            assert index._refresh() is not None  # noqa: SLF001 - the load is what is measured
            held = tracemalloc.get_traced_memory()[0] - before
        finally:
            tracemalloc.stop()
        count, nbytes = index.in_memory()["image"]
        assert count == 1 + far.size and index.full_loads == 1
        assert nbytes <= count * (14 + 8) + FIXED_TABLES
        assert held <= count * (14 + 8) + FIXED_TABLES + 2_000_000, f"{held / count:.1f} bytes a code held"

        # Rows another writer added: appended by the next query, not loaded whole again.
        added = rng.integers(0, 2**64, 1_000, dtype=np.uint64, endpoint=False)
        added[0] = np.uint64(probe ^ 0b111)  # a near copy of the probe, 3 bits away
        _fill(path, added, 10_000_000, alice.deployment.block)
        found = index._refresh().find("image", probe)  # noqa: SLF001 - no chain read: the table only
        assert [m.distance for m in found] == [0, 3]
        assert index.full_loads == 1 and index.in_memory()["image"][0] == count + 1_000

        # Another writer rolls back (it deletes rows and moves the epoch): loaded again, without them.
        with index_store.open_engine(path).begin() as conn:
            conn.execute(text("DELETE FROM codes WHERE registration_id >= 10000000"))
            conn.execute(text("INSERT INTO meta (key, value) VALUES ('codes_epoch', '1') "
                              "ON CONFLICT (key) DO UPDATE SET value = '1'"))
        assert [m.distance for m in index._refresh().find("image", probe)] == [0]  # noqa: SLF001
        assert index.full_loads == 2 and index.in_memory()["image"][0] == count
