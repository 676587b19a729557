"""The local chain (`rightsledger chain start / stop / status`) keeps its records across restarts."""

from __future__ import annotations

from pathlib import Path

import pytest

from rightsledger.chain import free_port
from rightsledger.cli import main


def test_chain_restart_keeps_every_record(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    port = str(free_port())
    base = ["--home", str(tmp_path), "--rpc-url", f"http://127.0.0.1:{port}"]
    work = tmp_path / "archive-scan.tif"
    work.write_bytes(b"scan of a 1910 postcard")
    try:
        assert main([*base, "chain", "start", "--port", port]) == 0
        assert main([*base, "chain", "start", "--port", port]) == 0
        assert "already running" in capsys.readouterr().out
        assert main([*base, "deploy"]) == 0
        assert main([*base, "register", str(work), "--allow", "tdm"]) == 0
        assert main([*base, "chain", "stop", "--port", port]) == 0
        assert "stopped" in capsys.readouterr().out
        assert main([*base, "chain", "status", "--port", port]) == 1
        assert "not running" in capsys.readouterr().out

        assert main([*base, "chain", "start", "--port", port]) == 0
        assert main([*base, "chain", "status", "--port", port]) == 0
        assert "WorkRegistry" in capsys.readouterr().out
        assert main([*base, "check", str(work), "--use", "tdm"]) == 0
        assert "allowed-by-terms" in capsys.readouterr().out
    finally:
        main([*base, "chain", "stop", "--port", port])


def test_a_node_that_does_not_answer_names_the_homes_own_chain(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--home` given, `--rpc-url` left at another port: the error says where the home's chain runs,
    instead of telling the user to start a chain that already runs."""
    port, elsewhere = str(free_port()), str(free_port())
    home = ["--home", str(tmp_path)]
    try:
        assert main([*home, "chain", "start", "--port", port]) == 0
        capsys.readouterr()
        wrong_url = ["--rpc-url", f"http://127.0.0.1:{elsewhere}"]
        assert main([*home, *wrong_url, "check", "0x" + "ab" * 32, "--use", "tdm"]) == 1
        err = capsys.readouterr().err
        assert f"no Ethereum node answers at http://127.0.0.1:{elsewhere}" in err
        assert f"this home's local chain runs at http://127.0.0.1:{port}: pass --rpc-url http://127.0.0.1:{port}" in err
        assert "start one with" not in err
        assert err.count("\n") == 1
    finally:
        main([*home, "chain", "stop"])
