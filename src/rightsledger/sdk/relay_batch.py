"""Concurrently relayed requests go out together: one `Forwarder.executeBatch` transaction for the
requests checked and simulated within a short window (`window` seconds after the first, at most
`max_requests`, and under the transaction gas cap), each caller still getting its own answer.

The batch names the relayer as `refundReceiver`, so it is not atomic: a request the forwarder would
refuse by the time it is mined (its nonce used meanwhile, its deadline passed) is skipped, and one
whose call reverts (another signer's request in the same batch registered the work first) uses its
nonce and its own gas limit at most, with `ExecutedForwardRequest(signer, nonce, success=false)`;
neither sinks the others. Each request's own events are the logs its call emitted: those between
the previous request's `ExecutedForwardRequest` and its own.

Batches are sent one after another by one thread (the relayer's nonces stay in order); their
receipts are waited for in parallel, so a new batch goes out while earlier ones are being mined.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from eth_utils.address import to_checksum_address
from web3.contract import Contract
from web3.logs import DISCARD
from web3.types import TxReceipt

from ..chain.transactions import TX_GAS_CAP, Transactor
from .forwarding import SignedForwardRequest, execute_batch_data

# The transaction's own gas and executeBatch's loop and array decoding, beside each request's.
BATCH_BASE_GAS = 50_000
BATCH_WINDOW = 0.05
MAX_BATCH = 64


@dataclass(frozen=True)
class BatchOutcome:
    """What became of one request of a mined batch. `executed`: the forwarder ran it (False: it was
    skipped, its nonce used or its deadline passed meanwhile); `success`: its call did not revert;
    `logs`: the log indexes of its own events, (after, before) exclusive."""

    receipt: TxReceipt
    executed: bool
    success: bool
    logs: tuple[int, int]
    batch_size: int


@dataclass
class _Queued:
    signed: SignedForwardRequest
    gas: int
    action: str
    done: threading.Event = field(default_factory=threading.Event)
    outcome: BatchOutcome | None = None
    error: BaseException | None = None


class BatchSender:
    """Sends queued forward requests in `executeBatch` transactions of the relayer's account."""

    def __init__(
        self,
        transactor: Transactor,
        forwarder: Contract,
        refund_to: str,
        *,
        window: float = BATCH_WINDOW,
        max_requests: int = MAX_BATCH,
        finished: Callable[[list[SignedForwardRequest]], None] | None = None,
    ) -> None:
        """`finished` is called with a batch's requests once it is mined or failed, before their
        callers are answered (the relayer lets go of their nonce claims there, in one go)."""
        self.finished = finished
        self.transactor = transactor
        self.forwarder = forwarder
        self.refund_to = to_checksum_address(refund_to)
        self.window = window
        self.max_requests = max_requests
        self._queue: deque[_Queued] = deque()
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None

    def send(self, signed: SignedForwardRequest, gas: int, *, action: str) -> BatchOutcome:
        """Queue a checked, simulated request (`gas`: what it may use of the transaction); its
        outcome once its batch is mined, or the error that stopped the batch."""
        item = _Queued(signed, gas, action)
        with self._cond:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="relay-batches", daemon=True)
                self._thread.start()
            self._queue.append(item)
            self._cond.notify_all()
        item.done.wait()
        if item.error is not None:
            raise item.error
        assert item.outcome is not None
        return item.outcome

    def _run(self) -> None:
        while True:
            batch = self._collect()
            try:
                tx_hash, sent = self._submit(batch)
            except BaseException as exc:  # noqa: BLE001 - every caller gets the reason
                self._fail(batch, exc)
                continue
            threading.Thread(target=self._wait, args=(batch, tx_hash, sent), daemon=True).start()

    def _collect(self) -> list[_Queued]:
        """The next batch: what is queued `window` seconds after the first (sooner when full)."""
        with self._cond:
            while not self._queue:
                self._cond.wait()
            until = time.monotonic() + self.window
            while len(self._queue) < self.max_requests and (left := until - time.monotonic()) > 0:
                self._cond.wait(left)
            batch: list[_Queued] = []
            gas = BATCH_BASE_GAS
            while self._queue and len(batch) < self.max_requests:
                if batch and gas + self._queue[0].gas > TX_GAS_CAP:
                    break
                item = self._queue.popleft()
                batch.append(item)
                gas += item.gas
            return batch

    def _submit(self, batch: list[_Queued]) -> tuple[bytes, dict[str, Any]]:
        data = execute_batch_data([item.signed for item in batch], self.refund_to)
        outer = {"to": self.forwarder.address, "data": data, "value": 0}
        gas = min(BATCH_BASE_GAS + sum(item.gas for item in batch), TX_GAS_CAP)
        actions = sorted({item.action for item in batch})
        what = f"relaying {', '.join(actions)}" + (f" (a batch of {len(batch)})" if len(batch) > 1 else "")
        return self.transactor.submit(outer, action=what, gas=gas)

    def _wait(self, batch: list[_Queued], tx_hash: bytes, sent: dict[str, Any]) -> None:
        try:
            receipt = self.transactor.wait(tx_hash, sent, action=f"relaying a batch of {len(batch)}")
            outcomes = self.outcomes(receipt, [item.signed for item in batch])
        except BaseException as exc:  # noqa: BLE001 - every caller gets the reason
            self._fail(batch, exc)
            return
        self._finish(batch)
        for item, outcome in zip(batch, outcomes, strict=True):
            item.outcome = outcome
            item.done.set()

    def _finish(self, batch: list[_Queued]) -> None:
        if self.finished is not None:
            try:
                self.finished([item.signed for item in batch])
            except Exception:  # noqa: BLE001, S110 - claims also lapse once their nonces are used
                pass

    def outcomes(self, receipt: TxReceipt, requests: list[SignedForwardRequest]) -> list[BatchOutcome]:
        """Each request's outcome from the batch's receipt (its `ExecutedForwardRequest` events)."""
        forwarder = str(self.forwarder.address).lower()
        executed: dict[tuple[str, int], tuple[int, bool]] = {}
        for event in self.forwarder.events.ExecutedForwardRequest().process_receipt(receipt, errors=DISCARD):
            if str(event["address"]).lower() == forwarder:
                args = event["args"]
                key = (str(args["signer"]).lower(), int(args["nonce"]))
                executed[key] = (int(event["logIndex"]), bool(args["success"]))
        marks = sorted(index for index, _ in executed.values())
        found: list[BatchOutcome] = []
        for signed in requests:
            at = executed.get((signed.request.sender.lower(), signed.request.nonce))
            if at is None:
                found.append(BatchOutcome(receipt, False, False, (0, 0), len(requests)))
                continue
            before = [m for m in marks if m < at[0]]
            found.append(BatchOutcome(receipt, True, at[1], (before[-1] if before else -1, at[0]), len(requests)))
        return found

    def _fail(self, batch: list[_Queued], exc: BaseException) -> None:
        self._finish(batch)
        for item in batch:
            item.error = exc
            item.done.set()


__all__ = ["BATCH_WINDOW", "MAX_BATCH", "BatchOutcome", "BatchSender"]
