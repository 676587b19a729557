"""Terms a relayer prepared requests with but has not stored yet, each under the policy id it will get.

A relayer never stores terms for an unsigned call: `prepare` names the id the terms will get when
stored next, and the relayer stores them when the signed request arrives. Ids are handed out under
one lock: the same terms always get the same pending id, and different terms never share one.
Each prepared request is also bound to the terms it was prepared with (by its signer and nonce),
so a request is never stored with someone else's terms, even when its id was handed out again
(ids left behind by a chain that went back, or evicted): it gets 400 terms-changed instead.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from ..chain.state_file import StateFile
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
    def bind(self, sender: str, nonce: int, policy_id: int, policy_hash: str) -> None: ...
    def bound(self, sender: str, nonce: int) -> tuple[int, str] | None: ...


def reachable(count: int, ahead: list[int]) -> tuple[list[int], list[int]]:
    """The pending ids that follow the `count` stored without a hole (each can still be stored
    in order), and the stale ones after a hole: dropped (evicted) or left by a chain that went
    back (a reorg, a reverted test chain). Stale ids are handed out again."""
    run: list[int] = []
    for policy_id in ahead:
        if policy_id != count + len(run) + 1:
            return run, ahead[len(run) :]
        run.append(policy_id)
    return run, []


class PendingPolicies:
    """Pending ids in this process's memory (one relayer, one process)."""

    def __init__(self, limit: int = MAX_PENDING_POLICIES) -> None:
        self.limit = limit
        self._by_id: dict[int, PendingPolicy] = {}
        self._requests: OrderedDict[tuple[str, int], tuple[int, str]] = OrderedDict()
        self._lock = threading.Lock()

    def reserve(self, terms: Terms, policy_hash: str, count: int) -> int:
        """The id `terms` will get: the one already pending for them, else the next one after the
        `count` stored and every id pending for other terms."""
        with self._lock:
            run, stale = reachable(count, sorted(i for i in self._by_id if i > count))
            for policy_id in stale:
                del self._by_id[policy_id]
            for policy_id in run:
                if self._by_id[policy_id].policy_hash == policy_hash:
                    return policy_id
            policy_id = count + len(run) + 1
            self._by_id[policy_id] = PendingPolicy(policy_id, policy_hash, terms, time.time())
            while len(self._by_id) > self.limit:
                del self._by_id[min(self._by_id.values(), key=lambda p: p.prepared_at).policy_id]
            return policy_id

    def get(self, policy_id: int) -> PendingPolicy | None:
        with self._lock:
            return self._by_id.get(policy_id)

    def bind(self, sender: str, nonce: int, policy_id: int, policy_hash: str) -> None:
        """The request of `sender` with `nonce` was prepared with these terms under this id."""
        with self._lock:
            self._requests[(sender.lower(), nonce)] = (policy_id, policy_hash)
            self._requests.move_to_end((sender.lower(), nonce))
            while len(self._requests) > self.limit * 100:
                self._requests.popitem(last=False)

    def bound(self, sender: str, nonce: int) -> tuple[int, str] | None:
        with self._lock:
            return self._requests.get((sender.lower(), nonce))


PENDING_SCHEMA = """
CREATE TABLE IF NOT EXISTS pending_policies (
    policy_id INTEGER PRIMARY KEY, policy_hash TEXT NOT NULL, terms TEXT NOT NULL, prepared_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS pending_requests (
    sender TEXT NOT NULL, nonce INTEGER NOT NULL, policy_id INTEGER NOT NULL, policy_hash TEXT NOT NULL,
    prepared_at REAL NOT NULL, PRIMARY KEY (sender, nonce)
)
"""
# A prepared request is valid at most a day (the longest RELAY_TTL): its binding is kept that long.
REQUEST_KEPT = 86_400.0
# How often bindings older than that are deleted.
PRUNE_EVERY = 60.0


class SharedPendingPolicies(StateFile):
    """Pending ids in the relayer's state file: the same ids for every gateway worker (a request
    prepared by one worker is stored by whichever worker it is sent to), one reservation at a time."""

    def __init__(self, path: str | Path, limit: int = MAX_PENDING_POLICIES) -> None:
        super().__init__(path, PENDING_SCHEMA)
        self.limit = limit
        self._pruned = 0.0

    def reserve(self, terms: Terms, policy_hash: str, count: int) -> int:
        # Read first: terms pending already under a reachable id (every request prepared with
        # them after the first) need no write lock.
        ahead = dict(self.read("SELECT policy_id, policy_hash FROM pending_policies WHERE policy_id > ?", (count,)))
        run, _ = reachable(count, sorted(int(i) for i in ahead))
        for policy_id in run:
            if ahead[policy_id] == policy_hash:
                return int(policy_id)
        with self.transaction() as db:
            ahead = dict(
                db.execute(
                    "SELECT policy_id, policy_hash FROM pending_policies WHERE policy_id > ?", (count,)
                ).fetchall()
            )
            run, stale = reachable(count, sorted(int(i) for i in ahead))
            db.executemany("DELETE FROM pending_policies WHERE policy_id = ?", [(i,) for i in stale])
            for policy_id in run:
                if ahead[policy_id] == policy_hash:
                    return policy_id
            policy_id = count + len(run) + 1
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

    def bind(self, sender: str, nonce: int, policy_id: int, policy_hash: str) -> None:
        now = time.time()
        with self.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO pending_requests VALUES (?, ?, ?, ?, ?)",
                (sender.lower(), nonce, policy_id, policy_hash, now),
            )
            if now - self._pruned > PRUNE_EVERY:  # a scan of the table: not on every request
                self._pruned = now
                db.execute("DELETE FROM pending_requests WHERE prepared_at < ?", (now - REQUEST_KEPT,))

    def bound(self, sender: str, nonce: int) -> tuple[int, str] | None:
        rows = self.read(
            "SELECT policy_id, policy_hash FROM pending_requests WHERE sender = ? AND nonce = ?",
            (sender.lower(), nonce),
        )
        return (int(rows[0][0]), str(rows[0][1])) if rows else None


__all__ = [
    "MAX_PENDING_POLICIES",
    "PendingPolicies",
    "PendingPolicy",
    "PendingPolicyStore",
    "SharedPendingPolicies",
    "reachable",
]
