"""What every command gets: the Context (home folder, node URL, signing account, client),
the CLI's own error type and its exit statuses."""

from __future__ import annotations

import argparse
from pathlib import Path

from eth_account.signers.local import LocalAccount
from web3 import Web3

from ..chain.connection import choose_account, connect_web3
from ..chain.deployments import home_dir
from ..chain.local import LocalChain
from ..errors import ChainError, RightsLedgerError
from ..sdk.client import RightsLedger

DB_HELP = "the event index: a SQLite file or a database URL (default --index-url, else <home>/index-<chainId>.sqlite)"
INDEX_URL_HELP = "the index database (postgresql://user@host/db), as the global --index-url"
EXIT_ERROR = 1
EXIT_NOT_ALLOWED = 3


class CliError(RightsLedgerError):
    """A problem with the command line's own input."""


class Context:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.home = home_dir(args.home)
        self.rpc_url: str = args.rpc_url
        self.index_url: str | None = getattr(args, "index_url", None)

    def index_target(self, client: RightsLedger, name: str = "index") -> str | Path:
        """Where the event index is: the command's --db, else --index-url / $RIGHTSLEDGER_INDEX_URL,
        else the SQLite file <home>/<name>-<chainId>.sqlite."""
        db = getattr(self.args, "db", None)
        return db or self.index_url or self.home / f"{name}-{client.chain_id}.sqlite"

    def account(self, chain_id: int) -> LocalAccount | None:
        return choose_account(chain_id, dev_index=self.args.dev_account)

    def connect(self) -> Web3:
        """A Web3 on --rpc-url; if no node answers there but this home's own chain runs on another
        port, the error says where (rather than asking to start a chain that runs already)."""
        try:
            return connect_web3(self.rpc_url)
        except ChainError:
            chain = LocalChain.at(self.home)
            if chain.pid() is None or chain.url == self.rpc_url.rstrip("/"):
                raise
            raise ChainError(
                f"no Ethereum node answers at {self.rpc_url}; this home's local chain runs at {chain.url}: "
                f"pass --rpc-url {chain.url}"
            ) from None

    def client(self) -> RightsLedger:
        w3 = self.connect()
        client = RightsLedger.connect(self.rpc_url, account=self.account(w3.eth.chain_id), home=self.home)
        return client
