"""The relayer (the gateway's): checks a signed request before sending anything — an allowed target
and function, calldata exactly its ABI encoding (nothing padded on for the relayer to pay), no
value, a sane gas, the deadline, a signature with low `s` (the forwarder's ECDSA refuses high-s
ones, which would revert on chain with the nonce unused, for ever), the nonce (neither used nor
skipped, and no request of the signer in flight), the signer's and the relayer's gas budgets, and
always a simulation of `Forwarder.execute` from the relayer's own account — so a bad request
costs the relayer no gas and the user gets a clear, decoded reason. The signer's nonce is claimed
(nonce_claims.py, shared by the workers through the state file) before the simulation and held
until the request is mined. Requests checked at about the same time go out together in one
`Forwarder.executeBatch` transaction (relay_batch.py), each caller getting its own answer; the
relayer's nonces follow one lock-protected sequence, so concurrent relayed writes are neither lost
nor duplicated.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Any

from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak
from web3.contract import Contract

from ..chain.contracts import abi, flat_functions, signature_type
from ..chain.logs import event_topic
from ..chain.state_file import TxJournal
from ..chain.transactions import STUCK_AFTER, TX_GAS_CAP, as_revert
from ..errors import ContractRevert, RelayError, ValidationError
from ..units import format_wei
from ..vocabulary import ContentHash
from .forwarding import (
    FORWARDER_OVERHEAD,
    NOT_FREE_MESSAGE,
    RECEIPT_EVENTS,
    RELAYABLE,
    DecodedCall,
    ForwardRequest,
    Ledger,
    RelayReceipt,
    RequestBuilder,
    SignedForwardRequest,
)
from .gas_budget import BUDGET_WINDOW, GasBudget, SharedGasBudget
from .nonce_claims import NonceClaims, SharedNonceClaims
from .relay_batch import BATCH_WINDOW, MAX_BATCH, BatchOutcome, BatchSender

# secp256k1's group order: a signature's `s` above half of it is the malleable twin of a valid one.
SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


class Relayer:
    """Checks users' signed requests and submits them from the relayer's own account."""

    def __init__(
        self,
        ledger: Ledger,
        *,
        max_gas: int = 5_000_000,
        clock_skew: int = 5,
        signer_gas_per_hour: int = 20_000_000,
        gas_per_hour: int = 500_000_000,
        state_file: str | Path | None = None,
        stuck_after: float = STUCK_AFTER,
        batch_window: float = BATCH_WINDOW,
        max_batch: int = MAX_BATCH,
    ) -> None:
        """With a `state_file` (SQLite), the relayer's nonces, its sent transactions and the gas
        budgets live there, not in memory: they survive a restart and are shared by every process
        that relays with the same file (a gateway's workers). What a previous run left is looked
        after at once (`recovered`): mined ones forgotten, lost ones re-sent, stuck ones replaced.

        Requests checked within `batch_window` seconds of each other go out in one
        `Forwarder.executeBatch` transaction (at most `max_batch`; see relay_batch.py)."""
        if ledger.ctx.account is None:
            raise ValidationError("a relayer needs its own signing account (it pays the gas)")
        self.ledger = ledger
        self.recovered: Counter[str] = Counter()
        self.budget: GasBudget | SharedGasBudget = GasBudget(signer_gas_per_hour, gas_per_hour)
        # The signer nonces being relayed now (shared by the workers with a state file).
        self.claims: NonceClaims | SharedNonceClaims = NonceClaims()
        if state_file is not None:
            transactor = ledger.ctx.transactor
            transactor.journal = TxJournal(state_file)
            transactor.stuck_after = stuck_after
            self.budget = SharedGasBudget(state_file, signer_gas_per_hour, gas_per_hour)
            self.claims = SharedNonceClaims(state_file)
            self.recovered = transactor.recover()
        # Requests prepared here get the nonce after any of the signer's requests in flight. New
        # terms go in the request (`...WithTerms`): stored by the signed request, at its gas.
        self.builder = RequestBuilder(ledger, next_nonce=self.next_nonce)
        self.max_gas = max_gas
        self.clock_skew = clock_skew
        self.batches = BatchSender(
            ledger.ctx.transactor, self.builder.forwarder, self.address, window=batch_window, max_requests=max_batch,
            finished=lambda done: self.claims.release((s.request.sender, s.request.nonce) for s in done),
        )  # fmt: skip
        # Each relayable contract of this deployment: its address -> (name, web3 contract, selector -> function).
        self._targets: dict[str, tuple[str, Contract, dict[bytes, str]]] = {}
        for contract_name in dict.fromkeys(c for (c, _) in RELAYABLE):
            if contract_name not in ledger.ctx.deployment.contracts:
                continue  # not part of this deployment
            contract = ledger.ctx.contract(contract_name)
            selectors = {_selector(abi(contract_name), fn): fn for (c, fn) in RELAYABLE if c == contract_name}
            self._targets[str(contract.address).lower()] = (contract_name, contract, selectors)
        # (contract address, topic0) -> the event a relayed request's answer reports.
        self._receipt_events: dict[tuple[str, bytes], tuple[str, Any]] = {
            (address, bytes(event_topic(contract, name))): (name, getattr(contract.events, name)())
            for address, (contract_name, contract, _) in self._targets.items()
            for name in RECEIPT_EVENTS.get(contract_name, ())
        }

    @property
    def address(self) -> str:
        return self.ledger.ctx.address

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
        flat = flat_functions(contract_name).get(name)
        try:
            if flat is not None:  # eth-abi directly (web3's decoding is milliseconds a request)
                args = flat.decode(raw)
                canonical = flat.encode([args[n] for n in flat.names])
            else:
                function, args = contract.decode_function_input(raw)
                positional = [_as_abi(args[str(p["name"])]) for p in function.abi["inputs"]]
                canonical = bytes.fromhex(contract.encode_abi(function.abi_element_identifier, args=positional)[2:])
        except Exception:  # noqa: BLE001 - eth-abi raises several decoding errors
            raise RelayError(f"the request's data is not a valid {name} call", code="invalid-calldata") from None
        if raw != canonical:
            # Bytes after (or inside) the encoding change nothing but cost the relayer calldata gas.
            raise RelayError(
                f"the request's data is {len(raw)} bytes, not the {len(canonical)}-byte ABI encoding of its "
                f"{name} call; sign the request the gateway prepared",
                code="calldata-not-canonical",
            )
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
            raise RelayError(NOT_FREE_MESSAGE.format(price=format_wei(price)), code="offer-not-free")
        if not 21_000 <= request.gas <= self.max_gas:
            raise RelayError(
                f"the request asks for {request.gas:,} gas; this relayer forwards 21,000 to {self.max_gas:,}",
                code="gas-not-allowed",
            )
        now = max(self.builder.latest_time(), int(time.time()))
        if request.deadline < now + self.clock_skew:
            raise RelayError(
                f"the request expired (deadline {request.deadline}, now {now}); sign a new one",
                code="request-expired",
            )
        _require_low_s(signed.signature)
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
        return self.ledger.ctx.chain_id

    def simulate(self, request: ForwardRequest, block: int | str = "latest") -> None:
        """Run the call as the forwarder would, as the user; raise the decoded revert if it fails."""
        call = {
            "from": self.builder.forwarder_address,
            "to": request.to,
            "data": request.data + request.sender[2:].lower(),
            "gas": request.gas,
        }
        try:
            self.ledger.ctx.w3.eth.call(call, block)  # type: ignore[arg-type]
        except Exception as exc:  # noqa: BLE001
            revert = as_revert(exc, "relaying the request")
            if revert is not None:
                raise revert from None
            raise self.ledger.ctx.chain_error(exc, "relaying the request") from None

    def simulate_execute(self, signed: SignedForwardRequest, outer: dict[str, Any], gas: int) -> None:
        """`Forwarder.execute` as the relayer would send it, as an eth_call from the relayer: the
        forwarder's own signature, nonce, deadline and trust checks, then the call. A revert is
        decoded (the inner one, where the forwarder hides it behind FailedCall)."""
        data = bytes.fromhex(str(outer["data"]).removeprefix("0x"))
        try:
            self.ledger.ctx.raw_call(outer["to"], data, "latest", "relaying the request", sender=self.address, gas=gas)
        except ContractRevert as revert:
            raise self._explain(signed.request, revert) from None

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
        data = signed.execute_data()
        outer = {"to": self.builder.forwarder_address, "data": data, "value": 0}
        # What the request may use of a batch: its gas, the 1/64 the forwarder keeps, the
        # forwarder's own work and its calldata.
        gas = min(request.gas * 64 // 63 + FORWARDER_OVERHEAD + 16 * len(data) // 2, TX_GAS_CAP)
        # The signer's nonce is claimed (in the state file: for every worker) before anything is
        # simulated or sent, and held until the request is mined: a second request of the signer
        # meanwhile, the same nonce or one built on it, is refused (409) at no cost.
        self.claims.claim(request.sender, request.nonce, self.builder.nonce(request.sender))
        try:
            self.simulate_execute(signed, outer, gas)
            self.budget.reserve(request.sender, gas)
        except BaseException:
            self.claims.release([(request.sender, request.nonce)])
            raise
        try:  # the batch lets go of the claim once it is mined
            outcome = self.batches.send(signed, gas, action=decoded.action)
        except ContractRevert as exc:
            raise self._explain(request, exc) from None
        return self._receipt(signed, decoded, outcome)

    def _receipt(self, signed: SignedForwardRequest, decoded: DecodedCall, outcome: BatchOutcome) -> RelayReceipt:
        """The caller's own answer from its batch: its events, or why its part failed on chain."""
        request = signed.request
        receipt = outcome.receipt
        transaction = "0x" + bytes(receipt["transactionHash"]).hex()
        if not outcome.executed:
            raise RelayError(
                f"the forwarder skipped the request in transaction {transaction}: its nonce was used or its "
                "deadline passed before it was mined; sign a new one",
                code="request-skipped",
            )
        if not outcome.success:
            # Its call reverted in the batch (another request before it changed what it read):
            # the reason is what the same call says now.
            try:
                self.simulate(request, int(receipt["blockNumber"]))
            except ContractRevert as exc:
                raise exc from None
            raise RelayError(
                f"the request's call reverted in transaction {transaction}; prepare and sign it again",
                code="request-reverted",
            )
        after, before = outcome.logs
        own = {**receipt, "logs": [log for log in receipt["logs"] if after < int(log["logIndex"]) < before]}
        events = [event for _, event in self._events(own)]
        return RelayReceipt(
            action=decoded.action,
            function=decoded.function,
            signer=to_checksum_address(request.sender),
            nonce=request.nonce,
            content_hashes=decoded.content_hashes,
            transaction=transaction,
            block=int(receipt["blockNumber"]),
            gas_used=int(receipt["gasUsed"]),
            relayer=self.address,
            events=tuple(events),
            batch_size=outcome.batch_size,
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

    def _events(self, receipt: Any) -> list[tuple[int, dict[str, Any]]]:
        """The receipt's events of the relayable contracts, with their log indexes, in order."""
        found: list[tuple[int, dict[str, Any]]] = []
        for log in receipt["logs"]:
            # Only logs of a relayable contract with an event it reports are decoded (by topic0).
            topics = log.get("topics") or []
            known = self._receipt_events.get((str(log["address"]).lower(), bytes(topics[0]))) if topics else None
            if known is None:
                continue
            name, event = known
            try:
                decoded = event.process_log(log)
            except Exception:  # noqa: BLE001, S112 - an undecodable log is left out, as before
                continue
            args = {k: _display(v) for k, v in decoded["args"].items()}
            found.append((int(log["logIndex"]), {"event": name, **args}))
        return sorted(found, key=lambda pair: pair[0])

    def next_nonce(self, sender: str) -> int:
        """The nonce this relayer accepts next from `sender`: after the chain's and any in flight."""
        return self.claims.next_nonce(sender, self.builder.nonce(sender))


def _require_low_s(signature: str) -> None:
    """Refuse a malleable signature: 65 bytes, v 27 or 28, s in the lower half of the curve order
    (what OpenZeppelin's ECDSA accepts; eth-account would recover a high-s one just the same)."""
    try:
        raw = bytes.fromhex(signature.removeprefix("0x"))
    except ValueError:
        raise RelayError("the signature is not hex", code="signature-invalid") from None
    if len(raw) != 65 or raw[64] not in (27, 28):
        raise RelayError("the signature must be 65 bytes (r, s, v with v 27 or 28)", code="signature-invalid")
    if int.from_bytes(raw[32:64], "big") > SECP256K1_N // 2:
        raise RelayError(
            "the signature has a high s value, which the forwarder refuses; sign again with a standard wallet",
            code="signature-malleable",
        )


def _as_abi(value: Any) -> Any:
    """A decoded argument as the encoder takes it back: structs (decoded as dicts, in their ABI
    order) as tuples, at any depth (the terms of `registerWithTerms` are a struct of structs)."""
    if isinstance(value, dict):
        return tuple(_as_abi(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return [_as_abi(v) for v in value]
    return value


def _display(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [_display(v) for v in value]
    return "0x" + bytes(value).hex() if isinstance(value, (bytes, bytearray)) else value


def _selector(contract_abi: list[dict[str, Any]], name: str) -> bytes:
    fn = next(f for f in contract_abi if f.get("type") == "function" and f.get("name") == name)
    types = ",".join(signature_type(p) for p in fn["inputs"])
    return bytes(keccak(text=f"{name}({types})")[:4])


__all__ = ["BUDGET_WINDOW", "SECP256K1_N", "GasBudget", "Relayer", "SharedGasBudget"]
