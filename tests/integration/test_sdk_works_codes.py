"""Content codes on a real chain: the event rebuilds every code, Python's tree (rightsledger.code_tree)
equals the registry's, a code verifies by proof, and a near copy in a dataset whose tree was built by
OpenZeppelin's StandardMerkleTree (["bytes32", "bytes10"] leaves) is proven on chain."""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from web3.logs import DISCARD

from rightsledger import ContractRevert, Reason, RightsLedger, Use, ValidationError, hash_bytes
from rightsledger.code_tree import NO_CODE, code_distance, code_proof, coded_leaf_hash, codes_root, split_codes
from rightsledger.merkle import MerkleTree

from ..conftest import ROOT

NODE = shutil.which("node")
OZ_CODED_TREE = """
const { StandardMerkleTree } = require("@openzeppelin/merkle-tree");
let input = "";
process.stdin.on("data", (c) => (input += c));
process.stdin.on("end", () => {
  const { values } = JSON.parse(input);
  const tree = StandardMerkleTree.of(values, ["bytes32", "bytes10"]);
  const leaves = values.map((v) => tree.leafHash(v));
  process.stdout.write(JSON.stringify({ root: tree.root, proof0: tree.getProof(0), leaves, dump: tree.dump() }));
});
"""


def _codes(n: int, seed: int) -> list[bytes]:
    rng = random.Random(seed)
    return [NO_CODE if i % 7 == 6 else bytes.fromhex("2101") + rng.randbytes(8) for i in range(n)]


def _register_coded(client: RightsLedger, codes: list[bytes]) -> tuple[list[str], Any]:
    hashes = ["0x" + os.urandom(32).hex() for _ in codes]
    call = client.works.functions.registerBatchWithCodes(hashes, b"".join(codes), client.address, 0, "")
    return hashes, client.works.send(call, "registering with codes")


def test_the_event_rebuilds_the_codes_and_every_code_verifies(alice: RightsLedger) -> None:
    codes = _codes(70, 1)
    hashes, receipt = _register_coded(alice, codes)
    (event,) = alice.works.events.ContentCodesRecorded().process_receipt(receipt, errors=DISCARD)
    assert split_codes(event["args"]["codes"]) == codes
    assert event["args"]["codesRoot"] == codes_root(codes)
    for position in (0, 31, 32, 63, 64, 69):
        rid, pos, count, root = alice.works.functions.codeCommitmentOf(hashes[position]).call()
        assert (rid, pos, count, root) == (event["args"]["registrationId"], position, 70, codes_root(codes))
        proof = code_proof(codes, position).as_tuple()
        assert alice.works.functions.verifyCode(hashes[position], codes[position], proof).call() is True
        wrong = codes[position][:9] + bytes([codes[position][9] ^ 0x80])
        assert alice.works.functions.verifyCode(hashes[position], wrong, proof).call() is False


def test_a_batch_with_a_bad_codes_length_is_refused_with_a_decoded_error(alice: RightsLedger) -> None:
    call = alice.works.functions.registerBatchWithCodes(
        ["0x" + os.urandom(32).hex()], b"\x01" * 9, alice.address, 0, ""
    )
    with pytest.raises(ContractRevert, match="WorkCodesLengthMismatch"):
        alice.works.send(call, "registering with codes")


@pytest.mark.skipif(NODE is None, reason="node is needed for OpenZeppelin's JavaScript Merkle tree")
def test_a_near_copy_in_an_openzeppelin_coded_tree_is_proven_against_the_registered_work(
    alice: RightsLedger, bob: RightsLedger
) -> None:
    codes = _codes(40, 2)
    hashes, _ = _register_coded(alice, codes)
    work_code = codes[3]
    item_code = work_code[:8] + bytes([work_code[8] ^ 0x0F, work_code[9]])  # 4 bits off
    item_hash = "0x" + os.urandom(32).hex()
    values = [[item_hash, "0x" + item_code.hex()]] + [["0x" + os.urandom(32).hex(), "0x" + bytes(10).hex()]
                                                    for _ in range(6)]  # fmt: skip
    out = subprocess.run([NODE, "-e", OZ_CODED_TREE], input=json.dumps({"values": values}), capture_output=True,
                         text=True, check=True, cwd=ROOT)  # fmt: skip
    oz = json.loads(out.stdout)
    assert oz["leaves"] == ["0x" + coded_leaf_hash(h, c).hex() for h, c in values], "same leaf encoding as OZ"
    ours = MerkleTree.of([h for h, _ in values], [c for _, c in values])
    assert ours.root == oz["root"] and MerkleTree.load(oz["dump"]).root == oz["root"], "same tree as OZ"
    assert ours.proof(item_hash) == oz["proof0"]
    registry = bob.datasets.registry
    receipt = bob.datasets.send(registry.functions.declare(oz["root"], 7, Use.AI_TRAINING.code, ""), "declaring")
    (declared,) = registry.events.DatasetDeclared().process_receipt(receipt, errors=DISCARD)
    dataset_id = declared["args"]["datasetId"]
    proof = code_proof(codes, 3).as_tuple()
    call = registry.functions.proveNearCopy(dataset_id, item_hash, item_code, oz["proof0"], hashes[3], work_code, proof)
    receipt = bob.datasets.send(call, "proving a near copy")
    (near,) = registry.events.NearCopyProven().process_receipt(receipt, errors=DISCARD)
    assert near["args"]["distance"] == code_distance(item_code, work_code) == 4
    assert "0x" + near["args"]["contentHash"].hex().removeprefix("0x") == hashes[3]
    (violation,) = registry.events.ViolationRecorded().process_receipt(receipt, errors=DISCARD)
    assert violation["args"]["declarer"] == bob.address, "policy 0 denies training: a violation by the declarer"
    assert registry.functions.itemFlags(dataset_id, hashes[3]).call() == 1 | 2 | 32


def test_the_sdk_registers_codes_reads_them_back_and_proves_a_near_copy(alice: RightsLedger, bob: RightsLedger) -> None:
    codes: list[bytes | None] = [*_codes(34, 5), None]
    works = [os.urandom(64) for _ in codes]
    batch = alice.register_batch(works, codes=codes, chunk_size=20)
    assert len(batch.registrations) == 2
    registered = alice.registered_code(works[33])
    assert registered is not None and registered.code == codes[33] and registered.position == 13
    assert alice.works.functions.verifyCode(hash_bytes(works[33]), registered.code, registered.proof.as_tuple()).call()
    last = alice.registered_code(works[34])
    assert last is not None and last.featureless, "None registers NO_CODE"
    single = os.urandom(64)
    alice.register(single, code=codes[0])
    assert alice.registered_code(single).code == codes[0]  # type: ignore[union-attr]
    plain = os.urandom(64)
    alice.register(plain)
    assert alice.registered_code(plain) is None, "registered without a code"
    with pytest.raises(ValidationError, match="one code"):
        alice.register_batch(works[:2], codes=codes[:1])

    work_code = codes[33]
    assert work_code is not None
    item = os.urandom(64)
    item_code = work_code[:9] + bytes([work_code[9] ^ 0x07])  # 3 bits off
    tree = MerkleTree.of([hash_bytes(item), hash_bytes(works[0])], [item_code, codes[0]])
    declaration = bob.datasets.declare(tree, Use.AI_TRAINING)
    result = bob.datasets.prove_near_copy(declaration.dataset_id, item, works[33], tree=tree)
    assert (result.distance, result.violation, result.reason) == (3, True, Reason.DENIED)
    assert result.content_hash == hash_bytes(works[33])
    exact = bob.datasets.prove(declaration.dataset_id, works[0], tree=tree)
    assert exact.violation and exact.content_hash == hash_bytes(works[0])
    with pytest.raises(ValidationError, match="without a content code"):
        bob.datasets.prove_near_copy(declaration.dataset_id, item, plain, tree=tree)


def test_the_sdk_computes_the_code_of_a_work_given_as_a_file_or_bytes(alice: RightsLedger, tmp_path) -> None:
    from PIL import Image, ImageDraw

    from rightsledger.identity import identify_file, onchain_code

    def picture(name: str, seed: int) -> Path:
        rng = random.Random(seed)
        image = Image.new("RGB", (96, 64), "white")
        draw = ImageDraw.Draw(image)
        for _ in range(12):
            x, y = rng.randrange(90), rng.randrange(58)
            draw.rectangle((x, y, x + rng.randrange(8, 40), y + rng.randrange(8, 30)), fill=rng.choice(["red", "navy"]))
        path = tmp_path / name
        image.save(path)
        return path

    one = picture("one.png", 1)
    alice.register(one)
    expected = onchain_code(one)
    identity = identify_file(one)
    assert expected is not None and expected & (2**64 - 1) == identity.content_bits
    registered = alice.registered_code(one)
    assert registered is not None and int.from_bytes(registered.code, "big") == expected
    batch = [picture(f"b{i}.png", 10 + i) for i in range(3)]
    alice.register_batch([*batch, hash_bytes(os.urandom(8))])
    for path in batch:
        got = alice.registered_code(path)
        assert got is not None and int.from_bytes(got.code, "big") == onchain_code(path)
    by_hash = hash_bytes(os.urandom(8))
    alice.register(by_hash)
    assert alice.registered_code(by_hash) is None, "a work given by its hash has no code to compute"
    opted = picture("opted.png", 99)
    alice.register(opted, code=NO_CODE)
    assert alice.registered_code(opted) is None, "NO_CODE registers without one"
