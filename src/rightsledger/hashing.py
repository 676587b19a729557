"""Content identity: sha256 of a file's bytes, streamed; parsing of hashes given as text."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from stat import S_ISREG

from .errors import NotFoundError, ValidationError
from .vocabulary import ContentHash

_CHUNK = 1 << 20
_HEX64 = re.compile(r"^(0x)?[0-9a-fA-F]{64}$")

ContentLike = Path | bytes | bytearray | memoryview | str
"""What the SDK accepts for a work: a file path, the content itself, or its hash as hex text."""


def hash_bytes(data: bytes | bytearray | memoryview) -> ContentHash:
    return ContentHash("0x" + hashlib.sha256(data).hexdigest())


def hash_file(path: str | Path) -> ContentHash:
    """sha256 of a file, read in 1 MiB chunks so size does not matter."""
    return sha256_of_file(path)[0]


def sha256_of_file(path: str | Path) -> tuple[ContentHash, int, int]:
    """The one streaming sha256: (hash, size, mtime in ns) of a file, read in 1 MiB chunks."""
    path = Path(path)
    digest = hashlib.sha256()
    try:
        if not S_ISREG(path.stat().st_mode) and not path.is_dir():  # opening a FIFO would block
            raise ValidationError(f"{path} is not a regular file (a FIFO, socket or device?)")
        with path.open("rb") as handle:
            stat = os.fstat(handle.fileno())
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
    except FileNotFoundError:
        raise NotFoundError(f"file {path} does not exist") from None
    except IsADirectoryError:
        raise ValidationError(f"{path} is a folder, not a file") from None
    except PermissionError:
        raise ValidationError(f"file {path} cannot be read (permission denied)") from None
    return ContentHash("0x" + digest.hexdigest()), stat.st_size, stat.st_mtime_ns


def is_hash(text: str) -> bool:
    return bool(_HEX64.match(text.strip()))


def parse_hash(text: str) -> ContentHash:
    """A content hash from 64 hex digits, with or without 0x, in any case."""
    value = text.strip()
    if not _HEX64.match(value):
        raise ValidationError(
            f"{text!r} is not a content hash: expected 64 hex digits (sha256), optionally prefixed 0x",
            code="invalid-hash",
        )
    value = value.lower()
    hexpart = value[2:] if value.startswith("0x") else value
    if int(hexpart, 16) == 0:
        raise ValidationError("the zero hash is not the sha256 of any content", code="invalid-hash")
    return ContentHash("0x" + hexpart)


def content_hash(item: ContentLike) -> ContentHash:
    """The hash of a work given as a Path (file), bytes (content) or str (a hash in hex)."""
    if isinstance(item, Path):
        return hash_file(item)
    if isinstance(item, (bytes, bytearray, memoryview)):
        return hash_bytes(item)
    if isinstance(item, str):
        return parse_hash(item)
    raise ValidationError(f"cannot identify a work from a {type(item).__name__}; pass a Path, bytes or a hex hash")


# The sha256 of no bytes: the same for every empty file, so no one's work.
EMPTY_HASH = ContentHash("0x" + hashlib.sha256(b"").hexdigest())


def refuse_empty(digest: str, item: object) -> None:
    """ValidationError if `digest` is the empty file's hash: registering it would give its registrant
    every empty file (a failed download, a placeholder) of every dataset."""
    if digest.lower() == EMPTY_HASH:
        what = f"{item} is empty (0 bytes)" if isinstance(item, Path) else f"{EMPTY_HASH} is the hash of 0 bytes"
        raise ValidationError(f"{what}: an empty file is no work (every empty file has this hash); "
                              "register the file once it has its content")


def resolve_file_or_hash(arg: str) -> ContentHash:
    """CLI arguments: an existing file is hashed; otherwise the text must be a hash."""
    if not arg.strip():  # Path("") is the current folder: an unset shell variable, not a work
        raise ValidationError("an empty argument: give a file or a content hash (64 hex digits)")
    path = Path(arg)
    if path.is_file():
        return hash_file(path)
    if is_hash(arg):
        return parse_hash(arg)
    if path.is_dir():
        raise ValidationError(f"{arg} is a folder, not a file")
    if path.exists():
        raise ValidationError(f"{arg} is not a regular file (a FIFO, socket or device?)")
    raise NotFoundError(f"{arg} is neither an existing file nor a content hash (64 hex digits)")
