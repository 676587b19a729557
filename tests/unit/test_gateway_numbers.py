"""The gateway's integer types take what JSON Schema calls an integer: 3169 and 3169.0 alike."""

from __future__ import annotations

import pytest

pytest.importorskip("fastapi")

from pydantic import TypeAdapter
from pydantic import ValidationError as PydanticValidationError

from rightsledger.gateway.schemas import Uint48, Uint256


@pytest.mark.parametrize("value", [3169, 3169.0, "3169"])
def test_integral_numbers_are_integers(value: object) -> None:
    assert TypeAdapter(Uint256).validate_python(value) == 3169
    assert TypeAdapter(Uint48).validate_python(value) == 3169


@pytest.mark.parametrize("value", [3169.5, float("nan"), float("inf"), 2.0**60, -1, -1.0, True])
def test_other_numbers_are_refused(value: object) -> None:
    with pytest.raises(PydanticValidationError):
        TypeAdapter(Uint256).validate_python(value)
