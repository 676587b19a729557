"""Dataset declarations, proofs of inclusion, violations, removal requests and the levy fund,
over the DatasetRegistry and LevyFund contracts."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlparse

from eth_utils.address import to_checksum_address
from web3.logs import DISCARD

from .bulk import MANIFEST_FORMAT, Item, read_manifest
from .contracts import abi
from .errors import NotFoundError, ValidationError
from .hashing import ContentLike, content_hash
from .merkle import MerkleTree
from .vocabulary import ContentHash, Reason, Use

if TYPE_CHECKING:
    from .client import CheckResult, RightsLedger
    from .indexer import Indexer

ITEM_PROVEN = 1
ITEM_VIOLATION = 2
ITEM_REMOVAL_REQUESTED = 4
ITEM_REMOVAL_ACKNOWLEDGED = 8


@dataclass(frozen=True)
class Dataset:
    dataset_id: int
    declarer: str
    declared_at: datetime
    use: Use
    item_count: int
    root: str
    manifest_uri: str


@dataclass(frozen=True)
class Declaration:
    dataset_id: int
    root: str
    item_count: int
    manifest_uri: str
    transaction: str
    block: int
    gas_used: int


@dataclass(frozen=True)
class ItemStatus:
    """What the registry records about one work in one dataset."""

    flags: int

    @property
    def proven(self) -> bool:
        return bool(self.flags & ITEM_PROVEN)

    @property
    def violation(self) -> bool:
        return bool(self.flags & ITEM_VIOLATION)

    @property
    def removal_requested(self) -> bool:
        return bool(self.flags & ITEM_REMOVAL_REQUESTED)

    @property
    def removal_acknowledged(self) -> bool:
        return bool(self.flags & ITEM_REMOVAL_ACKNOWLEDGED)

    def describe(self) -> str:
        if not self.proven:
            return "not proven"
        parts = ["proven", "violation recorded" if self.violation else "no violation"]
        if self.removal_acknowledged:
            parts.append("removal acknowledged")
        elif self.removal_requested:
            parts.append("removal requested")
        return ", ".join(parts)


@dataclass(frozen=True)
class Inclusion:
    """A work in a declared dataset: was the dataset's use permitted for its declarer when it was
    declared (the registry's terms history), and what has been recorded since (proof, violation,
    removal)."""

    dataset: Dataset
    content_hash: ContentHash
    permitted: CheckResult  # checkAt(hash, use, declarer, declaredAt)
    status: ItemStatus
    source: str  # "manifest" (listed in its readable manifest), "proof" (proven on-chain), "" (asked directly)

    @property
    def removal(self) -> str:
        """ "acknowledged", "requested" or "" (none)."""
        if self.status.removal_acknowledged:
            return "acknowledged"
        return "requested" if self.status.removal_requested else ""


@dataclass(frozen=True)
class ProofResult:
    dataset_id: int
    content_hash: ContentHash
    reason: Reason
    violation: bool
    transaction: str


@dataclass(frozen=True)
class NearCopyResult:
    """A near copy proven on chain: `item_hash` in the dataset, `distance` bits from the registered
    work `content_hash`, against which inclusion (and any violation) is recorded."""

    dataset_id: int
    content_hash: ContentHash
    item_hash: ContentHash
    distance: int
    reason: Reason
    violation: bool
    transaction: str


@dataclass(frozen=True)
class Epoch:
    epoch: int
    contributed: int
    pool: int
    items: int
    per_item: int
    claimed: int
    finalized: bool


def manifest_path_of(uri: str) -> Path:
    """A local path from a manifest URI: file:// URIs and plain paths; anything else cannot be read here."""
    parsed = urlparse(uri)
    if parsed.scheme == "file":
        return Path(unquote(parsed.path))
    if parsed.scheme == "" and uri:
        return Path(uri)
    raise ValidationError(
        f"manifest URI {uri!r} is not a local file; give the manifest with --manifest", code="manifest-unreadable"
    )


def write_manifest(items: Sequence[Item], tree: MerkleTree, use: Use, folder: Path, name: str) -> tuple[Path, Path]:
    """`<name>.manifest.json` (items, root, use) and `<name>.tree.json` (the OpenZeppelin dump)."""
    folder.mkdir(parents=True, exist_ok=True)
    manifest = folder / f"{name}.manifest.json"
    tree_file = folder / f"{name}.tree.json"
    tree.save(tree_file)
    data = {
        "format": MANIFEST_FORMAT,
        "use": use.value,
        "root": tree.root,
        "itemCount": len(tree),
        "leafEncoding": "keccak256(keccak256(abi.encode(bytes32 contentHash))), sorted pairs (OpenZeppelin)",
        "tree": tree_file.name,
        "items": [{"hash": i.content_hash, "path": i.path} for i in items],
    }
    tmp = manifest.with_name(manifest.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=1) + "\n")
    tmp.replace(manifest)
    return manifest, tree_file


def tree_of_manifest(path: Path) -> MerkleTree:
    """The tree of a manifest: its distinct hashes, in order."""
    data = read_manifest(path)
    seen: dict[str, None] = {}
    for entry in data["items"]:
        value = entry.get("hash") if isinstance(entry, dict) else None
        if not value:
            raise ValidationError(f"manifest {path} has an item without a hash")
        seen.setdefault(str(value).lower(), None)
    return MerkleTree.of(seen)


class DatasetClient:
    """Dataset operations for one RightsLedger client (its chain, deployment and account)."""

    def __init__(self, ledger: RightsLedger) -> None:
        self.ledger = ledger
        w3 = ledger.w3
        self.registry = w3.eth.contract(
            address=to_checksum_address(ledger.deployment.address("DatasetRegistry")), abi=abi("DatasetRegistry")
        )
        self.levy = w3.eth.contract(
            address=to_checksum_address(ledger.deployment.address("LevyFund")), abi=abi("LevyFund")
        )

    # ------------------------------------------------------------------ declarations

    def declare(self, tree: MerkleTree, use: Use, manifest_uri: str = "") -> Declaration:
        call = self.registry.functions.declare(tree.root, len(tree), use.code, manifest_uri)
        receipt = self.ledger._send(call, f"declaring a dataset of {len(tree):,} works")
        (event,) = self.registry.events.DatasetDeclared().process_receipt(receipt, errors=DISCARD)
        return Declaration(
            dataset_id=int(event["args"]["datasetId"]),
            root=tree.root,
            item_count=len(tree),
            manifest_uri=manifest_uri,
            transaction="0x" + receipt["transactionHash"].hex().removeprefix("0x"),
            block=int(receipt["blockNumber"]),
            gas_used=int(receipt["gasUsed"]),
        )

    def dataset(self, dataset_id: int) -> Dataset:
        raw = self.ledger._call(self.registry.functions.datasetOf(dataset_id), f"reading dataset {dataset_id}")
        declarer, declared_at, use, count, root, uri = raw
        return Dataset(
            dataset_id=dataset_id,
            declarer=declarer,
            declared_at=datetime.fromtimestamp(declared_at, tz=UTC),
            use=Use.from_code(use),  # type: ignore[arg-type]
            item_count=int(count),
            root="0x" + bytes(root).hex(),
            manifest_uri=uri,
        )

    def count(self) -> int:
        return int(self.registry.functions.datasetCount().call())

    def tree(self, dataset_id: int, manifest: str | Path | None = None) -> MerkleTree:
        """The dataset's tree, rebuilt from its manifest and checked against the root on-chain."""
        record = self.dataset(dataset_id)
        path = Path(manifest) if manifest else manifest_path_of(record.manifest_uri)
        if not path.exists():
            raise NotFoundError(
                f"the manifest of dataset {dataset_id} ({path}) is not readable here", code="manifest-unreadable"
            )
        tree = tree_of_manifest(path)
        if tree.root != record.root:
            raise ValidationError(
                f"manifest {path} makes root {tree.root}, but dataset {dataset_id} declared {record.root}",
                code="manifest-root-mismatch",
            )
        return tree

    # ------------------------------------------------------------------ proofs

    def inclusion(self, dataset_id: int, item: ContentLike, *, source: str = "") -> Inclusion:
        """The dataset, the answer at its declaration, and the work's flags in it (proof, violation, removal)."""
        digest = content_hash(item)
        record = self.dataset(dataset_id)
        permitted = self.ledger.check_at(digest, record.use, licensee=record.declarer, at=record.declared_at)
        return Inclusion(record, digest, permitted, self.item_status(dataset_id, digest), source)

    def containing(self, item: ContentLike, index: Indexer, *, sync: bool = True) -> list[Inclusion]:
        """The declared datasets that contain the work (listed in a readable manifest, or proven
        on-chain), found through the index (synced first unless `sync` is false), by dataset id."""
        digest = content_hash(item)
        if sync:
            index.sync()
        return [self.inclusion(h.dataset_id, digest, source=h.source) for h in index.datasets_containing(digest)]

    def item_status(self, dataset_id: int, item: ContentLike) -> ItemStatus:
        return ItemStatus(int(self.registry.functions.itemFlags(dataset_id, content_hash(item)).call()))

    def prove(
        self, dataset_id: int, item: ContentLike, *, tree: MerkleTree | None = None, proof: Sequence[str] | None = None
    ) -> ProofResult:
        """Prove the work is in the dataset; a violation is recorded if the use was not permitted then."""
        digest = content_hash(item)
        if proof is None:
            tree = tree or self.tree(dataset_id)
            proof = tree.proof(digest)
        if tree is not None and tree.codes is not None:
            prove = self.registry.functions.proveCodedInclusion
            call = prove(dataset_id, digest, tree.code_of(digest), list(proof))
        else:
            call = self.registry.functions.proveInclusion(dataset_id, digest, list(proof))
        receipt = self.ledger._send(call, f"proving {digest} is in dataset {dataset_id}")
        (event,) = self.registry.events.InclusionProven().process_receipt(receipt, errors=DISCARD)
        violations = self.registry.events.ViolationRecorded().process_receipt(receipt, errors=DISCARD)
        return ProofResult(
            dataset_id=dataset_id,
            content_hash=digest,
            reason=Reason.from_code(int(event["args"]["reason"])),  # type: ignore[arg-type]
            violation=bool(violations),
            transaction="0x" + receipt["transactionHash"].hex().removeprefix("0x"),
        )

    def prove_near_copy(
        self, dataset_id: int, item: ContentLike, work: ContentLike, *, tree: MerkleTree | None = None
    ) -> NearCopyResult:
        """Prove that the dataset's item (in a tree with codes) is a near copy of the registered `work`:
        the contract checks the work's registered code by its proof and the distance against the
        registry's threshold, and records inclusion (and a violation, if any) against the work."""
        item_hash, work_hash = content_hash(item), content_hash(work)
        tree = tree or self.tree(dataset_id)
        registered = self.ledger.registered_code(work_hash)
        if registered is None:
            raise ValidationError(
                f"{work_hash} was registered without a content code: a near copy of it cannot be proven on chain",
                code="work-has-no-code",
            )
        call = self.registry.functions.proveNearCopy(
            dataset_id,
            item_hash,
            tree.code_of(item_hash),
            tree.proof(item_hash),
            work_hash,
            registered.code,
            registered.proof.as_tuple(),
        )
        receipt = self.ledger._send(call, f"proving {item_hash} in dataset {dataset_id} is a near copy of {work_hash}")
        (event,) = self.registry.events.InclusionProven().process_receipt(receipt, errors=DISCARD)
        (near,) = self.registry.events.NearCopyProven().process_receipt(receipt, errors=DISCARD)
        violations = self.registry.events.ViolationRecorded().process_receipt(receipt, errors=DISCARD)
        return NearCopyResult(
            dataset_id=dataset_id,
            content_hash=work_hash,
            item_hash=item_hash,
            distance=int(near["args"]["distance"]),
            reason=Reason.from_code(int(event["args"]["reason"])),  # type: ignore[arg-type]
            violation=bool(violations),
            transaction="0x" + receipt["transactionHash"].hex().removeprefix("0x"),
        )

    def request_removal(self, dataset_id: int, item: ContentLike, note: str = "") -> None:
        digest = content_hash(item)
        call = self.registry.functions.requestRemoval(dataset_id, digest, note)
        self.ledger._send(call, f"requesting removal of {digest} from dataset {dataset_id}")

    def acknowledge_removal(self, dataset_id: int, item: ContentLike, note: str = "") -> None:
        digest = content_hash(item)
        call = self.registry.functions.acknowledgeRemoval(dataset_id, digest, note)
        self.ledger._send(call, f"acknowledging removal of {digest} from dataset {dataset_id}")

    # ------------------------------------------------------------------ levy fund

    def contribute(self, amount: int) -> int:
        """Pay `amount` wei into the current epoch; returns the epoch."""
        data = self.levy.encode_abi("contribute", [])
        self.ledger._tx.send(
            {"to": self.levy.address, "data": data, "value": amount}, action="contributing to the levy"
        )
        return self.current_epoch()

    def current_epoch(self) -> int:
        return int(self.levy.functions.currentEpoch().call())

    def epoch(self, epoch: int) -> Epoch:
        contributed, pool, items, per_item, claimed, finalized = self.levy.functions.epochOf(epoch).call()
        return Epoch(epoch, contributed, pool, items, per_item, claimed, finalized)

    def finalize(self, epoch: int) -> Epoch:
        self.ledger._send(self.levy.functions.finalize(epoch), f"finalizing levy epoch {epoch}")
        return self.epoch(epoch)

    def claim(self, dataset_id: int, item: ContentLike, *, tree: MerkleTree | None = None) -> int:
        """Credit the work's holder its share for this dataset; returns the wei credited."""
        digest = content_hash(item)
        proof = (tree or self.tree(dataset_id)).proof(digest)
        receipt = self.ledger._send(
            self.levy.functions.claim(dataset_id, digest, proof), f"claiming the levy share of {digest}"
        )
        (event,) = self.levy.events.LevyClaimed().process_receipt(receipt, errors=DISCARD)
        return int(event["args"]["amount"])

    def claim_for_collection_member(
        self,
        dataset_id: int,
        item: ContentLike,
        collection_id: int,
        *,
        tree: MerkleTree | None = None,
        member_proof: Sequence[str] | None = None,
    ) -> int:
        """`claim` for a work registered only in a collection by Merkle root (its holder is credited)."""
        digest = content_hash(item)
        proof = (tree or self.tree(dataset_id)).proof(digest)
        if member_proof is None:
            member_proof = self.ledger.collections.proof(collection_id, digest)
        call = self.levy.functions.claimForCollectionMember(
            dataset_id, digest, proof, collection_id, list(member_proof)
        )
        receipt = self.ledger._send(call, f"claiming the levy share of {digest}")
        (event,) = self.levy.events.LevyClaimed().process_receipt(receipt, errors=DISCARD)
        return int(event["args"]["amount"])

    def levy_balance(self, account: str | None = None) -> int:
        return int(self.levy.functions.balanceOf(account or self.ledger.address).call())

    def withdraw_levy(self) -> int:
        amount = self.levy_balance()
        self.ledger._send(self.levy.functions.withdraw(), "withdrawing levy shares")
        return amount

    def levy_accounts(self) -> dict[str, Any]:
        credited, claimable, carried, pending = self.levy.functions.accounts().call()
        balance = int(self.ledger.w3.eth.get_balance(self.levy.address))
        return {
            "credited": credited,
            "claimable": claimable,
            "carriedOver": carried,
            "pending": pending,
            "balance": balance,
        }
