"""Connecting to a node, and the one rule that chooses the signing account (CLI and gateway alike)."""

from __future__ import annotations

import os
from typing import cast

from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import HTTPProvider, Web3
from web3.types import RPCEndpoint

from ..errors import ChainError, ConfigError
from .local import LOCAL_CHAIN_ID, dev_account

PRIVATE_KEY_ENV = "RIGHTSLEDGER_PRIVATE_KEY"


def connect_web3(rpc_url: str, *, timeout: float = 30.0) -> Web3:
    """A Web3 on `rpc_url`, proven to answer (ChainError saying how to start a node otherwise)."""
    # The chain id is cached: web3.py asks for it to validate every call and estimate (two round
    # trips each), and a node's chain id never changes.
    provider = HTTPProvider(
        rpc_url,
        request_kwargs={"timeout": timeout},
        cache_allowed_requests=True,
        cacheable_requests={RPCEndpoint("eth_chainId")},
    )
    w3 = Web3(provider)
    try:
        w3.eth.chain_id  # noqa: B018 - a cheap call that proves the node answers
    except Exception as exc:  # noqa: BLE001
        raise ChainError(
            f"no Ethereum node answers at {rpc_url} ({type(exc).__name__}); start one with `rightsledger chain start`"
        ) from None
    return w3


def account_from_key(key: str) -> LocalAccount:
    try:
        return cast(LocalAccount, Account.from_key(key))
    except Exception:  # noqa: BLE001 - eth-account raises several types for bad keys
        raise ConfigError("the private key is malformed: expected 32 bytes as 64 hex digits") from None


def account_from_env() -> LocalAccount | None:
    key = os.environ.get(PRIVATE_KEY_ENV)
    return account_from_key(key) if key else None


def choose_account(
    chain_id: int,
    *,
    key: str | None = None,
    dev_index: int | None = None,
    local_default: int | None = 0,
    use_env: bool = True,
    dev_flag: str = "--dev-account",
) -> LocalAccount | None:
    """The account that signs, by one rule for every front end, first match wins:

    1. an explicit private key (`key`);
    2. a development account by index (`dev_index`), on the local chain only;
    3. `RIGHTSLEDGER_PRIVATE_KEY` from the environment (when `use_env`);
    4. on the local chain, development account `local_default` (None: no account);
    5. otherwise none: reads work, writes say how to give a key.
    """
    if key:
        return account_from_key(key)
    if dev_index is not None:
        if chain_id != LOCAL_CHAIN_ID:
            raise ConfigError(f"{dev_flag} is for the local chain (id {LOCAL_CHAIN_ID}), not chain {chain_id}")
        return dev_account(dev_index)
    if use_env:
        from_env = account_from_env()
        if from_env is not None:
            return from_env
    if chain_id == LOCAL_CHAIN_ID and local_default is not None:
        return dev_account(local_default)
    return None


__all__ = ["PRIVATE_KEY_ENV", "account_from_env", "account_from_key", "choose_account", "connect_web3"]
