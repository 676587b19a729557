"""Where the contracts live, per chain id.

Deployments made by `rightsledger deploy` are recorded in `<home>/deployments/<chainId>.json`
(home: $RIGHTSLEDGER_HOME, else ./.rightsledger). Deployments to public networks that the
project publishes ship inside the package (rightsledger/deployments/<chainId>.json).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path

from ..errors import ConfigError


@dataclass(frozen=True)
class Deployment:
    """The addresses of one deployment, by contract name, and where it starts on the chain."""

    chain_id: int
    contracts: dict[str, str]
    deployer: str
    block: int

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
            deployment = cls(**{k: data[k] for k in cls.__dataclass_fields__})
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


def find_deployment(chain_id: int, home: str | Path | None = None) -> Deployment | None:
    """The recorded deployment for `chain_id`: the local record first, then the shipped one."""
    local = deployment_path(chain_id, home)
    if local.is_file():
        return Deployment.from_json(local.read_text(), source=str(local))
    shipped = resources.files("rightsledger") / "deployments" / f"{chain_id}.json"
    if shipped.is_file():
        return Deployment.from_json(shipped.read_text(), source=f"package data {chain_id}.json")
    return None
