"""Content hashes: sha256 of the bytes, hash parsing, and file-or-hash arguments."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from rightsledger.errors import NotFoundError, ValidationError
from rightsledger.hashing import content_hash, hash_bytes, hash_file, parse_hash, resolve_file_or_hash


def test_hashes_match_sha256_of_the_bytes(tmp_path: Path) -> None:
    data = b"x" * 3_000_001
    path = tmp_path / "big.bin"
    path.write_bytes(data)
    expected = "0x" + hashlib.sha256(data).hexdigest()
    assert hash_file(path) == expected
    assert hash_bytes(data) == expected
    assert content_hash(path) == expected
    assert resolve_file_or_hash(str(path)) == expected
    assert parse_hash(expected[2:].upper()) == expected


@pytest.mark.parametrize("bad", ["0x1234", "zz" * 32, "0x" + "0" * 64, ""])
def test_parse_hash_rejects_malformed_hashes(bad: str) -> None:
    with pytest.raises(ValidationError):
        parse_hash(bad)


def test_resolve_file_or_hash_says_what_was_wrong(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="neither an existing file nor a content hash"):
        resolve_file_or_hash(str(tmp_path / "nope.png"))
    with pytest.raises(ValidationError, match="is a folder"):
        resolve_file_or_hash(str(tmp_path))
