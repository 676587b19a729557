"""`make demo` and `make serve` take the local chain's port as PORT=."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from ..conftest import ROOT


def dry_run(*args: str) -> str:
    env = {k: v for k, v in os.environ.items() if k != "PORT"}
    result = subprocess.run(["make", "-n", *args], capture_output=True, text=True, cwd=ROOT, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_demo_and_serve_take_the_chain_port() -> None:
    assert "rightsledger demo --port 9123" in dry_run("demo", "PORT=9123")
    assert "rightsledger serve --local-chain --chain-port 9123 --dev-keys" in dry_run("serve", "PORT=9123")
    # Without PORT: wherever the home's chain last ran (8545 at first).
    assert "--port" not in dry_run("demo") and "--chain-port" not in dry_run("serve")
