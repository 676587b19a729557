"""`rightsledger serve` without the gateway extra says what to install."""

from __future__ import annotations

import subprocess
import sys

from ..conftest import ROOT


def test_serve_without_the_gateway_extra_says_what_to_install() -> None:
    code = "import sys; sys.modules['fastapi'] = None; from rightsledger.cli import main; sys.exit(main(['serve']))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert result.returncode == 1
    assert "rightsledger[gateway]" in result.stderr and "Traceback" not in result.stderr
