"""Requests that users sign and a relayer sends: ERC-2771 through the deployment's `Forwarder`.

A user who holds a key but no ether (an artist with a browser wallet) signs an EIP-712
`ForwardRequest(from, to, value, gas, nonce, deadline, data)`; anyone may then submit it to
`Forwarder.execute`, paying the gas, and the WorkRegistry (the LicenceManager, the DatasetRegistry)
sees the user as the caller (`_msgSender()`). The signature is bound to the chain id, the forwarder, the user's nonce
in the forwarder and a deadline, so it cannot be replayed, reused elsewhere or kept forever.

For users (Python, tests): `RequestBuilder` makes the request for an action, and
`ForwardRequest.sign` signs it with a local key (`typed_data` is what a browser wallet signs
with `eth_signTypedData_v4`).

For relayers (the gateway): `Relayer.relay` checks a signed request before sending anything —
an allowed target and function, no value, a sane gas, the deadline, the signature, the nonce
(neither used nor skipped, nor already in flight), and a simulation of the call as the user —
so a bad request costs the relayer no gas and the user gets a clear, decoded reason.
Submissions are serialised through one lock-protected nonce sequence of the relayer account,
so concurrent relayed writes are neither lost nor duplicated.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_account.signers.local import LocalAccount
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak
from web3.contract import Contract
from web3.logs import DISCARD

from .client import RightsLedger, _use_mask, parse_address
from .contracts import abi, signature_type
from .errors import ContractRevert, NotFoundError, RelayError, RightsLedgerError, ValidationError
from .hashing import ContentLike, content_hash
from .licensing import SignedOffer
from .terms import Terms, format_wei
from .transactions import TX_GAS_CAP, as_revert
from .vocabulary import ContentHash, PolicyId, Use

FORWARDER_NAME = "rightsledger"
FORWARDER_VERSION = "1"
DEFAULT_TTL = 600
# The forwarder reserves 1/64 of the gas for itself (EIP-150); signature recovery, the nonce
# update and the event cost the rest of this overhead.
_FORWARDER_OVERHEAD = 80_000
_INNER_GAS_MARGIN = 1.25
MAX_UINT48 = 2**48 - 1
_ZERO_ADDRESS = "0x" + "00" * 20
_NOT_FREE = (
    "this offer costs {price}: a relayer sends no money for you, so redeem it from your own wallet "
    "(rightsledger licence redeem OFFER.json, or LicenceManager.redeemOffer with the price as value)"
)

FORWARD_REQUEST_TYPES: dict[str, list[dict[str, str]]] = {
    "EIP712Domain": [
        {"name": "name", "type": "string"},
        {"name": "version", "type": "string"},
        {"name": "chainId", "type": "uint256"},
        {"name": "verifyingContract", "type": "address"},
    ],
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
    ("WorkRegistry", "registerBatch"): "register",
    ("WorkRegistry", "setPolicy"): "set-terms",
    ("WorkRegistry", "setPolicyBatch"): "set-terms",
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
_RECEIPT_EVENTS: dict[str, tuple[str, ...]] = {
    "WorkRegistry": ("WorksRegistered", "PolicyAttached", "OptOutChanged"),
    "LicenceManager": ("OfferRedeemed", "LicenceIssued"),
    "DatasetRegistry": ("InclusionProven", "ViolationRecorded", "RemovalRequested"),
}


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

    def recover(self, signature: str, chain_id: int, forwarder: str) -> str | None:
        """The address that made `signature` over this request, or None if it is no signature."""
        try:
            raw = bytes.fromhex(signature.removeprefix("0x"))
            return str(Account.recover_message(self._signable(chain_id, forwarder), signature=raw))
        except Exception:  # noqa: BLE001 - eth-keys raises several types for malformed signatures
            return None


@dataclass(frozen=True)
class SignedForwardRequest:
    request: ForwardRequest
    signature: str

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


class RequestBuilder:
    """Makes forward requests for one deployment: the calldata, the signer's nonce, a gas limit."""

    def __init__(self, ledger: RightsLedger, *, next_nonce: Callable[[str], int] | None = None) -> None:
        self.ledger = ledger
        self._next_nonce = next_nonce or self.nonce
        self.forwarder = ledger.w3.eth.contract(
            address=to_checksum_address(ledger.deployment.forwarder), abi=abi("Forwarder")
        )

    @property
    def chain_id(self) -> int:
        return self.ledger.chain_id

    @property
    def forwarder_address(self) -> str:
        return str(self.forwarder.address)

    def nonce(self, sender: str) -> int:
        """The signer's next unused nonce in the forwarder."""
        return int(self.forwarder.functions.nonces(parse_address(sender, what="signer")).call())

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
        latest = int(self.ledger.w3.eth.get_block("latest")["timestamp"])
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
        call = {"from": self.forwarder_address, "to": to, "data": data + sender[2:].lower()}
        try:
            used = int(self.ledger.w3.eth.estimate_gas(call))  # type: ignore[arg-type]
        except Exception as exc:
            revert = as_revert(exc, "preparing the request")
            if revert is not None:
                raise revert from None
            raise
        return min(int(used * _INNER_GAS_MARGIN) + 10_000, TX_GAS_CAP - _FORWARDER_OVERHEAD * 2)

    def _encode(self, function: str, args: list[Any]) -> str:
        return str(self.ledger.works.encode_abi(function, args=args))

    # The actions a creator signs. Policies are permissionless: whoever pays creates them
    # (`terms` given as Terms are stored by the ledger's own account first).

    def register(
        self,
        sender: str,
        item: ContentLike,
        *,
        terms: Terms | int | None = None,
        holder: str | None = None,
        metadata_uri: str = "",
        ttl: int = DEFAULT_TTL,
    ) -> ForwardRequest:
        policy_id = self._policy(terms)
        who = parse_address(holder or sender, what="holder")
        data = self._encode("register", [content_hash(item), who, policy_id, metadata_uri])
        return self.build(sender, data, ttl=ttl)

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
        policy_id = self._policy(terms)
        who = parse_address(holder or sender, what="holder")
        return self.build(sender, self._encode("registerBatch", [hashes, who, policy_id, metadata_uri]), ttl=ttl)

    def set_terms(
        self, sender: str, item: ContentLike, terms: Terms | int, *, ttl: int = DEFAULT_TTL
    ) -> ForwardRequest:
        data = self._encode("setPolicy", [content_hash(item), self._policy(terms)])
        return self.build(sender, data, ttl=ttl)

    def set_opt_out(
        self, sender: str, item: ContentLike, uses: Iterable[Use], *, ttl: int = DEFAULT_TTL
    ) -> ForwardRequest:
        """Opt exactly `uses` out (every other use back in)."""
        data = self._encode("setOptOut", [content_hash(item), _use_mask(uses)])
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
            raise RelayError(_NOT_FREE.format(price=format_wei(signed.offer.price)), code="offer-not-free")
        who = parse_address(licensee, what="licensee") if licensee else _ZERO_ADDRESS
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
                tree = datasets.tree(dataset_id)
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

    def _policy(self, terms: Terms | int | None) -> PolicyId:
        if terms is None:
            return PolicyId(0)
        if isinstance(terms, Terms):
            return self.ledger.ensure_policy(terms)
        if not 0 <= int(terms) < 2**32:
            raise ValidationError(f"policy id {terms} is out of range")
        return PolicyId(int(terms))


class Relayer:
    """Checks users' signed requests and submits them from the relayer's own account."""

    def __init__(self, ledger: RightsLedger, *, max_gas: int = 5_000_000, clock_skew: int = 5) -> None:
        if ledger.account is None:
            raise ValidationError("a relayer needs its own signing account (it pays the gas)")
        self.ledger = ledger
        self._lock = threading.Lock()
        self._in_flight: dict[str, set[int]] = {}
        # Requests prepared here get the nonce after any of the signer's requests in flight.
        self.builder = RequestBuilder(ledger, next_nonce=self.next_nonce)
        self.max_gas = max_gas
        self.clock_skew = clock_skew
        # Each relayable contract of this deployment: its address -> (name, web3 contract, selector -> function).
        self._targets: dict[str, tuple[str, Contract, dict[bytes, str]]] = {}
        for contract_name in dict.fromkeys(c for (c, _) in RELAYABLE):
            address = ledger.deployment.contracts.get(contract_name)
            if address is None:
                continue  # not part of this deployment
            contract = ledger.w3.eth.contract(address=to_checksum_address(address), abi=abi(contract_name))
            selectors = {_selector(abi(contract_name), fn): fn for (c, fn) in RELAYABLE if c == contract_name}
            self._targets[str(contract.address).lower()] = (contract_name, contract, selectors)

    @property
    def address(self) -> str:
        return self.ledger.address

    # ------------------------------------------------------------------ checks

    def decode(self, request: ForwardRequest) -> DecodedCall:
        """What the request would do; RelayError if it is nothing a relayer sends."""
        target = self._targets.get(request.to.lower())
        if target is None:
            allowed = ", ".join(f"the {name} at {c.address}" for (name, c, _) in self._targets.values())
            raise RelayError(f"requests may call only {allowed}, not {request.to}", code="target-not-allowed")
        contract_name, contract, selectors = target
        try:
            raw = bytes.fromhex(request.data.removeprefix("0x"))
        except ValueError:
            raise ValidationError("data is not hex", code="invalid-request") from None
        name = selectors.get(raw[:4])
        if name is None:
            allowed = ", ".join(sorted(selectors.values()))
            raise RelayError(
                f"the request calls a function this relayer does not send to the {contract_name} (it sends {allowed})",
                code="function-not-allowed",
            )
        try:
            _, args = contract.decode_function_input(raw)
        except Exception:  # noqa: BLE001 - eth-abi raises several decoding errors
            raise RelayError(f"the request's data is not a valid {name} call", code="invalid-calldata") from None
        if "offer" in args:
            args = {**args, "offer": {k: _display(v) for k, v in dict(args["offer"]).items()}}
            hashes: tuple[ContentHash, ...] = (ContentHash(args["offer"]["contentHash"]),)
        elif "contentHash" in args:
            hashes = (ContentHash("0x" + bytes(args["contentHash"]).hex()),)
        else:
            hashes = tuple(ContentHash("0x" + bytes(h).hex()) for h in args["contentHashes"])
        display = {k: _display(v) for k, v in args.items()}
        return DecodedCall(RELAYABLE[(contract_name, name)], name, hashes, display)

    def check(self, signed: SignedForwardRequest) -> DecodedCall:
        """Every check that needs no reservation: target, function, value, gas, deadline, signature."""
        request = signed.request
        decoded = self.decode(request)
        if request.value != 0:
            raise RelayError("relayed requests carry no ether (value must be 0)", code="value-not-allowed")
        price = int(decoded.args["offer"]["price"]) if decoded.function == "redeemOffer" else 0
        if price != 0:
            raise RelayError(_NOT_FREE.format(price=format_wei(price)), code="offer-not-free")
        if not 21_000 <= request.gas <= self.max_gas:
            raise RelayError(
                f"the request asks for {request.gas:,} gas; this relayer forwards 21,000 to {self.max_gas:,}",
                code="gas-not-allowed",
            )
        latest = int(self.ledger.w3.eth.get_block("latest")["timestamp"])
        now = max(latest, int(time.time()))
        if request.deadline < now + self.clock_skew:
            raise RelayError(
                f"the request expired (deadline {request.deadline}, now {now}); sign a new one",
                code="request-expired",
            )
        signer = request.recover(signed.signature, self.chain_id, self.builder.forwarder_address)
        if signer is None or signer.lower() != request.sender.lower():
            raise RelayError(
                f"the signature is not {request.sender}'s over this request "
                f"(chain {self.chain_id}, forwarder {self.builder.forwarder_address})",
                code="signature-invalid",
            )
        return decoded

    @property
    def chain_id(self) -> int:
        return self.ledger.chain_id

    def simulate(self, request: ForwardRequest, block: int | str = "latest") -> None:
        """Run the call as the forwarder would, as the user; raise the decoded revert if it fails."""
        call = {
            "from": self.builder.forwarder_address,
            "to": request.to,
            "data": request.data + request.sender[2:].lower(),
            "gas": request.gas,
        }
        try:
            self.ledger.w3.eth.call(call, block)  # type: ignore[arg-type]
        except Exception as exc:  # noqa: BLE001
            revert = as_revert(exc, "relaying the request")
            if revert is not None:
                raise revert from None
            raise self.ledger._chain_error(exc, "relaying the request") from None

    # ------------------------------------------------------------------ sending

    def relay(self, signed: SignedForwardRequest, *, expect: DecodedCall | None = None) -> RelayReceipt:
        """Check `signed`, submit it, wait for it to be mined; the receipt facts, or a clear error.

        `expect` (optional) pins what the caller means the request to do: its action and works.
        """
        request = signed.request
        decoded = self.check(signed)
        if expect is not None and (
            expect.action != decoded.action
            or (expect.content_hashes and expect.content_hashes != decoded.content_hashes)
        ):
            raise RelayError(
                f"the signed request does {decoded.action} on {', '.join(decoded.content_hashes)}, "
                f"not {expect.action} on {', '.join(expect.content_hashes)}",
                code="request-mismatch",
            )
        sender = request.sender.lower()
        call = self.builder.forwarder.functions.execute(signed.as_tuple())
        built = call.build_transaction({"from": self.address, "gas": TX_GAS_CAP, "nonce": 0, "value": 0})  # type: ignore[arg-type]
        outer = {"to": built["to"], "data": built["data"], "value": 0}
        gas = min(request.gas * 64 // 63 + _FORWARDER_OVERHEAD + 16 * len(built["data"]) // 2, TX_GAS_CAP)
        # One lock from the nonce check to the send: requests of one signer go out in nonce
        # order, and the relayer's own nonces follow one sequence (Transactor's lock).
        with self._lock:
            onchain = self.builder.nonce(request.sender)
            pending = self._in_flight.setdefault(sender, set())
            pending.difference_update({n for n in pending if n < onchain})
            if request.nonce < onchain:
                raise RelayError(
                    f"nonce {request.nonce} of {request.sender} is used already: the request was relayed "
                    "before (a replay); sign a new one",
                    code="nonce-used",
                )
            if request.nonce in pending:
                raise RelayError(
                    f"a request of {request.sender} with nonce {request.nonce} is being relayed now",
                    code="request-in-flight",
                )
            expected = max([onchain, *(n + 1 for n in pending)])
            if request.nonce != expected:
                raise RelayError(
                    f"nonce {request.nonce} skips ahead: {request.sender}'s next nonce is {expected}",
                    code="nonce-too-high",
                )
            if not pending:
                # With an earlier request of this signer in flight the state it builds on is not
                # there yet; the chain itself then decides (and the failure is decoded below).
                self.simulate(request)
            pending.add(request.nonce)
            try:
                tx_hash, sent = self.ledger._tx.submit(outer, action=f"relaying {decoded.action}", gas=gas)
            except BaseException:
                pending.discard(request.nonce)
                raise
        try:
            receipt = self.ledger._tx.wait(tx_hash, sent, action=f"relaying {decoded.action}")
        except ContractRevert as exc:
            raise self._explain(request, exc) from None
        finally:
            with self._lock:
                self._in_flight.get(sender, set()).discard(request.nonce)
        return RelayReceipt(
            action=decoded.action,
            function=decoded.function,
            signer=to_checksum_address(request.sender),
            nonce=request.nonce,
            content_hashes=decoded.content_hashes,
            transaction="0x" + bytes(receipt["transactionHash"]).hex(),
            block=int(receipt["blockNumber"]),
            gas_used=int(receipt["gasUsed"]),
            relayer=self.address,
            events=tuple(self._events(receipt)),
        )

    def _explain(self, request: ForwardRequest, exc: ContractRevert) -> ContractRevert:
        """The forwarder hides the inner revert behind FailedCall: decode it by simulating the call."""
        if exc.error != "FailedCall":
            return exc
        try:
            self.simulate(request)
        except ContractRevert as inner:
            return inner
        except Exception:  # noqa: BLE001 - the original error is the best we have
            return exc
        return exc

    def _events(self, receipt: Any) -> list[dict[str, Any]]:
        found: list[tuple[int, dict[str, Any]]] = []
        for contract_name, contract, _ in self._targets.values():
            for name in _RECEIPT_EVENTS.get(contract_name, ()):
                for event in getattr(contract.events, name)().process_receipt(receipt, errors=DISCARD):
                    args = {k: _display(v) for k, v in event["args"].items()}
                    found.append((int(event["logIndex"]), {"event": name, **args}))
        return [event for _, event in sorted(found, key=lambda pair: pair[0])]

    def next_nonce(self, sender: str) -> int:
        """The nonce this relayer accepts next from `sender`: after the chain's and any in flight."""
        onchain = self.builder.nonce(sender)
        with self._lock:
            pending = self._in_flight.get(sender.lower(), set())
            return max([onchain, *(n + 1 for n in pending)])


def _display(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [_display(v) for v in value]
    return "0x" + bytes(value).hex() if isinstance(value, (bytes, bytearray)) else value


def _selector(contract_abi: list[dict[str, Any]], name: str) -> bytes:
    fn = next(f for f in contract_abi if f.get("type") == "function" and f.get("name") == name)
    types = ",".join(signature_type(p) for p in fn["inputs"])
    return bytes(keccak(text=f"{name}({types})")[:4])


__all__ = [
    "FORWARD_REQUEST_TYPES",
    "RELAYABLE",
    "DecodedCall",
    "ForwardRequest",
    "RelayReceipt",
    "Relayer",
    "RequestBuilder",
    "SignedForwardRequest",
]
