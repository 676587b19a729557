"""`rightsledger declare / prove / removal` against the real chain."""

from __future__ import annotations

import json
from pathlib import Path

from web3 import Web3

from rightsledger import RightsLedger
from rightsledger.cli import main
from rightsledger.deployments import Deployment, save_deployment


def test_declare_prove_and_removal_through_the_cli(
    chain: Web3, deployment: Deployment, anvil_url: str, alice: RightsLedger, tmp_path: Path, capsys
) -> None:
    home = tmp_path / "home"
    save_deployment(deployment, home)
    folder = tmp_path / "corpus"
    folder.mkdir()
    for i in range(4):
        (folder / f"{i}.txt").write_text(f"text {i}")
    (folder / "dup.txt").write_text("text 0")  # the same content twice: one leaf
    mine = folder / "1.txt"
    alice.register(mine)

    def run(*args: str) -> tuple[int, str, str]:
        code = main(["--rpc-url", anvil_url, "--home", str(home), *args])
        out, err = capsys.readouterr()
        return code, out, err

    code, out, _ = run("--dev-account", "2", "declare", str(folder), "--use", "ai-training",
                       "--out-dir", str(tmp_path), "--quiet", "--json")  # fmt: skip
    assert code == 0
    declared = json.loads(out)
    assert declared["item_count"] == 4
    manifest = json.loads(Path(declared["manifest"]).read_text())
    assert manifest["root"] == declared["root"] and len(manifest["items"]) == 5
    assert declared["manifest_uri"] == Path(declared["manifest"]).resolve().as_uri()
    dataset_id = str(declared["dataset_id"])
    code, out, _ = run("prove", str(mine), "--dataset", dataset_id)
    assert code == 0 and "VIOLATION recorded" in out and "denied" in out
    code, out, _ = run("--dev-account", "1", "removal", "request", str(mine), "--dataset", dataset_id)
    assert code == 0 and "removal requested" in out
    code, out, _ = run("--dev-account", "2", "removal", "acknowledge", str(mine), "--dataset", dataset_id)
    assert code == 0 and "removal acknowledged" in out
    code, _, err = run("prove", str(folder / "0.txt"), "--dataset", "99")
    assert code == 1 and "DatasetUnknown" in err
