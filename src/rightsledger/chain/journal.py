"""The write-ahead journal of the local chain: every signed transaction rightsledger sends to the
home's own anvil is appended (and fsync'd) to `<home>/chain/journal.jsonl` before it is sent.

anvil writes its state to disk only every few seconds, so a `kill -9` loses the last blocks. On the
next `chain start`, anvil loads its saved state and then `replay` re-sends, in journal order, every
journaled transaction the restarted chain does not have: the same signed bytes, so the same
transaction hashes the CLI printed exist again. A clean `chain stop` (state saved) clears the journal.

One line per event, JSON: `{"tx": HASH, "raw": RAW}` when a transaction is about to be sent, and
`{"drop": HASH}` when the node refused it (so it is never re-sent). A torn last line (the writer
was killed mid-write) is ignored.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from web3 import Web3
from web3.exceptions import TimeExhausted

JOURNAL_NAME = "journal.jsonl"


@dataclass(frozen=True)
class Journal:
    """An append-only file of signed raw transactions, shared by every process of one home."""

    path: Path

    def record(self, tx_hash: bytes, raw: bytes) -> None:
        """Append a transaction about to be sent, durably (one fsync)."""
        self._append({"tx": "0x" + bytes(tx_hash).hex(), "raw": "0x" + bytes(raw).hex()})

    def drop(self, tx_hash: bytes) -> None:
        """The node refused this transaction: it must never be re-sent."""
        self._append({"drop": "0x" + bytes(tx_hash).hex()})

    def _append(self, entry: dict[str, str]) -> None:
        line = (json.dumps(entry, separators=(",", ":")) + "\n").encode()
        # O_APPEND: one write per line lands whole at the end, even with several writing processes.
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)

    def entries(self) -> list[tuple[str, str]]:
        """The journaled transactions (hash, raw), in the order they were sent, without refused ones."""
        try:
            text = self.path.read_text(errors="replace")
        except FileNotFoundError:
            return []
        sent: dict[str, str] = {}
        dropped: set[str] = set()
        for line in text.splitlines():
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                continue  # a line torn by a killed writer
            if not isinstance(entry, dict):
                continue
            if isinstance(entry.get("drop"), str):
                dropped.add(entry["drop"])
            elif isinstance(entry.get("tx"), str) and isinstance(entry.get("raw"), str):
                sent.setdefault(entry["tx"], entry["raw"])
        return [(h, raw) for h, raw in sent.items() if h not in dropped]

    def clear(self) -> None:
        """Empty the journal in place (writers holding it open keep appending to the same file)."""
        if self.path.exists():
            with self.path.open("r+b") as f:
                f.truncate(0)
                os.fsync(f.fileno())


@dataclass
class Replay:
    """What `replay` did: how many journaled transactions there were, how many the restarted chain
    already had (from its saved state), how many were re-sent, and the ones the node refused."""

    journaled: int = 0
    present: int = 0
    resent: int = 0
    refused: list[str] = field(default_factory=list)

    def summary(self) -> str:
        line = f"re-sent {self.resent} journaled transaction(s)"
        if self.present:
            line += f" ({self.present} more were in the saved state)"
        if self.refused:
            line += f"; the node refused {len(self.refused)}: {'; '.join(self.refused[:3])}"
        return line


def replay(w3: Web3, journal: Journal) -> Replay:
    """Re-send, in order, the journaled transactions the chain does not have; wait until each is mined.

    Block numbers and timestamps of re-sent transactions are those of the restarted chain, not the
    original ones; their hashes, senders, nonces and order are the same."""
    entries = journal.entries()
    result = Replay(journaled=len(entries))
    pending: list[str] = []
    for tx_hash, raw in entries:
        found = w3.provider.make_request("eth_getTransactionByHash", [tx_hash])  # type: ignore[arg-type]
        if found.get("result"):
            result.present += 1
            continue
        answer = w3.provider.make_request("eth_sendRawTransaction", [raw])  # type: ignore[arg-type]
        if "error" in answer:
            message = str(answer["error"].get("message", answer["error"]))
            result.refused.append(f"{tx_hash[:10]}… {message}")
            journal.drop(bytes.fromhex(tx_hash[2:]))
            continue
        result.resent += 1
        pending.append(tx_hash)
    for tx_hash in pending:
        # anvil mines on arrival; a transaction queued behind a nonce gap is mined once the gap fills.
        try:
            w3.eth.wait_for_transaction_receipt(tx_hash, timeout=30, poll_latency=0.05)  # type: ignore[arg-type]
        except TimeExhausted:
            result.resent -= 1
            result.refused.append(f"{tx_hash[:10]}… was not mined within 30 s (a nonce gap?)")
    return result


__all__ = ["JOURNAL_NAME", "Journal", "Replay", "replay"]
