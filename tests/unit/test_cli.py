"""The `rightsledger` entry point without a chain: a missing node is one clear line (exit 1),
a usage error exits 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_no_chain_running_is_one_clear_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "rightsledger.cli",
            "--rpc-url",
            "http://127.0.0.1:9",
            "check",
            "0x" + "ab" * 32,
            "--use",
            "tdm",
        ],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        cwd=tmp_path,
    )
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "rightsledger: error: no Ethereum node answers at http://127.0.0.1:9 (ConnectionError); "
        "start one with `rightsledger chain start`"
    )


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "rightsledger.cli", "check", "x"],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 2 and "--use" in result.stderr
