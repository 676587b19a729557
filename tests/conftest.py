"""What unit and integration tests share: where the project is, and a home folder of their own. The
chain fixtures live in tests/integration/conftest.py."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def pytest_configure(config: pytest.Config) -> None:
    """Clients made without `home=` use $RIGHTSLEDGER_HOME, else ./.rightsledger: the checkout's own
    demo home (`make demo`), whose deployment record and codes index belong to another chain. The
    tests get an empty home of their own instead."""
    home = tempfile.mkdtemp(prefix="rightsledger-test-home-")
    config.stash[_HOME] = home
    os.environ["RIGHTSLEDGER_HOME"] = home


def pytest_unconfigure(config: pytest.Config) -> None:
    home = config.stash.get(_HOME, None)
    if home:
        shutil.rmtree(home, ignore_errors=True)


_HOME = pytest.StashKey[str]()
