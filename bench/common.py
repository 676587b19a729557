"""Shared set-up for benchmarks: a fresh anvil on a free port with the contracts deployed."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import solcx

from rightsledger import RightsLedger
from rightsledger.chain import LOCAL_CHAIN_ID, dev_account, find_anvil, free_port, wait_for_rpc
from rightsledger.chain.connection import connect_web3
from rightsledger.chain.deploy import deploy

RESULTS = Path(__file__).resolve().parent / "results"
ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def fresh_chain(*extra_args: str) -> Iterator[RightsLedger]:
    """A new anvil with the contracts deployed; yields a client signing as dev account 0."""
    with fresh_chain_process(*extra_args) as (client, _process):
        yield client


@contextmanager
def fresh_chain_process(*extra_args: str) -> Iterator[tuple[RightsLedger, subprocess.Popen[bytes]]]:
    """`fresh_chain`, also yielding the anvil process (to watch its memory)."""
    port = free_port()
    process = subprocess.Popen(
        [find_anvil(), "--port", str(port), "--chain-id", str(LOCAL_CHAIN_ID), "--silent", *extra_args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_rpc(url, 20, process)
        w3 = connect_web3(url)
        with tempfile.TemporaryDirectory() as home:
            deployment = deploy(w3, dev_account(0), home=home)
            yield RightsLedger(w3, deployment, dev_account(0)), process
    finally:
        process.terminate()
        process.wait(10)


@contextmanager
def gateway_process(rpc_url: str, home: str, *serve_args: str) -> Iterator[tuple[str, int]]:
    """`rightsledger serve` in a subprocess (its own interpreter: no GIL shared with the clients),
    rate limit off; yields its URL once `/info` answers, and its process id."""
    port = free_port()
    env = {**os.environ, "RIGHTSLEDGER_GATEWAY_RATE_LIMIT": "0"}
    command = [sys.executable, "-m", "rightsledger.cli", "--rpc-url", rpc_url, "--home", home]
    command += ["serve", "--port", str(port), *serve_args]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the gateway exited: {process.stderr.read().decode() if process.stderr else ''}")
            try:
                if httpx.get(f"{url}/info", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the gateway did not start within 60 s")
            time.sleep(0.1)
        yield url, process.pid
    finally:
        process.terminate()
        process.wait(20)


def rss_bytes(pid: int) -> int:
    """Resident memory of a process (Linux /proc), 0 if unknown."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def write_result(name: str, data: dict[str, Any]) -> Path:
    """bench/results/<name>.json, stamped with the time and machine."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    data = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {platform.python_implementation()} {platform.python_version()}",
        **data,
    }
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(data, indent=2) + "\n")
    return path


def compile_erc721() -> dict[str, Any]:
    """bench/contracts/BenchERC721.sol (OpenZeppelin's ERC-721 mint), compiled with the registry's settings."""
    source = (ROOT / "bench" / "contracts" / "BenchERC721.sol").read_text()
    out = solcx.compile_standard(
        {
            "language": "Solidity",
            "sources": {"bench/contracts/BenchERC721.sol": {"content": source}},
            "settings": {
                "optimizer": {"enabled": True, "runs": 10_000},
                "evmVersion": "prague",
                "viaIR": True,
                "remappings": ["@openzeppelin/=node_modules/@openzeppelin/"],
                "outputSelection": {"*": {"*": ["abi", "evm.bytecode.object"]}},
            },
        },
        solc_binary=str(ROOT / "scripts" / "solc"),
        base_path=str(ROOT),
        allow_paths=[str(ROOT), str(ROOT / "node_modules")],
    )
    data = out["contracts"]["bench/contracts/BenchERC721.sol"]["BenchERC721"]
    return {"abi": data["abi"], "bytecode": "0x" + data["evm"]["bytecode"]["object"]}
