"""Collections registered by Merkle root: one transaction for any number of works sharing a
policy. The SDK keeps each collection's tree as a tree file by its root (`<home>/trees/<root>.tree`,
rightsledger.merkle_store), from which it serves the inclusion proofs that checks and levy claims
need, and (up to `DUMP_LIMIT` works) as an OpenZeppelin "standard-v1" JSON file under
`<home>/collections/<chainId>/<id>.tree.json`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import cast

from web3.logs import DISCARD

from ..chain.deployments import home_dir
from ..chain.module import ChainContext, ContractModule
from ..errors import NotFoundError, ValidationError
from ..hashing import ContentLike, content_hash
from ..manifests import DUMP_LIMIT
from ..merkle import MerkleTree
from ..merkle_store import TreeFile
from ..records import CheckResult, Collection, CollectionRegistration
from ..terms import Terms
from ..tree_shelf import Tree, TreeShelf
from ..units import to_timestamp
from ..vocabulary import ZERO_ADDRESS, PolicyId, Reason, Status, Use, as_use, parse_address
from .policies import Policies

# Proofs of ~20 nodes for a million works: 1,000 items keep a call far under the gas and size caps.
MEMBER_CHUNK = 1_000


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


__all__ = ["MEMBER_CHUNK", "CollectionClient"]
