"""The gateway says how much a near match proves (identity.chance): every /match match carries
`chance` and `decisive`, and check-many answers a code whose nearest work is not decisive as
`unregistered` with `possibleNearCopyOf`. A registry of millions is emulated with the operator's
limit ($RIGHTSLEDGER_CHANCE_LIMIT), read per request in the gateway's process."""

from __future__ import annotations

from pathlib import Path

import httpx
import iscc_samples
import pytest
from web3 import Web3

from rightsledger import RightsLedger, Terms
from rightsledger.identity import identify_file
from rightsledger.identity.chance import LIMIT_VARIABLE

from ..gateway_support import funded_account, isolated_gateway

CAT_JPG = iscc_samples.images("jpg")[0]


def test_match_and_check_many_tell_a_decisive_match_from_a_possible_one(
    w3: Web3, anvil_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with isolated_gateway(w3, anvil_url, tmp_path / "home") as gateway, \
            httpx.Client(base_url=gateway.url, timeout=60) as http:
        holder = RightsLedger(w3, gateway.deployment, funded_account(w3))
        identity = identify_file(CAT_JPG)
        assert identity.content_header is not None and identity.content_bits is not None
        holder.register(CAT_JPG, code=(identity.content_header.packed << 64) | identity.content_bits,
                        terms=Terms.model_validate({"rules": {"tdm": {"mode": "allow"}}}))
        near = f"ISCC:{identity.content_code.removeprefix('ISCC:')}"  # its own code: distance 0

        (entry,) = http.post("/match", json={"iscc": [near]}).json()
        (match,) = entry["matches"]
        assert match["decisive"] is True and 0 < match["chance"] < 1e-12
        body = {"use": "tdm", "iscc": [near]}
        (answer,) = http.post("/checks", json=body).json()["codeResults"]
        assert answer["allowed"] is True and answer["nearCopyOf"] == identity.sha256
        repeated = http.post("/checks", json={"use": "tdm", "iscc": [near] * 3}).json()["codeResults"]
        assert repeated == [answer] * 3  # a code asked three times is queried once, answered three times

        monkeypatch.setenv(LIMIT_VARIABLE, "1e-30")  # no 64-bit match decides at this limit
        (entry,) = http.post("/match", json={"iscc": [near]}).json()
        assert entry["matches"][0]["decisive"] is False
        (answer,) = http.post("/checks", json=body).json()["codeResults"]
        assert answer["allowed"] is False and answer["reason"] == "unregistered"
        assert answer["contentHash"] is None and answer["nearCopyOf"] is None
        assert answer["possibleNearCopyOf"] == identity.sha256 and answer["distance"] == 0 and answer["chance"] > 0
        assert answer["note"].startswith(f"possible near copy of {identity.sha256}, distance 0: not decisive")
