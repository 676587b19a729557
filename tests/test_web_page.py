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

from rightsledger import RightsLedger, hash_file
from rightsledger.chain import DEV_KEYS, dev_account
from rightsledger.deployments import Deployment

from .conftest import ROOT
from .gateway_support import relay_register

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


def test_a_creator_checks_a_file_sees_its_label_and_history_and_opts_it_out_in_the_browser(
    browser: None, gateway_url: str, w3: Web3, deployment: Deployment, tmp_path: Path
) -> None:
    artist = dev_account(1)
    work = tmp_path / "harbour-study.txt"
    work.write_bytes(os.urandom(64) + b" a study of the harbour")
    unknown = tmp_path / "sketch.txt"
    unknown.write_bytes(os.urandom(64))
    terms = {"rules": {"tdm": {"mode": "allow"}, "ai-training": {"mode": "licence", "fee": "0.01 ether"}}}
    with httpx.Client(base_url=gateway_url, timeout=60) as http:
        assert relay_register(http, artist, hash_file(work), terms=terms).status_code == 201
        holder = RightsLedger(w3, deployment, artist)
        holder.record_stage(work, "digitised")
        holder.disclose(work, "ai-assisted-production/post-production;tools=an upscaler")
        holder.licensing.grant(work, "tdm", dev_account(7).address)  # an account no snapshot test counts
        shot = tmp_path / "page.png"
        result = subprocess.run(
            ["node", str(ROOT / "tests" / "browser" / "creator_page.mjs"), gateway_url, str(work), str(unknown),
             artist.address, DEV_KEYS[1], str(shot)],
            capture_output=True, text=True, timeout=180, cwd=ROOT,
        )  # fmt: skip
        steps = [json.loads(line)["step"] for line in result.stdout.splitlines() if line.startswith("{")]
        assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"
        assert steps[-1] == "ok" and "opted out" in steps and "opted back in with a wallet" in steps
        assert "label and trail" in steps and "odrl export" in steps
        assert shot.stat().st_size > 10_000
        final = http.get(f"/works/{hash_file(work)}").json()
        assert final["optedOut"] == []
        assert http.get(f"/relay/nonces/{artist.address}").json()["nonce"] >= 3


def test_the_vendored_javascript_matches_the_pinned_npm_packages() -> None:
    import filecmp
    import importlib.util

    spec = importlib.util.spec_from_file_location("vendor_js", ROOT / "scripts" / "vendor_js.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    pairs = module.pairs()
    if not all(source.is_file() for source, _ in pairs):
        pytest.skip("node_modules is not installed (npm ci)")
    drifted = [str(target) for source, target in pairs if not filecmp.cmp(source, target, shallow=False)]
    assert not drifted, f"run `make vendor-js`: {drifted}"


def test_the_pages_eip712_signing_matches_the_sdks(tmp_path: Path) -> None:
    if not shutil.which("node"):
        pytest.skip("node is not installed")
    from rightsledger.relay import ForwardRequest

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
