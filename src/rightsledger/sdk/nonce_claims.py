"""Which signer nonces the relayer is relaying now. A request's (signer, forwarder nonce) is claimed
before it is simulated and held until its transaction is mined (or refused): a second request of
the signer meanwhile — the same nonce again or the next one, built on a request the chain has not
seen yet — is refused with 409 before any gas is spent. In this process's memory, or in the
relayer's state file, where the claim is one `BEGIN IMMEDIATE` transaction seen by every gateway
worker (two workers never relay one signer nonce at once)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from pathlib import Path

from ..chain.state_file import StateFile
from ..chain.transactions import RECEIPT_TIMEOUT
from ..errors import RelayError

# A claim left by a worker that died mid-flight stops blocking its signer after this long (the
# longest a relayer waits for a receipt, twice over).
CLAIM_KEPT = 2 * RECEIPT_TIMEOUT + 60


def _refuse(sender: str, nonce: int, onchain: int, in_flight: list[int]) -> None:
    """Raise the reason `nonce` of `sender` cannot be claimed, if there is one."""
    if nonce < onchain:
        raise RelayError(
            f"nonce {nonce} of {sender} is used already: the request was relayed before (a replay); sign a new one",
            code="nonce-used",
        )
    if in_flight:
        # The forwarder checks the nonce on chain: a request built on one still in flight cannot
        # be simulated, and the same nonce twice would revert on chain at the relayer's cost.
        raise RelayError(
            f"a request of {sender} (nonce {min(in_flight)}) is being relayed now; "
            "send the next one once it is mined",
            code="request-in-flight",
        )
    if nonce != onchain:
        raise RelayError(f"nonce {nonce} skips ahead: {sender}'s next nonce is {onchain}", code="nonce-too-high")


class NonceClaims:
    """Claims in this process's memory (one relayer process)."""

    def __init__(self) -> None:
        self._claims: dict[str, dict[int, float]] = {}
        self._lock = threading.Lock()

    def claim(self, sender: str, nonce: int, onchain: int) -> None:
        """Claim `nonce` of `sender` (whose next unused nonce on chain is `onchain`), or raise
        RelayError: nonce-used, request-in-flight, nonce-too-high."""
        key = sender.lower()
        now = time.monotonic()
        with self._lock:
            mine = self._claims.setdefault(key, {})
            for old in [n for n, at in mine.items() if n < onchain or at < now - CLAIM_KEPT]:
                del mine[old]
            _refuse(sender, nonce, onchain, list(mine))
            mine[nonce] = now

    def release(self, claims: Iterable[tuple[str, int]]) -> None:
        """Let go of these (signer, nonce) claims (their requests are mined or refused)."""
        with self._lock:
            for sender, nonce in claims:
                mine = self._claims.get(sender.lower(), {})
                mine.pop(nonce, None)
                if not mine:
                    self._claims.pop(sender.lower(), None)

    def next_nonce(self, sender: str, onchain: int) -> int:
        """The nonce accepted next from `sender`: after the chain's and any claimed."""
        with self._lock:
            claimed = [n for n in self._claims.get(sender.lower(), {}) if n >= onchain]
        return max([onchain, *(n + 1 for n in claimed)])


CLAIMS_SCHEMA = """
CREATE TABLE IF NOT EXISTS relayer_claims (
    sender TEXT NOT NULL, nonce INTEGER NOT NULL, claimed_at REAL NOT NULL, PRIMARY KEY (sender, nonce)
)
"""


class SharedNonceClaims(StateFile):
    """The same claims in the relayer's state file, for every gateway worker."""

    def __init__(self, path: str | Path) -> None:
        super().__init__(path, CLAIMS_SCHEMA)

    def claim(self, sender: str, nonce: int, onchain: int) -> None:
        key = sender.lower()
        now = time.time()
        with self.transaction() as db:
            db.execute(
                "DELETE FROM relayer_claims WHERE sender = ? AND (nonce < ? OR claimed_at < ?)",
                (key, onchain, now - CLAIM_KEPT),
            )
            in_flight = [int(n) for (n,) in db.execute("SELECT nonce FROM relayer_claims WHERE sender = ?", (key,))]
            _refuse(sender, nonce, onchain, in_flight)
            db.execute("INSERT INTO relayer_claims VALUES (?, ?, ?)", (key, nonce, now))

    def release(self, claims: Iterable[tuple[str, int]]) -> None:
        """Let go of these claims, in one transaction (a batch's, once it is mined)."""
        with self.transaction() as db:
            db.executemany(
                "DELETE FROM relayer_claims WHERE sender = ? AND nonce = ?", [(s.lower(), n) for s, n in claims]
            )

    def next_nonce(self, sender: str, onchain: int) -> int:
        rows = self.read(
            "SELECT MAX(nonce) FROM relayer_claims WHERE sender = ? AND nonce >= ? AND claimed_at >= ?",
            (sender.lower(), onchain, time.time() - CLAIM_KEPT),
        )
        return onchain if rows[0][0] is None else max(onchain, int(rows[0][0]) + 1)


__all__ = ["CLAIM_KEPT", "NonceClaims", "SharedNonceClaims"]
