"""A small SQLite state file that outlives the process and is shared by a gateway's workers
(stdlib sqlite3, WAL): the relayer's nonce sequence and its journal of sent transactions here,
signer nonce claims and rate-limit buckets in the tables of the layers that own them.

Every change is one `BEGIN IMMEDIATE` transaction, which holds the file's write lock: two workers
never hand out the same nonce, and a change is in the file before the caller goes on.
"""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ConfigError

BUSY_TIMEOUT_MS = 60_000
# How long the transactions of a finished nonce are kept (a waiter elsewhere may look for them).
DONE_KEPT = 600.0


class _Connection:
    """The one write connection of this process to a state file (every StateFile over the file
    shares it: threads queue on its lock instead of on SQLite's sleeping busy handler), and one
    read connection per thread (WAL readers never wait)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.db = _open(path)
        self.inode = path.stat().st_ino
        self.lock = threading.RLock()
        self.local = threading.local()

    def current(self) -> bool:
        """Still the file at its path (not one deleted and made again)."""
        try:
            return self.path.stat().st_ino == self.inode
        except OSError:
            return False

    def reader(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self.local, "reader", None)
        if db is None:
            db = self.local.reader = _open(self.path)
        return db


def _open(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False)
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    return db


# Held while some StateFile uses it (weakly here): per process (a forked worker opens its own).
_CONNECTIONS: weakref.WeakValueDictionary[tuple[int, str], _Connection] = weakref.WeakValueDictionary()
_CONNECTIONS_LOCK = threading.Lock()


class StateFile:
    """The state file through this process's one connection to it (a lock for its threads, BEGIN
    IMMEDIATE between processes). Tables are made by whoever uses them (`schema`)."""

    def __init__(self, path: str | Path, schema: str = "") -> None:
        """Commits are in the WAL before they return (synchronous NORMAL): they survive the
        process being killed; a power cut of the machine may forget the last ones (the relayer
        then learns its nonce from the node, "nonce too low")."""
        self.path = Path(path)
        self._named_locks: dict[str, threading.Lock] = {}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            key = (os.getpid(), str(self.path.resolve()))
            with _CONNECTIONS_LOCK:
                connection = _CONNECTIONS.get(key)
                if connection is None or not connection.current():
                    connection = _CONNECTIONS[key] = _Connection(self.path)
            self._connection = connection
            self.db = connection.db
            self._lock = connection.lock
            if schema:
                with self.transaction() as db:
                    for statement in schema.split(";"):
                        db.execute(statement)
        except (OSError, sqlite3.Error) as exc:
            raise ConfigError(f"cannot open the state file {self.path}: {exc}") from None

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE … COMMIT (ROLLBACK on an exception); nested uses join the outer one."""
        with self._lock:
            if self.db.in_transaction:
                yield self.db
                return
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")

    @contextmanager
    def exclusive(self, name: str) -> Iterator[None]:
        """Held by one thread of one process at a time (every process using this state file):
        for work longer than a transaction should hold the file's write lock (waiting for a block)."""
        with self._named_locks.setdefault(name, threading.Lock()):
            with self.path.with_name(f"{self.path.name}.{name}.lock").open("ab") as handle:
                fcntl.flock(handle, fcntl.LOCK_EX)
                try:
                    yield
                finally:
                    fcntl.flock(handle, fcntl.LOCK_UN)

    def read(self, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
        """Rows of a query: inside this thread's transaction, on its connection; else on the
        thread's own read connection (no lock: WAL readers never wait for the writer)."""
        if self._lock.acquire(blocking=False):  # free, or held by this thread
            try:
                if self.db.in_transaction:  # this thread's own transaction
                    return self.db.execute(sql, params).fetchall()
            finally:
                self._lock.release()
        try:
            return self._connection.reader().execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise ConfigError(f"cannot read the state file {self.path}: {exc}") from None

    def close(self) -> None:
        """Close this process's connection to the file (for every StateFile over it)."""
        with _CONNECTIONS_LOCK:
            self._connection.db.close()
            for key, value in list(_CONNECTIONS.items()):
                if value is self._connection:
                    del _CONNECTIONS[key]


JOURNAL_SCHEMA = """
CREATE TABLE IF NOT EXISTS relayer_nonces (sender TEXT PRIMARY KEY, next INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS relayer_txs (
    hash TEXT PRIMARY KEY, sender TEXT NOT NULL, nonce INTEGER NOT NULL, raw TEXT NOT NULL,
    fields TEXT NOT NULL, max_fee INTEGER NOT NULL, priority_fee INTEGER NOT NULL, sent_at REAL NOT NULL,
    done_at REAL
);
CREATE INDEX IF NOT EXISTS relayer_txs_nonce ON relayer_txs (sender, nonce);
CREATE TABLE IF NOT EXISTS relayer_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)
"""


@dataclass(frozen=True)
class JournalEntry:
    """A sent transaction not seen mined yet. `max_fee` is the gas price of a legacy transaction."""

    hash: str
    sender: str
    nonce: int
    raw: str
    fields: dict[str, Any]
    max_fee: int
    priority_fee: int
    sent_at: float


class TxJournal(StateFile):
    """The relayer's nonces and sent transactions (each kept until its receipt is seen)."""

    def __init__(self, path: str | Path) -> None:
        super().__init__(path, JOURNAL_SCHEMA)

    def next_nonce(self, db: sqlite3.Connection, sender: str) -> int:
        row = db.execute("SELECT next FROM relayer_nonces WHERE sender = ?", (sender.lower(),)).fetchone()
        return int(row[0]) if row else 0

    def record(self, db: sqlite3.Connection, entry: JournalEntry) -> None:
        """Journal `entry` and move the sender's sequence past its nonce (inside `transaction()`)."""
        sender = entry.sender.lower()
        db.execute(
            "INSERT OR REPLACE INTO relayer_txs VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)",
            (entry.hash, sender, entry.nonce, entry.raw, json.dumps(entry.fields), entry.max_fee,
             entry.priority_fee, entry.sent_at),
        )  # fmt: skip
        db.execute(
            "INSERT INTO relayer_nonces VALUES (?, ?) "
            "ON CONFLICT (sender) DO UPDATE SET next = MAX(next, excluded.next)",
            (sender, entry.nonce + 1),
        )

    def entries(self, sender: str, nonce: int | None = None, *, done: bool = False) -> list[JournalEntry]:
        """The journalled transactions of `sender` (of one nonce) not seen mined yet, oldest first;
        `done`: those of a nonce already finished too (kept a while, for waiters in other processes)."""
        rows = self.read(
            "SELECT hash, sender, nonce, raw, fields, max_fee, priority_fee, sent_at FROM relayer_txs "
            "WHERE sender = ? AND (? IS NULL OR nonce = ?) AND (? OR done_at IS NULL) ORDER BY nonce, sent_at",
            (sender.lower(), nonce, nonce, done),
        )
        return [JournalEntry(h, s, n, raw, json.loads(f), mf, pf, at) for h, s, n, raw, f, mf, pf, at in rows]

    def bind_chain(self, genesis_hash: str) -> bool:
        """Bind the journal to the chain with this genesis block; True if it was another chain's
        (a node started afresh): its nonces and transactions, meaningless here, are forgotten."""
        with self.transaction() as db:
            row = db.execute("SELECT value FROM relayer_meta WHERE key = 'genesis'").fetchone()
            if row is not None and row[0] == genesis_hash:
                return False
            other = row is not None
            if other:
                db.execute("DELETE FROM relayer_txs")
                db.execute("DELETE FROM relayer_nonces")
            db.execute("INSERT OR REPLACE INTO relayer_meta VALUES ('genesis', ?)", (genesis_hash,))
            return other

    def resync(self, sender: str, node_count: int) -> None:
        """After a restart: the sequence continues from the node's count of the account's
        transactions, or after the journalled ones still in flight, whichever is later."""
        with self.transaction() as db:
            row = db.execute(
                "SELECT MAX(nonce) FROM relayer_txs WHERE sender = ? AND done_at IS NULL", (sender.lower(),)
            ).fetchone()
            after = node_count if row[0] is None else max(node_count, int(row[0]) + 1)
            db.execute("INSERT OR REPLACE INTO relayer_nonces VALUES (?, ?)", (sender.lower(), after))

    def finish(self, sender: str, nonce: int) -> None:
        """The nonce is used on chain: its transactions are done (forgotten after DONE_KEPT seconds)."""
        now = time.time()
        with self.transaction() as db:
            db.execute(
                "UPDATE relayer_txs SET done_at = ? WHERE sender = ? AND nonce = ? AND done_at IS NULL",
                (now, sender.lower(), nonce),
            )
            db.execute("DELETE FROM relayer_txs WHERE done_at < ?", (now - DONE_KEPT,))

__all__ = ["JOURNAL_SCHEMA", "JournalEntry", "StateFile", "TxJournal"]
