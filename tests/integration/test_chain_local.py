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
