"""The gateway through HTTP on loopback (bounded in count and time): check-many read throughput
in works/s for batches of 1,000 and 10,000 hashes, single checks per second, and relayed
registrations per second with 8 concurrent clients. Writes bench/results/gateway.json."""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
from common import fresh_chain, write_result
from tests.gateway_support import relay_register, running_gateway

from rightsledger import Mode, Rule, Terms, Use, hash_bytes
from rightsledger.chain import dev_account
from rightsledger.chain.deployments import save_deployment
from rightsledger.gateway import GatewaySettings

REGISTERED = 5_000
ROUNDS = 5
RELAYED, CLIENTS = 80, 8


def main() -> None:
    with fresh_chain() as admin, tempfile.TemporaryDirectory() as home:
        save_deployment(admin.deployment, home)
        url = admin.w3.provider.endpoint_uri  # type: ignore[attr-defined]
        terms = Terms(rules={Use.AI_TRAINING: Rule(mode=Mode.LICENCE, fee=10**16), Use.TDM: Rule(mode=Mode.ALLOW)})
        registered = [hash_bytes(os.urandom(32)) for _ in range(REGISTERED)]
        admin.with_account(dev_account(1)).register_batch(registered, terms=terms)
        settings = GatewaySettings(rpc_url=url, home=home, rate_limit=0)
        with running_gateway(settings) as gateway, httpx.Client(base_url=gateway, timeout=300) as http:
            throughput = {}
            for size in (1_000, 10_000):
                # Half registered works, half unknown: both paths of the contract's check.
                hashes = (registered * 2)[: size // 2] + [hash_bytes(os.urandom(32)) for _ in range(size - size // 2)]
                body = {"use": "ai-training", "hashes": hashes}
                http.post("/checks", json=body).raise_for_status()  # warm up
                times = []
                for _ in range(ROUNDS):
                    start = time.perf_counter()
                    response = http.post("/checks", json=body)
                    times.append(time.perf_counter() - start)
                    assert response.status_code == 200 and response.json()["count"] == size
                best, median = min(times), statistics.median(times)
                throughput[str(size)] = {
                    "median_s": round(median, 4),
                    "best_s": round(best, 4),
                    "works_per_s_median": round(size / median),
                }
            single_n = 200
            start = time.perf_counter()
            for h in registered[:single_n]:
                http.get(f"/checks/{h}", params={"use": "tdm"}).raise_for_status()
            single_per_s = single_n / (time.perf_counter() - start)

            fresh = [hash_bytes(os.urandom(32)) for _ in range(RELAYED)]

            def client(index: int) -> int:
                with httpx.Client(base_url=gateway, timeout=120) as c:
                    return sum(
                        relay_register(c, dev_account(1 + index), h).status_code == 201 for h in fresh[index::CLIENTS]
                    )

            start = time.perf_counter()
            with ThreadPoolExecutor(CLIENTS) as pool:
                landed = sum(pool.map(client, range(CLIENTS)))
            relayed_s = time.perf_counter() - start
            assert landed == RELAYED and all(admin.is_registered(h) for h in fresh)

    result = {
        "check_many": throughput,
        "check_one_sequential_per_s": round(single_per_s),
        "relayed_registrations": {
            "count": RELAYED,
            "clients": CLIENTS,
            "seconds": round(relayed_s, 2),
            "per_s": round(RELAYED / relayed_s, 1),
            "note": "each is prepare + sign + relay: two HTTP requests and one transaction",
        },
    }
    path = write_result("gateway", result)
    for size, row in throughput.items():
        print(f"check-many of {int(size):>6,}: median {row['median_s']:.3f} s -> {row['works_per_s_median']:,} works/s")
    print(f"single checks (GET, one client): {single_per_s:,.0f} per s")
    print(f"relayed registrations: {RELAYED} by {CLIENTS} clients in {relayed_s:.2f} s ({RELAYED / relayed_s:.1f}/s)")
    print(f"written to {path}")


if __name__ == "__main__":
    main()
