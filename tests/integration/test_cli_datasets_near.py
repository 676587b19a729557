"""Review: `rightsledger datasets WORK` listed only the datasets that hold the work's exact bytes;
it now also lists the declared datasets whose coded leaves (`declare --codes`) hold a near copy of
it: a leaf whose content code is within the threshold of the work's."""

from __future__ import annotations

import json
import os
from pathlib import Path

import iscc_samples
from PIL import Image

from rightsledger.hashing import hash_file


def test_datasets_lists_the_declared_datasets_holding_a_near_copy(cli, tmp_path: Path) -> None:
    work = tmp_path / "cat.jpg"
    work.write_bytes(iscc_samples.images("jpg")[0].read_bytes())
    coded, plain = tmp_path / "coded", tmp_path / "plain"
    for folder in (coded, plain):
        folder.mkdir()
        with Image.open(work) as img:
            img.convert("RGB").resize((img.width // 2, img.height // 2)).save(folder / "a-cat.jpg", "JPEG", quality=60)
        Image.frombytes("L", (64, 64), os.urandom(64 * 64)).save(folder / "noise.png")
    copy = coded / "a-cat.jpg"
    assert cli("--dev-account", "1", "register", str(work))[0] == 0
    ids = []
    for folder, flags in ((coded, ["--codes"]), (plain, [])):
        code, out, err = cli("--dev-account", "2", "declare", str(folder), "--use", "ai-training", *flags,
                             "--out-dir", str(tmp_path / f"out-{folder.name}"), "--quiet", "--json")
        assert code == 0, err
        ids.append(json.loads(out)["dataset_id"])

    code, out, err = cli("datasets", str(work), "--json")
    assert code == 0, err
    hits = json.loads(out)
    (near,) = [h for h in hits if h["source"] == "near-copy"]  # the plain declaration's leaves carry no codes
    assert near["dataset_id"] == ids[0] and near["item"] == hash_file(copy)
    assert 0 <= near["distance"] <= 12 and near["iscc"].startswith("ISCC:EE")
    assert near["use"] == "ai-training" and near["declarer"] and near["manifest_uri"].startswith("file:")
    assert [h for h in hits if h["source"] != "near-copy"] == []  # the exact bytes are in neither

    code, out, _ = cli("datasets", str(work))
    assert code == 0 and f"near copy {hash_file(copy)}" in out and "distance" in out
    command = out.split(": rightsledger ", 1)[1].splitlines()[0].split()
    code, out, _ = cli("datasets", str(work), "--exact-only", "--json")
    assert code == 0 and json.loads(out) == []
    code, out, _ = cli("datasets", str(work), "--max-distance", "0", "--json")
    assert code == 0 and [h["distance"] for h in json.loads(out)] in ([], [0])
    code, out, _ = cli("datasets", str(copy), "--json")  # its bytes are in both; not a registered work: no code
    assert code == 0 and [(h["dataset_id"], h["source"]) for h in json.loads(out)] == [(i, "manifest") for i in ids]

    code, out, err = cli("--dev-account", "1", *command)  # the proof it suggests is accepted on chain
    assert code == 0, err
    code, out, _ = cli("datasets", str(work), "--exact-only", "--json")
    assert code == 0 and [(h["dataset_id"], h["source"]) for h in json.loads(out)] == [(ids[0], "proof")]
