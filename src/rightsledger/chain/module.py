"""The base every SDK module builds on (web3.py's `Module` in spirit): one shared connection context
that owns the call plumbing, and a `ContractModule` per contract of the deployment.

A feature module never reaches into another module's private state: it calls `send`, `call`,
`raw_call` and `chain_error`, which are public here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar

from eth_account.signers.local import LocalAccount
from eth_utils.address import to_checksum_address
from web3 import Web3
from web3.contract import Contract
from web3.types import TxReceipt

from ..errors import ChainError, ContractRevert
from .contracts import abi, decode_revert
from .deployments import Deployment
from .fast_rpc import fast_rpc
from .journal import Journal
from .transactions import TX_GAS_CAP, Transactor, as_revert, revert_data

CALL_GAS = 50_000_000
"""Gas for one read-only batch call: under the ~50M `eth_call` cap of common RPC nodes. A node that
holds `eth_call` to the EIP-7825 transaction cap (Hardhat/EDR on Osaka) gets TX_GAS_CAP instead:
see `ChainContext.call_gas`."""


class ChainContext:
    """One node, one deployment and (optionally) one signing account, shared by every module of a client."""

    def __init__(
        self, w3: Web3, deployment: Deployment, account: LocalAccount | None = None, *, journal: Journal | None = None
    ) -> None:
        self.w3 = w3
        self.deployment = deployment
        self.account = account
        self.transactor = Transactor(w3, account, journal)
        self._contracts: dict[str, Contract] = {}
        self._call_gas: int | None = None

    @property
    def chain_id(self) -> int:
        return self.deployment.chain_id

    @property
    def address(self) -> str:
        """The signing account's address (ConfigError saying how to give a key, if there is none)."""
        return self.transactor.address

    @property
    def block_number(self) -> int:
        return int(self.w3.eth.block_number)

    def block_time(self, block: int | str = "latest") -> datetime:
        """The chain's time at `block` (the latest by default): what "now" means to the contracts."""
        try:
            timestamp = int(self.w3.eth.get_block(block)["timestamp"])  # type: ignore[arg-type]
        except Exception as exc:  # noqa: BLE001
            raise ChainError(f"reading block {block}: {exc}") from None
        return datetime.fromtimestamp(timestamp, tz=UTC)

    def last_block_by(self, when: datetime) -> int:
        """The last block whose time is at or before `when` (the deployment's block if none is), by
        bisection: the block an answer "as of `when`" is read at."""
        low, high = int(self.deployment.block), self.block_number
        if self.block_time(high) <= when:
            return high
        while low < high:
            middle = (low + high + 1) // 2
            if self.block_time(middle) <= when:
                low = middle
            else:
                high = middle - 1
        return low

    def contract(self, name: str) -> Contract:
        """The deployment's contract `name`, built once."""
        if name not in self._contracts:
            address = to_checksum_address(self.deployment.address(name))
            self._contracts[name] = self.w3.eth.contract(address=address, abi=abi(name))
        return self._contracts[name]

    def send(self, call: Any, action: str, *, value: int = 0) -> TxReceipt:
        """Send a contract function call as a transaction from the signing account; wait for its receipt."""
        tx = call.build_transaction({"from": self.address, "gas": TX_GAS_CAP, "nonce": 0, "value": value})
        return self.transactor.send({"to": tx["to"], "data": tx["data"], "value": tx.get("value", 0)}, action=action)

    def call(self, call: Any, action: str) -> Any:
        """A read-only call; a revert becomes the decoded ContractRevert, anything else a ChainError."""
        try:
            return call.call()
        except Exception as exc:  # noqa: BLE001
            raise self.chain_error(exc, action) from None

    def call_gas(self) -> int:
        """The gas one read-only call may use on this node: CALL_GAS, or TX_GAS_CAP on a node that
        refuses more than the EIP-7825 cap in `eth_call` too. Asked once (one empty call), then kept."""
        if self._call_gas is None:
            probe = {"to": "0x" + "00" * 20, "data": "0x", "gas": hex(CALL_GAS)}
            response = self.w3.provider.make_request("eth_call", [probe, "latest"])  # type: ignore[arg-type]
            self._call_gas = TX_GAS_CAP if "error" in response else CALL_GAS
        return self._call_gas

    def raw_call(
        self, to: str, data: bytes, block_tag: str, action: str, *, sender: str | None = None, gas: int | None = None
    ) -> bytes:
        """`eth_call` of hand-encoded calldata (the bulk and relaying paths: none of web3's
        formatting, several milliseconds of CPU a call): the raw return bytes."""
        payload = {"to": to, "data": "0x" + data.hex(), "gas": hex(gas or self.call_gas())}
        if sender is not None:
            payload["from"] = sender
        return bytes.fromhex(str(self._raw("eth_call", [payload, block_tag], action))[2:])

    def raw_calls(self, to: str, datas: Sequence[bytes], action: str) -> list[bytes | None]:
        """`eth_call` of many hand-encoded calldatas to `to` at the latest block, in one JSON-RPC batch
        when the node takes them (else one call each): the return bytes per call, None for a revert."""
        if not datas:
            return []
        calls = [("eth_call", [{"to": to, "data": "0x" + d.hex(), "gas": hex(self.call_gas())}, "latest"])
                 for d in datas]
        fast = fast_rpc(self.w3)
        answers: list[dict[str, Any]] | None = None
        if fast is not None and len(calls) > 1:
            try:
                answers = fast.batch(calls)
            except (OSError, ValueError):
                answers = None  # no batches here (or a hiccup): one call each below
        out: list[bytes | None] = []
        for k, (method, params) in enumerate(calls):
            answer = answers[k] if answers is not None else None
            if answer is None:
                try:
                    out.append(bytes.fromhex(str(self._raw(method, params, action))[2:]))
                except ContractRevert:
                    out.append(None)
                continue
            if "error" in answer:
                if not revert_data(RPCFailure(answer["error"])):
                    raise ChainError(f"{action}: the node answered {answer['error']}")
                out.append(None)
            else:
                out.append(bytes.fromhex(str(answer["result"])[2:]))
        return out

    def raw_estimate(self, sender: str, to: str, data: bytes, action: str) -> int:
        """`eth_estimateGas` of hand-encoded calldata from `sender`."""
        payload = {"from": sender, "to": to, "data": "0x" + data.hex()}
        return int(str(self._raw("eth_estimateGas", [payload], action)), 16)

    def _raw(self, method: str, params: list[Any], action: str) -> Any:
        fast = fast_rpc(self.w3)
        if fast is None:
            response: Any = self.w3.provider.make_request(method, params)  # type: ignore[arg-type]
        else:
            try:
                response = fast.request(method, params)
            except (OSError, ValueError) as exc:
                raise ChainError(f"{action}: the node does not answer ({type(exc).__name__}: {exc})") from None
        if "error" in response:
            revert = revert_data(RPCFailure(response["error"]))
            if revert:
                raise decode_revert(revert, action=action)
            raise ChainError(f"{action}: the node answered {response['error']}")
        return response["result"]

    @staticmethod
    def chain_error(exc: Exception, action: str) -> Exception:
        revert = as_revert(exc, action)
        if revert is not None:
            return revert
        return ChainError(f"{action}: {exc}")

    def with_account(self, account: LocalAccount | None) -> ChainContext:
        """The same node and deployment, signing as `account` (contract objects are shared)."""
        other = ChainContext(self.w3, self.deployment, account, journal=self.transactor.chain_journal)
        other._contracts = self._contracts
        other._call_gas = self._call_gas
        return other


class ContractModule:
    """An SDK module over one contract of the deployment, sharing the client's `ChainContext`.

    `functions`, `events` and `address` are the contract's, so `ledger.works.functions.workOf(h)`
    reads as it always did.
    """

    contract_name: ClassVar[str]

    def __init__(self, ctx: ChainContext) -> None:
        self.ctx = ctx
        self.contract = ctx.contract(self.contract_name)

    @property
    def functions(self) -> Any:
        return self.contract.functions

    @property
    def events(self) -> Any:
        return self.contract.events

    @property
    def address(self) -> str:
        return str(self.contract.address)

    def encode_abi(self, name: str, args: list[Any]) -> str:
        return str(self.contract.encode_abi(name, args))

    def send(self, call: Any, action: str, *, value: int = 0) -> TxReceipt:
        return self.ctx.send(call, action, value=value)

    def call(self, call: Any, action: str) -> Any:
        return self.ctx.call(call, action)

    @staticmethod
    def chain_error(exc: Exception, action: str) -> Exception:
        return ChainContext.chain_error(exc, action)


class RPCFailure(Exception):
    """A JSON-RPC error answer, shaped like web3's exceptions so `revert_data` finds its data."""

    def __init__(self, error: Any) -> None:
        super().__init__(error)
        self.data = error.get("data") if isinstance(error, dict) else None


__all__ = ["CALL_GAS", "ChainContext", "ContractModule", "RPCFailure"]
