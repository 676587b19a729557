"""Chain plumbing: the local node, connections and the account rule, deployments, contract ABIs,
transactions, paged logs, and the `ContractModule` base of the SDK modules.

`from rightsledger.chain import dev_account, LocalChain, ...` names the local chain, as it always did.
"""

from .local import (
    DEFAULT_PORT,
    DEV_KEYS,
    LOCAL_CHAIN_ID,
    LocalChain,
    dev_account,
    find_anvil,
    free_port,
    port_is_free,
    wait_for_rpc,
)

__all__ = [
    "DEFAULT_PORT",
    "DEV_KEYS",
    "LOCAL_CHAIN_ID",
    "LocalChain",
    "dev_account",
    "find_anvil",
    "free_port",
    "port_is_free",
    "wait_for_rpc",
]
