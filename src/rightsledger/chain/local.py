"""The local chain: anvil (from the npm package @foundry-rs/anvil) run in the background,
its state persisted under <home>/chain/ so that a restart keeps every record.

anvil saves its state on a clean stop and every 5 s; what rightsledger sent in between is in the
write-ahead journal (chain/journal.py), which `start` replays after an unclean stop (`kill -9`)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import cast
from urllib.parse import urlsplit

from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import HTTPProvider, Web3

from ..errors import ChainError, ConfigError
from .deployments import home_dir, rebind_genesis
from .journal import JOURNAL_NAME, Journal, Replay, replay

LOCAL_CHAIN_ID = 31337
DEFAULT_PORT = 8545
STATE_NAME = "state.json"
PREVIOUS_STATE_NAME = "state.start.json"

# anvil's well-known development keys (mnemonic "test test ... junk"). Public: never use them
# on a real network. Index 0 deploys and administers the local demo.
DEV_KEYS = (
    "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
    "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
    "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
    "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
    "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba",
    "0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e",
    "0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356",
    "0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97",
    "0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6",
)


def dev_account(index: int) -> LocalAccount:
    """Development account `index` (0-9) of the local chain."""
    if not 0 <= index < len(DEV_KEYS):
        raise ConfigError(f"development accounts are numbered 0 to {len(DEV_KEYS) - 1}, not {index}")
    return cast(LocalAccount, Account.from_key(DEV_KEYS[index]))


def find_anvil() -> str:
    """The anvil binary: $RIGHTSLEDGER_ANVIL, anvil on PATH, or the npm package under node_modules."""
    explicit = os.environ.get("RIGHTSLEDGER_ANVIL")
    if explicit:
        if not Path(explicit).is_file():
            raise ConfigError(f"RIGHTSLEDGER_ANVIL names {explicit}, which does not exist")
        return explicit
    for start in (Path.cwd(), Path(__file__).resolve()):
        for folder in (start, *start.parents):
            for candidate in sorted((folder / "node_modules" / "@foundry-rs").glob("anvil-*/bin/anvil")):
                return str(candidate)
    found = shutil.which("anvil")
    if found:
        return found
    raise ConfigError(
        "anvil is not installed: run `npm ci` in the project (it pins @foundry-rs/anvil) or put anvil on PATH"
    )


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        return s.connect_ex((host, port)) != 0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_rpc(url: str, timeout: float = 20.0, process: subprocess.Popen[bytes] | None = None) -> None:
    import urllib.request

    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}).encode()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise ChainError(f"anvil exited at start with code {process.returncode}")
        try:
            req = urllib.request.Request(url, body, {"content-type": "application/json"})  # noqa: S310
            with urllib.request.urlopen(req, timeout=1) as resp:  # noqa: S310 - an http URL we built
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.05)
    raise ChainError(f"no node answered at {url} within {timeout:.0f} s")


@dataclass
class LocalChain:
    """A persistent anvil under `<home>/chain/`: start, stop, status."""

    home: Path
    port: int = DEFAULT_PORT
    host: str = "127.0.0.1"
    replayed: Replay | None = None
    """What the last `start` re-sent from the journal (None: the journal was empty)."""
    restored: bool = False
    """Whether the last `start` found the state file torn and began from the copy made at the start before."""

    @classmethod
    def at(cls, home: str | Path | None = None, port: int | None = None) -> LocalChain:
        """The home's chain on `port`, or on the port it last ran on (default 8545)."""
        chain = cls(home=home_dir(home))
        chain.port = port if port is not None else chain.recorded_port() or DEFAULT_PORT
        return chain

    @property
    def folder(self) -> Path:
        return self.home / "chain"

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def _pidfile(self) -> Path:
        return self.folder / "anvil.json"

    @property
    def journal(self) -> Journal:
        return Journal(self.folder / JOURNAL_NAME)

    def _recorded(self) -> dict[str, int] | None:
        try:
            data = json.loads(self._pidfile.read_text())
        except (OSError, json.JSONDecodeError):
            return None
        return data if isinstance(data, dict) else None

    def recorded_port(self) -> int | None:
        """The port this home's chain runs on, or last ran on."""
        data = self._recorded() or {}
        port = data.get("port")
        return port if isinstance(port, int) and 0 < port < 65536 else None

    def pid(self) -> int | None:
        """The pid of the anvil this home started, if it still runs."""
        data = self._recorded()
        pid = data.get("pid") if data else None
        if not isinstance(pid, int) or pid <= 0:
            return None
        _reap(pid)  # a killed child of this process is a zombie until reaped: not running
        try:
            os.kill(pid, 0)
        except (ProcessLookupError, PermissionError):
            return None
        # anvil is not our child: after `kill -9` it stays a zombie until its parent reaps it.
        return None if _exited(pid) else pid

    def start(self, *, timeout: float = 20.0) -> bool:
        """Start anvil unless it runs already (True if it was started now); then re-send what the
        journal holds that the loaded state lacks (`replayed` says what)."""
        self.replayed = None
        running = self._recorded()
        if self.pid() is not None and running:
            self.port = int(running.get("port", self.port))
            return False
        if not port_is_free(self.port, self.host):
            raise ChainError(
                f"port {self.port} is taken by another program; stop it or use --port to run the chain elsewhere"
            )
        self.folder.mkdir(parents=True, exist_ok=True)
        self.restored = self._keep_whole_state()
        command = [
            find_anvil(),
            "--host", self.host,
            "--port", str(self.port),
            "--chain-id", str(LOCAL_CHAIN_ID),
            "--state", str(self.folder / STATE_NAME),
            # Also written every few seconds; what a kill loses since then, the journal re-sends.
            "--state-interval", "5",
        ]  # fmt: skip
        log = (self.folder / "anvil.log").open("ab")
        process = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
        )
        self._pidfile.write_text(json.dumps({"pid": process.pid, "port": self.port}))
        try:
            wait_for_rpc(self.url, timeout, process)
        except ChainError as exc:
            tail = (self.folder / "anvil.log").read_text(errors="replace")[-400:]
            raise ChainError(f"{exc}; see {self.folder / 'anvil.log'}:\n{tail}") from None
        # A non-empty journal means the last stop was not clean: anvil has loaded its saved
        # state by now, so what the journal holds beyond it is re-sent, in order.
        if self.journal.entries():
            w3 = Web3(HTTPProvider(self.url, request_kwargs={"timeout": 30}))
            self.replayed = replay(w3, self.journal)
            if self.replayed.resent:
                rebind_genesis(w3, self.home)
        return True

    def _keep_whole_state(self) -> bool:
        """anvil rewrites its state file in place, so a kill mid-write tears it. Keep a copy of the
        state each start begins from; if the state is torn, start from that copy instead (the
        journal holds everything sent since, and re-sends it). True if the copy was used."""
        state, previous = self.folder / STATE_NAME, self.folder / PREVIOUS_STATE_NAME
        if not state.exists():
            return False
        if _looks_whole(state):
            tmp = previous.with_suffix(".tmp")
            shutil.copyfile(state, tmp)
            tmp.replace(previous)
            return False
        if not previous.exists():
            raise ChainError(
                f"{state} is torn (anvil was killed while writing it) and there is no earlier copy: "
                "move it away to start an empty chain"
            )
        state.replace(self.folder / "state.torn.json")
        shutil.copyfile(previous, state)
        return True

    def stop(self, *, timeout: float = 15.0) -> bool:
        """Stop anvil (it writes its state on the way out) and clear the journal, which that state
        now contains. Returns False if it was not running."""
        pid = self.pid()
        if pid is None:
            self._forget_pid()
            return False
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
                gone = _exited(pid)
            except ProcessLookupError:
                gone = True
            if gone:
                self.journal.clear()
                break
            _reap(pid)
            time.sleep(0.05)
        else:
            # Killed, so its state may be old: the journal stays, for the next start to replay.
            os.kill(pid, signal.SIGKILL)
        self._forget_pid()
        return True

    def _forget_pid(self) -> None:
        """Keep only the port, so that `status` and the next `start` find the same node."""
        port = self.recorded_port()
        if port is None:
            self._pidfile.unlink(missing_ok=True)
        else:
            self._pidfile.write_text(json.dumps({"port": port}))

    def serves(self, w3: Web3) -> bool:
        """Whether `w3` talks to this home's running chain (its recorded port on this host)."""
        endpoint = getattr(w3.provider, "endpoint_uri", None)
        if not isinstance(endpoint, str) or self.pid() is None:
            return False
        try:
            parts = urlsplit(endpoint)
            port = parts.port
        except ValueError:
            return False
        return parts.hostname in ("127.0.0.1", "localhost") and port == self.recorded_port()


def journal_for(w3: Web3, home: str | Path | None) -> Journal | None:
    """The journal to append to when sending through `w3`: the home's, if `w3` is the home's own
    local chain; None for any other node (a public network keeps its own history)."""
    chain = LocalChain(home=home_dir(home))
    return chain.journal if chain.serves(w3) else None


def _looks_whole(path: Path) -> bool:
    """A JSON object from its first byte to its last: not cut off by a kill mid-write."""
    with path.open("rb") as f:
        head = f.read(64).lstrip()
        f.seek(max(0, path.stat().st_size - 64))
        tail = f.read().rstrip()
    return head.startswith(b"{") and tail.endswith(b"}")


def _exited(pid: int) -> bool:
    """Whether `pid` has exited but is not reaped yet (a zombie), where /proc says so."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False  # no /proc (not Linux): os.kill's answer stands
    fields = stat.rsplit(")", 1)[-1].split()
    return bool(fields) and fields[0] in ("Z", "X")


def _reap(pid: int) -> None:
    if sys.platform != "win32":
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass
