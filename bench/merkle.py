"""Benchmark of the streaming Merkle tree store (issue 14 item 5): build rate (leaves/s) and peak
memory (RSS) at 10M and 100M synthetic leaves, and the time to read a proof from the tree file.
Writes bench/results/merkle.json (bench/scale.py's projection reads it).

    python bench/merkle.py            # 10M leaves (~2 min on a quiet core)
    python bench/merkle.py --big      # also 100M leaves (~20 min, 9.6 GB of scratch disk)

A size not measured in this run keeps its last recorded figures (so `make bench` re-measures
10M and keeps the 100M run). Each build runs in a child process that does nothing else: its
peak RSS (`ru_maxrss`) is the build's, next to the same child's RSS before it starts.
Proof reads, for 2,000 random leaves: `proof_read_first_us` = each proof read once from the open
TreeFile right after the build (binary search over the leaves + one read per level, every proof
checked against the root; what the page cache lacks is read from disk); `proof_read_us` = the
same proofs again (pages cached); `open_and_prove_us` = what `prove` does for one work: open the
file (header, digest, size, root check) and read one proof.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np
from common import RESULTS, write_result

from rightsledger.merkle_store import TreeFile, build_tree_file, verify

BLOCK = 1 << 16
PROOFS = 2000


def synthetic_hashes(n: int, seed: int) -> Iterator[bytes]:
    """n pseudo-random 32-byte values, generated in blocks (never all in memory)."""
    rng = np.random.default_rng(seed)
    for start in range(0, n, BLOCK):
        raw = rng.bytes(32 * min(BLOCK, n - start))
        for at in range(0, len(raw), 32):
            yield raw[at : at + 32]


def merkle_child(n: int, path: str, run_size: int) -> None:
    """Runs in its own process: build, then print timings and this process's peak memory."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    started = time.perf_counter()
    tree = build_tree_file(synthetic_hashes(n, seed=n), path, run_size=run_size)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    rng = np.random.default_rng(1)
    wanted = set(int(i) for i in rng.choice(n, size=PROOFS, replace=False))
    sample = [v for i, v in enumerate(synthetic_hashes(n, seed=n)) if i in wanted]
    started = time.perf_counter()
    proofs = [tree.proof(v) for v in sample]
    first = (time.perf_counter() - started) / len(sample)
    started = time.perf_counter()
    again = [tree.proof(v) for v in sample]
    warm = (time.perf_counter() - started) / len(sample)
    assert again == proofs
    tree.close()
    started = time.perf_counter()
    for v in sample[:200]:
        with TreeFile(path) as opened:
            opened.proof(v)
    cold = (time.perf_counter() - started) / 200
    assert all(verify(tree.root, "0x" + v.hex(), p) for v, p in zip(sample[:100], proofs, strict=False))
    levels = len(proofs[0])
    print(json.dumps({
        "leaves": n,
        "run_size": run_size,
        "build_seconds": round(seconds, 1),
        "leaves_per_s": round(n / seconds),
        "rss_before_build_mib": round(before / 2**20, 1),
        "peak_rss_mib": round(peak / 2**20, 1),
        "file_bytes": os.path.getsize(path),
        "proof_length": levels,
        "reads_per_proof": f"{n.bit_length()} (binary search) + {levels} (one sibling per level), 32 bytes each",
        "proof_read_first_us": round(first * 1e6, 1),
        "proof_read_us": round(warm * 1e6, 1),
        "open_and_prove_us": round(cold * 1e6, 1),
        "root": tree.root,
    }))  # fmt: skip


def bench_merkle(n: int, run_size: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(dir=os.environ.get("RIGHTSLEDGER_BENCH_TMP")) as folder:
        path = str(Path(folder) / "tree.bin")
        out = subprocess.run(
            [sys.executable, __file__, "--child", str(n), path, str(run_size)],
            check=True,
            capture_output=True,
            text=True,
        )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    result["load_average_after"] = round(os.getloadavg()[0], 1)
    print(f"  merkle {n:,} leaves: {result['build_seconds']} s ({result['leaves_per_s']:,}/s), peak "
          f"{result['peak_rss_mib']} MiB (before {result['rss_before_build_mib']}), "
          f"proof {result['proof_read_first_us']} us first, {result['proof_read_us']} us again"
          f" (open + proof {result['open_and_prove_us']} us)", flush=True)  # fmt: skip
    return result


def _gb(n: float) -> str:
    return f"{n / 1e9:,.0f} GB"


def projection(trees: dict[str, Any], scale: dict[str, Any] | None, run_size: int) -> dict[str, Any]:
    """1 and 5 billion items at the rate of the largest tree measured (the snapshot and the offline
    check rates from bench/results/scale.json), with the arithmetic written out."""
    big = trees[max(trees, key=int)]
    rate, peak = big["leaves_per_s"], big["peak_rss_mib"]
    out: dict[str, Any] = {"merkle_rate_from": f"{int(big['leaves']):,} leaves: {rate:,} leaves/s, {peak} MiB peak"}
    for label, n in (("1_billion", 10**9), ("5_billion", 5 * 10**9)):
        runs = math.ceil(n / run_size)
        passes = max(1, math.ceil(math.log(runs, 64)))  # k-way merges of at most FANOUT = 64 runs
        hours = n / rate / 3600
        tree_bytes = 128 + (2 * n - 1) * 32
        row: dict[str, Any] = {
            "tree_file_bytes": tree_bytes,
            "tree_file_arithmetic": f"128 + (2 x {n:,} - 1) x 32 B = {_gb(tree_bytes)} (+ {_gb(n * 42)} with codes)",
            "scratch_bytes": n * 32,
            "scratch_arithmetic": f"sorted runs {n:,} x 32 B = {_gb(n * 32)}, removed after the build",
            "merge_passes": passes,
            "merge_arithmetic": f"{runs:,} runs of {run_size:,}: {passes} merge pass(es) of at most 64 runs",
            "build_hours_one_process": round(hours, 2),
            "build_arithmetic": f"{n:,} / {rate:,} leaves/s / 3600 = {hours:,.2f} h",
            "build_peak_rss_mib": peak,
            "proof_reads": f"{n.bit_length()} + {n.bit_length()} reads of 32 B",
        }
        if scale is not None:
            snap, rates = scale["snapshot"], scale["projection"]["rates_per_core"]
            snap_bytes = snap["bytes_per_work"] * n
            snap_hours = snap["build_seconds_per_million"] * n / 1e6 / 3600
            hex_hours = n / rates["offline_checks_per_s"] / 3600
            bin_hours = n / rates["offline_from_binary_checks_per_s"] / 3600
            chain_hours = n / rates["on_chain_checks_per_s"] / 3600
            row |= {
                "snapshot_bytes": round(snap_bytes),
                "snapshot_arithmetic": f"{snap['bytes_per_work']} B/work x {n:,} = {snap_bytes / 1e9:,.1f} GB",
                "snapshot_build_core_hours": round(snap_hours, 1),
                "snapshot_build_arithmetic": (
                    f"{snap['build_seconds_per_million']} s per million x {n // 10**6:,} / 3600 = {snap_hours:,.1f}"
                    f" core-hours: {math.ceil(snap_hours)} cores for one hour (parallel by bucket)"
                ),
                "offline_check_core_hours_hex": round(hex_hours, 2),
                "offline_check_arithmetic_hex": (
                    f"{n:,} / {rates['offline_checks_per_s']:,} per s / 3600 = {hex_hours:,.2f} core-hours: "
                    f"{math.ceil(hex_hours)} core(s) for one hour"
                ),
                "offline_check_core_hours_binary": round(bin_hours, 2),
                "offline_check_arithmetic_binary": (
                    f"{n:,} / {rates['offline_from_binary_checks_per_s']:,} per s / 3600 = {bin_hours:,.2f} core-hours"
                ),
                "on_chain_check_core_hours": round(chain_hours, 1),
                "on_chain_check_arithmetic": (
                    f"{n:,} / {rates['on_chain_checks_per_s']:,} per s / 3600 = {chain_hours:,.1f} core-hours"
                ),
            }
        out[label] = row
    return out


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        merkle_child(int(sys.argv[2]), sys.argv[3], int(sys.argv[4]))
        return
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--leaves", type=int, default=10_000_000, help="leaves of the tree built by default")
    parser.add_argument("--big", action="store_true", help="also build a 100M-leaf tree (long)")
    parser.add_argument("--run-size", type=int, default=1_000_000, help="leaf hashes per sorted run")
    parser.add_argument("--projection-only", action="store_true",
                        help="measure nothing: recompute the projection from the recorded trees and scale.json")
    args = parser.parse_args()
    previous: dict[str, Any] = {}
    if (RESULTS / "merkle.json").exists():
        previous = json.loads((RESULTS / "merkle.json").read_text()).get("trees", {})
    started = time.perf_counter()
    trees = dict(previous)
    sizes = [] if args.projection_only else [args.leaves, *([100_000_000] if args.big else [])]
    for n in sizes:
        trees[str(n)] = {
            **bench_merkle(n, args.run_size),
            "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
    result: dict[str, Any] = {
        "cpus": os.cpu_count() or 1,
        "trees": dict(sorted(trees.items(), key=lambda kv: int(kv[0]))),
    }
    scale_path = RESULTS / "scale.json"
    scale = json.loads(scale_path.read_text()) if scale_path.exists() else None
    result["projection"] = projection(result["trees"], scale, args.run_size)
    result["seconds"] = round(time.perf_counter() - started, 1)
    if args.projection_only and (RESULTS / "merkle.json").exists():
        recorded = json.loads((RESULTS / "merkle.json").read_text())
        result["seconds"] = recorded.get("seconds", result["seconds"])  # the measuring run's
    path = write_result("merkle", result)
    print(f"wrote {path} in {result['seconds']} s", flush=True)


if __name__ == "__main__":
    main()
