"""The registered works' content codes, mirrored from the chain into the index, searchable by distance.

`CodesIndex.sync()` reads the WorkRegistry's coded registrations (the SDK's `Works.coded_works`:
`ContentCodesRecorded` events and the mints of the same transactions) from the block it stopped at
to the chain head, and stores one row per coded work in the `codes` table of
`<home>/codes-<chainId>.sqlite`, or of the database $RIGHTSLEDGER_INDEX_URL / `--index-url` names
(then the same database as the event index: index_store's one SQL layer and migrations).

Reorganisations are followed as the event index follows them: a sync writes its rows, the hashes of
the blocks they came from and of its last block (`code_blocks`) and the cursor in one transaction;
the next sync first compares the stored hash of the cursor's block with the chain, and if it
differs walks back to the newest stored block the chain still has and deletes the codes above it
(and bumps `codes_epoch`, so every process holding the codes in memory loads them again).

`matches(code)` answers from identity's `IndexSet` (one exact Hamming-range index per media kind),
held in memory by the CodesIndex: loaded from the table on first use, then only the rows added
since (by row id) are appended, so a long-lived index (the gateway's) never rebuilds per query. It
holds the codes and row ids only (the fixed 18.6 MB of tables per media plus 22 bytes a code);
a match's hash, code and block are read back from the table by row id. Queries and refreshes may
come from many threads at once. Works registered without a code (or with NO_CODE: featureless
images, too short texts) are not indexed. Image queries also try the mirrored code and the query
rotations (2 bits tighter).

Members of collections registered with codes are indexed too (`member_codes`): `sync()` reads the
CollectionRegistry's `CollectionCodesCommitted` events, opens each members manifest (a file:// URI
or a local path; one published elsewhere is loaded with `load_members(id, file)`), rebuilds both of
the collection's roots from it and stores its coded members only if they match the chain. A
manifest that cannot be read yet is tried again by later syncs, at most every
RETRY_UNREADABLE_SECONDS per index (one that does not match its roots only by `load_members`).
In memory a member's row id is negated (the two tables number their rows apart).
`matches(..., members=True)` answers them beside the registered works, naming their collection
(`WorkMatch.collection_id`), with the collection's holder.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak
from sqlalchemy import bindparam, text
from sqlalchemy.engine import Connection

from ..chain.connection import block_hash
from ..chain.deployments import home_dir
from ..chain.logs import fetcher, logs_in_pages
from ..errors import ChainError, ConfigError, NotFoundError, SimilarWorkError, ValidationError
from ..identity import Identity, IndexSet, format_unit
from ..manifests import manifest_path_of
from ..merkle import MerkleTree
from ..records import CheckResult
from ..sdk.client import RightsLedger
from ..sdk.collections import CODES_COMMITTED_EVENT, read_members
from ..sdk.near_copies import Candidate, CodeQuery, WorkMatch, matchable, near_copies_of_others
from ..vocabulary import Use
from . import index_store as store
from .codes_memory import append_rows, load_all
from .index_store import configured_url, get_meta, lock_writers, set_meta, shared_engine, upsert

__all__ = ["CodesIndex", "Registered", "WorkMatch", "check_member_match", "refuse_similar_code"]

COLLECTION_CODES_TOPIC = "0x" + keccak(text=CODES_COMMITTED_EVENT).hex()

# Between syncs of this index, a query brings the in-memory codes up to the table (rows other
# writers added) at most this often: an audit's thousands of queries do not each read the table
# (a rollback is noticed at once: its epoch is read every time).
REFRESH_SECONDS = 0.5
# A members manifest that could not be read is tried again by each CodesIndex at most this often:
# anyone can register coded collections naming manifests that never appear, and each try costs a
# chain read, so retrying at every sync (every gateway /match) would let them slow every query.
RETRY_UNREADABLE_SECONDS = 300.0


@dataclass(frozen=True, slots=True)
class Registered:
    """One indexed coded work: its code and where it was registered."""

    content_hash: str
    header: int
    body: int
    media: str
    registration_id: int
    block: int
    order: int
    """Its row in the index, which is filled in chain order: earlier registrations have smaller numbers."""
    collection_id: int | None = None
    """A member of this collection registered with codes (`registration_id` 0, `order` its row among
    the members), not a work registered on its own."""

    @property
    def iscc(self) -> str:
        return format_unit(self.header, self.body)


class CodesIndex:
    """The content codes of a deployment's registered works, kept in SQLite under the home folder
    (or the index database) and held in memory for queries."""

    def __init__(self, client: RightsLedger, path: str | Path | None = None) -> None:
        """`path`: a SQLite file or a database URL (default: the configured index URL, else
        `<home>/codes-<chainId>.sqlite`)."""
        self.client = client
        registry = client.works.address
        if path is None:
            path = configured_url() or home_dir(client.home) / f"codes-{client.chain_id}.sqlite"
        self.path = path if store.is_url(path) else Path(path)
        self.engine, self._owned = shared_engine(path)
        genesis = client.deployment.genesis
        known = {g.lower() for g in (genesis, *client.deployment.previous_genesis) if g}
        with self.engine.begin() as conn:
            lock_writers(conn)
            stored = get_meta(conn, "registry")
            # Every local anvil is 31337 at the same addresses: the genesis block tells chains apart.
            stored_genesis = get_meta(conn, "codes_genesis")
            other_chain = genesis is not None and stored_genesis is not None and stored_genesis.lower() not in known
            rebuilt = genesis is not None and not other_chain and stored_genesis not in (None, genesis)
            if not other_chain and (stored != registry or rebuilt):
                if stored is not None:  # another deployment on this chain id, or its chain rebuilt: start over
                    conn.execute(text("DELETE FROM codes"))
                    conn.execute(text("DELETE FROM member_codes"))
                    conn.execute(text("DELETE FROM coded_collections"))
                    conn.execute(text("DELETE FROM code_blocks"))
                    conn.execute(text("DELETE FROM meta WHERE key = 'next_block'"))
                    _bump_epoch(conn)
                set_meta(conn, "registry", registry)
            if genesis is not None and not other_chain:
                set_meta(conn, "codes_genesis", genesis)
        if other_chain:
            self.close()
            raise ConfigError(
                f"codes index {store.describe(path)} mirrors another chain (genesis block {str(stored_genesis)[:12]}…, "
                f"this chain's is {str(genesis)[:12]}…) with the same chain id and addresses; give another --index-url "
                "or delete it"
            )
        self._sync_lock = threading.Lock()
        self._memory_lock = threading.Lock()
        self._indexes: IndexSet | None = None
        self._loaded_id = 0  # the largest row id held in memory
        self._loaded_member_id = 0  # the same for member_codes
        self._epoch: str | None = None
        self.full_loads = 0  # how many times the codes were loaded into memory whole (the first query, rollbacks)
        self._stale = True  # a sync happened since the last refresh: the next query refreshes
        self._refreshed_at = 0.0
        self.retry_unreadable_seconds = RETRY_UNREADABLE_SECONDS
        self._retried: dict[int, float] = {}  # collection id -> when this index last tried its unreadable manifest

    def close(self) -> None:
        if self._owned:
            self.engine.dispose()

    def __enter__(self) -> CodesIndex:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @property
    def next_block(self) -> int:
        with self.engine.connect() as conn:
            value = get_meta(conn, "next_block")
        return int(value) if value is not None else int(self.client.deployment.block)

    def __len__(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(text("SELECT COUNT(*) FROM codes")).scalar_one())

    # ------------------------------------------------------------------ syncing

    def sync(self) -> int:
        """Read the codes registered since the last sync (rolling back first if the chain was
        reorganised under the index); returns how many works were added. The next query brings
        the in-memory codes up to the table."""
        try:
            return self._sync()
        finally:
            self._stale = True

    def _sync(self) -> int:
        with self._sync_lock:
            self.rollback_if_reorganised()
            start, end = self.next_block, int(self.client.w3.eth.block_number)
            if start > end:  # no new block; a manifest may have appeared since
                return self._load_pending_members()
            found = self.client.works.coded_works(start, end)
            committed, committed_hashes = self._collections_with_codes(start, end)
            tip = self._chain_hash(end)
            if tip is None:
                raise ChainError(f"block {end} vanished while reading content codes; run the sync again")
            rows = [{"content_hash": w.content_hash, "header": w.header, "body": str(w.body), "media": w.media,
                     "registration_id": w.registration_id, "block": w.block} for w in found]
            hashes = {w.block: w.block_hash for w in found} | committed_hashes | {end: tip}
            # One transaction: the rows, their blocks' hashes and the cursor, or nothing.
            with self.engine.begin() as conn:
                lock_writers(conn)
                done = get_meta(conn, "next_block")
                if done is not None and int(done) > end:
                    return 0  # another writer synced further meanwhile
                upsert(conn, store.codes, rows, ("content_hash",), replace=False)
                upsert(conn, store.coded_collections, committed, ("collection_id",), replace=False)
                upsert(conn, store.code_blocks, [{"number": n, "hash": h} for n, h in sorted(hashes.items())],
                       ("number",))
                set_meta(conn, "next_block", str(end + 1))
        return len(rows) + self._load_pending_members()

    def _collections_with_codes(self, start: int, end: int) -> tuple[list[dict[str, object]], dict[int, str]]:
        """The collections registered with codes in the blocks (rows for `coded_collections`), and
        the hashes of the blocks they were in."""
        committed_event = self.client.collections.registry.events.CollectionCodesCommitted()
        committed: list[dict[str, object]] = []
        hashes: dict[int, str] = {}
        for log in logs_in_pages(fetcher(self.client.w3), {"address": self.client.collections.address,
                                                           "topics": [COLLECTION_CODES_TOPIC]}, start, end,
                                 action="reading collections with codes"):
            args = committed_event.process_log(log)["args"]
            committed.append({"collection_id": int(args["collectionId"]), "block": int(log["blockNumber"]),
                              "codes_root": "0x" + bytes(args["codesRoot"]).hex(),
                              "manifest_uri": str(args["manifestURI"]), "status": "pending"})
            hashes[int(log["blockNumber"])] = "0x" + bytes(log["blockHash"]).hex()
        return committed, hashes

    def _load_pending_members(self) -> int:
        """Load the members manifests not loaded yet (new, or unreadable before and not tried by this
        index in the last `retry_unreadable_seconds`: a manifest that did not match its roots is not
        read again by itself, only by `load_members`); returns the members indexed."""
        with self.engine.connect() as conn:
            pending = conn.execute(text("SELECT collection_id, status FROM coded_collections "
                                        "WHERE status IN ('pending', 'unreadable') ORDER BY collection_id")).all()
        added = 0
        moment = time.monotonic()
        for collection_id, status in pending:
            last = self._retried.get(int(collection_id))
            if status == "unreadable" and last is not None and moment - last < self.retry_unreadable_seconds:
                continue
            self._retried[int(collection_id)] = moment
            try:
                added += self.load_members(int(collection_id))
            except (NotFoundError, ValidationError):
                continue  # recorded in the row's status; tried again by a later sync
        return added

    def load_members(self, collection_id: int, manifest: str | Path | None = None) -> int:
        """Index the coded members of collection `collection_id` (registered with codes and seen by
        `sync`) from its members manifest: the published one if it is a local file, else `manifest`.
        Both roots are rebuilt from it and must be the chain's. Returns how many coded members it lists
        (members without a code, or of a media without a threshold, are not indexed)."""
        with self.engine.connect() as conn:
            row = conn.execute(text("SELECT block, codes_root, manifest_uri FROM coded_collections "
                                    "WHERE collection_id = :c"), {"c": int(collection_id)}).first()
        if row is None:
            raise NotFoundError(f"collection {collection_id} is not a collection with codes this index has seen "
                                "(sync first, or it was registered without codes)", code="collection-uncoded")
        block, codes_root, uri = int(row[0]), str(row[1]), str(row[2])
        rows: list[dict[str, object]] = []
        try:
            path = Path(manifest) if manifest is not None else manifest_path_of(
                uri, self.client.datasets.manifest_folder)
            root = self.client.collections.record(collection_id).root
            listed = read_members(path, root=root, codes_root=codes_root, what=f"collection {collection_id}")
            # Keep the membership tree, so a near copy of a member can be checked with its proof.
            self.client.collections.trees.put_tree(MerkleTree.of([digest for digest, _ in listed]))
            for digest, code in listed:
                if (unit := matchable(code)) is None:
                    continue
                media, head, body = unit
                rows.append({"collection_id": int(collection_id), "content_hash": digest.lower(), "header": head,
                             "body": str(body), "media": media, "block": block})
        except (NotFoundError, ValidationError) as exc:
            status = "root-mismatch" if exc.code == "manifest-root-mismatch" else "unreadable"
            with self.engine.begin() as conn:
                lock_writers(conn)
                # A wrong file handed in by hand does not unmark members loaded before.
                conn.execute(text("UPDATE coded_collections SET status = :s WHERE collection_id = :c "
                                  "AND status <> 'loaded'"), {"s": status, "c": int(collection_id)})
            raise
        with self.engine.begin() as conn:
            lock_writers(conn)
            still = conn.execute(text("SELECT codes_root FROM coded_collections WHERE collection_id = :c"),
                                 {"c": int(collection_id)}).first()
            if still is None or str(still[0]) != codes_root:
                return 0  # rolled back (a reorganisation) while the manifest was read: nothing to add
            upsert(conn, store.member_codes, rows, ("collection_id", "content_hash"), replace=False)
            conn.execute(text("UPDATE coded_collections SET status = 'loaded' WHERE collection_id = :c"),
                         {"c": int(collection_id)})
        return len(rows)

    def member_count(self) -> int:
        """How many coded collection members the index holds."""
        with self.engine.connect() as conn:
            return int(conn.execute(text("SELECT COUNT(*) FROM member_codes")).scalar_one())

    _MEMBERS = "SELECT content_hash, header, body, media, block, id, collection_id FROM member_codes"

    def members(self) -> list[Registered]:
        """Every indexed coded collection member (`collection_id` set), in the order they were loaded."""
        with self.engine.connect() as conn:
            rows = conn.execute(text(self._MEMBERS + " ORDER BY id")).all()
        return [Registered(str(d), int(h), int(b), str(m), 0, int(k), int(i), int(c)) for d, h, b, m, k, i, c in rows]

    def member(self, content_hash: str) -> Registered | None:
        """An indexed coded collection member (of the lowest collection id, if several list it), or None."""
        with self.engine.connect() as conn:
            row = conn.execute(text(self._MEMBERS + " WHERE content_hash = :h ORDER BY collection_id LIMIT 1"),
                               {"h": content_hash.lower()}).first()
        if row is None:
            return None
        d, h, b, m, k, i, c = row
        return Registered(str(d), int(h), int(b), str(m), 0, int(k), int(i), int(c))

    def member_collections(self, hashes: Sequence[str], chunk: int = 1_000) -> dict[str, int]:
        """The coded collection (the lowest id, if several) each of `hashes` is an indexed member of;
        hashes that are no member are left out."""
        found: dict[str, int] = {}
        wanted = sorted({h.lower() for h in hashes})
        query = text("SELECT content_hash, MIN(collection_id) FROM member_codes WHERE content_hash IN :hs "
                     "GROUP BY content_hash").bindparams(bindparam("hs", expanding=True))
        with self.engine.connect() as conn:
            for start in range(0, len(wanted), chunk):
                part = wanted[start:start + chunk]
                found |= {str(h): int(c) for h, c in conn.execute(query, {"hs": part}).all()}
        return found

    def coded_collections(self) -> list[tuple[int, str, str]]:
        """(collection id, members manifest URI, status: loaded, pending, unreadable or root-mismatch) of
        every collection with codes the index has seen."""
        with self.engine.connect() as conn:
            found = conn.execute(text("SELECT collection_id, manifest_uri, status FROM coded_collections "
                                      "ORDER BY collection_id")).all()
        return [(int(c), str(u), str(s)) for c, u, s in found]

    def manifest_of(self, collection_id: int) -> str | None:
        """The members manifest URI of a collection with codes, or None if the index has not seen it."""
        with self.engine.connect() as conn:
            row = conn.execute(text("SELECT manifest_uri FROM coded_collections WHERE collection_id = :c"),
                               {"c": int(collection_id)}).first()
        return None if row is None else str(row[0])

    def _chain_hash(self, number: int) -> str | None:
        return block_hash(self.client.w3, number)

    def rollback_if_reorganised(self) -> int | None:
        """If the block the index last read is no longer the chain's, delete the codes above the newest
        stored block the chain still has; returns that block (None: nothing to roll back)."""
        cursor = self.next_block - 1
        with self.engine.connect() as conn:
            stored = conn.execute(text("SELECT hash FROM code_blocks WHERE number = :n"), {"n": cursor}).first()
        if stored is None or self._chain_hash(cursor) == stored[0]:
            return None
        ancestor = self.client.deployment.block - 1
        with self.engine.connect() as conn:
            known = conn.execute(text("SELECT number, hash FROM code_blocks ORDER BY number DESC")).all()
        for number, hash_ in known:
            if self._chain_hash(int(number)) == hash_:
                ancestor = int(number)
                break
        with self.engine.begin() as conn:
            lock_writers(conn)
            if get_meta(conn, "next_block") != str(cursor + 1):
                return None  # another writer rolled back (or read on) meanwhile
            conn.execute(text("DELETE FROM codes WHERE block > :n"), {"n": ancestor})
            conn.execute(text("DELETE FROM member_codes WHERE block > :n"), {"n": ancestor})
            conn.execute(text("DELETE FROM coded_collections WHERE block > :n"), {"n": ancestor})
            conn.execute(text("DELETE FROM code_blocks WHERE number > :n"), {"n": ancestor})
            set_meta(conn, "next_block", str(ancestor + 1))
            _bump_epoch(conn)
        return ancestor

    # ------------------------------------------------------------------ reading

    def codes_until(self, block: int) -> dict[str, tuple[int, int]]:
        """Every coded work recorded by `block`: content hash (lower-case) -> (header, body)."""
        with self.engine.connect() as conn:
            found = conn.execute(text("SELECT content_hash, header, body FROM codes WHERE block <= :b"),
                                 {"b": block}).all()
        return {str(digest).lower(): (int(head), int(body)) for digest, head, body in found}

    def load(self) -> int:
        """Bring the in-memory codes up to the table now (no chain read); returns how many are held."""
        return sum(len(index) for index in self._refresh().indexes.values())

    def _current(self) -> IndexSet:
        """The in-memory index for a query: refreshed after a sync, after a rollback anywhere (the
        epoch, one small read, is checked every time) and otherwise every REFRESH_SECONDS."""
        held = self._indexes
        if held is None or self._stale or time.monotonic() - self._refreshed_at >= REFRESH_SECONDS:
            return self._refresh()
        with self.engine.connect() as conn:
            epoch = get_meta(conn, "codes_epoch") or "0"
        return held if epoch == self._epoch else self._refresh()

    def _refresh(self) -> IndexSet:
        """The in-memory index, brought up to the table: the rows added since the last refresh are
        appended; after a rollback (the epoch moved) everything is loaded again."""
        with self._memory_lock:
            self._stale, self._refreshed_at = False, time.monotonic()
            with self.engine.connect() as conn:
                epoch = get_meta(conn, "codes_epoch") or "0"
                if self._indexes is None or epoch != self._epoch:
                    self._indexes, self._loaded_id, self._loaded_member_id = load_all(conn)
                    self._epoch = epoch
                    self.full_loads += 1
                    return self._indexes
                self._loaded_id = append_rows(conn, self._indexes, "codes", self._loaded_id)
                self._loaded_member_id = append_rows(conn, self._indexes, "member_codes", self._loaded_member_id)
            return self._indexes

    _REGISTERED = "SELECT content_hash, header, body, media, registration_id, block, id FROM codes"

    def registrations(self) -> list[Registered]:
        """Every indexed coded work, in registration order."""
        with self.engine.connect() as conn:
            rows = conn.execute(text(self._REGISTERED + " ORDER BY block, id")).all()
        return [Registered(str(d), int(h), int(b), str(m), int(r), int(k), int(i)) for d, h, b, m, r, k, i in rows]

    def registered(self, content_hash: str) -> Registered | None:
        """One indexed coded work, or None."""
        with self.engine.connect() as conn:
            row = conn.execute(text(self._REGISTERED + " WHERE content_hash = :h"), {"h": content_hash.lower()}).first()
        if row is None:
            return None
        d, h, b, m, r, k, i = row
        return Registered(str(d), int(h), int(b), str(m), int(r), int(k), int(i))

    def code_of(self, content_hash: str) -> str | None:
        """The registered work's content code (ISCC text), or None if it has none in the index."""
        found = self.registered(content_hash)
        return None if found is None else found.iscc

    def matches(self, media: str, code: int, max_distance: int | None = None, *,
                mirrored_code: int | None = None, rotated_codes: Sequence[int] = (),
                until_block: int | None = None, members: bool = False) -> list[WorkMatch]:
        """The registered works of `media` whose code is within `max_distance` (default: the media's
        threshold) of `code` (or of `mirrored_code`, an image's mirror, or of `rotated_codes`, the
        image rotated back a few degrees, 2 bits tighter), nearest first.

        `until_block`: only works registered by that block (an answer pinned to a block must not
        match a work registered after it, although the index has read further).
        `members`: also the members of collections registered with codes (their `collection_id` set)."""
        return self.matches_many([CodeQuery(media, code, mirrored_code, tuple(rotated_codes))], max_distance,
                                 until_block=until_block, members=members)[0]

    def matches_many(self, queries: Sequence[CodeQuery | None], max_distance: int | None = None, *,
                     until_block: int | None = None, members: bool = False) -> list[list[WorkMatch]]:
        """`matches` of each query (none for None), the holders of all their matches read in one
        round trip (a JSON-RPC batch), not one chain call per match."""
        if max_distance is not None and not 0 <= max_distance <= 64:
            raise ValidationError(f"--max-distance must be 0..64 bits, got {max_distance}")
        found = [[] if q is None else self._rows_of(q, max_distance, until_block, members) for q in queries]
        holders = self.client.works.holders_of([str(row[1]) for rows in found for _, row in rows if row[5] is None])
        collection_holders: dict[int, str] = {}
        out: list[list[WorkMatch]] = []
        for rows in found:
            matches = []
            for m, (_, digest, head, body, _block, collection) in rows:
                if collection is None:
                    holder = holders.get(str(digest).lower())
                    if holder is None:  # not registered (any more): as before, the registry's own answer
                        holder = self.client.works.holder_of(str(digest))
                    collection_id = None
                else:
                    collection_id = int(collection)
                    if collection_id not in collection_holders:
                        collection_holders[collection_id] = to_checksum_address(
                            self.client.collections.record(collection_id).holder)
                    holder = collection_holders[collection_id]
                matches.append(WorkMatch(str(digest), format_unit(int(head), int(body)), m.distance, holder,
                                         m.mirrored, collection_id, m.rotated, m.chance))
            out.append(matches)
        return out

    def _rows_of(self, q: CodeQuery, max_distance: int | None, until_block: int | None,
                 members: bool) -> list[tuple[Any, Any]]:
        """One query's hits in memory with their table rows (id, hash, header, body, block, collection)."""
        indexes = self._current()
        with self._memory_lock:  # a refresh appends to (and may compact) the index a query reads
            found = indexes.find(q.media, q.code, q.mirrored_code, max_distance, rotated_codes=q.rotated_codes)
        if not members:
            found = [m for m in found if m.id > 0]
        if not found:
            return []
        with self.engine.connect() as conn:
            works = [m.id for m in found if m.id > 0]
            member_ids = [-m.id for m in found if m.id < 0]
            rows: dict[int, Any] = {}
            if works:
                query = text("SELECT id, content_hash, header, body, block, NULL FROM codes WHERE id IN :ids")
                rows |= {int(r[0]): r for r in conn.execute(query.bindparams(bindparam("ids", expanding=True)),
                                                            {"ids": works}).all()}
            if member_ids:
                query = text("SELECT id, content_hash, header, body, block, collection_id FROM member_codes "
                             "WHERE id IN :ids")
                rows |= {-int(r[0]): r for r in conn.execute(query.bindparams(bindparam("ids", expanding=True)),
                                                             {"ids": member_ids}).all()}
        return [(m, rows[m.id]) for m in found if m.id in rows  # else rolled back by another writer meanwhile
                and (until_block is None or int(rows[m.id][4]) <= until_block)]

    def matches_of(self, identity: Identity, max_distance: int | None = None, *,
                   until_block: int | None = None, members: bool = False) -> list[WorkMatch]:
        """`matches` for a file's identity (none when it has no content code)."""
        return self.matches_of_many([identity], max_distance, until_block=until_block, members=members)[0]

    def matches_of_many(self, identities: Sequence[Identity | None], max_distance: int | None = None, *,
                        until_block: int | None = None, members: bool = False) -> list[list[WorkMatch]]:
        """`matches_of` for many files' identities (None: a file of no media we code), one holder batch."""
        return self.matches_many([None if i is None or i.content_bits is None else
                                  CodeQuery(i.media, i.content_bits, i.mirrored_bits, tuple(i.rotated_bits))
                                  for i in identities], max_distance, until_block=until_block, members=members)

    def near_many(self, queries: Sequence[CodeQuery]) -> list[list[WorkMatch]]:
        """The SDK's `NearCopies`: synced, then each query's matches at its media's threshold (so a
        client handed this index checks its registrations against it instead of reading the chain),
        collection members included; their holders in one round trip."""
        self.sync()
        return self.matches_many(queries, members=True)

    def in_memory(self) -> dict[str, tuple[int, int]]:
        """Per media: (codes held in memory, bytes they take); empty before the first query."""
        if self._indexes is None:
            return {}
        with self._memory_lock:
            return {media: (len(index), index.nbytes) for media, index in self._indexes.indexes.items()}


def _bump_epoch(conn: Connection) -> None:
    """Tell every process holding the codes in memory that rows were deleted: they load them again."""
    set_meta(conn, "codes_epoch", str(int(get_meta(conn, "codes_epoch") or "0") + 1))


def refuse_similar_code(index: CodesIndex, media: str, bits: int, holder: str, content_hash: str) -> None:
    """SimilarWorkError if a code (`media`, its 64-bit body) to be registered for `content_hash` is
    within the threshold of a work (or coded collection member) of a holder other than `holder`: the
    SDK's check (`near_copies_of_others`), for the gateway's relayed registrations, which name a code
    rather than a file; decisive matches only (identity.chance). The index is synced first."""
    found = near_copies_of_others(index, [Candidate(content_hash, content_hash, CodeQuery(media, bits))], holder)
    if found:
        listed = "; ".join(f"{f['contentHash']} (distance {f['distance']}, holder {f['holder']})" for f in found)
        raise SimilarWorkError(f"refusing to register a near copy of other holders' works: {listed}; "
                               "prepare it with allowSimilar: true if this is your own work", found)


def check_member_match(client: RightsLedger, match: WorkMatch, use: Use, *, licensee: str | None = None,
                       at: datetime | int | None = None) -> CheckResult:
    """The answer for a near copy of a collection member (`match.collection_id` set): the collection's
    check of that member, proven by the membership tree kept when its manifest was loaded."""
    if match.collection_id is None:
        raise ValidationError(f"{match.content_hash} is a registered work, not a collection member: check it")
    archive = client.collections
    return archive.check(match.collection_id, match.content_hash, use, licensee=licensee, at=at,
                         tree=archive.store(match.collection_id))
