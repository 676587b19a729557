"""Review 4: `collection members` and `collection register --codes` on bad input: one error line, no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from web3 import Web3

from rightsledger.chain.deployments import save_deployment
from rightsledger.cli import main


@pytest.fixture
def run(chain: Web3, deployment, anvil_url: str, tmp_path: Path, capsys):
    save_deployment(deployment, tmp_path / "home")

    def call(*args: str) -> tuple[int, str, str]:
        code = main(["--rpc-url", anvil_url, "--home", str(tmp_path / "home"), *args])
        out, err = capsys.readouterr()
        return code, out, err

    return call


def test_review_collection_members_and_register_codes_bad_input_is_one_line(run, tmp_path: Path) -> None:
    folder = tmp_path / "archive"
    folder.mkdir()
    (folder / "a.txt").write_text("a short note that is a work")
    (folder / "b.bin").write_bytes(b"\x00\x01\x02 not any media")
    code, _out, err = run("collection", "register", str(folder), "--codes", "--json")
    assert code == 0, err
    cases = [
        ("collection", "members"),
        ("collection", "members", "--collection", "99"),
        ("collection", "members", "--collection", "1", "--manifest", str(tmp_path / "missing.json")),
        ("collection", "members", "--collection", "1", "--manifest", str(folder)),
        ("collection", "members", "--collection", "1", "--manifest", str(folder / "a.txt")),
        ("collection", "register"),
        ("collection", "register", str(tmp_path / "nowhere"), "--codes"),
        ("collection", "check", "--collection", "1", "--use", "tdm"),
    ]
    for args in cases:
        code, _out, err = run(*args)
        assert code != 0, args
        assert "Traceback" not in err and len(err.strip().splitlines()) == 1, (args, err)

