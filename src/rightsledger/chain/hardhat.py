"""A second EVM node: a Hardhat node (npm `hardhat` 2.29, the EDR engine) from the project's own
npm install, run in a throw-away folder. The SDK's integration tests run on it as well as on
anvil, so that nothing in the SDK leans on one node's quirks.

It has the same chain id (31337) and the same development accounts (mnemonic "test test ...
junk") as the local anvil, so `dev_account(i)` works on either. Its state lives in memory only:
it is a test node, not the persistent local chain (`LocalChain` is anvil)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ChainError, ConfigError
from .local import LOCAL_CHAIN_ID, free_port, wait_for_rpc

MNEMONIC = "test test test test test test test test test test test junk"
BLOCK_GAS_LIMIT = 30_000_000

_CONFIG = """// Written by rightsledger.chain.hardhat: a bare node, no compilation.
module.exports = {{
  networks: {{
    hardhat: {{
      chainId: {chain_id},
      blockGasLimit: {gas_limit},
      accounts: {{ mnemonic: "{mnemonic}", count: 10 }},
    }},
  }},
}};
"""


def find_hardhat_modules() -> Path:
    """The node_modules folder that holds the `hardhat` package (the project's npm install)."""
    explicit = os.environ.get("RIGHTSLEDGER_NODE_MODULES")
    starts = [Path(explicit)] if explicit else []
    starts += [Path.cwd(), Path(__file__).resolve()]
    for start in starts:
        for folder in (start, *start.parents):
            modules = folder if folder.name == "node_modules" else folder / "node_modules"
            if (modules / "hardhat" / "internal" / "cli" / "cli.js").is_file():
                return modules
    raise ConfigError("hardhat is not installed: run `npm ci` in the project (package.json pins hardhat)")


def find_node() -> str:
    found = shutil.which("node")
    if not found:
        raise ConfigError("node is not on PATH: the Hardhat node needs Node.js 20 or later")
    return found


@dataclass
class HardhatNode:
    """`hardhat node` on a free port, started in its own process group and stopped with it."""

    port: int = 0
    host: str = "127.0.0.1"
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    folder: Path | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, *, timeout: float = 60.0) -> str:
        """Start the node and wait until it answers; returns its RPC URL."""
        if self.process is not None:
            return self.url
        modules = find_hardhat_modules()
        if not self.port:
            self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="rightsledger-hardhat-"))
        (self.folder / "hardhat.config.js").write_text(
            _CONFIG.format(chain_id=LOCAL_CHAIN_ID, gas_limit=BLOCK_GAS_LIMIT, mnemonic=MNEMONIC)
        )
        # Hardhat insists on a local install next to its config: point the folder at the project's.
        (self.folder / "node_modules").symlink_to(modules, target_is_directory=True)
        env = {**os.environ, "HARDHAT_DISABLE_TELEMETRY_PROMPT": "true", "DO_NOT_TRACK": "1"}
        log = (self.folder / "node.log").open("ab")
        self.process = subprocess.Popen(
            [find_node(), str(modules / "hardhat" / "internal" / "cli" / "cli.js"),
             "node", "--hostname", self.host, "--port", str(self.port)],
            cwd=self.folder, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
        log.close()
        try:
            wait_for_rpc(self.url, timeout, self.process)
        except ChainError as exc:
            tail = (self.folder / "node.log").read_text(errors="replace")[-400:]
            self.stop()
            raise ChainError(f"the Hardhat node did not start: {exc}:\n{tail}") from None
        return self.url

    def stop(self, *, timeout: float = 10.0) -> None:
        """Stop the node and everything it started (its process group); remove its folder."""
        process, self.process = self.process, None
        if process is not None:
            try:
                os.killpg(process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                process.wait(timeout)
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None

    def __enter__(self) -> HardhatNode:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()
