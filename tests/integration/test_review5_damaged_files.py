"""Review 5: a damaged copy of a registered photo (a JPEG cut short by a failed download) has no
content code, so it cannot be matched by content; `find` said so, but `check` and `audit` answered
it a plain `unregistered`, like a file that had been compared and matched nothing, and
`--include-unregistered-as-cleared` cleared it without a word. As for a featureless image, the
answer now says why the file was not matched (`skippedReason`, and in check's table the reason's
text); a file of no media we code (random bytes) is not something near copies exist of, and keeps
a plain `unregistered`."""

from __future__ import annotations

import json
from pathlib import Path

import iscc_samples

CAT = iscc_samples.images("jpg")[0]


def _dataset(tmp_path: Path) -> tuple[Path, Path, Path, Path]:
    work = tmp_path / "cat.jpg"
    work.write_bytes(CAT.read_bytes())
    data = tmp_path / "data"
    data.mkdir()
    cut = data / "cut.jpg"
    cut.write_bytes(CAT.read_bytes()[:5000])
    noise = data / "noise.bin"
    noise.write_bytes(bytes(range(256)) * 8)
    return work, data, cut, noise


def test_check_says_a_damaged_image_is_not_matched_by_content(cli, tmp_path: Path) -> None:
    work, _, cut, noise = _dataset(tmp_path)
    assert cli("--dev-account", "1", "register", str(work), "--allow", "tdm")[0] == 0
    code, out, err = cli("check", str(cut), str(noise), "--use", "tdm", "--json")
    assert code == 3, err
    damaged, unknown = json.loads(out)
    assert damaged["reason"] == "unregistered" and damaged["allowed"] is False
    assert damaged["skippedReason"].startswith("cannot decode the image") and "cut.jpg" not in damaged["skippedReason"]
    assert "skippedReason" not in unknown and unknown["reason"] == "unregistered"
    code, out, _ = cli("check", str(cut), "--use", "tdm")
    assert code == 3 and "unregistered (cannot decode the image: not matched by content)" in out


def test_audit_rows_say_a_damaged_image_is_not_matched_by_content(cli, tmp_path: Path) -> None:
    work, data, _, _ = _dataset(tmp_path)
    assert cli("--dev-account", "1", "register", str(work), "--allow", "ai-training")[0] == 0
    report = tmp_path / "audit.jsonl"
    code, _, err = cli("audit", str(data), "--use", "ai-training", "--out", str(report), "--quiet",
                       "--include-unregistered-as-cleared")
    assert code == 0, err
    rows = {Path(r["path"]).name: r for r in map(json.loads, report.read_text().splitlines()[1:-1])}
    assert rows["cut.jpg"]["reason"] == "unregistered"
    assert rows["cut.jpg"]["skippedReason"].startswith("cannot decode the image")
    assert "skippedReason" not in rows["noise.bin"]

    snap = tmp_path / "snap"
    assert cli("snapshot", "--out", str(snap))[0] == 0
    code, _, err = cli("audit", str(data), "--use", "ai-training", "--snapshot", str(snap),
                       "--out", str(report), "--quiet")
    assert code == 3, err
    rows = {Path(r["path"]).name: r for r in map(json.loads, report.read_text().splitlines()[1:-1])}
    assert rows["cut.jpg"]["skippedReason"].startswith("cannot decode the image")
    assert "skippedReason" not in rows["noise.bin"]
