"""Gas per registration on a real anvil: single (first and later works of a holder) and batches of
several sizes, per work, without and with content codes, beside an OpenZeppelin ERC-721 batch mint
in the same run (the target: a batch with codes costs at most the ERC-721 batch mint per token).
Also the gas of verifying a registered code and of proving a near copy. Writes bench/results/gas.json.

Gas is the whole transaction's (receipt gasUsed: intrinsic 21,000 and calldata included), divided
by the works in it. The codes are random 64-bit image codes (every byte non-zero almost surely:
the dearest calldata), one NO_CODE in seven as a featureless image would be.
"""

from __future__ import annotations

import os
import random
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import compile_erc721, fresh_chain, write_result

from rightsledger import Mode, RightsLedger, Rule, Terms, Use
from rightsledger.chain import dev_account
from rightsledger.code_tree import NO_CODE, code_proof, coded_leaf_hash
from rightsledger.merkle import node_hash

BATCH_SIZES = (10, 100, 500)
# The largest batch under the 16,777,216-gas transaction cap (EIP-7825), as bench/datasets.py uses.
LARGEST_BATCH = 660


def random_codes(n: int, rng: random.Random) -> list[bytes]:
    return [NO_CODE if i % 7 == 6 else bytes.fromhex("2101") + rng.randbytes(8) for i in range(n)]


def send(client: RightsLedger, call: Any, action: str) -> dict[str, Any]:
    return dict(client.ctx.send(call, action))


def erc721_gas(client: RightsLedger, size: int) -> dict[str, int]:
    compiled = compile_erc721()
    factory = client.w3.eth.contract(abi=compiled["abi"], bytecode=compiled["bytecode"])
    data = factory.constructor().build_transaction({"from": client.address, "gas": 0, "nonce": 0})["data"]
    address = client.ctx.transactor.send({"data": data}, action="deploying the ERC-721 mock")["contractAddress"]
    nft = client.w3.eth.contract(address=address, abi=compiled["abi"])
    send(client, nft.functions.mint(client.address, 1), "warm-up mint")  # the holder's first token is dearer
    single = send(client, nft.functions.mint(client.address, 2), "mint")
    ids = [int.from_bytes(os.urandom(32), "big") for _ in range(size)]
    batch = send(client, nft.functions.mintBatch(client.address, ids), f"mint {size}")
    return {"single": int(single["gasUsed"]), "batch": int(batch["gasUsed"])}


def coded_batch(client: RightsLedger, policy: int, codes: list[bytes]) -> tuple[list[str], dict[str, Any]]:
    hashes = ["0x" + os.urandom(32).hex() for _ in codes]
    call = client.works.functions.registerBatchWithCodes(hashes, b"".join(codes), client.address, policy, "")
    return hashes, send(client, call, f"registering {len(codes)} works with codes")


def near_copy_gas(client: RightsLedger, hashes: list[str], codes: list[bytes]) -> dict[str, int]:
    """Declares a 1,024-item coded dataset holding a 5-bit-off copy of work 400 of the batch, proves it."""
    position = 400
    work_code = codes[position]
    item_code = work_code[:-1] + bytes([work_code[-1] ^ 0x1F])
    item_hash = "0x" + os.urandom(32).hex()
    items = [(item_hash, item_code)] + [("0x" + os.urandom(32).hex(), bytes(10)) for _ in range(1023)]
    leaves = sorted(coded_leaf_hash(h, c) for h, c in items)
    tree: list[bytes] = [b""] * (2 * len(leaves) - 1)
    for k, leaf in enumerate(leaves):
        tree[len(tree) - 1 - k] = leaf
    for i in range(len(tree) - 1 - len(leaves), -1, -1):
        tree[i] = node_hash(tree[2 * i + 1], tree[2 * i + 2])
    i = tree.index(coded_leaf_hash(item_hash, item_code))
    item_proof = []
    while i > 0:
        item_proof.append(tree[i + 1 if i % 2 == 1 else i - 1])
        i = (i - 1) // 2
    registry = client.datasets.registry
    declared = send(client, registry.functions.declare(tree[0], len(items), Use.AI_TRAINING.code, ""), "declaring")
    (event,) = registry.events.DatasetDeclared().process_receipt(declared)
    dataset_id = int(event["args"]["datasetId"])
    proof = code_proof(codes, position)
    verify = client.works.functions.verifyCode(hashes[position], work_code, proof.as_tuple())
    assert verify.call() is True, "the registered code verifies"
    call = registry.functions.proveNearCopy(
        dataset_id, item_hash, item_code, item_proof, hashes[position], work_code, proof.as_tuple()
    )
    proven = send(client, call, "proving a near copy")
    return {"verify_code_eth_call": int(verify.estimate_gas()), "prove_near_copy": int(proven["gasUsed"])}


def main() -> None:
    rng = random.Random(11)
    terms = Terms(rules={Use.AI_TRAINING: Rule(mode=Mode.LICENCE, fee=10**16)})
    with fresh_chain() as admin:
        policy = admin.ensure_policy(terms)
        holder = admin.with_account(dev_account(1))
        first = holder.register(os.urandom(32), terms=policy, metadata_uri="ipfs://example-metadata")
        later = holder.register(os.urandom(32), terms=policy, metadata_uri="ipfs://example-metadata")
        bare = holder.register(os.urandom(32), terms=policy)
        coded_single = send(
            holder,
            holder.works.functions.registerWithCode(
                os.urandom(32), random_codes(1, rng)[0], holder.address, policy, ""
            ),
            "registering with a code",
        )
        batches: dict[str, Any] = {}
        coded: dict[str, Any] = {}
        for size in (*BATCH_SIZES, LARGEST_BATCH):
            reg = holder.register_batch([os.urandom(32) for _ in range(size)], terms=policy, chunk_size=size)
            batches[str(size)] = {"gas": reg.gas_used, "per_work": round(reg.gas_used / size)}
            codes = random_codes(size, rng)
            hashes, receipt = coded_batch(holder, policy, codes)
            coded[str(size)] = {"gas": int(receipt["gasUsed"]), "per_work": round(int(receipt["gasUsed"]) / size)}
            if size == 500:
                proofs = near_copy_gas(holder, hashes, codes)
        nft = erc721_gas(holder, 500)
    erc721_per_token = round(nft["batch"] / 500)
    result = {
        "single_first_work_of_holder": first.gas_used,
        "single_with_metadata_uri": later.gas_used,
        "single_without_metadata_uri": bare.gas_used,
        "single_with_code_without_metadata_uri": int(coded_single["gasUsed"]),
        "batch": batches,
        "batch_with_codes": coded,
        "batch_vs_single_ratio": round(later.gas_used / batches["500"]["per_work"], 2),
        "erc721_mint_single": nft["single"],
        "erc721_mint_batch_500_per_token": erc721_per_token,
        "batch_500_with_codes_per_work_minus_erc721": coded["500"]["per_work"] - erc721_per_token,
        "codes_cost_per_work_batch_500": coded["500"]["per_work"] - batches["500"]["per_work"],
        **proofs,
    }
    path = write_result("gas", result)
    print(f"single registration: {later.gas_used:,} gas ({bare.gas_used:,} without a metadata URI,"
          f" {result['single_with_code_without_metadata_uri']:,} with a code)")  # fmt: skip
    for size, row in batches.items():
        print(f"batch of {size:>3}: {row['gas']:>10,} gas, {row['per_work']:>6,} per work;"
              f" with codes {coded[size]['gas']:>10,} gas, {coded[size]['per_work']:>6,} per work")  # fmt: skip
    print(f"OpenZeppelin ERC-721 batch mint of 500: {erc721_per_token:,} per token"
          f" (codes batch of 500: {result['batch_500_with_codes_per_work_minus_erc721']:+,} per work)")  # fmt: skip
    print(
        f"verifyCode {proofs['verify_code_eth_call']:,} gas (eth_call estimate), "
        f"proveNearCopy {proofs['prove_near_copy']:,} gas"
    )
    print(f"written to {path}")
    if result["batch_500_with_codes_per_work_minus_erc721"] > 0:
        raise SystemExit("a batch with codes costs more per work than the ERC-721 batch mint")


if __name__ == "__main__":
    main()
