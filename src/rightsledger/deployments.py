"""Compatibility: deployment records are `rightsledger.chain.deployments`."""

from .chain.deployments import Deployment, deployment_path, find_deployment, home_dir, save_deployment

__all__ = [
    "Deployment",
    "deployment_path",
    "find_deployment",
    "home_dir",
    "save_deployment",
]
