"""Dataset declarations, proofs of inclusion, violations, removal requests and the levy fund,
over the DatasetRegistry and LevyFund contracts."""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from web3.logs import DISCARD

from ..chain.deployments import home_dir
from ..chain.module import ChainContext, ContractModule
from ..errors import NotFoundError, ValidationError
from ..hashing import ContentLike, content_hash
from ..manifests import manifest_leaves, manifest_path_of, store_path_of, tree_of_manifest
from ..merkle import MerkleTree
from ..merkle_store import TreeFile
from ..records import Dataset, Declaration, Epoch, Inclusion, ItemStatus, NearCopyResult, ProofResult
from ..tree_shelf import Tree, TreeShelf
from ..vocabulary import ZERO_ADDRESS, Reason, Use, parse_address
from .collections import CollectionClient
from .works import Works


class DatasetClient(ContractModule):
    """Dataset operations for one RightsLedger client (its chain, deployment and account)."""

    contract_name = "DatasetRegistry"

    def __init__(
        self, ctx: ChainContext, works: Works, collections: CollectionClient, *, home: str | Path | None = None
    ) -> None:
        super().__init__(ctx)
        self.works = works
        self.collections = collections
        self.registry = self.contract
        self.levy = ctx.contract("LevyFund")
        # The operator's folder of manifests: declared manifest URIs are read only under it (the gateway
        # always sets one; the CLI and SDK when $RIGHTSLEDGER_MANIFESTS names one).
        folder = os.environ.get("RIGHTSLEDGER_MANIFESTS")
        self.manifest_folder: Path | None = Path(folder) if folder else None
        # Tree files by root (<home>/trees/<root>.tree): proofs are read from them, never from a tree in memory.
        self.trees = TreeShelf(home_dir(home) / "trees")

    # ------------------------------------------------------------------ declarations

    def declare(self, tree: Tree, use: Use, manifest_uri: str = "") -> Declaration:
        """Declare the dataset whose tree is `tree` (in memory or a tree file); the tree is kept on
        the shelf by its root, so `prove`, `claim` and the gateway read proofs from its file."""
        call = self.registry.functions.declare(tree.root, len(tree), use.code, manifest_uri)
        receipt = self.send(call, f"declaring a dataset of {len(tree):,} works")
        (event,) = self.registry.events.DatasetDeclared().process_receipt(receipt, errors=DISCARD)
        self.trees.put_tree(tree)
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
        raw = self.call(self.registry.functions.datasetOf(dataset_id), f"reading dataset {dataset_id}")
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

    def _manifest(self, dataset_id: int, uri: str, manifest: str | Path | None) -> Path:
        path = Path(manifest) if manifest else manifest_path_of(uri, self.manifest_folder)
        if not path.exists():
            raise NotFoundError(
                f"the manifest of dataset {dataset_id} ({path}) is not readable here", code="manifest-unreadable"
            )
        return path

    def store(self, dataset_id: int, manifest: str | Path | None = None) -> TreeFile:
        """The dataset's tree file, checked against the root on chain: the one kept by its root
        (`<home>/trees/`), or the one beside its manifest, or else built once from the manifest's
        hashes (streaming, bounded memory) onto the shelf. Proofs from it take O(log n) reads."""
        record = self.dataset(dataset_id)
        what, root = f"dataset {dataset_id}'s root", record.root
        try:
            path = self._manifest(dataset_id, record.manifest_uri, manifest)
        except (NotFoundError, ValidationError) as exc:
            if exc.code != "manifest-unreadable":
                raise
            try:
                return self.trees.get(root, what=what)  # kept by its root: no manifest needed
            except NotFoundError:
                raise exc from None
        return self.trees.get(
            root, beside=[store_path_of(path)], leaves=lambda: manifest_leaves(path), what=what,
            source=f"manifest {path}",
        )  # fmt: skip

    def tree(self, dataset_id: int, manifest: str | Path | None = None) -> MerkleTree:
        """The dataset's tree in memory, rebuilt from its manifest and checked against the root on
        chain (for its values; proofs come from `store`, which needs no memory per item)."""
        record = self.dataset(dataset_id)
        path = self._manifest(dataset_id, record.manifest_uri, manifest)
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
        permitted = self.works.check_at(digest, record.use, licensee=record.declarer, at=record.declared_at)
        return Inclusion(record, digest, permitted, self.item_status(dataset_id, digest), source)

    def item_status(self, dataset_id: int, item: ContentLike) -> ItemStatus:
        return ItemStatus(int(self.registry.functions.itemFlags(dataset_id, content_hash(item)).call()))

    def prove(
        self, dataset_id: int, item: ContentLike, *, tree: Tree | None = None, proof: Sequence[str] | None = None
    ) -> ProofResult:
        """Prove the work is in the dataset; a violation is recorded if the use was not permitted then.
        The proof is read from the dataset's tree file (`store`) unless `tree` or `proof` is given."""
        digest = content_hash(item)
        if proof is None:
            tree = tree or self.store(dataset_id)
            proof = tree.proof(digest)
        if tree is not None and tree.coded:
            prove = self.registry.functions.proveCodedInclusion
            call = prove(dataset_id, digest, tree.code_of(digest), list(proof))
        else:
            call = self.registry.functions.proveInclusion(dataset_id, digest, list(proof))
        receipt = self.send(call, f"proving {digest} is in dataset {dataset_id}")
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
        self, dataset_id: int, item: ContentLike, work: ContentLike, *, tree: Tree | None = None
    ) -> NearCopyResult:
        """Prove that the dataset's item (in a tree with codes) is a near copy of the registered `work`:
        the contract checks the work's registered code by its proof and the distance against the
        registry's threshold, and records inclusion (and a violation, if any) against the work."""
        item_hash, work_hash = content_hash(item), content_hash(work)
        tree = tree or self.store(dataset_id)
        registered = self.works.registered_code(work_hash)
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
        receipt = self.send(call, f"proving {item_hash} in dataset {dataset_id} is a near copy of {work_hash}")
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
        self.send(call, f"requesting removal of {digest} from dataset {dataset_id}")

    def acknowledge_removal(self, dataset_id: int, item: ContentLike, note: str = "") -> None:
        digest = content_hash(item)
        call = self.registry.functions.acknowledgeRemoval(dataset_id, digest, note)
        self.send(call, f"acknowledging removal of {digest} from dataset {dataset_id}")

    # ------------------------------------------------------------------ levy fund

    def contribute(self, amount: int) -> int:
        """Pay `amount` wei into the current epoch; returns the epoch."""
        data = self.levy.encode_abi("contribute", [])
        self.ctx.transactor.send(
            {"to": self.levy.address, "data": data, "value": amount}, action="contributing to the levy"
        )
        return self.current_epoch()

    def current_epoch(self) -> int:
        return int(self.levy.functions.currentEpoch().call())

    def epoch(self, epoch: int) -> Epoch:
        contributed, pool, items, per_item, claimed, finalized_at, claim_until, finalized, individual_from = (
            self.levy.functions.epochOf(epoch).call()
        )
        return Epoch(
            epoch, contributed, pool, items, per_item, claimed, finalized, finalized_at, claim_until, individual_from
        )

    def admit(self, dataset_id: int) -> int:
        """Admit a declared dataset to the levy of the current epoch (registrar only); returns the epoch.
        Only admitted datasets share the levy: a registrar checks the declared count first."""
        receipt = self.send(self.levy.functions.admitDataset(int(dataset_id)), f"admitting dataset {dataset_id}")
        (event,) = self.levy.events.DatasetAdmitted().process_receipt(receipt, errors=DISCARD)
        return int(event["args"]["epoch"])

    def finalize(self, epoch: int) -> Epoch:
        self.send(self.levy.functions.finalize(epoch), f"finalizing levy epoch {epoch}")
        return self.epoch(epoch)

    def claim(self, dataset_id: int, item: ContentLike, *, tree: Tree | None = None) -> int:
        """Credit the work's holder its share for this dataset; returns the wei credited. Open from the
        epoch's `individual_claims_from` (collection members are paid first; LevyMembersFirst before)."""
        digest = content_hash(item)
        proof = (tree or self.store(dataset_id)).proof(digest)
        receipt = self.send(
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
        tree: Tree | None = None,
        member_proof: Sequence[str] | None = None,
    ) -> int:
        """`claim` for a work registered only in a collection by Merkle root (its holder is credited)."""
        digest = content_hash(item)
        proof = (tree or self.store(dataset_id)).proof(digest)
        if member_proof is None:
            member_proof = self.collections.proof(collection_id, digest)
        call = self.levy.functions.claimForCollectionMember(
            dataset_id, digest, proof, collection_id, list(member_proof)
        )
        receipt = self.send(call, f"claiming the levy share of {digest}")
        (event,) = self.levy.events.LevyClaimed().process_receipt(receipt, errors=DISCARD)
        return int(event["args"]["amount"])

    def levy_balance(self, account: str | None = None) -> int:
        return int(self.levy.functions.balanceOf(account or self.ctx.address).call())

    def withdraw_levy(self, to: str | None = None) -> int:
        """Withdraw this account's levy shares to `to` (default: this account); returns the wei sent."""
        amount = self.levy_balance()
        receiver = parse_address(to, what="--to") if to else ZERO_ADDRESS
        self.send(self.levy.functions.withdraw(receiver), "withdrawing levy shares")
        return amount

    def levy_accounts(self) -> dict[str, Any]:
        credited, claimable, carried, pending = self.levy.functions.accounts().call()
        balance = int(self.ctx.w3.eth.get_balance(self.levy.address))
        return {
            "credited": credited,
            "claimable": claimable,
            "carriedOver": carried,
            "pending": pending,
            "balance": balance,
        }


__all__ = ["DatasetClient"]
