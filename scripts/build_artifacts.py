"""Compile the contracts with the pinned solc (solc-js behind scripts/solc) and write
their ABIs and bytecode into the package as data (src/rightsledger/artifacts/).

    python scripts/build_artifacts.py          # write the artifacts
    python scripts/build_artifacts.py --check  # exit 1 if the package data drifted

Nothing is downloaded: py-solc-x is pointed at the wrapper with `solc_binary`.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import solcx

ROOT = Path(__file__).resolve().parent.parent
SOLC = ROOT / "scripts" / "solc"
CONTRACTS_DIR = ROOT / "contracts"
NODE_MODULES = ROOT / "node_modules"
ARTIFACTS_DIR = ROOT / "src" / "rightsledger" / "artifacts"

SETTINGS: dict[str, Any] = {
    "optimizer": {"enabled": True, "runs": 10_000},
    "evmVersion": "prague",
    "viaIR": True,
    "metadata": {"bytecodeHash": "ipfs"},
    "outputSelection": {"*": {"*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"]}},
}


def _sources() -> dict[str, dict[str, str]]:
    # Hidden folders are tools' caches (ape unpacks dependencies into contracts/.cache).
    files = sorted(p for p in CONTRACTS_DIR.rglob("*.sol") if not any(part.startswith(".") for part in p.parts))
    return {f"contracts/{p.relative_to(CONTRACTS_DIR).as_posix()}": {"content": p.read_text()} for p in files}


def compile_contracts() -> dict[str, dict[str, Any]]:
    """Compile every contract under contracts/; return {name: {abi, bytecode, deployedBytecode}}."""
    output = solcx.compile_standard(
        {"language": "Solidity", "sources": _sources(), "settings": SETTINGS},
        solc_binary=str(SOLC),
        base_path=str(ROOT),
        allow_paths=[str(ROOT), str(NODE_MODULES)],
    )
    errors = [e for e in output.get("errors", []) if e.get("severity") == "error"]
    if errors:
        raise SystemExit("\n".join(e.get("formattedMessage", e.get("message", "")) for e in errors))
    result: dict[str, dict[str, Any]] = {}
    for unit, contracts in output["contracts"].items():
        if not unit.startswith("contracts/"):
            continue
        for name, data in contracts.items():
            result[name] = {
                "contractName": name,
                "sourceName": unit,
                "abi": data["abi"],
                "bytecode": "0x" + data["evm"]["bytecode"]["object"],
                "deployedBytecode": "0x" + data["evm"]["deployedBytecode"]["object"],
            }
    return result


def render(artifacts: dict[str, dict[str, Any]]) -> dict[str, str]:
    """The files to write: one JSON per contract, stable formatting."""
    return {
        f"{name}.json": json.dumps(data, indent=1, sort_keys=True) + "\n" for name, data in sorted(artifacts.items())
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the package data instead of writing it")
    args = parser.parse_args()
    files = render(compile_contracts())
    if args.check:
        drifted = [
            n
            for n, text in files.items()
            if not (ARTIFACTS_DIR / n).exists() or (ARTIFACTS_DIR / n).read_text() != text
        ]
        stale = [p.name for p in ARTIFACTS_DIR.glob("*.json") if p.name not in files]
        if drifted or stale:
            print(
                f"artifacts drifted from the contracts: {', '.join(drifted + stale)}; run `make artifacts`",
                file=sys.stderr,
            )
            return 1
        print(f"artifacts match a fresh compile ({len(files)} contracts)")
        return 0
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    for stale in ARTIFACTS_DIR.glob("*.json"):
        if stale.name not in files:
            stale.unlink()
    for name, text in files.items():
        (ARTIFACTS_DIR / name).write_text(text)
    print(f"wrote {len(files)} artifacts to {ARTIFACTS_DIR.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
