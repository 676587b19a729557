"""The web page's static files: the vendored JavaScript is byte for byte the pinned npm packages."""

from __future__ import annotations

import pytest

from ..conftest import ROOT


def test_the_vendored_javascript_matches_the_pinned_npm_packages() -> None:
    import filecmp
    import importlib.util

    spec = importlib.util.spec_from_file_location("vendor_js", ROOT / "scripts" / "vendor_js.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    pairs = module.pairs()
    if not all(source.is_file() for source, _ in pairs):
        pytest.skip("node_modules is not installed (npm ci)")
    drifted = [str(target) for source, target in pairs if not filecmp.cmp(source, target, shallow=False)]
    assert not drifted, f"run `make vendor-js`: {drifted}"
