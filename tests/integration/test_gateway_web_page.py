"""The creators' page in headless Chromium (Debian's chromium, driven by playwright-core from npm)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest
from web3 import Web3

from rightsledger import RightsLedger, hash_bytes, hash_file
from rightsledger.chain import DEV_KEYS, dev_account
from rightsledger.manifests import Item, write_manifest
from rightsledger.merkle import MerkleTree
from rightsledger.vocabulary import Use

from ..conftest import ROOT
from ..gateway_support import funded_account, isolated_gateway, relay_register, wait_indexed

HERE = Path(__file__).resolve().parent
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


def _browser_available() -> bool:
    return (
        Path(CHROMIUM).is_file() and (ROOT / "node_modules" / "playwright-core").is_dir() and bool(shutil.which("node"))
    )


@pytest.fixture
def browser() -> None:
    if not _browser_available():
        message = f"the browser test needs {CHROMIUM} (apt-get install chromium) and npm's playwright-core (npm ci)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def test_a_creator_checks_a_file_sees_its_label_history_and_datasets_asks_removal_and_opts_out_in_the_browser(
    browser: None, anvil_url: str, w3: Web3, tmp_path: Path
) -> None:
    artist = dev_account(1)
    work = tmp_path / "harbour-study.txt"
    work.write_bytes(os.urandom(64) + b" a study of the harbour")
    unknown = tmp_path / "sketch.txt"
    unknown.write_bytes(os.urandom(64))
    terms = {"rules": {"tdm": {"mode": "allow"}, "ai-training": {"mode": "licence", "fee": "0.01 ether"}}}
    # Its own deployment: the dataset declared here must not show in the snapshot tests' counts.
    # The gateway reads manifests only under its operator folder: here, the test's folder.
    with (
        isolated_gateway(w3, anvil_url, tmp_path / "home", dev_keys=True, manifest_folder=str(tmp_path)) as gateway,
        httpx.Client(base_url=gateway.url, timeout=60) as http,
    ):
        assert relay_register(http, artist, hash_file(work), terms=terms).status_code == 201
        holder = RightsLedger(w3, gateway.deployment, artist)
        holder.record_stage(work, "digitised")
        holder.disclose(work, "ai-assisted-production/post-production;tools=an upscaler")
        holder.licensing.grant(work, "tdm", dev_account(7).address)
        # An AI developer declares a training dataset holding the work, without a licence.
        hashes = [hash_file(work), hash_bytes(os.urandom(32))]
        tree = MerkleTree.of(hashes)
        manifest, _ = write_manifest([Item(None, h) for h in hashes], tree, Use.AI_TRAINING, tmp_path, "scrape")
        trainer = RightsLedger(w3, gateway.deployment, funded_account(w3))
        dataset_id = trainer.datasets.declare(tree, Use.AI_TRAINING, manifest.resolve().as_uri()).dataset_id
        wait_indexed(http)  # the gateway's index follower has the declaration before the page asks
        shot = tmp_path / "page.png"
        result = subprocess.run(
            ["node", str(HERE / "browser" / "creator_page.mjs"), gateway.url, str(work), str(unknown),
             artist.address, DEV_KEYS[1], str(shot), str(dataset_id)],
            capture_output=True, text=True, timeout=180, cwd=ROOT,
        )  # fmt: skip
        steps = [json.loads(line)["step"] for line in result.stdout.splitlines() if line.startswith("{")]
        assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"
        assert steps[-1] == "ok" and "opted out" in steps and "opted back in with a wallet" in steps
        assert "label and trail" in steps and "odrl export" in steps
        assert "dataset listed" in steps and "removal requested" in steps
        assert shot.stat().st_size > 10_000
        final = http.get(f"/works/{hash_file(work)}").json()
        assert final["optedOut"] == []
        assert trainer.datasets.item_status(dataset_id, work).removal_requested  # on-chain, not just on the page
        assert http.get(f"/relay/nonces/{artist.address}").json()["nonce"] == 5  # register, proof, removal, out, in


def test_the_pages_eip712_signing_matches_the_sdks(tmp_path: Path) -> None:
    if not shutil.which("node"):
        pytest.skip("node is not installed")
    from rightsledger.sdk.forwarding import ForwardRequest

    forwarder = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
    request = ForwardRequest(
        sender=dev_account(1).address, to="0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0", value=0, gas=123_456,
        nonce=7, deadline=1_900_000_000, data="0xdeadbeef" + "00" * 40,
    )  # fmt: skip
    script = tmp_path / "sign.mjs"
    module = (ROOT / "src" / "rightsledger" / "gateway" / "static" / "eip712.js").as_uri()
    script.write_text(
        f"import {{ signTypedData, addressOf }} from '{module}';\n"
        "const [typed, key] = process.argv.slice(2);\n"
        "const signature = await signTypedData(key, JSON.parse(typed));\n"
        "console.log(JSON.stringify({ signature, address: addressOf(key) }));\n"
    )
    typed = json.dumps(request.typed_data(31337, forwarder))
    out = subprocess.run(
        ["node", str(script), typed, DEV_KEYS[1]], capture_output=True, text=True, check=True, timeout=60
    )
    result = json.loads(out.stdout)
    assert result["address"] == dev_account(1).address
    assert result["signature"] == request.sign(dev_account(1), 31337, forwarder).signature
    assert request.recover(result["signature"], 31337, forwarder) == dev_account(1).address


def test_a_person_drops_a_copy_of_an_image_and_sees_the_registered_work_and_its_dataset_in_the_browser(
    browser: None, anvil_url: str, w3: Web3, tmp_path: Path
) -> None:
    import iscc_samples
    from PIL import Image

    from rightsledger.identity import identify_file

    artist = dev_account(1)
    work = tmp_path / "cat.jpg"
    work.write_bytes(iscc_samples.images("jpg")[0].read_bytes())
    copy = tmp_path / "scraped-cat.jpg"
    with Image.open(work) as img:
        img.convert("L").resize((img.width // 2, img.height // 2)).save(copy, "JPEG", quality=50)
    flat = tmp_path / "flat.png"
    Image.new("RGB", (64, 64), (200, 200, 200)).save(flat)
    identity = identify_file(work)
    assert identity.content_header is not None and identity.content_bits is not None
    with (
        isolated_gateway(w3, anvil_url, tmp_path / "home", manifest_folder=str(tmp_path)) as gateway,
        httpx.Client(base_url=gateway.url, timeout=60) as http,
    ):
        holder = RightsLedger(w3, gateway.deployment, artist)
        holder.register(work, code=(identity.content_header.packed << 64) | identity.content_bits)
        hashes = [hash_file(work), hash_bytes(os.urandom(32))]
        tree = MerkleTree.of(hashes)
        manifest, _ = write_manifest([Item(None, h) for h in hashes], tree, Use.AI_TRAINING, tmp_path, "scrape")
        trainer = RightsLedger(w3, gateway.deployment, funded_account(w3))
        dataset_id = trainer.datasets.declare(tree, Use.AI_TRAINING, manifest.resolve().as_uri()).dataset_id
        wait_indexed(http)
        shot = tmp_path / "near.png"
        result = subprocess.run(
            ["node", str(HERE / "browser" / "near_copies.mjs"), gateway.url, str(copy), hash_file(work),
             artist.address, str(dataset_id), str(flat), str(shot)],
            capture_output=True, text=True, timeout=180, cwd=ROOT,
        )  # fmt: skip
        steps = [json.loads(line)["step"] for line in result.stdout.splitlines() if line.startswith("{")]
        assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"
        assert steps == ["copy not registered", "near copy found", "dataset of the work",
                         "hash lookup hides the search", "featureless image", "ok"]
        assert shot.stat().st_size > 10_000
