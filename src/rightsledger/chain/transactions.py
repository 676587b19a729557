"""Signing and sending transactions with a local key, and turning failures into clear errors."""

from __future__ import annotations

import threading
import time
from collections import Counter
from typing import Any

from eth_account.signers.local import LocalAccount
from eth_typing import HexStr
from web3 import Web3
from web3.exceptions import (
    ContractCustomError,
    ContractLogicError,
    ContractPanicError,
    TimeExhausted,
    TransactionNotFound,
    Web3RPCError,
)
from web3.types import TxReceipt

from ..errors import ChainError, ConfigError, ContractRevert
from .contracts import decode_revert
from .journal import JournalEntry, TxJournal

GAS_MARGIN = 1.2
# Plus a flat allowance: a terms-history checkpoint costs a new slot (~20k gas) when the block's
# timestamp differs from the last checkpoint's, but only an update when the estimate ran in the same second.
GAS_HEADROOM = 25_000
# EIP-7825 (Osaka): no transaction may use more than 2**24 gas; batch writes stay below it.
TX_GAS_CAP = 16_777_216
# How long a journalled transaction may wait unmined before it is replaced (same nonce, higher
# fees), and how often a waiter checks on it.
STUCK_AFTER = 60.0
CHECK_INTERVAL = 2.0
RECEIPT_TIMEOUT = 120.0


def bump(fee: int) -> int:
    """A replacement's fee: at least 12.5 % more (what geth, anvil and Hardhat require), and 1 wei more."""
    return fee + max(1, -(-fee // 8))


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
    """Sends transactions signed by one local account, keeping its nonces in order across threads."""

    def __init__(
        self,
        w3: Web3,
        account: LocalAccount | None,
        *,
        journal: TxJournal | None = None,
        stuck_after: float = STUCK_AFTER,
    ) -> None:
        """With a `journal` (a state file), nonces come from the file (shared by every process using
        it), and each sent transaction is journalled until its receipt is seen: `recover()` then
        finishes what a previous process left (re-broadcast if the node lost it, replaced with
        higher fees if stuck longer than `stuck_after` seconds)."""
        self.w3 = w3
        self.account = account
        self.journal = journal
        self.stuck_after = stuck_after
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
        if self.journal is not None:
            return self._submit_journalled(tx, gas, action)
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
                try:
                    tx_hash = self.w3.eth.send_raw_transaction(signed.raw_transaction)
                except Exception as exc:  # noqa: BLE001
                    self._nonce = None
                    if attempt == 1 and "nonce too low" in str(exc).lower():
                        continue
                    raise self._classify(exc, action) from None
                self._nonce = nonce + 1
                break
        return bytes(tx_hash), tx

    def wait(self, tx_hash: bytes, tx: dict[str, Any], *, action: str) -> TxReceipt:
        """Wait for a submitted transaction; raise the decoded revert if it failed."""
        if self.journal is not None:
            receipt = self._wait_journalled(tx["from"], int(tx["nonce"]), "0x" + tx_hash.hex(), action)
            if receipt["status"] != 1:
                raise self._replay_failure(tx, receipt, action)
            return receipt
        try:
            receipt = self.w3.eth.wait_for_transaction_receipt(tx_hash, timeout=120, poll_latency=0.05)  # type: ignore[arg-type]
        except TimeExhausted:
            raise ChainError(f"{action}: transaction 0x{tx_hash.hex()} was not mined within 120 s") from None
        if receipt["status"] != 1:
            raise self._replay_failure(tx, receipt, action)
        return receipt

    # ------------------------------------------------------------------ the journal

    def _submit_journalled(self, tx: dict[str, Any], gas: int, action: str) -> tuple[bytes, dict[str, Any]]:
        """Allocate the nonce in the state file (its write lock held until the send is journalled:
        no two processes hand out one nonce), sign, send, journal."""
        journal = self.journal
        assert journal is not None
        sender = str(tx["from"])
        with self._lock, journal.transaction() as db:
            for attempt in (1, 2):
                node = int(self.w3.eth.get_transaction_count(sender, "pending"))  # type: ignore[arg-type]
                nonce = max(node, journal.next_nonce(db, sender))
                tx.update(self._fees())
                tx.update({"gas": gas, "nonce": nonce, "chainId": self.w3.eth.chain_id})
                signed = self.account.sign_transaction(tx)  # type: ignore[union-attr]
                try:
                    tx_hash = self.w3.eth.send_raw_transaction(signed.raw_transaction)
                except Exception as exc:  # noqa: BLE001
                    if attempt == 1 and "nonce too low" in str(exc).lower():
                        continue
                    raise self._classify(exc, action) from None
                journal.record(db, self._entry(tx, "0x" + bytes(tx_hash).hex(), "0x" + signed.raw_transaction.hex()))
                break
        return bytes(tx_hash), tx

    @staticmethod
    def _entry(tx: dict[str, Any], tx_hash: str, raw: str) -> JournalEntry:
        legacy = "gasPrice" in tx
        return JournalEntry(
            hash=tx_hash,
            sender=str(tx["from"]),
            nonce=int(tx["nonce"]),
            raw=raw,
            fields={k: v for k, v in tx.items()},
            max_fee=int(tx["gasPrice"] if legacy else tx["maxFeePerGas"]),
            priority_fee=0 if legacy else int(tx["maxPriorityFeePerGas"]),
            sent_at=time.time(),
        )

    def _receipt(self, tx_hash: str) -> TxReceipt | None:
        try:
            return self.w3.eth.get_transaction_receipt(tx_hash)  # type: ignore[arg-type]
        except TransactionNotFound:
            return None

    def _wait_journalled(self, sender: str, nonce: int, first: str, action: str) -> TxReceipt:
        """Wait for whichever transaction of this nonce is mined (the first, or a replacement any
        process made); meanwhile check on it: re-broadcast if the node lost it, replace if stuck."""
        journal = self.journal
        assert journal is not None
        hashes = [first]
        deadline = time.monotonic() + RECEIPT_TIMEOUT
        next_check = time.monotonic() + CHECK_INTERVAL
        while True:
            hashes += [e.hash for e in journal.entries(sender, nonce) if e.hash not in hashes]
            for tx_hash in reversed(hashes):
                receipt = self._receipt(tx_hash)
                if receipt is not None:
                    journal.finish(sender, nonce)
                    return receipt
            if time.monotonic() > deadline:
                raise ChainError(f"{action}: transaction {first} (nonce {nonce}) was not mined within 120 s")
            if time.monotonic() >= next_check:
                next_check = time.monotonic() + CHECK_INTERVAL
                self.check(sender, nonce)
            time.sleep(0.05)

    def check(self, sender: str, nonce: int) -> str:
        """Look after one journalled nonce: "mined" (forgotten), "dropped" (the nonce was used by
        a transaction not journalled), "rebroadcast" (the node had lost it), "replaced" (stuck
        longer than `stuck_after`: re-sent with the same nonce and ≥ 12.5 % higher fees) or "pending"."""
        journal = self.journal
        assert journal is not None
        with journal.transaction():  # one process at a time looks after a nonce
            entries = journal.entries(sender, nonce)
            if not entries or any(self._receipt(e.hash) is not None for e in entries):
                journal.finish(sender, nonce)
                return "mined"
            if int(self.w3.eth.get_transaction_count(sender, "latest")) > nonce:  # type: ignore[arg-type]
                journal.finish(sender, nonce)
                return "dropped"
            newest = entries[-1]
            try:
                self.w3.eth.get_transaction(newest.hash)  # type: ignore[arg-type]
            except TransactionNotFound:
                self._broadcast(newest.raw)
                return "rebroadcast"
            if time.time() - newest.sent_at < self.stuck_after:
                return "pending"
            self._replace(newest)
            return "replaced"

    def recover(self) -> Counter[str]:
        """Look after every transaction of this account a previous run left in the journal."""
        journal = self.journal
        if journal is None or self.account is None:
            return Counter()
        nonces = dict.fromkeys(e.nonce for e in journal.entries(self.address))
        return Counter(self.check(self.address, nonce) for nonce in nonces)

    def _broadcast(self, raw: str) -> None:
        try:
            self.w3.eth.send_raw_transaction(HexStr(raw))
        except Exception as exc:  # noqa: BLE001 - known already, or used meanwhile: check() sees it next time
            text = str(exc).lower()
            if not any(words in text for words in ("already", "nonce too low", "known")):
                raise self._classify(exc, "re-sending a journalled transaction") from None

    def _replace(self, entry: JournalEntry) -> None:
        """Re-sign the stuck transaction with its nonce and higher fees (at least the market's)."""
        journal = self.journal
        assert journal is not None
        fields = dict(entry.fields)
        market = self._fees()
        if "gasPrice" in fields:
            fields["gasPrice"] = max(bump(entry.max_fee), market.get("gasPrice", 0))
        else:
            tip = max(bump(entry.priority_fee), market.get("maxPriorityFeePerGas", 0))
            fields["maxPriorityFeePerGas"] = tip
            fields["maxFeePerGas"] = max(bump(entry.max_fee), market.get("maxFeePerGas", 0), tip)
        signed = self.account.sign_transaction(fields)  # type: ignore[union-attr]
        with journal.transaction() as db:
            self._broadcast("0x" + signed.raw_transaction.hex())
            journal.record(db, self._entry(fields, "0x" + signed.hash.hex(), "0x" + signed.raw_transaction.hex()))

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
