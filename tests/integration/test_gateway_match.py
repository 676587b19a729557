"""POST /match and /match/file on a real gateway over a fresh deployment: a resized JPEG copy of a
registered image (registered with its content code) finds the work; codes find it too; limits hold."""

from __future__ import annotations

import io
import os
from pathlib import Path

import httpx
import iscc_samples
from PIL import Image
from web3 import Web3

from rightsledger import RightsLedger, Terms, hash_bytes
from rightsledger.gateway.schemas import ChecksPublic
from rightsledger.identity import identify_bytes, identify_file, units

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


def test_check_many_answers_an_iscc_code_as_its_nearest_registered_work(
        w3: Web3, anvil_url: str, tmp_path: Path) -> None:
    work = tmp_path / "noise.png"
    Image.frombytes("RGB", (96, 96), os.urandom(96 * 96 * 3)).save(work)
    identity = identify_file(work)
    assert identity.content_header is not None and identity.content_bits is not None
    copy = io.BytesIO()
    with Image.open(work) as img:
        img.resize((80, 80)).save(copy, "JPEG", quality=80)
    copy_code = identify_bytes(copy.getvalue(), "copy.jpg")
    assert copy_code.content_code is not None
    unrelated = tmp_path / "other.png"
    Image.frombytes("RGB", (96, 96), os.urandom(96 * 96 * 3)).save(unrelated)
    other_code = next(u for u in units(identify_file(unrelated).iscc) if u.startswith("ISCC:EE"))
    plain = hash_bytes(os.urandom(32))

    # Its own deployment: coded works on the session's would be near-copy candidates in other tests.
    with isolated_gateway(w3, anvil_url, tmp_path / "home") as gateway, \
            httpx.Client(base_url=gateway.url, timeout=60) as http:
        holder = RightsLedger(w3, gateway.deployment, funded_account(w3))
        holder.register(work, terms=Terms.model_validate({"rules": {"tdm": {"mode": "allow"}}}),
                        code=(identity.content_header.packed << 64) | identity.content_bits)
        body = {"use": "tdm", "hashes": [plain], "iscc": [copy_code.iscc, other_code]}
        response = http.post("/checks", json=body)
        assert response.status_code == 200, response.text
        answer = response.json()
        assert answer["count"] == 3 and answer["allowedCount"] == 1
        (by_hash,) = answer["results"]
        assert by_hash == {"contentHash": plain, "allowed": False, "reason": "unregistered"}
        by_code, none = answer["codeResults"]
        assert by_code["iscc"] == copy_code.iscc and by_code["contentHash"] == identity.sha256
        assert by_code["allowed"] is True and by_code["reason"] == "allowed-by-terms"
        assert by_code["nearCopyOf"] == identity.sha256 and 0 <= by_code["distance"] <= 12
        assert by_code["note"] == f"near copy of {identity.sha256}, distance {by_code['distance']}"
        assert none["iscc"] == other_code and none["contentHash"] is None and none["nearCopyOf"] is None
        assert none["reason"] == "unregistered" and none["allowed"] is False
        assert ChecksPublic.model_validate_json(response.content).model_dump(mode="json", by_alias=True) == answer

        denied = http.post("/checks", json={"use": "ai-training", "iscc": [copy_code.iscc]}).json()
        assert denied["results"] == [] and denied["codeResults"][0]["allowed"] is False
        assert denied["codeResults"][0]["nearCopyOf"] == identity.sha256
        exact = http.post("/checks", json={"use": "tdm", "iscc": [identity.iscc, copy_code.iscc], "maxDistance": 0})
        same, copied = exact.json()["codeResults"]
        assert same["contentHash"] == identity.sha256 and same["distance"] == 0
        assert copied["contentHash"] == (identity.sha256 if by_code["distance"] == 0 else None)
        hashes_only = http.post("/checks", json={"use": "tdm", "hashes": [plain]}).json()
        assert hashes_only["codeResults"] == [] and hashes_only["count"] == 1

        response = http.post("/checks", json={"use": "tdm"})
        assert response.status_code == 422 and "at least one item" in response.text
        response = http.post("/checks", json={"use": "tdm", "iscc": ["ISCC:NOPE"]})
        assert response.status_code == 422 and "not a valid ISCC code" in response.text


def test_registrars_review_suspected_copies_and_the_trail_shows_them(w3: Web3, anvil_url: str, tmp_path: Path) -> None:
    with isolated_gateway(w3, anvil_url, tmp_path / "home") as gateway, \
            httpx.Client(base_url=gateway.url, timeout=60) as http:
        alice = RightsLedger(w3, gateway.deployment, funded_account(w3))
        bob = RightsLedger(w3, gateway.deployment, funded_account(w3))

        def packed(path: Path) -> int:
            found = identify_file(path)
            assert found.content_header is not None and found.content_bits is not None
            return (found.content_header.packed << 64) | found.content_bits

        alice.register(CAT_JPG, code=packed(CAT_JPG))
        assert http.get("/match/suspected-copies").json() == []
        copy = tmp_path / "copy.jpg"
        with Image.open(CAT_JPG) as img:
            img.convert("RGB").resize((img.width // 2, img.height // 2)).save(copy, "JPEG", quality=60)
        bob.register(copy, code=packed(copy), allow_similar=True)  # let through on purpose: the review finds it
        work, copied = identify_file(CAT_JPG).sha256, identify_file(copy).sha256

        response = http.get("/match/suspected-copies")
        assert response.status_code == 200, response.text
        (suspect,) = response.json()
        assert suspect["copy"] == copied and suspect["original"] == work
        assert suspect["copyHolder"] == bob.address and suspect["originalHolder"] == alice.address
        assert suspect["copyBlock"] > suspect["originalBlock"] and 0 <= suspect["distance"] <= 12
        assert http.get("/match/suspected-copies", params={"maxDistance": 64}).status_code == 200
        assert http.get("/match/suspected-copies", params={"maxDistance": 65}).status_code == 422

        trail = http.get(f"/works/{work}/provenance").json()["trail"]
        (entry,) = [e for e in trail if e["stage"] == "near-copy-registered"]
        assert entry["plain"] == "another holder registered a near copy of it" and entry["actor"] == bob.address
        assert entry["details"]["work"] == copied and entry is trail[-1]
        copy_trail = http.get(f"/works/{copied}/provenance").json()["trail"]
        assert [e["stage"] for e in copy_trail] == ["registered", "near-copy-of"]
        assert copy_trail[1]["transaction"] == entry["transaction"]
