"""The index follows the chain head in the background: the gateway's follower thread (requests read
the index without syncing it; /info shows how far it is) and `rightsledger index follow`, on
SQLite and on PostgreSQL (`index_target`)."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from web3 import Web3

from rightsledger import RightsLedger, hash_bytes
from rightsledger.chain.deployments import Deployment, save_deployment
from rightsledger.manifests import Item, write_manifest
from rightsledger.merkle import MerkleTree
from rightsledger.vocabulary import Use

from ..gateway_support import funded_account, isolated_gateway, wait_indexed
from ..pg_support import index_rows

pytestmark = pytest.mark.chain


def _where(index_target: str | Path) -> dict[str, str]:
    """The gateway setting that puts its index at `index_target` (a URL; a file is the default)."""
    return {"index_url": str(index_target)} if "://" in str(index_target) else {}


def _cli_where(index_target: str | Path) -> list[str]:
    return ["--index-url", str(index_target)] if "://" in str(index_target) else ["--db", str(index_target)]


def _declare(w3: Web3, gateway: object, home: Path) -> tuple[str, int, int]:
    work = hash_bytes(os.urandom(32))
    tree = MerkleTree.of([work, hash_bytes(os.urandom(32))])
    manifest, _ = write_manifest([Item(None, h) for h in tree.values], tree, Use.AI_TRAINING, home / "datasets",
                                 work[2:10])
    declarer = RightsLedger(w3, gateway.deployment, funded_account(w3))  # type: ignore[attr-defined]
    declared = declarer.datasets.declare(tree, Use.AI_TRAINING, manifest.resolve().as_uri())
    return work, declared.dataset_id, declared.block


def test_the_gateway_follower_indexes_a_declared_dataset_without_requests_syncing(
    w3: Web3, anvil_url: str, tmp_path: Path, index_target: str | Path
) -> None:
    home = tmp_path / "home"
    with (
        isolated_gateway(w3, anvil_url, home, index_interval=0.2, **_where(index_target)) as gateway,
        httpx.Client(base_url=gateway.url, timeout=30) as http,
    ):
        first = wait_indexed(http)
        assert first["lag"] == 0 and first["confirmations"] == 0 and first["block"] == first["head"]
        work = hash_bytes(os.urandom(32))
        tree = MerkleTree.of([work, hash_bytes(os.urandom(32))])
        items = [Item(None, h) for h in tree.values]
        manifest, _ = write_manifest(items, tree, Use.AI_TRAINING, home / "datasets", "c")
        declarer = RightsLedger(w3, gateway.deployment, funded_account(w3))
        declared = declarer.datasets.declare(tree, Use.AI_TRAINING, manifest.resolve().as_uri())
        deadline, seen = time.monotonic() + 10, []
        while time.monotonic() < deadline:
            found = http.get(f"/works/{work}/datasets").json()
            seen.append(found["indexedTo"])
            if found["count"]:
                break
            time.sleep(0.05)
        assert found["count"] == 1 and found["datasets"][0]["datasetId"] == declared.dataset_id
        assert found["indexedTo"] >= declared.block
        assert seen == sorted(seen)  # the index only moves forward
        index = wait_indexed(http)
        assert index["lag"] == 0 and index["block"] >= declared.block and index["error"] is None
        # Each request thread reads through its own connection; the follower writes (SQLite: in WAL mode).
        path = home / "gateway-index-31337.sqlite"
        if "://" in str(index_target):
            assert not path.exists()
            assert index_rows(index_target, "SELECT dataset_id FROM datasets") == [(declared.dataset_id,)]
        else:
            assert index_rows(path, "PRAGMA journal_mode") == [("wal",)]


def test_requests_read_while_the_follower_writes(
    w3: Web3, anvil_url: str, tmp_path: Path, index_target: str | Path
) -> None:
    """Eight clients ask without pause while datasets are declared and the follower writes them:
    every answer is 200, each client sees the index only move forward, and every dataset is found."""
    home = tmp_path / "home"
    with isolated_gateway(w3, anvil_url, home, index_interval=0.05, **_where(index_target)) as gateway:
        stop, failures, seen = threading.Event(), [], []

        def ask() -> None:
            last = -1
            with httpx.Client(base_url=gateway.url, timeout=30) as http:
                while not stop.is_set():
                    answer = http.get(f"/works/{hash_bytes(os.urandom(8))}/datasets")
                    if answer.status_code != 200 or answer.json()["indexedTo"] < last:
                        failures.append(answer.text)
                    last = answer.json().get("indexedTo", last)
                    seen.append(last)

        clients = [threading.Thread(target=ask) for _ in range(8)]
        for client in clients:
            client.start()
        try:
            declared = [_declare(w3, gateway, home) for _ in range(5)]
            with httpx.Client(base_url=gateway.url, timeout=30) as http:
                wait_indexed(http)
                for work, dataset_id, _block in declared:
                    found = http.get(f"/works/{work}/datasets").json()
                    assert [d["datasetId"] for d in found["datasets"]] == [dataset_id]
        finally:
            stop.set()
            for client in clients:
                client.join(30)
        assert failures == [] and len(seen) > 8
        assert max(seen) >= declared[-1][2]


def test_requests_never_sync_the_index_inline(
    w3: Web3, anvil_url: str, tmp_path: Path, index_target: str | Path
) -> None:
    home = tmp_path / "home"
    # The follower syncs once at startup, then sleeps an hour: whatever is declared after that stays
    # out of the index however often it is asked for.
    with (
        isolated_gateway(w3, anvil_url, home, index_interval=3_600, **_where(index_target)) as gateway,
        httpx.Client(base_url=gateway.url, timeout=30) as http,
    ):
        before = wait_indexed(http)
        work = hash_bytes(os.urandom(32))
        tree = MerkleTree.of([work, hash_bytes(os.urandom(32))])
        items = [Item(None, h) for h in tree.values]
        manifest, _ = write_manifest(items, tree, Use.AI_TRAINING, home / "datasets", "c")
        declared = RightsLedger(w3, gateway.deployment, funded_account(w3)).datasets.declare(
            tree, Use.AI_TRAINING, manifest.resolve().as_uri()
        )
        for _ in range(3):
            found = http.get(f"/works/{work}/datasets").json()
            assert found["count"] == 0 and found["indexedTo"] == before["block"] < declared.block
        index = http.get("/info").json()["index"]
        assert index["block"] == before["block"] and index["lag"] >= declared.block - before["block"] > 0


def test_a_gateway_with_confirmations_stays_that_many_blocks_behind(w3: Web3, anvil_url: str, tmp_path: Path) -> None:
    with (
        isolated_gateway(w3, anvil_url, tmp_path / "home", index_interval=0.1, index_confirmations=2) as gateway,
        httpx.Client(base_url=gateway.url, timeout=30) as http,
    ):
        index = wait_indexed(http)
        assert index["confirmations"] == 2 and index["lag"] == 2 and index["block"] == index["head"] - 2


def test_a_gateway_without_the_follower_syncs_on_request(w3: Web3, anvil_url: str, tmp_path: Path) -> None:
    with (
        isolated_gateway(w3, anvil_url, tmp_path / "home", follow_index=False) as gateway,
        httpx.Client(base_url=gateway.url, timeout=30) as http,
    ):
        assert http.get("/info").json()["index"] is None
        found = http.get(f"/works/{hash_bytes(os.urandom(32))}/datasets").json()
        assert found["count"] == 0 and found["indexedTo"] == w3.eth.block_number


def test_index_follow_once_syncs_to_head_less_confirmations(cli, w3: Web3, index_target: str | Path) -> None:
    where = _cli_where(index_target)
    code, out, err = cli("index", "follow", "--once", "--confirmations", "1", *where, "--json")
    assert code == 0, err
    line = json.loads(out.strip().splitlines()[-1])
    assert line["confirmations"] == 1 and line["lag"] == 1 and line["block"] == line["head"] - 1
    assert line["newEvents"] > 0  # the session deployment's history
    code, out, err = cli("index", "follow", "--once", *where)
    assert code == 0, err
    assert out.startswith("block ") and " lag 0 " in out
    assert index_rows(index_target, "SELECT value FROM meta WHERE key = 'cursor'") == [(str(w3.eth.block_number),)]
    if where[0] == "--db":
        assert index_rows(index_target, "PRAGMA journal_mode") == [("wal",)]


def test_index_follow_refuses_negative_confirmations(cli, tmp_path: Path) -> None:
    code, _out, err = cli("index", "follow", "--once", "--confirmations", "-1", "--db", str(tmp_path / "x.sqlite"))
    assert code == 1 and "--confirmations must be 0 or more" in err and "Traceback" not in err


def index_target_is_file(index_target: str | Path) -> bool:
    return "://" not in str(index_target)


def test_index_follow_prints_progress_and_stops_cleanly_on_ctrl_c_or_sigterm(
    deployment: Deployment, anvil_url: str, tmp_path: Path, index_target: str | Path
) -> None:
    home = tmp_path / "home"
    save_deployment(deployment, home)
    args = ["--rpc-url", anvil_url, "--home", str(home), "index", "follow", *_cli_where(index_target),
            "--interval", "0.2"]
    # A shell without job control starts background jobs with SIGINT ignored, and children inherit
    # that: give the follower the default, as an interactive terminal would.
    process = subprocess.Popen(
        [sys.executable, "-m", "rightsledger.cli", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        assert process.stdout is not None
        ready, _, _ = select.select([process.stdout], [], [], 30)
        assert ready, "index follow printed nothing in 30 s"
        first = process.stdout.readline()
        assert first.startswith("block ") and " lag 0 " in first
        process.send_signal(signal.SIGINT if index_target_is_file(index_target) else signal.SIGTERM)
        _out, err = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
    assert process.returncode == 0, err
    assert "stopped: indexed to block" in err and "Traceback" not in err
    block = int(first.split()[1])
    ((cursor,),) = index_rows(index_target, "SELECT value FROM meta WHERE key = 'cursor'")
    assert int(cursor) >= block
