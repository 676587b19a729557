"""Dataset manifests: the items of a folder or of a manifest file (CSV, JSONL, Parquet, our own JSON),
and the manifest `rightsledger declare` writes beside a dataset's Merkle tree. No chain access."""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import unquote, urlparse

from .errors import ConfigError, NotFoundError, ValidationError
from .files import read_json_file, regular_file
from .hashing import parse_hash
from .merkle import MerkleTree
from .vocabulary import ContentHash, Use

_PATH_KEYS = ("path", "file", "filename")


_HASH_KEYS = ("hash", "content_hash", "contenthash", "sha256")
_LOCATION_KEYS = ("location", "url")


MANIFEST_FORMAT = "rightsledger-dataset-manifest-v1"


@dataclass
class Item:
    """One work of a dataset: where it is (if known) and its content hash (once known)."""

    path: str | None
    content_hash: ContentHash | None = None
    size: int = 0
    mtime_ns: int = 0
    location: str | None = None
    """Where a publisher serves the work (a `location` or `url` column): what crawler signals name."""
    code: str | None = None
    """The item's 80-bit content code as 0x hex (header and body), when the manifest's leaves commit to it."""


def collect(source: str | Path) -> list[Item]:
    """The items of a folder (every regular file below it, in path order) or of a manifest file."""
    path = Path(source)
    if path.is_dir():
        return _walk(path)
    if not path.exists():
        raise NotFoundError(f"{path} is neither a folder nor a manifest file")
    regular_file(path, what="manifest")
    suffix = "".join(path.suffixes[-1:]).lower()
    if suffix == ".csv":
        rows: Iterator[dict[str, Any]] = _csv_rows(path)
    elif suffix in (".jsonl", ".ndjson"):
        rows = _jsonl_rows(path)
    elif suffix == ".parquet":
        rows = _parquet_rows(path)
    elif suffix == ".json":
        rows = _manifest_rows(path)
    else:
        raise ValidationError(f"{path}: manifests are .csv, .jsonl, .parquet or a rightsledger .json manifest")
    items = [_item(row, path, line) for line, row in enumerate(rows, start=1)]
    if not items:
        raise ValidationError(f"{path} lists no items")
    return items


def _walk(root: Path) -> list[Item]:
    found: list[Item] = []
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            full = Path(folder) / name
            try:
                stat = full.stat()
            except OSError:
                continue
            if full.is_file():
                found.append(Item(str(full), size=stat.st_size, mtime_ns=stat.st_mtime_ns))
    if not found:
        raise ValidationError(f"folder {root} holds no files")
    return found


def _csv_rows(path: Path) -> Iterator[dict[str, Any]]:
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            if reader.fieldnames is None:
                raise ValidationError(f"{path} is empty")
            yield from reader
    except UnicodeDecodeError as exc:
        raise ValidationError(f"{path} is not UTF-8 text (byte {exc.start}): save the CSV as UTF-8") from None


def _jsonl_rows(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8", errors="strict") as handle:
        for number, line in enumerate(_utf8_lines(handle, path), start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValidationError(f"{path} line {number} is not JSON ({exc.msg})") from None
            if not isinstance(row, dict):
                raise ValidationError(f"{path} line {number} is not a JSON object")
            yield row


def _parquet_rows(path: Path) -> Iterator[dict[str, Any]]:
    try:
        import pyarrow.parquet as pq  # type: ignore[import-untyped,import-not-found,unused-ignore]
    except ImportError:
        raise ConfigError(
            "reading Parquet needs pyarrow: pip install 'rightsledger[parquet]' (or give a CSV or JSONL manifest)"
        ) from None
    try:
        table = pq.read_table(path)
    except Exception as exc:  # noqa: BLE001 - pyarrow raises many kinds for bad files
        raise ValidationError(f"{path} is not a readable Parquet file ({exc})") from None
    for batch in table.to_batches():
        yield from batch.to_pylist()


def _manifest_rows(path: Path) -> Iterator[dict[str, Any]]:
    data = read_manifest(path)
    yield from data["items"]


def read_manifest(path: str | Path) -> dict[str, Any]:
    """A manifest written by `rightsledger declare` (format rightsledger-dataset-manifest-v1)."""
    path = Path(path)
    data = read_json_file(path, what="manifest")
    if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT or not isinstance(data.get("items"), list):
        raise ValidationError(f"{path} is not a rightsledger dataset manifest ({MANIFEST_FORMAT})")
    return data


def _item(row: dict[str, Any], manifest: Path, line: int) -> Item:
    lowered = {str(k).strip().lower(): v for k, v in row.items()}
    path_value = next((lowered[k] for k in _PATH_KEYS if lowered.get(k)), None)
    hash_value = next((lowered[k] for k in _HASH_KEYS if lowered.get(k)), None)
    if isinstance(hash_value, bytes | bytearray) and len(hash_value) == 32:  # a Parquet binary(32) column
        hash_value = "0x" + bytes(hash_value).hex()
    if path_value is None and hash_value is None:
        raise ValidationError(f"{manifest} item {line} has neither a path nor a hash column")
    path_text: str | None = None
    if path_value is not None:
        candidate = Path(str(path_value))
        path_text = str(candidate if candidate.is_absolute() else manifest.parent / candidate)
    try:
        digest = parse_hash(str(hash_value)) if hash_value is not None else None
    except ValidationError as exc:
        raise ValidationError(f"{manifest} item {line}: {exc}") from None
    location = next((str(lowered[k]).strip() for k in _LOCATION_KEYS if lowered.get(k)), None)
    code = lowered.get("code")
    if isinstance(code, bytes | bytearray):  # a Parquet binary(10) column
        code = "0x" + bytes(code).hex()
    return Item(path_text, digest, location=location, code=str(code) if code else None)


def item_of(row: dict[str, Any], manifest: Path, line: int) -> Item:
    """One manifest row as an item (`line`: its number, for errors); relative paths are the manifest's folder's."""
    return _item(row, manifest, line)


def manifest_path_of(uri: str, folder: Path | None = None) -> Path:
    """A local path from a manifest URI: file:// URIs and plain paths; anything else cannot be read here.

    A declaration's URI is whatever its declarer wrote. With `folder` (the operator's manifest folder)
    the path, resolved (symbolic links and `..` followed; a relative one is taken inside the folder),
    must lie under it, so a declaration cannot make the reader open /dev/zero, a private file or a
    folder elsewhere; reading then refuses anything but a regular file within the size cap."""
    parsed = urlparse(uri)
    if parsed.scheme == "file":
        path = Path(unquote(parsed.path))
    elif parsed.scheme == "" and uri:
        path = Path(uri)
    else:
        raise ValidationError(
            f"manifest URI {uri!r} is not a local file; give the manifest with --manifest", code="manifest-unreadable"
        )
    if folder is None:
        return path
    root = folder.resolve()
    try:
        resolved = (path if path.is_absolute() else root / path).resolve()
    except (OSError, RuntimeError, ValueError):
        raise ValidationError(f"manifest URI {uri!r} does not resolve", code="manifest-unreadable") from None
    if not resolved.is_relative_to(root):
        raise ValidationError(
            f"manifest URI {uri!r} is outside the manifest folder {root}; only manifests there are read",
            code="manifest-unreadable",
        )
    return resolved


def write_manifest(items: Sequence[Item], tree: MerkleTree, use: Use, folder: Path, name: str) -> tuple[Path, Path]:
    """`<name>.manifest.json` (items, root, use) and `<name>.tree.json` (the OpenZeppelin dump)."""
    folder.mkdir(parents=True, exist_ok=True)
    manifest = folder / f"{name}.manifest.json"
    tree_file = folder / f"{name}.tree.json"
    tree.save(tree_file)
    data = {
        "format": MANIFEST_FORMAT,
        "use": use.value,
        "root": tree.root,
        "itemCount": len(tree),
        "leafEncoding": "keccak256(keccak256(abi.encode(bytes32 contentHash))), sorted pairs (OpenZeppelin)",
        "tree": tree_file.name,
        "items": [{"hash": i.content_hash, "path": i.path} for i in items],
    }
    if tree.codes is not None:
        data["leafEncoding"] = ("keccak256(keccak256(abi.encode(bytes32 contentHash, bytes10 code))), "
                                "sorted pairs (OpenZeppelin)")
        codes = tree.codes
        data["items"] = [{"hash": i.content_hash, "path": i.path, "code": "0x" + codes[str(i.content_hash)].hex()}
                         for i in items]
    tmp = manifest.with_name(manifest.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=1) + "\n")
    tmp.replace(manifest)
    return manifest, tree_file


def tree_of_manifest(path: Path) -> MerkleTree:
    """The tree of a manifest: its distinct hashes, in order (leaves with codes when its items carry them)."""
    data = read_manifest(path)
    seen: dict[str, str | None] = {}
    for entry in data["items"]:
        value = entry.get("hash") if isinstance(entry, dict) else None
        if not value:
            raise ValidationError(f"manifest {path} has an item without a hash")
        code = entry.get("code")
        seen.setdefault(str(value).lower(), str(code) if code else None)
    coded = any(c is not None for c in seen.values())
    return MerkleTree.of(seen, list(seen.values()) if coded else None)


def _utf8_lines(handle: TextIO, path: Path) -> Iterable[str]:
    try:
        yield from handle
    except UnicodeDecodeError as exc:
        raise ValidationError(f"{path} is not UTF-8 text (byte {exc.start}): save it as UTF-8") from None


__all__ = [
    "MANIFEST_FORMAT",
    "Item",
    "collect",
    "item_of",
    "manifest_path_of",
    "read_manifest",
    "tree_of_manifest",
    "write_manifest",
]
