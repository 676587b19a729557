"""`find`: the registered works a file (or folder of files, or ISCC code) is a near copy of, by content code."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ..errors import ValidationError
from ..hashing import resolve_file_or_hash
from ..identity import (
    Identity,
    content_code_bits,
    content_header,
    identify_file,
    normalize,
    onchain_code,
    uncoded_reason,
)
from ..sdk.client import RightsLedger
from ..workflows.identity_index import CodesIndex, Registered, WorkMatch
from ..workflows.identity_review import suspected_copies
from .context import CliError, Context
from .render import print_json


def _inputs(items: list[str]) -> list[tuple[str, Path | None]]:
    """(label, file) per input: files as given, folders expanded to their files (sorted), ISCC codes with no file."""
    out: list[tuple[str, Path | None]] = []
    for item in items:
        if not item.strip():  # Path("") is the current folder: an unset shell variable, not an input
            raise CliError("an empty argument: give a file, a folder or an ISCC code (ISCC:...)")
        path = Path(item)
        if path.is_file():
            out.append((item, path))
        elif path.is_dir():
            out.extend((str(p), p) for p in sorted(path.rglob("*")) if p.is_file() and not p.name.startswith("."))
        elif item.upper().startswith("ISCC:"):
            out.append((normalize(item), None))
        else:
            raise CliError(f"{item} is neither an existing file or folder nor an ISCC code (ISCC:...)")
    return out


def near_copy(index: CodesIndex, path: Path, max_distance: int | None = None, *,
              until_block: int | None = None) -> WorkMatch | None:
    """The nearest registered work `path` is a near copy of (registered by `until_block`, if given),
    or None (also for files without a code)."""
    return nearest_or_skipped(index, path, max_distance, until_block=until_block)[0]


def nearest_or_skipped(index: CodesIndex, path: Path, max_distance: int | None = None, *,
                       until_block: int | None = None, members: bool = False) -> tuple[WorkMatch | None, str | None]:
    """`near_copy`, and why the file has no content code to match on (featureless image, too short
    a text, audio without fpcalc, a damaged image), if that is so; (None, None) for a file of no media
    we code. `members`: collection members count too (CodesIndex.matches)."""
    try:
        identity = identify_file(path)
    except ValidationError as exc:
        return None, uncoded_reason(exc, path.name)
    found = index.matches_of(identity, max_distance, until_block=until_block, members=members)
    return (found[0] if found else None), identity.skipped_reason


def not_matched(reason: str, skipped: str) -> str:
    """`unregistered (featureless image: not matched by content)`: a reason with why no code matched
    (the skipped reason up to its details: "cannot decode the image (...)" is "cannot decode the image")."""
    return f"{reason} ({re.split(r'[:(;]', skipped, maxsplit=1)[0].strip()}: not matched by content)"


def content_code_of(path: Path) -> int | None:
    """The 80-bit on-chain code (header << 64 | body) of a file, or None when it has none (or no media)."""
    return onchain_code(path)


def synced_index(client: RightsLedger) -> CodesIndex:
    index = CodesIndex(client)
    index.sync()
    return index


def cmd_find(ctx: Context) -> int:
    args = ctx.args
    inputs = _inputs(args.items)
    index = synced_index(ctx.client())
    results: list[dict[str, Any]] = []
    notes: list[str | None] = []
    with index:
        for label, path in inputs:
            if path is None:
                head = content_header(label)
                if head.media is None:
                    raise CliError(f"{label} has no content code to match on")
                found = index.matches(head.media, content_code_bits(label), args.max_distance, members=True)
                results.append({"file": label, "iscc": label, "matches": [m.as_dict() for m in found]})
                notes.append(None)
                continue
            try:
                identity: Identity = identify_file(path)
            except ValidationError as exc:
                results.append({"file": label, "iscc": None, "matches": [], "error": str(exc)})
                notes.append(str(exc))
                continue
            found = index.matches_of(identity, args.max_distance, members=True)
            entry: dict[str, Any] = {"file": label, "iscc": identity.iscc, "matches": [m.as_dict() for m in found]}
            if identity.skipped_reason:
                entry["skippedReason"] = identity.skipped_reason
            results.append(entry)
            notes.append(identity.skipped_reason)
    if args.json:
        print_json(results)
        return 0
    for entry, note in zip(results, notes, strict=True):
        if note:
            print(f"{entry['file']}: no content code to match on ({note})")
        elif not entry["matches"]:
            print(f"{entry['file']}: no registered work within the distance")
        else:
            print(f"{entry['file']}  {entry['iscc']}")
            for m in entry["matches"]:
                member = f"  (member of collection {m['collection']})" if "collection" in m else ""
                doubt = "" if m["decisive"] else f"  (not decisive: {m['chance']:.2g} expected by chance)"
                print(f"  {m['contentHash']}  distance {m['distance']:>2}  holder {m['holder']}  {m['iscc']}{member}"
                      f"{doubt}")
    return 0


def _member(entry: Registered) -> str:
    return "" if entry.collection_id is None else f", member of collection {entry.collection_id}"


def _member_of(collection: int | None) -> str:
    return "" if collection is None else f"  (member of collection {collection})"


def cmd_similar(ctx: Context) -> int:
    args = ctx.args
    if args.review == bool(args.work):
        raise CliError("similar takes a registered work (FILE|HASH) or --review (every suspected copy), not both")
    client = ctx.client()
    with synced_index(client) as index:
        if args.review:
            suspects = suspected_copies(index, args.max_distance)
            if args.json:
                print_json([s.as_dict() for s in suspects])
                return 0
            if not suspects:
                print(f"no suspected copies among {len(index):,} coded works and {index.member_count():,} members")
                return 0
            print(f"{len(suspects):,} suspected copies (registered after another holder's work within the distance):")
            for s in suspects:
                print(f"  {s.copy.content_hash} (block {s.copy.block}, holder {s.copy_holder}{_member(s.copy)})")
                print(f"    ~ {s.original.content_hash} (block {s.original.block}, holder {s.original_holder}"
                      f"{_member(s.original)}), distance {s.distance}")
            return 0
        digest = resolve_file_or_hash(args.work)
        this = index.registered(digest) or index.member(digest)  # a work, else a coded collection member
        if this is None:
            raise CliError(f"{digest} is not a registered work with a content code (see `rightsledger find FILE`)")
        code, collection = this.iscc, this.collection_id
        found = [m for m in index.matches(this.media, this.body, args.max_distance, members=True)
                 if (m.content_hash, m.collection_id) != (digest, collection)]
    if args.json:
        print_json({"contentHash": digest, "iscc": code, **({} if collection is None else {"collection": collection}),
                    "matches": [m.as_dict() for m in found]})
        return 0
    print(f"{digest}  {code}{_member_of(collection)}: {len(found)} other registered work(s) within the distance")
    for m in found:
        print(f"  {m.content_hash}  distance {m.distance:>2}  holder {m.holder}  {m.iscc}{_member_of(m.collection_id)}")
    return 0


def add_parsers(sub: Any) -> None:
    find = sub.add_parser("find", help="registered works a file, folder or ISCC code is a near copy of")
    find.add_argument("items", nargs="+", metavar="FILE|DIR|ISCC")
    find.add_argument("--max-distance", type=int, default=None, metavar="N",
                      help="Hamming distance in bits, of 64 (default: 12 for images, texts and audio)")
    find.add_argument("--json", action="store_true")
    find.set_defaults(func=cmd_find)

    similar = sub.add_parser("similar", help="registered works near a registered work; --review: suspected copies")
    similar.add_argument("work", nargs="?", metavar="FILE|HASH", help="a registered work")
    similar.add_argument("--review", action="store_true",
                         help="registrars: every work registered after another holder's work within the distance")
    similar.add_argument("--max-distance", type=int, default=None, metavar="N",
                         help="Hamming distance in bits, of 64 (default: 12 for images, texts and audio)")
    similar.add_argument("--json", action="store_true")
    similar.set_defaults(func=cmd_similar)
