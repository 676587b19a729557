"""The gateway as a user runs it: `rightsledger serve` in its own process, asked over HTTP on
loopback, beside the SDK on the same node in the same run. Writes bench/results/gateway.json.

- check-many: works/s for batches of 1,000 and 10,000 hashes over HTTP, against the SDK's bulk
  check of the same 10,000 hashes (target: HTTP >= 0.5 of the SDK);
- 16 concurrent clients: single checks per second against the gateway's own `/info` (its
  framework floor: one node call and a small JSON answer; target >= 0.5);
(relayed registrations with 200 concurrent signers: bench/relayed.py.)
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
from common import fresh_chain, gateway_process, write_result

from rightsledger import Mode, Rule, Terms, Use, hash_bytes
from rightsledger.chain import dev_account
from rightsledger.chain.deployments import save_deployment

REGISTERED = 5_000
ROUNDS = 5
CONCURRENT, CONCURRENT_SECONDS = 16, 4.0
WORKERS = int(os.environ.get("BENCH_GATEWAY_WORKERS", "1"))


def median_seconds(action: Callable[[], object], rounds: int = ROUNDS) -> float:
    action()  # warm up
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def concurrent_rate(url: str, path_of: Callable[[int], str], params: dict[str, str] | None = None) -> float:
    """Requests per second answered 200 by CONCURRENT clients asking for CONCURRENT_SECONDS."""
    stop = time.perf_counter() + CONCURRENT_SECONDS
    counts = [0] * CONCURRENT
    failures: list[int] = []

    def client(index: int) -> None:
        with httpx.Client(base_url=url, timeout=60) as http:
            i = index
            while time.perf_counter() < stop:
                response = http.get(path_of(i), params=params)
                if response.status_code != 200:
                    failures.append(response.status_code)
                counts[index] += 1
                i += CONCURRENT

    start = time.perf_counter()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(CONCURRENT)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures, f"answers other than 200: {sorted(set(failures))}"
    return sum(counts) / (time.perf_counter() - start)


def main() -> None:
    with fresh_chain() as admin, tempfile.TemporaryDirectory() as home:
        save_deployment(admin.deployment, home)
        url = admin.w3.provider.endpoint_uri  # type: ignore[attr-defined]
        terms = Terms(rules={Use.AI_TRAINING: Rule(mode=Mode.LICENCE, fee=10**16), Use.TDM: Rule(mode=Mode.ALLOW)})
        registered = [hash_bytes(os.urandom(32)) for _ in range(REGISTERED)]
        admin.with_account(dev_account(1)).register_batch(registered, terms=terms)
        serve_args = ["--workers", str(WORKERS)] if WORKERS > 1 else []
        with gateway_process(url, home, *serve_args) as (gateway, _pid), \
                httpx.Client(base_url=gateway, timeout=300) as http:
            throughput = {}
            sdk_rate = 0.0
            for size in (1_000, 10_000):
                # Half registered works, half unknown: both paths of the contract's check.
                hashes = (registered * 2)[: size // 2] + [hash_bytes(os.urandom(32)) for _ in range(size - size // 2)]
                body = {"use": "ai-training", "hashes": hashes}

                def over_http(body: dict[str, object] = body, size: int = size) -> None:
                    response = http.post("/checks", json=body)
                    assert response.status_code == 200 and response.json()["count"] == size

                if size < 10_000:
                    median = median_seconds(over_http)
                else:  # HTTP and SDK rounds interleaved, so that both see the same machine
                    http_times, sdk_times = [], []
                    for _ in range(ROUNDS + 2):
                        http_times.append(median_seconds(over_http, rounds=1))
                        sdk_times.append(median_seconds(lambda h=hashes: admin.check_many(h, Use.AI_TRAINING), 1))
                    median, sdk_rate = statistics.median(http_times), size / statistics.median(sdk_times)
                throughput[str(size)] = {"median_s": round(median, 4), "works_per_s_median": round(size / median)}
            http_rate = throughput["10000"]["works_per_s_median"]

            info_rate = concurrent_rate(gateway, lambda i: "/info")
            check_rate = concurrent_rate(gateway, lambda i: f"/checks/{registered[i % REGISTERED]}", {"use": "tdm"})


    result = {
        "gateway_workers": WORKERS,
        "check_many": throughput,
        "sdk_bulk_check_10000_works_per_s": round(sdk_rate),
        "check_many_http_over_sdk": round(http_rate / sdk_rate, 3),
        "check_many_target": 0.5,
        "concurrent_clients": CONCURRENT,
        "info_per_s": round(info_rate),
        "check_one_per_s": round(check_rate),
        "check_one_over_info": round(check_rate / info_rate, 3),
        "check_one_target": 0.5,
        "relayed_registrations": "bench/relayed.py (bench/results/relayed.json): 200 concurrent signers",
    }
    path = write_result("gateway", result)
    for size, row in throughput.items():
        print(f"check-many of {int(size):>6,}: median {row['median_s']:.3f} s -> {row['works_per_s_median']:,} works/s")
    print(f"SDK bulk check of 10,000: {sdk_rate:,.0f} works/s -> HTTP/SDK {http_rate / sdk_rate:.2f} (target 0.5)")
    ratio = check_rate / info_rate
    print(f"{CONCURRENT} clients: /info {info_rate:,.0f}/s, single checks {check_rate:,.0f}/s -> {ratio:.2f}")
    print(f"written to {path}")


if __name__ == "__main__":
    main()
