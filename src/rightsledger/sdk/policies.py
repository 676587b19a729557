"""Policies: reusable sets of terms on the PolicyRegistry, de-duplicated by hash, ids from 1."""

from __future__ import annotations

from eth_abi.abi import encode as abi_encode
from eth_utils.crypto import keccak
from web3.logs import DISCARD

from ..chain.module import ChainContext, ContractModule
from ..errors import ChainError
from ..terms import Terms
from ..vocabulary import PolicyId

POLICY_ABI_TYPE = "((uint8,uint40,uint40,uint96,uint8,uint16)[7],uint40)"


class Policies(ContractModule):
    """The PolicyRegistry: find, store and read terms as policies (reads are cached: policies never change)."""

    contract_name = "PolicyRegistry"

    def __init__(self, ctx: ChainContext) -> None:
        super().__init__(ctx)
        self._cache: dict[int, Terms] = {}

    @staticmethod
    def policy_hash(terms: Terms) -> str:
        return "0x" + keccak(abi_encode([POLICY_ABI_TYPE], [terms.as_policy()])).hex()

    def find(self, terms: Terms) -> PolicyId | None:
        """The id of an existing policy equal to `terms`, or None."""
        policy_id = int(self.call(self.functions.policyIdOf(self.policy_hash(terms)), "finding a policy"))
        return PolicyId(policy_id) if policy_id else None

    def ensure(self, terms: Terms) -> PolicyId:
        """The id of `terms` as a policy, storing it first if no identical policy exists.

        Safe under concurrency: when another client stores the same terms first, the registry
        emits no new policy for ours, and the id is read back by hash.
        """
        if not terms.rules and terms.expires is None:
            return PolicyId(0)
        existing = self.find(terms)
        if existing is not None:
            return existing
        receipt = self.send(self.functions.registerPolicy(terms.as_policy()), "creating a policy")
        events = self.events.PolicyRegistered().process_receipt(receipt, errors=DISCARD)
        if events:
            return PolicyId(int(events[0]["args"]["policyId"]))
        stored = self.find(terms)
        if stored is None:  # pragma: no cover - the registry stored it or reverted
            raise ChainError("creating a policy: the transaction succeeded but the policy is not stored")
        return stored

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


__all__ = ["POLICY_ABI_TYPE", "Policies"]
