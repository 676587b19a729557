"""Licence offer files: an unusable file gives one clear error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rightsledger import SignedOffer
from rightsledger.errors import ValidationError


def test_unusable_offer_files_give_one_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ValidationError, match="not valid JSON"):
        SignedOffer.load(bad)
    bad.write_text(json.dumps({"kind": "something-else"}))
    with pytest.raises(ValidationError, match="not a rightsledger licence offer"):
        SignedOffer.load(bad)
    bad.write_text(json.dumps({"kind": "rightsledger-licence-offer", "version": 1, "typedData": {}}))
    with pytest.raises(ValidationError, match="missing"):
        SignedOffer.load(bad)
