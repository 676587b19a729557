"""The registered works' content codes, mirrored from the chain into the index, searchable by distance.

`CodesIndex.sync()` reads the WorkRegistry's `ContentCodesRecorded` events (and the mint
`Transfer` events of the same transactions, which name the works in registration order) from the
block it stopped at to the chain head, and stores one row per coded work in the `codes` table of
`<home>/codes-<chainId>.sqlite`, or of the database $RIGHTSLEDGER_INDEX_URL / `--index-url` names
(then the same database as the event index: index_store's one SQL layer and migrations).
`matches(code)` loads the rows into identity's `IndexSet` (one exact Hamming-range index per
media kind) and answers the registered works within the distance,
nearest first, with the work's current holder. Image queries also try the mirrored code.
Works registered without a code (or with NO_CODE: featureless images, too short texts) are not
indexed. Chain reorganisations are not followed: delete the file (or the rows) to rebuild it.

Members of collections registered with codes are indexed too (`member_codes`): `sync()` reads the
CollectionRegistry's `CollectionCodesCommitted` events, opens each members manifest (a file:// URI
or a local path; one published elsewhere is loaded with `load_members(id, file)`), rebuilds both of
the collection's roots from it and stores its coded members only if they match the chain. A
manifest that cannot be read yet is tried again at every sync (one that does not match its roots only
by `load_members`). `matches(..., members=True)` answers
them beside the registered works, naming their collection (`WorkMatch.collection_id`), with the
collection's holder.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak
from sqlalchemy import text

from ..chain.deployments import home_dir
from ..chain.logs import fetcher, logs_in_pages
from ..code_tree import CODES_EVENT, NO_CODE, split_codes
from ..errors import ConfigError, NotFoundError, SimilarWorkError, ValidationError
from ..identity import THRESHOLDS, Identity, IndexSet, format_unit, identify_file
from ..identity.iscc import IsccHeader
from ..manifests import manifest_path_of
from ..merkle import MerkleTree
from ..records import CheckResult
from ..sdk.client import RightsLedger
from ..sdk.collections import CODES_COMMITTED_EVENT, read_members
from ..vocabulary import Use
from . import index_store as store
from .index_store import configured_url, get_meta, lock_writers, set_meta, shared_engine, upsert

TRANSFER_TOPIC = "0x" + keccak(text="Transfer(address,address,uint256)").hex()
CODES_TOPIC = "0x" + keccak(text=CODES_EVENT).hex()
ZERO_TOPIC = "0x" + bytes(32).hex()
COLLECTION_CODES_TOPIC = "0x" + keccak(text=CODES_COMMITTED_EVENT).hex()


@dataclass(frozen=True, slots=True)
class WorkMatch:
    """A registered work whose content code is within the distance of the query."""

    content_hash: str
    iscc: str
    distance: int
    holder: str
    mirrored: bool = False
    collection_id: int | None = None
    """A member of this collection (registered with codes), not a work registered on its own."""
    rotated: bool = False  # found by the query rotated back a few degrees (identity.image.QUERY_ROTATIONS)

    def as_dict(self) -> dict[str, object]:
        found: dict[str, object] = {"contentHash": self.content_hash, "iscc": self.iscc, "distance": self.distance,
                                    "holder": self.holder}
        if self.collection_id is not None:
            found["collection"] = self.collection_id
        return found


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

    @property
    def iscc(self) -> str:
        return format_unit(self.header, self.body)


class CodesIndex:
    """The content codes of a deployment's registered works, kept in SQLite under the home folder."""

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
                    conn.execute(text("DELETE FROM meta WHERE key = 'next_block'"))
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
        self._indexes: IndexSet | None = None
        self._rows: dict[int, tuple[str, int, int, int]] = {}
        self._members: dict[int, int] = {}  # index id (negative) of a member row -> its collection

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

    def sync(self) -> int:
        """Read the codes registered since the last sync; returns how many works were added."""
        w3 = self.client.w3
        start, end = self.next_block, int(w3.eth.block_number)
        if start > end:
            return 0
        address = self.client.works.address
        fetch = fetcher(w3)
        mints: dict[str, list[str]] = defaultdict(list)
        for log in logs_in_pages(fetch, {"address": address, "topics": [TRANSFER_TOPIC, ZERO_TOPIC]}, start, end,
                                 action="reading registrations"):
            mints[bytes(log["transactionHash"]).hex()].append("0x" + bytes(log["topics"][3]).hex())
        event = self.client.works.events.ContentCodesRecorded()
        rows: list[dict[str, object]] = []
        for log in logs_in_pages(fetch, {"address": address, "topics": [CODES_TOPIC]}, start, end,
                                 action="reading content codes"):
            args = event.process_log(log)["args"]
            codes = split_codes(bytes(args["codes"]))
            hashes = mints.get(bytes(log["transactionHash"]).hex(), [])
            # A transaction may register more than once (a relayed batch); its last mints are this one's.
            hashes = hashes[-len(codes):] if len(hashes) >= len(codes) else []
            for digest, code in zip(hashes, codes, strict=False):
                if code == NO_CODE:
                    continue
                head = int.from_bytes(code[:2], "big")
                media = IsccHeader.unpack(head).media
                if media not in THRESHOLDS:
                    continue
                body = int.from_bytes(code[2:], "big")
                rows.append({"content_hash": digest, "header": head, "body": str(body), "media": media,
                             "registration_id": int(args["registrationId"]), "block": int(log["blockNumber"])})
        committed_event = self.client.collections.registry.events.CollectionCodesCommitted()
        committed: list[dict[str, object]] = []
        for log in logs_in_pages(fetch, {"address": self.client.collections.address,
                                         "topics": [COLLECTION_CODES_TOPIC]}, start, end,
                                 action="reading collections with codes"):
            args = committed_event.process_log(log)["args"]
            committed.append({"collection_id": int(args["collectionId"]), "block": int(log["blockNumber"]),
                              "codes_root": "0x" + bytes(args["codesRoot"]).hex(),
                              "manifest_uri": str(args["manifestURI"]), "status": "pending"})
        with self.engine.begin() as conn:
            lock_writers(conn)
            done = get_meta(conn, "next_block")
            if done is not None and int(done) > end:
                return 0  # another reader synced further meanwhile
            upsert(conn, store.codes, rows, ("content_hash",), replace=False)
            upsert(conn, store.coded_collections, committed, ("collection_id",), replace=False)
            set_meta(conn, "next_block", str(end + 1))
        members = self._load_pending_members()
        if rows or members:
            self._indexes = None
        return len(rows) + members

    def _load_pending_members(self) -> int:
        """Load the members manifests not loaded yet (new, or unreadable before: a manifest that did not
        match its roots is not read again by itself, only by `load_members`); returns the members indexed."""
        with self.engine.connect() as conn:
            pending = conn.execute(text("SELECT collection_id FROM coded_collections "
                                        "WHERE status IN ('pending', 'unreadable') ORDER BY collection_id")).all()
        added = 0
        for (collection_id,) in pending:
            try:
                added += self.load_members(int(collection_id))
            except (NotFoundError, ValidationError):
                continue  # recorded in the row's status; tried again at the next sync
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
                if code == NO_CODE:
                    continue
                head = int.from_bytes(code[:2], "big")
                media = IsccHeader.unpack(head).media
                if media not in THRESHOLDS:
                    continue
                rows.append({"collection_id": int(collection_id), "content_hash": digest.lower(), "header": head,
                             "body": str(int.from_bytes(code[2:], "big")), "media": media, "block": block})
        except (NotFoundError, ValidationError) as exc:
            status = "root-mismatch" if exc.code == "manifest-root-mismatch" else "unreadable"
            with self.engine.begin() as conn:
                lock_writers(conn)
                conn.execute(text("UPDATE coded_collections SET status = :s WHERE collection_id = :c"),
                             {"s": status, "c": int(collection_id)})
            raise
        with self.engine.begin() as conn:
            lock_writers(conn)
            upsert(conn, store.member_codes, rows, ("collection_id", "content_hash"), replace=False)
            conn.execute(text("UPDATE coded_collections SET status = 'loaded' WHERE collection_id = :c"),
                         {"c": int(collection_id)})
        self._indexes = None
        return len(rows)

    def member_count(self) -> int:
        """How many coded collection members the index holds."""
        with self.engine.connect() as conn:
            return int(conn.execute(text("SELECT COUNT(*) FROM member_codes")).scalar_one())

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

    def codes_until(self, block: int) -> dict[str, tuple[int, int]]:
        """Every coded work recorded by `block`: content hash (lower-case) -> (header, body)."""
        with self.engine.connect() as conn:
            found = conn.execute(text("SELECT content_hash, header, body FROM codes WHERE block <= :b"),
                                 {"b": block}).all()
        return {str(digest).lower(): (int(head), int(body)) for digest, head, body in found}

    def _load(self) -> IndexSet:
        if self._indexes is None:
            indexes = IndexSet()
            by_media: dict[str, tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
            self._rows = {}
            with self.engine.connect() as conn:
                found = conn.execute(text("SELECT id, content_hash, header, body, media, block FROM codes")).all()
            for rid, digest, head, body, media, block in found:
                by_media[media][0].append(int(body))
                by_media[media][1].append(int(rid))
                self._rows[int(rid)] = (digest, int(head), int(body), int(block))
            with self.engine.connect() as conn:
                found = conn.execute(text("SELECT id, collection_id, content_hash, header, body, media, block "
                                          "FROM member_codes")).all()
            self._members = {}
            # Member rows get negative ids in the search index: the two tables number their rows apart.
            for rid, collection_id, digest, head, body, media, block in found:
                by_media[media][0].append(int(body))
                by_media[media][1].append(-int(rid))
                self._rows[-int(rid)] = (digest, int(head), int(body), int(block))
                self._members[-int(rid)] = int(collection_id)
            for media, (codes, ids) in by_media.items():
                indexes.index(media).add(codes, ids)
            self._indexes = indexes
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
        image rotated back a few degrees), nearest first.

        `until_block`: only works registered by that block (an answer pinned to a block must not
        match a work registered after it, although the index has read further).
        `members`: also the members of collections registered with codes (their `collection_id` set)."""
        if max_distance is not None and not 0 <= max_distance <= 64:
            raise ValidationError(f"--max-distance must be 0..64 bits, got {max_distance}")
        indexes = self._load()
        found = indexes.find(media, code, mirrored_code, max_distance, rotated_codes=rotated_codes)
        out = []
        collection_holders: dict[int, str] = {}
        for m in found:
            collection_id = self._members.get(m.id)
            if collection_id is not None and not members:
                continue
            digest, head, body, block = self._rows[m.id]
            if until_block is not None and block > until_block:
                continue
            if collection_id is None:
                holder = self.client.works.call(self.client.works.functions.ownerOf(int(digest, 16)),
                                                "reading a holder")
            else:
                if collection_id not in collection_holders:
                    collection_holders[collection_id] = self.client.collections.record(collection_id).holder
                holder = collection_holders[collection_id]
            out.append(WorkMatch(digest, format_unit(head, body), m.distance, to_checksum_address(holder), m.mirrored,
                                 collection_id, m.rotated))
        return out

    def matches_of(self, identity: Identity, max_distance: int | None = None, *,
                   until_block: int | None = None, members: bool = False) -> list[WorkMatch]:
        """`matches` for a file's identity (none when it has no content code)."""
        if identity.content_bits is None:
            return []
        return self.matches(identity.media, identity.content_bits, max_distance, mirrored_code=identity.mirrored_bits,
                            rotated_codes=identity.rotated_bits, until_block=until_block, members=members)


def refuse_similar(client: RightsLedger, paths: Sequence[Path], holder: str, *, allowed: Iterable[str] = ()) -> None:
    """SimilarWorkError if a file is a near copy of a work registered by a holder other than `holder`
    (`allowed`: content hashes it may be near, a derivative's parents)."""
    near_ok = {h.lower() for h in allowed}
    found: list[dict[str, object]] = []
    with CodesIndex(client) as index:
        index.sync()
        if not len(index) and not index.member_count():
            return
        for path in paths:
            try:
                identity = identify_file(path)
            except ValidationError:
                continue
            for m in index.matches_of(identity, members=True):
                # the same bytes: the registry itself refuses them (WorkAlreadyRegistered)
                if m.content_hash in near_ok:
                    continue
                if m.holder.lower() != holder.lower() and m.content_hash != identity.sha256:
                    found.append({"file": str(path), **m.as_dict()})
    if found:
        listed = "; ".join(f"{f['file']} ~ {f['contentHash']} (distance {f['distance']}, holder {f['holder']})"
                           for f in found)
        raise SimilarWorkError(f"refusing to register near copies of other holders' works: {listed}; "
                               "register anyway with --allow-similar if this is your own work", found)


def refuse_similar_code(index: CodesIndex, media: str, bits: int, holder: str, content_hash: str) -> None:
    """SimilarWorkError if a code (`media`, its 64-bit body) to be registered for `content_hash` is
    within the threshold of a work registered by a holder other than `holder` (the gateway's relayed
    registrations, which name a code rather than a file). The index is synced first."""
    index.sync()
    found = [m.as_dict() for m in index.matches(media, bits, members=True)
             if m.holder.lower() != holder.lower() and m.content_hash != content_hash.lower()]
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
