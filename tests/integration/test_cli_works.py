"""The `rightsledger` command line against the real chain: output, --json, exit codes, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from web3 import Web3

from rightsledger.hashing import hash_file


def test_register_and_check_a_file(cli, files: list[Path]) -> None:
    code, out, _ = cli(
        "--dev-account", "1", "register", str(files[0]), "--licence", "ai-training=0.01ether", "--allow", "tdm"
    )
    assert code == 0
    assert f"registered {files[0]}  {hash_file(files[0])}" in out
    code, out, _ = cli("check", str(files[0]), "--use", "tdm")
    assert code == 0 and "allowed-by-terms" in out
    code, out, _ = cli("check", str(files[0]), "--use", "ai-training", "--json")
    assert code == 3
    assert json.loads(out) == [
        {
            "item": str(files[0]),
            "contentHash": hash_file(files[0]),
            "use": "ai-training",
            "allowed": False,
            "reason": "licence-required",
        }
    ]


def test_register_several_files_is_one_batch_and_check_reports_unregistered(cli, files: list[Path]) -> None:
    code, out, _ = cli("register", str(files[0]), str(files[1]), "--preset", "cc-by", "--json")
    assert code == 0
    data = json.loads(out)
    assert len(data["registrations"]) == 1 and len(data["works"]) == 2
    code, out, _ = cli("check", str(files[0]), str(files[2]), hash_file(files[1]), "--use", "commercial", "--json")
    assert code == 3
    assert [r["reason"] for r in json.loads(out)] == ["allowed-by-terms", "unregistered", "allowed-by-terms"]


def test_terms_show_and_set(cli, files: list[Path], tmp_path: Path) -> None:
    cli("--dev-account", "1", "register", str(files[0]))
    code, out, _ = cli("terms", "show", str(files[0]))
    assert code == 0 and "ai-training" in out and "not allowed" in out
    terms = tmp_path / "terms.json"
    terms.write_text(
        json.dumps({"rules": {"promotion": {"mode": "allow", "start": "2026-01-01", "end": "2099-01-01"}}})
    )
    code, out, _ = cli("--dev-account", "1", "terms", "set", str(files[0]), "--terms", str(terms))
    assert code == 0, out
    code, out, _ = cli("terms", "show", hash_file(files[0]), "--json")
    shown = json.loads(out)
    assert shown["terms"]["rules"]["promotion"]["mode"] == "allow"
    assert shown["holder"] == "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("check", "HASH", "--use", "painting"), "unknown use 'painting'"),
        (("check", "0x1234", "--use", "tdm"), "neither an existing file nor a content hash"),
        (("check", "/no/such/file.png", "--use", "tdm"), "neither an existing file nor a content hash"),
        (("register", "/no/such/file.png"), "file /no/such/file.png does not exist"),
        (("register", "FILE", "--licence", "ai-training"), "write USE=FEE"),
        (("register", "FILE", "--licence", "ai-training=lots"), "is not an amount"),
        (("register", "FILE", "--window", "promotion=2026-01-01/2026-02-01"), "allow or licence promotion first"),
        (("terms", "show", "UNREG"), "no work is registered"),
        (("--dev-account", "2", "terms", "set", "FILE", "--preset", "cc0"), "WorkUnauthorized"),
        (("register", "FILE", "--terms", "/no/terms.json"), "terms file /no/terms.json does not exist"),
        (("mark", "FILE", "--status", "verified", "--dev-account", "3"), "AccessControlUnauthorizedAccount"),
    ],
)
def test_bad_input_prints_one_clear_line_and_exits_non_zero(cli, files: list[Path], args, message: str) -> None:
    cli("--dev-account", "1", "register", str(files[2]))
    names = {"FILE": str(files[2]), "HASH": hash_file(files[2]), "UNREG": hash_file(files[1])}
    args = [names.get(a, a) for a in args]
    if args[0] == "mark":  # global options go first
        args = ["--dev-account", "3", *args[:-2]]
    code, out, err = cli(*args)
    assert code == 1
    assert message in err
    assert err.count("\n") == 1 and err.startswith("rightsledger: error: ")
    assert "Traceback" not in err + out


def test_registering_twice_is_refused_and_loses_nothing(cli, files: list[Path]) -> None:
    assert cli("--dev-account", "1", "register", str(files[0]), "--allow", "tdm")[0] == 0
    code, _, err = cli("--dev-account", "2", "register", str(files[0]))
    assert code == 1 and "WorkAlreadyRegistered" in err
    code, out, _ = cli("terms", "show", str(files[0]), "--json")
    assert json.loads(out)["holder"] == "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"


def test_optout_and_mark_change_the_answer(cli, files: list[Path]) -> None:
    cli("--dev-account", "1", "register", str(files[0]), "--allow", "ai-training", "--allow", "tdm")
    assert cli("check", str(files[0]), "--use", "ai-training")[0] == 0
    code, out, _ = cli("--dev-account", "1", "optout", str(files[0]))
    assert code == 0 and "ai-training" in out
    assert "opted-out" in cli("check", str(files[0]), "--use", "ai-training")[1]
    assert cli("mark", str(files[0]), "--status", "disputed")[0] == 0
    assert "disputed" in cli("check", str(files[0]), "--use", "tdm")[1]


def test_check_as_of_uses_the_terms_in_force_then(cli, files: list[Path], chain: Web3) -> None:
    cli("--dev-account", "1", "register", str(files[0]), "--allow", "tdm")
    then = int(chain.eth.get_block("latest")["timestamp"])
    chain.provider.make_request("evm_increaseTime", [100])  # type: ignore[arg-type]
    assert cli("--dev-account", "1", "terms", "set", str(files[0]), "--preset", "reserved")[0] == 0
    code, out, _ = cli("check", str(files[0]), "--use", "tdm", "--as-of", str(then), "--json")
    assert code == 0 and json.loads(out)[0]["reason"] == "allowed-by-terms"
    code, out, _ = cli("check", str(files[0]), "--use", "tdm", "--at", str(then), "--json")
    assert code == 3 and json.loads(out)[0]["reason"] == "denied"
    code, _, err = cli("check", str(files[0]), "--use", "tdm", "--at", str(then), "--as-of", str(then))
    assert code == 1 and "not both" in err
