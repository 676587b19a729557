"""Uploads /match/file and /matches/byContent cannot read answer one clean line (no object reprs, no
temporary paths, no traceback) naming what was wrong and what to send instead."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import iscc_samples
import pytest
from web3 import Web3

from ..gateway_support import isolated_gateway

CAT_JPG = iscc_samples.images("jpg")[0]
ENDPOINTS = [("/match/file", {}), ("/matches/byContent", {"alg": "io.iscc.v0"})]


@pytest.fixture(scope="module")
def http(w3: Web3, anvil_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    home = tmp_path_factory.mktemp("match-errors")
    with isolated_gateway(w3, anvil_url, home, max_body_bytes=2_000_000) as gateway, \
            httpx.Client(base_url=gateway.url, timeout=60) as client:
        yield client


def _error(response: httpx.Response) -> tuple[int, str, str]:
    body = response.json()["error"]
    message = body["message"]
    assert "\n" not in message and "object at 0x" not in message and "BytesIO" not in message, message
    assert "Traceback" not in message and "/tmp/" not in message and "rightsledger-audio" not in message, message
    return response.status_code, body["code"], message


@pytest.mark.parametrize(("path", "params"), ENDPOINTS)
def test_bytes_of_no_media_we_code_name_the_media_we_do(http: httpx.Client, path: str, params: dict[str, str]) -> None:
    unreadable = bytes(range(256)) * 8  # not an image, not UTF-8 text
    status, code, message = _error(http.post(path, content=unreadable, params=params,
                                             headers={"content-type": "application/octet-stream"}))
    assert (status, code) == (422, "invalid-input")
    assert message.startswith("the uploaded ") and "(2,048 bytes)" in message
    assert "unsupported media type" in message and "images, text and audio" in message


def test_a_damaged_image_names_itself_and_what_to_send(http: httpx.Client) -> None:
    # Named .jpg, so it is taken for an image: Pillow cannot identify it (its error names a BytesIO).
    status, code, message = _error(http.post("/match/file", content=b"not really a jpeg " * 20,
                                             params={"name": "photo.jpg"}))
    assert (status, code) == (422, "invalid-input")
    assert "photo.jpg: not an image Pillow can decode" in message and "send a complete JPEG, PNG" in message
    # A real JPEG cut short: decoded as far as it goes, then refused as incomplete.
    truncated = CAT_JPG.read_bytes()[:3000]
    status, _, message = _error(http.post("/match/file", content=truncated, params={"name": "cut.jpg"}))
    assert status == 422 and message.startswith("the uploaded file (3,000 bytes): cut.jpg: ")
    assert "is the file complete?" in message


def test_audio_that_fpcalc_cannot_read_names_the_upload_not_a_temporary_file(http: httpx.Client) -> None:
    if not __import__("shutil").which("fpcalc"):
        pytest.skip("Chromaprint's fpcalc is not installed")
    status, code, message = _error(http.post("/match/file", content=b"\x00\x01 not audio" * 50,
                                             params={"name": "song.mp3"}))
    assert (status, code) == (422, "invalid-input")
    assert "song.mp3: fpcalc could not decode the audio" in message and "complete audio file" in message


@pytest.mark.parametrize(("path", "params"), ENDPOINTS)
def test_an_empty_body_says_to_send_the_bytes(http: httpx.Client, path: str, params: dict[str, str]) -> None:
    status, code, message = _error(http.post(path, content=b"", params=params))
    assert (status, code) == (422, "invalid-input")
    assert message.startswith("the request body is empty") and "application/octet-stream" in message


@pytest.mark.parametrize(("path", "params"), ENDPOINTS)
def test_a_form_upload_is_refused_instead_of_matched_as_text(
    http: httpx.Client, path: str, params: dict[str, str]
) -> None:
    """A browser form posts multipart/form-data, which is UTF-8: read as the file it would be matched as a text."""
    form = http.post(path, params=params, files={"file": ("cat.jpg", io.BytesIO(CAT_JPG.read_bytes()), "image/jpeg")})
    status, code, message = _error(form)
    assert (status, code) == (415, "unsupported-upload")
    assert re.match(r"the request body is multipart/form-data, not an? (file|asset): send the", message)
    assert "Content-Type: application/octet-stream" in message
    status, code, _ = _error(http.post(path, params=params, json={"file": "cat.jpg"}))
    assert (status, code) == (415, "unsupported-upload")


def test_the_same_image_sent_as_raw_bytes_is_answered(http: httpx.Client, tmp_path: Path) -> None:
    response = http.post("/match/file", content=CAT_JPG.read_bytes(), params={"name": "cat.jpg"},
                         headers={"content-type": "image/jpeg"})
    assert response.status_code == 200, response.text
    assert response.json()["iscc"].startswith("ISCC:") and response.json()["matches"] == []
