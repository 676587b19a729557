"""POST /match and /match/file on a real gateway over a fresh deployment: a resized JPEG copy of a
registered image (registered with its content code) finds the work; codes find it too; limits hold."""

from __future__ import annotations

import io
from pathlib import Path

import httpx
import iscc_samples
from PIL import Image
from web3 import Web3

from rightsledger import RightsLedger
from rightsledger.identity import identify_file

from ..gateway_support import funded_account, isolated_gateway
from ..pg_support import index_rows

CAT_JPG = iscc_samples.images("jpg")[0]


def test_match_finds_a_registered_image_from_a_copy_or_its_code(
    w3: Web3, anvil_url: str, tmp_path: Path, index_target: str | Path
) -> None:
    """The codes index in its SQLite file, or in the gateway's index database (index_url)."""
    where = {"index_url": str(index_target)} if "://" in str(index_target) else {}
    with isolated_gateway(w3, anvil_url, tmp_path / "home", max_body_bytes=2_000_000, **where) as gateway, \
            httpx.Client(base_url=gateway.url, timeout=60) as http:
        holder = RightsLedger(w3, gateway.deployment, funded_account(w3))
        identity = identify_file(CAT_JPG)
        assert identity.content_header is not None and identity.content_bits is not None
        holder.register(CAT_JPG, code=(identity.content_header.packed << 64) | identity.content_bits)
        buffer = io.BytesIO()
        with Image.open(CAT_JPG) as img:
            img.convert("RGB").resize((img.width // 2, img.height // 2)).save(buffer, "JPEG", quality=70)
        copy = buffer.getvalue()

        response = http.post("/match/file", content=copy, params={"name": "copy.jpg"},
                             headers={"content-type": "application/octet-stream"})
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["iscc"].startswith("ISCC:") and body["contentHash"].startswith("0x")
        (match,) = body["matches"]
        assert match["contentHash"] == identity.sha256 and match["distance"] <= 6
        assert match["holder"] == holder.address

        response = http.post("/match", json={"iscc": [identity.content_code], "maxDistance": 0})
        assert response.status_code == 200, response.text
        assert [m["contentHash"] for m in response.json()[0]["matches"]] == [identity.sha256]

        flat = io.BytesIO()
        Image.new("RGB", (32, 32), (9, 9, 9)).save(flat, "PNG")
        response = http.post("/match/file", content=flat.getvalue())
        assert response.status_code == 200 and response.json()["matches"] == []
        assert response.json()["skippedReason"].startswith("featureless image")

        response = http.post("/match/file", content=b"\x00" * 2_100_000)
        assert response.status_code == 413
        response = http.post("/match", json={"iscc": ["ISCC:NOPE"]})
        assert response.status_code == 422 and "not a valid ISCC code" in response.text
        response = http.post("/match/file", content=b"")
        assert response.status_code == 422
    codes_file = tmp_path / "home" / "codes-31337.sqlite"
    assert index_rows(index_target if where else codes_file, "SELECT content_hash FROM codes") == [(identity.sha256,)]
    if where:  # the event index and the codes index share the database
        assert codes_file.exists() is False
        assert index_rows(index_target, "SELECT COUNT(*) FROM events")[0][0] > 0
