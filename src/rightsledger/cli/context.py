"""What every command gets: the Context (home folder, node URL, signing account, client),
the CLI's own error type and its exit statuses."""

from __future__ import annotations

import argparse

from eth_account.signers.local import LocalAccount

from ..chain import LOCAL_CHAIN_ID, dev_account
from ..client import RightsLedger, account_from_env, connect_web3
from ..deployments import home_dir
from ..errors import ConfigError, RightsLedgerError

EXIT_ERROR = 1
EXIT_NOT_ALLOWED = 3


class CliError(RightsLedgerError):
    """A problem with the command line's own input."""


def choose_account(dev_account_index: int | None, chain_id: int) -> LocalAccount | None:
    """The account to sign with: --dev-account N (local chain only), else $RIGHTSLEDGER_PRIVATE_KEY,
    else dev account 0 on the local chain; None elsewhere (read-only)."""
    if dev_account_index is not None:
        if chain_id != LOCAL_CHAIN_ID:
            raise ConfigError(f"--dev-account is for the local chain (id {LOCAL_CHAIN_ID}), not chain {chain_id}")
        return dev_account(dev_account_index)
    from_env = account_from_env()
    if from_env is not None:
        return from_env
    return dev_account(0) if chain_id == LOCAL_CHAIN_ID else None


class Context:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.home = home_dir(args.home)
        self.rpc_url: str = args.rpc_url

    def account(self, chain_id: int) -> LocalAccount | None:
        return choose_account(self.args.dev_account, chain_id)

    def client(self) -> RightsLedger:
        w3 = connect_web3(self.rpc_url)
        client = RightsLedger.connect(self.rpc_url, account=self.account(w3.eth.chain_id), home=self.home)
        return client
