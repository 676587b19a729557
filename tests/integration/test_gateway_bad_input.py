"""Bad input over real HTTP: a chunked body over the limit is 413 (not FastAPI's 400), an
inverted window is one clear 422 message (not pydantic's raw text), and a closed pipe ends the
CLI quietly."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from rightsledger import hash_bytes
from rightsledger.chain.deployments import Deployment, save_deployment


@pytest.fixture(scope="module")
def http(gateway_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=gateway_url, timeout=60) as client:
        yield client


def test_a_chunked_body_over_the_limit_is_413(http: httpx.Client) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"use": "tdm", "hashes": ['
        for _ in range(40):
            yield b" " * 64_000
        yield b"]}"

    response = http.post("/checks", content=chunks(), headers={"content-type": "application/json"})
    assert response.request.headers.get("transfer-encoding") == "chunked"
    assert "content-length" not in response.request.headers
    assert response.status_code == 413, response.text
    assert response.json()["error"]["code"] == "body-too-large"


def test_a_chunked_body_under_the_limit_is_answered(http: httpx.Client) -> None:
    digest = hash_bytes(b"chunked and small")

    def chunks() -> Iterator[bytes]:
        yield b'{"use": "tdm", '
        yield b'"hashes": ["' + digest.encode() + b'"]}'

    response = http.post("/checks", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 200, response.text
    assert response.json()["count"] == 1


def test_a_window_ending_before_it_starts_is_one_clear_422(http: httpx.Client) -> None:
    terms = {"rules": {"promotion": {"mode": "allow", "start": "2027-01-01T00:00:00Z", "end": "2026-01-01T00:00:00Z"}}}
    response = http.post("/policies", json=terms)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid-request"
    assert error["message"] == (
        "rules.promotion: window ends (2026-01-01T00:00:00+00:00) at or before it starts (2027-01-01T00:00:00+00:00)"
    )


def test_output_piped_into_head_exits_quietly(anvil_url: str, deployment: Deployment, tmp_path: Path) -> None:
    home = tmp_path / "home"
    save_deployment(deployment, home)
    hashes = [hash_bytes(i.to_bytes(4, "big")) for i in range(3000)]
    (tmp_path / "hashes.txt").write_text("\n".join(hashes))
    command = [sys.executable, "-m", "rightsledger.cli", "--rpc-url", anvil_url, "--home", str(home), "check"]
    shell = subprocess.run(
        f"{' '.join(command)} $(cat hashes.txt) --use tdm --json | head -1; exit ${{PIPESTATUS[0]}}",
        cwd=tmp_path,
        shell=True,
        executable="/bin/bash",
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert shell.stdout.strip() == "["
    assert shell.stderr == "", shell.stderr
    assert shell.returncode == 141  # the shell's convention for a closed pipe (128 + SIGPIPE)
