"""Pending policy ids: one per set of terms, never shared, handed out again when unreachable."""

from __future__ import annotations

from pathlib import Path

import pytest

from rightsledger.sdk.pending_policies import PendingPolicies, SharedPendingPolicies, reachable
from rightsledger.terms import Terms

A = Terms.model_validate({"rules": {"ai-training": {"mode": "licence", "fee": 1}}})
B = Terms.model_validate({"rules": {"ai-training": {"mode": "licence", "fee": 2}}})
C = Terms.model_validate({"rules": {"ai-training": {"mode": "licence", "fee": 3}}})


@pytest.fixture(params=["memory", "shared"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> PendingPolicies | SharedPendingPolicies:
    return PendingPolicies() if request.param == "memory" else SharedPendingPolicies(tmp_path / "state.sqlite")


def test_the_same_terms_share_an_id_and_different_terms_never_do(store: PendingPolicies) -> None:
    assert store.reserve(A, "0xa", 5) == 6
    assert store.reserve(B, "0xb", 5) == 7
    assert store.reserve(A, "0xa", 5) == 6
    assert store.reserve(C, "0xc", 6) == 8  # 6 stored meanwhile: 7 is still B's
    found = store.get(7)
    assert found is not None and found.terms == B


def test_ids_left_behind_by_a_chain_that_went_back_are_handed_out_again(store: PendingPolicies) -> None:
    assert store.reserve(A, "0xa", 5) == 6
    assert store.reserve(B, "0xb", 5) == 7
    # The chain went back to 3 policies: 4 and 5 can never be stored in order behind 6 and 7.
    assert store.reserve(B, "0xb", 3) == 4
    assert store.get(6) is None and store.get(7) is None


def test_reachable_splits_at_the_first_hole() -> None:
    assert reachable(5, [6, 7, 9, 10]) == ([6, 7], [9, 10])
    assert reachable(5, []) == ([], [])
    assert reachable(5, [7]) == ([], [7])
