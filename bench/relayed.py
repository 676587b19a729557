"""Relayed registrations with 200 concurrent signers, each with its own new key: prepare (with
terms not stored yet: the first request stores them, once) + sign + submit, through
`rightsledger serve --workers N` for N = 1, 2, 4 on a fresh anvil. Every answer must be 201 and
every work on chain. Writes bench/results/relayed.json."""

from __future__ import annotations

import os
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
from common import fresh_chain, write_result
from eth_account import Account
from tests.gateway_support import funded_account, serving, sign_prepared

from rightsledger import hash_bytes
from rightsledger.chain.deployments import save_deployment

SIGNERS = 200
WORKERS = tuple(int(w) for w in sys.argv[1:]) or (1, 2, 4)


def run(url: str, workers: int, fee: int) -> tuple[dict[str, float], list[str]]:
    terms = {"rules": {"ai-training": {"mode": "licence", "fee": fee}}}
    accounts = [Account.create() for _ in range(SIGNERS)]
    hashes = [hash_bytes(os.urandom(32)) for _ in range(SIGNERS)]
    barrier = threading.Barrier(SIGNERS)
    # httpx's default keep-alive expiry (5 s): the gateway keeps idle connections longer (75 s).
    limits = httpx.Limits(max_connections=SIGNERS, max_keepalive_connections=SIGNERS)
    with httpx.Client(base_url=url, timeout=300, limits=limits) as http:

        def signer(i: int) -> int:
            body = {"action": "register", "from": accounts[i].address, "contentHash": hashes[i], "terms": terms}
            barrier.wait()
            prepared = http.post("/relay/prepare", json=body)
            if prepared.status_code != 200:
                return prepared.status_code
            return http.post("/works", json=sign_prepared(prepared.json(), accounts[i])).status_code

        start = time.perf_counter()
        with ThreadPoolExecutor(SIGNERS) as pool:
            statuses = list(pool.map(signer, range(SIGNERS)))
        seconds = time.perf_counter() - start
    assert statuses == [201] * SIGNERS, {s: statuses.count(s) for s in set(statuses)}
    return {"workers": workers, "seconds": round(seconds, 2), "per_s": round(SIGNERS / seconds, 1)}, hashes


def main() -> None:
    """`python bench/relayed.py [N ...]`: the worker counts to run (default 1, 2 and 4)."""
    load_before = os.getloadavg()[0]
    rows = []
    with fresh_chain() as admin:
        url = admin.w3.provider.endpoint_uri  # type: ignore[attr-defined]
        for workers in WORKERS:
            with tempfile.TemporaryDirectory() as home:
                save_deployment(admin.deployment, home)
                relayer = funded_account(admin.w3)
                with serving(url, Path(home), "0x" + bytes(relayer.key).hex(), workers=workers,
                             RIGHTSLEDGER_GATEWAY_RATE_LIMIT="0") as gateway:  # fmt: skip
                    row, hashes = run(gateway, workers, fee=1_000 + workers)
            assert all(admin.is_registered(h) for h in hashes), "a 201 answered registration is not on chain"
            rows.append(row)
            print(f"{SIGNERS} signers, {workers} worker(s): {row['seconds']} s, {row['per_s']}/s")
    load = os.getloadavg()[0]
    path = write_result(
        "relayed",
        {
            "signers": SIGNERS,
            "note": "each: prepare with new terms + sign + submit; all 201 and on chain; client, gateway and anvil "
            "on the same machine",
            "load_average_1min_before": round(load_before, 1),
            "load_average_1min_after": round(load, 1),
            "runs": rows,
        },
    )
    print(f"written to {path}")


if __name__ == "__main__":
    main()
