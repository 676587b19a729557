"""Integration fixtures: one real anvil for the session, contracts deployed once through the
SDK's own `deploy`, a chain snapshot reverted after every test for isolation, the HTTP
gateway over that chain and the CLI run in-process against it.

Every test under tests/integration/ gets the `chain` marker here, so `pytest -m "not chain"`
runs the unit tests alone.

A test module that sets `NODES = ("anvil", "hardhat")` runs on each of those nodes: its chain
fixtures (`rpc_url`, `w3`, `deployment`, `chain`, the clients) come from the node the test is
parametrised with; every other test runs on anvil alone.

A test that takes `index_target` runs twice: on a SQLite file and on a new database of the
session's throwaway PostgreSQL server (`postgres`, started once, stopped at the end)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from web3 import Web3

from rightsledger import RightsLedger
from rightsledger.chain import LOCAL_CHAIN_ID, dev_account, find_anvil, free_port, wait_for_rpc
from rightsledger.chain.connection import connect_web3
from rightsledger.chain.deploy import deploy
from rightsledger.chain.deployments import Deployment, save_deployment
from rightsledger.chain.hardhat import HardhatNode
from rightsledger.cli import main

from ..pg_support import PostgresServer

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test in this folder `chain` (the hook sees the whole session: filter by path)."""
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.chain)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run the modules that name `NODES` once per node (session-scoped: each node starts once)."""
    nodes = getattr(metafunc.module, "NODES", None)
    if nodes and "node" in metafunc.fixturenames:
        metafunc.parametrize("node", list(nodes), indirect=True, scope="session")


@pytest.fixture(scope="session")
def node(request: pytest.FixtureRequest) -> str:
    """The name of the node the test runs on: "anvil" unless its module names `NODES`."""
    return str(getattr(request, "param", "anvil"))


@pytest.fixture(scope="session")
def hardhat_url() -> Iterator[str]:
    """A Hardhat node (npm `hardhat`, EDR) from the project's npm install, same accounts as anvil."""
    with HardhatNode() as hardhat:
        yield hardhat.url


@pytest.fixture(scope="session")
def rpc_url(node: str, request: pytest.FixtureRequest) -> str:
    """The RPC URL of the test's node."""
    return str(request.getfixturevalue(f"{node}_url"))


@contextmanager
def throwaway_anvil(*extra: str) -> Iterator[str]:
    """An anvil of the local chain id on a free port, for as long as the block lasts; its URL."""
    port = free_port()
    process = subprocess.Popen(
        [find_anvil(), "--port", str(port), "--chain-id", str(LOCAL_CHAIN_ID), "--silent", *extra],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_rpc(url, 20, process)
        yield url
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture(scope="session")
def anvil_url() -> Iterator[str]:
    with throwaway_anvil() as url:
        yield url


@pytest.fixture(scope="session")
def session_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("home")


@pytest.fixture(scope="session")
def w3(rpc_url: str) -> Web3:
    return connect_web3(rpc_url)


@pytest.fixture(scope="session")
def deployment(w3: Web3, node: str, session_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Deployment:
    # Both nodes have chain id 31337: each keeps its deployment record in a home of its own.
    home = session_home if node == "anvil" else tmp_path_factory.mktemp(f"home-{node}")
    return deploy(w3, dev_account(0), home=home)


@pytest.fixture
def chain(w3: Web3, deployment: Deployment) -> Iterator[Web3]:
    """The chain, restored to its state before the test when the test ends."""
    snapshot = w3.provider.make_request("evm_snapshot", [])["result"]  # type: ignore[arg-type]
    try:
        yield w3
    finally:
        w3.provider.make_request("evm_revert", [snapshot])  # type: ignore[arg-type]


@pytest.fixture
def admin(chain: Web3, deployment: Deployment) -> RightsLedger:
    """Dev account 0: deployer, admin and first registrar."""
    return RightsLedger(chain, deployment, dev_account(0))


@pytest.fixture
def alice(chain: Web3, deployment: Deployment) -> RightsLedger:
    return RightsLedger(chain, deployment, dev_account(1))


@pytest.fixture
def bob(chain: Web3, deployment: Deployment) -> RightsLedger:
    return RightsLedger(chain, deployment, dev_account(2))


@pytest.fixture
def eve(chain: Web3, deployment: Deployment) -> RightsLedger:
    return RightsLedger(chain, deployment, dev_account(3))


def now(w3: Web3) -> int:
    return int(w3.eth.get_block("latest")["timestamp"])


# ---------------------------------------------------------------------- the HTTP gateway


def session_index(session_home: Path, deployment: Deployment) -> dict[str, str]:
    """The index file of a gateway over the session's anvil, one per deployment: pytest re-creates
    the session `deployment` when the `node` parameter comes back to anvil, and an index refuses a
    deployment it did not mirror (as it must for a user)."""
    registry = deployment.contracts["WorkRegistry"].lower()
    return {"index_db": str(session_home / f"gateway-index-{registry[2:12]}.sqlite")}


@pytest.fixture(scope="session")
def gateway_url(anvil_url: str, deployment: Deployment, session_home: Path) -> Iterator[str]:
    """A real gateway (uvicorn on a free port, in a thread) over the session's anvil.

    Its relayer keeps its own nonce sequence, so tests that relay through it must not revert the
    chain under it: they use fresh content instead of the `chain` snapshot fixture."""
    pytest.importorskip("fastapi")
    from rightsledger.gateway import GatewaySettings

    from ..gateway_support import running_gateway

    index = session_index(session_home, deployment)
    settings = GatewaySettings(
        rpc_url=anvil_url, home=str(session_home), dev_keys=True, rate_limit=0, **index
    )
    with running_gateway(settings) as url:
        yield url


@pytest.fixture(scope="module")
def http(gateway_url: str) -> Iterator[httpx.Client]:
    """A client of the session's gateway, one per test module."""
    with httpx.Client(base_url=gateway_url, timeout=60) as client:
        yield client


@pytest.fixture(scope="module")
def read_only_url(anvil_url: str, session_home: Path, deployment: Deployment) -> Iterator[str]:
    """A gateway over the session's anvil with no relayer account (as on a public network without a
    key) and no dev keys."""
    pytest.importorskip("fastapi")
    from rightsledger.gateway import GatewaySettings
    from rightsledger.gateway.deps import GatewayState

    from ..gateway_support import running_gateway

    index = session_index(session_home, deployment)
    settings = GatewaySettings(rpc_url=anvil_url, home=str(session_home), rate_limit=0, **index)
    state = GatewayState.connect(settings)
    state.relayer = None
    with running_gateway(settings, state=state) as url:
        yield url


# ---------------------------------------------------------------------- the command line


@pytest.fixture
def cli(chain: Web3, deployment: Deployment, anvil_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    """Run the CLI in-process against the test chain; returns (exit code, stdout, stderr)."""
    home = tmp_path / "home"
    save_deployment(deployment, home)

    def run(*args: str) -> tuple[int, str, str]:
        code = main(["--rpc-url", anvil_url, "--home", str(home), *args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def files(tmp_path: Path) -> list[Path]:
    paths = []
    for name in ("song.txt", "photo.jpg", "plate.svg"):
        path = tmp_path / name
        path.write_text(f"content of {name}")
        paths.append(path)
    return paths


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL server for the session (Debian's binaries, run as an unprivileged user)."""
    with PostgresServer() as server:
        yield server


@pytest.fixture(params=["sqlite", "postgresql"])
def index_target(request: pytest.FixtureRequest, tmp_path: Path) -> str | Path:
    """Where a test's index lives: a new SQLite file, or a new PostgreSQL database's URL."""
    if request.param == "sqlite":
        return tmp_path / "index.sqlite"
    server: PostgresServer = request.getfixturevalue("postgres")
    return server.database()
