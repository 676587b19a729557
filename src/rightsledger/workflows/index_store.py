"""The index's one SQL layer: SQLAlchemy Core over SQLite (a file: the embedded default) or
PostgreSQL (a `postgresql://` URL, through psycopg 3), its schema kept by Alembic.

`open_engine(target)` takes a file path or a URL. It applies the migrations under
`index_migrations/` before anything reads: a new database gets the whole schema, an older one the
steps it lacks, and an index file written before the migrations existed (no `alembic_version`
table) is adopted by the first step, which creates only the tables it does not have yet. On
PostgreSQL the migration and every write of the index hold one advisory lock, so two processes
opening or following the same database never interleave.

`RIGHTSLEDGER_INDEX_URL` (or the CLI's `--index-url`, which sets `CONFIGURED_URL` for the run)
points every index at one database: the event index and the codes index then share it.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from sqlalchemy import BigInteger, Column, Index, Integer, MetaData, Table, Text, UniqueConstraint, create_engine, text
from sqlalchemy import inspect as inspect_db
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from ..errors import ConfigError

ENV = "RIGHTSLEDGER_INDEX_URL"
# The head of index_migrations/versions (tests/unit/test_index_store.py checks they agree).
HEAD = "0004"
POSTGRES_MISSING = "PostgreSQL index needs `pip install rightsledger[postgres]` (psycopg 3)"
_LOCK = 0x52_4C_49_44_58  # "RLIDX": the advisory lock of the index's writers
MIGRATIONS = Path(__file__).with_name("index_migrations")
# The URL the CLI's --index-url gives for the current command (else the environment's).
CONFIGURED_URL: ContextVar[str | None] = ContextVar("rightsledger_index_url", default=None)

SCHEMA = MetaData()
meta = Table("meta", SCHEMA, Column("key", Text, primary_key=True), Column("value", Text, nullable=False))
blocks = Table(
    "blocks",
    SCHEMA,
    Column("number", BigInteger, primary_key=True, autoincrement=False),
    Column("hash", Text, nullable=False),
)
events = Table(
    "events",
    SCHEMA,
    Column("block", BigInteger, primary_key=True, autoincrement=False),
    Column("log_index", Integer, primary_key=True, autoincrement=False),
    Column("tx", Text, nullable=False),
    Column("contract", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("content_hash", Text),
    Column("dataset_id", BigInteger),
    Column("args", Text, nullable=False),
    Index("events_by_hash", "content_hash", "block"),
    Index("events_by_dataset", "dataset_id", "block"),
)
datasets = Table(
    "datasets",
    SCHEMA,
    Column("dataset_id", BigInteger, primary_key=True, autoincrement=False),
    Column("block", BigInteger, nullable=False),
    Column("declarer", Text, nullable=False),
    Column("root", Text, nullable=False),
    Column("use", Text, nullable=False),
    Column("item_count", BigInteger, nullable=False),
    Column("manifest_uri", Text, nullable=False),
    Column("manifest_status", Text, nullable=False),
)
dataset_items = Table(
    "dataset_items",
    SCHEMA,
    Column("dataset_id", BigInteger, primary_key=True, autoincrement=False),
    Column("content_hash", Text, primary_key=True),
    Column("block", BigInteger, nullable=False),
    Index("dataset_items_by_block", "block"),
)
code_blocks = Table(
    "code_blocks",
    SCHEMA,
    Column("number", BigInteger, primary_key=True, autoincrement=False),
    Column("hash", Text, nullable=False),
)
codes = Table(
    "codes",
    SCHEMA,
    Column("id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True),
    Column("content_hash", Text, nullable=False),
    Column("header", Integer, nullable=False),
    Column("body", Text, nullable=False),
    Column("media", Text, nullable=False),
    Column("registration_id", BigInteger, nullable=False),
    Column("block", BigInteger, nullable=False),
    UniqueConstraint("content_hash"),
    Index("codes_by_block", "block"),
)

coded_collections = Table(
    "coded_collections",
    SCHEMA,
    Column("collection_id", BigInteger, primary_key=True, autoincrement=False),
    Column("block", BigInteger, nullable=False),
    Column("codes_root", Text, nullable=False),
    Column("manifest_uri", Text, nullable=False),
    Column("status", Text, nullable=False),
)
member_codes = Table(
    "member_codes",
    SCHEMA,
    Column("id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True),
    Column("collection_id", BigInteger, nullable=False),
    Column("content_hash", Text, nullable=False),
    Column("header", Integer, nullable=False),
    Column("body", Text, nullable=False),
    Column("media", Text, nullable=False),
    Column("block", BigInteger, nullable=False),
    UniqueConstraint("collection_id", "content_hash"),
    Index("member_codes_by_block", "block"),
)


def configured_url() -> str | None:
    """The index URL this run was given: the CLI's --index-url, else $RIGHTSLEDGER_INDEX_URL."""
    return CONFIGURED_URL.get() or os.environ.get(ENV) or None


def is_url(target: str | Path) -> bool:
    return "://" in str(target)


def describe(target: str | Path) -> str:
    """The target for messages: a path, or a URL without its password."""
    if not is_url(target):
        return str(target)
    try:
        return make_url(str(target)).render_as_string(hide_password=True)
    except ArgumentError:
        return str(target).split("://", 1)[0] + "://…"


def _sqlalchemy_url(target: str) -> str:
    scheme, rest = target.split("://", 1)
    if scheme in ("postgresql", "postgres", "postgresql+psycopg"):
        return "postgresql+psycopg://" + rest
    if scheme == "sqlite":
        return target
    raise ConfigError(f"the index URL {describe(target)} is neither postgresql://… nor sqlite:///…; "
                      "give a PostgreSQL URL or a SQLite file path")


def open_engine(target: str | Path, *, wal: bool = False) -> Engine:
    """An engine on the index at `target` (a SQLite file path or a URL), migrated to the head.
    `wal`: switch a SQLite file to its write-ahead log (readers then read while one writes)."""
    if is_url(target):
        url = _sqlalchemy_url(str(target))
        try:
            engine = create_engine(url, pool_pre_ping=True)
        except ImportError as exc:
            raise ConfigError(POSTGRES_MISSING) from exc
        except ArgumentError as exc:
            raise ConfigError(f"the index URL {describe(target)} is not valid: {exc}") from exc
    else:
        path = Path(target)
        if path.is_dir():
            raise ConfigError(f"the index {path} is a folder; give a SQLite file path or a postgresql:// URL")
        path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(f"sqlite:///{path}")
    try:
        if wal and engine.dialect.name == "sqlite":
            with engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA journal_mode=WAL")
                conn.commit()
        migrate(engine)
    except SQLAlchemyError as exc:
        engine.dispose()
        first = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise ConfigError(f"cannot open the index {describe(target)}: {first}") from exc
    return engine


_shared: dict[str, Engine] = {}
_shared_lock = threading.Lock()


def shared_engine(target: str | Path) -> tuple[Engine, bool]:
    """An engine for `target` and whether the caller owns it (disposes it when done). A URL's
    engine is one per process, pooling its connections for everyone (a gateway opens an index per
    request); a SQLite file gets its own."""
    if not is_url(target):
        return open_engine(target), True
    key = str(target)
    with _shared_lock:
        engine = _shared.get(key)
        if engine is None:
            engine = _shared[key] = open_engine(target)
    return engine, False


def lock_writers(conn: Connection) -> None:
    """Within a write transaction: wait for other writers of a PostgreSQL index (SQLite's own
    write lock does this there)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK})


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction that writes the index: it first waits for the other writers (`lock_writers`)
    and commits on leaving the block, or rolls back on an exception."""
    with engine.begin() as conn:
        lock_writers(conn)
        yield conn


def current_revision(conn: Connection) -> str | None:
    if not inspect_db(conn).has_table("alembic_version"):
        return None
    row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
    return str(row[0]) if row else None


_migrate_lock = threading.Lock()


def migrate(engine: Engine) -> None:
    """Apply the migrations this database lacks (nothing when it is at the head already)."""
    with engine.connect() as conn:
        if current_revision(conn) == HEAD:
            return
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # Alembic's `context` is one per process: two threads migrating two databases at once would
    # run each other's steps on the wrong connection.
    with _migrate_lock, write_transaction(engine) as conn:
        if current_revision(conn) == HEAD:  # another process migrated while this one waited
            return
        config.attributes["connection"] = conn
        command.upgrade(config, "head")


def upsert(conn: Connection, table: Table, rows: list[dict[str, Any]], keys: tuple[str, ...], *,
           replace: bool = True) -> None:
    """INSERT rows; on a key conflict replace the other columns (`replace`) or keep the old row."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        statement: Any = pg_insert(table)
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        statement = sqlite_insert(table)
    if replace:
        others = {c.name: statement.excluded[c.name] for c in table.columns if c.name not in keys}
        statement = statement.on_conflict_do_update(index_elements=list(keys), set_=others)
    else:
        statement = statement.on_conflict_do_nothing(index_elements=list(keys))
    conn.execute(statement, rows)


def get_meta(conn: Connection, key: str) -> str | None:
    row = conn.execute(text("SELECT value FROM meta WHERE key = :key"), {"key": key}).first()
    return None if row is None else str(row[0])


def set_meta(conn: Connection, key: str, value: str) -> None:
    upsert(conn, meta, [{"key": key, "value": value}], ("key",))
