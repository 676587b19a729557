"""Index databases opened by several threads at once are each migrated whole: Alembic's migration
context is one per process, so migrations run one at a time (a gateway opens its event index and
its codes index from different threads)."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import inspect

from rightsledger.workflows import index_store


def test_databases_opened_by_threads_at_once_each_get_every_table(tmp_path: Path) -> None:
    paths = [tmp_path / f"index-{n}.sqlite" for n in range(8)]
    failures: list[str] = []
    start = threading.Barrier(len(paths))

    def open_one(path: Path) -> None:
        start.wait()
        try:
            index_store.open_engine(path).dispose()
        except Exception as exc:
            failures.append(f"{path.name}: {exc}")

    threads = [threading.Thread(target=open_one, args=(p,)) for p in paths]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    for path in paths:
        engine = index_store.open_engine(path)
        try:
            tables = set(inspect(engine).get_table_names())
            with engine.connect() as conn:
                assert index_store.current_revision(conn) == index_store.HEAD
        finally:
            engine.dispose()
        assert {"meta", "blocks", "events", "codes", "code_blocks", "alembic_version"} <= tables, path.name
