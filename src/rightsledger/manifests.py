"""Dataset manifests: the items of a folder or of a manifest file (CSV, JSONL, Parquet, our own JSON),
and the manifest `rightsledger declare` writes beside a dataset's Merkle tree. No chain access."""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import unquote, urlparse

from .code_tree import pack_code
from .errors import ConfigError, NotFoundError, ValidationError
from .files import read_json_file, regular_file
from .hashing import parse_hash
from .merkle import MerkleTree
from .merkle_store import DEFAULT_RUN_SIZE, build_tree_file
from .vocabulary import ContentHash, Use

_PATH_KEYS = ("path", "file", "filename")


_HASH_KEYS = ("hash", "content_hash", "contenthash", "sha256")
_LOCATION_KEYS = ("location", "url")


MANIFEST_FORMAT = "rightsledger-dataset-manifest-v1"
_ITEMS_OPEN = '"items": ['
_ITEMS_CLOSE = "]}"
DUMP_LIMIT = 1_000_000
_PLAIN_LEAVES = "keccak256(keccak256(abi.encode(bytes32 contentHash))), sorted pairs (OpenZeppelin)"
_CODED_LEAVES = "keccak256(keccak256(abi.encode(bytes32 contentHash, bytes10 code))), sorted pairs (OpenZeppelin)"
_MAX_LINE = 1 << 20  # one item of a streamed manifest: far more than a hash and a path need
"""Above this many works `declare` writes no OpenZeppelin JSON dump (it would be ~150 B a work)."""


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
    return list(iter_items(source))


def iter_items(source: str | Path) -> Iterator[Item]:
    """`collect`, one item at a time: a manifest is read row by row (a folder is listed first).
    Bad input is reported before the first item is yielded where it can be (no such file, a wrong
    suffix); an empty source is an error once it is read through."""
    path = Path(source)
    if path.is_dir():
        return iter(_walk(path))
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
    return _items_of(rows, path)


def _items_of(rows: Iterator[dict[str, Any]], path: Path) -> Iterator[Item]:
    line = 0
    for line, row in enumerate(rows, start=1):
        yield _item(row, path, line)
    if line == 0:
        raise ValidationError(f"{path} lists no items")


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


def json_object(line: str, where: str, *, kind: str = "a JSON object") -> dict[str, Any]:
    """One line of JSON that must be an object, or one clear error naming `where` (file and line)."""
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValidationError(f"{where} is not JSON ({exc.msg})") from None
    if not isinstance(row, dict):
        raise ValidationError(f"{where} is not {kind}")
    return row


def _jsonl_rows(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8", errors="strict") as handle:
        for number, line in enumerate(_utf8_lines(handle, path), start=1):
            if not line.strip():
                continue
            yield json_object(line, f"{path} line {number}")


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
    streamed = _streamed_entries(path)
    if streamed is not None:
        yield from streamed
        return
    data = read_manifest(path)
    yield from data["items"]


def _streamed_entries(path: Path) -> Iterator[dict[str, Any]] | None:
    """The items of a manifest written by `write_dataset` (its header on line 1, one item a line),
    read line by line; None for any other layout (read whole by `read_manifest`)."""
    header = _streamed_header(path)
    return None if header is None else _entries_after_header(path)


def _streamed_header(path: Path) -> dict[str, Any] | None:
    with path.open("rb") as handle:
        first = handle.readline(_MAX_LINE).decode("utf-8", "replace").rstrip()
    if not first.endswith(_ITEMS_OPEN):
        return None
    try:
        header = json.loads(first + "]}")
    except json.JSONDecodeError:
        return None
    if not isinstance(header, dict) or header.get("format") != MANIFEST_FORMAT:
        return None
    return header


def _entries_after_header(path: Path) -> Iterator[dict[str, Any]]:
    with path.open("rb") as handle:
        handle.readline(_MAX_LINE)
        number = 1
        while raw := handle.readline(_MAX_LINE):
            number += 1
            if len(raw) == _MAX_LINE and not raw.endswith(b"\n"):
                raise ValidationError(f"manifest {path} line {number} is longer than {_MAX_LINE:,} bytes")
            try:
                text = raw.decode("utf-8").strip()
            except UnicodeDecodeError as exc:
                raise ValidationError(f"manifest {path} line {number} is not UTF-8 (byte {exc.start})") from None
            if text == _ITEMS_CLOSE:
                return
            yield json_object(text.removesuffix(","), f"manifest {path} line {number}", kind="an item object")
    raise ValidationError(f"manifest {path} ends before its item list does: it was cut short")


def manifest_hashes(path: str | Path) -> Iterator[str]:
    """The content hashes a manifest lists, in order (repeats included), read as a stream when the
    manifest is one `declare` wrote, so a tree can be built from it in bounded memory."""
    _, leaves = manifest_leaves(path, codes=False)
    return leaves


def manifest_leaves(path: str | Path, *, codes: bool = True) -> tuple[bool, Iterator[Any]]:
    """Whether the manifest's leaves commit to codes, and its values in order (repeats included):
    content hashes, or (content hash, code) pairs (code None: NO_CODE) for a coded manifest. A
    manifest `declare` wrote is read as a stream (its header says whether it is coded); any other
    is read whole, coded if any item carries a code."""
    path = Path(path)
    regular_file(path, what="manifest")
    header = _streamed_header(path)
    if header is not None:
        coded = "bytes10" in str(header.get("leafEncoding", ""))
        entries: Iterable[Any] = _entries_after_header(path)
    else:
        entries = read_manifest(path)["items"]
        coded = any(isinstance(e, dict) and e.get("code") for e in entries)
    coded = coded and codes
    return coded, _values(entries, path, coded)


def _values(entries: Iterable[Any], path: Path, coded: bool) -> Iterator[Any]:
    for entry in entries:
        value = entry.get("hash") if isinstance(entry, dict) else None
        if not value:
            raise ValidationError(f"manifest {path} has an item without a hash")
        if coded:
            code = entry.get("code")
            yield str(value).lower(), str(code) if code else None
        else:
            yield str(value).lower()


def read_manifest(path: str | Path) -> dict[str, Any]:
    """A manifest written by `rightsledger declare` (format rightsledger-dataset-manifest-v1)."""
    path = Path(path)
    data = read_json_file(path, what="manifest")
    if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT or not isinstance(data.get("items"), list):
        raise ValidationError(f"{path} is not a rightsledger dataset manifest ({MANIFEST_FORMAT})")
    return data


def _path_from(folder: Path, path: str | None) -> str | None:
    """`path` as the manifest in `folder` lists it: a relative path (relative to the working
    directory) made relative to the manifest's folder, which is how manifests are read."""
    if path is None or os.path.isabs(path):
        return path
    return os.path.relpath(os.path.abspath(path), os.path.abspath(folder))


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


@dataclass(frozen=True)
class DatasetFiles:
    """What `write_dataset` wrote: the manifest, the tree file proofs are read from, and (for at most
    `DUMP_LIMIT` works) the OpenZeppelin "standard-v1" dump; the tree's root and leaf count."""

    manifest: Path
    store: Path
    dump: Path | None
    root: str
    count: int


def store_path_of(manifest: Path) -> Path:
    """The tree file kept beside a manifest: `<name>.manifest.json` -> `<name>.tree`."""
    stem = manifest.name.removesuffix(".json").removesuffix(".manifest")
    return manifest.with_name(stem + ".tree")


def write_dataset(
    items: Iterable[Item],
    use: Use,
    folder: Path,
    name: str,
    *,
    coded: bool = False,
    dump_limit: int = DUMP_LIMIT,
    run_size: int = DEFAULT_RUN_SIZE,
) -> DatasetFiles:
    """`<name>.manifest.json` (header on its first line, then one item a line), `<name>.tree` (the
    tree file, built streaming: memory bounded by `run_size`, not by the number of items) and, for
    at most `dump_limit` distinct works, `<name>.tree.json` (OpenZeppelin's dump). Every item must
    have its content hash; a hash listed twice makes one leaf. With `coded`, the leaves commit to
    each item's `code` too (None: NO_CODE), and the manifest lists it."""
    folder.mkdir(parents=True, exist_ok=True)
    manifest = folder / f"{name}.manifest.json"
    store = store_path_of(manifest)
    dump = folder / f"{name}.tree.json"
    body = folder / f".{name}.items.tmp"

    def values(out: TextIO) -> Iterator[Any]:
        for item in items:
            if item.content_hash is None:
                raise ValidationError(f"item {item.path} has no content hash yet: hash the items first")
            row: dict[str, Any] = {"hash": item.content_hash, "path": _path_from(folder, item.path)}
            if coded:
                row["code"] = "0x" + pack_code(item.code).hex()
                out.write(json.dumps(row) + "\n")
                yield item.content_hash, row["code"]
            else:
                out.write(json.dumps(row) + "\n")
                yield item.content_hash

    try:
        with body.open("w", encoding="utf-8") as out:
            tree = build_tree_file(values(out), store, distinct=True, coded=coded, run_size=run_size)
        with tree:
            root, count = tree.root, len(tree)
        header = {
            "format": MANIFEST_FORMAT,
            "use": use.value,
            "root": root,
            "itemCount": count,
            "leafEncoding": _CODED_LEAVES if coded else _PLAIN_LEAVES,
            "tree": dump.name if count <= dump_limit else None,
            "treeStore": store.name,
        }
        tmp = manifest.with_name(manifest.name + ".tmp")
        with tmp.open("w", encoding="utf-8") as out, body.open(encoding="utf-8") as lines:
            out.write(json.dumps(header)[:-1] + ", " + _ITEMS_OPEN + "\n")
            previous = None
            for line in lines:
                if previous is not None:
                    out.write(previous + ",\n")
                previous = line.rstrip("\n")
            out.write((previous or "") + "\n" + _ITEMS_CLOSE + "\n")
        tmp.replace(manifest)
    finally:
        body.unlink(missing_ok=True)
    written: Path | None = None
    if count <= dump_limit:
        in_memory = tree_of_manifest(manifest)
        if in_memory.root != root:  # pragma: no cover - the two builders are tested equal
            raise ValidationError(f"the tree file's root {root} differs from the in-memory tree's {in_memory.root}")
        written = in_memory.save(dump)
    else:
        dump.unlink(missing_ok=True)
    return DatasetFiles(manifest, store, written, root, count)


def write_manifest(items: Sequence[Item], tree: MerkleTree, use: Use, folder: Path, name: str) -> tuple[Path, Path]:
    """`write_dataset` for items whose tree is built already (its codes, if any, given to the items
    it lists): returns the manifest and the dump."""
    codes = tree.codes
    listed: Iterable[Item] = items
    if codes is not None:
        listed = (replace(i, code="0x" + codes[str(i.content_hash)].hex()) for i in items)
    files = write_dataset(listed, use, folder, name, coded=codes is not None, dump_limit=max(len(tree), 1))
    if files.root != tree.root:
        raise ValidationError(f"the items make root {files.root}, not the given tree's {tree.root}")
    assert files.dump is not None
    return files.manifest, files.dump


def tree_of_manifest(path: Path) -> MerkleTree:
    """The tree of a manifest, in memory: its distinct hashes, in order (leaves with codes when its
    items carry them; a hash's first code counts)."""
    coded, values = manifest_leaves(path)
    if not coded:
        return MerkleTree.of(dict.fromkeys(values))
    seen: dict[str, str | None] = {}
    for value, code in values:
        seen.setdefault(value, code)
    return MerkleTree.of(seen, list(seen.values()))


def _utf8_lines(handle: TextIO, path: Path) -> Iterable[str]:
    try:
        yield from handle
    except UnicodeDecodeError as exc:
        raise ValidationError(f"{path} is not UTF-8 text (byte {exc.start}): save it as UTF-8") from None


__all__ = [
    "DUMP_LIMIT",
    "MANIFEST_FORMAT",
    "DatasetFiles",
    "Item",
    "collect",
    "item_of",
    "iter_items",
    "json_object",
    "manifest_hashes",
    "manifest_leaves",
    "manifest_path_of",
    "read_manifest",
    "store_path_of",
    "tree_of_manifest",
    "write_dataset",
    "write_manifest",
]
