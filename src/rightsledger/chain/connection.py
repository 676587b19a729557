"""Connecting to a node, and the one rule that chooses the signing account (CLI and gateway alike)."""

from __future__ import annotations

import os
from typing import cast

import requests
import requests.adapters
import requests.utils
from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import HTTPProvider, Web3
from web3.types import RPCEndpoint

from ..errors import ChainError, ConfigError
from .local import LOCAL_CHAIN_ID, dev_account

PRIVATE_KEY_ENV = "RIGHTSLEDGER_PRIVATE_KEY"


def _no_auth(request: requests.PreparedRequest) -> requests.PreparedRequest:
    return request


def node_session(pool: int = 64, url: str | None = None) -> requests.Session:
    """One HTTP session for a node, shared by every thread (web3 otherwise keeps one per thread): a
    pool of `pool` kept-alive connections, and no ~/.netrc lookup per request (requests looks for
    it on every call without auth: 15 % of a busy relayer's time). With the node's `url`, the
    environment's proxies (and no_proxy) and CA bundle are read for it once, not on every call
    (another third of a relayed request's HTTP time)."""
    session = requests.Session()
    session.auth = _no_auth
    if url is not None:
        session.proxies.update(requests.utils.get_environ_proxies(url))
        bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
        if bundle:
            session.verify = bundle
        session.trust_env = False
    adapter = requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=pool)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def connect_web3(rpc_url: str, *, timeout: float = 30.0) -> Web3:
    """A Web3 on `rpc_url`, proven to answer (ChainError saying how to start a node otherwise)."""
    # The chain id is asked before every call by web3's validation (twice per eth_call): a node's
    # chain id does not change, so it is cached per provider; nothing else is.
    provider = HTTPProvider(
        rpc_url,
        request_kwargs={"timeout": timeout},
        session=node_session(url=rpc_url),
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


def block_hash(w3: Web3, number: int) -> str | None:
    """The 0x-hash of block `number` on `w3`'s chain, or None if the node no longer has it (the
    chain got shorter: a reorganisation). What the indexes compare to notice one."""
    try:
        block = w3.eth.get_block(number)
    except Exception:  # noqa: BLE001 - any refusal means the block is not there
        return None
    return "0x" + bytes(block["hash"]).hex()


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
