"""Benchmarks for AI-trainer scale: bulk check throughput through the SDK vs a raw eth_call in the
same run, hashing throughput vs sha256sum, and gas per work (single, batch, dataset declaration)
against an OpenZeppelin ERC-721 mint. Writes bench/results/datasets.json.

    python bench/datasets.py                 # 10k, 100k and 1M registered works (~10 min)
    python bench/datasets.py --sizes 10000   # quicker

The chain runs with `--prune-history`: by default anvil keeps a copy of the state of every recent
block in memory, which grew to 9.2 GB before half a million works were registered; pruned, it
keeps the head's state only (the checks read the head). Its memory is watched while registering,
and the run stops if it passes --max-anvil-gb.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import requests
from common import compile_erc721, fresh_chain_process, rss_bytes, write_result

from rightsledger import RightsLedger, Use
from rightsledger.chain.transactions import TX_GAS_CAP
from rightsledger.manifests import collect
from rightsledger.merkle import MerkleTree
from rightsledger.sdk.works import CHECK_BATCH_SELECTOR, CHECK_CALL_GAS, CHECK_CHUNK
from rightsledger.workflows.bulk import hash_items

# The largest batch (a multiple of 10) under the 16,777,216-gas transaction cap (EIP-7825):
# 660 works use 16.47M gas (24,932 per work + the registration record), 1.8 % below the cap.
REGISTER_CHUNK = 660
# Transactions per mined block while registering. anvil does work per block that grows with the
# state (registering 1M works one block per transaction slowed from 26 s to 71 s per 100k works
# as the state grew); 30 transactions (495M gas, under the bench chain's 1G block gas limit) per
# block keep it at ~17 s per 100k.
TXS_PER_BLOCK = 30


class AnvilMemoryExceeded(SystemExit):
    pass


def register_many(
    client: RightsLedger, n: int, policy: int, anvil_pid: int, max_rss: int
) -> tuple[list[str], dict[str, Any]]:
    """Registers `n` random works in batches of REGISTER_CHUNK, TXS_PER_BLOCK transactions per block
    (automine off, `evm_mine` after each group), checking anvil's memory after every block."""
    hashes = ["0x" + os.urandom(32).hex() for _ in range(n)]
    rpc = client.w3.provider.make_request  # type: ignore[attr-defined]
    started = time.perf_counter()
    group: list[tuple[bytes, dict[str, Any]]] = []
    most_gas = peak_rss = 0
    reported = 0
    rpc("evm_setAutomine", [False])
    try:
        for start in range(0, n, REGISTER_CHUNK):
            chunk = hashes[start : start + REGISTER_CHUNK]
            tx = {
                "to": client.works.address,
                "data": client.works.encode_abi("registerBatch", [chunk, client.address, policy, ""]),
            }
            group.append(client.ctx.transactor.submit(tx, action="bench registering", gas=TX_GAS_CAP))
            done = start + len(chunk)
            if len(group) < TXS_PER_BLOCK and done < n:
                continue
            rpc("evm_mine", [])
            for tx_hash, sent in group:
                receipt = client.ctx.transactor.wait(tx_hash, sent, action="bench registering")
                most_gas = max(most_gas, int(receipt["gasUsed"]))
            group = []
            rss = rss_bytes(anvil_pid)
            peak_rss = max(peak_rss, rss)
            if rss > max_rss:
                raise AnvilMemoryExceeded(
                    f"stopped: anvil uses {rss / 2**30:.2f} GB after {done:,} of {n:,} new works"
                    f" (limit --max-anvil-gb {max_rss / 2**30:g}); the chain and its memory were released"
                )
            if done - reported >= 100_000:
                reported = done
                elapsed = time.perf_counter() - started
                print(f"    {done:>9,} works, {elapsed:6.1f} s, anvil {rss / 2**20:,.0f} MiB", flush=True)
    finally:
        rpc("evm_setAutomine", [True])
    seconds = time.perf_counter() - started
    print(f"  registered {n:,} works in {seconds:.1f} s, batches of {REGISTER_CHUNK} (at most {most_gas:,} gas),"
          f" anvil at most {peak_rss / 2**20:,.0f} MiB", flush=True)  # fmt: skip
    stats = {
        "seconds": round(seconds, 1),
        "works_per_s": round(n / seconds),
        "batch": REGISTER_CHUNK,
        "transactions_per_block": TXS_PER_BLOCK,
        "most_gas_per_transaction": most_gas,
        "anvil_peak_rss_mib": round(peak_rss / 2**20),
    }
    return hashes, stats


def raw_body(client: RightsLedger, chunk: list[str], block: int) -> bytes:
    data = (
        CHECK_BATCH_SELECTOR
        + (128).to_bytes(32, "big")
        + Use.AI_TRAINING.code.to_bytes(32, "big")
        + bytes(32)
        + bytes(32)
        + len(chunk).to_bytes(32, "big")
        + bytes.fromhex("".join(h[2:] for h in chunk))
    )
    payload = {"to": client.deployment.work_registry, "data": "0x" + data.hex(), "gas": hex(CHECK_CALL_GAS)}
    return json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_call", "params": [payload, hex(block)]}).encode()


def best_of(runs: int, fn: Any) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def bench_checks(client: RightsLedger, sizes: list[int], anvil_pid: int, max_rss: int) -> dict[str, Any]:
    policy = client.ensure_policy_for_bench()  # type: ignore[attr-defined]
    results: dict[str, Any] = {}
    registered: list[str] = []
    url = client.w3.provider.endpoint_uri  # type: ignore[attr-defined]
    session = requests.Session()
    for size in sizes:
        new, registration = register_many(client, size - len(registered), policy, anvil_pid, max_rss)
        registered += new
        block = client.w3.eth.block_number
        hashes = registered[:size]
        # Raw: one pre-encoded chunk, posted as bytes, the answer not even decoded.
        first = hashes[:CHECK_CHUNK]
        body = raw_body(client, first, block)
        headers = {"Content-Type": "application/json"}
        raw = best_of(5, lambda b=body, h=headers: session.post(url, data=b, headers=h).raise_for_status())
        raw_rate = CHECK_CHUNK / raw
        # The SDK on that same chunk: one call, encoded and decoded by check_hashes.
        sdk_chunk = best_of(5, lambda c=first, b=block: client.check_hashes(c, Use.AI_TRAINING, block=b, workers=1))
        sdk_chunk_rate = CHECK_CHUNK / sdk_chunk
        gas = int(
            client.w3.eth.estimate_gas(
                {"to": client.deployment.work_registry, "data": json.loads(body)["params"][0]["data"]}
            )
        )
        configs = {}
        for chunk in (2_000, 5_000, CHECK_CHUNK):
            for workers in (1, 2, 4):
                t = best_of(3, lambda c=chunk, w=workers, hs=hashes, b=block: client.check_hashes(
                    hs, Use.AI_TRAINING, block=b, chunk_size=c, workers=w))  # fmt: skip
                configs[f"chunk={chunk},workers={workers}"] = round(size / t)
        best = max(configs, key=lambda k: configs[k])
        answers = client.check_hashes(hashes, Use.AI_TRAINING, block=block)
        assert len(answers) == size and set(answers) == {4}, "every work answers licence-required"
        results[str(size)] = {
            "registration": registration,
            "anvil_rss_mib_after_checks": round(rss_bytes(anvil_pid) / 2**20),
            "raw_eth_call_checks_per_s": round(raw_rate),
            "sdk_same_chunk_checks_per_s": round(sdk_chunk_rate),
            "sdk_same_chunk_vs_raw_ratio": round(sdk_chunk_rate / raw_rate, 3),
            "sdk_checks_per_s": configs,
            "sdk_best": best,
            "sdk_best_checks_per_s": configs[best],
            "sdk_vs_raw_ratio": round(configs[best] / raw_rate, 3),
            "chunk_gas": gas,
            "gas_per_checked_item": round(gas / CHECK_CHUNK),
        }
        print(f"  {size:>8,} works: one {CHECK_CHUNK:,}-hash chunk: raw eth_call {raw_rate:>10,.0f}/s,"
              f" SDK {sdk_chunk_rate:>10,.0f}/s", flush=True)  # fmt: skip
        print(f"  {size:>8,} works: raw eth_call {raw_rate:>10,.0f}/s, SDK best {configs[best]:>10,}/s ({best}), "
              f"ratio {configs[best] / raw_rate:.2f}, {gas / CHECK_CHUNK:,.0f} gas per item", flush=True)  # fmt: skip
    return results


def bench_hashing(files: int, size_mb: int, workers: list[int]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for i in range(files):
            (folder / f"f{i:04}.bin").write_bytes(os.urandom(size_mb << 20))
        total = files * (size_mb << 20)
        paths = sorted(str(p) for p in folder.iterdir())
        subprocess.run(["sha256sum", *paths], check=True, capture_output=True)  # warm the page cache
        sha = best_of(3, lambda: subprocess.run(["sha256sum", *paths], check=True, capture_output=True))
        ours = {}
        for w in workers:
            ours[str(w)] = round(total / best_of(3, lambda w=w: hash_items(collect(folder), workers=w)) / 1e6, 1)
    result = {
        "files": files,
        "file_mb": size_mb,
        "sha256sum_mb_per_s": round(total / sha / 1e6, 1),
        "rightsledger_mb_per_s_by_workers": ours,
        "cpus": os.cpu_count(),
    }
    print(f"  hashing: sha256sum {result['sha256sum_mb_per_s']} MB/s; rightsledger {ours} MB/s by workers")
    return result


def bench_gas(client: RightsLedger) -> dict[str, Any]:
    policy = client.ensure_policy_for_bench()  # type: ignore[attr-defined]
    single = client.register(os.urandom(32), terms=policy)  # not the holder's first work below
    single = client.register(os.urandom(32), terms=policy)
    batch = client.register_batch([os.urandom(32) for _ in range(500)], terms=policy, chunk_size=500)
    hashes = ["0x" + os.urandom(32).hex() for _ in range(100_000)]
    tree = MerkleTree.of(hashes)
    declaration = client.datasets.declare(tree, Use.AI_TRAINING, "ipfs://bench-manifest")
    with tempfile.TemporaryDirectory() as home:
        collection = client.collections_in(home).register(hashes, terms=policy, metadata_uri="ipfs://c/")
    compiled = compile_erc721()
    tx = client.ctx.transactor
    factory = client.w3.eth.contract(abi=compiled["abi"], bytecode=compiled["bytecode"])
    data = factory.constructor().build_transaction({"from": client.address, "gas": 0, "nonce": 0})["data"]
    address = tx.send({"data": data}, action="deploying the ERC-721 mock")["contractAddress"]
    nft = client.w3.eth.contract(address=address, abi=compiled["abi"])
    client.ctx.send(nft.functions.mint(client.address, 1), "warm-up mint")  # the holder's first token is dearer
    mint = client.ctx.send(nft.functions.mint(client.address, 2), "mint")
    mint_batch = client.ctx.send(
        nft.functions.mintBatch(client.address, [int.from_bytes(os.urandom(32), "big") for _ in range(500)]), "mint 500"
    )
    result = {
        "single_registration": single.gas_used,
        "batch_500_per_work": round(batch.gas_used / 500),
        "dataset_declaration_100k_items": declaration.gas_used,
        "dataset_declaration_per_item": round(declaration.gas_used / 100_000, 3),
        "erc721_mint_single": int(mint["gasUsed"]),
        "erc721_mint_batch_500_per_token": round(int(mint_batch["gasUsed"]) / 500),
        "merkle_collection_100k_works": collection.gas_used,
        "merkle_collection_per_work": round(collection.gas_used / 100_000, 3),
    }
    print(f"  gas: {json.dumps(result)}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000", help="registered works to check against")
    parser.add_argument("--max-anvil-gb", type=float, default=6.0, help="stop if anvil's memory passes this")
    parser.add_argument("--hash-files", type=int, default=48)
    parser.add_argument("--hash-file-mb", type=int, default=4)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    result: dict[str, Any] = {}
    started = time.perf_counter()
    # --prune-history: only the head's state in memory (see the module's docstring).
    with fresh_chain_process("--gas-limit", "1000000000", "--prune-history") as (client, anvil):
        _attach_policy(client)
        print("gas per work", flush=True)
        result["gas"] = bench_gas(client)
        print("bulk checks", flush=True)
        result["anvil"] = "anvil --prune-history --gas-limit 1000000000"
        result["checks"] = bench_checks(client, sizes, anvil.pid, int(args.max_anvil_gb * 2**30))
    print("hashing", flush=True)
    result["hashing"] = bench_hashing(args.hash_files, args.hash_file_mb, [1, 2, 4])
    result["run_seconds"] = round(time.perf_counter() - started)
    path = write_result("datasets", result)
    print(f"written to {path}")


def _attach_policy(client: RightsLedger) -> None:
    from rightsledger import Mode, Rule, Terms

    policy = client.ensure_policy(Terms(rules={Use.AI_TRAINING: Rule(mode=Mode.LICENCE, fee=10**16)}))
    client.ensure_policy_for_bench = lambda: policy  # type: ignore[attr-defined]


if __name__ == "__main__":
    if shutil.which("sha256sum") is None:
        raise SystemExit("sha256sum is needed for the hashing comparison")
    main()
