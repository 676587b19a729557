"""Requests that users sign and a relayer sends: ERC-2771 through the deployment's `Forwarder`.

A user who holds a key but no ether (an artist with a browser wallet) signs an EIP-712
`ForwardRequest(from, to, value, gas, nonce, deadline, data)`; anyone may then submit it to
`Forwarder.execute`, paying the gas, and the WorkRegistry (the LicenceManager, the DatasetRegistry)
sees the user as the caller (`_msgSender()`). The signature is bound to the chain id, the forwarder, the user's nonce
in the forwarder and a deadline, so it cannot be replayed, reused elsewhere or kept forever.

`RequestBuilder` makes the request for an action, and `ForwardRequest.sign` signs it with a
local key (`typed_data` is what a browser wallet signs with `eth_signTypedData_v4`). The relayer
that checks and sends them is in relay.py.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from eth_abi.abi import encode as abi_encode
from eth_account.messages import encode_typed_data
from eth_account.signers.local import LocalAccount
from eth_keys.datatypes import Signature
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from ..chain.contracts import flat_functions
from ..chain.module import ChainContext
from ..chain.transactions import TX_GAS_CAP
from ..code_tree import NO_CODE, CodeLike, pack_code
from ..eip712 import EIP712_DOMAIN
from ..errors import NotFoundError, RelayError, RightsLedgerError, ValidationError
from ..hashing import ContentLike, content_hash, refuse_empty
from ..offers import SignedOffer
from ..terms import Terms
from ..units import format_wei
from ..vocabulary import ZERO_ADDRESS, ContentHash, PolicyId, Use, parse_address, use_mask
from .datasets import DatasetClient
from .licensing import Licensing
from .policies import Policies
from .works import Works

FORWARDER_NAME = "rightsledger"
NONCES = bytes(keccak(text="nonces(address)")[:4])
# The forwarder's ForwardRequestData struct, and its two entry points (encoded by hand: web3's
# encode_abi costs milliseconds of CPU a request).
REQUEST_DATA_TYPE = "(address,address,uint256,uint256,uint48,bytes,bytes)"
EXECUTE = bytes(keccak(text=f"execute({REQUEST_DATA_TYPE})")[:4])
EXECUTE_BATCH = bytes(keccak(text=f"executeBatch({REQUEST_DATA_TYPE}[],address)")[:4])
FORWARDER_VERSION = "1"
DEFAULT_TTL = 600
# The forwarder reserves 1/64 of the gas for itself (EIP-150); signature recovery, the nonce
# update and the event cost the rest of this overhead.
FORWARDER_OVERHEAD = 80_000
INNER_GAS_MARGIN = 1.25
MAX_UINT48 = 2**48 - 1
BLOCK_TIME_CACHE_S = 1.0
NOT_FREE_MESSAGE = (
    "this offer costs {price}: a relayer sends no money for you, so redeem it from your own wallet "
    "(rightsledger licence redeem OFFER.json, or LicenceManager.redeemOffer with the price as value)"
)

FORWARD_REQUEST_TYPES: dict[str, list[dict[str, str]]] = {
    "EIP712Domain": EIP712_DOMAIN,
    "ForwardRequest": [
        {"name": "from", "type": "address"},
        {"name": "to", "type": "address"},
        {"name": "value", "type": "uint256"},
        {"name": "gas", "type": "uint256"},
        {"name": "nonce", "type": "uint256"},
        {"name": "deadline", "type": "uint48"},
        {"name": "data", "type": "bytes"},
    ],
}

# What a relayer will send on a user's behalf: (contract, function) -> action name. Transfers
# and approvals are left out on purpose (OpenZeppelin's advice for relayers: ERC-721 transfer
# data can run arbitrary code). Other contracts add their relayable functions here; each must
# trust the deployment's Forwarder (ERC2771Context).
RELAYABLE: dict[tuple[str, str], str] = {
    ("WorkRegistry", "register"): "register",
    ("WorkRegistry", "registerWithCode"): "register",
    ("WorkRegistry", "registerBatch"): "register",
    # The same with terms not stored yet: the signed request stores them (IInlineTerms).
    ("WorkRegistry", "registerWithTerms"): "register",
    ("WorkRegistry", "registerWithCodeAndTerms"): "register",
    ("WorkRegistry", "registerBatchWithTerms"): "register",
    ("WorkRegistry", "setPolicy"): "set-terms",
    ("WorkRegistry", "setPolicyBatch"): "set-terms",
    ("WorkRegistry", "setTerms"): "set-terms",
    ("WorkRegistry", "setOptOut"): "opt-out",
    # Only free offers: a relayed request carries no value, and the relayer never pays a price
    # for the user (checked in Relayer.check, answered with `offer-not-free`).
    ("LicenceManager", "redeemOffer"): "redeem-offer",
    # A holder proves their work is in a declared dataset (anyone may; the signer is the prover)
    # and asks its declarer to remove it (the holder or an approved operator only).
    ("DatasetRegistry", "proveInclusion"): "prove-inclusion",
    ("DatasetRegistry", "requestRemoval"): "request-removal",
}
# Events a relayed request's receipt reports, per contract.
RECEIPT_EVENTS: dict[str, tuple[str, ...]] = {
    "WorkRegistry": ("WorksRegistered", "PolicyAttached", "OptOutChanged"),
    "LicenceManager": ("OfferRedeemed", "LicenceIssued"),
    "DatasetRegistry": ("InclusionProven", "ViolationRecorded", "RemovalRequested"),
}


class Ledger(Protocol):
    """What requests are built against: the client's context and modules (a `RightsLedger`)."""

    @property
    def ctx(self) -> ChainContext: ...
    @property
    def works(self) -> Works: ...
    @property
    def policies(self) -> Policies: ...
    @property
    def licensing(self) -> Licensing: ...
    @property
    def datasets(self) -> DatasetClient: ...


FORWARD_REQUEST_TYPE = (
    "ForwardRequest(address from,address to,uint256 value,uint256 gas,uint256 nonce,uint48 deadline,bytes data)"
)
FORWARD_REQUEST_TYPEHASH = bytes(keccak(text=FORWARD_REQUEST_TYPE))
_DOMAIN_TYPEHASH = bytes(
    keccak(text="EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)")
)
_domain_separators: dict[tuple[int, str], bytes] = {}


def _domain_separator(chain_id: int, forwarder: str) -> bytes:
    key = (chain_id, forwarder.lower())
    if key not in _domain_separators:
        _domain_separators[key] = bytes(
            keccak(
                abi_encode(
                    ["bytes32", "bytes32", "bytes32", "uint256", "address"],
                    [_DOMAIN_TYPEHASH, keccak(text=FORWARDER_NAME), keccak(text=FORWARDER_VERSION), chain_id,
                     to_checksum_address(forwarder)],
                )
            )
        )  # fmt: skip
    return _domain_separators[key]


@dataclass(frozen=True)
class ForwardRequest:
    """An unsigned ERC-2771 forward request (the fields of the EIP-712 `ForwardRequest`)."""

    sender: str
    to: str
    value: int
    gas: int
    nonce: int
    deadline: int
    data: str

    def typed_data(self, chain_id: int, forwarder: str) -> dict[str, Any]:
        """The full EIP-712 document, as `eth_signTypedData_v4` takes it (big numbers as decimal strings)."""
        return {
            "types": FORWARD_REQUEST_TYPES,
            "primaryType": "ForwardRequest",
            "domain": {
                "name": FORWARDER_NAME,
                "version": FORWARDER_VERSION,
                "chainId": chain_id,
                "verifyingContract": to_checksum_address(forwarder),
            },
            "message": {
                "from": to_checksum_address(self.sender),
                "to": to_checksum_address(self.to),
                "value": str(self.value),
                "gas": str(self.gas),
                "nonce": str(self.nonce),
                "deadline": self.deadline,
                "data": self.data,
            },
        }

    def _signable(self, chain_id: int, forwarder: str) -> Any:
        typed = self.typed_data(chain_id, forwarder)
        message = {
            **typed["message"],
            "value": self.value,
            "gas": self.gas,
            "nonce": self.nonce,
            "data": bytes.fromhex(self.data[2:]),
        }
        return encode_typed_data(full_message={**typed, "message": message})

    def sign(self, account: LocalAccount, chain_id: int, forwarder: str) -> SignedForwardRequest:
        """Sign with a local key (the user's own; a relayer never needs it)."""
        if account.address.lower() != self.sender.lower():
            raise ValidationError(f"the request is from {self.sender}, but the key is {account.address}'s")
        signed = account.sign_message(self._signable(chain_id, forwarder))
        return SignedForwardRequest(self, "0x" + bytes(signed.signature).hex())

    def digest(self, chain_id: int, forwarder: str) -> bytes:
        """The EIP-712 digest a signer signs (`_hashTypedDataV4` of the forwarder), computed directly:
        eth-account's typed-data encoder costs several milliseconds of CPU a request."""
        struct = keccak(
            abi_encode(
                ["bytes32", "address", "address", "uint256", "uint256", "uint256", "uint48", "bytes32"],
                [FORWARD_REQUEST_TYPEHASH, self.sender, self.to, self.value, self.gas, self.nonce, self.deadline,
                 keccak(bytes.fromhex(self.data.removeprefix("0x")))],
            )
        )  # fmt: skip
        return bytes(keccak(b"\x19\x01" + _domain_separator(chain_id, forwarder) + struct))

    def recover(self, signature: str, chain_id: int, forwarder: str) -> str | None:
        """The address that made `signature` over this request, or None if it is no signature."""
        try:
            raw = bytes.fromhex(signature.removeprefix("0x"))
            v = raw[64] - 27 if len(raw) == 65 and raw[64] >= 27 else -1
            signature_object = Signature(signature_bytes=raw[:64] + bytes([v]))
            public_key = signature_object.recover_public_key_from_msg_hash(self.digest(chain_id, forwarder))
            return str(public_key.to_checksum_address())
        except Exception:  # noqa: BLE001 - eth-keys raises several types for malformed signatures
            return None


@dataclass(frozen=True)
class SignedForwardRequest:
    request: ForwardRequest
    signature: str

    def execute_data(self) -> str:
        """The calldata of `Forwarder.execute` with this request."""
        return "0x" + (EXECUTE + abi_encode([REQUEST_DATA_TYPE], [self.as_tuple()])).hex()

    def as_tuple(self) -> tuple[str, str, int, int, int, bytes, bytes]:
        """The forwarder's `ForwardRequestData` struct."""
        r = self.request
        return (
            to_checksum_address(r.sender),
            to_checksum_address(r.to),
            r.value,
            r.gas,
            r.deadline,
            bytes.fromhex(r.data.removeprefix("0x")),
            bytes.fromhex(self.signature.removeprefix("0x")),
        )


def execute_batch_data(requests: Sequence[SignedForwardRequest], refund_receiver: str) -> str:
    """The calldata of `Forwarder.executeBatch` with these requests (a non-zero `refund_receiver`:
    an invalid request is skipped, not reverting the others)."""
    args = [[r.as_tuple() for r in requests], to_checksum_address(refund_receiver)]
    return "0x" + (EXECUTE_BATCH + abi_encode([f"{REQUEST_DATA_TYPE}[]", "address"], args)).hex()


@dataclass(frozen=True)
class DecodedCall:
    """What a request's calldata asks for: the action, the function, the works it touches."""

    action: str
    function: str
    content_hashes: tuple[ContentHash, ...]
    args: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RelayReceipt:
    """The facts of a relayed request once it is mined."""

    action: str
    function: str
    signer: str
    nonce: int
    content_hashes: tuple[ContentHash, ...]
    transaction: str
    block: int
    gas_used: int
    relayer: str
    events: tuple[dict[str, Any], ...]
    # How many requests the transaction carried (`Forwarder.executeBatch`); `gas_used` is the transaction's.
    batch_size: int = 1


class RequestBuilder:
    """Makes forward requests for one deployment: the calldata, the signer's nonce, a gas limit."""

    def __init__(self, ledger: Ledger, *, next_nonce: Callable[[str], int] | None = None) -> None:
        """Building a request sends nothing: terms that are not stored yet travel in the request
        itself (the WorkRegistry's `...WithTerms` calls and `setTerms`), and the signed request
        stores them, at its own gas, in the transaction that uses them."""
        self.ledger = ledger
        self._next_nonce = next_nonce or self.nonce
        self.forwarder = ledger.ctx.contract("Forwarder")
        self._block_time: tuple[float, int] | None = None

    @property
    def chain_id(self) -> int:
        return self.ledger.ctx.chain_id

    @property
    def forwarder_address(self) -> str:
        return str(self.forwarder.address)

    def latest_time(self) -> int:
        """The latest block's timestamp, asked at most once a BLOCK_TIME_CACHE_S (deadlines are
        counted from it or from now, whichever is later; the forwarder checks them on chain)."""
        cached = self._block_time
        if cached is not None and time.monotonic() - cached[0] < BLOCK_TIME_CACHE_S:
            return cached[1]
        latest = int(self.ledger.ctx.w3.eth.get_block("latest")["timestamp"])
        self._block_time = (time.monotonic(), latest)
        return latest

    def nonce(self, sender: str) -> int:
        """The signer's next unused nonce in the forwarder."""
        address = bytes.fromhex(parse_address(sender, what="signer")[2:])
        data = NONCES + bytes(12) + address
        raw = self.ledger.ctx.raw_call(self.forwarder_address, data, "latest", "reading a signer's nonce")
        return int.from_bytes(raw[:32], "big")

    def build(
        self,
        sender: str,
        data: str,
        *,
        gas: int | None = None,
        nonce: int | None = None,
        ttl: int = DEFAULT_TTL,
        to: str | None = None,
    ) -> ForwardRequest:
        """A request from `sender` calling `to` (default: the WorkRegistry) with `data`; gas estimated as the sender."""
        sender = parse_address(sender, what="signer")
        to = to_checksum_address(to) if to else str(self.ledger.works.address)
        if gas is None:
            gas = self._estimate(sender, to, data)
        latest = self.latest_time()
        return ForwardRequest(
            sender=sender,
            to=to,
            value=0,
            gas=gas,
            nonce=self._next_nonce(sender) if nonce is None else nonce,
            deadline=min(max(latest, int(time.time())) + ttl, MAX_UINT48),
            data=data,
        )

    def _estimate(self, sender: str, to: str, data: str) -> int:
        """The call's gas as the forwarder makes it (the signer appended), with a margin."""
        calldata = bytes.fromhex(data.removeprefix("0x") + sender[2:].lower())
        used = self.ledger.ctx.raw_estimate(self.forwarder_address, to, calldata, "preparing the request")
        return min(int(used * INNER_GAS_MARGIN) + 10_000, TX_GAS_CAP - FORWARDER_OVERHEAD * 2)

    def _encode(self, function: str, args: list[Any]) -> str:
        """WorkRegistry calldata (by eth-abi directly: web3's encode_abi is milliseconds a call)."""
        flat = flat_functions("WorkRegistry").get(function)
        if flat is None:
            return str(self.ledger.works.encode_abi(function, args))
        return "0x" + flat.encode(args).hex()

    # The actions a creator signs. Terms already stored are named by their policy id; new terms
    # are given inline, so the signature covers the terms themselves, never an id someone else's
    # terms could take first.

    def register(
        self,
        sender: str,
        item: ContentLike,
        *,
        terms: Terms | int | None = None,
        holder: str | None = None,
        metadata_uri: str = "",
        ttl: int = DEFAULT_TTL,
        code: CodeLike | None = None,
    ) -> ForwardRequest:
        """`register`, or `registerWithCode` when `code` (the work's 80-bit content code: header << 64 |
        body, or its 10 bytes) is given and is not NO_CODE: then the code is recorded on chain.
        With new terms: `registerWithTerms` / `registerWithCodeAndTerms`."""
        policy_id, inline = self._terms(terms)
        who = parse_address(holder or sender, what="holder")
        packed = pack_code(code)
        coded = packed != NO_CODE
        digest = content_hash(item)
        refuse_empty(digest, item)
        work = [digest, packed] if coded else [digest]
        if inline is None:
            function = "registerWithCode" if coded else "register"
            args = [*work, who, policy_id, metadata_uri]
        else:
            function = "registerWithCodeAndTerms" if coded else "registerWithTerms"
            args = [*work, who, inline.as_policy(), metadata_uri]
        return self.build(sender, self._encode(function, args), ttl=ttl)

    def register_batch(
        self,
        sender: str,
        items: Iterable[ContentLike],
        *,
        terms: Terms | int | None = None,
        holder: str | None = None,
        metadata_uri: str = "",
        ttl: int = DEFAULT_TTL,
    ) -> ForwardRequest:
        hashes = [content_hash(i) for i in items]
        if not hashes:
            raise ValidationError("the collection is empty: give at least one work")
        for digest in hashes:
            refuse_empty(digest, digest)
        policy_id, inline = self._terms(terms)
        who = parse_address(holder or sender, what="holder")
        if inline is None:
            function, args = "registerBatch", [hashes, who, policy_id, metadata_uri]
        else:
            function, args = "registerBatchWithTerms", [hashes, who, inline.as_policy(), metadata_uri]
        return self.build(sender, self._encode(function, args), ttl=ttl)

    def set_terms(
        self, sender: str, item: ContentLike, terms: Terms | int, *, ttl: int = DEFAULT_TTL
    ) -> ForwardRequest:
        """`setPolicy`, or `setTerms` with new terms."""
        policy_id, inline = self._terms(terms)
        if inline is None:
            data = self._encode("setPolicy", [content_hash(item), policy_id])
        else:
            data = self._encode("setTerms", [content_hash(item), inline.as_policy()])
        return self.build(sender, data, ttl=ttl)

    def set_opt_out(
        self, sender: str, item: ContentLike, uses: Iterable[Use], *, ttl: int = DEFAULT_TTL
    ) -> ForwardRequest:
        """Opt exactly `uses` out (every other use back in)."""
        data = self._encode("setOptOut", [content_hash(item), use_mask(uses)])
        return self.build(sender, data, ttl=ttl)

    def redeem_offer(
        self, sender: str, signed: SignedOffer, *, licensee: str | None = None, ttl: int = DEFAULT_TTL
    ) -> ForwardRequest:
        """Redeem a free offer (price 0) through a relayer. An offer with a price is refused
        (`offer-not-free`): the relayer never pays for the user, so its redeemer sends the
        transaction from their own wallet (`rightsledger licence redeem`)."""
        licensing = self.ledger.licensing
        if (
            signed.chain_id != self.chain_id
            or signed.verifying_contract.lower() != licensing.address_of_contract.lower()
        ):
            raise ValidationError(
                f"this offer was signed for chain {signed.chain_id}, contract {signed.verifying_contract}; "
                f"this deployment is chain {self.chain_id}, licence manager {licensing.address_of_contract}",
                code="offer-wrong-deployment",
            )
        if signed.offer.price != 0:
            raise RelayError(NOT_FREE_MESSAGE.format(price=format_wei(signed.offer.price)), code="offer-not-free")
        who = parse_address(licensee, what="licensee") if licensee else ZERO_ADDRESS
        args = [signed.offer.as_tuple(), bytes.fromhex(signed.signature.removeprefix("0x")), who]
        data = str(licensing.contract.encode_abi("redeemOffer", args=args))
        return self.build(sender, data, ttl=ttl, to=licensing.address_of_contract)

    def prove_inclusion(
        self,
        sender: str,
        dataset_id: int,
        item: ContentLike,
        *,
        proof: Sequence[str] | None = None,
        ttl: int = DEFAULT_TTL,
    ) -> ForwardRequest:
        """Prove the work is in the dataset (a violation is recorded if the use was not permitted at
        its declaration). Without `proof`, it is read from the dataset's manifest (its URI must be
        readable here, and its tree must make the root declared on-chain)."""
        digest = content_hash(item)
        datasets = self.ledger.datasets
        if proof is None:
            try:
                tree = datasets.store(dataset_id)
            except RightsLedgerError as exc:
                if exc.code != "manifest-unreadable":
                    raise
                uri = datasets.dataset(dataset_id).manifest_uri or "no manifest URI"
                raise NotFoundError(
                    f"the manifest of dataset {dataset_id} ({uri}) is not readable here: give the Merkle proof "
                    "(the sibling hashes from the work's leaf to the root) with the request",
                    code="manifest-unreadable",
                ) from None
            proof = tree.proof(digest)
        data = str(datasets.registry.encode_abi("proveInclusion", args=[dataset_id, digest, list(proof)]))
        return self.build(sender, data, ttl=ttl, to=str(datasets.registry.address))

    def request_removal(
        self, sender: str, dataset_id: int, item: ContentLike, *, note: str = "", ttl: int = DEFAULT_TTL
    ) -> ForwardRequest:
        """Ask the dataset's declarer to remove the work (the holder or an approved operator, after
        its inclusion is proven)."""
        datasets = self.ledger.datasets
        data = str(datasets.registry.encode_abi("requestRemoval", args=[dataset_id, content_hash(item), note]))
        return self.build(sender, data, ttl=ttl, to=str(datasets.registry.address))

    def _terms(self, terms: Terms | int | None) -> tuple[PolicyId, Terms | None]:
        """The policy id the request names, or (0, the terms) for terms not stored yet: those go
        in the request (a read only: nothing is sent). The empty terms are policy 0."""
        if terms is None:
            return PolicyId(0), None
        if isinstance(terms, Terms):
            if not terms.rules and terms.expires is None:
                return PolicyId(0), None
            existing = self.ledger.policies.find(terms)
            return (existing, None) if existing is not None else (PolicyId(0), terms)
        if not 0 <= int(terms) < 2**32:
            raise ValidationError(f"policy id {terms} is out of range")
        return PolicyId(int(terms)), None


__all__ = [
    "FORWARD_REQUEST_TYPES",
    "RELAYABLE",
    "DecodedCall",
    "ForwardRequest",
    "Ledger",
    "RelayReceipt",
    "RequestBuilder",
    "SignedForwardRequest",
    "execute_batch_data",
]
