"""Deploying the contracts in dependency order and wiring their roles; the deployment is recorded per chain."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from eth_account.signers.local import LocalAccount
from eth_utils.address import to_checksum_address
from web3 import Web3

from ..vocabulary import parse_address
from .contracts import abi, artifact
from .deployments import Deployment, code_hash, genesis_hash, save_deployment
from .local import journal_for
from .transactions import TX_GAS_CAP, Transactor

# The levy fund's epoch: contributions of one month are shared among that month's datasets.
LEVY_EPOCH = 30 * 24 * 3600


def deploy(
    w3: Web3,
    account: LocalAccount,
    *,
    admin: str | None = None,
    home: str | Path | None = None,
    levy_epoch: int = LEVY_EPOCH,
) -> Deployment:
    """Deploy the contracts in dependency order; record the deployment for this chain id."""
    tx = Transactor(w3, account, journal_for(w3, home))
    admin_address = parse_address(admin, what="admin") if admin else account.address
    forwarder, block = _deploy_one(tx, "Forwarder", [])
    policies, _ = _deploy_one(tx, "PolicyRegistry", [])
    works, _ = _deploy_one(tx, "WorkRegistry", [policies, account.address, forwarder])
    licences, _ = _deploy_one(tx, "LicenceManager", [works, forwarder])
    provenance, _ = _deploy_one(tx, "ProvenanceLog", [works, forwarder])
    collections, _ = _deploy_one(tx, "CollectionRegistry", [works, forwarder])
    _wire(tx, works, licences, collections, admin_address)
    datasets, _ = _deploy_one(tx, "DatasetRegistry", [works, forwarder])
    levy, _ = _deploy_one(tx, "LevyFund", [datasets, collections, levy_epoch, forwarder])
    # Which chain this is, beyond the genesis block (the same for two local nodes started in the
    # same second): a transaction only this chain has (verify_deployment looks it up).
    marker = tx.send({"to": account.address, "value": 0, "data": "0x" + secrets.token_hex(32)},
                     action="recording the deployment's marker transaction")
    deployment = Deployment(
        chain_id=w3.eth.chain_id,
        contracts={
            "Forwarder": forwarder,
            "PolicyRegistry": policies,
            "WorkRegistry": works,
            "LicenceManager": licences,
            "ProvenanceLog": provenance,
            "DatasetRegistry": datasets,
            "CollectionRegistry": collections,
            "LevyFund": levy,
        },
        deployer=account.address,
        block=block,
        genesis=genesis_hash(w3),
        code_hash=code_hash(w3, works),
        marker="0x" + bytes(marker["transactionHash"]).hex().removeprefix("0x"),
    )
    save_deployment(deployment, home)
    return deployment


def _wire(tx: Transactor, works_address: str, licences: str, collections: str, admin: str) -> None:
    """Make the licence manager the registry's licence oracle and let it register derivatives; wire the
    collection registry (whose verified collections contest squatted members, once for good); then,
    if the admin is another account, hand the admin and registrar roles over to it."""
    works = tx.w3.eth.contract(address=to_checksum_address(works_address), abi=abi("WorkRegistry"))

    def send(call: Any, action: str) -> None:
        built = call.build_transaction({"from": tx.address, "gas": TX_GAS_CAP, "nonce": 0})
        tx.send({"to": built["to"], "data": built["data"]}, action=action)

    send(works.functions.setLicenceOracle(licences), "setting the licence oracle")
    send(works.functions.setCollectionRegistry(collections), "wiring the collection registry")
    delegate = works.functions.DELEGATE_REGISTRAR_ROLE().call()
    send(works.functions.grantRole(delegate, licences), "letting the licence manager register derivatives")
    if admin != tx.address:
        admin_role = works.functions.DEFAULT_ADMIN_ROLE().call()
        registrar = works.functions.REGISTRAR_ROLE().call()
        send(works.functions.grantRole(registrar, admin), "granting the registrar role to the admin")
        send(works.functions.grantRole(admin_role, admin), "granting the admin role to the admin")
        send(works.functions.renounceRole(registrar, tx.address), "renouncing the deployer's registrar role")
        send(works.functions.renounceRole(admin_role, tx.address), "renouncing the deployer's admin role")


def _deploy_one(tx: Transactor, name: str, args: list[Any]) -> tuple[str, int]:
    data = artifact(name)
    factory = tx.w3.eth.contract(abi=data["abi"], bytecode=data["bytecode"])
    built = factory.constructor(*args).build_transaction({"from": tx.address, "gas": 0, "nonce": 0})
    receipt = tx.send({"data": built["data"]}, action=f"deploying {name}")
    return str(receipt["contractAddress"]), int(receipt["blockNumber"])


__all__ = ["LEVY_EPOCH", "deploy"]
