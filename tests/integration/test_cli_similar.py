"""Registrars review suspected copies (`similar --review`): a near copy another holder registered with
--allow-similar is listed against the earlier work, and the trail (`history`) of both works shows it;
a holder's own near variants are not suspects."""

from __future__ import annotations

import json
from pathlib import Path

import iscc_samples
from PIL import Image

from rightsledger.chain import dev_account
from rightsledger.hashing import hash_file

CAT_JPG = iscc_samples.images("jpg")[0]


def _images(tmp_path: Path) -> tuple[Path, Path, Path]:
    work = tmp_path / "cat.jpg"
    work.write_bytes(CAT_JPG.read_bytes())
    with Image.open(work) as img:
        rgb = img.convert("RGB")
        rgb.resize((img.width // 2, img.height // 2)).save(tmp_path / "copy.jpg", "JPEG", quality=60)
        rgb.resize((img.width * 3 // 4, img.height * 3 // 4)).save(tmp_path / "variant.png")
    return work, tmp_path / "copy.jpg", tmp_path / "variant.png"


def test_review_lists_the_copy_registered_with_allow_similar_and_both_trails_show_it(cli, tmp_path: Path) -> None:
    work, copy, variant = _images(tmp_path)
    alice, bob = dev_account(1).address, dev_account(2).address
    assert cli("--dev-account", "1", "register", str(work))[0] == 0
    code, out, _ = cli("similar", "--review", "--json")
    assert code == 0 and json.loads(out) == []
    assert cli("--dev-account", "1", "register", str(variant))[0] == 0  # her own variant: allowed, no suspect
    code, _, err = cli("--dev-account", "2", "register", str(copy))
    assert code != 0 and "--allow-similar" in err
    code, _, err = cli("--dev-account", "2", "register", str(copy), "--allow-similar")
    assert code == 0, err

    code, out, err = cli("similar", "--review", "--json")
    assert code == 0, err
    suspects = json.loads(out)
    assert {s["original"] for s in suspects} == {hash_file(work), hash_file(variant)}
    assert all(s["copy"] == hash_file(copy) and s["copyHolder"] == bob and s["originalHolder"] == alice
               for s in suspects)
    assert all(0 <= s["distance"] <= 12 and s["copyBlock"] > s["originalBlock"] for s in suspects)
    assert all(s["copyIscc"].startswith("ISCC:EE") for s in suspects)
    code, out, _ = cli("similar", "--review")
    assert code == 0 and "2 suspected copies" in out and hash_file(copy) in out

    code, out, _ = cli("similar", str(work), "--json")
    assert code == 0
    near = json.loads(out)
    assert near["contentHash"] == hash_file(work)
    assert {m["contentHash"] for m in near["matches"]} == {hash_file(copy), hash_file(variant)}

    code, out, err = cli("history", str(copy), "--json")
    assert code == 0, err
    stages = [e for e in json.loads(out)["trail"] if e["stage"] == "near-copy-of"]
    assert {e["details"]["work"] for e in stages} == {hash_file(work), hash_file(variant)}
    assert all(e["actor"] == bob and e["details"]["holder"] == alice for e in stages)
    trail = json.loads(out)["trail"]
    assert trail[0]["stage"] == "registered", "the near-copy entry follows the registration"
    code, out, _ = cli("history", str(work), "--json")
    (entry,) = [e for e in json.loads(out)["trail"] if e["stage"].startswith("near-copy")]
    assert entry["stage"] == "near-copy-registered" and entry["details"]["work"] == hash_file(copy)
    assert entry["transaction"] == next(e for e in stages if e["details"]["work"] == hash_file(work))["transaction"]
    code, out, _ = cli("history", str(work))
    assert code == 0 and "near-copy-registered" in out and "registered near it (distance" in out


def test_similar_bad_input_is_one_clear_line(cli, tmp_path: Path) -> None:
    code, _, err = cli("similar")
    assert code == 1 and "a registered work (FILE|HASH) or --review" in err
    code, _, err = cli("similar", "0x" + "ab" * 32)
    assert code == 1 and "is not a registered work with a content code" in err
