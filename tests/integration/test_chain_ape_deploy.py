"""ape compiles the project with the pinned solc wrapper and its deploy script records a
deployment the SDK can use (ape-foundry starts its own anvil for the run)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from ..conftest import ROOT

APE = ROOT / ".venv" / "bin" / "ape"


@pytest.mark.skipif(not APE.exists(), reason="ape is part of the dev install (make install)")
def test_ape_deploy_script_records_a_deployment(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "SOLCX_BINARY_PATH": str(ROOT / ".solcx"),
        "PATH": f"{ROOT / 'node_modules' / '.bin'}:{ROOT / '.venv' / 'bin'}:{os.environ['PATH']}",
        "RIGHTSLEDGER_HOME": str(tmp_path),
    }
    assert shutil.which("anvil", path=env["PATH"]), "anvil from npm must be on PATH for ape-foundry"
    install = subprocess.run([str(APE), "pm", "install"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert install.returncode == 0, install.stdout + install.stderr
    run = subprocess.run(
        [str(APE), "run", "deploy", "--network", "ethereum:local:foundry", "--account", "TEST::0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    record = json.loads((tmp_path / "deployments" / "31337.json").read_text())
    assert set(record["contracts"]) == {
        "Forwarder",
        "PolicyRegistry",
        "WorkRegistry",
        "LicenceManager",
        "ProvenanceLog",
        "DatasetRegistry",
        "CollectionRegistry",
        "LevyFund",
    }
    assert record["deployer"] == "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
    assert "WorkRegistry" in run.stdout
