"""decision.decide_many answers column by column what decide answers work by work."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rightsledger.decision import (
    LicenceColumns,
    PolicyTable,
    WorkColumns,
    decide,
    decide_many,
    is_licensed,
)
from rightsledger.errors import ValidationError
from rightsledger.vocabulary import Reason, Use

ALICE = "0x" + "aa" * 20
BOB = "0x" + "bb" * 20
TIMES = [0, 1, 99, 100, 101, 199, 200, 201, 299, 300, 301]


@st.composite
def worlds(draw: st.DrawFn):  # type: ignore[no-untyped-def]
    n_policies = draw(st.integers(0, 4))
    rows = {}
    for pid in range(1, n_policies + 1):
        rules = []
        for _ in range(7):
            mode = draw(st.integers(0, 2))
            start = 0 if mode == 0 else draw(st.sampled_from(TIMES))
            end = 0 if mode == 0 else draw(st.sampled_from([0, *[t for t in TIMES if t > start]]))
            rules.append((mode, start, end))
        rows[pid] = (rules, draw(st.sampled_from(TIMES)))
    n = draw(st.integers(0, 40))
    registered = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    status = draw(st.lists(st.integers(0, 2), min_size=n, max_size=n))
    opt_out = draw(st.lists(st.integers(0, 127), min_size=n, max_size=n))
    policy = draw(st.lists(st.integers(0, n_policies), min_size=n, max_size=n))
    licences = draw(
        st.lists(
            st.tuples(
                st.integers(0, max(n - 1, 0)),
                st.sampled_from([ALICE, BOB]),
                st.integers(0, 6),
                st.sampled_from(TIMES),
                st.sampled_from(TIMES),
            ),
            max_size=12 if n else 0,
        )
    )
    return rows, registered, status, opt_out, policy, licences


@settings(max_examples=150, deadline=None)
@given(world=worlds(), use=st.integers(0, 6), at=st.sampled_from(TIMES[1:]), who=st.sampled_from([None, ALICE, BOB]))
def test_columns_answer_as_the_scalar_decision(world, use: int, at: int, who: str | None) -> None:  # type: ignore[no-untyped-def]
    rows, registered, status, opt_out, policy, licences = world
    table = PolicyTable.from_rules(rows)
    works = WorkColumns(
        np.array(registered, dtype=np.bool_),
        np.array(status, dtype=np.uint8),
        np.array(opt_out, dtype=np.uint8),
        np.array(policy, dtype=np.uint32),
    )
    lic = LicenceColumns(
        np.array([x[0] for x in licences], dtype=np.int64),
        np.array([bytes.fromhex(x[1][2:]) for x in licences], dtype="S20"),
        np.array([x[2] for x in licences], dtype=np.uint8),
        np.array([x[3] for x in licences], dtype=np.uint64),
        np.array([x[4] for x in licences], dtype=np.uint64),
    )
    got = decide_many(works, table, use, at, licensee=who, licences=lic)
    for i in range(len(registered)):
        pid = policy[i]
        rules, expires = rows.get(pid, ([(0, 0, 0)] * 7, 0))
        mode, start, end = rules[use]
        periods = [(s, u) for w, a, u_, s, u in licences if w == i and a == who and u_ == use]
        expected = decide(
            registered=registered[i],
            status=status[i],
            opt_out_mask=opt_out[i],
            expires_at=expires,
            mode=mode,
            start=start,
            end=end,
            use=use,
            licensed=who is not None and is_licensed(periods, at),
            at=at,
        )
        assert got[i] == expected.code, (i, expected)


def test_the_order_most_restrictive_first() -> None:
    base = dict(
        registered=True,
        status=0,
        opt_out_mask=0,
        expires_at=0,
        mode=2,
        start=0,
        end=0,
        use=Use.TDM,
        licensed=False,
        at=150,
    )
    assert decide(**base) is Reason.ALLOWED_BY_TERMS  # type: ignore[arg-type]
    assert decide(**{**base, "registered": False, "status": 2}) is Reason.UNREGISTERED  # type: ignore[arg-type]
    assert decide(**{**base, "status": 2, "licensed": True}) is Reason.DISPUTED  # type: ignore[arg-type]
    licensed_out = {**base, "licensed": True, "opt_out_mask": 1 << Use.TDM.code, "expires_at": 100}
    assert decide(**licensed_out) is Reason.ALLOWED_BY_LICENCE  # type: ignore[arg-type]
    assert decide(**{**base, "opt_out_mask": 1 << Use.TDM.code, "expires_at": 100}) is Reason.OPTED_OUT  # type: ignore[arg-type]
    assert decide(**{**base, "opt_out_mask": 1 << Use.AI_TRAINING.code}) is Reason.ALLOWED_BY_TERMS  # type: ignore[arg-type]
    assert decide(**{**base, "expires_at": 150, "mode": 0}) is Reason.EXPIRED  # type: ignore[arg-type]
    assert decide(**{**base, "expires_at": 151}) is Reason.ALLOWED_BY_TERMS  # type: ignore[arg-type]
    assert decide(**{**base, "mode": 0}) is Reason.DENIED  # type: ignore[arg-type]
    # The window is [start, end): start counts, end does not; 0 means open on that side.
    assert decide(**{**base, "mode": 1, "start": 150}) is Reason.LICENCE_REQUIRED  # type: ignore[arg-type]
    assert decide(**{**base, "mode": 1, "start": 151}) is Reason.OUTSIDE_WINDOW  # type: ignore[arg-type]
    assert decide(**{**base, "end": 150}) is Reason.OUTSIDE_WINDOW  # type: ignore[arg-type]
    assert decide(**{**base, "end": 151}) is Reason.ALLOWED_BY_TERMS  # type: ignore[arg-type]
    assert is_licensed([(100, 150)], 100) and not is_licensed([(100, 150)], 150)


def test_bad_inputs_are_refused_with_a_clear_error() -> None:
    table = PolicyTable.from_rules({})
    works = WorkColumns(np.array([True]), np.array([0], np.uint8), np.array([0], np.uint8), np.array([3], np.uint32))
    with pytest.raises(ValidationError, match=r"policies the table does not hold: \[3\]"):
        decide_many(works, table, Use.TDM, 100)
    with pytest.raises(ValidationError, match="unknown use code 7"):
        decide_many(works, table, 7, 100)
    with pytest.raises(ValidationError, match="cannot be checked offline"):
        decide_many(works, table, 0, 0)
    fine = WorkColumns(np.array([True]), np.array([0], np.uint8), np.array([0], np.uint8), np.array([0], np.uint32))
    assert decide_many(fine, table, 0, 5).tolist() == [Reason.DENIED.code]
    with pytest.raises(ValidationError, match="not an address"):
        decide_many(fine, table, 0, 5, licensee="0x12")
    with pytest.raises(ValidationError, match="one per use"):
        PolicyTable.from_rules({1: ([(0, 0, 0)], 0)})


def test_a_licence_on_a_work_outside_the_columns_licenses_nothing() -> None:
    lic = LicenceColumns(
        np.array([-1, 0], dtype=np.int64),
        np.array([bytes.fromhex(ALICE[2:]), bytes.fromhex(BOB[2:])], dtype="S20"),
        np.array([Use.TDM.code, Use.TDM.code], dtype=np.uint8),
        np.array([0, 0], dtype=np.uint64),
        np.array([10**6, 10**6], dtype=np.uint64),
    )
    assert lic.licensed(3, Use.TDM.code, bytes.fromhex(ALICE[2:][:40]), 50).tolist() == [False, False, False]
    assert lic.licensed(3, Use.TDM.code, bytes.fromhex(BOB[2:]), 50).tolist() == [True, False, False]
