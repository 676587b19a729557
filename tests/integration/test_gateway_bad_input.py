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


# ---------------------------------------------------------------------- the schema and the validators agree

HASH = "0x" + "ab" * 32


@pytest.mark.parametrize("at", [0, -1, 3169.5, True, 253_402_300_800])
def test_a_check_at_a_moment_the_schema_refuses_is_422(http: httpx.Client, at: object) -> None:
    response = http.post("/checks", json={"use": "tdm", "hashes": [HASH], "at": at})
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "invalid-request"


def test_a_check_at_integral_seconds_is_answered_as_seconds(http: httpx.Client) -> None:
    for at in (3169, 3169.0, "1970-01-01T00:52:49Z"):
        response = http.post("/checks", json={"use": "tdm", "hashes": [HASH], "at": at})
        assert response.status_code == 200, (at, response.text)
    one = http.get(f"/checks/{HASH}", params={"use": "tdm", "at": "0"})
    assert one.status_code == 422


def test_the_schema_documents_what_the_validators_take(http: httpx.Client) -> None:
    spec = http.get("/openapi.json").json()
    at = spec["components"]["schemas"]["CheckManyRequest"]["properties"]["at"]
    integers = [b for b in json_branches(at) if b.get("type") == "integer"]
    assert integers and all(b["minimum"] == 1 and b["maximum"] == 253_402_300_799 for b in integers)
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            assert {"400", "404", "413", "429", "500"} <= set(operation["responses"]), (path, method)


def json_branches(node: object) -> list[dict[str, object]]:
    """Every schema object below `node` (anyOf branches included)."""
    found: list[dict[str, object]] = []
    if isinstance(node, dict):
        found.append(node)
        for value in node.values():
            found.extend(json_branches(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(json_branches(value))
    return found
