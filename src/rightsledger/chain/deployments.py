"""Where the contracts live, per chain id.

Deployments made by `rightsledger deploy` are recorded in `<home>/deployments/<chainId>.json`
(home: $RIGHTSLEDGER_HOME, else ./.rightsledger). Deployments to public networks that the
project publishes ship inside the package (rightsledger/deployments/<chainId>.json).

A chain id does not name one chain (every local anvil is 31337, with the same addresses), so a
record also holds the chain's genesis block hash and the hash of WorkRegistry's runtime code;
`verify_deployment` refuses a node whose chain is another one. Records made before these fields
existed are checked by their code only.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, replace
from importlib import resources
from pathlib import Path

from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak
from web3 import Web3

from ..errors import ChainError, ConfigError


@dataclass(frozen=True)
class Deployment:
    """The addresses of one deployment, by contract name, and where it starts on the chain."""

    chain_id: int
    contracts: dict[str, str]
    deployer: str
    block: int
    genesis: str | None = None
    """The hash of the chain's block 0: which chain this is, where the chain id is ambiguous."""
    code_hash: str | None = None
    """keccak256 of WorkRegistry's runtime code as deployed."""
    previous_genesis: tuple[str, ...] = ()
    """Earlier genesis hashes of this same deployment: the home's local chain rebuilt from its
    journal onto a fresh genesis (`rebind_genesis`). An index made before still belongs to it."""
    marker: str | None = None
    """The hash of a transaction the deploy sent with 32 random bytes: two local nodes started in
    the same second have the same genesis block (and the same addresses and code), but only the
    chain it was deployed on knows this transaction."""

    def address(self, name: str) -> str:
        try:
            return self.contracts[name]
        except KeyError:
            raise ConfigError(
                f"the deployment on chain {self.chain_id} has no {name}; it predates this version: deploy again"
            ) from None

    @property
    def work_registry(self) -> str:
        return self.address("WorkRegistry")

    @property
    def policy_registry(self) -> str:
        return self.address("PolicyRegistry")

    @property
    def forwarder(self) -> str:
        return self.address("Forwarder")

    @property
    def licence_manager(self) -> str:
        return self.address("LicenceManager")

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str, *, source: str) -> Deployment:
        try:
            data = json.loads(text)
            required = {k: data[k] for k in ("chain_id", "contracts", "deployer", "block")}
            deployment = cls(
                **required,
                genesis=data.get("genesis"),
                code_hash=data.get("code_hash"),
                previous_genesis=tuple(str(g) for g in data.get("previous_genesis") or ()),
                marker=data.get("marker"),
            )
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise ConfigError(f"deployment record {source} is unreadable ({exc}); deploy again") from None
        if not isinstance(deployment.contracts, dict):
            raise ConfigError(f"deployment record {source} has no contracts table; deploy again")
        return deployment


def home_dir(home: str | Path | None = None) -> Path:
    """The folder holding local state: deployments, the local chain's state and logs."""
    if home is not None:
        return Path(home)
    return Path(os.environ.get("RIGHTSLEDGER_HOME") or Path.cwd() / ".rightsledger")


def deployment_path(chain_id: int, home: str | Path | None = None) -> Path:
    return home_dir(home) / "deployments" / f"{chain_id}.json"


def save_deployment(deployment: Deployment, home: str | Path | None = None) -> Path:
    path = deployment_path(deployment.chain_id, home)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(deployment.to_json())
    tmp.replace(path)
    return path


def genesis_hash(w3: Web3) -> str:
    """The hash of the node's block 0, 0x-prefixed."""
    answer = w3.provider.make_request("eth_getBlockByNumber", ["0x0", False])  # type: ignore[arg-type]
    block = answer.get("result")
    if not isinstance(block, dict) or not isinstance(block.get("hash"), str):
        raise ChainError(f"the node has no block 0 to tell which chain it is: {answer.get('error', answer)}")
    return str(block["hash"]).lower()


def code_hash(w3: Web3, address: str) -> str | None:
    """keccak256 of the runtime code at `address`; None if there is no contract there."""
    code = bytes(w3.eth.get_code(to_checksum_address(address)))
    return "0x" + keccak(code).hex() if code else None


class WrongChainError(ConfigError):
    """The node is not the chain the deployment record was made on."""

    code = "wrong-chain"


def verify_deployment(w3: Web3, deployment: Deployment) -> None:
    """Refuse a node that is not the chain `deployment` was made on (WrongChainError saying what to do)."""
    endpoint = getattr(w3.provider, "endpoint_uri", None) or "this node"
    where = f"the deployment recorded for chain id {deployment.chain_id}"
    if deployment.genesis is not None:
        actual = genesis_hash(w3)
        if actual.lower() != deployment.genesis.lower():
            raise WrongChainError(
                f"{endpoint} is another chain than {where} (genesis block {deployment.genesis[:12]}…, "
                f"this node's is {actual[:12]}…): point --rpc-url at the node it was deployed on "
                "(or --home at this node's own home folder), or run `rightsledger deploy` to deploy on this chain"
            )
    found = code_hash(w3, deployment.work_registry)
    if found is None:
        raise WrongChainError(
            f"no contract at {deployment.work_registry} on chain {deployment.chain_id} at {endpoint} "
            "(was the chain reset, or is this another node?); run `rightsledger deploy` again, "
            "or point --rpc-url/--home at the node it was deployed on"
        )
    if deployment.code_hash is not None and found.lower() != deployment.code_hash.lower():
        raise WrongChainError(
            f"the contract at {deployment.work_registry} on {endpoint} is not the WorkRegistry of {where} "
            "(its code differs): point --rpc-url/--home at the node it was deployed on, "
            "or run `rightsledger deploy` again"
        )
    if deployment.marker is not None and not _has_transaction(w3, deployment.marker):
        raise WrongChainError(
            f"{endpoint} is another chain than {where}: the same genesis block, addresses and code (a node started "
            f"in the same second), but it has no record of the deployment's transaction {deployment.marker[:12]}…; "
            "point --rpc-url at the node it was deployed on (or --home at this node's own home folder), "
            "or run `rightsledger deploy` to deploy on this chain"
        )


def _has_transaction(w3: Web3, tx_hash: str) -> bool:
    answer = w3.provider.make_request("eth_getTransactionByHash", [tx_hash])  # type: ignore[arg-type]
    if "error" in answer:
        raise ChainError(f"the node could not look up transaction {tx_hash[:12]}…: {answer['error']}")
    return isinstance(answer.get("result"), dict)


def find_deployment(chain_id: int, home: str | Path | None = None) -> Deployment | None:
    """The recorded deployment for `chain_id`: the local record first, then the shipped one."""
    local = deployment_path(chain_id, home)
    if local.is_file():
        return Deployment.from_json(local.read_text(), source=str(local))
    shipped = resources.files("rightsledger") / "deployments" / f"{chain_id}.json"
    if shipped.is_file():
        return Deployment.from_json(shipped.read_text(), source=f"package data {chain_id}.json")
    return None


def rebind_genesis(w3: Web3, home: str | Path | None = None) -> bool:
    """After the home's own chain was rebuilt from its journal onto a fresh genesis (killed before
    anvil first saved its state), move the home's record to the new genesis, if its contracts are
    back with the same code. True if the record was rebound."""
    path = deployment_path(int(w3.eth.chain_id), home)
    if not path.is_file():
        return False
    recorded = Deployment.from_json(path.read_text(), source=str(path))
    actual = genesis_hash(w3)
    if recorded.genesis in (None, actual) or recorded.code_hash is None:
        return False
    if code_hash(w3, recorded.work_registry) != recorded.code_hash:
        return False
    previous = (*recorded.previous_genesis, recorded.genesis)
    save_deployment(replace(recorded, genesis=actual, previous_genesis=previous), home)
    return True
