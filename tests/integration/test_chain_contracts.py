"""The ABIs and bytecode shipped in the package match a fresh compile of contracts/ (solc, a few
minutes: it runs with the integration tests)."""

from __future__ import annotations

import subprocess
import sys

from ..conftest import ROOT


def test_package_artifacts_match_a_fresh_compile() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "build_artifacts.py"), "--check"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "match a fresh compile" in result.stdout
