"""Collection members get codes (issue 11): `collection register DIR --codes` commits to the members'
content codes (a second root over (content hash, code) leaves) and writes the members manifest;
anyone's codes index loads it from the chain's URI, checked against both roots, so `find` finds a
member from a resized copy and `check` answers for the copy with the collection's terms, naming the
collection and the member: on another machine too, where nothing but the chain and the manifest is."""

from __future__ import annotations

import json
from pathlib import Path

import iscc_samples
import numpy as np
import pytest
from PIL import Image
from web3 import Web3

from rightsledger import Mode, RightsLedger, Rule, Terms, Use
from rightsledger.chain import dev_account
from rightsledger.chain.deployments import save_deployment
from rightsledger.cli import main
from rightsledger.code_tree import NO_CODE, pack_code
from rightsledger.errors import ValidationError
from rightsledger.hashing import hash_bytes, hash_file
from rightsledger.identity import identify_bytes, onchain_code
from rightsledger.merkle import MerkleTree
from rightsledger.sdk.collections import read_members
from rightsledger.workflows.identity_index import CodesIndex

CAT_JPG = iscc_samples.images("jpg")[0]


def _archive(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A folder of three works (the cat, a noise image, a short text) and a half-size copy of the cat."""
    folder = tmp_path / "archive"
    folder.mkdir()
    (folder / "cat.jpg").write_bytes(CAT_JPG.read_bytes())
    blocks = np.random.default_rng(5).integers(0, 255, (16, 16, 3), dtype=np.uint8)
    Image.fromarray(blocks).resize((512, 512), Image.Resampling.NEAREST).save(folder / "noise.png")
    (folder / "note.txt").write_text("hi")  # too short a text: no code, NO_CODE in its leaf
    copy = tmp_path / "copies" / "cat-small.jpg"
    copy.parent.mkdir()
    with Image.open(folder / "cat.jpg") as img:
        img.convert("RGB").resize((img.width // 2, img.height // 2)).save(copy, "JPEG", quality=70)
    return folder, folder / "cat.jpg", copy


@pytest.fixture
def run(chain: Web3, deployment, anvil_url: str, tmp_path: Path, capsys):
    """The CLI with a home per machine: "archive" (the registrant's) or "creator" (someone else's)."""
    for name in ("archive", "creator"):
        save_deployment(deployment, tmp_path / f"{name}-home")

    def call(machine: str, *args: str) -> tuple[int, str, str]:
        code = main(["--rpc-url", anvil_url, "--home", str(tmp_path / f"{machine}-home"), *args])
        out, err = capsys.readouterr()
        return code, out, err

    call.rpc_url = anvil_url  # type: ignore[attr-defined]
    return call


def test_a_near_copy_of_a_member_is_found_and_answered_with_the_collections_terms(run, tmp_path: Path) -> None:
    folder, cat, copy = _archive(tmp_path)
    code, out, err = run("archive", "--dev-account", "1", "collection", "register", str(folder), "--codes",
                         "--allow", "tdm", "--licence", "ai-training=0.01ether", "--json")
    assert code == 0, err
    reg = json.loads(out)
    cid, manifest = reg["collection_id"], Path(reg["members_manifest"])
    assert reg["count"] == 3 and reg["codes_root"].startswith("0x") and manifest.exists()
    assert reg["manifest_uri"] == manifest.resolve().as_uri()
    listed = dict(json.loads(manifest.read_text())["values"][i]["value"] for i in range(3))
    assert listed[hash_file(cat)] == "0x" + pack_code(onchain_code(cat)).hex()
    assert listed[hash_file(folder / "note.txt")] == "0x" + NO_CODE.hex()

    # On the creator's machine: only the chain and the manifest the chain names.
    code, out, err = run("creator", "find", str(copy), "--json")
    assert code == 0, err
    (entry,) = json.loads(out)
    (match,) = entry["matches"]
    assert match["contentHash"] == hash_file(cat) and match["collection"] == cid
    assert match["holder"] == dev_account(1).address and 0 <= match["distance"] <= 6
    code, out, _ = run("creator", "find", str(copy))
    assert code == 0 and f"member of collection {cid}" in out

    code, out, err = run("creator", "check", str(copy), "--use", "tdm", "--json")
    assert code == 0, err
    (answer,) = json.loads(out)
    assert answer["allowed"] is True and answer["collection"] == cid and answer["nearCopyOf"] == hash_file(cat)
    assert answer["reason"] == (f"allowed-by-terms (near copy of {hash_file(cat)} in collection {cid}, "
                                f"distance {match['distance']})")
    code, out, _ = run("creator", "check", str(copy), "--use", "ai-training", "--json")
    assert code == 3 and json.loads(out)[0]["reason"].startswith(f"licence-required (near copy of {hash_file(cat)}")
    code, out, _ = run("creator", "check", str(copy), "--use", "tdm", "--exact-only", "--json")
    assert code == 3 and json.loads(out)[0]["reason"] == "unregistered"

    # An audit of a folder holding the copy answers it with the collection's check too.
    report = tmp_path / "audit.jsonl"
    code, out, err = run("creator", "audit", str(copy.parent), "--use", "ai-training", "--out", str(report),
                         "--quiet", "--json")
    assert code == 3, err
    (row,) = [r for r in map(json.loads, report.read_text().splitlines()) if "hash" in r]
    assert row["hash"] == hash_file(copy) and row["answer"] == "needs-licence" and row["collection"] == cid
    assert row["nearCopyOf"] == hash_file(cat) and row["reason"].startswith(
        f"licence-required (near copy of {hash_file(cat)} in collection {cid}, distance ")
    code, out, err = run("creator", "audit", str(copy.parent), "--use", "tdm", "--out", str(report), "--quiet")
    assert code == 0, err
    (row,) = [r for r in map(json.loads, report.read_text().splitlines()) if "hash" in r]
    assert row["answer"] == "cleared" and row["collection"] == cid

    # Another holder registering the member's copy as their own work is refused, as for a registered work.
    code, _, err = run("creator", "--dev-account", "2", "register", str(copy))
    assert code != 0 and "--allow-similar" in err and hash_file(cat) in err


def test_a_manifest_published_online_is_loaded_by_hand_and_a_tampered_one_is_refused(run, tmp_path: Path) -> None:
    folder, cat, copy = _archive(tmp_path)
    code, out, err = run("archive", "--dev-account", "1", "collection", "register", str(folder), "--codes",
                         "--allow", "tdm", "--manifest-uri", "https://archive.example/members.json", "--json")
    assert code == 0, err
    reg = json.loads(out)
    cid, manifest = reg["collection_id"], Path(reg["members_manifest"])
    # The creator's index cannot fetch https: no member is matched yet
    code, out, _ = run("creator", "find", str(copy), "--json")
    assert code == 0 and json.loads(out)[0]["matches"] == []

    tampered = tmp_path / "tampered.json"
    data = json.loads(manifest.read_text())
    noise = next(v for v in data["values"] if v["value"][0] == hash_file(folder / "noise.png"))
    noise["value"][1] = "0x" + pack_code(onchain_code(cat)).hex()  # claims the cat's code for the noise image
    tampered.write_text(json.dumps(data))
    code, _, err = run("creator", "collection", "members", "--collection", str(cid), "--manifest", str(tampered))
    assert code != 0 and "altered" in err and "Traceback" not in err

    code, out, err = run("creator", "collection", "members", "--collection", str(cid), "--manifest", str(manifest),
                         "--json")
    assert code == 0, err
    assert json.loads(out) == {"collection": cid, "manifestURI": "https://archive.example/members.json",
                               "status": "loaded", "added": 2}
    code, out, _ = run("creator", "check", str(copy), "--use", "tdm", "--json")
    assert code == 0 and json.loads(out)[0]["collection"] == cid
    # Review: a wrong file handed in afterwards is refused but does not unmark the loaded members.
    code, _, err = run("creator", "collection", "members", "--collection", str(cid), "--manifest", str(tampered))
    assert code != 0 and "altered" in err
    with CodesIndex(RightsLedger.connect(run.rpc_url, home=tmp_path / "creator-home")) as index:
        assert (cid, "https://archive.example/members.json", "loaded") in index.coded_collections()
    code, out, _ = run("creator", "check", str(copy), "--use", "tdm", "--json")
    assert code == 0 and json.loads(out)[0]["collection"] == cid

    code, _, err = run("creator", "collection", "members", "--collection", "99")
    assert code != 0 and "not a collection with codes" in err


def test_sdk_codes_verify_on_chain_and_gas_does_not_grow_with_members(alice: RightsLedger, tmp_path: Path) -> None:
    image = CAT_JPG.read_bytes()
    items: list[bytes] = [image, b"a short text"]
    small = alice.collections.register_with_codes(items, terms=Terms(rules={Use.TDM: Rule(mode=Mode.ALLOW)}))
    members = alice.collections.members(small.collection_id)
    assert members == [(hash_bytes(image), pack_code(onchain_code(image))), (hash_bytes(b"a short text"), NO_CODE)]
    assert alice.collections.codes_root(small.collection_id) == small.codes_root
    coded = MerkleTree.read(small.members_manifest)
    registry = alice.collections.registry.functions
    for digest, code in members:
        proof = coded.proof(digest)
        assert registry.isCodedMember(small.collection_id, digest, code, proof).call() is True
        wrong = NO_CODE if code != NO_CODE else b"\x21\x01" + bytes(8)
        assert registry.isCodedMember(small.collection_id, digest, wrong, proof).call() is False
        plain_proof = MerkleTree.of([d for d, _ in members]).proof(digest)
        assert registry.isMember(small.collection_id, digest, plain_proof).call() is True

    many = [f"member {i}".encode() for i in range(400)]
    big = alice.collections.register_with_codes(many, [0x2101 << 64 | i for i in range(400)])
    assert len(alice.collections.members(big.collection_id)) == 400
    again = alice.collections.register_with_codes([b"one", b"two"], [None, None])
    # Members are off chain: 400 cost what 2 do (the first collection also paid for the counter's first write).
    assert abs(big.gas_used - again.gas_used) < 1_000 and big.gas_used < small.gas_used

    plain = alice.collections.register([b"plain member"])
    assert alice.collections.codes_root(plain.collection_id) is None
    with pytest.raises(ValidationError, match="other works than"):
        other = MerkleTree.of([hash_bytes(b"x")], [NO_CODE])
        path = other.save(tmp_path / "other.json")
        read_members(path, root=small.root, codes_root=other.root, what="collection 1")


def test_the_codes_index_holds_members_in_sqlite_and_postgresql(alice: RightsLedger, index_target: str | Path) -> None:
    image = CAT_JPG.read_bytes()
    reg = alice.collections.register_with_codes([image, b"a note"])
    identity = identify_bytes(image, "cat.jpg")
    with CodesIndex(alice, index_target) as index:
        assert index.sync() == 1  # the cat; the note has no code
        assert index.coded_collections() == [(reg.collection_id, reg.manifest_uri, "loaded")]
        assert index.member_count() == 1 and len(index) == 0
        assert index.matches_of(identity) == []  # members only when asked for
        (match,) = index.matches_of(identity, members=True)
        assert (match.content_hash, match.collection_id, match.distance) == (hash_bytes(image), reg.collection_id, 0)
        assert index.load_members(reg.collection_id) == 1 and index.member_count() == 1  # loading again adds nothing


def test_attack_a_squatters_later_registration_of_a_member_does_not_clear_it_in_an_audit(
    run, tmp_path: Path
) -> None:
    """Issue 12, finding 6, for audits: a squatter registers an archive's member on its own, after the
    coded collection, allowing what the archive licenses. A bare-hash audit followed the squatter's
    record (cleared); it now answers the member with the collection's check (the registry's
    precedence: a later individual registration by another holder does not override the collection)."""
    folder, cat, _copy = _archive(tmp_path)
    code, out, err = run("archive", "--dev-account", "1", "collection", "register", str(folder), "--codes",
                         "--licence", "ai-training=0.01ether", "--json")
    assert code == 0, err
    cid = json.loads(out)["collection_id"]
    dataset = tmp_path / "dataset"
    dataset.mkdir()
    (dataset / "scraped-cat.jpg").write_bytes(cat.read_bytes())
    code, _, err = run("creator", "--dev-account", "2", "register", str(dataset / "scraped-cat.jpg"),
                       "--allow", "ai-training", "--allow-similar")
    assert code == 0, err  # the squatter insisted (--allow-similar): the registry itself cannot tell
    code, out, _ = run("creator", "check", hash_file(cat), "--use", "ai-training", "--json")
    (answer,) = json.loads(out)
    assert code == 3 and answer["collection"] == cid
    assert answer["reason"] == f"licence-required (member of collection {cid})"
    creator = RightsLedger.connect(run.rpc_url, home=tmp_path / "creator-home")
    assert creator.check(hash_file(cat), Use.AI_TRAINING).reason.value == "allowed-by-terms"  # the bare hash

    report = tmp_path / "audit.jsonl"
    for extra in ((), ("--exact-only",)):
        code, out, err = run("creator", "audit", str(dataset), "--use", "ai-training", "--out", str(report),
                             "--quiet", *extra)
        assert code == 3, err
        (row,) = [r for r in map(json.loads, report.read_text().splitlines()) if "hash" in r]
        assert row["hash"] == hash_file(cat) and row["collection"] == cid
        assert (row["answer"], row["reason"]) == ("needs-licence", f"licence-required (member of collection {cid})")
