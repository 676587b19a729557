"""What every command gets: the Context (home folder, node URL, signing account, client),
the CLI's own error type and its exit statuses."""

from __future__ import annotations

import argparse
from pathlib import Path

from eth_account.signers.local import LocalAccount

from ..chain.connection import choose_account, connect_web3
from ..chain.deployments import home_dir
from ..errors import RightsLedgerError
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

    def client(self) -> RightsLedger:
        w3 = connect_web3(self.rpc_url)
        client = RightsLedger.connect(self.rpc_url, account=self.account(w3.eth.chain_id), home=self.home)
        return client
