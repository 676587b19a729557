"""What unit and integration tests share: where the project is. The chain fixtures live in
tests/integration/conftest.py."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
