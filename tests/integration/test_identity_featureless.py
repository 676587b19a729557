"""Review: issue 11 says to skip featureless images "and say so in the answer"; `check` and `audit`
answered a featureless unregistered image with a plain `unregistered`. The reason stays the enum
value machine readers compare with; a `skippedReason` field (and, in check's table, the reason's
text) says the file was not matched by content."""

from __future__ import annotations

import json
from pathlib import Path

import iscc_samples
from PIL import Image


def _featureless_and_work(tmp_path: Path) -> tuple[Path, Path]:
    work = tmp_path / "cat.jpg"
    work.write_bytes(iscc_samples.images("jpg")[0].read_bytes())
    flat = tmp_path / "data" / "flat.png"
    flat.parent.mkdir()
    Image.new("RGB", (64, 64), (120, 120, 120)).save(flat)
    return work, flat


def test_check_says_a_featureless_image_is_not_matched_by_content(cli, tmp_path: Path) -> None:
    work, flat = _featureless_and_work(tmp_path)
    assert cli("--dev-account", "1", "register", str(work), "--allow", "tdm")[0] == 0
    code, out, err = cli("check", str(flat), str(work), "--use", "tdm", "--json")
    assert code == 3, err
    skipped, registered = json.loads(out)
    assert skipped["reason"] == "unregistered" and skipped["allowed"] is False
    assert skipped["skippedReason"].startswith("featureless image")
    assert "skippedReason" not in registered
    code, out, _ = cli("check", str(flat), "--use", "tdm")
    assert code == 3 and "unregistered (featureless image: not matched by content)" in out
    code, out, _ = cli("check", str(flat), "--use", "tdm", "--exact-only", "--json")
    assert code == 3 and "skippedReason" not in json.loads(out)[0]


def test_audit_rows_say_a_featureless_image_is_not_matched_by_content(cli, tmp_path: Path) -> None:
    work, flat = _featureless_and_work(tmp_path)
    (flat.parent / "words.txt").write_text("a text long enough to carry a Text-Code of its own, surely " * 4)
    assert cli("--dev-account", "1", "register", str(work), "--allow", "ai-training")[0] == 0
    report = tmp_path / "audit.jsonl"
    code, out, err = cli("audit", str(flat.parent), "--use", "ai-training", "--out", str(report), "--quiet", "--json")
    assert code == 3, err
    rows = {Path(r["path"]).name: r for r in map(json.loads, report.read_text().splitlines()[1:-1])}
    assert rows["flat.png"]["answer"] == "unregistered" and rows["flat.png"]["reason"] == "unregistered"
    assert rows["flat.png"]["skippedReason"].startswith("featureless image")
    assert "skippedReason" not in rows["words.txt"]
    assert json.loads(out)["summary"]["unregistered"] == 2

    snap = tmp_path / "snap"
    assert cli("snapshot", "--out", str(snap))[0] == 0
    code, _, err = cli("audit", str(flat.parent), "--use", "ai-training", "--snapshot", str(snap),
                       "--out", str(report), "--quiet")
    assert code == 3, err
    rows = {Path(r["path"]).name: r for r in map(json.loads, report.read_text().splitlines()[1:-1])}
    assert rows["flat.png"]["reason"] == "unregistered"
    assert rows["flat.png"]["skippedReason"].startswith("featureless image")
