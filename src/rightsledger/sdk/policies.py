"""Policies: reusable sets of terms on the PolicyRegistry, de-duplicated by hash, ids from 1."""

from __future__ import annotations

import threading
from functools import lru_cache

from eth_abi.abi import encode as abi_encode
from eth_utils.crypto import keccak

from ..chain.module import ChainContext, ContractModule
from ..errors import ChainError
from ..terms import Terms
from ..vocabulary import PolicyId

POLICY_ABI_TYPE = "((uint8,uint40,uint40,uint96,uint8,uint16)[7],uint40)"
# Hand-encoded reads (a relayer makes them for every request).
POLICY_ID_OF = bytes(keccak(text="policyIdOf(bytes32)")[:4])
POLICY_COUNT = bytes(keccak(text="policyCount()")[:4])

# One creation at a time per terms hash, across every client of this process: the same terms are
# stored once, and a creation for other terms never waits on them (striped: bounded memory).
_CREATION_LOCKS = tuple(threading.Lock() for _ in range(64))


@lru_cache(maxsize=1024)
def _policy_hash(terms_json: str) -> str:
    """The registry's hash of the terms (their ABI encoding is about a millisecond: a relayer asks
    for the same few terms on every request)."""
    terms = Terms.model_validate_json(terms_json)
    return "0x" + keccak(abi_encode([POLICY_ABI_TYPE], [terms.as_policy()])).hex()


def creation_lock(policy_hash: str) -> threading.Lock:
    """The lock held while the terms of `policy_hash` are being stored."""
    return _CREATION_LOCKS[int(policy_hash[-4:], 16) % len(_CREATION_LOCKS)]


class Policies(ContractModule):
    """The PolicyRegistry: find, store and read terms as policies (reads are cached: policies never change)."""

    contract_name = "PolicyRegistry"

    def __init__(self, ctx: ChainContext) -> None:
        super().__init__(ctx)
        self._cache: dict[int, Terms] = {}

    @staticmethod
    def policy_hash(terms: Terms) -> str:
        return _policy_hash(terms.model_dump_json())

    def find(self, terms: Terms) -> PolicyId | None:
        """The id of an existing policy equal to `terms`, or None."""
        data = POLICY_ID_OF + bytes.fromhex(self.policy_hash(terms)[2:])
        policy_id = int.from_bytes(self.ctx.raw_call(self.address, data, "latest", "finding a policy")[:32], "big")
        return PolicyId(policy_id) if policy_id else None

    def ensure(self, terms: Terms) -> PolicyId:
        """The id of `terms` as a policy, storing it first if no identical policy exists.

        Idempotent: one creation at a time per terms hash (in this process), and the id is always
        read back by hash from the registry (which stores equal terms once), never taken from an
        event — so a client that loses a race to store the same terms gets the same id.
        """
        if not terms.rules and terms.expires is None:
            return PolicyId(0)
        with creation_lock(self.policy_hash(terms)):
            existing = self.find(terms)
            if existing is not None:
                return existing
            self.send(self.functions.registerPolicy(terms.as_policy()), "creating a policy")
            stored = self.find(terms)
        if stored is None:  # pragma: no cover - the registry stored it or reverted
            raise ChainError("creating a policy: the transaction succeeded but the policy is not stored")
        return stored

    def count(self) -> int:
        """How many policies are stored (ids 1..count)."""
        return int.from_bytes(self.ctx.raw_call(self.address, POLICY_COUNT, "latest", "counting policies")[:32], "big")

    def policy(self, policy_id: int) -> Terms:
        """The terms of policy `policy_id` (0: the empty policy, every use denied)."""
        if policy_id == 0:
            return Terms()
        if policy_id not in self._cache:
            raw = self.call(self.functions.policyOf(policy_id), f"reading policy {policy_id}")
            self._cache[policy_id] = Terms.from_policy(raw)
        return self._cache[policy_id]

    def policy_id(self, terms: Terms | int | None) -> PolicyId:
        """A policy id from Terms (stored if new), an id, or None (the empty policy 0)."""
        if terms is None:
            return PolicyId(0)
        if isinstance(terms, Terms):
            return self.ensure(terms)
        return PolicyId(int(terms))


__all__ = ["POLICY_ABI_TYPE", "Policies", "creation_lock"]
