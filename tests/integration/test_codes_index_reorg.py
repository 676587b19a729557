"""The codes index follows a chain reorganisation on a real anvil (evm_snapshot / evm_revert, then
other blocks mined): the codes of the abandoned blocks are rolled back from the fork point, in the
table and in the memory of every CodesIndex holding them; on SQLite and on PostgreSQL."""

from __future__ import annotations

import io
from pathlib import Path

import iscc_samples
import numpy as np
from PIL import Image
from web3 import Web3

from rightsledger import RightsLedger, hash_bytes
from rightsledger.identity import identify_bytes
from rightsledger.workflows.identity_index import CodesIndex

from ..pg_support import index_rows

CAT = iscc_samples.images("jpg")[0].read_bytes()


def _blocks_image(seed: int) -> bytes:
    """An image of random grey blocks: unrelated to the cat and to each other (24+ bits apart)."""
    pixels = np.random.default_rng(seed).integers(0, 256, (8, 8), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels, "L").resize((256, 256), Image.Resampling.NEAREST).save(out, "PNG")
    return out.getvalue()


def _found(index: CodesIndex, data: bytes) -> list[str]:
    return [m.content_hash for m in index.matches_of(identify_bytes(data))]


def test_the_codes_index_rolls_back_the_codes_of_abandoned_blocks(
    alice: RightsLedger, bob: RightsLedger, chain: Web3, index_target: str | Path
) -> None:
    orphan, canonical = _blocks_image(1), _blocks_image(2)
    alice.register(CAT)
    index, reader = CodesIndex(alice, index_target), CodesIndex(alice, index_target)
    try:
        assert index.sync() == 1
        fork_point = chain.eth.block_number
        snapshot = chain.provider.make_request("evm_snapshot", [])["result"]  # type: ignore[arg-type]
        bob.register(orphan)
        chain.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
        assert index.sync() == 1
        assert _found(index, orphan) == [hash_bytes(orphan)]
        assert _found(reader, orphan) == [hash_bytes(orphan)], "another reader holds the orphan in memory"

        # The chain reorganises: those blocks vanish, and other blocks take their numbers and more.
        chain.provider.make_request("evm_revert", [snapshot])  # type: ignore[arg-type]
        RightsLedger(chain, bob.deployment, bob.account).register(canonical)  # fresh nonce
        for _ in range(3):
            chain.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
        assert index.rollback_if_reorganised() is not None
        assert index.next_block <= fork_point + 1
        assert index.sync() == 1
        assert _found(index, orphan) == [] and _found(index, canonical) == [hash_bytes(canonical)]
        assert _found(index, CAT) == [hash_bytes(CAT)], "the codes below the fork point stay"
        # The other reader's memory follows (the rollback moved the codes epoch): no orphan there either.
        assert _found(reader, orphan) == [] and _found(reader, canonical) == [hash_bytes(canonical)]

        rows = index_rows(index_target, "SELECT content_hash FROM codes ORDER BY id")
        assert rows == [(hash_bytes(CAT),), (hash_bytes(canonical),)]
        # Every stored block hash is the chain's own again: nothing of the abandoned branch is left.
        stored = index_rows(index_target, "SELECT number, hash FROM code_blocks")
        assert stored and all("0x" + bytes(chain.eth.get_block(n)["hash"]).hex() == h for n, h in stored)
        assert max(n for n, _ in stored) == chain.eth.block_number == index.next_block - 1
        assert index.sync() == 0 and index.rollback_if_reorganised() is None
    finally:
        index.close()
        reader.close()


def test_a_sync_after_a_reorganisation_deeper_than_everything_read_starts_from_the_deployment(
    alice: RightsLedger, chain: Web3, index_target: str | Path
) -> None:
    snapshot = chain.provider.make_request("evm_snapshot", [])["result"]  # type: ignore[arg-type]
    alice.register(CAT)
    with CodesIndex(alice, index_target) as index:
        assert index.sync() == 1 and _found(index, CAT) == [hash_bytes(CAT)]
        chain.provider.make_request("evm_revert", [snapshot])  # type: ignore[arg-type]
        for _ in range(4):
            chain.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
        assert index.sync() == 0
        assert _found(index, CAT) == [] and len(index) == 0
