"""Identity on a real chain: `register` records an image's content code, `find` finds the registered work
from a resized JPEG copy, and `check` answers for the copy with the work's terms (unless --exact-only)."""

from __future__ import annotations

import json
from pathlib import Path

import iscc_samples
from PIL import Image

from rightsledger.chain import dev_account
from rightsledger.hashing import hash_file

from ..pg_support import index_rows

CAT_JPG = iscc_samples.images("jpg")[0]


def resized_copy(tmp_path: Path) -> tuple[Path, Path]:
    work = tmp_path / "cat.jpg"
    work.write_bytes(CAT_JPG.read_bytes())
    copy = tmp_path / "copies" / "cat-small.jpg"
    copy.parent.mkdir()
    with Image.open(work) as img:
        img.convert("RGB").resize((img.width // 2, img.height // 2)).save(copy, "JPEG", quality=70)
    return work, copy


def test_find_and_check_a_resized_copy_of_a_registered_image(cli, tmp_path: Path, index_target: str | Path) -> None:
    """With the codes index in <home>/codes-<chainId>.sqlite, and in a PostgreSQL database (--index-url)."""
    if "://" in str(index_target):
        plain, url = cli, str(index_target)

        def cli(*args: str) -> tuple[int, str, str]:
            return plain("--index-url", url, *args)

    work, copy = resized_copy(tmp_path)
    code, out, err = cli("--dev-account", "1", "register", str(work), "--licence", "ai-training=0.01ether",
                         "--allow", "tdm")
    assert code == 0, err
    digest = hash_file(work)
    where = index_target if "://" in str(index_target) else tmp_path / "home" / "codes-31337.sqlite"
    # registration reads the index (before the write): the work is not in it yet
    assert (digest,) not in index_rows(where, "SELECT content_hash FROM codes")

    code, out, err = cli("find", str(copy), "--json")
    assert code == 0, err
    (entry,) = json.loads(out)
    assert entry["file"] == str(copy) and entry["iscc"].startswith("ISCC:")
    (match,) = entry["matches"]
    assert match["contentHash"] == digest
    assert 0 <= match["distance"] <= 6
    assert match["holder"] == dev_account(1).address
    assert match["iscc"].startswith("ISCC:EE")

    code, out, _ = cli("find", str(copy.parent))  # a folder, human output
    assert code == 0 and digest in out and "distance" in out
    code, out, _ = cli("find", match["iscc"], "--max-distance", "0", "--json")
    assert code == 0 and [m["contentHash"] for m in json.loads(out)[0]["matches"]] == [digest]

    code, out, _ = cli("check", str(copy), "--use", "tdm", "--json")
    assert code == 0
    (answer,) = json.loads(out)
    assert answer["contentHash"] == hash_file(copy) and answer["allowed"] is True
    assert answer["reason"] == f"allowed-by-terms (near copy of {digest}, distance {match['distance']})"
    code, out, _ = cli("check", str(copy), "--use", "ai-training", "--json")
    assert code == 3 and json.loads(out)[0]["reason"].startswith(f"licence-required (near copy of {digest}")

    code, out, _ = cli("check", str(copy), "--use", "tdm", "--exact-only", "--json")
    assert code == 3 and json.loads(out)[0]["reason"] == "unregistered"
    assert (digest,) in index_rows(where, "SELECT content_hash FROM codes")


def test_check_json_names_the_work_a_near_copy_is_answered_for(cli, tmp_path: Path) -> None:
    """Review: `check --json` put the near copy only into the reason's text; audit rows and the
    gateway's codeResults give `nearCopyOf` and `distance` as fields."""
    work, copy = resized_copy(tmp_path)
    assert cli("--dev-account", "1", "register", str(work), "--allow", "tdm")[0] == 0
    code, out, err = cli("check", str(copy), str(work), "--use", "tdm", "--json")
    assert code == 0, err
    near, exact = json.loads(out)
    assert near["nearCopyOf"] == hash_file(work) and 0 <= near["distance"] <= 12
    assert near["reason"] == f"allowed-by-terms (near copy of {hash_file(work)}, distance {near['distance']})"
    assert "nearCopyOf" not in exact and "distance" not in exact


def test_confirm_live_rechecks_a_near_copy_against_the_work_it_copies(cli, tmp_path: Path) -> None:
    """Review: `audit --snapshot --confirm-live` re-checked a near copy by its own hash, so every near
    copy was reported as changed to `unregistered` (as if the chain disagreed with the snapshot)."""
    work, copy = resized_copy(tmp_path)
    assert cli("--dev-account", "1", "register", str(work), "--licence", "ai-training=0.01ether")[0] == 0
    snap = tmp_path / "snap"
    assert cli("snapshot", "--out", str(snap))[0] == 0
    report = tmp_path / "confirm.jsonl"
    args = ("audit", str(copy.parent), "--use", "ai-training", "--snapshot", str(snap), "--confirm-live",
            "--out", str(report), "--quiet", "--json")
    code, out, err = cli(*args)
    assert code == 3, err
    confirmed = json.loads(out)["summary"]["confirmedLive"]
    assert confirmed["checked"] == 1 and confirmed["changed"] == [], confirmed
    assert cli("--dev-account", "1", "terms", "set", str(work), "--allow", "ai-training")[0] == 0
    code, out, err = cli(*args)
    (changed,) = json.loads(out)["summary"]["confirmedLive"]["changed"]
    assert changed["hash"] == hash_file(copy) and changed["answer"] == "cleared"
    assert changed["was"].startswith(f"licence-required (near copy of {hash_file(work)}, distance ")
    assert changed["now"] == changed["was"].replace("licence-required", "allowed-by-terms")


def test_find_says_when_nothing_matches_and_when_an_image_is_featureless(cli, tmp_path: Path) -> None:
    flat = tmp_path / "flat.png"
    Image.new("RGB", (64, 64), (120, 120, 120)).save(flat)
    _work, copy = resized_copy(tmp_path)
    code, out, err = cli("find", str(copy), "--json")
    assert code == 0, err
    assert json.loads(out)[0]["matches"] == []
    code, out, _ = cli("find", str(flat))
    assert code == 0 and "featureless image" in out
    code, out, _ = cli("register", str(flat))  # registered without a code: never matched
    assert code == 0
    code, out, _ = cli("find", str(flat), "--json")
    assert json.loads(out)[0]["matches"] == [] and "featureless" in json.loads(out)[0]["skippedReason"]


def test_find_rejects_what_is_neither_file_nor_iscc(cli) -> None:
    code, _, err = cli("find", "no-such-thing")
    assert code == 1 and "neither an existing file or folder nor an ISCC code" in err
    code, _, err = cli("find", "ISCC:NOTACODE")
    assert code == 1 and "not a valid ISCC code" in err
    code, _, err = cli("find", "ISCC:EEA4GQZQTY6J5DTH", "--max-distance", "99")
    assert code == 1 and "0..64" in err


def test_audit_answers_a_near_copy_with_the_work_and_never_clears_it_as_unregistered(cli, tmp_path: Path) -> None:
    work, copy = resized_copy(tmp_path)
    code, _, err = cli("--dev-account", "1", "register", str(work), "--licence", "ai-training=0.01ether")
    assert code == 0, err
    digest = hash_file(work)
    report = tmp_path / "audit.jsonl"
    code, out, err = cli("audit", str(copy.parent), "--use", "ai-training", "--out", str(report),
                         "--include-unregistered-as-cleared", "--quiet", "--json")
    assert code == 3, err
    summary = json.loads(out)["summary"]
    assert summary["cleared"] == 0 and summary["needs-licence"] == 1
    lines = [json.loads(line) for line in report.read_text().splitlines()]
    row = lines[1]
    assert row["hash"] == hash_file(copy) and row["nearCopyOf"] == digest and row["answer"] == "needs-licence"
    assert row["reason"].startswith(f"licence-required (near copy of {digest}, distance ")
    assert row["fee"] == 10**16
    code, out, _ = cli("audit", str(copy.parent), "--use", "ai-training", "--out", str(report),
                       "--include-unregistered-as-cleared", "--exact-only", "--quiet", "--json")
    assert code == 0 and json.loads(out)["summary"]["cleared"] == 1


def test_a_live_audit_receipt_records_the_threshold_and_the_codes_index_block(cli, chain, tmp_path: Path) -> None:
    """Review: issue 11 asks the audit report to record the threshold and the index's block; the
    snapshot audit's receipt had `thresholds`, the live one only `nearCopies: true`."""
    work, copy = resized_copy(tmp_path)
    assert cli("--dev-account", "1", "register", str(work), "--licence", "ai-training=0.01ether")[0] == 0
    report = tmp_path / "audit.jsonl"
    code, _, err = cli("audit", str(copy.parent), "--use", "ai-training", "--out", str(report), "--quiet")
    assert code == 3, err
    receipt = json.loads(report.read_text().splitlines()[0])["receipt"]
    assert receipt["nearCopies"] is True and receipt["thresholds"] == {"image": 12, "text": 12, "audio": 12}
    assert receipt["codesIndexBlock"] == receipt["block"] == chain.eth.block_number
    code, _, err = cli("audit", str(copy.parent), "--use", "ai-training", "--out", str(report), "--quiet",
                       "--exact-only")
    receipt = json.loads(report.read_text().splitlines()[0])["receipt"]
    assert receipt["nearCopies"] is False and receipt["thresholds"] is None and receipt["codesIndexBlock"] is None


def test_register_refuses_a_near_copy_of_another_holders_work_unless_allowed(cli, tmp_path: Path) -> None:
    work, copy = resized_copy(tmp_path)
    assert cli("--dev-account", "1", "register", str(work))[0] == 0
    code, _, err = cli("--dev-account", "2", "register", str(copy))
    assert code == 1
    assert "refusing to register near copies of other holders' works" in err
    assert f"{copy} ~ {hash_file(work)} (distance " in err and "--allow-similar" in err
    code, out, err = cli("--dev-account", "2", "register", str(copy), "--allow-similar")
    assert code == 0 and hash_file(copy) in out, err


def test_the_holder_may_register_a_near_copy_of_their_own_work(cli, tmp_path: Path) -> None:
    work, copy = resized_copy(tmp_path)
    assert cli("--dev-account", "1", "register", str(work))[0] == 0
    code, out, err = cli("--dev-account", "1", "register", str(copy))
    assert code == 0, err
    code, out, _ = cli("find", str(copy), "--json")
    distances = {m["contentHash"]: m["distance"] for m in json.loads(out)[0]["matches"]}
    assert set(distances) == {hash_file(copy), hash_file(work)} and distances[hash_file(copy)] == 0


def test_a_recording_is_found_again_in_other_formats_by_its_audio_code(cli, tmp_path: Path) -> None:
    """Chromaprint's fpcalc (Debian's libchromaprint-tools, installed by `make`) gives the Audio-Code:
    the WAV master, registered, is found from its MP3, AAC and Ogg encodings."""
    import shutil

    assert shutil.which("fpcalc"), "fpcalc is missing: apt-get install libchromaprint-tools (make install does)"
    audios = {p.name: p for p in iscc_samples.audios()}
    master = tmp_path / "master.wav"
    master.write_bytes(audios["demo.wav"].read_bytes())
    code, out, err = cli("--dev-account", "2", "register", str(master), "--allow", "tdm", "--json")
    assert code == 0, err
    digest = json.loads(out)["works"][0]["contentHash"]
    for name in ("demo.mp3", "demo.aac", "demo.ogg"):
        code, out, err = cli("find", str(audios[name]), "--json")
        assert code == 0, err
        (entry,) = json.loads(out)
        assert entry["iscc"].startswith("ISCC:") and [m["contentHash"] for m in entry["matches"]] == [digest], name
        assert entry["matches"][0]["distance"] <= 4
    code, out, _ = cli("check", str(audios["demo.ogg"]), "--use", "tdm", "--json")
    assert code == 0 and json.loads(out)[0]["reason"].startswith(f"allowed-by-terms (near copy of {digest}")


def _scene(seed: int) -> Image.Image:
    """A smooth synthetic picture (blurred ellipses), deterministic for a seed."""
    import random

    from PIL import ImageDraw, ImageFilter

    r = random.Random(seed)
    img = Image.new("RGB", (900, 600), (r.randrange(256),) * 3)
    draw = ImageDraw.Draw(img)
    for _ in range(40):
        x, y, w, h = r.randrange(900), r.randrange(600), r.randrange(40, 300), r.randrange(40, 300)
        draw.ellipse((x, y, x + w, y + h), fill=(r.randrange(256), r.randrange(256), r.randrange(256)))
    return img.filter(ImageFilter.GaussianBlur(6))


def test_find_and_check_a_rotated_copy_by_the_query_rotations(cli, tmp_path: Path) -> None:
    """A copy rotated by 3 degrees is 14 bits from the work's code (missed at 12); rotated back by
    the query rotations it is within the threshold, so find and check answer for it."""
    from rightsledger.identity import hamming, identify_file

    work, copy = tmp_path / "scene.jpg", tmp_path / "scene-rotated.jpg"
    _scene(3).save(work, "JPEG", quality=90)
    _scene(3).rotate(3, resample=Image.Resampling.BICUBIC).save(copy, "JPEG", quality=90)
    original, rotated = identify_file(work), identify_file(copy)
    assert original.content_bits is not None and rotated.content_bits is not None
    assert hamming(original.content_bits, rotated.content_bits) > 12
    assert cli("--dev-account", "1", "register", str(work), "--allow", "tdm")[0] == 0

    code, out, err = cli("find", str(copy), "--json")
    assert code == 0, err
    (match,) = json.loads(out)[0]["matches"]
    assert match["contentHash"] == hash_file(work) and match["distance"] <= 12
    assert match["distance"] == min(hamming(r, original.content_bits) for r in rotated.rotated_bits)
    code, out, _ = cli("check", str(copy), "--use", "tdm", "--json")
    assert code == 0 and json.loads(out)[0]["nearCopyOf"] == hash_file(work)
    code, out, err = cli("--dev-account", "2", "register", str(copy), "--json")
    assert code != 0 and "refusing to register" in err and hash_file(work) in err  # like any near copy


def test_register_says_which_code_it_recorded_and_why_none(cli, tmp_path: Path) -> None:
    work, _ = resized_copy(tmp_path)
    short = tmp_path / "note.txt"
    short.write_text("a few words")
    code, out, err = cli("--dev-account", "1", "register", str(work), str(short), "--json")
    assert code == 0, err
    image, text = json.loads(out)["works"]
    assert image["file"] == str(work) and image["iscc"].startswith("ISCC:EE") and "noCodeReason" not in image
    assert text["iscc"] is None and text["noCodeReason"]
    other = tmp_path / "other.png"
    Image.new("RGB", (40, 40), (1, 2, 3)).save(other)
    code, out, err = cli("--dev-account", "1", "register", str(other))
    assert code == 0 and "(no content code: featureless image" in out, err
