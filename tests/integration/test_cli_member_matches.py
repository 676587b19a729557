"""Members of a collection registered with codes are answered where registered works are: `datasets
WORK` (the datasets holding a member, by its bytes and as a near copy), `scan --holder` (an archive
finds its members in a declared dataset, exact and near) and `similar --review` (a work registered
after another holder's member near it). Each names the collection, as `find --json` and `check` do."""

from __future__ import annotations

import json
import os
import shlex
from pathlib import Path

import iscc_samples
import numpy as np
from PIL import Image

from rightsledger.chain import dev_account
from rightsledger.hashing import hash_file

CAT_JPG = iscc_samples.images("jpg")[0]
ARCHIVE = dev_account(1).address


def _setup(cli, tmp_path: Path) -> tuple[int, int, Path, Path, Path]:
    """The archive (account 1) registers a coded collection (the cat, a noise image); account 2
    declares a scraped folder with codes holding the cat's exact bytes and a resized copy of it."""
    archive = tmp_path / "archive"
    archive.mkdir()
    cat = archive / "cat.jpg"
    cat.write_bytes(CAT_JPG.read_bytes())
    blocks = np.random.default_rng(5).integers(0, 255, (16, 16, 3), dtype=np.uint8)
    Image.fromarray(blocks).resize((512, 512), Image.Resampling.NEAREST).save(archive / "noise.png")
    code, out, err = cli("--dev-account", "1", "collection", "register", str(archive), "--codes",
                         "--allow", "tdm", "--json")
    assert code == 0, err
    collection = json.loads(out)["collection_id"]
    scraped = tmp_path / "scraped"
    scraped.mkdir()
    (scraped / "b-cat.jpg").write_bytes(cat.read_bytes())
    with Image.open(cat) as img:
        img.convert("RGB").resize((img.width // 2, img.height // 2)).save(scraped / "a-cat.jpg", "JPEG", quality=60)
    Image.frombytes("L", (64, 64), os.urandom(64 * 64)).save(scraped / "c-noise.png")
    code, out, err = cli("--dev-account", "2", "declare", str(scraped), "--use", "ai-training", "--codes",
                         "--out-dir", str(tmp_path / "out"), "--quiet", "--json")
    assert code == 0, err
    return collection, json.loads(out)["dataset_id"], cat, scraped / "a-cat.jpg", scraped / "b-cat.jpg"


def test_datasets_answers_for_a_collection_member_by_its_bytes_and_its_near_copies(cli, tmp_path: Path) -> None:
    collection, dataset_id, cat, copy, _ = _setup(cli, tmp_path)
    code, out, err = cli("datasets", str(cat), "--json")
    assert code == 0, err
    hits = json.loads(out)
    exact = [h for h in hits if h["source"] != "near-copy"]
    near = [h for h in hits if h["source"] == "near-copy"]
    assert [(h["dataset_id"], h["source"], h["collection"]) for h in exact] == [(dataset_id, "manifest", collection)]
    assert [(h["dataset_id"], h["item"], h["collection"]) for h in near] == [(dataset_id, hash_file(copy), collection)]
    assert 0 <= near[0]["distance"] <= 12
    code, out, _ = cli("datasets", str(cat))
    assert code == 0 and f"(of a member of collection {collection}: not provable on chain)" in out
    assert f"(a member of collection {collection}) appears in 1 declared dataset(s)" in out
    code, out, _ = cli("datasets", str(cat), "--exact-only", "--json")
    assert code == 0 and [h["source"] for h in json.loads(out)] == ["manifest"]


def test_scan_finds_an_archives_collection_members_exact_and_near(cli, tmp_path: Path) -> None:
    collection, dataset_id, cat, copy, same = _setup(cli, tmp_path)
    code, out, err = cli("scan", str(dataset_id), "--holder", ARCHIVE, "--json")
    assert code == 0, err
    report = json.loads(out)
    found = {f["item"]: f for f in report["found"]}
    assert set(found) == {str(same), str(copy)}
    exact, near = found[str(same)], found[str(copy)]
    assert (exact["match"], exact["work"], exact["collection"]) == ("exact", hash_file(cat), collection)
    assert exact["iscc"] and exact["iscc"].startswith("ISCC:")
    assert (near["match"], near["work"], near["collection"]) == ("near", hash_file(cat), collection)
    assert 0 <= near["distance"] <= 12
    (steps,) = exact["datasets"]
    assert steps["next"] == [f"rightsledger prove {hash_file(cat)} --dataset {dataset_id}"]
    assert "removal request needs a work registered on its own" in steps["note"]
    (steps,) = near["datasets"]
    assert steps["next"] == [] and "cannot be proven on chain" in steps["note"]
    # the command it suggests is accepted on chain (an inclusion, no violation: not a registered work)
    words = shlex.split(exact["datasets"][0]["next"][0])
    code, out, err = cli("--dev-account", "1", *words[1:], "--json")
    assert code == 0, err
    assert json.loads(out)["violation"] is False
    # another holder has no works there; --exact-only keeps the member's bytes only
    code, out, _ = cli("scan", str(dataset_id), "--holder", dev_account(3).address, "--json")
    assert code == 0 and json.loads(out)["found"] == []
    code, out, _ = cli("scan", str(dataset_id), "--holder", ARCHIVE, "--exact-only", "--json")
    assert code == 0 and [f["item"] for f in json.loads(out)["found"]] == [str(same)]
    code, out, _ = cli("scan", str(dataset_id), "--holder", ARCHIVE)
    assert code == 0 and f"member of collection {collection}" in out
    # an index whose collection tree this home does not keep (shared with another machine): the
    # member's bytes are found by its row in the codes index
    home = tmp_path / "home"
    kept = [*home.glob("trees/*.tree"), *home.glob(f"collections/*/{collection}.tree.json")]
    assert len(kept) >= 2
    for path in kept:
        path.unlink()
    code, out, err = cli("scan", str(dataset_id), "--holder", ARCHIVE, "--exact-only", "--json")
    assert code == 0, err
    assert [(f["item"], f["collection"]) for f in json.loads(out)["found"]] == [(str(same), collection)]


def test_similar_review_lists_a_work_registered_after_another_holders_member_near_it(cli, tmp_path: Path) -> None:
    collection, _, cat, copy, _ = _setup(cli, tmp_path)
    code, _, err = cli("--dev-account", "3", "register", str(copy), "--allow-similar")
    assert code == 0, err
    code, out, err = cli("similar", "--review", "--json")
    assert code == 0, err
    (suspect,) = json.loads(out)
    assert suspect["copy"] == hash_file(copy) and suspect["copyHolder"] == dev_account(3).address
    assert suspect["original"] == hash_file(cat) and suspect["originalHolder"] == ARCHIVE
    assert suspect["originalCollection"] == collection and "copyCollection" not in suspect
    assert 0 <= suspect["distance"] <= 12 and suspect["originalBlock"] < suspect["copyBlock"]
    code, out, _ = cli("similar", "--review")
    assert code == 0 and f"member of collection {collection}" in out
    # `similar` of the member, and of the work near it: each names the other, the member with its collection
    code, out, err = cli("similar", str(cat), "--json")
    assert code == 0, err
    near = json.loads(out)
    assert near["contentHash"] == hash_file(cat) and near["collection"] == collection
    assert [(m["contentHash"], m.get("collection")) for m in near["matches"]] == [(hash_file(copy), None)]
    code, out, err = cli("similar", str(copy), "--json")
    assert code == 0, err
    near = json.loads(out)
    assert "collection" not in near
    assert [(m["contentHash"], m["collection"]) for m in near["matches"]] == [(hash_file(cat), collection)]
    code, out, _ = cli("similar", str(copy))
    assert code == 0 and f"(member of collection {collection})" in out
