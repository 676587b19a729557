"""Collections registered by Merkle root: one transaction for any number of works sharing a
policy. The SDK keeps each collection's tree (as an OpenZeppelin "standard-v1" JSON file under
`<home>/collections/<chainId>/<id>.tree.json`) and serves the inclusion proofs that checks and
levy claims need."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, cast

from eth_utils.address import to_checksum_address
from web3.logs import DISCARD

from .contracts import abi
from .deployments import home_dir
from .errors import NotFoundError, ValidationError
from .hashing import ContentLike, content_hash
from .merkle import MerkleTree
from .terms import Terms, to_timestamp
from .vocabulary import PolicyId, Reason, Use

if TYPE_CHECKING:
    from .client import CheckResult, RightsLedger

# Proofs of ~20 nodes for a million works: 1,000 items keep a call far under the gas and size caps.
MEMBER_CHUNK = 1_000


@dataclass(frozen=True)
class CollectionRegistration:
    collection_id: int
    root: str
    count: int
    policy_id: PolicyId
    tree_file: Path
    transaction: str
    gas_used: int


class CollectionClient:
    def __init__(self, ledger: RightsLedger, *, home: str | Path | None = None) -> None:
        self.ledger = ledger
        self.registry = ledger.w3.eth.contract(
            address=to_checksum_address(ledger.deployment.address("CollectionRegistry")), abi=abi("CollectionRegistry")
        )
        self.folder = home_dir(home) / "collections" / str(ledger.chain_id)

    def register(
        self,
        items: Sequence[ContentLike],
        *,
        terms: Terms | int | None = None,
        holder: str | None = None,
        metadata_uri: str = "",
    ) -> CollectionRegistration:
        """Register every item under one Merkle root, in one transaction; keep the tree for proofs."""
        from .client import parse_address

        hashes = [content_hash(i) for i in items]
        if len(set(hashes)) != len(hashes):
            raise ValidationError("the collection lists a work twice")
        tree = MerkleTree.of(hashes)
        holder_address = parse_address(holder, what="holder") if holder else self.ledger.address
        policy_id = self.ledger._policy_id(terms)
        call = self.registry.functions.registerCollection(tree.root, len(tree), holder_address, policy_id, metadata_uri)
        receipt = self.ledger._send(call, f"registering a collection of {len(tree):,} works")
        (event,) = self.registry.events.CollectionRegistered().process_receipt(receipt, errors=DISCARD)
        collection_id = int(event["args"]["collectionId"])
        self.folder.mkdir(parents=True, exist_ok=True)
        tree_file = tree.save(self.folder / f"{collection_id}.tree.json")
        return CollectionRegistration(
            collection_id=collection_id,
            root=tree.root,
            count=len(tree),
            policy_id=policy_id,
            tree_file=tree_file,
            transaction="0x" + receipt["transactionHash"].hex().removeprefix("0x"),
            gas_used=int(receipt["gasUsed"]),
        )

    def tree(self, collection_id: int, tree_file: str | Path | None = None) -> MerkleTree:
        """The collection's tree, as kept at registration (or from `tree_file`), checked against the root."""
        path = Path(tree_file) if tree_file else self.folder / f"{collection_id}.tree.json"
        if not path.exists():
            raise NotFoundError(f"no tree is kept for collection {collection_id} at {path}; pass its tree file")
        tree = MerkleTree.read(path)
        root = "0x" + bytes(self.registry.functions.collectionOf(collection_id).call()[5]).hex()
        if tree.root != root:
            raise ValidationError(f"tree {path} has root {tree.root}, but collection {collection_id} has {root}")
        return tree

    def proof(self, collection_id: int, item: ContentLike) -> list[str]:
        return self.tree(collection_id).proof(content_hash(item))

    def check(
        self,
        collection_id: int,
        item: ContentLike,
        use: Use | str,
        *,
        licensee: str | None = None,
        at: datetime | int | None = None,
        tree: MerkleTree | None = None,
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
        tree: MerkleTree | None = None,
        chunk_size: int = MEMBER_CHUNK,
    ) -> list[CheckResult]:
        """Batch check of collection members, each with its proof. Non-members answer unregistered."""
        from .client import ZERO_ADDRESS, CheckResult, parse_address

        chosen = use if isinstance(use, Use) else cast(Use, Use.parse(use))
        tree = tree or self.tree(collection_id)
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
            reasons = bytes(self.ledger._call(call, f"checking {len(chunk)} collection members"))
            results.extend(CheckResult(h, chosen, members[r], licensee) for h, r in zip(chunk, reasons, strict=True))
        return results
