"""`rightsledger serve` without the gateway extra says what to install."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from ..conftest import ROOT


def test_serve_without_the_gateway_extra_says_what_to_install() -> None:
    code = "import sys; sys.modules['fastapi'] = None; from rightsledger.cli import main; sys.exit(main(['serve']))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert result.returncode == 1
    assert "rightsledger[gateway]" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(("variable", "value", "says"), [
    ("RIGHTSLEDGER_GATEWAY_KEEP_ALIVE", "0", "greater than or equal to 1"),
    ("RIGHTSLEDGER_GATEWAY_MAX_BODY_BYTES", "lots", "valid integer"),
    ("RIGHTSLEDGER_GATEWAY_RATE_LIMIT", "-1", "greater than or equal to 0"),
    ("RIGHTSLEDGER_GATEWAY_MAX_UPLOAD_PIXELS", "1e9", "valid integer"),
])
def test_review5_a_bad_gateway_variable_is_one_line_naming_it(variable: str, value: str, says: str) -> None:
    # `serve` printed pydantic's traceback for a bad RIGHTSLEDGER_GATEWAY_* value.
    code = "import sys; from rightsledger.cli import main; sys.exit(main(['serve', '--port', '1']))"
    env = {**os.environ, variable: value, "PYTHONPATH": str(ROOT / "src")}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60,
                            env=env)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith(f"rightsledger: error: {variable}={value!r}: ") and says in result.stderr
