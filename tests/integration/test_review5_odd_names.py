"""Review 5: `audit --out report.csv` over a folder holding a file whose name is not UTF-8 (a Latin-1
name copied from an old archive disk) crashed with a UnicodeEncodeError traceback and left a
`.tmp` report behind. The CSV names such a file as the JSONL report does (the undecodable byte as
`\\udcff`), and reads back."""

from __future__ import annotations

import json
import os
from pathlib import Path

import iscc_samples

from rightsledger.workflows.audit import read_report


def test_an_audit_report_names_a_file_whose_name_is_not_utf8(cli, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    odd = os.fsdecode(b"caf\xe9.jpg")  # Latin-1 bytes: a lone surrogate in Python's str
    (data / odd).write_bytes(iscc_samples.images("jpg")[0].read_bytes())
    (data / "plain.txt").write_text("an ordinary file with an ordinary name and a few words")
    for name in ("report.csv", "report.jsonl"):
        report = tmp_path / name
        code, _, err = cli("audit", str(data), "--use", "tdm", "--out", str(report), "--quiet")
        assert code == 3 and "Traceback" not in err, err
        assert not (tmp_path / f"{name}.tmp").exists()
        text = report.read_bytes().decode("utf-8")  # valid UTF-8 throughout
        assert "caf\\udce9.jpg" in text
        paths = sorted(Path(r["path"]).name for r in read_report(report).rows)
        assert len(paths) == 2 and "plain.txt" in paths
    rows = [json.loads(line) for line in (tmp_path / "report.jsonl").read_text().splitlines()[1:-1]]
    assert any(r["path"].endswith(odd) for r in rows)  # the JSONL path is the file's own name
