"""Review 5, gateway uploads (`POST /match/file`, `POST /matches/byContent`): an upload is decoded and
matched off the event loop, so one large image does not stall every other client of the worker; and
an image of more pixels than the gateway decodes (`max_upload_pixels`) is refused from its header,
before any decoding (a 230 KB PNG of 178 megapixels cost 3 GB and 10 s to decode)."""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from PIL import Image, ImageDraw
from web3 import Web3

from ..gateway_support import isolated_gateway

OCTETS = {"content-type": "application/octet-stream"}


def _png(width: int, height: int) -> bytes:
    """A large, highly compressible grey PNG with a feature (an ellipse), so it has a content code."""
    img = Image.new("L", (width, height))
    ImageDraw.Draw(img).ellipse((width // 10, height // 10, width * 7 // 10, height * 6 // 10), fill=200)
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


@pytest.fixture(scope="module")
def gateway(w3: Web3, anvil_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    home = tmp_path_factory.mktemp("review5-uploads")
    with isolated_gateway(w3, anvil_url, home, max_body_bytes=4_000_000) as running:
        yield running.url


@pytest.mark.parametrize(("path", "params"), [("/match/file", {"name": "big.png"}),
                                              ("/matches/byContent", {"alg": "io.iscc.v0"})])
def test_a_large_upload_being_decoded_does_not_stall_the_other_requests(
        gateway: str, path: str, params: dict[str, str]) -> None:
    big = _png(6000, 6000)  # 36 megapixels: about a second of decoding here

    async def race() -> tuple[float, float, int]:
        async with httpx.AsyncClient(base_url=gateway, timeout=120) as client:
            assert (await client.get("/info")).status_code == 200
            finished: dict[str, float] = {}

            async def upload() -> int:
                response = await client.post(path, params=params, content=big, headers=OCTETS)
                finished["upload"] = time.monotonic()
                return response.status_code

            async def info() -> None:
                await asyncio.sleep(0.3)  # the upload is in the server by then
                assert (await client.get("/info")).status_code == 200
                finished["info"] = time.monotonic()

            status, _ = await asyncio.gather(upload(), info())
            return finished["info"], finished["upload"], status

    info_done, upload_done, status = asyncio.run(race())
    assert status == 200
    assert info_done < upload_done, "/info waited for the upload's decoding: the event loop was blocked"


def test_an_image_of_more_pixels_than_the_gateway_decodes_is_refused_from_its_header(gateway: str) -> None:
    bomb = _png(9000, 9000)  # 81 megapixels in about 100 KB
    assert len(bomb) < 400_000
    with httpx.Client(base_url=gateway, timeout=120) as client:
        started = time.monotonic()
        response = client.post("/match/file", params={"name": "bomb.png"}, content=bomb, headers=OCTETS)
        elapsed = time.monotonic() - started
        assert response.status_code == 422, response.text
        error = response.json()["error"]
        assert error["code"] == "invalid-input"
        assert "9000 x 9000" in error["message"] and "50,000,000 pixels" in error["message"]
        assert "MAX_UPLOAD_PIXELS" in error["message"] and "\n" not in error["message"]
        assert elapsed < 2.0, f"{elapsed:.1f} s: the image was decoded before it was refused"
        # the same through the soft-binding route, which shares the upload reader
        response = client.post("/matches/byContent", params={"alg": "io.iscc.v0"}, content=bomb, headers=OCTETS)
        assert response.status_code == 422 and "50,000,000 pixels" in response.json()["error"]["message"]


def test_the_pixel_limit_is_the_operators_setting(w3: Web3, anvil_url: str,
                                                   tmp_path_factory: pytest.TempPathFactory) -> None:
    home = tmp_path_factory.mktemp("review5-pixels")
    small = _png(1200, 1000)
    with isolated_gateway(w3, anvil_url, home, max_upload_pixels=1_000_000) as running, \
            httpx.Client(base_url=running.url, timeout=60) as client:
        refused = client.post("/match/file", params={"name": "a.png"}, content=small, headers=OCTETS)
        assert refused.status_code == 422 and "1200 x 1000" in refused.json()["error"]["message"]
        assert "1,000,000 pixels" in refused.json()["error"]["message"]
        fits = client.post("/match/file", params={"name": "b.png"}, content=_png(1000, 1000), headers=OCTETS)
        assert fits.status_code == 200 and fits.json()["iscc"].startswith("ISCC:")


def test_uploads_waiting_for_a_decoder_do_not_hold_the_threads_other_requests_need(gateway: str) -> None:
    # Starlette runs sync routes (/info, /checks, /match) in a pool of 40 threads. Uploads that wait
    # for one of the two decoders must wait outside it, or 60 of them starve every other route (it
    # answered /info after 35 s).
    image = _png(4500, 4500)

    async def race() -> tuple[int, list[float], float]:
        limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
        async with httpx.AsyncClient(base_url=gateway, timeout=300, limits=limits) as client:
            assert (await client.get("/info")).status_code == 200
            done: list[float] = []

            async def upload() -> int:
                response = await client.post("/match/file", params={"name": "u.png"}, content=image, headers=OCTETS)
                done.append(time.monotonic())
                return response.status_code

            async def info() -> float:
                await asyncio.sleep(0.5)  # every upload is in the server by then
                assert (await client.get("/info")).status_code == 200
                return time.monotonic()

            *statuses, info_done = await asyncio.gather(*[upload() for _ in range(60)], info())
            return len([s for s in statuses if s == 200]), sorted(done), info_done

    answered, done, info_done = asyncio.run(race())
    assert answered == 60
    assert info_done < done[9], "/info waited behind the queued uploads for a thread"


def _slow_sync(monkeypatch: pytest.MonkeyPatch) -> None:
    """The codes index's sync takes 1.5 s, as its first load does at start-up on a large registry
    (8.6 s at 1M codes): a route that syncs it on the event loop stalls every other client meanwhile."""
    from rightsledger.workflows.identity_index import CodesIndex

    original = CodesIndex.sync

    def slow(self: CodesIndex, *args: object, **kwargs: object) -> object:
        time.sleep(1.5)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(CodesIndex, "sync", slow)


def _info_answers_during(url: str, path: str, params: dict[str, str]) -> bool:
    image = _png(400, 300)

    async def race() -> bool:
        async with httpx.AsyncClient(base_url=url, timeout=60) as client:
            finished: dict[str, float] = {}

            async def upload() -> None:
                response = await client.post(path, params=params, content=image, headers=OCTETS)
                assert response.status_code == 200, response.text
                finished["upload"] = time.monotonic()

            async def info() -> None:
                await asyncio.sleep(0.5)
                assert (await client.get("/info")).status_code == 200
                finished["info"] = time.monotonic()

            await asyncio.gather(upload(), info())
            return finished["info"] < finished["upload"]

    return asyncio.run(race())


def test_match_file_syncs_the_codes_index_off_the_event_loop(
        w3: Web3, anvil_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with isolated_gateway(w3, anvil_url, tmp_path) as running:
        _slow_sync(monkeypatch)
        assert _info_answers_during(running.url, "/match/file", {"name": "a.png"})


def test_matches_by_content_syncs_the_codes_index_off_the_event_loop(
        w3: Web3, anvil_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with isolated_gateway(w3, anvil_url, tmp_path) as running:
        _slow_sync(monkeypatch)
        assert _info_answers_during(running.url, "/matches/byContent", {"alg": "io.iscc.v0"})
