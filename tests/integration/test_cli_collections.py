"""`rightsledger collection register / check` against the real chain."""

from __future__ import annotations

import json
from pathlib import Path

from web3 import Web3

from rightsledger.cli import main
from rightsledger.deployments import save_deployment


def test_collection_cli_registers_a_folder_and_checks_members(
    chain: Web3, deployment, anvil_url: str, tmp_path: Path, capsys
) -> None:
    home = tmp_path / "home"
    save_deployment(deployment, home)
    folder = tmp_path / "scans"
    folder.mkdir()
    for i in range(20):
        (folder / f"scan-{i}.tif").write_bytes(f"scan {i}".encode())
    base = ["--rpc-url", anvil_url, "--home", str(home)]
    code = main([*base, "collection", "register", str(folder), "--allow", "tdm", "--json"])
    reg = json.loads(capsys.readouterr().out)
    assert code == 0 and reg["count"] == 20 and Path(reg["tree_file"]).exists()
    code = main([*base, "collection", "check", str(folder / "scan-3.tif"), "--collection", str(reg["collection_id"]),
                 "--use", "tdm"])  # fmt: skip
    assert code == 0 and "allowed-by-terms" in capsys.readouterr().out
