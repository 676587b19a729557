"""Rights that travel and transparency out, through the CLI on a real chain: `embed` writes a signed
C2PA manifest and XMP that c2pa-python validates and `import` reads back, the embedded copy answers
with the work's terms; `signals` writes files independent parsers read; `summary` writes the AI Office
template from a declared dataset."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from PIL import Image
from protego import Protego

from rightsledger.workflows.c2pa_import import read_c2pa
from rightsledger.workflows.devcerts import ensure_dev_certs
from rightsledger.workflows.labelling import DEV_CERTS_FOLDER

pytest.importorskip("c2pa")


def _photo(path: Path, seed: int) -> Path:
    rng = random.Random(seed)
    image = Image.new("RGB", (96, 64))
    image.putdata(
        [(x * 2 % 256, (y * 3 + rng.randrange(40)) % 256, (x * y + seed) % 256) for y in range(64) for x in range(96)]
    )
    image.save(path, quality=92)
    return path


def _register(cli, path: Path, *flags: str) -> str:
    code, out, err = cli("register", str(path), *flags, "--json")
    assert code == 0, err
    (work,) = json.loads(out)["works"]
    return str(work["contentHash"])


def test_embed_writes_a_signed_manifest_that_validates_and_the_copy_answers_with_the_works_terms(cli, tmp_path):
    photo = _photo(tmp_path / "harbour.jpg", 1)
    digest = _register(cli, photo, "--allow", "tdm", "--licence", "ai-training=0.01ether")
    assert cli("disclose", str(photo), "human-made")[0] == 0
    out_dir = tmp_path / "embedded"
    code, out, err = cli("embed", str(photo), "--out", str(out_dir), "--json")
    assert code == 0, err
    (entry,) = json.loads(out)
    assert entry["originalHash"] == digest and entry["embeddedHash"] != digest and entry["xmpWritten"] is True
    assert entry["iscc"].startswith("ISCC:") and entry["registrationId"] >= 1
    embedded = out_dir / "harbour.jpg"
    home = tmp_path / "home"
    root = ensure_dev_certs(home / DEV_CERTS_FOLDER).root_pem
    offer = read_c2pa(embedded, trust_anchors=root)
    assert offer is not None and offer.validation_state == "Trusted" and offer.validation_errors == ()
    assert offer.iscc == entry["iscc"]
    assert offer.record_link is not None and offer.record_link["contentHash"] == digest
    assert offer.terms is not None and offer.terms.rule("tdm").mode.value == "allow"
    for use, expected in (("tdm", 0), ("ai-training", 3)):
        original = cli("check", str(photo), "--use", use)[0]
        copy = cli("check", str(embedded), "--use", use)[0]
        assert original == copy == expected
    code, out, _ = cli("history", str(embedded), "--json")
    assert code == 0 and digest in out  # the derived-from stage names the work


def test_embed_refuses_a_file_that_is_not_registered(cli, tmp_path):
    photo = _photo(tmp_path / "unknown.jpg", 2)
    code, _, err = cli("embed", str(photo), "--out", str(tmp_path / "e"))
    assert code == 1 and "no work is registered" in err and "Traceback" not in err


def test_signals_for_a_holder_are_read_by_independent_parsers(cli, tmp_path):
    open_work = _photo(tmp_path / "open.jpg", 3)
    closed_work = _photo(tmp_path / "closed.jpg", 4)
    open_hash = _register(
        cli, open_work, "--allow", "tdm", "--allow", "ai-training", "--allow", "ai-generative-training"
    )
    closed_hash = _register(cli, closed_work)
    holder = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"  # dev account 0, the CLI's default signer
    code, robots, err = cli("signals", "robots", "--holder", holder)
    assert code == 0, err
    parser = Protego.parse(robots)  # RFC 9309, with the `$` end anchor the rules use
    site = "https://archive.example"
    assert parser.can_fetch(f"{site}/works/{open_hash}", "GPTBot")
    assert not parser.can_fetch(f"{site}/works/{closed_hash}", "GPTBot")
    assert parser.can_fetch(f"{site}/works/{closed_hash}", "SomeBrowser")
    code, out, err = cli("signals", "tdmrep.json", "--holder", holder)
    assert code == 0, err
    rules = {r["location"].rstrip("$"): r["tdm-reservation"] for r in json.loads(out)}
    assert rules[f"/works/{open_hash}"] == 0 and rules[f"/works/{closed_hash}"] == 1
    assert cli("signals", "tdmrep", "--holder", holder)[1] == out  # the short name
    target = tmp_path / "ai.txt"
    assert cli("signals", "ai-txt", "--holder", holder, "--out", str(target))[0] == 0
    assert f"Disallow: /works/{closed_hash}" in target.read_text()


def test_signals_need_one_set_of_works(cli):
    code, _, err = cli("signals", "robots", "--holder", "0x12")
    assert code == 1 and "not an Ethereum address" in err


def test_summary_of_a_declared_dataset_writes_the_template_with_fields_to_complete(cli, tmp_path):
    works = [_photo(tmp_path / f"w{i}.jpg", 10 + i) for i in range(3)]
    for w in works:
        _register(cli, w, "--allow", "ai-training")
    folder = tmp_path / "set"
    folder.mkdir()
    for w in works:
        (folder / w.name).write_bytes(w.read_bytes())
    code, out, err = cli("declare", str(folder), "--use", "ai-training", "--out-dir", str(tmp_path), "--json")
    assert code == 0, err
    dataset_id = json.loads(out)["dataset_id"]
    out_dir = tmp_path / "summary"
    code, out, err = cli("summary", "--model", "Atlas", "--version", "2", "--datasets", str(dataset_id),
                         "--provider", "Example AI", "--out", str(out_dir), "--json")  # fmt: skip
    assert code == 0, err
    result = json.loads(out)
    summary = json.loads((out_dir / "summary.json").read_text())
    text = json.dumps(summary)
    assert "Atlas" in text and "Example AI" in text
    assert result["toComplete"], "fields the registry cannot know are marked for the provider"
    assert "Atlas" in (out_dir / "summary.html").read_text()
