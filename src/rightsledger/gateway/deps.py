"""The gateway's shared state and the dependencies routes take (`ClientDep`, `RelayerDep`, ...)."""

from __future__ import annotations

import fcntl
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Annotated

from fastapi import Depends, Request

from ..chain.connection import choose_account
from ..chain.deployments import home_dir
from ..chain.local import LOCAL_CHAIN_ID
from ..errors import ConfigError
from ..sdk.client import RightsLedger
from ..sdk.relay import Relayer
from ..workflows.identity_index import CodesIndex
from ..workflows.indexer import Indexer, IndexFollower
from .settings import GatewaySettings

LOG = logging.getLogger("rightsledger.gateway")
# The local chain's development account that pays for relayed writes by default.
LOCAL_RELAYER_ACCOUNT = 9


@dataclass
class GatewayState:
    settings: GatewaySettings
    ledger: RightsLedger
    relayer: Relayer | None
    features: dict[str, bool] = field(default_factory=dict)
    _index: Indexer | None = field(default=None, repr=False)
    _index_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    follower: IndexFollower | None = field(default=None, repr=False)
    # Several workers: the one holding the index's follower lock follows, the others only read.
    follower_elsewhere: bool = False
    _follower_lock: IO[bytes] | None = field(default=None, repr=False)
    _readers: threading.local = field(default_factory=threading.local, repr=False)
    _codes: CodesIndex | None = field(default=None, repr=False)
    _codes_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def index_path(self) -> str | Path:
        """The event index: the index URL, else the SQLite file."""
        if self.settings.index_url:
            return self.settings.index_url
        if self.settings.index_db:
            return Path(self.settings.index_db)
        return home_dir(self.settings.home) / f"gateway-index-{self.ledger.chain_id}.sqlite"

    @contextmanager
    def codes_index(self) -> Iterator[CodesIndex]:
        """The gateway's one codes index (/match, soft bindings, checks by code, relayed
        registrations): in the index URL's database, else its SQLite file. Opened on first use and
        kept, with its codes in memory, for every request after (each syncs it: new codes are
        appended, nothing is rebuilt); requests use it concurrently."""
        with self._codes_lock:
            if self._codes is None:
                self._codes = CodesIndex(self.ledger, self.settings.index_url)
        yield self._codes

    def warm_codes_index(self) -> threading.Thread:
        """Load the codes index into memory in the background (a thread), so that the first near-copy
        query does not pay for it (seconds at a million codes). A failure is left to the first
        request that needs the index, which reports it."""

        def load() -> None:
            try:
                with self.codes_index() as index:
                    LOG.info("codes index: %d codes in memory", index.load())
            except Exception as exc:  # noqa: BLE001 - reported by the request that needs the index
                LOG.warning("codes index not preloaded: %s", str(exc).splitlines()[0] if str(exc) else exc)

        thread = threading.Thread(target=load, name="codes-index-preload", daemon=True)
        thread.start()
        return thread

    def close_codes_index(self) -> None:
        with self._codes_lock:
            if self._codes is not None:
                self._codes.close()
                self._codes = None

    @property
    def following(self) -> bool:
        return (self.follower is not None and self.follower.running) or self.follower_elsewhere

    def start_follower(self) -> None:
        """Start the background follower of the chain head (the index's only writer), if configured."""
        if self.settings.follow_index and self.follower is None:
            if self.settings.workers > 1:
                lock = home_dir(self.settings.home) / f"gateway-follower-{self.ledger.chain_id}.lock"
                self._follower_lock = _try_lock(lock)
                if self._follower_lock is None:
                    self.follower_elsewhere = True  # another worker follows; this one reads
                    return
            self.follower = IndexFollower(
                self.ledger,
                self.index_path,
                confirmations=self.settings.index_confirmations,
                interval=self.settings.index_interval,
            ).start()

    def stop_follower(self) -> None:
        if self.follower is not None:
            self.follower.stop()
            self.follower = None
        if self._follower_lock is not None:
            self._follower_lock.close()  # releases the lock
            self._follower_lock = None

    @contextmanager
    def index(self) -> Iterator[Indexer]:
        """The gateway's index. With the follower running: this thread's own read connection (no
        lock; the follower is the only writer). Without it: one shared index, opened on first use,
        used by one request at a time (it syncs and reads under this lock, so syncs never overlap)."""
        if self.following:
            reader: Indexer | None = getattr(self._readers, "index", None)
            if reader is None:
                reader = self._readers.index = Indexer(self.ledger, self.index_path)
            yield reader
            return
        with self._index_lock:
            if self._index is None:
                self._index = Indexer(self.ledger, self.index_path, threaded=True)
            yield self._index

    @property
    def dev_keys(self) -> bool:
        return self.settings.dev_keys and self.ledger.chain_id == LOCAL_CHAIN_ID

    @classmethod
    def connect(cls, settings: GatewaySettings) -> GatewayState:
        ledger = RightsLedger.connect(settings.rpc_url, home=settings.home)
        if settings.dev_keys and ledger.chain_id != LOCAL_CHAIN_ID:
            raise ConfigError(
                f"--dev-keys is only for the local chain (id {LOCAL_CHAIN_ID}); this node is chain {ledger.chain_id}"
            )
        relayer_account = choose_account(
            ledger.chain_id, key=settings.relayer_key, local_default=LOCAL_RELAYER_ACCOUNT, use_env=False
        )
        relayer = (
            Relayer(
                ledger.with_account(relayer_account),
                max_gas=settings.relay_max_gas,
                state_file=state_file(settings, ledger.chain_id),
                stuck_after=settings.relay_stuck_after,
                batch_window=settings.relay_batch_window,
                max_batch=settings.relay_batch_max,
            )
            if relayer_account is not None
            else None
        )
        # Manifest URIs come from declarers: this gateway reads them only under the operator's folder.
        folder = Path(settings.manifest_folder) if settings.manifest_folder else home_dir(settings.home) / "datasets"
        ledger.datasets.manifest_folder = folder
        if relayer is not None:
            relayer.ledger.datasets.manifest_folder = folder
        return cls(settings=settings, ledger=ledger, relayer=relayer)


def _try_lock(path: Path) -> IO[bytes] | None:
    """An exclusive lock on `path` held while the file stays open (released if the process dies),
    or None if another process holds it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = path.open("ab")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return None
    return handle


def state_file(settings: GatewaySettings, chain_id: int) -> Path:
    """The gateway's SQLite state file (relayer nonces and journal, gas budgets, rate limits)."""
    if settings.state_file:
        return Path(settings.state_file)
    return home_dir(settings.home) / f"gateway-state-{chain_id}.sqlite"


def get_state(request: Request) -> GatewayState:
    state: GatewayState = request.app.state.gateway
    return state


def get_client(request: Request) -> RightsLedger:
    return get_state(request).ledger


def get_relayer(request: Request) -> Relayer:
    relayer = get_state(request).relayer
    if relayer is None:
        raise ConfigError(
            "this gateway relays no writes: start it with a relayer key (RIGHTSLEDGER_GATEWAY_RELAYER_KEY)",
            code="relay-not-configured",
        )
    return relayer


def get_settings(request: Request) -> GatewaySettings:
    return get_state(request).settings


StateDep = Annotated[GatewayState, Depends(get_state)]
ClientDep = Annotated[RightsLedger, Depends(get_client)]
RelayerDep = Annotated[Relayer, Depends(get_relayer)]
SettingsDep = Annotated[GatewaySettings, Depends(get_settings)]
