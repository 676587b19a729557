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
from .journal import Journal
from .state_file import JournalEntry, TxJournal

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
# A replacement never bids more than this many times the market's fees: a transaction stuck for
# long (congestion, a node that will not mine it) is not re-bid +12.5 % a minute without end.
MAX_FEE_OVER_MARKET = 4
FEE_FLOOR = 10**9  # the market taken as at least 1 gwei, so that a zero-fee chain still replaces
RECEIPT_TIMEOUT = 120.0
FEE_CACHE_S = 1.0


def bump(fee: int) -> int:
    """A replacement's fee: at least 12.5 % more (what geth, anvil and Hardhat require), and 1 wei more."""
    return fee + max(1, -(-fee // 8))


def _ceiling(market_fee: int) -> int:
    """The most a replacement bids against `market_fee` (taken as at least FEE_FLOOR)."""
    return MAX_FEE_OVER_MARKET * max(market_fee, FEE_FLOOR)


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

    With a `chain_journal` (the home's local chain: see `local.journal_for`), every signed
    transaction is appended to it, durably, before it is sent, so that `chain start` after a crash
    can re-send it."""

    def __init__(
        self,
        w3: Web3,
        account: LocalAccount | None,
        chain_journal: Journal | None = None,
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
        self.chain_journal = chain_journal
        self.stuck_after = stuck_after
        self._lock = threading.Lock()
        self._nonce: int | None = None
        self._chain_id: int | None = None
        self._fee_cache: tuple[float, dict[str, int]] | None = None

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
                self._journal_chain(signed.hash, signed.raw_transaction)
                try:
                    tx_hash = self.w3.eth.send_raw_transaction(signed.raw_transaction)
                except Exception as exc:  # noqa: BLE001
                    self._nonce = None
                    self._drop_from_chain_journal(signed.hash)
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
        """Allocate the nonce in the state file and journal the signed transaction in one
        transaction (its write lock: no two processes hand out one nonce), then send it outside
        the lock, so other requests allocate and send meanwhile (the node orders them by nonce)."""
        journal = self.journal
        assert journal is not None
        sender = str(tx["from"])
        for attempt in (1, 2):
            with self._lock, journal.transaction() as db:
                # The file's sequence; the node's count only when the file has none or is behind.
                nonce = journal.next_nonce(db, sender) if attempt == 1 else 0
                if nonce == 0:
                    nonce = int(self.w3.eth.get_transaction_count(sender, "pending"))  # type: ignore[arg-type]
                tx.update(self._fees(cached=True))
                tx.update({"gas": gas, "nonce": nonce, "chainId": self.chain_id})
                signed = self.account.sign_transaction(tx)  # type: ignore[union-attr]
                entry = self._entry(tx, "0x" + signed.hash.hex(), "0x" + signed.raw_transaction.hex())
                journal.record(db, entry)
                self._journal_chain(signed.hash, signed.raw_transaction)
            try:
                self._send_in_order(entry.raw)
            except Exception as exc:  # noqa: BLE001
                self._drop_from_chain_journal(signed.hash)
                if attempt == 1 and "nonce too low" in str(exc).lower():
                    journal.finish(sender, nonce)  # the account was used elsewhere: resync, once
                    continue
                self._fill(entry)
                raise self._classify(exc, action) from None
            return bytes(signed.hash), tx
        raise ChainError(f"{action}: the node keeps refusing this account's nonces")  # pragma: no cover

    def _send_in_order(self, raw: str) -> None:
        """Send; a node that queues no future nonces (Hardhat when automining) refuses one that
        overtook the one before it on the way: it is sent again once that one arrived."""
        for _ in range(200):
            try:
                self.w3.eth.send_raw_transaction(HexStr(raw))
                return
            except Exception as exc:
                if "nonce too high" not in str(exc).lower():
                    raise
                time.sleep(0.01)
        self.w3.eth.send_raw_transaction(HexStr(raw))

    def _fill(self, entry: JournalEntry) -> None:
        """A journalled nonce whose transaction the node refused is used by a 0-value transfer to
        the account itself instead, so the nonces after it are not stuck behind a hole."""
        journal = self.journal
        assert journal is not None
        fields: dict[str, Any] = {k: entry.fields[k] for k in ("from", "nonce", "chainId") if k in entry.fields}
        fees = {k: v for k, v in entry.fields.items() if k in ("gasPrice", "maxFeePerGas", "maxPriorityFeePerGas")}
        fields.update({"to": fields["from"], "value": 0, "gas": 21_000, "data": "0x", **fees})
        signed = self.account.sign_transaction(fields)  # type: ignore[union-attr]
        self._journal_chain(signed.hash, signed.raw_transaction)
        filler = self._entry(fields, "0x" + signed.hash.hex(), "0x" + signed.raw_transaction.hex())
        with journal.transaction() as db:  # one change: the nonce is never unaccounted for
            journal.finish(entry.sender, entry.nonce)
            journal.record(db, filler)
        try:
            self._send_in_order(filler.raw)
        except Exception:  # noqa: BLE001, S110 - journalled: check() and recover() re-send it
            pass

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
        pause = 0.05
        while True:
            for tx_hash in reversed(hashes):
                receipt = self._receipt(tx_hash)
                if receipt is not None:
                    journal.finish(sender, nonce)
                    return receipt
            if time.monotonic() > deadline:
                raise ChainError(f"{action}: transaction {first} (nonce {nonce}) was not mined within 120 s")
            if time.monotonic() >= next_check:  # and learn of replacements other processes made
                next_check = time.monotonic() + CHECK_INTERVAL
                self.check(sender, nonce)
                hashes += [e.hash for e in journal.entries(sender, nonce, done=True) if e.hash not in hashes]
            # Polls back off (to 0.5 s): hundreds of waiters polling every 50 ms are most of a busy
            # relayer's calls to the node.
            time.sleep(pause)
            pause = min(pause * 1.5, 0.5)

    def check(self, sender: str, nonce: int) -> str:
        """Look after one journalled nonce: "mined" (forgotten), "dropped" (the nonce was used by
        a transaction not journalled), "rebroadcast" (the node had lost it), "replaced" (stuck
        longer than `stuck_after`: re-sent with the same nonce and ≥ 12.5 % higher fees), "capped"
        (stuck, but a replacement would bid more than MAX_FEE_OVER_MARKET times the market) or "pending"."""
        journal = self.journal
        assert journal is not None
        # Read-only first (no lock held over these calls to the node) ...
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
            lost = False
        except TransactionNotFound:
            lost = True
        if not lost and time.time() - newest.sent_at < self.stuck_after:
            return "pending"
        # ... then act under the file's write lock: one process at a time, on what is still so.
        with journal.transaction():
            now = journal.entries(sender, nonce)
            if not now or now[-1].hash != newest.hash:
                return "pending"  # mined, or another process re-sent or replaced it meanwhile
            if lost:
                self._broadcast(newest.raw)
                return "rebroadcast"
            return "replaced" if self._replace(newest) else "capped"

    def recover(self) -> Counter[str]:
        """Look after every transaction of this account a previous run left in the journal, then
        continue the nonce sequence from the node's count (or after those still in flight). A
        journal of another chain (the genesis block differs: a local node started afresh) is
        forgotten first."""
        journal = self.journal
        if journal is None or self.account is None:
            return Counter()
        outcome: Counter[str] = Counter()
        genesis = "0x" + bytes(self.w3.eth.get_block(0)["hash"]).hex()
        if journal.bind_chain(genesis):
            outcome["other-chain"] += 1  # the node was started afresh: nothing of the journal applies
        nonces = dict.fromkeys(e.nonce for e in journal.entries(self.address))
        outcome.update(self.check(self.address, nonce) for nonce in nonces)
        journal.resync(self.address, int(self.w3.eth.get_transaction_count(self.address, "pending")))  # type: ignore[arg-type]
        return outcome

    def _broadcast(self, raw: str) -> None:
        try:
            self.w3.eth.send_raw_transaction(HexStr(raw))
        except Exception as exc:  # noqa: BLE001 - known already, or used meanwhile: check() sees it next time
            text = str(exc).lower()
            if not any(words in text for words in ("already", "nonce too low", "known")):
                raise self._classify(exc, "re-sending a journalled transaction") from None

    def _replace(self, entry: JournalEntry) -> bool:
        """Re-sign the stuck transaction with its nonce and higher fees (at least the market's);
        False, sending nothing, if those would exceed MAX_FEE_OVER_MARKET times the market's."""
        journal = self.journal
        assert journal is not None
        fields = dict(entry.fields)
        market = self._fees()
        if "gasPrice" in fields:
            price = max(bump(entry.max_fee), market.get("gasPrice", 0))
            if price > _ceiling(market.get("gasPrice", 0)):
                return False
            fields["gasPrice"] = price
        else:
            tip = max(bump(entry.priority_fee), market.get("maxPriorityFeePerGas", 0))
            max_fee = max(bump(entry.max_fee), market.get("maxFeePerGas", 0), tip)
            over = tip > _ceiling(market.get("maxPriorityFeePerGas", 0))
            if over or max_fee > _ceiling(market.get("maxFeePerGas", 0)):
                return False
            fields["maxPriorityFeePerGas"] = tip
            fields["maxFeePerGas"] = max_fee
        signed = self.account.sign_transaction(fields)  # type: ignore[union-attr]
        self._journal_chain(signed.hash, signed.raw_transaction)
        self._drop_from_chain_journal(bytes.fromhex(entry.hash[2:]))  # replaced: never re-sent
        with journal.transaction() as db:
            self._broadcast("0x" + signed.raw_transaction.hex())
            journal.record(db, self._entry(fields, "0x" + signed.hash.hex(), "0x" + signed.raw_transaction.hex()))
        return True

    def _journal_chain(self, tx_hash: bytes, raw: bytes) -> None:
        if self.chain_journal is not None:
            self.chain_journal.record(tx_hash, raw)

    def _drop_from_chain_journal(self, tx_hash: bytes) -> None:
        if self.chain_journal is not None:
            self.chain_journal.drop(tx_hash)

    @property
    def chain_id(self) -> int:
        if self._chain_id is None:
            self._chain_id = int(self.w3.eth.chain_id)
        return self._chain_id

    def _fees(self, *, cached: bool = False) -> dict[str, int]:
        """Fees for a new transaction: twice the latest base fee plus a 1 gwei tip. `cached`: the
        ones worked out in the last second (a busy relayer asks once, not per transaction; twice the
        base fee covers its rise over several blocks)."""
        if cached and self._fee_cache is not None and time.monotonic() - self._fee_cache[0] < FEE_CACHE_S:
            return dict(self._fee_cache[1])
        fees = self._market_fees()
        self._fee_cache = (time.monotonic(), fees)
        return dict(fees)

    def _market_fees(self) -> dict[str, int]:
        block = self.w3.eth.get_block("latest")
        base = int(block.get("baseFeePerGas", 0) or 0)
        tip = 10**9 if base else 0
        if "baseFeePerGas" not in block:
            return {"gasPrice": int(self.w3.eth.gas_price)}
        return {"maxFeePerGas": 2 * base + tip, "maxPriorityFeePerGas": tip}

    def _replay_failure(self, tx: dict[str, Any], receipt: TxReceipt, action: str) -> Exception:
        """Why a mined transaction failed: replayed on the state before its block, then (if that
        passes: a transaction earlier in the same block changed what it read, a front-runner's)
        on the state after it."""
        call = {k: v for k, v in tx.items() if k in ("from", "to", "data", "value")}
        for block in (receipt["blockNumber"] - 1, receipt["blockNumber"]):
            try:
                self.w3.eth.call(call, block)  # type: ignore[arg-type]
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
