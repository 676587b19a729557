"""Fees: amounts with units read into wei, bad amounts refused with the value."""

from __future__ import annotations

import pytest

from rightsledger.errors import ValidationError
from rightsledger.terms import parse_fee


@pytest.mark.parametrize(
    ("text", "wei"),
    [("0.01 ether", 10**16), ("250 gwei", 250 * 10**9), ("1000", 1000), ("2ETH", 2 * 10**18), (7, 7)],
)
def test_parse_fee_understands_units(text: str | int, wei: int) -> None:
    assert parse_fee(text) == wei


@pytest.mark.parametrize("bad", ["ten", "0.5 wei", "1 bitcoin", "-1", str(2**96)])
def test_parse_fee_rejects_bad_amounts_with_the_value(bad: str) -> None:
    with pytest.raises(ValidationError, match="fee"):
        parse_fee(bad)
