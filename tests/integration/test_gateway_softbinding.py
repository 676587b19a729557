"""The C2PA soft-binding resolution API (io.iscc.v0) on a real gateway: a work embedded with its record,
then stripped and re-encoded, finds its record again by its binding value and by its content."""

from __future__ import annotations

import io
from pathlib import Path

import httpx
import iscc_samples
from PIL import Image
from web3 import Web3

from rightsledger import RightsLedger
from rightsledger.identity import identify_bytes, identify_file
from rightsledger.workflows.c2pa_import import ISCC_ALGORITHM

from ..gateway_support import funded_account, isolated_gateway

CAT_JPG = iscc_samples.images("jpg")[0]


def test_a_stripped_copy_resolves_to_its_record_by_binding_and_by_content(
    w3: Web3, anvil_url: str, tmp_path: Path
) -> None:
    with isolated_gateway(w3, anvil_url, tmp_path / "home", max_body_bytes=2_000_000) as gateway, \
            httpx.Client(base_url=gateway.url, timeout=60) as http:  # fmt: skip
        holder = RightsLedger(w3, gateway.deployment, funded_account(w3))
        identity = identify_file(CAT_JPG)
        assert identity.content_header is not None and identity.content_bits is not None
        holder.register(CAT_JPG, code=(identity.content_header.packed << 64) | identity.content_bits)
        buffer = io.BytesIO()
        with Image.open(CAT_JPG) as img:  # stripped of metadata, half size, re-encoded
            img.convert("RGB").resize((img.width // 2, img.height // 2)).save(buffer, "JPEG", quality=60)
        copy = buffer.getvalue()

        supported = http.get("/services/supportedAlgorithms").json()
        assert supported == {"watermarks": [], "fingerprints": [{"alg": ISCC_ALGORITHM}]}

        by_content = http.post("/matches/byContent", params={"alg": ISCC_ALGORITHM}, content=copy,
                               headers={"content-type": "application/octet-stream"})  # fmt: skip
        assert by_content.status_code == 200, by_content.text
        (match,) = by_content.json()["matches"]
        assert match["manifestId"] == identity.sha256
        assert match["endpoint"].endswith(f"/works/{identity.sha256}")
        assert 90 <= match["similarityScore"] <= 100 and match["holder"] == holder.address
        assert match["collection"] is None
        assert http.get(match["endpoint"]).json()["contentHash"] == identity.sha256  # the record itself

        # The binding value a reader finds in the copy's soft-binding assertion: its ISCC code.
        value = identify_bytes(copy, "copy.jpg").iscc
        by_binding = http.get("/matches/byBinding", params={"alg": ISCC_ALGORITHM, "value": value})
        assert by_binding.status_code == 200, by_binding.text
        assert [m["manifestId"] for m in by_binding.json()["matches"]] == [identity.sha256]

        unrelated = io.BytesIO()
        Image.effect_noise((256, 256), 80).convert("RGB").save(unrelated, "PNG")
        none = http.post("/matches/byContent", params={"alg": ISCC_ALGORITHM}, content=unrelated.getvalue())
        assert none.status_code == 200 and none.json()["matches"] == []

        wrong = http.get("/matches/byBinding", params={"alg": "com.example.watermark", "value": value})
        assert wrong.status_code == 422 and "use io.iscc.v0" in wrong.text
        assert http.post("/matches/byContent", params={"alg": ISCC_ALGORITHM}, content=b"").status_code == 422
        big = http.post("/matches/byContent", params={"alg": ISCC_ALGORITHM}, content=b"\x00" * 2_100_000)
        assert big.status_code == 413


def test_a_stripped_copy_of_a_collection_member_resolves_to_its_collection(
    w3: Web3, anvil_url: str, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    with isolated_gateway(w3, anvil_url, home, max_body_bytes=2_000_000) as gateway, \
            httpx.Client(base_url=gateway.url, timeout=60) as http:  # fmt: skip
        archive = RightsLedger(w3, gateway.deployment, funded_account(w3), home=tmp_path / "archive")
        # published in the gateway's manifest folder, where it reads members manifests
        published = home / "datasets" / "members.json"
        published.parent.mkdir(parents=True, exist_ok=True)
        reg = archive.collections.register_with_codes([CAT_JPG.read_bytes(), b"a note"],
                                                      manifest_uri=published.as_uri())
        assert reg.members_manifest is not None
        published.write_bytes(reg.members_manifest.read_bytes())
        member = identify_file(CAT_JPG)
        buffer = io.BytesIO()
        with Image.open(CAT_JPG) as img:
            img.convert("RGB").resize((img.width // 2, img.height // 2)).save(buffer, "JPEG", quality=60)
        copy = buffer.getvalue()

        by_content = http.post("/matches/byContent", params={"alg": ISCC_ALGORITHM}, content=copy,
                               headers={"content-type": "application/octet-stream"})  # fmt: skip
        assert by_content.status_code == 200, by_content.text
        (match,) = by_content.json()["matches"]
        assert match["manifestId"] == member.sha256 and match["collection"] == reg.collection_id
        assert match["holder"] == archive.address and match["endpoint"] == published.as_uri()
        assert 90 <= match["similarityScore"] <= 100

        value = identify_bytes(copy, "copy.jpg").iscc
        by_binding = http.get("/matches/byBinding", params={"alg": ISCC_ALGORITHM, "value": value})
        assert by_binding.status_code == 200, by_binding.text
        assert [(m["manifestId"], m["collection"]) for m in by_binding.json()["matches"]] == [
            (member.sha256, reg.collection_id)]
