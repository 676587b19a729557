"""Issue 12 finding 4: a declared manifest is read within caps. A manifest in `declare`'s streamed
layout is read line by line (lines up to 1 MiB); any other is read whole, up to MAX_JSON_FILE."""

from __future__ import annotations

from pathlib import Path

import pytest

from rightsledger import Use, hash_bytes
from rightsledger.errors import ValidationError
from rightsledger.files import MAX_JSON_FILE, read_text_file
from rightsledger.manifests import Item, manifest_hashes, write_dataset


def test_attack_aStreamedManifestLineLongerThanItsCapIsRefusedNotRead(tmp_path: Path) -> None:
    files = write_dataset([Item(None, hash_bytes(b"one")), Item(None, hash_bytes(b"two"))], Use.AI_TRAINING,
                          tmp_path, "big")  # fmt: skip
    lines = files.manifest.read_bytes().split(b"\n")
    assert sorted(manifest_hashes(files.manifest)) == sorted([hash_bytes(b"one"), hash_bytes(b"two")])
    lines.insert(1, b" " * (2 << 20))  # 2 MiB of one line, where an item belongs
    files.manifest.write_bytes(b"\n".join(lines))
    with pytest.raises(ValidationError, match="line 2 is longer than 1,048,576 bytes"):
        list(manifest_hashes(files.manifest))


def test_attack_aWholeJsonManifestLargerThanItsCapIsRefusedNotRead(tmp_path: Path) -> None:
    assert MAX_JSON_FILE == 256 << 20
    path = tmp_path / "huge.json"
    path.write_bytes(b"[" + b" " * 4096 + b"]")
    assert read_text_file(path, what="manifest", limit=8192).startswith("[")
    with pytest.raises(ValidationError, match="is larger than 1,024 bytes"):
        read_text_file(path, what="manifest", limit=1024)
