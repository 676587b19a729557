"""Gas of `LevyFund.finalize` with 1 and with 5,000 admitted datasets, measured by the forge test
`test_attack_manyDeclarationsCannotLockFinalize` (which also asserts the two are within 10 %).
Writes bench/results/levy.json.

Before issue 12, finalize walked every dataset declared in the epoch (about 17,000 gas each, cold),
so some 1,750 declarations exceeded a 30M-gas block and locked the fund; now the items are a
running total kept at admission, and finalize reads and writes a fixed set of slots."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import write_result

ROOT = Path(__file__).resolve().parent.parent
TEST = "test_attack_manyDeclarationsCannotLockFinalize"
LINE = re.compile(r"finalize gas, (\d+) admitted datasets?: (\d+)")


def _logs(node: Any) -> list[str]:
    """Every string in the `decoded_logs` lists of forge's JSON output."""
    if isinstance(node, dict):
        found = list(node.get("decoded_logs") or [])
        for value in node.values():
            found += _logs(value)
        return found
    if isinstance(node, list):
        return [line for item in node for line in _logs(item)]
    return []


def main() -> None:
    forge = shutil.which("forge") or str(ROOT / "node_modules" / ".bin" / "forge")
    run = subprocess.run(
        [forge, "test", "--match-test", TEST, "--json", "-vv"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    if run.returncode != 0:
        raise SystemExit(f"forge test {TEST} failed:\n{run.stdout[-2000:]}\n{run.stderr[-2000:]}")
    start = run.stdout.find("{")
    gas = {}
    for line in _logs(json.loads(run.stdout[start:])):
        match = LINE.search(line)
        if match:
            gas[int(match.group(1))] = int(match.group(2))
    if set(gas) != {1, 5000}:
        raise SystemExit(f"forge printed no finalize gas for 1 and 5000 datasets: {gas}")
    ratio = gas[5000] / gas[1]
    result = {
        "finalize_gas": {"1_dataset": gas[1], "5000_datasets": gas[5000]},
        "ratio_5000_to_1": round(ratio, 4),
        "within_10_percent": abs(ratio - 1) <= 0.10,
        "measured_by": f"forge test --match-test {TEST} (one transaction per case, revm)",
    }
    path = write_result("levy", result)
    print(f"finalize: {gas[1]:,} gas with 1 admitted dataset, {gas[5000]:,} with 5,000 (ratio {ratio:.3f})")
    print(f"written to {path}")


if __name__ == "__main__":
    main()
