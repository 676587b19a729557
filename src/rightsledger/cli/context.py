"""What every command gets: the Context (home folder, node URL, signing account, client),
the CLI's own error type and its exit statuses."""

from __future__ import annotations

import argparse

from eth_account.signers.local import LocalAccount

from ..chain.connection import choose_account, connect_web3
from ..chain.deployments import home_dir
from ..errors import RightsLedgerError
from ..sdk.client import RightsLedger

EXIT_ERROR = 1
EXIT_NOT_ALLOWED = 3


class CliError(RightsLedgerError):
    """A problem with the command line's own input."""


class Context:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.home = home_dir(args.home)
        self.rpc_url: str = args.rpc_url

    def account(self, chain_id: int) -> LocalAccount | None:
        return choose_account(chain_id, dev_index=self.args.dev_account)

    def client(self) -> RightsLedger:
        w3 = connect_web3(self.rpc_url)
        client = RightsLedger.connect(self.rpc_url, account=self.account(w3.eth.chain_id), home=self.home)
        return client
