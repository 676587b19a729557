"""A local mirror of the contracts' events (and the manifests of declared datasets) in SQLite.

`Indexer.sync()` reads logs from where it stopped to the chain head, in block ranges, one SQLite
transaction per range, so an interrupted sync resumes cleanly. It keeps the hash of every block
it took events from and of every range's last block; before reading on, it compares the last one
with the chain. If they differ the chain was reorganised: it walks back to the newest stored
block the chain still has, deletes everything above it, and reads again from there.

For each DatasetDeclared it tries to read the manifest (file:// URI or local path), rebuilds the
Merkle tree and stores the items only if the root matches the one declared on-chain.

`sync(confirmations=N)` reads only to `head - N`: blocks that deep are taken as final, so a
reorganisation shallower than N never reaches the index (deeper ones are still rolled back).
`IndexFollower` runs such syncs in a background thread, every `interval` seconds, and reports
the block it indexed to and the head it saw (the gateway's /info); it is then the only writer
of the file, and readers open their own connections (SQLite's write-ahead log lets them read
while it writes).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eth_utils.address import to_checksum_address
from hexbytes import HexBytes

from ..chain.contracts import abi
from ..errors import ConfigError, RightsLedgerError
from ..hashing import ContentLike, content_hash
from ..manifests import manifest_path_of, tree_of_manifest
from ..records import Inclusion
from ..sdk.client import RightsLedger
from ..vocabulary import ContentHash, Use

RANGE = 2_000
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS blocks (number INTEGER PRIMARY KEY, hash TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events (
    block INTEGER NOT NULL, log_index INTEGER NOT NULL, tx TEXT NOT NULL, contract TEXT NOT NULL,
    name TEXT NOT NULL, content_hash TEXT, dataset_id INTEGER, args TEXT NOT NULL,
    PRIMARY KEY (block, log_index));
CREATE INDEX IF NOT EXISTS events_by_hash ON events (content_hash, block);
CREATE INDEX IF NOT EXISTS events_by_dataset ON events (dataset_id, block);
CREATE TABLE IF NOT EXISTS datasets (
    dataset_id INTEGER PRIMARY KEY, block INTEGER NOT NULL, declarer TEXT NOT NULL, root TEXT NOT NULL,
    use TEXT NOT NULL, item_count INTEGER NOT NULL, manifest_uri TEXT NOT NULL, manifest_status TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS dataset_items (
    dataset_id INTEGER NOT NULL, content_hash TEXT NOT NULL, block INTEGER NOT NULL,
    PRIMARY KEY (content_hash, dataset_id));
"""
_INDEXED = (
    "WorkRegistry",
    "PolicyRegistry",
    "LicenceManager",
    "ProvenanceLog",
    "DatasetRegistry",
    "CollectionRegistry",
    "LevyFund",
)


@dataclass(frozen=True)
class DatasetHit:
    dataset_id: int
    declarer: str
    root: str
    use: str
    item_count: int
    manifest_uri: str
    source: str  # "manifest" (listed in its manifest) or "proof" (proven on-chain)
    violation: bool
    removal: str  # "", "requested", "acknowledged"


@dataclass(frozen=True)
class SyncResult:
    from_block: int
    to_block: int
    events: int
    rolled_back_to: int | None
    head: int = 0  # the chain's head when the sync read it (to_block is head - confirmations)


def _plain(value: Any) -> Any:
    if isinstance(value, (bytes, HexBytes)):
        return "0x" + bytes(value).hex()
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 2**53:
        return str(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


class Indexer:
    def __init__(
        self,
        client: RightsLedger,
        db_path: str | Path,
        *,
        range_size: int = RANGE,
        threaded: bool = False,
        wal: bool = False,
    ) -> None:
        """`threaded`: the index may be used from threads other than the one that opened it (the
        gateway's request threads); the caller then serialises every use (one lock). `wal`: switch
        the file to SQLite's write-ahead log, so other connections read while this one writes."""
        self.client = client
        self.db_path = Path(db_path)
        self.range_size = range_size
        self.db_path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.db_path, check_same_thread=not threaded)
        if wal:
            self.db.execute("PRAGMA journal_mode=WAL")
        self.db.executescript(_SCHEMA)
        deployment = client.deployment
        self._contracts: dict[str, Any] = {}
        for name in _INDEXED:
            if name in deployment.contracts:
                address = to_checksum_address(deployment.contracts[name])
                self._contracts[address.lower()] = (name, client.w3.eth.contract(address=address, abi=abi(name)))
        self._events: dict[str, tuple[str, Any]] = {}
        for _address, (name, contract) in self._contracts.items():
            for event in contract.abi:
                if event["type"] != "event":
                    continue
                types = ",".join(i["type"] for i in event["inputs"])
                topic = "0x" + client.w3.keccak(text=f"{event['name']}({types})").hex().removeprefix("0x")
                self._events[f"{_address}:{topic}"] = (name, getattr(contract.events, event["name"])())
        self._check_identity()

    def _check_identity(self) -> None:
        identity = json.dumps({"chainId": self.client.chain_id, "contracts": self.client.deployment.contracts})
        row = self.db.execute("SELECT value FROM meta WHERE key = 'identity'").fetchone()
        if row is None:
            with self.db:
                self.db.execute("INSERT INTO meta VALUES ('identity', ?)", (identity,))
        elif row[0] != identity:
            raise ConfigError(
                f"index {self.db_path} mirrors another chain or deployment; give another --db or delete it"
            )

    def close(self) -> None:
        self.db.close()

    # ------------------------------------------------------------------ syncing

    @property
    def cursor(self) -> int:
        row = self.db.execute("SELECT value FROM meta WHERE key = 'cursor'").fetchone()
        return int(row[0]) if row else self.client.deployment.block - 1

    def sync(self, *, to_block: int | None = None, confirmations: int = 0) -> SyncResult:
        """Read events up to `to_block` (default: the head less `confirmations` blocks); roll back
        first if the chain reorganised."""
        if confirmations < 0:
            raise ConfigError(f"confirmations must be 0 or more, not {confirmations}")
        w3 = self.client.w3
        rolled_back = self._rollback_if_reorganised()
        head = w3.eth.block_number
        last = head - confirmations if to_block is None else min(to_block, head - confirmations)
        start = self.cursor + 1
        total = 0
        block = start
        while block <= last:
            end = min(last, block + self.range_size - 1)
            total += self._ingest_range(block, end)
            block = end + 1
        return SyncResult(start, max(last, self.cursor), total, rolled_back, head)

    def _chain_hash(self, number: int) -> str | None:
        try:
            block = self.client.w3.eth.get_block(number)
        except Exception:  # noqa: BLE001 - the node no longer has this block (the chain got shorter)
            return None
        return "0x" + bytes(block["hash"]).hex()

    def _rollback_if_reorganised(self) -> int | None:
        cursor = self.cursor
        stored = self.db.execute("SELECT hash FROM blocks WHERE number = ?", (cursor,)).fetchone()
        if stored is None or self._chain_hash(cursor) == stored[0]:
            return None
        ancestor = self.client.deployment.block - 1
        for number, hash_ in self.db.execute("SELECT number, hash FROM blocks ORDER BY number DESC").fetchall():
            if self._chain_hash(number) == hash_:
                ancestor = number
                break
        with self.db:
            for table, column in (("events", "block"), ("datasets", "block"), ("dataset_items", "block")):
                self.db.execute(f"DELETE FROM {table} WHERE {column} > ?", (ancestor,))  # noqa: S608 - fixed names
            self.db.execute("DELETE FROM blocks WHERE number > ?", (ancestor,))
            self.db.execute("INSERT OR REPLACE INTO meta VALUES ('cursor', ?)", (str(ancestor),))
        return ancestor

    def _ingest_range(self, start: int, end: int) -> int:
        w3 = self.client.w3
        logs = w3.eth.get_logs(
            {
                "fromBlock": start,
                "toBlock": end,
                "address": [to_checksum_address(a) for a in self._contracts],
            }
        )
        tip_hash = self._chain_hash(end)
        if tip_hash is None:
            raise RightsLedgerError(f"block {end} vanished while indexing; run the sync again")
        with self.db:
            for log in logs:
                self._ingest_log(log)
            self.db.execute("INSERT OR REPLACE INTO blocks VALUES (?, ?)", (end, tip_hash))
            self.db.execute("INSERT OR REPLACE INTO meta VALUES ('cursor', ?)", (str(end),))
        return len(logs)

    def _ingest_log(self, log: Any) -> None:
        address = str(log["address"]).lower()
        topic = "0x" + bytes(log["topics"][0]).hex() if log["topics"] else ""
        known = self._events.get(f"{address}:{topic}")
        if known is None:
            return
        name, event = known
        decoded = event.process_log(log)
        args = _plain(dict(decoded["args"]))
        number = int(log["blockNumber"])
        content_hash = args.get("contentHash")
        if decoded["event"] == "Transfer" and name == "WorkRegistry":
            content_hash = "0x" + int(args["tokenId"]).to_bytes(32, "big").hex()
        dataset_id = args.get("datasetId")
        self.db.execute(
            "INSERT OR REPLACE INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                number,
                int(log["logIndex"]),
                "0x" + bytes(log["transactionHash"]).hex(),
                name,
                decoded["event"],
                content_hash,
                int(dataset_id) if dataset_id is not None else None,
                json.dumps(args),
            ),
        )
        self.db.execute("INSERT OR REPLACE INTO blocks VALUES (?, ?)", (number, "0x" + bytes(log["blockHash"]).hex()))
        if decoded["event"] == "DatasetDeclared":
            self._ingest_dataset(args, number)

    def _ingest_dataset(self, args: dict[str, Any], block: int) -> None:
        dataset_id = int(args["datasetId"])
        uri = str(args["manifestURI"])
        status = "unreadable"
        items: list[str] = []
        try:
            path = manifest_path_of(uri, self.client.datasets.manifest_folder)
            if path.exists():
                tree = tree_of_manifest(path)
                if tree.root == args["root"]:
                    items, status = list(tree.values), "loaded"
                else:
                    status = "root-mismatch"
        except (RightsLedgerError, OSError, ValueError, KeyError, TypeError):
            # A declarer writes any URI: whatever it names, this dataset is unreadable and the sync goes on.
            status = "unreadable"
        self.db.execute(
            "INSERT OR REPLACE INTO datasets VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                dataset_id,
                block,
                args["declarer"],
                args["root"],
                Use.from_code(int(args["use"])).value,
                int(args["itemCount"]),
                uri,
                status,
            ),
        )
        self.db.executemany(
            "INSERT OR REPLACE INTO dataset_items VALUES (?, ?, ?)", ((dataset_id, h, block) for h in items)
        )

    # ------------------------------------------------------------------ queries

    def inclusions(self, item: ContentLike, *, sync: bool = True) -> list[Inclusion]:
        """The declared datasets that contain the work (listed in a readable manifest, or proven
        on-chain), by dataset id, each with the registry's answer at its declaration and the
        work's flags in it; the index is synced first unless `sync` is false."""
        digest = content_hash(item)
        if sync:
            self.sync()
        datasets = self.client.datasets
        return [datasets.inclusion(h.dataset_id, digest, source=h.source) for h in self.datasets_containing(digest)]

    def datasets_containing(self, content_hash: ContentHash) -> list[DatasetHit]:
        """Declared datasets that list the work in their manifest, or in which it was proven on-chain."""
        rows = self.db.execute(
            """
            SELECT d.dataset_id, d.declarer, d.root, d.use, d.item_count, d.manifest_uri,
                   EXISTS (SELECT 1 FROM dataset_items i WHERE i.dataset_id = d.dataset_id AND i.content_hash = ?)
            FROM datasets d
            WHERE d.dataset_id IN (SELECT dataset_id FROM dataset_items WHERE content_hash = ?)
               OR d.dataset_id IN (SELECT dataset_id FROM events WHERE content_hash = ? AND name = 'InclusionProven')
            ORDER BY d.dataset_id
            """,
            (content_hash, content_hash, content_hash),
        ).fetchall()
        hits = []
        for dataset_id, declarer, root, use, count, uri, listed in rows:
            names = {
                r[0]
                for r in self.db.execute(
                    "SELECT name FROM events WHERE dataset_id = ? AND content_hash = ?", (dataset_id, content_hash)
                )
            }
            removal = (
                "acknowledged" if "RemovalAcknowledged" in names else "requested" if "RemovalRequested" in names else ""
            )
            hits.append(
                DatasetHit(
                    dataset_id=dataset_id,
                    declarer=declarer,
                    root=root,
                    use=use,
                    item_count=count,
                    manifest_uri=uri,
                    source="manifest" if listed else "proof",
                    violation="ViolationRecorded" in names,
                    removal=removal,
                )
            )
        return hits

    def datasets_with_root(self, root: str) -> list[int]:
        """The ids of the declared datasets whose Merkle root is `root` (a manifest's own root)."""
        rows = self.db.execute("SELECT dataset_id FROM datasets WHERE lower(root) = lower(?) ORDER BY dataset_id",
                               (root,))
        return [int(r[0]) for r in rows]

    def history(self, content_hash: ContentHash) -> list[dict[str, Any]]:
        """Every indexed event about the work, oldest first: its provenance listing."""
        rows = self.db.execute(
            "SELECT block, log_index, tx, contract, name, args FROM events WHERE content_hash = ? "
            "ORDER BY block, log_index",
            (content_hash,),
        ).fetchall()
        return [
            {"block": b, "logIndex": i, "transaction": tx, "contract": c, "event": n, "args": json.loads(a)}
            for b, i, tx, c, n, a in rows
        ]

    def counts(self) -> dict[str, int]:
        one = self.db.execute
        return {
            "events": one("SELECT COUNT(*) FROM events").fetchone()[0],
            "datasets": one("SELECT COUNT(*) FROM datasets").fetchone()[0],
            "datasetItems": one("SELECT COUNT(*) FROM dataset_items").fetchone()[0],
            "cursor": self.cursor,
        }


@dataclass(frozen=True)
class FollowStatus:
    block: int  # indexed to this block
    head: int  # the chain's head at the last sync
    confirmations: int
    syncs: int  # syncs done since the follower started
    error: str | None  # the last sync's error, if it failed (the follower retries)

    @property
    def lag(self) -> int:
        return max(0, self.head - self.block)


class IndexFollower:
    """Keeps an index synced with the chain head in a daemon thread: a sync every `interval`
    seconds, `confirmations` blocks behind the head. It owns its own connection (the index's only
    writer); `stop()` ends the thread after the sync under way."""

    def __init__(
        self, client: RightsLedger, db_path: str | Path, *, confirmations: int = 0, interval: float = 1.0
    ) -> None:
        if confirmations < 0:
            raise ConfigError(f"confirmations must be 0 or more, not {confirmations}")
        if interval <= 0:
            raise ConfigError(f"the follow interval must be more than 0 seconds, not {interval}")
        self.index = Indexer(client, db_path, threaded=True, wal=True)
        self.confirmations = confirmations
        self.interval = interval
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._status = FollowStatus(self.index.cursor, self.index.cursor, confirmations, 0, None)
        self._thread = threading.Thread(target=self._run, name="rightsledger-index-follower", daemon=True)

    @property
    def status(self) -> FollowStatus:
        with self._lock:
            return self._status

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def start(self) -> IndexFollower:
        self._thread.start()
        return self

    def step(self) -> FollowStatus:
        """One sync (what the thread does every interval); errors are kept in the status."""
        previous = self.status
        try:
            result = self.index.sync(confirmations=self.confirmations)
            status = FollowStatus(result.to_block, result.head, self.confirmations, previous.syncs + 1, None)
        except Exception as exc:  # noqa: BLE001 - the node may be down for a while: report it, retry
            status = FollowStatus(previous.block, previous.head, self.confirmations, previous.syncs, str(exc))
        with self._lock:
            self._status = status
        return status

    def _run(self) -> None:
        while not self._stop.is_set():
            self.step()
            self._stop.wait(self.interval)

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
        if not self._thread.is_alive():
            self.index.close()

    def wait_for(self, block: int, timeout: float = 10.0) -> bool:
        """Wait until the index reaches `block` (true) or `timeout` seconds pass (false)."""
        deadline = time.monotonic() + timeout
        while self.status.block < block:
            if time.monotonic() > deadline:
                return False
            time.sleep(min(0.05, self.interval))
        return True


@contextmanager
def open_index(client: RightsLedger, db_path: str | Path) -> Iterator[Indexer]:
    index = Indexer(client, db_path)
    try:
        yield index
    finally:
        index.close()
