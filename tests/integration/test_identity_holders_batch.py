"""A query's matches get their holders in one round trip (a JSON-RPC batch of `ownerOf` calls), not
one chain call per match: an audit with matching reads the chain once per file, not once per match."""

from __future__ import annotations

from pathlib import Path

import iscc_samples
import pytest
from PIL import Image

from rightsledger import RightsLedger, hash_bytes
from rightsledger.chain.fast_rpc import FastRPC
from rightsledger.identity import identify_file
from rightsledger.sdk.near_copies import ChainCodes, CodeQuery
from rightsledger.sdk.works import Works
from rightsledger.workflows.identity_index import CodesIndex

CAT_JPG = iscc_samples.images("jpg")[0]


def _three_cats(tmp_path: Path) -> list[Path]:
    cat = tmp_path / "cat.jpg"
    cat.write_bytes(CAT_JPG.read_bytes())
    with Image.open(cat) as img:
        img.convert("RGB").resize((img.width // 2, img.height // 2)).save(tmp_path / "small.jpg", "JPEG", quality=70)
        img.convert("L").save(tmp_path / "grey.png")
    return [cat, tmp_path / "small.jpg", tmp_path / "grey.png"]


def test_matches_read_every_holder_in_one_batch(
    alice: RightsLedger, bob: RightsLedger, eve: RightsLedger, tmp_path: Path, index_target: str | Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    files = _three_cats(tmp_path)
    for client, path in zip((alice, bob, eve), files, strict=True):
        client.register(path, allow_similar=True)
    batches: list[int] = []
    real_batch = FastRPC.batch

    def counted(self: FastRPC, calls: list) -> list:
        batches.append(len(calls))
        return real_batch(self, calls)

    def one_by_one(self: Works, content_hash: str) -> str:
        raise AssertionError("a holder read one call at a time")

    monkeypatch.setattr(FastRPC, "batch", counted)
    monkeypatch.setattr(Works, "holder_of", one_by_one)
    with CodesIndex(alice, index_target) as index:
        index.sync()
        found = index.matches_of(identify_file(files[0]))
        assert {(m.content_hash, m.holder) for m in found} == {
            (identify_file(p).sha256, c.address) for c, p in zip((alice, bob, eve), files, strict=True)}
        assert batches == [3]
        # many files' queries (an audit's chunk): still one batch, each match of each file answered
        batches.clear()
        answers = index.matches_of_many([identify_file(p) for p in files] + [None])
        assert [len(a) for a in answers] == [3, 3, 3, 0] and batches == [3]
        assert {m.holder for a in answers for m in a} == {alice.address, bob.address, eve.address}
    # the SDK's own lookup too: two queries, one batch for the works they match
    batches.clear()
    lookup = ChainCodes(alice.works)
    bits = [identify_file(p).content_bits for p in files[:2]]
    answers = lookup.near_many([CodeQuery("image", b) for b in bits if b is not None])
    assert [len(a) for a in answers] == [3, 3] and batches == [3]
    assert {m.holder for a in answers for m in a} == {alice.address, bob.address, eve.address}


def test_holders_of_leaves_out_unregistered_works(alice: RightsLedger, bob: RightsLedger) -> None:
    mine = alice.register(b"alice's text").content_hashes[0]
    theirs = bob.register(b"bob's text").content_hashes[0]
    nobody = hash_bytes(b"never registered")
    assert alice.works.holders_of([mine, theirs.upper().replace("0X", "0x"), nobody]) == {
        mine.lower(): alice.address, theirs.lower(): bob.address}
    assert alice.works.holders_of([]) == {}
