"""The relayer's gas budgets: gas reserved in the last hour, per signer and in all. A request that
would pass a budget is refused before anything is sent (400 gas-budget-exceeded)."""

from __future__ import annotations

import threading
import time
from collections import deque
from pathlib import Path

from ..chain.state_file import StateFile
from ..errors import RelayError

BUDGET_WINDOW = 3_600


def _refuse(signer: str, mine: int, everyone: int, gas: int, per_signer: int, total: int) -> None:
    if mine + gas > per_signer:
        raise RelayError(
            f"{signer} has used {mine:,} of its {per_signer:,} relayed gas this hour; "
            "try later or send the transaction yourself",
            code="gas-budget-exceeded",
        )
    if everyone + gas > total:
        raise RelayError(
            f"this relayer has spent its {total:,} gas for this hour; try later or send the transaction yourself",
            code="gas-budget-exceeded",
        )


class GasBudget:
    """Gas spent in the last `window` seconds, per signer and in all; a request that would pass a
    budget is refused before anything is sent."""

    def __init__(self, per_signer: int, total: int, window: int = BUDGET_WINDOW) -> None:
        self.per_signer = per_signer
        self.total = total
        self.window = window
        self._spent: deque[tuple[float, str, int]] = deque()
        # Running totals of what `_spent` holds: a check costs no walk over the hour's requests.
        self._by_signer: dict[str, int] = {}
        self._total = 0
        self._lock = threading.Lock()

    def _trim(self, now: float) -> None:
        while self._spent and self._spent[0][0] <= now - self.window:
            _, who, gas = self._spent.popleft()
            self._total -= gas
            left = self._by_signer[who] - gas
            if left:
                self._by_signer[who] = left
            else:
                del self._by_signer[who]

    def spent(self, signer: str | None = None) -> int:
        with self._lock:
            self._trim(time.monotonic())
            return self._total if signer is None else self._by_signer.get(signer.lower(), 0)

    def reserve(self, signer: str, gas: int) -> None:
        """Count `gas` against both budgets, or raise RelayError (code gas-budget-exceeded)."""
        with self._lock:
            self._reserve(signer.lower(), gas, time.monotonic())

    def _reserve(self, signer: str, gas: int, now: float) -> None:
        self._trim(now)
        mine = self._by_signer.get(signer, 0)
        _refuse(signer, mine, self._total, gas, self.per_signer, self.total)
        self._spent.append((now, signer, gas))
        self._by_signer[signer] = mine + gas
        self._total += gas


BUDGET_SCHEMA = """
CREATE TABLE IF NOT EXISTS relayer_gas (
    minute INTEGER NOT NULL, signer TEXT NOT NULL, gas INTEGER NOT NULL, PRIMARY KEY (minute, signer)
)
"""
# The row that counts everyone's gas, next to each signer's.
EVERYONE = "*"


class SharedGasBudget(StateFile):
    """The same budgets in the relayer's state file, for every gateway worker (a budget is the
    relayer's, not each worker's): gas counted per minute, the window the last `window` seconds'
    minutes."""

    def __init__(self, path: str | Path, per_signer: int, total: int, window: int = BUDGET_WINDOW) -> None:
        super().__init__(path, BUDGET_SCHEMA)
        self.per_signer = per_signer
        self.total = total
        self.window = window

    def _sum(self, signer: str, since: int) -> int:
        rows = self.read(
            "SELECT COALESCE(SUM(gas), 0) FROM relayer_gas WHERE signer = ? AND minute > ?", (signer, since)
        )
        return int(rows[0][0])

    def spent(self, signer: str | None = None) -> int:
        since = int(time.time()) // 60 - self.window // 60
        return self._sum(EVERYONE if signer is None else signer.lower(), since)

    def reserve(self, signer: str, gas: int) -> None:
        signer = signer.lower()
        minute = int(time.time()) // 60
        since = minute - self.window // 60
        with self.transaction() as db:
            mine = self._sum(signer, since)
            _refuse(signer, mine, self._sum(EVERYONE, since), gas, self.per_signer, self.total)
            for who in (signer, EVERYONE):
                db.execute(
                    "INSERT INTO relayer_gas VALUES (?, ?, ?) "
                    "ON CONFLICT (minute, signer) DO UPDATE SET gas = gas + excluded.gas",
                    (minute, who, gas),
                )
            db.execute("DELETE FROM relayer_gas WHERE minute <= ?", (since - 1,))


__all__ = ["BUDGET_WINDOW", "GasBudget", "SharedGasBudget"]
