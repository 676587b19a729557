"""The typed client: connect by RPC URL, find the deployment for the chain id, register
works and collections, set terms, and check uses one at a time or by the hundred thousand."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from eth_abi.abi import encode as abi_encode
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils.abi import function_signature_to_4byte_selector
from eth_utils.address import is_address, to_checksum_address
from eth_utils.crypto import keccak
from web3 import HTTPProvider, Web3
from web3.logs import DISCARD
from web3.types import TxReceipt

from .code_tree import CODES_EVENT, CodeLike, RegisteredCode, code_proof, pack_code, split_codes
from .contracts import abi, artifact, decode_revert
from .deployments import Deployment, find_deployment, save_deployment
from .errors import ChainError, ConfigError, ContractRevert, NotFoundError, ValidationError
from .hashing import ContentLike, content_hash
from .logs import fetcher, logs_in_pages
from .provenance import ProvenanceMixin
from .terms import Terms, from_timestamp, to_timestamp
from .transactions import TX_GAS_CAP, Transactor, as_revert, revert_data
from .vocabulary import ContentHash, PolicyId, Reason, RegistrationId, Status, Use

if TYPE_CHECKING:
    from .collections import CollectionClient
    from .datasets import DatasetClient
    from .licensing import Licensing

ZERO_ADDRESS = "0x" + "00" * 20
POLICY_ABI_TYPE = "((uint8,uint40,uint40,uint96,uint8,uint16)[7],uint40)"
# Below the 16,777,216-gas cap per transaction (EIP-7825) at ~25k gas per work, with room to spare.
REGISTER_CHUNK = 500
# ~2.6k gas per checked work: 10,000 stays under the 50M-gas eth_call cap of common RPC nodes
# and the 2 MB request limit of anvil.
CHECK_CHUNK = 10_000
CHECK_CALL_GAS = 50_000_000
_POLICY_IDS_SELECTOR = function_signature_to_4byte_selector("policyIdsOf(bytes32[])")
# The levy fund's epoch: contributions of one month are shared among that month's datasets.
LEVY_EPOCH = 30 * 24 * 3600
_CHECK_BATCH_SELECTOR = function_signature_to_4byte_selector("checkBatch(bytes32[],uint8,address,uint64)")


@dataclass(frozen=True)
class CheckResult:
    """The registry's answer for one work and one use."""

    content_hash: ContentHash
    use: Use
    reason: Reason
    licensee: str | None = None

    @property
    def allowed(self) -> bool:
        return self.reason.allows


@dataclass(frozen=True)
class Registration:
    """What a registration transaction recorded."""

    registration_id: RegistrationId
    content_hashes: tuple[ContentHash, ...]
    holder: str
    policy_id: PolicyId
    transaction: str
    block: int
    gas_used: int


@dataclass(frozen=True)
class BatchRegistration:
    """A collection registered in one or more chunked transactions (each under the gas cap)."""

    registrations: tuple[Registration, ...]

    @property
    def content_hashes(self) -> tuple[ContentHash, ...]:
        return tuple(h for r in self.registrations for h in r.content_hashes)

    @property
    def gas_used(self) -> int:
        return sum(r.gas_used for r in self.registrations)


@dataclass(frozen=True)
class Work:
    """A registered work's record and terms."""

    content_hash: ContentHash
    holder: str
    registrant: str
    policy_id: PolicyId
    registration_id: RegistrationId
    registered_at: datetime
    status: Status
    opted_out: tuple[Use, ...]
    metadata_uri: str
    terms: Terms = field(default_factory=Terms)


def parse_address(value: str, *, what: str = "address") -> str:
    if not isinstance(value, str) or not is_address(value):
        raise ValidationError(f"{what} {value!r} is not an Ethereum address (0x and 40 hex digits)")
    return str(to_checksum_address(value))


def _use_mask(uses: Iterable[Use]) -> int:
    mask = 0
    for use in uses:
        mask |= 1 << use.code
    return mask


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def account_from_env() -> LocalAccount | None:
    key = os.environ.get("RIGHTSLEDGER_PRIVATE_KEY")
    return account_from_key(key) if key else None


def account_from_key(key: str) -> LocalAccount:
    try:
        return cast(LocalAccount, Account.from_key(key))
    except Exception:  # noqa: BLE001 - eth-account raises several types for bad keys
        raise ConfigError("the private key is malformed: expected 32 bytes as 64 hex digits") from None


def connect_web3(rpc_url: str, *, timeout: float = 30.0) -> Web3:
    w3 = Web3(HTTPProvider(rpc_url, request_kwargs={"timeout": timeout}))
    try:
        w3.eth.chain_id  # noqa: B018 - a cheap call that proves the node answers
    except Exception as exc:  # noqa: BLE001
        raise ChainError(
            f"no Ethereum node answers at {rpc_url} ({type(exc).__name__}); start one with `rightsledger chain start`"
        ) from None
    return w3


def deploy(
    w3: Web3,
    account: LocalAccount,
    *,
    admin: str | None = None,
    home: str | Path | None = None,
    levy_epoch: int = LEVY_EPOCH,
) -> Deployment:
    """Deploy the contracts in dependency order; record the deployment for this chain id."""
    tx = Transactor(w3, account)
    admin_address = parse_address(admin, what="admin") if admin else account.address
    forwarder, block = _deploy_one(tx, "Forwarder", [])
    policies, _ = _deploy_one(tx, "PolicyRegistry", [])
    works, _ = _deploy_one(tx, "WorkRegistry", [policies, account.address, forwarder])
    licences, _ = _deploy_one(tx, "LicenceManager", [works, forwarder])
    provenance, _ = _deploy_one(tx, "ProvenanceLog", [works, forwarder])
    _wire_licences(tx, works, licences, admin_address)
    datasets, _ = _deploy_one(tx, "DatasetRegistry", [works, forwarder])
    collections, _ = _deploy_one(tx, "CollectionRegistry", [works, forwarder])
    levy, _ = _deploy_one(tx, "LevyFund", [datasets, collections, levy_epoch, forwarder])
    deployment = Deployment(
        chain_id=w3.eth.chain_id,
        contracts={
            "Forwarder": forwarder,
            "PolicyRegistry": policies,
            "WorkRegistry": works,
            "LicenceManager": licences,
            "ProvenanceLog": provenance,
            "DatasetRegistry": datasets,
            "CollectionRegistry": collections,
            "LevyFund": levy,
        },
        deployer=account.address,
        block=block,
    )
    save_deployment(deployment, home)
    return deployment


def _wire_licences(tx: Transactor, works_address: str, licences: str, admin: str) -> None:
    """Make the licence manager the registry's licence oracle and let it register derivatives;
    then, if the admin is another account, hand the admin and registrar roles over to it."""
    works = tx.w3.eth.contract(address=to_checksum_address(works_address), abi=abi("WorkRegistry"))

    def send(call: Any, action: str) -> None:
        built = call.build_transaction({"from": tx.address, "gas": TX_GAS_CAP, "nonce": 0})
        tx.send({"to": built["to"], "data": built["data"]}, action=action)

    send(works.functions.setLicenceOracle(licences), "setting the licence oracle")
    delegate = works.functions.DELEGATE_REGISTRAR_ROLE().call()
    send(works.functions.grantRole(delegate, licences), "letting the licence manager register derivatives")
    if admin != tx.address:
        admin_role = works.functions.DEFAULT_ADMIN_ROLE().call()
        registrar = works.functions.REGISTRAR_ROLE().call()
        send(works.functions.grantRole(registrar, admin), "granting the registrar role to the admin")
        send(works.functions.grantRole(admin_role, admin), "granting the admin role to the admin")
        send(works.functions.renounceRole(registrar, tx.address), "renouncing the deployer's registrar role")
        send(works.functions.renounceRole(admin_role, tx.address), "renouncing the deployer's admin role")


def _deploy_one(tx: Transactor, name: str, args: list[Any]) -> tuple[str, int]:
    data = artifact(name)
    factory = tx.w3.eth.contract(abi=data["abi"], bytecode=data["bytecode"])
    built = factory.constructor(*args).build_transaction({"from": tx.address, "gas": 0, "nonce": 0})
    receipt = tx.send({"data": built["data"]}, action=f"deploying {name}")
    return str(receipt["contractAddress"]), int(receipt["blockNumber"])


class RightsLedger(ProvenanceMixin):
    """A client bound to one chain, one deployment and (optionally) one signing account."""

    def __init__(self, w3: Web3, deployment: Deployment, account: LocalAccount | None = None) -> None:
        self.w3 = w3
        self.deployment = deployment
        self.account = account
        self._tx = Transactor(w3, account)
        self.works = w3.eth.contract(address=to_checksum_address(deployment.work_registry), abi=abi("WorkRegistry"))
        self.policies = w3.eth.contract(
            address=to_checksum_address(deployment.policy_registry), abi=abi("PolicyRegistry")
        )
        self._policy_cache: dict[int, Terms] = {}

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
        if not w3.eth.get_code(to_checksum_address(deployment.work_registry)):
            raise ConfigError(
                f"no contract at {deployment.work_registry} on chain {chain_id} (was the chain reset?); "
                "run `rightsledger deploy` again"
            )
        return cls(w3, deployment, account)

    def with_account(self, account: LocalAccount) -> RightsLedger:
        """The same connection, signing as another account."""
        return RightsLedger(self.w3, self.deployment, account)

    @property
    def chain_id(self) -> int:
        return self.deployment.chain_id

    @cached_property
    def licensing(self) -> Licensing:
        """Licences, offers, earnings and derivatives (the LicenceManager contract)."""
        from .licensing import Licensing

        return Licensing(self)

    @property
    def address(self) -> str:
        return self._tx.address

    # ------------------------------------------------------------------ policies

    def policy_hash(self, terms: Terms) -> str:
        return "0x" + keccak(abi_encode([POLICY_ABI_TYPE], [terms.as_policy()])).hex()

    def find_policy(self, terms: Terms) -> PolicyId | None:
        """The id of an existing policy equal to `terms`, or None."""
        policy_id = int(self.policies.functions.policyIdOf(self.policy_hash(terms)).call())
        return PolicyId(policy_id) if policy_id else None

    def ensure_policy(self, terms: Terms) -> PolicyId:
        """The id of `terms` as a policy, storing it first if no identical policy exists."""
        if not terms.rules and terms.expires is None:
            return PolicyId(0)
        existing = self.find_policy(terms)
        if existing is not None:
            return existing
        call = self.policies.functions.registerPolicy(terms.as_policy())
        receipt = self._send(call, "creating a policy")
        (event,) = self.policies.events.PolicyRegistered().process_receipt(receipt, errors=DISCARD)
        return PolicyId(int(event["args"]["policyId"]))

    def policy(self, policy_id: int) -> Terms:
        """The terms of policy `policy_id` (0: the empty policy, every use denied)."""
        if policy_id == 0:
            return Terms()
        if policy_id not in self._policy_cache:
            raw = self._call(self.policies.functions.policyOf(policy_id), f"reading policy {policy_id}")
            self._policy_cache[policy_id] = Terms.from_policy(raw)
        return self._policy_cache[policy_id]

    def _policy_id(self, terms: Terms | int | None) -> PolicyId:
        if terms is None:
            return PolicyId(0)
        if isinstance(terms, Terms):
            return self.ensure_policy(terms)
        return PolicyId(int(terms))

    # ------------------------------------------------------------------ registration

    def register(
        self,
        item: ContentLike,
        *,
        terms: Terms | int | None = None,
        holder: str | None = None,
        metadata_uri: str = "",
        code: CodeLike | None = None,
    ) -> Registration:
        """Register one work (a file Path, its bytes, or its hash) under `terms` (Terms or a policy id).
        With `code` (its ISCC content code, 10 bytes; NO_CODE for none), the code is recorded on chain."""
        digest = content_hash(item)
        holder_address = parse_address(holder, what="holder") if holder else self.address
        policy_id = self._policy_id(terms)
        if code is None:
            call = self.works.functions.register(digest, holder_address, policy_id, metadata_uri)
        else:
            packed = pack_code(code)
            call = self.works.functions.registerWithCode(digest, packed, holder_address, policy_id, metadata_uri)
        receipt = self._send(call, f"registering {digest}")
        return self._registration(receipt, (digest,), holder_address, policy_id)

    def register_batch(
        self,
        items: Sequence[ContentLike],
        *,
        terms: Terms | int | None = None,
        holder: str | None = None,
        metadata_uri: str = "",
        chunk_size: int = REGISTER_CHUNK,
        codes: Sequence[CodeLike | None] | None = None,
    ) -> BatchRegistration:
        """Register a collection sharing one policy, in as few transactions as the gas cap allows.
        With `codes` (one per item, None for an item without one), the codes are recorded on chain."""
        if not items:
            raise ValidationError("the collection is empty: give at least one work")
        if codes is not None and len(codes) != len(items):
            raise ValidationError(f"{len(items)} works but {len(codes)} codes: give one code (or None) per work")
        packed = None if codes is None else [pack_code(c) for c in codes]
        hashes = [content_hash(item) for item in items]
        seen: set[str] = set()
        for h in hashes:
            if h in seen:
                raise ValidationError(f"the collection lists {h} twice")
            seen.add(h)
        holder_address = parse_address(holder, what="holder") if holder else self.address
        policy_id = self._policy_id(terms)
        done: list[Registration] = []
        for start in range(0, len(hashes), chunk_size):
            chunk = hashes[start : start + chunk_size]
            if packed is None:
                call = self.works.functions.registerBatch(chunk, holder_address, policy_id, metadata_uri)
            else:
                joined = b"".join(packed[start : start + chunk_size])
                call = self.works.functions.registerBatchWithCodes(
                    chunk, joined, holder_address, policy_id, metadata_uri
                )
            receipt = self._send(call, f"registering {len(chunk)} works")
            done.append(self._registration(receipt, tuple(chunk), holder_address, policy_id))
        return BatchRegistration(tuple(done))

    def _registration(
        self, receipt: TxReceipt, hashes: tuple[ContentHash, ...], holder: str, policy_id: PolicyId
    ) -> Registration:
        (event,) = self.works.events.WorksRegistered().process_receipt(receipt, errors=DISCARD)
        return Registration(
            registration_id=RegistrationId(int(event["args"]["registrationId"])),
            content_hashes=hashes,
            holder=holder,
            policy_id=policy_id,
            transaction="0x" + receipt["transactionHash"].hex().removeprefix("0x"),
            block=int(receipt["blockNumber"]),
            gas_used=int(receipt["gasUsed"]),
        )

    def registration_receipt(self, registration_id: int) -> TxReceipt:
        """The receipt of the transaction that made registration `registration_id` (its gas, block, sender)."""
        topic = "0x" + int(registration_id).to_bytes(32, "big").hex()
        signature = "0x" + keccak(text="WorksRegistered(uint32,address,address,uint32,uint256,string)").hex()
        filters = {"address": self.works.address, "topics": [signature, topic]}
        pages = logs_in_pages(
            fetcher(self.w3), filters, self.deployment.block, self.w3.eth.block_number, action="finding a registration"
        )
        first = next(iter(pages), None)
        if first is None:
            raise NotFoundError(f"registration {registration_id} does not exist on this deployment")
        return self.w3.eth.get_transaction_receipt(first["transactionHash"])

    def registered_code(self, item: ContentLike) -> RegisteredCode | None:
        """The content code the work was registered with (from its registration's ContentCodesRecorded
        event) and its proof for `verifyCode`; None if it was registered without codes."""
        digest = content_hash(item)
        action = f"reading the code of {digest}"
        try:
            registration_id, position, _count, root = self.works.functions.codeCommitmentOf(digest).call()
        except Exception as exc:  # noqa: BLE001
            revert = as_revert(exc, action)
            if revert is not None and revert.error == "WorkNotRegistered":
                raise NotFoundError(f"no work is registered under {digest}", code="work-not-registered") from None
            raise self._chain_error(exc, action) from None
        if bytes(root) == bytes(32):
            return None
        event = self.works.events.ContentCodesRecorded()
        topics = ["0x" + keccak(text=CODES_EVENT).hex(), "0x" + int(registration_id).to_bytes(32, "big").hex()]
        filters = {"address": self.works.address, "topics": topics}
        head = self.w3.eth.block_number
        log = next(iter(logs_in_pages(fetcher(self.w3), filters, self.deployment.block, head, action=action)), None)
        if log is None:
            raise NotFoundError(f"registration {registration_id} of {digest} has a code root but no codes event")
        codes = split_codes(bytes(event.process_log(log)["args"]["codes"]))
        return RegisteredCode(codes[position], int(registration_id), int(position), code_proof(codes, position))

    # ------------------------------------------------------------------ reading works

    def work(self, item: ContentLike) -> Work:
        """The record and terms of a registered work; NotFoundError if none is registered."""
        digest = content_hash(item)
        try:
            raw = self.works.functions.workOf(digest).call()
        except Exception as exc:  # noqa: BLE001
            revert = as_revert(exc, f"reading {digest}")
            if revert is not None and revert.error == "WorkNotRegistered":
                raise NotFoundError(f"no work is registered under {digest}", code="work-not-registered") from None
            raise self._chain_error(exc, f"reading {digest}") from None
        holder, registrant, policy_id, registration_id, registered_at, status, mask, uri = raw
        return Work(
            content_hash=digest,
            holder=holder,
            registrant=registrant,
            policy_id=PolicyId(policy_id),
            registration_id=RegistrationId(registration_id),
            registered_at=cast(datetime, from_timestamp(registered_at)),
            status=cast(Status, Status.from_code(status)),
            opted_out=tuple(u for u in Use if mask & (1 << u.code)),
            metadata_uri=uri,
            terms=self.policy(policy_id),
        )

    def is_registered(self, item: ContentLike) -> bool:
        return bool(self.works.functions.isRegistered(content_hash(item)).call())

    # ------------------------------------------------------------------ changing works

    def set_terms(self, item: ContentLike, terms: Terms | int) -> PolicyId:
        """Point a work at new terms (holder or approved operator only). Returns the policy id."""
        digest = content_hash(item)
        policy_id = self._policy_id(terms)
        self._send(self.works.functions.setPolicy(digest, policy_id), f"setting the terms of {digest}")
        return policy_id

    def set_terms_batch(self, items: Sequence[ContentLike], terms: Terms | int, *, chunk_size: int = 300) -> PolicyId:
        hashes = [content_hash(i) for i in items]
        if not hashes:
            raise ValidationError("no works given")
        policy_id = self._policy_id(terms)
        for chunk in _chunks(hashes, chunk_size):
            self._send(
                self.works.functions.setPolicyBatch(list(chunk), policy_id), f"setting terms of {len(chunk)} works"
            )
        return policy_id

    def set_opt_out(self, item: ContentLike, uses: Iterable[Use]) -> tuple[Use, ...]:
        """Opt exactly `uses` out (every other use back in). Holder or operator only."""
        digest = content_hash(item)
        chosen = tuple(sorted(set(uses), key=lambda u: u.code))
        self._send(self.works.functions.setOptOut(digest, _use_mask(chosen)), f"opting out {digest}")
        return chosen

    def opt_out(self, item: ContentLike, uses: Iterable[Use]) -> tuple[Use, ...]:
        """Add `uses` to the work's opt-outs."""
        current = set(self.work(item).opted_out)
        return self.set_opt_out(item, current | set(uses))

    def mark(self, item: ContentLike, status: Status, evidence_uri: str = "") -> None:
        """Mark a registration verified, disputed or unverified (REGISTRAR_ROLE only)."""
        digest = content_hash(item)
        self._send(self.works.functions.markStatus(digest, status.code, evidence_uri), f"marking {digest} {status}")

    def grant_registrar(self, account: str) -> None:
        role = self.works.functions.REGISTRAR_ROLE().call()
        self._send(self.works.functions.grantRole(role, parse_address(account)), "granting the registrar role")

    def transfer(self, item: ContentLike, to: str) -> None:
        """Transfer holdership of a work (a provenance event)."""
        digest = content_hash(item)
        call = self.works.functions.safeTransferFrom(self.address, parse_address(to, what="recipient"), int(digest, 16))
        self._send(call, f"transferring {digest}")

    def approve_operator(self, operator: str, approved: bool = True) -> None:
        """Let `operator` (an archive, an agent) change terms of all this account's works."""
        call = self.works.functions.setApprovalForAll(parse_address(operator, what="operator"), approved)
        self._send(call, "approving an operator")

    # ------------------------------------------------------------------ checks

    def check(
        self, item: ContentLike, use: Use | str, *, licensee: str | None = None, at: datetime | int | None = None
    ) -> CheckResult:
        """May `licensee` make `use` of the work at time `at` (default: now)?"""
        use = _as_use(use)
        digest = content_hash(item)
        who = parse_address(licensee, what="licensee") if licensee else ZERO_ADDRESS
        _, code = self._call(self.works.functions.check(digest, use.code, who, to_timestamp(at)), f"checking {digest}")
        return CheckResult(digest, use, cast(Reason, Reason.from_code(code)), licensee)

    def check_at(
        self, item: ContentLike, use: Use | str, at: datetime | int, *, licensee: str | None = None
    ) -> CheckResult:
        """How the registry would have answered at the past moment `at`, under the terms in force then
        (`check` with `at` applies today's terms to that moment)."""
        use = _as_use(use)
        digest = content_hash(item)
        who = parse_address(licensee, what="licensee") if licensee else ZERO_ADDRESS
        call = self.works.functions.checkAt(digest, use.code, who, to_timestamp(at))
        _, code = self._call(call, f"checking {digest} as at {at}")
        return CheckResult(digest, use, cast(Reason, Reason.from_code(code)), licensee)

    def terms_at(self, item: ContentLike, at: datetime | int) -> Terms | None:
        """The terms in force for the work at `at`, or None if it was not registered then."""
        digest = content_hash(item)
        registered, policy_id, _mask = self._call(
            self.works.functions.termsAt(digest, to_timestamp(at)), f"reading the terms of {digest} as at {at}"
        )
        return self.policy(policy_id) if registered else None

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
        use = _as_use(use)
        hashes = [content_hash(i) for i in items]
        who = parse_address(licensee, what="licensee") if licensee else ZERO_ADDRESS
        reasons = self.check_hashes(
            hashes, use, licensee=who, at=at, block=block, chunk_size=chunk_size, workers=workers
        )
        members = list(Reason)
        return [CheckResult(h, use, members[r], licensee) for h, r in zip(hashes, reasons, strict=True)]

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
        if not 1 <= chunk_size <= CHECK_CHUNK:
            raise ValidationError(f"chunk_size must be between 1 and {CHECK_CHUNK}")
        block_tag = hex(block if block is not None else self.w3.eth.block_number)
        head = (
            _CHECK_BATCH_SELECTOR
            + (128).to_bytes(32, "big")
            + use.code.to_bytes(32, "big")
            + bytes.fromhex(licensee[2:].rjust(64, "0"))
            + to_timestamp(at).to_bytes(32, "big")
        )
        chunks = list(_chunks(hashes, chunk_size))

        def run(chunk: Sequence[str]) -> bytes:
            body = len(chunk).to_bytes(32, "big") + bytes.fromhex("".join(h[2:] for h in chunk))
            payload = {
                "to": self.deployment.work_registry,
                "data": "0x" + (head + body).hex(),
                "gas": hex(CHECK_CALL_GAS),
            }
            response = self.w3.provider.make_request("eth_call", [payload, block_tag])  # type: ignore[arg-type]
            if "error" in response:
                data = revert_data(_RPCFailure(response["error"]))
                if data:
                    raise decode_revert(data, action="checking works")
                raise ChainError(f"checking works: the node answered {response['error']}")
            raw = bytes.fromhex(str(response["result"])[2:])
            length = int.from_bytes(raw[32:64], "big")
            return raw[64 : 64 + length]

        if len(chunks) <= 1 or workers <= 1:
            return b"".join(run(c) for c in chunks)
        with ThreadPoolExecutor(max_workers=workers) as pool:
            return b"".join(pool.map(run, chunks))

    def policy_ids(
        self, hashes: Sequence[str], *, block: int | None = None, chunk_size: int = CHECK_CHUNK
    ) -> list[PolicyId]:
        """The policy id of each work (0 if unregistered), as of `block`, in chunked hand-encoded calls."""
        block_tag = hex(block if block is not None else self.w3.eth.block_number)
        head = _POLICY_IDS_SELECTOR + (32).to_bytes(32, "big")
        ids: list[PolicyId] = []
        for chunk in _chunks(hashes, chunk_size):
            body = len(chunk).to_bytes(32, "big") + bytes.fromhex("".join(h[2:] for h in chunk))
            raw = self._raw_call(self.deployment.work_registry, head + body, block_tag, "reading policy ids")
            length = int.from_bytes(raw[32:64], "big")
            packed = raw[64 : 64 + length]
            ids.extend(PolicyId(int.from_bytes(packed[i : i + 4], "big")) for i in range(0, length, 4))
        return ids

    def _raw_call(self, to: str, data: bytes, block_tag: str, action: str) -> bytes:
        payload = {"to": to, "data": "0x" + data.hex(), "gas": hex(CHECK_CALL_GAS)}
        response = self.w3.provider.make_request("eth_call", [payload, block_tag])  # type: ignore[arg-type]
        if "error" in response:
            revert = revert_data(_RPCFailure(response["error"]))
            if revert:
                raise decode_revert(revert, action=action)
            raise ChainError(f"{action}: the node answered {response['error']}")
        return bytes.fromhex(str(response["result"])[2:])

    # ------------------------------------------------------------------ datasets

    @property
    def datasets(self) -> DatasetClient:
        """Dataset declarations, proofs, removal requests and the levy fund (see datasets.py)."""
        from .datasets import DatasetClient

        return DatasetClient(self)

    @property
    def collections(self) -> CollectionClient:
        """Collections registered by Merkle root (see collections.py)."""
        from .collections import CollectionClient

        return CollectionClient(self)

    # ------------------------------------------------------------------ plumbing

    def _send(self, call: Any, action: str, *, value: int = 0) -> TxReceipt:
        tx = call.build_transaction({"from": self.address, "gas": TX_GAS_CAP, "nonce": 0, "value": value})
        return self._tx.send({"to": tx["to"], "data": tx["data"], "value": tx.get("value", 0)}, action=action)

    def _call(self, call: Any, action: str) -> Any:
        try:
            return call.call()
        except Exception as exc:  # noqa: BLE001
            raise self._chain_error(exc, action) from None

    @staticmethod
    def _chain_error(exc: Exception, action: str) -> Exception:
        revert = as_revert(exc, action)
        if revert is not None:
            return revert
        return ChainError(f"{action}: {exc}")


class _RPCFailure(Exception):
    def __init__(self, error: Any) -> None:
        super().__init__(error)
        self.data = error.get("data") if isinstance(error, dict) else None


def _as_use(use: Use | str) -> Use:
    return use if isinstance(use, Use) else cast(Use, Use.parse(use))


__all__ = [
    "BatchRegistration",
    "CheckResult",
    "ContractRevert",
    "Registration",
    "RightsLedger",
    "Work",
    "deploy",
]
