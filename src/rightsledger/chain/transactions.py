"""Signing and sending transactions with a local key, and turning failures into clear errors."""

from __future__ import annotations

import threading
from typing import Any

from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.exceptions import ContractCustomError, ContractLogicError, ContractPanicError, TimeExhausted, Web3RPCError
from web3.types import TxReceipt

from ..errors import ChainError, ConfigError, ContractRevert
from .contracts import decode_revert
from .journal import Journal

GAS_MARGIN = 1.2
# Plus a flat allowance: a terms-history checkpoint costs a new slot (~20k gas) when the block's
# timestamp differs from the last checkpoint's, but only an update when the estimate ran in the same second.
GAS_HEADROOM = 25_000
# EIP-7825 (Osaka): no transaction may use more than 2**24 gas; batch writes stay below it.
TX_GAS_CAP = 16_777_216


def revert_data(exc: BaseException) -> str | None:
    """The revert payload web3.py attached to an exception, if any."""
    data = getattr(exc, "data", None)
    if isinstance(data, str) and data.startswith("0x"):
        return data
    if isinstance(data, dict):
        inner = data.get("data")
        if isinstance(inner, str):
            return inner
    for arg in getattr(exc, "args", ()):
        if isinstance(arg, dict) and isinstance(arg.get("data"), str):
            return str(arg["data"])
    return None


def as_revert(exc: BaseException, action: str) -> ContractRevert | None:
    if isinstance(exc, (ContractCustomError, ContractLogicError, ContractPanicError)):
        return decode_revert(revert_data(exc), action=action)
    if isinstance(exc, Web3RPCError) and revert_data(exc):
        return decode_revert(revert_data(exc), action=action)
    return None


class Transactor:
    """Sends transactions signed by one local account, keeping its nonces in order across threads.

    With a `journal` (the home's local chain: see `local.journal_for`), every signed transaction is
    appended to it, durably, before it is sent, so that a restart after a crash can re-send it."""

    def __init__(self, w3: Web3, account: LocalAccount | None, journal: Journal | None = None) -> None:
        self.w3 = w3
        self.account = account
        self.journal = journal
        self._lock = threading.Lock()
        self._nonce: int | None = None

    @property
    def address(self) -> str:
        if self.account is None:
            raise ConfigError(
                "this needs a signing key: set RIGHTSLEDGER_PRIVATE_KEY, or on a local chain pass --dev-account N"
            )
        return str(self.account.address)

    def send(self, tx: dict[str, Any], *, action: str, gas: int | None = None) -> TxReceipt:
        """Estimate, sign, send and wait for `tx`; raise ContractRevert with the decoded error on failure."""
        tx_hash, sent = self.submit(tx, action=action, gas=gas)
        return self.wait(tx_hash, sent, action=action)

    def submit(self, tx: dict[str, Any], *, action: str, gas: int | None = None) -> tuple[bytes, dict[str, Any]]:
        """Sign and send `tx` with the next nonce of this account; return its hash and the sent fields.

        Nonces come from one lock-protected sequence, so concurrent callers never reuse or skip
        one; a send the node refuses resets the sequence to the node's count.
        """
        sender = self.address
        tx = {**tx, "from": sender}
        if gas is None:
            try:
                gas = int(self.w3.eth.estimate_gas(tx) * GAS_MARGIN) + GAS_HEADROOM  # type: ignore[arg-type]
            except Exception as exc:  # noqa: BLE001 - classified below
                raise self._classify(exc, action) from None
            gas = min(gas, TX_GAS_CAP)
        with self._lock:
            # The cached nonce can be stale when another client signs for the same account;
            # the node then says "nonce too low" and one retry with its count settles it.
            for attempt in (1, 2):
                if self._nonce is None:
                    self._nonce = self.w3.eth.get_transaction_count(sender, "pending")  # type: ignore[arg-type]
                nonce = self._nonce
                tx.update(self._fees())
                tx.update({"gas": gas, "nonce": nonce, "chainId": self.w3.eth.chain_id})
                signed = self.account.sign_transaction(tx)  # type: ignore[union-attr]
                if self.journal is not None:
                    self.journal.record(signed.hash, signed.raw_transaction)
                try:
                    tx_hash = self.w3.eth.send_raw_transaction(signed.raw_transaction)
                except Exception as exc:  # noqa: BLE001
                    self._nonce = None
                    if self.journal is not None:
                        self.journal.drop(signed.hash)
                    if attempt == 1 and "nonce too low" in str(exc).lower():
                        continue
                    raise self._classify(exc, action) from None
                self._nonce = nonce + 1
                break
        return bytes(tx_hash), tx

    def wait(self, tx_hash: bytes, tx: dict[str, Any], *, action: str) -> TxReceipt:
        """Wait for a submitted transaction; raise the decoded revert if it failed."""
        try:
            receipt = self.w3.eth.wait_for_transaction_receipt(tx_hash, timeout=120, poll_latency=0.05)  # type: ignore[arg-type]
        except TimeExhausted:
            raise ChainError(f"{action}: transaction 0x{tx_hash.hex()} was not mined within 120 s") from None
        if receipt["status"] != 1:
            raise self._replay_failure(tx, receipt, action)
        return receipt

    def _fees(self) -> dict[str, int]:
        block = self.w3.eth.get_block("latest")
        base = int(block.get("baseFeePerGas", 0) or 0)
        tip = 10**9 if base else 0
        if "baseFeePerGas" not in block:
            return {"gasPrice": int(self.w3.eth.gas_price)}
        return {"maxFeePerGas": 2 * base + tip, "maxPriorityFeePerGas": tip}

    def _replay_failure(self, tx: dict[str, Any], receipt: TxReceipt, action: str) -> Exception:
        call = {k: v for k, v in tx.items() if k in ("from", "to", "data", "value")}
        try:
            self.w3.eth.call(call, receipt["blockNumber"] - 1)  # type: ignore[arg-type]
        except Exception as exc:  # noqa: BLE001
            return self._classify(exc, action)
        return ChainError(f"{action}: transaction 0x{receipt['transactionHash'].hex()} failed (out of gas?)")

    @staticmethod
    def _classify(exc: Exception, action: str) -> Exception:
        revert = as_revert(exc, action)
        if revert is not None:
            return revert
        text = str(exc)
        # geth/anvil say "insufficient funds", Hardhat (EDR) "doesn't have enough funds".
        if any(words in text.lower() for words in ("insufficient funds", "enough funds")):
            return ChainError(f"{action}: the sending account has too little ether to pay for gas or value")
        return ChainError(f"{action}: the node refused the transaction: {text}")
