"""Review 5. A
watermarked copy of a dark photo: its own code is 10 bits from the work (within the threshold: the
chain's `proveNearCopy` verifies exactly that leaf code), but its opened image (the overlay filter)
is 2 bits away, so the match is the variant's, `rotated`. `scan` then says "a rotated copy ... which
the chain does not check" and offers no `prove` command, although `leafDistance` (10) is provable.
It should offer `prove ITEM --dataset ID --near-copy-of WORK` whenever the leaf's own code is within
the threshold (and name an overlay-filter match something other than "rotated")."""

from __future__ import annotations

import io
import json
import shlex
from pathlib import Path

import iscc_samples
from PIL import Image, ImageDraw, ImageEnhance

from rightsledger.hashing import hash_file

CAT_JPG = iscc_samples.images("jpg")[0]


def _dark_photo_and_watermarked_copy(tmp_path: Path) -> tuple[Path, Path, Path]:
    with Image.open(io.BytesIO(CAT_JPG.read_bytes())) as img:
        photo = ImageEnhance.Brightness(img.convert("RGB").resize((img.width * 2, img.height * 2))).enhance(0.25)
    works, scraped = tmp_path / "works", tmp_path / "scraped"
    works.mkdir()
    scraped.mkdir()
    photo.save(works / "night.png")
    stamped = photo.copy()
    ImageDraw.Draw(stamped).text((5, 5), "(c) someone else 2026 all rights reserved", fill=(255, 255, 255))
    stamped.save(scraped / "night-credit.png")
    return works / "night.png", scraped / "night-credit.png", scraped


def test_scan_offers_prove_when_the_leafs_own_code_is_within_the_threshold(cli, tmp_path: Path) -> None:
    work, copy, scraped = _dark_photo_and_watermarked_copy(tmp_path)
    assert cli("--dev-account", "1", "register", str(work))[0] == 0
    code, out, err = cli("--dev-account", "2", "declare", str(scraped), "--use", "ai-training", "--codes",
                         "--out-dir", str(tmp_path), "--quiet", "--json")
    assert code == 0, err
    dataset_id = str(json.loads(out)["dataset_id"])
    code, out, err = cli("--dev-account", "1", "scan", dataset_id, "--json")
    assert code == 0, err
    (found,) = json.loads(out)["found"]
    assert found["work"] == hash_file(work) and found["leafDistance"] is not None and found["leafDistance"] <= 12
    (entry,) = found["datasets"]
    prove = f"rightsledger prove {hash_file(copy)} --dataset {dataset_id} --near-copy-of {hash_file(work)}"
    assert prove in entry["next"], entry
    code, out, err = cli("--dev-account", "1", *shlex.split(prove)[1:])
    assert code == 0 and "near copy of" in out, err
