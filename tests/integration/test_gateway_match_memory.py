"""The gateway keeps one codes index per deployment, its codes in memory: loaded on the first query,
then new registrations are appended as requests sync it (never a full rebuild per request), and
concurrent requests all answer right while registrations land; on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import threading
from pathlib import Path

import httpx
import iscc_samples
import numpy as np
from PIL import Image
from web3 import Web3

from rightsledger import RightsLedger, hash_bytes
from rightsledger.chain.deploy import deploy
from rightsledger.gateway import GatewaySettings
from rightsledger.gateway.deps import GatewayState
from rightsledger.identity import identify_bytes

from ..gateway_support import funded_account, running_gateway

CAT = iscc_samples.images("jpg")[0].read_bytes()


def _blocks_image(seed: int) -> bytes:
    pixels = np.random.default_rng(seed).integers(0, 256, (8, 8), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels, "L").resize((256, 256), Image.Resampling.NEAREST).save(out, "PNG")
    return out.getvalue()


def _resized(data: bytes, scale: float) -> bytes:
    out = io.BytesIO()
    with Image.open(io.BytesIO(data)) as img:
        img.convert("RGB").resize((int(img.width * scale), int(img.height * scale))).save(out, "JPEG", quality=70)
    return out.getvalue()


def test_the_gateway_appends_new_codes_to_its_one_in_memory_index(
    w3: Web3, anvil_url: str, tmp_path: Path, index_target: str | Path
) -> None:
    home = tmp_path / "home"
    deployment = deploy(w3, funded_account(w3), home=home)
    where = {"index_url": str(index_target)} if "://" in str(index_target) else {}
    settings = GatewaySettings(rpc_url=anvil_url, home=str(home), rate_limit=0, **where)
    state = GatewayState.connect(settings)
    holders = [RightsLedger(w3, deployment, funded_account(w3)) for _ in range(3)]
    holders[0].register(CAT)
    works = [_blocks_image(seed) for seed in (1, 2, 3, 4, 5, 6)]
    with running_gateway(settings, state) as url, httpx.Client(base_url=url, timeout=60) as http:

        def match(data: bytes) -> list[str]:
            response = http.post("/match", json={"iscc": [identify_bytes(data).content_code]})
            assert response.status_code == 200, response.text
            return [m["contentHash"] for m in response.json()[0]["matches"]]

        assert match(_resized(CAT, 0.5)) == [hash_bytes(CAT)]
        with state.codes_index() as index, state.codes_index() as same:
            assert index is same
        assert index.full_loads == 1 and index.in_memory()["image"][0] == 1
        for k, work in enumerate(works[:3]):
            holders[k % 3].register(work)
            assert match(work) == [hash_bytes(work)], "the new registration is found by the next request"
        upload = http.post("/match/file", content=_resized(works[0], 0.7), params={"name": "w.jpg"})
        assert [m["contentHash"] for m in upload.json()["matches"]] == [hash_bytes(works[0])]
        assert index.full_loads == 1, "appended, never loaded whole again"
        assert index.in_memory()["image"][0] == 4

        # 12 clients asking at once while the other works are registered: every answer is right.
        failures: list[str] = []

        def client(n: int) -> None:
            with httpx.Client(base_url=url, timeout=60) as own:
                for round_ in range(6):
                    query = [CAT, *works[:3]][(n + round_) % 4]
                    response = own.post("/match", json={"iscc": [identify_bytes(query).content_code]})
                    found = [m["contentHash"] for m in response.json()[0]["matches"]] \
                        if response.status_code == 200 else response.text
                    if found != [hash_bytes(query)]:
                        failures.append(f"{response.status_code}: {found}")

        threads = [threading.Thread(target=client, args=(n,)) for n in range(12)]
        for t in threads:
            t.start()
        for k, work in enumerate(works[3:]):
            holders[k % 3].register(work)
        for t in threads:
            t.join()
        assert failures == []
        assert all(match(work) == [hash_bytes(work)] for work in works[3:])
        assert index.full_loads == 1 and index.in_memory()["image"][0] == 1 + len(works)
    assert state._codes is None, "closed with the app"  # noqa: SLF001 - the shutdown is what is tested
