"""The relayer's gas budgets, in memory and shared through the state file by several workers."""

from __future__ import annotations

from pathlib import Path

import pytest

from rightsledger.errors import RelayError
from rightsledger.sdk.gas_budget import GasBudget, SharedGasBudget

ALICE = "0x00000000000000000000000000000000000A11CE"
BOB = "0x0000000000000000000000000000000000000B0B"


def test_a_signer_budget_is_counted_across_workers_sharing_the_state_file(tmp_path: Path) -> None:
    one, two = (SharedGasBudget(tmp_path / "s.sqlite", 1_000, 5_000) for _ in range(2))
    one.reserve(ALICE, 600)
    with pytest.raises(RelayError) as refused:
        two.reserve(ALICE, 600)  # per process, this would have fitted
    assert refused.value.code == "gas-budget-exceeded"
    assert "600 of its 1,000" in str(refused.value)
    two.reserve(BOB, 900)
    assert one.spent(ALICE) == 600 and one.spent(BOB) == 900 and two.spent() == 1_500


def test_the_relayer_total_is_counted_across_workers(tmp_path: Path) -> None:
    one, two = (SharedGasBudget(tmp_path / "s.sqlite", 1_000, 1_500) for _ in range(2))
    one.reserve(ALICE, 1_000)
    with pytest.raises(RelayError, match="this relayer has spent its 1,500 gas"):
        two.reserve(BOB, 600)
    assert two.spent() == 1_000


def test_the_in_memory_budget_forgets_gas_older_than_its_window() -> None:
    budget = GasBudget(1_000, 10_000, window=0)
    budget.reserve(ALICE, 900)
    budget.reserve(ALICE, 900)  # the first is out of the (zero-second) window already
    assert budget.spent(ALICE) <= 900
