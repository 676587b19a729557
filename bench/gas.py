"""Gas per registration on a real anvil: single (first and later works of a holder) and
batches of several sizes, per work. Writes bench/results/gas.json."""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import fresh_chain, write_result

from rightsledger import Mode, Rule, Terms, Use
from rightsledger.chain import dev_account

BATCH_SIZES = (10, 100, 500)


def main() -> None:
    terms = Terms(rules={Use.AI_TRAINING: Rule(mode=Mode.LICENCE, fee=10**16)})
    with fresh_chain() as admin:
        policy = admin.ensure_policy(terms)
        holder = admin.with_account(dev_account(1))
        first = holder.register(os.urandom(32), terms=policy, metadata_uri="ipfs://example-metadata")
        later = holder.register(os.urandom(32), terms=policy, metadata_uri="ipfs://example-metadata")
        bare = holder.register(os.urandom(32), terms=policy)
        batches = {}
        for size in BATCH_SIZES:
            reg = holder.register_batch([os.urandom(32) for _ in range(size)], terms=policy, chunk_size=size)
            batches[str(size)] = {"gas": reg.gas_used, "per_work": round(reg.gas_used / size)}
    result = {
        "single_first_work_of_holder": first.gas_used,
        "single_with_metadata_uri": later.gas_used,
        "single_without_metadata_uri": bare.gas_used,
        "batch": batches,
        "batch_vs_single_ratio": round(later.gas_used / batches["500"]["per_work"], 2),
    }
    path = write_result("gas", result)
    print(f"single registration: {later.gas_used:,} gas ({bare.gas_used:,} without a metadata URI)")
    for size, row in batches.items():
        print(f"batch of {size:>3}: {row['gas']:>10,} gas, {row['per_work']:>6,} per work")
    print(f"a work in a batch of 500 costs 1/{result['batch_vs_single_ratio']} of a single registration")
    print(f"written to {path}")


if __name__ == "__main__":
    main()
