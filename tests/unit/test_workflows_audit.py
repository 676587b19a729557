"""Reading an audit report back (`read_report`): a file that is not a report is one clear error."""

from __future__ import annotations

from pathlib import Path

import pytest

from rightsledger.errors import ValidationError
from rightsledger.workflows.audit import read_report


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("notes.jsonl", "just some text\n"),
        ("empty.jsonl", ""),
        ("other.jsonl", '{"a": 1}\n'),
        ("other.csv", "hash,path\n0x00,x\n"),
        ("binary.jsonl", b"\xff\xfe\x00"),
    ],
)
def test_a_file_that_is_not_an_audit_report_is_one_error(tmp_path: Path, name: str, content: str | bytes) -> None:
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(ValidationError, match=rf"^audit report {path} is not a report written by `rightsledger audit`"):
        read_report(path)
