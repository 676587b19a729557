"""Reading the small files users hand us (terms, offers, trees, manifests): one error per way it can fail."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

from .errors import NotFoundError, ValidationError

MAX_JSON_FILE = 256 << 20
"""Bigger than any terms file, offer, tree or manifest header we write: a larger file is not ours."""


def regular_file(path: str | Path, *, what: str) -> Path:
    """`path` if it names a regular file; otherwise one clear error (missing, a folder, a FIFO, a device)."""
    path = Path(path)
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise NotFoundError(f"{what} {path} does not exist") from None
    except OSError as exc:
        raise ValidationError(f"{what} {path} cannot be read ({exc.strerror or exc})") from None
    if stat.S_ISDIR(mode):
        raise ValidationError(f"{what} {path} is a folder, not a file")
    if not stat.S_ISREG(mode):
        raise ValidationError(f"{what} {path} is not a regular file (a FIFO, socket or device?)")
    return path


def read_text_file(path: str | Path, *, what: str, limit: int = MAX_JSON_FILE) -> str:
    """The UTF-8 text of a regular file of at most `limit` bytes."""
    path = regular_file(path, what=what)
    try:
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise ValidationError(f"{what} {path} cannot be read ({exc.strerror or exc})") from None
    if len(data) > limit:
        raise ValidationError(f"{what} {path} is larger than {limit:,} bytes")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationError(f"{what} {path} is not a UTF-8 text file") from None


def read_json_file(path: str | Path, *, what: str) -> Any:
    """The JSON value in a file; NotFoundError or ValidationError with one line saying what is wrong."""
    text = read_text_file(path, what=what)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(f"{what} {path} is not valid JSON: {exc.msg} at line {exc.lineno}") from None


__all__ = ["MAX_JSON_FILE", "read_json_file", "read_text_file", "regular_file"]
