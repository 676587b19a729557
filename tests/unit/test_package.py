"""The package stays light: importing the SDK and the CLI loads no web framework and no ape."""

from __future__ import annotations

import subprocess
import sys

from ..conftest import ROOT


def test_the_sdk_does_not_import_fastapi() -> None:
    code = "import sys, rightsledger, rightsledger.relay, rightsledger.cli; sys.exit('fastapi' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT, timeout=60).returncode == 0


def test_the_sdk_imports_neither_fastapi_nor_ape() -> None:
    code = (
        "import sys, rightsledger, rightsledger.cli\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in {'fastapi', 'ape', 'starlette', 'uvicorn'})\n"
        "print(heavy)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
