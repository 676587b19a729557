"""Collections registered by Merkle root: one transaction for any number of works sharing a
policy. The SDK keeps each collection's tree as a tree file by its root (`<home>/trees/<root>.tree`,
rightsledger.merkle_store), from which it serves the inclusion proofs that checks and levy claims
need, and (up to `DUMP_LIMIT` works) as an OpenZeppelin "standard-v1" JSON file under
`<home>/collections/<chainId>/<id>.tree.json`.

A collection registered with codes (`register_with_codes`) also commits to its members' ISCC content
codes: a second root over (content hash, code) leaves (the coded leaves of dataset trees), and a
members manifest, the "standard-v1" JSON of that coded tree, published at the URI the chain names
(`CollectionCodesCommitted`). Anyone with the manifest rebuilds both roots from it (`read_members`),
so the members' codes are as trustworthy as the chain; the codes index loads them, and near copies
of members are then answered with the collection's terms. Gas stays constant per collection."""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import cast

from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak
from web3.logs import DISCARD

from ..chain.deployments import home_dir
from ..chain.logs import fetcher, logs_in_pages
from ..chain.module import ChainContext, ContractModule
from ..code_tree import CodeLike, pack_code
from ..errors import NotFoundError, ValidationError
from ..hashing import ContentLike, content_hash
from ..manifests import DUMP_LIMIT, manifest_path_of
from ..merkle import MerkleTree
from ..merkle_store import TreeFile
from ..records import CheckResult, Collection, CollectionRegistration
from ..terms import Terms
from ..tree_shelf import Tree, TreeShelf
from ..units import to_timestamp
from ..vocabulary import ZERO_ADDRESS, ContentHash, PolicyId, Reason, Status, Use, as_use, parse_address
from .near_copies import CodesCommitment
from .policies import Policies
from .works import auto_code

# Proofs of ~20 nodes for a million works: 1,000 items keep a call far under the gas and size caps.
MEMBER_CHUNK = 1_000
# A members manifest is one JSON tree (~260 bytes per member): this many stay under the JSON file cap.
MAX_CODED_MEMBERS = 500_000
CODES_COMMITTED_EVENT = "CollectionCodesCommitted(uint256,bytes32,string)"
NO_ROOT = "0x" + "00" * 32


def read_members(path: str | Path, *, root: str, codes_root: str, what: str) -> list[tuple[ContentHash, bytes]]:
    """The (content hash, code) of every member listed in a members manifest, in its order, after
    rebuilding both of the collection's roots from it: the coded tree's must be `codes_root` and the
    tree of its hashes `root` (so the codes are those of exactly the collection's members)."""
    tree = MerkleTree.read(path)
    if tree.codes is None:
        raise ValidationError(f"{path} lists no codes: it is not the members manifest of {what}",
                              code="manifest-root-mismatch")
    if tree.root != codes_root.lower():
        raise ValidationError(f"members manifest {path} has codes root {tree.root}, but {what} committed to "
                              f"{codes_root}", code="manifest-root-mismatch")
    plain = MerkleTree.of(tree.values)
    if plain.root != root.lower():
        raise ValidationError(f"members manifest {path} lists other works than {what} (root {plain.root}, "
                              f"not {root})", code="manifest-root-mismatch")
    codes = tree.codes
    return [(ContentHash(v), codes[v]) for v in tree.values]


class CollectionClient(ContractModule):
    """Collections registered by Merkle root, with their trees kept under `<home>/collections/<chainId>/`."""

    contract_name = "CollectionRegistry"

    def __init__(self, ctx: ChainContext, policies: Policies, *, home: str | Path | None = None) -> None:
        super().__init__(ctx)
        self.policies = policies
        self.registry = self.contract
        self.folder = home_dir(home) / "collections" / str(ctx.chain_id)
        self.trees = TreeShelf(home_dir(home) / "trees")

    def register(
        self,
        items: Sequence[ContentLike],
        *,
        terms: Terms | int | None = None,
        holder: str | None = None,
        metadata_uri: str = "",
    ) -> CollectionRegistration:
        """Register every item under one Merkle root, in one transaction; keep the tree for proofs."""
        hashes = [content_hash(i) for i in items]
        if len(set(hashes)) != len(hashes):
            raise ValidationError("the collection lists a work twice")
        tree: Tree = self.trees.put(hashes)  # streaming: memory bounded by the run size, not the count
        if len(hashes) <= DUMP_LIMIT:
            tree = MerkleTree.of(hashes)
        holder_address = parse_address(holder, what="holder") if holder else self.ctx.address
        policy_id = self.policies.policy_id(terms)
        call = self.registry.functions.registerCollection(tree.root, len(tree), holder_address, policy_id, metadata_uri)
        receipt = self.send(call, f"registering a collection of {len(tree):,} works")
        (event,) = self.registry.events.CollectionRegistered().process_receipt(receipt, errors=DISCARD)
        collection_id = int(event["args"]["collectionId"])
        self.folder.mkdir(parents=True, exist_ok=True)
        tree_file = tree.save(self.folder / f"{collection_id}.tree.json") if isinstance(tree, MerkleTree) else tree.path
        return CollectionRegistration(
            collection_id=collection_id,
            root=tree.root,
            count=len(tree),
            policy_id=policy_id,
            tree_file=tree_file,
            transaction="0x" + receipt["transactionHash"].hex().removeprefix("0x"),
            gas_used=int(receipt["gasUsed"]),
        )

    def register_with_codes(
        self,
        items: Sequence[ContentLike],
        codes: Sequence[CodeLike | None] | None = None,
        *,
        terms: Terms | int | None = None,
        holder: str | None = None,
        metadata_uri: str = "",
        manifest_uri: str = "",
    ) -> CollectionRegistration:
        """`register`, committing to each member's content code too: `codes` (one per item, None for
        one without), else those computed from the items given as files or bytes (none for hashes).
        Writes the members manifest under `<home>/collections/<chainId>/` and names `manifest_uri` (where
        it is published; default: its file:// URI) on chain. Up to MAX_CODED_MEMBERS members."""
        hashes = [content_hash(i) for i in items]
        if not hashes:
            raise ValidationError("the collection is empty: give at least one work")
        if len(set(hashes)) != len(hashes):
            raise ValidationError("the collection lists a work twice")
        if len(hashes) > MAX_CODED_MEMBERS:
            raise ValidationError(f"a collection with codes has at most {MAX_CODED_MEMBERS:,} members (its manifest "
                                  f"is one JSON file), not {len(hashes):,}: register it in parts")
        if codes is not None and len(codes) != len(hashes):
            raise ValidationError(f"{len(hashes)} works but {len(codes)} codes: give one code (or None) per work")
        packed = [pack_code(c) for c in (codes if codes is not None else [auto_code(i) for i in items])]
        plain = MerkleTree.of(hashes)
        coded = MerkleTree.of(hashes, packed)
        self.folder.mkdir(parents=True, exist_ok=True)
        manifest = coded.save(self.folder / f"members-{coded.root[2:]}.json")
        uri = manifest_uri or manifest.resolve().as_uri()
        self.trees.put(hashes)
        holder_address = parse_address(holder, what="holder") if holder else self.ctx.address
        policy_id = self.policies.policy_id(terms)
        call = self.registry.functions.registerCollectionWithCodes(
            plain.root, coded.root, len(plain), holder_address, policy_id, metadata_uri, uri
        )
        receipt = self.send(call, f"registering a collection of {len(plain):,} works with their codes")
        (event,) = self.registry.events.CollectionRegistered().process_receipt(receipt, errors=DISCARD)
        collection_id = int(event["args"]["collectionId"])
        return CollectionRegistration(
            collection_id=collection_id,
            root=plain.root,
            count=len(plain),
            policy_id=policy_id,
            tree_file=plain.save(self.folder / f"{collection_id}.tree.json"),
            transaction="0x" + receipt["transactionHash"].hex().removeprefix("0x"),
            gas_used=int(receipt["gasUsed"]),
            codes_root=coded.root,
            members_manifest=manifest,
            manifest_uri=uri,
        )

    def codes_root(self, collection_id: int) -> str | None:
        """The root over the members' (content hash, code) leaves; None for a collection without codes."""
        raw = self.call(self.functions.codesRootOf(int(collection_id)), f"reading collection {collection_id}")
        root = "0x" + bytes(raw).hex()
        return None if root == NO_ROOT else root

    def manifest_uri(self, collection_id: int) -> str:
        """Where the members manifest of a collection with codes is published (its CollectionCodesCommitted)."""
        topics = ["0x" + keccak(text=CODES_COMMITTED_EVENT).hex(), "0x" + int(collection_id).to_bytes(32, "big").hex()]
        w3 = self.ctx.w3
        action = f"reading the members manifest of collection {collection_id}"
        pages = logs_in_pages(fetcher(w3), {"address": self.address, "topics": topics}, self.ctx.deployment.block,
                              w3.eth.block_number, action=action)
        log = next(iter(pages), None)
        if log is None:
            raise NotFoundError(f"collection {collection_id} was registered without codes", code="collection-uncoded")
        return str(self.registry.events.CollectionCodesCommitted().process_log(log)["args"]["manifestURI"])

    def codes_commitments(self, start: int, end: int) -> list[CodesCommitment]:
        """The collections registered with codes in blocks `start`..`end` (their CollectionCodesCommitted)."""
        event = self.registry.events.CollectionCodesCommitted()
        topics = ["0x" + keccak(text=CODES_COMMITTED_EVENT).hex()]
        found = []
        for log in logs_in_pages(fetcher(self.ctx.w3), {"address": self.address, "topics": topics}, start, end,
                                 action="reading collections with codes"):
            args = event.process_log(log)["args"]
            found.append(CodesCommitment(int(args["collectionId"]), int(log["blockNumber"]),
                                         "0x" + bytes(args["codesRoot"]).hex(), str(args["manifestURI"])))
        return found

    def readable_members(self, commitment: CodesCommitment) -> list[tuple[str, bytes]] | None:
        """The members of a collection with codes from the first members manifest readable here that
        rebuilds both of its roots: the one this home wrote at registration, else the published one if
        $RIGHTSLEDGER_MANIFESTS names a folder and it lies under it (a URI on chain is anyone's word:
        without that folder the SDK opens no path it names). None when none is readable."""
        candidates = [self.folder / f"members-{commitment.codes_root.removeprefix('0x')}.json"]
        folder = os.environ.get("RIGHTSLEDGER_MANIFESTS")
        if folder:
            try:
                candidates.append(manifest_path_of(commitment.manifest_uri, Path(folder)))
            except ValidationError:
                pass  # not a local file, or outside the folder
        root: str | None = None
        for path in candidates:
            if not path.is_file():
                continue
            try:
                root = root or self._root(commitment.collection_id)
                listed = read_members(path, root=root, codes_root=commitment.codes_root,
                                      what=f"collection {commitment.collection_id}")
            except (NotFoundError, ValidationError, OSError):
                continue
            return [(str(digest), code) for digest, code in listed]
        return None

    def holder_of(self, collection_id: int) -> str:
        """The collection's holder (checksummed)."""
        return to_checksum_address(self.record(collection_id).holder)

    def members(self, collection_id: int, manifest: str | Path | None = None) -> list[tuple[ContentHash, bytes]]:
        """The (content hash, code) of every member of a collection with codes, from its members manifest
        (the published one if it is a local file, else `manifest`), checked against both roots on chain."""
        codes_root = self.codes_root(collection_id)
        if codes_root is None:
            raise NotFoundError(f"collection {collection_id} was registered without codes", code="collection-uncoded")
        path = Path(manifest) if manifest is not None else manifest_path_of(self.manifest_uri(collection_id))
        return read_members(path, root=self._root(collection_id), codes_root=codes_root,
                            what=f"collection {collection_id}")

    def _root(self, collection_id: int) -> str:
        return "0x" + bytes(self.registry.functions.collectionOf(collection_id).call()[5]).hex()

    def store(self, collection_id: int, tree_file: str | Path | None = None) -> TreeFile:
        """The collection's tree file (kept by its root), checked against the root on chain; built
        once from its JSON tree (or `tree_file`, a JSON dump or a tree file) if none is kept."""
        root = self._root(collection_id)
        given = Path(tree_file) if tree_file else None
        dump = given if given is not None and given.suffix == ".json" else self.folder / f"{collection_id}.tree.json"
        try:
            return self.trees.get(
                root,
                beside=[given] if given is not None and given != dump else [],
                leaves=(lambda: (False, MerkleTree.read(dump).values)) if dump.exists() else None,
                what=f"collection {collection_id}'s root",
                source=f"tree {dump}",
            )
        except NotFoundError as exc:
            if exc.code != "tree-unavailable":
                raise
            raise NotFoundError(
                f"no tree is kept for collection {collection_id} ({self.trees.path_for(root)} or {dump}); "
                "pass its tree file"
            ) from None

    def tree(self, collection_id: int, tree_file: str | Path | None = None) -> MerkleTree:
        """The collection's tree in memory, as kept at registration (or from `tree_file`), checked
        against the root (for its values; proofs come from `store`)."""
        path = Path(tree_file) if tree_file else self.folder / f"{collection_id}.tree.json"
        if not path.exists():
            raise NotFoundError(f"no tree is kept for collection {collection_id} at {path}; pass its tree file")
        tree = MerkleTree.read(path)
        root = self._root(collection_id)
        if tree.root != root:
            raise ValidationError(f"tree {path} has root {tree.root}, but collection {collection_id} has {root}")
        return tree

    def record(self, collection_id: int) -> Collection:
        """The collection's record (NotFoundError-like ContractRevert if it does not exist)."""
        raw = self.call(self.functions.collectionOf(collection_id), f"reading collection {collection_id}")
        holder, policy_id, registered_at, status, mask, root, uri = raw
        return Collection(
            collection_id=collection_id,
            holder=str(holder),
            policy_id=PolicyId(int(policy_id)),
            registered_at=datetime.fromtimestamp(int(registered_at), tz=UTC),
            status=cast(Status, Status.from_code(int(status))),
            opted_out=tuple(u for u in Use if int(mask) & (1 << u.code)),
            root="0x" + bytes(root).hex(),
            metadata_uri=str(uri),
        )
    def mark(self, collection_id: int, status: Status, evidence_uri: str = "") -> None:
        """Mark a collection verified, disputed or unverified (WorkRegistry REGISTRAR_ROLE only). Levy
        shares of members are paid only for verified collections."""
        call = self.registry.functions.markCollectionStatus(int(collection_id), status.code, evidence_uri)
        self.send(call, f"marking collection {collection_id} {status}")

    def correct_holder(self, collection_id: int, new_holder: str, evidence_uri: str) -> None:
        """Settle a dispute: move a disputed collection to `new_holder` (registrar only; its terms reset)."""
        holder = parse_address(new_holder, what="new holder")
        call = self.registry.functions.correctCollectionHolder(int(collection_id), holder, evidence_uri)
        self.send(call, f"correcting the holder of collection {collection_id}")

    def contest_member(self, collection_id: int, item: ContentLike, *, tree: Tree | None = None) -> str:
        """Contest an individual registration of a member of a verified collection made at or after the
        collection by anyone but its holder (a squatter's); anyone may. The proof comes from the kept tree.
        The work is then disputed: its bare-hash check answers `disputed` and its levy `claim` reverts,
        until a registrar corrects its holder. Returns the transaction hash."""
        digest = content_hash(item)
        tree = tree or self.store(collection_id)
        if digest not in tree:
            raise ValidationError(f"{digest} is not a member of collection {collection_id} (not in its tree)",
                                  code="not-a-member")
        call = self.registry.functions.contestMember(int(collection_id), digest, tree.proof(digest))
        receipt = self.send(call, f"contesting the registration of {digest} (member of collection {collection_id})")
        return "0x" + receipt["transactionHash"].hex().removeprefix("0x")

    def proof(self, collection_id: int, item: ContentLike) -> list[str]:
        return self.store(collection_id).proof(content_hash(item))

    def check(
        self,
        collection_id: int,
        item: ContentLike,
        use: Use | str,
        *,
        licensee: str | None = None,
        at: datetime | int | None = None,
        tree: Tree | None = None,
    ) -> CheckResult:
        return self.check_many(collection_id, [item], use, licensee=licensee, at=at, tree=tree)[0]

    def check_many(
        self,
        collection_id: int,
        items: Sequence[ContentLike],
        use: Use | str,
        *,
        licensee: str | None = None,
        at: datetime | int | None = None,
        tree: Tree | None = None,
        chunk_size: int = MEMBER_CHUNK,
    ) -> list[CheckResult]:
        """Batch check of collection members, each with its proof. Non-members answer unregistered."""
        chosen = as_use(use)
        tree = tree or self.store(collection_id)
        who = parse_address(licensee, what="licensee") if licensee else ZERO_ADDRESS
        hashes = [content_hash(i) for i in items]
        members = list(Reason)
        results: list[CheckResult] = []
        for start in range(0, len(hashes), chunk_size):
            chunk = hashes[start : start + chunk_size]
            proofs = [tree.proof(h) if h in tree else [] for h in chunk]
            call = self.registry.functions.checkMembers(
                collection_id,
                chunk,
                [node for proof in proofs for node in proof],
                [len(p) for p in proofs],
                chosen.code,
                who,
                to_timestamp(at),
            )
            reasons = bytes(self.call(call, f"checking {len(chunk)} collection members"))
            results.extend(CheckResult(h, chosen, members[r], licensee) for h, r in zip(chunk, reasons, strict=True))
        return results


__all__ = ["MAX_CODED_MEMBERS", "MEMBER_CHUNK", "CollectionClient", "read_members"]
