"""Near-copy queries at the gateway over a large codes index: `POST /match` and `POST /match/file`
answered by `rightsledger serve` (its own process) whose codes index holds N codes (default
1,000,000: one real registered image work, the rest synthetic rows written straight into the
index file, as a long-running registry's index would hold them). Writes
bench/results/gateway_match.json (or the file named by --out).

Reported: the first query (the gateway loads the index), the median of the next ones, the median
while 8 clients ask at once, the first query after one more registration (the index syncs and
appends it), and the gateway's resident memory.

`python bench/gateway_match.py [--codes N] [--rounds R] [--out NAME]`
"""

from __future__ import annotations

import argparse
import io
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
import iscc_samples
import numpy as np
from common import fresh_chain, gateway_process, rss_bytes, write_result
from PIL import Image

from rightsledger import RightsLedger
from rightsledger.chain import dev_account
from rightsledger.chain.deployments import save_deployment
from rightsledger.identity import identify_bytes
from rightsledger.identity.similarity import popcount64
from rightsledger.workflows.identity_index import CodesIndex

CLIENTS = 8


def jpeg_copy(data: bytes, scale: float, quality: int) -> bytes:
    with Image.open(io.BytesIO(data)) as img:
        rgb = img.convert("RGB").resize((int(img.width * scale), int(img.height * scale)))
    out = io.BytesIO()
    rgb.save(out, "JPEG", quality=quality)
    return out.getvalue()


def blocks_image() -> bytes:
    """An unrelated image: random grey blocks."""
    pixels = np.random.default_rng(7).integers(0, 256, (8, 8), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels, "L").resize((256, 256), Image.Resampling.NEAREST).save(out, "PNG")
    return out.getvalue()


def fill(path: Path, n: int, header: int, avoid: list[int], block: int) -> None:
    """n synthetic image codes (none within 16 bits of `avoid`) straight into the codes table."""
    rng = np.random.default_rng(n)
    codes = rng.integers(0, 2**64, n, dtype=np.uint64, endpoint=False)
    for q in avoid:
        codes = codes[popcount64(codes ^ np.uint64(q)) > 16]
    rows = ((f"0x{i:064x}", header, str(int(c)), "image", 1_000_000 + i, block) for i, c in enumerate(codes.tolist()))
    with sqlite3.connect(path) as db:
        db.executemany("INSERT INTO codes (content_hash, header, body, media, registration_id, block) "
                       "VALUES (?, ?, ?, ?, ?, ?)", rows)


def timed(action: object) -> float:
    start = time.perf_counter()
    action()  # type: ignore[operator]
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--codes", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--concurrent-rounds", type=int, default=None, help="queries per client (default: --rounds)")
    parser.add_argument("--out", default="gateway_match")
    args = parser.parse_args()
    work = iscc_samples.images("jpg")[0].read_bytes()
    copy = jpeg_copy(work, 0.5, 60)
    other = blocks_image()
    with fresh_chain() as admin, tempfile.TemporaryDirectory() as home:
        save_deployment(admin.deployment, home)
        alice = RightsLedger(admin.w3, admin.deployment, dev_account(1), home=home)
        alice.register(work)
        identity = identify_bytes(work, "cat.jpg")
        assert identity.content_header is not None and identity.content_bits is not None
        with CodesIndex(alice) as index:
            index.sync()
            path = Path(home) / f"codes-{alice.chain_id}.sqlite"
            fill(path, args.codes - 1, identity.content_header.packed, [identity.content_bits,
                 identify_bytes(copy, "copy.jpg").content_bits or 0], alice.deployment.block)
            indexed = len(index)  # the real work and the synthetic rows
        url = admin.w3.provider.endpoint_uri  # type: ignore[attr-defined]
        query = {"iscc": [identify_bytes(copy, "copy.jpg").iscc]}
        with gateway_process(url, home) as (gateway, pid), httpx.Client(base_url=gateway, timeout=600) as http:

            def ask() -> None:
                response = http.post("/match", json=query)
                assert response.status_code == 200, response.text
                (answer,) = response.json()
                assert [m["contentHash"] for m in answer["matches"]] == [identity.sha256], answer

            first = timed(ask)
            warm = statistics.median(timed(ask) for _ in range(args.rounds))
            upload = statistics.median(timed(lambda: http.post("/match/file", content=copy, params={"name": "c.jpg"})
                                             .raise_for_status()) for _ in range(args.rounds))
            times: list[float] = []
            failures: list[str] = []
            per_client = args.rounds if args.concurrent_rounds is None else args.concurrent_rounds

            def client() -> None:
                with httpx.Client(base_url=gateway, timeout=600) as own:
                    for _ in range(per_client):
                        start = time.perf_counter()
                        response = own.post("/match", json=query)
                        times.append(time.perf_counter() - start)
                        ok = (response.status_code == 200
                              and response.json()[0]["matches"][0]["contentHash"] == identity.sha256)
                        if not ok:
                            failures.append(f"{response.status_code} {response.text[:200]}")

            threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
            wall = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            wall = time.perf_counter() - wall
            concurrent = statistics.median(times)
            alice.register(other)
            other_query = {"iscc": [identify_bytes(other, "o.jpg").iscc]}

            def ask_new() -> None:
                response = http.post("/match", json=other_query)
                assert response.status_code == 200 and response.json()[0]["matches"], response.text

            after_registration = timed(ask_new)
            rss = rss_bytes(pid)
    result = {
        "codes": indexed,
        "first_match_s": round(first, 4),
        "match_median_s": round(warm, 4),
        "match_file_median_s": round(upload, 4),
        "concurrent_clients": CLIENTS,
        "match_median_s_concurrent": round(concurrent, 4),
        "matches_per_s_concurrent": round(CLIENTS * per_client / wall, 1),
        "failed_concurrent_answers": len(failures),
        "first_failure": failures[0] if failures else None,
        "match_after_one_registration_s": round(after_registration, 4),
        "gateway_rss_bytes": rss,
    }
    out = write_result(args.out, result)
    for key, value in result.items():
        print(f"{key}: {value}")
    print(f"written to {out}")


if __name__ == "__main__":
    main()
