"""Offline decisions (decision.py, and snapshots built from the registry's state) give exactly the
answers of the contract's `checkBatch`, for random terms, opt-outs, disputes, licences, uses and times."""

from __future__ import annotations

import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from web3 import Web3

from rightsledger import Mode, NotFoundError, Reason, RightsLedger, Rule, Status, Terms, Use
from rightsledger.chain import dev_account
from rightsledger.decision import MAX_UINT40, LicenceColumns, PolicyTable, WorkColumns, address_bytes, decide_many
from rightsledger.workflows.snapshot import (
    LicenceRow,
    PolicyRow,
    SnapshotMeta,
    WorkRow,
    check_snapshot,
    read_snapshot,
    write_snapshot,
)

pytestmark = pytest.mark.chain

WORKS = 50
OFFSETS = [-1000, -100, -1, 0, 1, 100, 1000]


@st.composite
def rules(draw: st.DrawFn) -> tuple[int, int | None, int | None]:
    mode = draw(st.sampled_from([0, 1, 2]))
    if mode == 0:
        return (0, None, None)
    start = draw(st.none() | st.sampled_from(OFFSETS))
    end = draw(st.none() | st.sampled_from(OFFSETS))
    if start is not None and end is not None and end <= start:
        end = None
    return (mode, start, end)


@dataclass
class Plan:
    policies: list[tuple[list[tuple[int, int | None, int | None]], int | None]]
    policy_of: list[int]  # per work: index into policies, or -1 for no terms
    grants: list[list[tuple[int, int, int, int]]]  # rounds of (work, use, licensee 0/1, duration)
    pause: int
    opt_outs: list[tuple[int, int]]  # (work, mask)
    disputed: list[int]


@st.composite
def plans(draw: st.DrawFn) -> Plan:
    n_policies = draw(st.integers(1, 3))
    policies = [
        (draw(st.lists(rules(), min_size=7, max_size=7)), draw(st.none() | st.sampled_from(OFFSETS)))
        for _ in range(n_policies)
    ]
    policy_of = draw(st.lists(st.integers(-1, n_policies - 1), min_size=WORKS, max_size=WORKS))
    grant = st.tuples(st.integers(0, WORKS - 1), st.integers(0, 6), st.integers(0, 1), st.integers(60, 900))
    grants = [draw(st.lists(grant, max_size=4)), draw(st.lists(grant, max_size=3))]
    opt_outs = draw(st.lists(st.tuples(st.integers(0, WORKS - 1), st.integers(0, 127)), max_size=4))
    disputed = draw(st.lists(st.integers(0, WORKS - 1), max_size=2))
    return Plan(policies, policy_of, grants, draw(st.integers(1, 700)), opt_outs, disputed)


def _terms(policy: tuple[list[tuple[int, int | None, int | None]], int | None], base: int) -> Terms:
    raw, expires = policy
    chosen = {}
    for use, (mode, start, end) in zip(Use, raw, strict=True):
        if mode:
            chosen[use] = Rule(
                mode=Mode.from_code(mode),
                start=None if start is None else base + start,
                end=None if end is None else base + end,
            )
    return Terms(rules=chosen, expires=None if expires is None else base + expires)


def _now(w3: Web3) -> int:
    return int(w3.eth.get_block("latest")["timestamp"])


def _enact(w3: Web3, deployment: Any, plan: Plan, salt: int) -> tuple[list[str], list[str]]:
    """Put the plan on the chain; returns the works' hashes and the licensees' addresses."""
    holder = RightsLedger(w3, deployment, dev_account(1))
    registrar = RightsLedger(w3, deployment, dev_account(0))
    licensees = [dev_account(2).address, dev_account(3).address]
    base = _now(w3)
    hashes = ["0x" + (salt * 1000 + i + 1).to_bytes(32, "big").hex() for i in range(WORKS)]
    groups: dict[int, list[str]] = {}
    for i, p in enumerate(plan.policy_of):
        groups.setdefault(p, []).append(hashes[i])
    for p, members in sorted(groups.items()):
        terms = None if p < 0 else _terms(plan.policies[p], base)
        holder.register_batch(members, terms=terms)
    for number, round_ in enumerate(plan.grants):
        if number:
            w3.provider.make_request("evm_increaseTime", [plan.pause])  # type: ignore[arg-type]
            w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
        for work, use, who, duration in round_:
            holder.licensing.grant(hashes[work], Use.from_code(use), licensees[who], until=_now(w3) + duration)
    for work, mask in plan.opt_outs:
        holder.set_opt_out(hashes[work], [u for u in Use if mask & (1 << u.code)])
    for work in plan.disputed:
        registrar.mark(hashes[work], Status.DISPUTED)
    return hashes, licensees


def _read_state(client: RightsLedger, hashes: list[str]) -> tuple[list[WorkRow], list[PolicyRow], list[LicenceRow]]:
    """The registry's state as the SDK reads it, in the snapshot's rows."""

    def read(h: str) -> Any:
        try:
            return client.work(h)
        except NotFoundError:
            return None

    with ThreadPoolExecutor(8) as pool:
        found = [w for w in pool.map(read, hashes) if w is not None]
    works: list[WorkRow] = []
    for w in found:
        h = w.content_hash
        mask = sum(1 << u.code for u in w.opted_out)
        works.append(
            WorkRow(h, w.holder, w.status.code, mask, w.policy_id, w.registration_id, int(w.registered_at.timestamp()))
        )
    policies = []
    for pid in sorted({w.policy_id for w in works} - {0}):
        policies.append(PolicyRow.from_terms(pid, client.policy(pid)))
    licences = [
        LicenceRow(
            lic.content_hash,
            lic.licensee,
            lic.use.code,
            int(lic.valid_from.timestamp()),
            MAX_UINT40 if lic.valid_until is None else int(lic.valid_until.timestamp()),
        )
        for lic in client.licensing.licences()
    ]
    return works, policies, licences


def _offline(
    state: tuple[list[WorkRow], list[PolicyRow], list[LicenceRow]],
    queries: list[str],
    use: int,
    licensee: str | None,
    at: int,
) -> bytes:
    """decide_many over columns built straight from the rows (no snapshot)."""
    works, policies, licences = state
    by_hash = {w.content_hash: w for w in works}
    rows = [by_hash.get(q) for q in queries]
    columns = WorkColumns(
        np.array([r is not None for r in rows], dtype=np.bool_),
        np.array([r.status if r else 0 for r in rows], dtype=np.uint8),
        np.array([r.opt_out if r else 0 for r in rows], dtype=np.uint8),
        np.array([r.policy_id if r else 0 for r in rows], dtype=np.uint32),
    )
    table = PolicyTable.from_rules(
        {p.policy_id: ([(m, s, e) for m, s, e, *_ in p.rules], p.expires_at) for p in policies}
    )
    position = {q: i for i, q in enumerate(queries)}
    mine = [lic for lic in licences if lic.content_hash in position]
    lic_columns = LicenceColumns(
        np.array([position[lic.content_hash] for lic in mine], dtype=np.int64),
        np.array([address_bytes(lic.licensee) for lic in mine], dtype="S20"),
        np.array([lic.use for lic in mine], dtype=np.uint8),
        np.array([lic.valid_from for lic in mine], dtype=np.uint64),
        np.array([lic.valid_until for lic in mine], dtype=np.uint64),
    )
    return decide_many(columns, table, use, at, licensee=licensee, licences=lic_columns).tobytes()


def _moments(state: tuple[list[WorkRow], list[PolicyRow], list[LicenceRow]], now: int) -> list[int]:
    """Every boundary the decision turns on, and one second either side."""
    _works, policies, licences = state
    edges = {now}
    for p in policies:
        edges.add(p.expires_at)
        for _mode, start, end, *_ in p.rules:
            edges.update((start, end))
    for lic in licences:
        edges.update((lic.valid_from, min(lic.valid_until, now + 10**6)))
    return sorted({t + d for t in edges if t for d in (-1, 0, 1)})


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(plan=plans(), data=st.data())
def test_offline_decisions_and_snapshots_answer_as_check_batch(
    w3: Web3, deployment: Any, plan: Plan, data: st.DataObject
) -> None:
    snapshot_id = w3.provider.make_request("evm_snapshot", [])["result"]  # type: ignore[arg-type]
    try:
        hashes, licensees = _enact(w3, deployment, plan, salt=data.draw(st.integers(1, 10**9), label="salt"))
        reader = RightsLedger(w3, deployment)
        state = _read_state(reader, hashes)
        block = w3.eth.get_block("latest")
        queries = hashes + ["0x" + (10**70 + i).to_bytes(32, "big").hex() for i in range(5)]  # 5 never registered
        meta = SnapshotMeta(
            w3.eth.chain_id,
            dict(deployment.contracts),
            int(block["number"]),
            "0x" + bytes(block["hash"]).hex(),
            int(block["timestamp"]),
        )
        with tempfile.TemporaryDirectory() as folder:
            write_snapshot(Path(folder) / "snap", meta, *state, prefix_bits=2)
            snapshot = read_snapshot(Path(folder) / "snap")
            moments = _moments(state, int(block["timestamp"]))
            # Drawn as ranks, not values: the moments depend on the chain's clock, and draws must not.
            ranks = data.draw(st.lists(st.integers(0, 10**6), min_size=3, max_size=3), label="ranks")
            times = [moments[k % len(moments)] for k in ranks]
            cases = [(use, who, at) for use in Use for who in (None, *licensees) for at in times]

            def on_chain(case: tuple[Use, str | None, int]) -> bytes:
                use, who, at = case
                who_kwargs = {"licensee": who} if who else {}
                return reader.check_hashes(queries, use, at=at, block=int(block["number"]), **who_kwargs)

            with ThreadPoolExecutor(8) as pool:
                answers = list(pool.map(on_chain, cases))
            assert len(answers) == 7 * 3 * 3
            for code in sorted(set(b"".join(answers))):  # --hypothesis-show-statistics lists what was covered
                event(f"reason {Reason.from_code(code).value}")
            for (use, who, at), chain in zip(cases, answers, strict=True):
                assert _offline(state, queries, use.code, who, at) == chain, (use, who, at)
                assert check_snapshot(snapshot, queries, use, who, at).tobytes() == chain, (use, who, at)
            # The snapshot's default moment is its block's time: the chain's answer for `at` = 0 there.
            chain_now = reader.check_hashes(queries, Use.AI_TRAINING, block=int(block["number"]))
            assert check_snapshot(snapshot, queries, Use.AI_TRAINING).tobytes() == chain_now
    finally:
        w3.provider.make_request("evm_revert", [snapshot_id])  # type: ignore[arg-type]
