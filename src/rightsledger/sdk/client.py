"""The typed client: connect by RPC URL, find the deployment for the chain id, and reach every
contract through one module each (`ledger.works`, `.policies`, `.licensing`, `.provenance`,
`.datasets`, `.collections`), built once and sharing one connection context.

The facade's own methods (`register`, `check`, `trail`, ...) are the everyday API; each is one line
handing over to its module.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path

from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.types import TxReceipt

from ..chain.connection import account_from_env, account_from_key, connect_web3
from ..chain.deployments import Deployment, find_deployment, verify_deployment
from ..chain.local import journal_for
from ..chain.logs import DEFAULT_PAGE_SIZE
from ..chain.module import ChainContext
from ..code_tree import CodeLike, RegisteredCode
from ..disclosure import Disclosure
from ..errors import ConfigError
from ..hashing import ContentLike
from ..records import BatchRegistration, CheckResult, Registration, Work
from ..terms import Terms
from ..vocabulary import ZERO_ADDRESS, PolicyId, Status, Use
from .collections import CollectionClient
from .datasets import DatasetClient
from .licensing import Licensing
from .policies import Policies
from .provenance import Provenance
from .trail import STAGE_BATCH_CHUNK, TRAIL_SOURCES, EventSource, Stage, TrailEntry
from .works import CHECK_CHUNK, REGISTER_CHUNK, Works


class RightsLedger:
    """A client bound to one chain, one deployment and (optionally) one signing account."""

    def __init__(
        self,
        w3: Web3,
        deployment: Deployment,
        account: LocalAccount | None = None,
        *,
        home: str | Path | None = None,
    ) -> None:
        # Sends to the home's own local chain are journaled, so a restart after a crash re-sends them.
        self.ctx = ChainContext(w3, deployment, account, journal=journal_for(w3, home))
        self.home = home
        self.policies = Policies(self.ctx)
        self.works = Works(self.ctx, self.policies)
        self.licensing = Licensing(self.ctx, self.works)
        self.provenance = Provenance(self.ctx, self.works)
        self.collections = CollectionClient(self.ctx, self.policies, home=home)
        self.works.coded_members = self.collections  # near copies of coded collection members are refused too
        self.datasets = DatasetClient(self.ctx, self.works, self.collections, home=home)

    # ------------------------------------------------------------------ connecting

    @classmethod
    def connect(
        cls,
        rpc_url: str = "http://127.0.0.1:8545",
        *,
        account: LocalAccount | None = None,
        private_key: str | None = None,
        deployment: Deployment | None = None,
        home: str | Path | None = None,
    ) -> RightsLedger:
        """Connect to the node at `rpc_url` and find the deployment recorded for its chain id."""
        w3 = connect_web3(rpc_url)
        if account is None:
            account = account_from_key(private_key) if private_key else account_from_env()
        chain_id = w3.eth.chain_id
        deployment = deployment or find_deployment(chain_id, home)
        if deployment is None:
            raise ConfigError(
                f"no rightsledger deployment is recorded for chain id {chain_id}; run `rightsledger deploy`"
            )
        if deployment.chain_id != chain_id:
            raise ConfigError(
                f"the deployment is for chain id {deployment.chain_id}, but the node is chain id {chain_id}"
            )
        verify_deployment(w3, deployment)
        return cls(w3, deployment, account, home=home)

    def with_account(self, account: LocalAccount | None) -> RightsLedger:
        """The same connection, signing as another account."""
        return RightsLedger(self.w3, self.deployment, account, home=self.home)

    def collections_in(self, home: str | Path | None) -> CollectionClient:
        """Collections whose trees are kept under another home folder."""
        return CollectionClient(self.ctx, self.policies, home=home)

    @property
    def w3(self) -> Web3:
        return self.ctx.w3

    @property
    def deployment(self) -> Deployment:
        return self.ctx.deployment

    @property
    def account(self) -> LocalAccount | None:
        return self.ctx.account

    @property
    def chain_id(self) -> int:
        return self.ctx.chain_id

    @property
    def address(self) -> str:
        """The signing account's address."""
        return self.ctx.address

    @property
    def block_number(self) -> int:
        return self.ctx.block_number

    def chain_time(self) -> datetime:
        """The latest block's time: "now" as the contracts see it."""
        return self.ctx.block_time()

    # ------------------------------------------------------------------ policies

    def policy_hash(self, terms: Terms) -> str:
        return self.policies.policy_hash(terms)

    def find_policy(self, terms: Terms) -> PolicyId | None:
        return self.policies.find(terms)

    def ensure_policy(self, terms: Terms) -> PolicyId:
        return self.policies.ensure(terms)

    def policy(self, policy_id: int) -> Terms:
        return self.policies.policy(policy_id)

    # ------------------------------------------------------------------ works

    def register(
        self,
        item: ContentLike,
        *,
        terms: Terms | int | None = None,
        holder: str | None = None,
        metadata_uri: str = "",
        code: CodeLike | None = None,
        allow_similar: bool = False,
    ) -> Registration:
        """Register one work (a file Path, its bytes, or its hash) under `terms` (Terms or a policy id),
        with its content code recorded on chain (`code`, else computed from a file or bytes).

        SimilarWorkError (`.matches`: content hash, iscc, distance, holder of each) if a file or bytes
        is a near copy of a work another holder registered, unless `allow_similar`."""
        return self.works.register(item, terms=terms, holder=holder, metadata_uri=metadata_uri, code=code,
                                   allow_similar=allow_similar)

    def register_batch(
        self,
        items: Sequence[ContentLike],
        *,
        terms: Terms | int | None = None,
        holder: str | None = None,
        metadata_uri: str = "",
        chunk_size: int = REGISTER_CHUNK,
        codes: Sequence[CodeLike | None] | None = None,
        allow_similar: bool = False,
    ) -> BatchRegistration:
        """Register a collection sharing one policy, in as few transactions as the gas cap allows,
        with one content code (or None) per work recorded on chain (`codes`, else computed from the
        files or bytes). Near copies of other holders' works are refused before anything is sent
        (SimilarWorkError listing them all), unless `allow_similar`."""
        return self.works.register_batch(
            items, terms=terms, holder=holder, metadata_uri=metadata_uri, chunk_size=chunk_size, codes=codes,
            allow_similar=allow_similar,
        )

    def registered_code(self, item: ContentLike) -> RegisteredCode | None:
        """The work's content code as registered, with its proof; None if registered without codes."""
        return self.works.registered_code(item)

    def registration_receipt(self, registration_id: int) -> TxReceipt:
        return self.works.registration_receipt(registration_id)

    def work(self, item: ContentLike) -> Work:
        """The record and terms of a registered work; NotFoundError if none is registered."""
        return self.works.work(item)

    def is_registered(self, item: ContentLike) -> bool:
        return self.works.is_registered(item)

    def set_terms(self, item: ContentLike, terms: Terms | int) -> PolicyId:
        return self.works.set_terms(item, terms)

    def set_terms_batch(self, items: Sequence[ContentLike], terms: Terms | int, *, chunk_size: int = 300) -> PolicyId:
        return self.works.set_terms_batch(items, terms, chunk_size=chunk_size)

    def set_opt_out(self, item: ContentLike, uses: Iterable[Use]) -> tuple[Use, ...]:
        return self.works.set_opt_out(item, uses)

    def opt_out(self, item: ContentLike, uses: Iterable[Use]) -> tuple[Use, ...]:
        return self.works.opt_out(item, uses)

    def mark(self, item: ContentLike, status: Status, evidence_uri: str = "") -> None:
        self.works.mark(item, status, evidence_uri)

    def grant_registrar(self, account: str) -> None:
        self.works.grant_registrar(account)

    def transfer(self, item: ContentLike, to: str) -> None:
        self.works.transfer(item, to)

    def approve_operator(self, operator: str, approved: bool = True) -> None:
        self.works.approve_operator(operator, approved)

    # ------------------------------------------------------------------ checks

    def check(
        self, item: ContentLike, use: Use | str, *, licensee: str | None = None, at: datetime | int | None = None
    ) -> CheckResult:
        """May `licensee` make `use` of the work at time `at` (default: now)?"""
        return self.works.check(item, use, licensee=licensee, at=at)

    def check_at(
        self, item: ContentLike, use: Use | str, at: datetime | int, *, licensee: str | None = None
    ) -> CheckResult:
        """How the registry would have answered at the past moment `at`, under the terms in force then."""
        return self.works.check_at(item, use, at, licensee=licensee)

    def terms_at(self, item: ContentLike, at: datetime | int) -> Terms | None:
        return self.works.terms_at(item, at)

    def check_many(
        self,
        items: Sequence[ContentLike],
        use: Use | str,
        *,
        licensee: str | None = None,
        at: datetime | int | None = None,
        block: int | None = None,
        chunk_size: int = CHECK_CHUNK,
        workers: int = 4,
    ) -> list[CheckResult]:
        """Check many works in chunked batch calls, all answered as of one block."""
        return self.works.check_many(
            items, use, licensee=licensee, at=at, block=block, chunk_size=chunk_size, workers=workers
        )

    def check_hashes(
        self,
        hashes: Sequence[str],
        use: Use,
        *,
        licensee: str = ZERO_ADDRESS,
        at: datetime | int | None = None,
        block: int | None = None,
        chunk_size: int = CHECK_CHUNK,
        workers: int = 4,
    ) -> bytes:
        """The fast path: one reason code per hash (normalised 0x hex), encoded and decoded by hand."""
        return self.works.check_hashes(
            hashes, use, licensee=licensee, at=at, block=block, chunk_size=chunk_size, workers=workers
        )

    def policy_ids(
        self, hashes: Sequence[str], *, block: int | None = None, chunk_size: int = CHECK_CHUNK
    ) -> list[PolicyId]:
        return self.works.policy_ids(hashes, block=block, chunk_size=chunk_size)

    # ------------------------------------------------------------------ provenance

    def record_stage(
        self,
        item: ContentLike,
        stage: Stage | str,
        *,
        details_uri: str = "",
        details: Path | bytes | str | None = None,
        parents: Sequence[ContentLike] = (),
    ) -> str:
        """Append a stage to the work's trail; returns the transaction hash."""
        return self.provenance.record_stage(item, stage, details_uri=details_uri, details=details, parents=parents)

    def record_stage_batch(
        self,
        items: Sequence[ContentLike],
        stage: Stage | str,
        *,
        details_uri: str = "",
        details: Path | bytes | str | None = None,
        chunk_size: int = STAGE_BATCH_CHUNK,
    ) -> int:
        """Append one stage with the same details to many works; returns the count."""
        return self.provenance.record_stage_batch(
            items, stage, details_uri=details_uri, details=details, chunk_size=chunk_size
        )

    def disclose(self, item: ContentLike, disclosure: Disclosure | str) -> Disclosure:
        return self.provenance.disclose(item, disclosure)

    def disclosure(self, item: ContentLike) -> Disclosure | None:
        return self.provenance.disclosure(item)

    def trail(
        self,
        item: ContentLike,
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
        sources: Sequence[EventSource] = TRAIL_SOURCES,
        from_block: int | None = None,
        to_block: int | None = None,
    ) -> list[TrailEntry]:
        """The work's provenance trail, oldest first."""
        return self.provenance.trail(
            item, page_size=page_size, sources=sources, from_block=from_block, to_block=to_block
        )


__all__ = ["RightsLedger"]
