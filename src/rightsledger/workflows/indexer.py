"""A mirror of the contracts' events (and the manifests of declared datasets) in a database: a
SQLite file (the embedded default) or PostgreSQL, through index_store's one SQL layer.

`Indexer.sync()` reads logs from where it stopped to the chain head, in block ranges, one
transaction per range (its events, its blocks' hashes and the cursor), so an interrupted sync
resumes cleanly. It keeps the hash of every block
it took events from and of every range's last block; before reading on, it compares the last one
with the chain. If they differ the chain was reorganised: it walks back to the newest stored
block the chain still has, deletes everything above it, and reads again from there.

For each DatasetDeclared it tries to read the manifest (file:// URI or local path), rebuilds the
Merkle tree and stores the items only if the root matches the one declared on-chain.

`sync(confirmations=N)` reads only to `head - N`: blocks that deep are taken as final, so a
reorganisation shallower than N never reaches the index (deeper ones are still rolled back).
`IndexFollower` runs such syncs in a background thread, every `interval` seconds, and reports
the block it indexed to and the head it saw (the gateway's /info); it is then the only writer
in the process, and readers use their own connections (SQLite's write-ahead log, or PostgreSQL,
lets them read while it writes). Writers in other processes of a PostgreSQL index wait on one
advisory lock, and a range another writer already indexed is skipped.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

from eth_utils.address import to_checksum_address
from hexbytes import HexBytes
from sqlalchemy import text
from sqlalchemy.engine import Connection

from ..chain.connection import block_hash
from ..chain.contracts import abi
from ..errors import ConfigError, RightsLedgerError, ValidationError
from ..hashing import ContentLike, content_hash
from ..manifests import manifest_hashes, manifest_leaves, manifest_path_of
from ..records import Inclusion
from ..sdk.client import RightsLedger
from ..vocabulary import ContentHash, Use
from . import index_store as store
from .index_store import describe, get_meta, is_url, open_engine, set_meta, shared_engine, upsert, write_transaction

RANGE = 2_000
_CHUNK = 5_000  # rows per INSERT of a manifest's items
# A dataset marked `unreadable` (by this process or another writer of a shared index, which may see
# another manifest folder) is tried again by each indexer, at most this often.
RETRY_UNREADABLE_SECONDS = 300.0
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
        """`db_path`: a SQLite file, or a database URL (`postgresql://…`; one engine per process
        and URL, shared by every index on it). The engine pools its connections, so the index may
        be used from any thread (`threaded` is kept for callers: it changes nothing now). `wal`:
        switch a SQLite file to its write-ahead log, so other connections read while this one
        writes (PostgreSQL always lets them)."""
        del threaded
        self.client = client
        self.location = describe(db_path)
        self.db_path = None if is_url(db_path) else Path(db_path)
        self.range_size = range_size
        self.engine, self._owned = (open_engine(db_path, wal=wal), True) if self.db_path else shared_engine(db_path)
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
        self._retried: dict[int, float] = {}  # dataset id -> when this indexer last tried its manifest
        self._check_identity()

    @property
    def postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def _check_identity(self) -> None:
        """One index mirrors one deployment on one chain: the chain id and addresses, and (every
        local anvil being 31337 at the same addresses) the genesis block the record names. A
        genesis the record lists as its own earlier one (a rebuilt local chain) is taken over: the
        reorganisation check then rolls the old blocks back."""
        deployment = self.client.deployment
        identity = json.dumps({"chainId": self.client.chain_id, "contracts": deployment.contracts})
        with write_transaction(self.engine) as conn:
            stored = get_meta(conn, "identity")
            genesis = get_meta(conn, "genesis")
            known = {g.lower() for g in (deployment.genesis, *deployment.previous_genesis) if g}
            other_chain = genesis is not None and deployment.genesis is not None and genesis.lower() not in known
            if stored is None:
                set_meta(conn, "identity", identity)
            if deployment.genesis is not None and not other_chain and stored in (None, identity):
                set_meta(conn, "genesis", deployment.genesis)
        if other_chain:
            self.close()
            other = "--index-url (another database)" if self.db_path is None else "--db"
            raise ConfigError(
                f"index {self.location} mirrors another chain (genesis block {str(genesis)[:12]}…, this chain's "
                f"is {str(deployment.genesis)[:12]}…) with the same chain id and addresses; give another {other} "
                "or delete it"
            )
        if stored is not None and stored != identity:
            self.close()
            other = "--index-url (another database)" if self.db_path is None else "--db"
            raise ConfigError(
                f"index {self.location} mirrors another chain or deployment; give another {other} or delete it"
            )

    def close(self) -> None:
        if self._owned:  # a URL's engine is the process's, pooled for every index on it
            self.engine.dispose()

    def _rows(self, sql: str, **params: Any) -> list[Any]:
        with self.engine.connect() as conn:
            return list(conn.execute(text(sql), params).all())

    # ------------------------------------------------------------------ syncing

    @property
    def cursor(self) -> int:
        with self.engine.connect() as conn:
            value = get_meta(conn, "cursor")
        return int(value) if value is not None else self.client.deployment.block - 1

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
        self.retry_unreadable()
        return SyncResult(start, max(last, self.cursor), total, rolled_back, head)

    def retry_unreadable(self, *, now: float | None = None) -> list[int]:
        """Read again the manifests of datasets marked `unreadable` that this process can read now
        (a shared index keeps whichever writer's view came first: a gateway that reads only its
        MANIFEST_FOLDER, a CLI that reads the local disk; or the file arrived later). Each dataset
        is tried at most once per RETRY_UNREADABLE_SECONDS by this indexer; only a manifest that
        exists here is read, and only a load (checked against the declared root) is written.
        Returns the ids now loaded."""
        moment = time.monotonic() if now is None else now
        with self.engine.connect() as conn:
            rows = conn.execute(
                store.datasets.select().where(store.datasets.c.manifest_status == "unreadable")
            ).mappings().all()
        loaded = []
        folder = self.client.datasets.manifest_folder
        for row in rows:
            dataset_id = int(row["dataset_id"])
            last = self._retried.get(dataset_id)
            if last is not None and moment - last < RETRY_UNREADABLE_SECONDS:
                continue
            self._retried[dataset_id] = moment
            try:
                if not manifest_path_of(str(row["manifest_uri"]), folder).is_file():
                    continue
            except (RightsLedgerError, OSError, ValueError):
                continue
            args = {"datasetId": dataset_id, "manifestURI": row["manifest_uri"], "root": row["root"],
                    "declarer": row["declarer"], "use": Use(row["use"]).code, "itemCount": row["item_count"]}
            with write_transaction(self.engine) as conn:
                current = conn.execute(
                    store.datasets.select().where(store.datasets.c.dataset_id == dataset_id)
                ).mappings().first()
                if current is None or current["manifest_status"] != "unreadable":
                    continue  # rolled back, or another writer loaded it meanwhile
                if self._ingest_dataset(conn, args, int(row["block"])) == "loaded":
                    loaded.append(dataset_id)
        return loaded

    def _chain_hash(self, number: int) -> str | None:
        return block_hash(self.client.w3, number)

    def _rollback_if_reorganised(self) -> int | None:
        cursor = self.cursor
        stored = self._rows("SELECT hash FROM blocks WHERE number = :n", n=cursor)
        if not stored or self._chain_hash(cursor) == stored[0][0]:
            return None
        ancestor = self.client.deployment.block - 1
        for number, hash_ in self._rows("SELECT number, hash FROM blocks ORDER BY number DESC"):
            if self._chain_hash(number) == hash_:
                ancestor = number
                break
        with write_transaction(self.engine) as conn:
            for table in ("events", "datasets", "dataset_items"):
                conn.execute(text(f"DELETE FROM {table} WHERE block > :n"), {"n": ancestor})  # noqa: S608 - fixed names
            conn.execute(text("DELETE FROM blocks WHERE number > :n"), {"n": ancestor})
            set_meta(conn, "cursor", str(ancestor))
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
        # One transaction: the range's events, its blocks' hashes and the cursor, or nothing.
        with write_transaction(self.engine) as conn:
            cursor = get_meta(conn, "cursor")
            if cursor is not None and int(cursor) >= end:
                return 0  # another writer of this database indexed the range meanwhile
            rows: list[dict[str, Any]] = []
            hashes = {end: tip_hash}
            for log in logs:
                self._ingest_log(conn, log, rows, hashes)
            for chunk in range(0, len(rows), _CHUNK):
                upsert(conn, store.events, rows[chunk : chunk + _CHUNK], ("block", "log_index"))
            upsert(conn, store.blocks, [{"number": n, "hash": h} for n, h in sorted(hashes.items())], ("number",))
            set_meta(conn, "cursor", str(end))
        return len(logs)

    def _ingest_log(self, conn: Connection, log: Any, rows: list[dict[str, Any]], hashes: dict[int, str]) -> None:
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
        row = {
            "block": number,
            "log_index": int(log["logIndex"]),
            "tx": "0x" + bytes(log["transactionHash"]).hex(),
            "contract": name,
            "name": decoded["event"],
            "content_hash": content_hash,
            "dataset_id": int(dataset_id) if dataset_id is not None else None,
            "args": json.dumps(args),
        }
        rows.append(row)
        hashes[number] = "0x" + bytes(log["blockHash"]).hex()
        if decoded["event"] == "DatasetDeclared":
            self._ingest_dataset(conn, args, number)

    def _ingest_dataset(self, conn: Connection, args: dict[str, Any], block: int) -> str:
        """Index a declared dataset and its manifest's items; returns the manifest status."""
        dataset_id = int(args["datasetId"])
        uri = str(args["manifestURI"])
        status = "unreadable"
        path: Path | None = None
        try:
            path = manifest_path_of(uri, self.client.datasets.manifest_folder)
            if path.exists():
                # The manifest's tree, built streaming and checked against the declared root, is kept
                # as the dataset's tree file (the one the gateway's proofs are read from); its hashes
                # are then streamed into the index.
                manifest = path
                self.client.datasets.trees.rebuild(
                    str(args["root"]), lambda: manifest_leaves(manifest), what=f"dataset {dataset_id}'s root",
                    source=f"manifest {manifest}",
                )  # fmt: skip
                status = "loaded"
        except ValidationError as exc:
            status = "root-mismatch" if exc.code == "manifest-root-mismatch" else "unreadable"
        except (RightsLedgerError, OSError, ValueError, KeyError, TypeError):
            # A declarer writes any URI: whatever it names, this dataset is unreadable and the sync goes on.
            status = "unreadable"
        row = {
            "dataset_id": dataset_id,
            "block": block,
            "declarer": args["declarer"],
            "root": args["root"],
            "use": Use.from_code(int(args["use"])).value,
            "item_count": int(args["itemCount"]),
            "manifest_uri": uri,
            "manifest_status": status,
        }
        upsert(conn, store.datasets, [row], ("dataset_id",))
        if status != "loaded" or path is None:
            return status
        hashes = manifest_hashes(path)  # streamed: the manifest is never held whole
        try:
            while part := list(dict.fromkeys(islice(hashes, _CHUNK))):  # a work listed twice: one row
                rows = [{"dataset_id": dataset_id, "content_hash": h, "block": block} for h in part]
                upsert(conn, store.dataset_items, rows, ("content_hash", "dataset_id"))
        except (RightsLedgerError, OSError, ValueError):  # the file changed since its tree was built
            conn.execute(store.dataset_items.delete().where(store.dataset_items.c.dataset_id == dataset_id))
            upsert(conn, store.datasets, [{**row, "manifest_status": "unreadable"}], ("dataset_id",))
            return "unreadable"
        return status

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
        with self.engine.connect() as conn:  # one snapshot of the index for both queries
            rows = conn.execute(
                text(
                    """
                    SELECT d.dataset_id, d.declarer, d.root, d.use, d.item_count, d.manifest_uri,
                           EXISTS (SELECT 1 FROM dataset_items i
                                   WHERE i.dataset_id = d.dataset_id AND i.content_hash = :h)
                    FROM datasets d
                    WHERE d.dataset_id IN (SELECT dataset_id FROM dataset_items WHERE content_hash = :h)
                       OR d.dataset_id IN (SELECT dataset_id FROM events
                                           WHERE content_hash = :h AND name = 'InclusionProven')
                    ORDER BY d.dataset_id
                    """
                ),
                {"h": content_hash},
            ).all()
            names_of: dict[int, set[str]] = {}
            for dataset_id, name in conn.execute(
                text("SELECT dataset_id, name FROM events WHERE content_hash = :h AND dataset_id IS NOT NULL"),
                {"h": content_hash},
            ):
                names_of.setdefault(int(dataset_id), set()).add(str(name))
        hits = []
        for dataset_id, declarer, root, use, count, uri, listed in rows:
            names = names_of.get(int(dataset_id), set())
            removal = (
                "acknowledged" if "RemovalAcknowledged" in names else "requested" if "RemovalRequested" in names else ""
            )
            hits.append(
                DatasetHit(
                    dataset_id=int(dataset_id),
                    declarer=declarer,
                    root=root,
                    use=use,
                    item_count=int(count),
                    manifest_uri=uri,
                    source="manifest" if listed else "proof",
                    violation="ViolationRecorded" in names,
                    removal=removal,
                )
            )
        return hits

    def loaded_datasets(self) -> list[tuple[int, str, str, str]]:
        """(id, declarer, use, manifest URI) of every declared dataset whose manifest the index loaded."""
        with self.engine.connect() as conn:
            rows = conn.execute(text("SELECT dataset_id, declarer, use, manifest_uri FROM datasets "
                                     "WHERE manifest_status = 'loaded' ORDER BY dataset_id")).all()
        return [(int(i), str(d), str(u), str(m)) for i, d, u, m in rows]

    def datasets_with_root(self, root: str) -> list[int]:
        """The ids of the declared datasets whose Merkle root is `root` (a manifest's own root)."""
        with self.engine.connect() as conn:
            query = "SELECT dataset_id FROM datasets WHERE lower(root) = lower(:r) ORDER BY dataset_id"
            rows = conn.execute(text(query), {"r": root}).all()
        return [int(r[0]) for r in rows]

    def history(self, content_hash: ContentHash) -> list[dict[str, Any]]:
        """Every indexed event about the work, oldest first: its provenance listing."""
        rows = self._rows(
            "SELECT block, log_index, tx, contract, name, args FROM events WHERE content_hash = :h "
            "ORDER BY block, log_index",
            h=content_hash,
        )
        return [
            {"block": b, "logIndex": i, "transaction": tx, "contract": c, "event": n, "args": json.loads(a)}
            for b, i, tx, c, n, a in rows
        ]

    def events(self, contract: str, name: str, after: int, block: int) -> list[dict[str, Any]]:
        """The arguments of a contract's events of one name in blocks `after` < b <= `block`, in order."""
        rows = self._rows(
            "SELECT args FROM events WHERE contract = :c AND name = :n AND block > :a AND block <= :b "
            "ORDER BY block, log_index",
            c=contract, n=name, a=after, b=block,
        )
        return [json.loads(r[0]) for r in rows]

    def trail_blocks(self, content_hash: str) -> list[int]:
        """The indexed blocks holding an event of the work's trail (up to `cursor`), ascending: the
        events that name it, and the derivative links that name it as the parent."""
        digest = content_hash.lower()
        rows = self._rows(
            "SELECT DISTINCT block FROM events WHERE content_hash = :h "
            "UNION SELECT DISTINCT block FROM events WHERE contract = 'LicenceManager' "
            "AND name = 'DerivativeLinked' AND args LIKE :parent ORDER BY 1",
            h=digest, parent=f'%"parent": "{digest}"%',
        )
        return [int(r[0]) for r in rows]

    def touched(self, contract: str, after: int, block: int) -> list[str]:
        """The content hashes a contract's events name in blocks `after` < b <= `block`, sorted."""
        rows = self._rows(
            "SELECT DISTINCT content_hash FROM events WHERE contract = :c AND content_hash IS NOT NULL "
            "AND block > :a AND block <= :b",
            c=contract, a=after, b=block,
        )
        return sorted({str(r[0]).lower() for r in rows})

    def counts(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            def one(table: str) -> int:
                return int(conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one())  # noqa: S608 - fixed

            return {
                "events": one("events"),
                "datasets": one("datasets"),
                "datasetItems": one("dataset_items"),
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
