"""Benchmarks for audits at a billion items (issue 14): registry snapshots, offline checks from a
snapshot against the SDK's on-chain bulk check, and a projection to 1 and 5 billion items.
Writes bench/results/scale.json.

    python bench/scale.py            # 1M-work snapshot, 20k works on anvil (~3 min)

The streaming Merkle trees are measured by bench/merkle.py (10M leaves, and 100M with --big;
`make bench` runs it first): the projection takes their figures from bench/results/merkle.json
(the largest tree measured), or measures a 10M-leaf tree itself if that file is missing.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np
from common import RESULTS, fresh_chain, write_result
from merkle import bench_merkle

from rightsledger import Mode, Rule, Terms, Use
from rightsledger.workflows.snapshot import (
    PolicyRow,
    SnapshotMeta,
    WorkRow,
    check_rows,
    check_snapshot,
    read_snapshot,
    update_snapshot,
    write_snapshot,
)

BLOCK = 1 << 16
HOLDER = "0x" + "11" * 20
TRAINING_BIT = 1 << Use.AI_TRAINING.code


def synthetic_hashes(n: int, seed: int) -> Any:
    """n pseudo-random 32-byte values, generated in blocks (never all in memory)."""
    rng = np.random.default_rng(seed)
    for start in range(0, n, BLOCK):
        raw = rng.bytes(32 * min(BLOCK, n - start))
        for at in range(0, len(raw), 32):
            yield raw[at : at + 32]


# ---------------------------------------------------------------------- snapshots and offline checks

POLICIES = [
    PolicyRow.from_terms(1, Terms(rules={Use.AI_TRAINING: Rule(mode=Mode.LICENCE, fee=10**15)})),
    PolicyRow.from_terms(2, Terms(rules={u: Rule(mode=Mode.ALLOW) for u in Use})),
    PolicyRow.from_terms(3, Terms(rules={Use.TDM: Rule(mode=Mode.ALLOW)})),
]


def synthetic_works(n: int, seed: int) -> Any:
    for i, value in enumerate(synthetic_hashes(n, seed)):
        yield WorkRow("0x" + value.hex(), HOLDER, 0, TRAINING_BIT if i % 7 == 0 else 0, 1 + i % 3, 1 + i // 500, 1)


def folder_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def bench_snapshot(n: int) -> tuple[dict[str, Any], Path, tempfile.TemporaryDirectory[str]]:
    scratch = tempfile.TemporaryDirectory(dir=os.environ.get("RIGHTSLEDGER_BENCH_TMP"))
    root = Path(scratch.name)
    meta = SnapshotMeta(31337, {"WorkRegistry": HOLDER}, 1, "0x" + "00" * 32, 1_800_000_000)
    started = time.perf_counter()
    manifest = write_snapshot(root / "full", meta, synthetic_works(n, seed=1), POLICIES)
    build = time.perf_counter() - started
    size = folder_bytes(root / "full")
    started = time.perf_counter()
    snapshot = read_snapshot(root / "full")
    read_seconds = time.perf_counter() - started
    updates: dict[str, Any] = {}
    for changed in (10, 1000):
        rows = [
            WorkRow("0x" + v.hex(), HOLDER, 0, 1 << Use.TDM.code, 2, 99, 2)
            for v in synthetic_hashes(changed, seed=1000 + changed)
        ]
        started = time.perf_counter()
        update = update_snapshot(root / "full", root / f"update-{changed}", meta, rows)
        seconds = time.perf_counter() - started
        parts = len(update["tables"]["works"]["parts"])
        updates[f"{changed}_new_works"] = {
            "seconds": round(seconds, 2),
            "part_files_rewritten": parts - len([p for p in update["reused"] if p.startswith("works/")]),
            "part_files": parts,
        }
    result = {
        "works": n,
        "prefix_bits": manifest["prefixBits"],
        "part_files": len(manifest["tables"]["works"]["parts"]),
        "build_seconds": round(build, 1),
        "build_seconds_per_million": round(build / n * 1e6, 1),
        "bytes": size,
        "bytes_per_million_works": round(size / n * 1e6),
        "bytes_per_work": round(size / n, 1),
        "read_and_verify_seconds": round(read_seconds, 2),
        "incremental": updates,
    }
    print(f"  snapshot {n:,} works: {build:.1f} s, {size / 2**20:.1f} MiB, read+verify {read_seconds:.1f} s,"
          f" updates {updates}", flush=True)  # fmt: skip
    del snapshot
    return result, root / "full", scratch


def bench_offline(path: Path, n: int) -> dict[str, Any]:
    snapshot = read_snapshot(path)
    hashes = ["0x" + v.hex() for v in synthetic_hashes(n, seed=1)]
    check_snapshot(snapshot, hashes[:1000], Use.AI_TRAINING, at=1_800_000_000)  # builds the sorted key index once
    started = time.perf_counter()
    rows = snapshot.rows_of(hashes)
    join = time.perf_counter() - started
    binary = np.frombuffer(b"".join(synthetic_hashes(n, seed=1)), dtype="S32")  # as a Parquet binary(32) column
    started = time.perf_counter()
    binary_rows = snapshot.rows_of_keys(binary)
    join_binary = time.perf_counter() - started
    assert (binary_rows == rows).all() and (rows >= 0).all()
    started = time.perf_counter()
    reasons = check_rows(snapshot, rows, Use.AI_TRAINING, at=1_800_000_000)
    decide = time.perf_counter() - started
    started = time.perf_counter()
    licensee = check_rows(snapshot, rows, Use.AI_TRAINING, "0x" + "22" * 20, at=1_800_000_000)
    with_licensee = time.perf_counter() - started
    counts = {int(k): int(v) for k, v in zip(*np.unique(reasons, return_counts=True), strict=True)}
    assert (licensee == reasons).all() and sum(counts.values()) == n
    result = {
        "works": n,
        "join_hex_text_seconds": round(join, 2),
        "join_binary_seconds": round(join_binary, 2),
        "decide_seconds": round(decide, 3),
        "decide_with_licensee_seconds": round(with_licensee, 3),
        "checks_per_s_from_hex_text": round(n / (join + decide)),
        "checks_per_s_from_binary": round(n / (join_binary + decide)),
        "checks_per_s_joined": round(n / decide),
        "reason_counts": counts,
        "threads": 1,
    }
    rates = f"{n / (join + decide):,.0f}/s from hex, {n / (join_binary + decide):,.0f}/s from binary"
    print(f"  offline {n:,}: join {join:.2f} s (binary {join_binary:.2f} s), decide {decide:.3f} s: {rates}")
    return result


def bench_on_chain(n: int) -> dict[str, Any]:
    with fresh_chain("--gas-limit", "1000000000", "--prune-history") as client:
        policy = client.ensure_policy(Terms(rules={Use.AI_TRAINING: Rule(mode=Mode.LICENCE, fee=10**15)}))
        hashes = ["0x" + v.hex() for v in synthetic_hashes(n, seed=7)]
        started = time.perf_counter()
        client.register_batch(hashes, terms=policy, chunk_size=500)
        registering = time.perf_counter() - started
        block = client.w3.eth.get_block("latest")
        at = int(block["timestamp"])
        rates = {}
        for workers in (1, 4):
            best = math.inf
            for _ in range(3):
                started = time.perf_counter()
                chain = client.check_hashes(hashes, Use.AI_TRAINING, at=at, block=int(block["number"]), workers=workers)
                best = min(best, time.perf_counter() - started)
            rates[workers] = round(n / best)
        # The same works, answered from a snapshot of them (as registered), must agree with the chain.
        with tempfile.TemporaryDirectory() as folder:
            meta = SnapshotMeta(client.chain_id, dict(client.deployment.contracts), int(block["number"]),
                                "0x" + bytes(block["hash"]).hex(), at)  # fmt: skip
            rows = (WorkRow(h, client.address, 0, 0, policy) for h in hashes)
            write_snapshot(Path(folder) / "s", meta, rows, [PolicyRow.from_terms(policy, client.policy(policy))])
            offline = check_snapshot(read_snapshot(Path(folder) / "s"), hashes, Use.AI_TRAINING, at=at)
        assert offline.tobytes() == chain, "the snapshot's answers differ from the chain's"
        unknown = ["0x" + v.hex() for v in synthetic_hashes(1000, seed=8)]
        assert set(client.check_hashes(unknown, Use.AI_TRAINING, at=at)) == {0}
    result = {
        "works": n,
        "register_seconds": round(registering, 1),
        "checks_per_s": {f"{w}_workers": r for w, r in rates.items()},
        "snapshot_answers_equal_chain": True,
        "note": "anvil and the SDK share this machine's 2 CPUs; per core = best rate / 2",
    }
    print(f"  on-chain {n:,}: {rates} checks/s; snapshot answers equal the chain's", flush=True)
    return result


# ---------------------------------------------------------------------- audits: local and on Ray


def bench_ray_audit(files: int, hashed: int, block_rows: int) -> dict[str, Any]:
    """The same manifest audited from the same snapshot: the local engine, then Ray with 1 and 2 workers.

    The manifest lists `files` text files (half registered, half not: those are coded and looked up
    as near copies) and `hashed` rows that give a registered work's hash only (the join alone)."""
    import ray

    from rightsledger.hashing import hash_file
    from rightsledger.identity import identify_file
    from rightsledger.workflows.audit_ray import run_ray_audit
    from rightsledger.workflows.audit_snapshot import run_snapshot_audit

    with tempfile.TemporaryDirectory(dir=os.environ.get("RIGHTSLEDGER_BENCH_TMP")) as folder:
        root = Path(folder)
        corpus = root / "corpus"
        corpus.mkdir()
        rng = np.random.default_rng(14)
        words = [f"w{k}" for k in range(5000)]
        works: list[WorkRow] = []
        lines = []
        for k in range(files):
            path = corpus / f"text-{k:06d}.txt"
            path.write_text(" ".join(rng.choice(words, 300)))
            lines.append(json.dumps({"path": path.name}))
            if k % 2 == 0:
                identity = identify_file(path)
                head = identity.content_header
                works.append(WorkRow(hash_file(path), HOLDER, 0, 0, 1 + k % 3, 1, 1,
                                     identity.content_bits, head.packed if head else None))
        extra = ["0x" + v.hex() for v in synthetic_hashes(hashed, seed=21)]
        works += [WorkRow(h, HOLDER, 0, 0, 1 + i % 3, 2, 1) for i, h in enumerate(extra)]
        lines += [json.dumps({"hash": h}) for h in extra]
        manifest = corpus / "manifest.jsonl"
        manifest.write_text("\n".join(lines) + "\n")
        meta = SnapshotMeta(31337, {"WorkRegistry": HOLDER}, 1, "0x" + "00" * 32, 1_800_000_000)
        write_snapshot(root / "snap", meta, works, POLICIES)
        items = files + hashed
        started = time.perf_counter()
        local = run_snapshot_audit(root / "snap", manifest, Use.AI_TRAINING, out=root / "local.jsonl",
                                   workers=1, progress=False)
        local_seconds = time.perf_counter() - started
        result: dict[str, Any] = {
            "items": items, "files": files, "hash_only_rows": hashed, "block_rows": block_rows,
            "local": {"seconds": round(local_seconds, 2), "items_per_s": round(items / local_seconds)},
        }
        digest = local.summary["reportDigest"]
        started = time.perf_counter()
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
        result["ray_start_seconds"] = round(time.perf_counter() - started, 1)
        try:
            for workers in (1, 2):
                started = time.perf_counter()
                out = run_ray_audit(root / "snap", manifest, Use.AI_TRAINING, out=root / f"ray-{workers}",
                                    workers=workers, block_rows=block_rows, progress=False)
                seconds = time.perf_counter() - started
                assert out.summary["reportDigest"] == digest, "the Ray report differs from the local one"
                result[f"ray_{workers}_workers"] = {"seconds": round(seconds, 2), "items_per_s": round(items / seconds)}
        finally:
            ray.shutdown()
    result["reports_equal"] = True
    result["scaling_2_over_1"] = round(result["ray_1_workers"]["seconds"] / result["ray_2_workers"]["seconds"], 2)
    result["note"] = ("one machine, 2 CPUs shared by the driver, Ray's own processes and the workers; "
                      "each Ray run includes starting its workers and reading the snapshot in each")
    print(f"  audit of {items:,} items: local {result['local']['items_per_s']:,}/s, Ray 1 worker "
          f"{result['ray_1_workers']['items_per_s']:,}/s, 2 workers {result['ray_2_workers']['items_per_s']:,}/s",
          flush=True)  # fmt: skip
    return result


# ---------------------------------------------------------------------- projection


def projection(merkle: dict[str, Any], snapshot: dict[str, Any], offline: dict[str, Any],
               chain: dict[str, Any], cores: int) -> dict[str, Any]:  # fmt: skip
    offline_core = offline["checks_per_s_from_hex_text"]  # one thread, the same input as the chain's check
    chain_core = max(chain["checks_per_s"].values()) / cores  # both processes on all cores
    leaves_core = merkle["leaves_per_s"]
    out: dict[str, Any] = {
        "rates_per_core": {
            "offline_checks_per_s": offline_core,
            "on_chain_checks_per_s": round(chain_core),
            "offline_over_on_chain": round(offline_core / chain_core, 1),
            "offline_from_binary_checks_per_s": offline["checks_per_s_from_binary"],
            "offline_from_binary_over_on_chain": round(offline["checks_per_s_from_binary"] / chain_core, 1),
            "merkle_leaves_per_s": leaves_core,
        }
    }
    for label, items in (("1_billion", 10**9), ("5_billion", 5 * 10**9)):
        snap_bytes = snapshot["bytes_per_work"] * items
        offline_hours = items / offline_core / 3600
        chain_hours = items / chain_core / 3600
        merkle_hours = items / leaves_core / 3600
        tree_bytes = (2 * items - 1) * 32 + 128
        out[label] = {
            "snapshot_bytes": round(snap_bytes),
            "snapshot_arithmetic": f"{snapshot['bytes_per_work']} B/work x {items:,} = {snap_bytes / 1e9:,.1f} GB",
            "offline_core_hours": round(offline_hours, 2),
            "offline_arithmetic": f"{items:,} / {offline_core:,} per s / 3600 = {offline_hours:,.2f} core-hours",
            "offline_cores_for_one_hour": math.ceil(offline_hours),
            "on_chain_core_hours": round(chain_hours, 1),
            "on_chain_arithmetic": f"{items:,} / {round(chain_core):,} per s / 3600 = {chain_hours:,.1f} core-hours",
            "merkle_tree_bytes": tree_bytes,
            "merkle_arithmetic": (
                f"(2 x {items:,} - 1) x 32 B = {tree_bytes / 1e9:,.0f} GB; {items:,} / {leaves_core:,} leaves/s"
                f" / 3600 = {merkle_hours:,.1f} h on one core (one process: the merge is sequential)"
            ),
            "merkle_hours_one_core": round(merkle_hours, 1),
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--works", type=int, default=1_000_000, help="works in the synthetic snapshot")
    parser.add_argument("--chain-works", type=int, default=20_000, help="works registered on anvil")
    parser.add_argument("--audit-files", type=int, default=4_000, help="files in the Ray audit's manifest")
    parser.add_argument("--audit-hashes", type=int, default=100_000, help="hash-only rows in that manifest")
    parser.add_argument("--only-audit", action="store_true",
                        help="run the local-vs-Ray audit alone and update its entry in scale.json")
    args = parser.parse_args()
    if args.only_audit:
        found = json.loads((Path(__file__).resolve().parent / "results" / "scale.json").read_text())
        found.pop("measured_at", None)
        found.pop("machine", None)
        print("audit: local and Ray", flush=True)
        found["audit_engines"] = bench_ray_audit(args.audit_files, args.audit_hashes, 5_000)
        print(f"wrote {write_result('scale', found)}", flush=True)
        return
    cores = os.cpu_count() or 1
    started = time.perf_counter()
    result: dict[str, Any] = {"cpus": cores}
    merkle_results = RESULTS / "merkle.json"
    if merkle_results.exists():
        result["merkle"] = json.loads(merkle_results.read_text())["trees"]
        print(f"merkle trees: from {merkle_results} (bench/merkle.py)", flush=True)
    else:
        print("merkle trees (no bench/results/merkle.json: measuring 10M leaves)", flush=True)
        result["merkle"] = {"10000000": bench_merkle(10_000_000, 1_000_000)}
    print("snapshot", flush=True)
    snapshot, path, scratch = bench_snapshot(args.works)
    result["snapshot"] = snapshot
    with scratch:
        result["offline_checks"] = bench_offline(path, args.works)
    print("on-chain bulk check", flush=True)
    result["on_chain_checks"] = bench_on_chain(args.chain_works)
    print("audit: local and Ray", flush=True)
    result["audit_engines"] = bench_ray_audit(args.audit_files, args.audit_hashes, 5_000)
    biggest = result["merkle"][max(result["merkle"], key=int)]
    result["projection"] = projection(biggest, snapshot, result["offline_checks"], result["on_chain_checks"], cores)
    result["seconds"] = round(time.perf_counter() - started, 1)
    path_out = write_result("scale", result)
    print(f"wrote {path_out} in {result['seconds']} s", flush=True)


if __name__ == "__main__":
    main()
