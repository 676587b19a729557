"""Review: the gateway's relayed registration recorded no content code (so its copies were never
found) and never refused a near copy (no 409). `POST /relay/prepare` with action `register` now takes
`iscc` (a Content-Code or an ISCC-CODE) and prepares `registerWithCode`; a code within the threshold
of another holder's work is refused with 409 `similar-work` listing the matches, unless
`allowSimilar: true`."""

from __future__ import annotations

import io
from pathlib import Path

import httpx
import iscc_samples
from eth_account import Account
from PIL import Image
from web3 import Web3

from rightsledger import RightsLedger, hash_bytes
from rightsledger.code_tree import pack_code
from rightsledger.identity import identify_bytes, identify_file, onchain_code

from ..gateway_support import funded_account, isolated_gateway, relay_register, sign_prepared

CAT_JPG = iscc_samples.images("jpg")[0]


def _copy() -> bytes:
    buffer = io.BytesIO()
    with Image.open(CAT_JPG) as img:
        img.convert("RGB").resize((img.width // 2, img.height // 2)).save(buffer, "JPEG", quality=70)
    return buffer.getvalue()


def test_a_relayed_registration_records_the_code_and_refuses_another_holders_near_copy(
    w3: Web3, anvil_url: str, tmp_path: Path
) -> None:
    with isolated_gateway(w3, anvil_url, tmp_path / "home") as gateway, \
            httpx.Client(base_url=gateway.url, timeout=60) as http:
        creator, copier = Account.create(), Account.create()
        original = identify_file(CAT_JPG)
        assert original.content_code is not None
        response = relay_register(http, creator, original.sha256, iscc=original.iscc)  # the composite ISCC-CODE
        assert response.status_code == 201, response.text

        reader = RightsLedger(w3, gateway.deployment, funded_account(w3))
        recorded = reader.works.registered_code(original.sha256)
        assert recorded is not None and recorded.code == pack_code(onchain_code(CAT_JPG))
        found = http.post("/match", json={"iscc": [original.content_code], "maxDistance": 0}).json()[0]["matches"]
        assert [m["contentHash"] for m in found] == [original.sha256]

        copy = identify_bytes(_copy(), "copy.jpg")
        body = {"action": "register", "from": copier.address, "contentHash": copy.sha256, "iscc": copy.content_code}
        refused = http.post("/relay/prepare", json=body)
        assert refused.status_code == 409, refused.text
        error = refused.json()["error"]
        assert error["code"] == "similar-work" and "allowSimilar" in error["message"]
        (match,) = error["details"]
        assert match["contentHash"] == original.sha256 and match["holder"] == creator.address
        assert 0 <= match["distance"] <= 12 and match["iscc"] == original.content_code

        # the holder may register a near copy of their own work
        own = http.post("/relay/prepare", json={**body, "from": creator.address})
        assert own.status_code == 200, own.text
        # the copier, saying they know
        allowed = http.post("/relay/prepare", json={**body, "allowSimilar": True})
        assert allowed.status_code == 200, allowed.text
        assert http.post("/works", json=sign_prepared(allowed.json(), copier)).status_code == 201
        recorded = reader.works.registered_code(copy.sha256)
        assert recorded is not None and recorded.code == pack_code(onchain_code(_copy()))

        # without a code: plain `register`, never refused, no code recorded
        plain = hash_bytes(b"a work given by its hash alone " + copier.address.encode())
        assert relay_register(http, copier, plain).status_code == 201
        assert reader.works.registered_code(plain) is None


def test_prepare_rejects_a_code_it_cannot_record(w3: Web3, anvil_url: str, tmp_path: Path) -> None:
    with isolated_gateway(w3, anvil_url, tmp_path / "home") as gateway, \
            httpx.Client(base_url=gateway.url, timeout=60) as http:
        signer = Account.create()
        body = {"action": "register", "from": signer.address, "contentHash": hash_bytes(b"x" * 40)}
        response = http.post("/relay/prepare", json={**body, "iscc": "ISCC:NOPE"})
        assert response.status_code == 422 and "not a valid ISCC code" in response.text
        # a Data-Code has no content unit to record
        data_only = identify_file(CAT_JPG).data_code
        response = http.post("/relay/prepare", json={**body, "iscc": data_only})
        assert response.status_code == 422, response.text
        assert gateway.deployment.work_registry
