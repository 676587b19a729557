"""The package's shape (README, "Architecture"): layers without circles, small modules, no private
names across modules, and the old import paths still working."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "rightsledger"
MAX_LINES = 600


def _python_files(*folders: Path) -> list[Path]:
    return sorted(p for folder in folders for p in folder.rglob("*.py") if "__pycache__" not in p.parts)


def test_no_module_in_src_is_over_600_lines() -> None:
    sizes = {str(p.relative_to(ROOT)): len(p.read_text().splitlines()) for p in _python_files(SRC)}
    long = {name: lines for name, lines in sizes.items() if lines > MAX_LINES}
    assert long == {}


def test_the_package_has_no_import_cycle_not_even_inside_functions_or_type_checking() -> None:
    graph = grimp.build_graph("rightsledger", exclude_type_checking_imports=False)
    modules = sorted(graph.modules)
    edges = {m: set(graph.find_modules_directly_imported_by(m)) for m in modules}
    # A package's own __init__ re-exporting its submodules is not a circle; every other edge counts.
    edges = {m: {d for d in deps if not m.startswith(d + ".")} for m, deps in edges.items()}
    state: dict[str, int] = {}
    cycle: list[str] = []

    def visit(module: str, path: list[str]) -> bool:
        state[module] = 1
        for dep in sorted(edges.get(module, ())):
            if state.get(dep) == 1:
                cycle.extend([*path[path.index(dep):], module, dep] if dep in path else [module, dep])
                return True
            if state.get(dep) is None and visit(dep, [*path, module]):
                return True
        state[module] = 2
        return False

    for module in modules:
        if state.get(module) is None and visit(module, []):
            break
    assert cycle == []


def _private_imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        # Ours: relative imports (any level) and absolute ones of the package.
        if isinstance(node, ast.ImportFrom) and (node.level > 0 or (node.module or "").split(".")[0] == "rightsledger"):
            found += [f"{path.name}: {node.module}.{a.name}" for a in node.names
                      if a.name.startswith("_") and not a.name.startswith("__")]
    return found


def test_no_private_name_is_imported_across_modules_in_src_bench_or_tests() -> None:
    files = _python_files(SRC, ROOT / "bench", ROOT / "tests")
    assert [hit for f in files for hit in _private_imports(f)] == []


OLD_PATHS = {
    "rightsledger.client": ["RightsLedger", "CheckResult", "Registration", "BatchRegistration", "Work", "deploy",
                            "connect_web3", "CHECK_CHUNK", "CHECK_CALL_GAS", "LEVY_EPOCH"],
    "rightsledger.chain": ["LOCAL_CHAIN_ID", "LocalChain", "dev_account", "DEV_KEYS", "find_anvil", "free_port",
                           "wait_for_rpc"],
    "rightsledger.deployments": ["Deployment", "save_deployment", "find_deployment", "home_dir"],
    "rightsledger.licensing": ["Licensing", "Licence", "LicenceSource", "SignedOffer", "Offer", "offer_digest"],
    "rightsledger.datasets": ["DatasetClient", "write_manifest", "tree_of_manifest", "Inclusion"],
    "rightsledger.collections": ["CollectionClient", "CollectionRegistration"],
    "rightsledger.provenance": ["TrailReader", "Stage", "TrailEntry", "DEFAULT_PAGE_SIZE"],
    "rightsledger.relay": ["Relayer", "RequestBuilder", "ForwardRequest", "SignedForwardRequest"],
    "rightsledger.transactions": ["TX_GAS_CAP", "Transactor"],
    "rightsledger.bulk": ["Item", "collect", "hash_items", "Progress", "Checkpoint", "MANIFEST_FORMAT"],
    "rightsledger.audit": ["run_audit", "read_report", "buy_licences"],
    "rightsledger.indexer": ["Indexer", "open_index"],
    "rightsledger.c2pa_import": ["read_c2pa"],
    "rightsledger.terms": ["Terms", "Rule", "PRESETS", "MAX_TIME", "parse_fee", "format_wei"],
    "rightsledger.cli": ["main"],
    "rightsledger.gateway": ["GatewaySettings", "create_app"],
}


@pytest.mark.parametrize("module", sorted(OLD_PATHS))
def test_old_import_paths_keep_working(module: str) -> None:
    loaded = importlib.import_module(module)
    assert [name for name in OLD_PATHS[module] if not hasattr(loaded, name)] == []


def test_the_gateway_offers_every_single_record_export_format() -> None:
    pytest.importorskip("fastapi")
    from rightsledger.exports.formats import FORMATS
    from rightsledger.gateway.routes.exports import ExportFormat

    assert [f.value for f in ExportFormat] == list(FORMATS)


def _streams_a_file_into_sha256(function: ast.AST) -> bool:
    calls = [n for n in ast.walk(function) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)]
    makes_sha256 = any(c.func.attr == "sha256" and not c.args for c in calls)  # type: ignore[attr-defined]
    opens_for_reading = any(
        c.func.attr == "open" and any(isinstance(a, ast.Constant) and a.value == "rb" for a in c.args)  # type: ignore[attr-defined]
        for c in calls
    )
    return makes_sha256 and opens_for_reading


def test_the_streaming_sha256_of_a_file_exists_once() -> None:
    """Issue 10: one streaming sha256 (`hashing.sha256_of_file`), not a copy per module."""
    found = sorted(
        f"{path.relative_to(SRC)}:{node.name}"
        for path in _python_files(SRC)
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and _streams_a_file_into_sha256(node)
    )
    assert found == ["hashing.py:sha256_of_file"]
