"""`rightsledger scan` on a real chain: a creator finds their works in a declared dataset, the same bytes
and a resized copy, and goes on with the commands it prints: prove (the near copy, with a dataset
declared with --codes) and request removal."""

from __future__ import annotations

import json
import os
import shlex
from pathlib import Path

import iscc_samples
from PIL import Image

from rightsledger.chain import dev_account
from rightsledger.hashing import hash_file
from rightsledger.identity import identify_file
from rightsledger.manifests import Item, write_manifest
from rightsledger.merkle import MerkleTree
from rightsledger.vocabulary import Use

CAT_JPG = iscc_samples.images("jpg")[0]
ALICE = dev_account(1).address


def _dataset(tmp_path: Path) -> tuple[Path, Path, Path, Path]:
    """alice's two works (a photo, a text) and a scraped folder: a resized JPEG of the photo, the text
    itself, and an unrelated noise image."""
    works = tmp_path / "works"
    works.mkdir()
    photo, text = works / "cat.jpg", works / "poem.txt"
    photo.write_bytes(CAT_JPG.read_bytes())
    text.write_text("The tide goes out across the flats at dawn, and the gulls come down to the mud. " * 4)
    scraped = tmp_path / "scraped"
    scraped.mkdir()
    with Image.open(photo) as img:
        img.convert("RGB").resize((img.width // 2, img.height // 2)).save(scraped / "a-cat.jpg", "JPEG", quality=60)
    (scraped / "b-poem.txt").write_bytes(text.read_bytes())
    Image.frombytes("L", (64, 64), os.urandom(64 * 64)).save(scraped / "c-noise.png")
    return photo, text, scraped / "a-cat.jpg", scraped


def _run_next(cli, command: str, account: str = "1") -> tuple[int, str, str]:
    words = shlex.split(command)
    assert words[0] == "rightsledger"
    return cli("--dev-account", account, *words[1:])


def test_scan_finds_exact_and_near_copies_and_its_next_commands_prove_and_request_removal(cli, tmp_path: Path) -> None:
    photo, text, copy, scraped = _dataset(tmp_path)
    code, _, err = cli("--dev-account", "1", "register", str(photo), str(text))
    assert code == 0, err
    code, out, err = cli("--dev-account", "2", "declare", str(scraped), "--use", "ai-training", "--codes",
                         "--out-dir", str(tmp_path), "--quiet", "--json")
    assert code == 0, err
    declared = json.loads(out)
    dataset_id = str(declared["dataset_id"])

    code, out, err = cli("--dev-account", "1", "scan", dataset_id, "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["datasets"] == [int(dataset_id)] and report["holder"] == ALICE and report["items"] == 3
    assert report["codedLeaves"] is True and report["unmatchable"] == 0
    by_match = {f["match"]: f for f in report["found"]}
    assert set(by_match) == {"exact", "near"}, report["found"]
    exact, near = by_match["exact"], by_match["near"]
    assert exact["work"] == exact["contentHash"] == hash_file(text) and exact["distance"] == 0
    assert exact["item"].endswith("b-poem.txt") and exact["iscc"].startswith("ISCC:")
    assert near["work"] == hash_file(photo) and near["contentHash"] == hash_file(copy)
    assert 0 <= near["distance"] <= 12 and near["iscc"].startswith("ISCC:EE")
    assert near["mirrored"] is False and near["leafDistance"] == near["distance"]
    (near_ds,) = near["datasets"]
    assert near_ds["status"] == "not proven"
    prove, removal = near_ds["next"]
    assert prove == f"rightsledger prove {hash_file(copy)} --dataset {dataset_id} --near-copy-of {hash_file(photo)}"
    assert removal == f"rightsledger removal request {hash_file(photo)} --dataset {dataset_id}"
    assert exact["datasets"][0]["next"] == [f"rightsledger prove {hash_file(text)} --dataset {dataset_id}",
                                            f"rightsledger removal request {hash_file(text)} --dataset {dataset_id}"]

    code, out, err = _run_next(cli, prove)  # the creator runs what scan printed
    assert code == 0, err
    assert f"near copy of {hash_file(photo)} (distance {near['distance']})" in out and "VIOLATION recorded" in out
    code, out, err = _run_next(cli, removal)
    assert code == 0 and "removal requested" in out, err
    for command in exact["datasets"][0]["next"]:
        code, _, err = _run_next(cli, command)
        assert code == 0, err

    code, out, _ = cli("--dev-account", "1", "scan", dataset_id)  # human output, after the requests
    assert code == 0
    assert f"dataset {dataset_id}: 3 items, 2 of them works of {ALICE}" in out
    assert f"near copy of {hash_file(photo)}, distance {near['distance']}" in out
    assert out.count("violation recorded, removal requested") == 2 and "next:" not in out

    # the manifest file itself: recognised as the declared dataset by its root
    code, out, _ = cli("scan", declared["manifest"], "--holder", ALICE, "--json")
    assert code == 0 and json.loads(out)["datasets"] == [int(dataset_id)] and len(json.loads(out)["found"]) == 2
    code, out, _ = cli("scan", dataset_id, "--holder", ALICE, "--exact-only", "--json")
    assert code == 0 and [f["match"] for f in json.loads(out)["found"]] == ["exact"]
    code, out, _ = cli("scan", dataset_id, "--holder", dev_account(3).address, "--json")
    assert code == 0 and json.loads(out)["found"] == []


def test_scan_without_codes_in_the_leaves_says_a_near_copy_cannot_be_proven(cli, tmp_path: Path) -> None:
    photo, _text, copy, scraped = _dataset(tmp_path)
    assert cli("--dev-account", "1", "register", str(photo))[0] == 0
    code, out, err = cli("--dev-account", "2", "declare", str(scraped), "--use", "ai-training",
                         "--out-dir", str(tmp_path), "--quiet", "--json")
    assert code == 0, err
    dataset_id = json.loads(out)["dataset_id"]
    code, out, err = cli("scan", str(dataset_id), "--holder", ALICE, "--json")
    assert code == 0, err
    (near,) = json.loads(out)["found"]
    assert near["match"] == "near" and near["contentHash"] == hash_file(copy)
    (entry,) = near["datasets"]
    assert entry["next"] == [] and "cannot be proven on chain" in entry["note"]
    code, _, err = cli("prove", str(copy), "--dataset", str(dataset_id), "--near-copy-of", str(photo))
    assert code == 1 and "carry no content codes" in err

    # an undeclared CSV manifest: found, with nothing to prove
    csv = tmp_path / "local.csv"
    csv.write_text("path\n" + "\n".join(str(p) for p in sorted(scraped.iterdir())) + "\nmissing.jpg\n")
    code, out, err = cli("scan", str(csv), "--holder", ALICE, "--json")
    assert code == 0, err
    local = json.loads(out)
    assert local["datasets"] == [] and local["items"] == 4 and local["unmatchable"] == 1
    assert [(f["match"], f["work"], f["datasets"]) for f in local["found"]] == [("near", hash_file(photo), [])]
    csv.write_text("path\n" + "\n".join(str(p) for p in sorted(scraped.iterdir())) + "\n")  # every item hashed
    code, out, _ = cli("scan", str(csv), "--holder", ALICE, "--json")
    assert code == 0 and json.loads(out)["datasets"] == [dataset_id], "the same items make the declared root"


def test_scan_says_when_the_declared_leaf_code_is_not_the_files(cli, alice, bob, tmp_path: Path) -> None:
    """A declarer who commits a false code for an item: scan finds the copy by its file, and says
    the leaf cannot prove it (the file is the evidence)."""
    photo, _text, copy, scraped = _dataset(tmp_path)
    assert cli("--dev-account", "1", "register", str(photo))[0] == 0
    files = sorted(p for p in scraped.iterdir() if p.is_file())
    hashes = [hash_file(p) for p in files]
    real = identify_file(copy)
    assert real.content_header is not None and real.content_bits is not None
    false_code = (real.content_header.packed << 64) | (real.content_bits ^ 0xFFFF_FFFF)  # 32 bits off
    codes = [false_code if p == copy else None for p in files]
    tree = MerkleTree.of(hashes, codes)
    manifest, _ = write_manifest([Item(str(p), h) for p, h in zip(files, hashes, strict=True)], tree,
                                 Use.AI_TRAINING, tmp_path, "liar")
    dataset_id = bob.datasets.declare(tree, Use.AI_TRAINING, manifest.resolve().as_uri()).dataset_id
    code, out, err = cli("scan", str(dataset_id), "--holder", ALICE, "--json")
    assert code == 0, err
    (near,) = json.loads(out)["found"]
    assert near["match"] == "near" and near["leafDistance"] >= 32 - near["distance"]
    (entry,) = near["datasets"]
    assert entry["next"] == [] and "another code" in entry["note"] and "the file is the evidence" in entry["note"]


def test_scan_bad_input_is_one_clear_line(cli, tmp_path: Path) -> None:
    code, _, err = cli("scan", "99", "--holder", ALICE)
    assert code == 1 and "dataset 99 is not declared" in err
    code, _, err = cli("scan", str(tmp_path / "nothing.csv"), "--holder", ALICE)
    assert code == 1 and "neither a declared dataset's id nor a manifest file" in err
    code, _, err = cli("scan", "1", "--holder", "not-an-address")
    assert code == 1 and "holder" in err and "Traceback" not in err
    code, _, err = cli("scan", "1", "--holder", ALICE, "--max-distance", "99")
    assert code == 1 and "0..64" in err


def test_declare_from_a_relative_folder_into_another_out_dir_writes_paths_the_manifest_can_resolve(
    cli, tmp_path: Path, monkeypatch
) -> None:
    """Review: `declare scraped --out-dir elsewhere` run from the folder above wrote `scraped/...`
    (relative to the working directory) into elsewhere/NAME.manifest.json, whose relative paths are
    read relative to the manifest's folder: scan then could not read the files, and a mirrored copy
    (found only by its file) was missed."""
    photo, _text, _copy, scraped = _dataset(tmp_path)
    with Image.open(photo) as img:
        img.transpose(Image.Transpose.FLIP_LEFT_RIGHT).convert("RGB").save(scraped / "d-mirror.jpg", "JPEG")
    assert cli("--dev-account", "1", "register", str(photo))[0] == 0
    monkeypatch.chdir(tmp_path)
    out_dir = tmp_path / "declared"
    code, out, err = cli("--dev-account", "2", "declare", "scraped", "--use", "ai-training", "--codes",
                         "--out-dir", str(out_dir), "--quiet", "--json")
    assert code == 0, err
    manifest = Path(json.loads(out)["manifest"])
    lines = manifest.read_text().splitlines()[1:-1]
    paths = [json.loads(line.rstrip(","))["path"] for line in lines]
    assert len(paths) == 4 and all((manifest.parent / p).resolve().is_file() for p in paths), paths
    monkeypatch.chdir(out_dir)  # the manifest's paths must not depend on where scan runs
    code, out, err = cli("scan", str(json.loads(out)["dataset_id"]), "--holder", ALICE, "--json")
    assert code == 0, err
    found = {Path(f["item"]).name: f for f in json.loads(out)["found"]}
    assert set(found) == {"a-cat.jpg", "d-mirror.jpg"}, found
    assert found["d-mirror.jpg"]["mirrored"] is True and Path(found["d-mirror.jpg"]["item"]).is_file()


def test_a_proven_near_copy_shows_in_the_works_trail_with_the_item_and_its_distance(cli, tmp_path: Path) -> None:
    """Review: `prove ITEM --near-copy-of WORK` emits NearCopyProven, but the work's trail showed only
    `declared-in-dataset` / `violation-recorded`, as if the work's own bytes were in the dataset."""
    photo, _text, copy, scraped = _dataset(tmp_path)
    assert cli("--dev-account", "1", "register", str(photo))[0] == 0
    code, out, err = cli("--dev-account", "2", "declare", str(scraped), "--use", "ai-training", "--codes",
                         "--out-dir", str(tmp_path), "--quiet", "--json")
    assert code == 0, err
    dataset_id = str(json.loads(out)["dataset_id"])
    code, out, err = cli("prove", str(copy), "--dataset", dataset_id, "--near-copy-of", str(photo), "--json")
    assert code == 0, err
    distance = json.loads(out)["distance"]
    code, out, err = cli("history", str(photo), "--json")
    assert code == 0, err
    trail = json.loads(out)["trail"]
    (near,) = [e for e in trail if e["stage"] == "near-copy-proven"]
    assert near["details"] == {"datasetId": int(dataset_id), "item": hash_file(copy), "distance": distance}
    assert near["source"] == "DatasetRegistry.NearCopyProven"
    code, out, _ = cli("history", str(photo))
    assert code == 0 and f"dataset #{dataset_id}: item {hash_file(copy)[:10]}… (distance {distance})" in out


def test_removal_request_before_the_near_copy_is_proven_says_to_prove_the_near_copy_first(cli, tmp_path: Path) -> None:
    """Review: scan lists `prove ... --near-copy-of WORK` and `removal request WORK`; run the other way
    round, the request failed with '<work> is not in this dataset', contradicting what scan found."""
    photo, _text, copy, scraped = _dataset(tmp_path)
    assert cli("--dev-account", "1", "register", str(photo))[0] == 0
    code, out, err = cli("--dev-account", "2", "declare", str(scraped), "--use", "ai-training", "--codes",
                         "--out-dir", str(tmp_path), "--quiet", "--json")
    assert code == 0, err
    dataset_id = str(json.loads(out)["dataset_id"])
    code, _, err = cli("--dev-account", "1", "removal", "request", str(photo), "--dataset", dataset_id)
    assert code == 1 and len(err.strip().splitlines()) == 1
    assert f"--near-copy-of {hash_file(photo)}" in err and "prove" in err, err
    assert cli("prove", str(copy), "--dataset", dataset_id, "--near-copy-of", str(photo))[0] == 0
    code, out, err = cli("--dev-account", "1", "removal", "request", str(photo), "--dataset", dataset_id)
    assert code == 0 and "removal requested" in out, err
