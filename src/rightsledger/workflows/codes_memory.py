"""The codes index's rows in memory: the `codes` and `member_codes` tables read into identity's
`IndexSet` (a member's row id negated, so the two tables' ids never meet), whole or after a row id,
LOAD_CHUNK rows at a time (workflows.identity_index.CodesIndex holds the result)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
from sqlalchemy import text
from sqlalchemy.engine import Connection

from ..identity import IndexSet, SimilarityIndex
from ..identity.similarity import I64, U64

LOAD_CHUNK = 200_000  # rows read from the table at a time when loading the codes into memory


def by_media(rows: Sequence[Any], sign: int = 1) -> dict[str, tuple[U64, I64]]:
    """Rows (id, body, media) as codes and in-memory ids per media (`sign` -1: member rows)."""
    grouped: dict[str, tuple[list[int], list[int]]] = {}
    for rid, body, media in rows:
        codes, ids = grouped.setdefault(str(media), ([], []))
        codes.append(int(str(body)))
        ids.append(sign * int(str(rid)))
    return {media: (np.array(codes, dtype=np.uint64), np.array(ids, dtype=np.int64))
            for media, (codes, ids) in grouped.items()}


def table_chunks(conn: Connection, table: str, after: int) -> Iterator[Sequence[Any]]:
    """The rows (id, body, media) of `table` after row id `after`, LOAD_CHUNK at a time."""
    while True:
        part = conn.execute(text(f"SELECT id, body, media FROM {table} WHERE id > :after ORDER BY id "  # noqa: S608 - fixed names
                                 "LIMIT :n"), {"after": after, "n": LOAD_CHUNK}).all()
        if not part:
            return
        yield part
        after = int(part[-1][0])


def append_rows(conn: Connection, indexes: IndexSet, table: str, after: int) -> int:
    """Add the rows of `table` after row id `after` to the in-memory indexes; returns the last id."""
    sign = -1 if table == "member_codes" else 1
    for part in table_chunks(conn, table, after):
        for media, (codes, ids) in by_media(part, sign).items():
            indexes.index(media).add(codes, ids)
        after = int(part[-1][0])
    return after


def load_all(conn: Connection) -> tuple[IndexSet, int, int]:
    """Every row of the codes and member tables into a new IndexSet, read LOAD_CHUNK rows at a time
    (one build per media), and the last row id read of each."""
    parts: dict[str, tuple[list[U64], list[I64]]] = {}
    last = {"codes": 0, "member_codes": 0}
    for table, sign in (("codes", 1), ("member_codes", -1)):
        for part in table_chunks(conn, table, -1):
            for media, (chunk_codes, chunk_ids) in by_media(part, sign).items():
                kept = parts.setdefault(media, ([], []))
                kept[0].append(chunk_codes)
                kept[1].append(chunk_ids)
            last[table] = int(part[-1][0])
    indexes = IndexSet()
    for media, (codes, ids) in parts.items():
        if media in indexes.indexes:
            indexes.indexes[media] = SimilarityIndex.from_arrays(np.concatenate(codes), np.concatenate(ids),
                                                                 threshold=indexes.thresholds[media])
    return indexes, last["codes"], last["member_codes"]
