"""Terms a relayer prepared requests with but has not stored yet, each under the policy id it will get.

A relayer never stores terms for an unsigned call: `prepare` names the id the terms will get when
stored next, and the relayer stores them when the signed request arrives. Ids are handed out under
one lock: the same terms always get the same pending id, and different terms never share one (a
request is never signed over an id that then stores someone else's terms).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from ..chain.journal import StateFile
from ..terms import Terms

# Terms prepared but not yet stored, per relayer: the newest kept, so preparing costs memory, not gas.
MAX_PENDING_POLICIES = 1_000


@dataclass(frozen=True)
class PendingPolicy:
    policy_id: int
    policy_hash: str
    terms: Terms
    prepared_at: float


class PendingPolicyStore(Protocol):
    """Where pending ids live: this process's memory, or a state file shared by gateway workers."""

    def reserve(self, terms: Terms, policy_hash: str, count: int) -> int: ...
    def get(self, policy_id: int) -> PendingPolicy | None: ...


class PendingPolicies:
    """Pending ids in this process's memory (one relayer, one process)."""

    def __init__(self, limit: int = MAX_PENDING_POLICIES) -> None:
        self.limit = limit
        self._by_id: dict[int, PendingPolicy] = {}
        self._lock = threading.Lock()

    def reserve(self, terms: Terms, policy_hash: str, count: int) -> int:
        """The id `terms` will get: the one already pending for them, else the next one after the
        `count` stored and every id pending for other terms."""
        with self._lock:
            ahead = [p for p in self._by_id.values() if p.policy_id > count]
            for pending in ahead:
                if pending.policy_hash == policy_hash:
                    return pending.policy_id
            policy_id = max([count, *(p.policy_id for p in ahead)]) + 1
            self._by_id[policy_id] = PendingPolicy(policy_id, policy_hash, terms, time.time())
            while len(self._by_id) > self.limit:
                del self._by_id[min(self._by_id.values(), key=lambda p: p.prepared_at).policy_id]
            return policy_id

    def get(self, policy_id: int) -> PendingPolicy | None:
        with self._lock:
            return self._by_id.get(policy_id)


PENDING_SCHEMA = """
CREATE TABLE IF NOT EXISTS pending_policies (
    policy_id INTEGER PRIMARY KEY, policy_hash TEXT NOT NULL, terms TEXT NOT NULL, prepared_at REAL NOT NULL
)
"""


class SharedPendingPolicies(StateFile):
    """Pending ids in the relayer's state file: the same ids for every gateway worker (a request
    prepared by one worker is stored by whichever worker it is sent to), one reservation at a time."""

    def __init__(self, path: str | Path, limit: int = MAX_PENDING_POLICIES) -> None:
        super().__init__(path, PENDING_SCHEMA)
        self.limit = limit

    def reserve(self, terms: Terms, policy_hash: str, count: int) -> int:
        with self.transaction() as db:
            ahead = db.execute(
                "SELECT policy_id, policy_hash FROM pending_policies WHERE policy_id > ?", (count,)
            ).fetchall()
            for policy_id, pending_hash in ahead:
                if pending_hash == policy_hash:
                    return int(policy_id)
            policy_id = max([count, *(int(i) for i, _ in ahead)]) + 1
            db.execute(
                "INSERT OR REPLACE INTO pending_policies VALUES (?, ?, ?, ?)",
                (policy_id, policy_hash, terms.model_dump_json(), time.time()),
            )
            db.execute(
                "DELETE FROM pending_policies WHERE policy_id NOT IN "
                "(SELECT policy_id FROM pending_policies ORDER BY prepared_at DESC LIMIT ?)",
                (self.limit,),
            )
            return policy_id

    def get(self, policy_id: int) -> PendingPolicy | None:
        rows = self.read("SELECT * FROM pending_policies WHERE policy_id = ?", (policy_id,))
        if not rows:
            return None
        row = rows[0]
        return PendingPolicy(int(row[0]), str(row[1]), Terms.model_validate_json(row[2]), float(row[3]))


__all__ = ["MAX_PENDING_POLICIES", "PendingPolicies", "PendingPolicy", "PendingPolicyStore", "SharedPendingPolicies"]
