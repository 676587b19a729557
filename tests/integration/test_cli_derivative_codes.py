"""Derivatives get a content code (issue 11): `register --derived-from FILE` records the derivative's
code through LicenceManager.registerDerivativeWithCode, so `find` finds it from a resized copy and
`check` answers for the copy with the derivative's terms. A derivative may be near its own parents
(their derivative rules decided that), not near another holder's work."""

from __future__ import annotations

import json
from pathlib import Path

import iscc_samples
import numpy as np
import pytest
from PIL import Image

from rightsledger import Mode, RightsLedger, Rule, Terms, Use
from rightsledger.chain import dev_account
from rightsledger.code_tree import NO_CODE, pack_code
from rightsledger.errors import SimilarWorkError
from rightsledger.hashing import hash_bytes, hash_file
from rightsledger.identity import onchain_code

CAT_JPG = iscc_samples.images("jpg")[0]


def _noise(path: Path, seed: int) -> Path:
    """An image unlike the cat (blocks of random colour), so it is no near copy of it."""
    blocks = np.random.default_rng(seed).integers(0, 255, (16, 16, 3), dtype=np.uint8)
    Image.fromarray(blocks).resize((512, 512), Image.Resampling.NEAREST).save(path)
    return path


def _cat(tmp_path: Path) -> tuple[Path, Path, Path]:
    """The cat, a half-size JPEG copy of it and a grey variant."""
    work = tmp_path / "cat.jpg"
    work.write_bytes(CAT_JPG.read_bytes())
    copy = tmp_path / "copies" / "cat-small.jpg"
    copy.parent.mkdir()
    with Image.open(work) as img:
        img.convert("RGB").resize((img.width // 2, img.height // 2)).save(copy, "JPEG", quality=70)
        img.convert("L").save(tmp_path / "cat-grey.png")
    return work, copy, tmp_path / "cat-grey.png"


def test_a_derivative_registered_from_a_file_is_found_and_answers_for_its_copies(cli, tmp_path: Path) -> None:
    parent = _noise(tmp_path / "parent.png", 1)
    derivative, copy, _ = _cat(tmp_path)
    assert cli("--dev-account", "1", "register", str(parent), "--allow", "derivative")[0] == 0
    code, out, err = cli("--dev-account", "2", "register", str(derivative), "--derived-from", str(parent),
                         "--allow", "tdm", "--licence", "ai-training=0.01ether", "--json")
    assert code == 0, err
    done = json.loads(out)
    digest = hash_file(derivative)
    assert done["works"] == [{"file": str(derivative), "contentHash": digest}]
    assert [p["contentHash"] for p in done["parents"]] == [hash_file(parent)]

    code, out, err = cli("find", str(copy), "--json")
    assert code == 0, err
    (entry,) = json.loads(out)
    (match,) = entry["matches"]  # the derivative; the parent is no near copy of the cat
    assert match["contentHash"] == digest
    assert match["holder"] == dev_account(2).address
    assert 0 <= match["distance"] <= 6 and match["iscc"].startswith("ISCC:EE")

    code, out, _ = cli("check", str(copy), "--use", "tdm", "--json")
    (answer,) = json.loads(out)
    assert code == 0 and answer["allowed"] is True
    assert answer["reason"] == f"allowed-by-terms (near copy of {digest}, distance {match['distance']})"
    assert answer["nearCopyOf"] == digest
    code, out, _ = cli("check", str(copy), "--use", "ai-training", "--json")
    assert code == 3 and json.loads(out)[0]["reason"].startswith(f"licence-required (near copy of {digest}")
    code, out, _ = cli("check", str(copy), "--use", "tdm", "--exact-only", "--json")
    assert code == 3 and json.loads(out)[0]["reason"] == "unregistered"


def test_a_derivative_may_be_near_its_parent_but_not_near_another_holders_work(cli, tmp_path: Path) -> None:
    cat, copy, grey = _cat(tmp_path)
    other = _noise(tmp_path / "other.png", 2)
    assert cli("--dev-account", "1", "register", str(cat), "--allow", "derivative")[0] == 0
    assert cli("--dev-account", "3", "register", str(other), "--allow", "derivative")[0] == 0
    # the grey cat, derived from the cat: near its parent, which allowed it
    code, _, err = cli("--dev-account", "2", "register", str(grey), "--derived-from", str(cat))
    assert code == 0, err
    # a copy of the cat passed off as derived from another work: refused as a near copy of the cat
    code, _, err = cli("--dev-account", "2", "register", str(copy), "--derived-from", str(other))
    assert code != 0 and "--allow-similar" in err and hash_file(cat) in err
    code, out, err = cli("find", str(grey), "--json")
    assert code == 0, err
    assert {m["contentHash"] for m in json.loads(out)[0]["matches"]} >= {hash_file(grey), hash_file(cat)}


def test_sdk_register_derivative_records_the_code_of_bytes_and_none_for_a_hash(
    alice: RightsLedger, bob: RightsLedger, tmp_path: Path
) -> None:
    parent = alice.register(b"a parent text", terms=Terms(rules={Use.DERIVATIVE: Rule(mode=Mode.ALLOW)}))
    image = CAT_JPG.read_bytes()
    bob.licensing.register_derivative(image, parent.content_hashes)
    registered = bob.works.registered_code(image)
    assert registered is not None and registered.code == pack_code(onchain_code(image))
    assert registered.code != NO_CODE and registered.position == 0
    # given by its hash there is nothing to compute a code from: the plain path, no codes recorded
    digest = hash_bytes(b"a derivative known by hash")
    bob.licensing.register_derivative(digest, parent.content_hashes)
    assert bob.works.registered_code(digest) is None
    # an explicit code is recorded as given
    given = bytes.fromhex("2101") + bytes(range(8))
    bob.licensing.register_derivative(hash_bytes(b"coded by hand"), parent.content_hashes, code=given)
    found = bob.works.registered_code(hash_bytes(b"coded by hand"))
    assert found is not None and found.code == given


def test_sdk_register_derivative_refuses_a_near_copy_of_another_holders_work_but_not_of_its_parents(
    alice: RightsLedger, bob: RightsLedger, eve: RightsLedger, tmp_path: Path
) -> None:
    cat, copy, grey = _cat(tmp_path)
    other = _noise(tmp_path / "other.png", 2)
    derivatives_allowed = Terms(rules={Use.DERIVATIVE: Rule(mode=Mode.ALLOW)})
    alice.register(cat, terms=derivatives_allowed)
    eve.register(other, terms=derivatives_allowed)
    # near its parent (the SDK's own lookup, the chain's codes): allowed
    done = bob.licensing.register_derivative(grey, [cat])
    assert done.content_hash == hash_file(grey) and bob.work(grey).holder == bob.address
    # a copy of the cat passed off as derived from eve's work: refused, naming the cat
    with pytest.raises(SimilarWorkError) as refused:
        bob.licensing.register_derivative(copy, [other])
    assert [(m["contentHash"], m["holder"]) for m in refused.value.matches] == [(hash_file(cat), alice.address)]
    assert "allow_similar=True" in str(refused.value) and not bob.is_registered(copy)
    bob.licensing.register_derivative(copy, [other], allow_similar=True)
    assert bob.work(copy).holder == bob.address
