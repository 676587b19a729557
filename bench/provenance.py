"""Provenance benchmark: gas of each stage and of the disclosure label, gas per work of a
batched stage, and the time to read a long trail at several page sizes.
Writes bench/results/provenance.json."""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import fresh_chain, write_result

from rightsledger.disclosure import Disclosure
from rightsledger.sdk.trail import TrailReader

STAGES = 200


def main() -> None:
    with fresh_chain() as client:
        client.register(b"work")
        gas: dict[str, int] = {}

        def last_gas() -> int:
            block = client.w3.eth.get_block("latest", full_transactions=True)
            receipt = client.w3.eth.get_transaction_receipt(block["transactions"][-1]["hash"])
            return int(receipt["gasUsed"])

        client.record_stage(b"work", "created", details_uri="ipfs://bafy-details", details=b"notes")
        gas["recordStage created (with details URI)"] = last_gas()
        client.record_stage(b"work", "derived-from", parents=[b"parent one", b"parent two"])
        gas["recordStage derived-from, 2 parents"] = last_gas()
        client.disclose(b"work", Disclosure.create("ai-assisted-production", ["drafting"], "GPT-4o"))
        gas["setDisclosure (first, with tools)"] = last_gas()
        client.disclose(b"work", Disclosure.create("ai-generated", ["production"], "GPT-4o"))
        gas["setDisclosure (change, same tools)"] = last_gas()

        plates = [f"plate {i}".encode() for i in range(400)]
        client.register_batch(plates)
        client.record_stage_batch(plates, "digitised", details_uri="ipfs://campaign")
        gas_batch = last_gas()

        for _ in range(STAGES):
            client.record_stage(b"work", "transformed")
        reads: dict[str, dict[str, float]] = {}
        for page in (10, 100, 5_000):
            reader = TrailReader(client.w3, client.deployment, page_size=page)
            start = time.perf_counter()
            entries = reader.read(b"work")
            reads[f"page {page} blocks"] = {
                "seconds": round(time.perf_counter() - start, 3),
                "getLogs requests": reader.requests,
                "stages": len(entries),
            }
        result = {
            "gas": gas,
            "recordStageBatch digitised, 400 works: gas per work": gas_batch // 400,
            "trail read": reads,
            "blocks spanned": client.w3.eth.block_number - client.deployment.block + 1,
        }
    path = write_result("provenance", result)
    print(path.read_text())


if __name__ == "__main__":
    main()
