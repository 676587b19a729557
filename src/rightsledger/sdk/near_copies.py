"""Near copies at registration: the SDK refuses to register a file whose content code is within the
threshold of a work another holder registered (`SimilarWorkError`, `.matches` lists them), unless
the caller passes `allow_similar=True`.

The lookup is a `NearCopies`: anything that answers, synced to the chain, the registered works near
a batch of codes. The SDK's default, `ChainCodes`, reads the registry's `ContentCodesRecorded`
events into memory on first use and then only the blocks after the last one it read (a
reorganised tip is noticed by its block hash, and the codes are read again); it needs no
database, so a trainer's or a script's install stays light. The CLI and the gateway hand the
client their codes index instead (workflows.identity_index.CodesIndex, kept in SQLite or
PostgreSQL), which implements the same protocol.

Members of collections registered with codes are on chain only as a codes root; their codes are in
the members manifest the chain names. `ChainCodes` matches them when that manifest is readable here:
the copy the registering home wrote, or the published one if $RIGHTSLEDGER_MANIFESTS names the
folder it lies in (a URI on chain is anyone's word: without that folder no path it names is opened),
and only once it rebuilds both roots. A manifest published over HTTP(S), or elsewhere on disk, is
not fetched: hand the client a codes index (`client.works.near_copies = CodesIndex(client)`, which
loads manifests by hand with `load_members`) to refuse near copies of those members.

A derivative (`Licensing.register_derivative`) is checked the same way, its parents allowed.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from ..chain.connection import block_hash
from ..chain.module import ChainContext
from ..code_tree import NO_CODE
from ..errors import SimilarWorkError
from ..identity import THRESHOLDS, IndexSet, format_unit
from ..identity.chance import is_decisive
from ..identity.iscc import IsccHeader

LOG = logging.getLogger("rightsledger.near_copies")


def matchable(code: bytes) -> tuple[str, int, int] | None:
    """(media, 16-bit header, 64-bit body) of a 10-byte on-chain code, or None for no code or a code
    of a media with no threshold (never matched)."""
    if code == NO_CODE:
        return None
    head = int.from_bytes(code[:2], "big")
    media = IsccHeader.unpack(head).media
    if media not in THRESHOLDS:
        return None
    return media, head, int.from_bytes(code[2:], "big")


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
    rotated: bool = False  # found by a query variant (identity.image.query_variants: rotated back, overlays removed)
    chance: float = 0.0
    """Unrelated works the query was expected to find this near by chance at the index's size
    (identity.chance); `decisive` when at most CHANCE_LIMIT."""

    @property
    def decisive(self) -> bool:
        return is_decisive(self.chance)

    def as_dict(self) -> dict[str, object]:
        found: dict[str, object] = {"contentHash": self.content_hash, "iscc": self.iscc, "distance": self.distance,
                                    "holder": self.holder, "chance": float(f"{self.chance:.2g}"),
                                    "decisive": self.decisive}
        if self.collection_id is not None:
            found["collection"] = self.collection_id
        return found


@dataclass(frozen=True, slots=True)
class CodedWork:
    """One registered work with a content code, as its registration's events tell it."""

    content_hash: str
    header: int
    body: int
    media: str
    registration_id: int
    block: int
    block_hash: str


@dataclass(frozen=True, slots=True)
class CodeQuery:
    """A code to look for: its media, its 64-bit body and (images) its mirror's body and the bodies
    of its query rotations (identity.image.QUERY_ROTATIONS)."""

    media: str
    code: int
    mirrored_code: int | None = None
    rotated_codes: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Candidate:
    """A work about to be registered: `label` names it in messages (a file path, else its hash)."""

    label: str
    content_hash: str
    query: CodeQuery
    is_file: bool = False


class NearCopies(Protocol):
    """The registered works near codes, at the media's threshold, synced to the chain head first."""

    def near_many(self, queries: Sequence[CodeQuery]) -> list[list[WorkMatch]]: ...


class CodedRegistry(Protocol):
    """What `ChainCodes` reads: the registry's coded registrations and its holders (sdk.works.Works)."""

    ctx: ChainContext

    def coded_works(self, start: int, end: int) -> list[CodedWork]: ...

    def holder_of(self, content_hash: str) -> str: ...

    def holders_of(self, content_hashes: Sequence[str]) -> dict[str, str]: ...


@dataclass(frozen=True, slots=True)
class CodesCommitment:
    """A collection registered with codes, as its `CollectionCodesCommitted` event tells it."""

    collection_id: int
    block: int
    codes_root: str
    manifest_uri: str


class CodedMembers(Protocol):
    """What `ChainCodes` reads of collections registered with codes (sdk.collections.CollectionClient)."""

    def codes_commitments(self, start: int, end: int) -> list[CodesCommitment]: ...

    def readable_members(self, commitment: CodesCommitment) -> list[tuple[str, bytes]] | None: ...

    def holder_of(self, collection_id: int) -> str: ...


# A members manifest not readable here is tried again at most this often (each try reads the chain).
RETRY_UNREADABLE_SECONDS = 300.0


class ChainCodes:
    """The coded works of a deployment, read from the chain into memory: the SDK's own `NearCopies`.

    Given `members` (the client's collections), the members of collections registered with codes
    are matched too, from their members manifests where they are readable here (the one this home
    wrote at registration, or under $RIGHTSLEDGER_MANIFESTS) and only after both of the collection's
    roots are rebuilt from them; an unreadable one is tried again at most every
    `retry_unreadable_seconds`. A member's in-memory id is negative (its row among `_members`)."""

    def __init__(self, works: CodedRegistry, members: CodedMembers | None = None) -> None:
        self._works = works
        self._members = members
        self._lock = threading.Lock()
        self.retry_unreadable_seconds = RETRY_UNREADABLE_SECONDS
        self._reset()

    def _reset(self) -> None:
        self._indexes = IndexSet()
        self._rows: list[tuple[str, int, int]] = []  # id -> (content hash, header, body)
        self._member_rows: list[tuple[str, int, int, int]] = []  # -1 - id -> (content hash, header, body, collection)
        self._pending: dict[int, CodesCommitment] = {}  # collections whose manifest was not readable yet
        self._tried: dict[int, float] = {}
        self._next_block = int(self._works.ctx.deployment.block)
        self._tip: tuple[int, str] | None = None

    def __len__(self) -> int:
        return len(self._rows)

    def member_count(self) -> int:
        """How many coded collection members are held."""
        return len(self._member_rows)

    def sync(self) -> int:
        """Read the codes registered since the last sync (all of them again if the tip read last was
        reorganised away), and the members of collections registered with codes whose manifests are
        readable; returns how many works and members were added."""
        with self._lock:
            w3 = self._works.ctx.w3
            if self._tip is not None and self._block_hash(self._tip[0]) != self._tip[1]:
                self._reset()
            start, end = self._next_block, int(w3.eth.block_number)
            if start > end:
                return self._load_members()
            found = self._works.coded_works(start, end)
            if self._members is not None:
                self._pending |= {c.collection_id: c for c in self._members.codes_commitments(start, end)}
            by_media: dict[str, tuple[list[int], list[int]]] = {}
            for work in found:
                codes, ids = by_media.setdefault(work.media, ([], []))
                codes.append(work.body)
                ids.append(len(self._rows))
                self._rows.append((work.content_hash, work.header, work.body))
            for media, (codes, ids) in by_media.items():
                self._indexes.index(media).add(codes, ids)
            self._next_block = end + 1
            self._tip = (end, self._block_hash(end))
            return len(found) + self._load_members()

    def _load_members(self) -> int:
        """Index the members of the pending collections whose manifests are readable now (the lock held)."""
        if self._members is None or not self._pending:
            return 0
        moment = time.monotonic()
        by_media: dict[str, tuple[list[int], list[int]]] = {}
        added = 0
        for collection_id, commitment in sorted(self._pending.items()):
            last = self._tried.get(collection_id)
            if last is not None and moment - last < self.retry_unreadable_seconds:
                continue
            self._tried[collection_id] = moment
            listed = self._members.readable_members(commitment)
            if listed is None:
                continue
            del self._pending[collection_id]
            for digest, code in listed:
                if (unit := matchable(code)) is None:
                    continue
                media, head, body = unit
                codes, ids = by_media.setdefault(media, ([], []))
                codes.append(body)
                ids.append(-1 - len(self._member_rows))
                self._member_rows.append((digest.lower(), head, body, collection_id))
                added += 1
        for media, (codes, ids) in by_media.items():
            self._indexes.index(media).add(codes, ids)
        return added

    def _block_hash(self, number: int) -> str:
        return block_hash(self._works.ctx.w3, number) or ""  # "": gone, the chain got shorter

    def near_many(self, queries: Sequence[CodeQuery]) -> list[list[WorkMatch]]:
        self.sync()
        hits = []
        for q in queries:
            with self._lock:
                found = self._indexes.find(q.media, q.code, q.mirrored_code, rotated_codes=q.rotated_codes)
                hits.append([((*self._rows[m.id], None) if m.id >= 0 else
                              self._member_rows[-1 - m.id], m) for m in found])
        # Every work's holder in one round trip (a JSON-RPC batch), not one call per match.
        holders = self._works.holders_of([row[0] for rows in hits for row, _ in rows if row[3] is None])
        collection_holders: dict[int, str] = {}
        out: list[list[WorkMatch]] = []
        for rows in hits:
            matches = []
            for (digest, head, body, collection), m in rows:
                if collection is None:
                    holder = holders.get(digest.lower()) or self._works.holder_of(digest)
                else:
                    assert self._members is not None  # members are held only when there is a source
                    if collection not in collection_holders:
                        collection_holders[collection] = self._members.holder_of(collection)
                    holder = collection_holders[collection]
                matches.append(WorkMatch(digest, format_unit(head, body), m.distance, holder, m.mirrored,
                                         collection, m.rotated, m.chance))
            out.append(matches)
        return out


def near_copies_of_others(lookup: NearCopies, candidates: Sequence[Candidate], holder: str, *,
                          allowed: Sequence[str] = ()) -> list[dict[str, Any]]:
    """The registered works of holders other than `holder` each candidate is a near copy of, as
    SimilarWorkError's `matches` (the same bytes as a registered work are left out: the registry
    refuses them itself; the same bytes as a collection member are not). `allowed`: content hashes
    a candidate may be near (a derivative's parents: a derivative is by nature near them). Only decisive
    matches (identity.chance): in a registry of millions a match at the threshold is as likely chance."""
    if not candidates:
        return []
    near_ok = {h.lower() for h in allowed}
    found: list[dict[str, Any]] = []
    answers = lookup.near_many([c.query for c in candidates])
    for candidate, matches in zip(candidates, answers, strict=True):
        for m in matches:
            if m.content_hash.lower() in near_ok:
                continue
            # The same bytes as a registered work: the registry refuses them itself. A collection
            # member is not known to the registry: its exact copy is refused here.
            same = m.collection_id is None and m.content_hash.lower() == candidate.content_hash.lower()
            if m.holder.lower() == holder.lower() or same:
                continue
            if m.decisive:
                found.append({**({"file": candidate.label} if candidate.is_file else {}), "work": candidate.label,
                              **m.as_dict()})
            else:  # not refused, but said: a person may want to look
                LOG.warning("%s is a possible near copy of %s (distance %d, holder %s): not decisive at this "
                            "registry's size (about %.2g chance matches expected), so not refused",
                            candidate.label, m.content_hash, m.distance, m.holder, m.chance)
    return found


def describe_matches(found: Sequence[dict[str, Any]]) -> str:
    return "; ".join(f"{f['work']} ~ {f['contentHash']} (distance {f['distance']}, holder {f['holder']})"
                     for f in found)


def refuse_near_copies(lookup: NearCopies, candidates: Sequence[Candidate], holder: str, *,
                       override: str = "allow_similar=True", allowed: Sequence[str] = ()) -> None:
    """SimilarWorkError if a candidate is a near copy of another holder's registered work (or coded
    collection member), other than the `allowed` ones."""
    found = near_copies_of_others(lookup, candidates, holder, allowed=allowed)
    if found:
        raise SimilarWorkError(f"refusing to register near copies of other holders' works: {describe_matches(found)}; "
                               f"register anyway with {override} if this is your own work", found)
