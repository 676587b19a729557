"""ape deploy script: `ape run deploy --network ethereum:local:foundry` (or any network ape
knows, with `--account ALIAS`). Deploys the contracts in the same order as the SDK's
`rightsledger deploy` and records them where the SDK and CLI look them up:
$RIGHTSLEDGER_HOME/deployments/<chainId>.json (default ./.rightsledger)."""

from __future__ import annotations

import click
from ape import accounts, chain, networks, project
from ape.cli import ConnectedProviderCommand, account_option

from rightsledger.client import LEVY_EPOCH
from rightsledger.deployments import Deployment, save_deployment


@click.command(cls=ConnectedProviderCommand)
@account_option()
@click.option("--admin", default=None, help="admin and first registrar (default: the deploying account)")
def cli(account, admin):  # type: ignore[no-untyped-def]
    """Deploy Forwarder, PolicyRegistry, WorkRegistry, LicenceManager, ProvenanceLog, DatasetRegistry,
    CollectionRegistry and LevyFund, and wire them as the SDK's `deploy` does."""
    forwarder = project.Forwarder.deploy(sender=account)
    start_block = forwarder.creation_metadata.block
    policies = project.PolicyRegistry.deploy(sender=account)
    works = project.WorkRegistry.deploy(policies.address, account.address, forwarder.address, sender=account)
    licences = project.LicenceManager.deploy(works.address, forwarder.address, sender=account)
    provenance = project.ProvenanceLog.deploy(works.address, forwarder.address, sender=account)
    works.setLicenceOracle(licences.address, sender=account)
    works.grantRole(works.DELEGATE_REGISTRAR_ROLE(), licences.address, sender=account)
    collections = project.CollectionRegistry.deploy(works.address, forwarder.address, sender=account)
    works.setCollectionRegistry(collections.address, sender=account)
    if admin and admin.lower() != account.address.lower():
        for role in (works.REGISTRAR_ROLE(), works.DEFAULT_ADMIN_ROLE()):
            works.grantRole(role, admin, sender=account)
            works.renounceRole(role, account.address, sender=account)
    datasets = project.DatasetRegistry.deploy(works.address, forwarder.address, sender=account)
    levy = project.LevyFund.deploy(datasets.address, collections.address, LEVY_EPOCH, forwarder.address, sender=account)
    deployment = Deployment(
        chain_id=chain.chain_id,
        contracts={
            "Forwarder": forwarder.address,
            "PolicyRegistry": policies.address,
            "WorkRegistry": works.address,
            "LicenceManager": licences.address,
            "ProvenanceLog": provenance.address,
            "DatasetRegistry": datasets.address,
            "CollectionRegistry": collections.address,
            "LevyFund": levy.address,
        },
        deployer=account.address,
        block=start_block,
    )
    path = save_deployment(deployment)
    click.echo(f"deployed on {networks.provider.network.name} (chain {chain.chain_id}); recorded in {path}")
    for name, address in deployment.contracts.items():
        click.echo(f"  {name:<16} {address}")


_ = accounts  # ape's account registry backs --account
