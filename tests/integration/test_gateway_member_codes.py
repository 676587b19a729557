"""The gateway answers near copies of collection members: a collection registered with codes, its
members manifest published in the gateway's manifest folder, is found by POST /match and /match/file
(`collection` names it) and answered by POST /checks with the collection's terms; a manifest outside
the folder is not read."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import httpx
import iscc_samples
from PIL import Image
from web3 import Web3

from rightsledger import Mode, RightsLedger, Rule, Terms, Use
from rightsledger.identity import identify_bytes, identify_file

from ..gateway_support import funded_account, isolated_gateway

CAT_JPG = iscc_samples.images("jpg")[0]


def test_match_and_checks_answer_a_near_copy_of_a_collection_member(w3: Web3, anvil_url: str, tmp_path: Path) -> None:
    home = tmp_path / "gateway"
    with isolated_gateway(w3, anvil_url, home, max_body_bytes=2_000_000) as gateway, \
            httpx.Client(base_url=gateway.url, timeout=60) as http:
        archive = RightsLedger(w3, gateway.deployment, funded_account(w3), home=tmp_path / "archive")
        cat = CAT_JPG.read_bytes()
        terms = Terms(rules={Use.TDM: Rule(mode=Mode.ALLOW), Use.AI_TRAINING: Rule(mode=Mode.LICENCE, fee=10**15)})
        # Published where this gateway's operator keeps manifests (<home>/datasets), and once elsewhere.
        published = home / "datasets" / "archive-members.json"
        published.parent.mkdir(parents=True, exist_ok=True)
        reg = archive.collections.register_with_codes([cat, b"a note"], terms=terms,
                                                      manifest_uri=published.as_uri())
        assert reg.members_manifest is not None
        shutil.copy(reg.members_manifest, published)
        elsewhere = archive.collections.register_with_codes([b"another note", b"a third note"],
                                                            manifest_uri=reg.members_manifest.as_uri())
        member = identify_file(CAT_JPG)
        buffer = io.BytesIO()
        with Image.open(CAT_JPG) as img:
            img.convert("RGB").resize((img.width // 2, img.height // 2)).save(buffer, "JPEG", quality=70)
        copy = buffer.getvalue()
        copy_code = identify_bytes(copy, "copy.jpg").content_code

        response = http.post("/match/file", content=copy, params={"name": "copy.jpg"},
                             headers={"content-type": "application/octet-stream"})
        assert response.status_code == 200, response.text
        (match,) = response.json()["matches"]
        assert match["contentHash"] == member.sha256 and match["collection"] == reg.collection_id
        assert match["holder"] == archive.address and match["distance"] <= 6

        response = http.post("/match", json={"iscc": [copy_code]})
        assert response.status_code == 200, response.text
        assert [(m["contentHash"], m["collection"]) for m in response.json()[0]["matches"]] == [
            (member.sha256, reg.collection_id)]

        response = http.post("/checks", json={"use": "tdm", "hashes": [], "iscc": [copy_code]})
        assert response.status_code == 200, response.text
        (answer,) = response.json()["codeResults"]
        assert answer["allowed"] is True and answer["reason"] == "allowed-by-terms"
        assert answer["nearCopyOf"] == member.sha256 and answer["collection"] == reg.collection_id
        assert answer["note"] == f"near copy of {member.sha256} in collection {reg.collection_id}, " \
                                 f"distance {answer['distance']}"
        response = http.post("/checks", json={"use": "ai-training", "hashes": [], "iscc": [copy_code]})
        assert response.json()["codeResults"][0]["reason"] == "licence-required"

        # the second collection's manifest URI is outside the gateway's manifest folder: never read
        state = {c: s for c, _u, s in gateway_codes_state(w3, gateway, home)}
        assert state == {reg.collection_id: "loaded", elsewhere.collection_id: "unreadable"}


def gateway_codes_state(w3: Web3, gateway, home: Path) -> list[tuple[int, str, str]]:
    """The coded collections the gateway's codes index has seen (its SQLite file under its home)."""
    from rightsledger.workflows.identity_index import CodesIndex

    reader = RightsLedger(w3, gateway.deployment, home=home)
    with CodesIndex(reader) as index:
        return index.coded_collections()


def test_suspected_copies_list_a_work_registered_after_another_holders_member(
    w3: Web3, anvil_url: str, tmp_path: Path
) -> None:
    home = tmp_path / "gateway"
    with isolated_gateway(w3, anvil_url, home) as gateway, httpx.Client(base_url=gateway.url, timeout=60) as http:
        archive = RightsLedger(w3, gateway.deployment, funded_account(w3), home=tmp_path / "archive")
        bob = RightsLedger(w3, gateway.deployment, funded_account(w3), home=tmp_path / "bob")
        published = home / "datasets" / "members.json"
        published.parent.mkdir(parents=True, exist_ok=True)
        reg = archive.collections.register_with_codes([CAT_JPG.read_bytes(), b"a note"],
                                                      manifest_uri=published.as_uri())
        assert reg.members_manifest is not None
        shutil.copy(reg.members_manifest, published)
        buffer = io.BytesIO()
        with Image.open(CAT_JPG) as img:
            img.convert("RGB").resize((img.width // 2, img.height // 2)).save(buffer, "JPEG", quality=60)
        copy = buffer.getvalue()
        bob.register(copy, allow_similar=True)  # let through on purpose: the review finds it

        response = http.get("/match/suspected-copies")
        assert response.status_code == 200, response.text
        (suspect,) = response.json()
        assert suspect["copy"] == identify_bytes(copy).sha256 and suspect["copyHolder"] == bob.address
        assert suspect["original"] == identify_file(CAT_JPG).sha256 and suspect["originalHolder"] == archive.address
        assert suspect["originalCollection"] == reg.collection_id and suspect.get("copyCollection") is None
