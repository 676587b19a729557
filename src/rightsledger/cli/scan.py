"""`scan`: for creators, a holder's registered works among the items of a declared dataset (or of a
local manifest), found by their bytes (sha256) or as near copies (ISCC content code), each with the
commands that prove it on chain and request its removal. The members of the holder's collections
registered with codes are found too (`collection` names the collection), exact and near; the chain
records a member's inclusion but takes removal requests and near-copy proofs for registered works only."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigError, NotFoundError, ValidationError
from ..hashing import hash_file
from ..identity import THRESHOLDS, IsccHeader, content_code_bits, content_header, hamming, identify_file
from ..manifests import Item, collect, manifest_path_of
from ..merkle import MerkleTree
from ..merkle_store import TreeFile
from ..sdk.client import RightsLedger
from ..vocabulary import ContentHash, parse_address
from ..workflows.identity_index import CodesIndex, WorkMatch
from ..workflows.indexer import open_index
from .context import CliError, Context
from .render import print_json


@dataclass
class Found:
    """One dataset item that is the holder's work (`match` "exact") or a near copy of it ("near")."""

    item: str
    content_hash: str
    work: str
    iscc: str | None
    match: str
    distance: int
    mirrored: bool = False
    leaf_distance: int | None = None
    rotated: bool = False
    """Of a near copy in a dataset whose leaves carry codes: the distance of the leaf's code (what
    the contract compares) to the work's; None when the manifest lists no code for the item."""
    datasets: list[dict[str, Any]] = field(default_factory=list)
    collection: int | None = None
    """`work` is a member of this collection (registered with codes), not a work registered on its own."""

    def as_dict(self) -> dict[str, Any]:
        found = {"item": self.item, "contentHash": self.content_hash, "work": self.work, "iscc": self.iscc,
                 "match": self.match, "distance": self.distance, "mirrored": self.mirrored, "rotated": self.rotated,
                 "leafDistance": self.leaf_distance, "datasets": self.datasets}
        if self.collection is not None:
            found["collection"] = self.collection
        return found


def _source(ctx: Context, client: RightsLedger) -> tuple[Path, list[int], bool]:
    """(manifest, the declared datasets it is, whether the commands must name the manifest)."""
    args = ctx.args
    text = args.source
    if text.isdigit() and not Path(text).exists():
        dataset_id = int(text)
        datasets = client.datasets
        if not 0 < dataset_id <= datasets.count():
            raise CliError(f"dataset {dataset_id} is not declared on this deployment ({datasets.count()} are)")
        record = datasets.dataset(dataset_id)
        manifest = Path(args.manifest) if args.manifest else manifest_path_of(record.manifest_uri,
                                                                              datasets.manifest_folder)
        if not manifest.is_file():
            raise CliError(f"the manifest of dataset {dataset_id} ({manifest}) is not readable here; "
                           "give it with --manifest FILE")
        datasets.store(dataset_id, manifest)  # the manifest makes the declared root (its tree file, kept)
        return manifest, [dataset_id], bool(args.manifest)
    manifest = Path(text)
    if not manifest.is_file():
        raise CliError(f"{text} is neither a declared dataset's id nor a manifest file")
    return manifest, [], True


def _item_hash(item: Item) -> ContentHash | None:
    if item.content_hash is not None:
        return item.content_hash
    if item.path and Path(item.path).is_file():
        return hash_file(item.path)
    return None


def _near(index: CodesIndex, item: Item, digest: str, holder: str, max_distance: int | None) -> WorkMatch | None:
    """The holder's nearest registered work this item is a near copy of: by the item's file if it is
    readable here, else by the code the manifest gives for it."""
    found: list[WorkMatch] = []
    if item.path and Path(item.path).is_file():
        try:
            found = index.matches_of(identify_file(item.path), max_distance, members=True)
        except ValidationError:
            found = []
    elif item.code:
        try:
            packed = int(item.code, 16)
            media = IsccHeader.unpack(packed >> 64).media
            if media is not None:
                found = index.matches(media, packed & ((1 << 64) - 1), max_distance, members=True)
        except (ValueError, ValidationError):  # a malformed code, or one of a media nothing is indexed for
            found = []
    mine = [m for m in found if m.holder.lower() == holder.lower() and m.content_hash != digest]
    return mine[0] if mine else None


def _held_collections(client: RightsLedger, index: CodesIndex, holder: str) -> tuple[dict[int, TreeFile], set[int]]:
    """The membership trees of the holder's collections registered with codes whose members manifest
    the index loaded (it keeps their trees): items with a member's bytes are the holder's too; and
    those of them whose tree is not kept in this home (an index shared with another machine): their
    coded members are looked up in the index instead."""
    trees: dict[int, TreeFile] = {}
    untreed: set[int] = set()
    for collection_id, _uri, status in index.coded_collections():
        if status != "loaded" or client.collections.record(collection_id).holder.lower() != holder.lower():
            continue
        try:
            trees[collection_id] = client.collections.store(collection_id)
        except (NotFoundError, ValidationError):
            untreed.add(collection_id)
    return trees, untreed


def _member_of(index: CodesIndex, digest: str, trees: dict[int, TreeFile], untreed: set[int]) -> int | None:
    """The holder's collection `digest` is a member of (by its bytes), or None."""
    found = next((c for c, tree in trees.items() if digest in tree), None)
    if found is None and untreed:
        listed = index.member_collections([digest]).get(digest.lower())
        found = listed if listed in untreed else None
    return found


def _media(iscc: str | None) -> str:
    return (content_header(iscc).media or "") if iscc else ""


def _leaf_distance(item: Item, work_iscc: str | None) -> int | None:
    """The distance between the code the item's leaf commits to and the registered work's code."""
    if not item.code or not work_iscc:
        return None
    try:
        packed = int(item.code, 16)
        if IsccHeader.unpack(packed >> 64).media != _media(work_iscc):
            return None
        return hamming(packed & ((1 << 64) - 1), content_code_bits(work_iscc))
    except (ValueError, ValidationError):
        return None


def _next_steps(
    client: RightsLedger, found: Found, dataset_id: int, coded: bool, manifest: str | None
) -> dict[str, Any]:
    tail = f" --dataset {dataset_id}" + (f" --manifest {manifest}" if manifest else "")
    status = client.datasets.item_status(dataset_id, ContentHash(found.work))
    entry: dict[str, Any] = {"datasetId": dataset_id, "status": status.describe(), "next": []}
    if status.removal_requested or status.removal_acknowledged:
        return entry
    if found.collection is not None and found.match == "exact":
        entry["next"] = [] if status.proven else [f"rightsledger prove {found.work}{tail}"]
        entry["note"] = (f"a member of collection {found.collection}: the chain records its inclusion, but a removal "
                         "request needs a work registered on its own; write to the declarer with the proof")
    elif found.collection is not None:
        entry["note"] = (f"a near copy of a member of collection {found.collection}: the chain verifies registered "
                         "works' codes only, so it cannot be proven on chain; keep the file as evidence and write "
                         "to the declarer")
    elif found.match == "exact":
        prove = [] if status.proven else [f"rightsledger prove {found.work}{tail}"]
        entry["next"] = [*prove, f"rightsledger removal request {found.work}{tail}"]
    elif not coded:
        entry["note"] = ("this dataset's leaves carry no content codes: the near copy cannot be proven on chain; "
                         "keep the file as evidence and write to the declarer")
    elif found.leaf_distance is not None and found.leaf_distance <= THRESHOLDS.get(_media(found.iscc), 0):
        # The chain compares the leaf's own code with the work's: provable however the copy was found.
        prove = [] if status.proven else [f"rightsledger prove {found.content_hash}{tail} --near-copy-of {found.work}"]
        entry["next"] = [*prove, f"rightsledger removal request {found.work}{tail}"]
    elif found.mirrored:
        entry["note"] = ("a mirrored copy: its code is near the work's only once mirrored, which the chain does not "
                         "check; keep the file as evidence and write to the declarer")
    elif found.rotated:
        entry["note"] = ("a copy found by a query variant (rotated back a few degrees, or with a thin overlay such as "
                         "a watermark filtered out): its own code is not near enough for the chain to check; keep the "
                         "file as evidence and write to the declarer")
    elif found.leaf_distance is None:
        entry["note"] = ("the dataset's leaf gives this item no code comparable with the work's: the near copy "
                         "cannot be proven on chain; the file is the evidence")
    else:
        entry["note"] = (f"the dataset's leaf gives this item another code (distance {found.leaf_distance} from the "
                         "work's): the near copy cannot be proven on chain with it; the file is the evidence")
    return entry


def cmd_scan(ctx: Context) -> int:
    args = ctx.args
    client = ctx.client()
    try:
        holder = parse_address(args.holder, what="--holder") if args.holder else client.address
    except ConfigError:
        raise CliError("scan needs a holder: --holder ADDR (or an account to scan for your own works)") from None
    if args.max_distance is not None and not 0 <= args.max_distance <= 64:
        raise CliError(f"--max-distance must be 0..64 bits, got {args.max_distance}")
    manifest, dataset_ids, name_manifest = _source(ctx, client)
    items = collect(manifest)
    held = set(client.works.held_by(holder))
    hashes: dict[str, str | None] = {}
    found: list[Found] = []
    unmatched = unhashed = 0
    with CodesIndex(client) as index:
        index.sync()
        trees, untreed = _held_collections(client, index, holder)
        for item in items:
            digest = _item_hash(item)
            if digest is None:
                unmatched += 1
                unhashed += 1
                continue
            hashes.setdefault(digest, item.code)
            label = item.path or digest
            if digest in held:
                found.append(Found(label, digest, digest, index.code_of(digest), "exact", 0))
                continue
            collection = _member_of(index, digest, trees, untreed)
            if collection is not None:
                member = index.member(digest)
                found.append(Found(label, digest, digest, member.iscc if member else None, "exact", 0,
                                   collection=collection))
                continue
            if not (item.path and Path(item.path).is_file()) and not item.code:
                unmatched += 1
                continue
            if args.exact_only:
                continue
            near = _near(index, item, digest, holder, args.max_distance)
            if near is not None:
                found.append(Found(label, digest, near.content_hash, near.iscc, "near", near.distance,
                                   near.mirrored, _leaf_distance(item, near.iscc), near.rotated,
                                   collection=near.collection_id))
    coded = any(c is not None for c in hashes.values())
    if not dataset_ids and hashes and not unhashed:  # a local manifest: is it a declared dataset? (by its root)
        root = MerkleTree.of(hashes, list(hashes.values()) if coded else None).root
        with open_index(client, ctx.index_target(client)) as datasets_index:
            datasets_index.sync()
            dataset_ids = datasets_index.datasets_with_root(root)
    shown = str(manifest) if name_manifest else None
    for entry in found:
        entry.datasets = [_next_steps(client, entry, d, coded, shown) for d in dataset_ids]
    if args.json:
        print_json({"source": args.source, "manifest": str(manifest), "datasets": dataset_ids, "holder": holder,
                    "items": len(items), "maxDistance": args.max_distance, "exactOnly": args.exact_only,
                    "codedLeaves": coded, "unmatchable": unmatched, "found": [f.as_dict() for f in found]})
        return 0
    where = f"dataset {', '.join(map(str, dataset_ids))}" if dataset_ids else f"{manifest} (not a declared dataset)"
    print(f"{where}: {len(items):,} items, {len(found):,} of them works of {holder}")
    for f in found:
        how = "same bytes" if f.match == "exact" else f"near copy of {f.work}, distance {f.distance}"
        if f.collection is not None:
            how += f", member of collection {f.collection}"
        print(f"  {f.item}  {f.content_hash}  ({how})")
        for d in f.datasets:
            print(f"    dataset {d['datasetId']}: {d['status']}" + (f"; {d['note']}" if d.get("note") else ""))
            for command in d["next"]:
                print(f"      next: {command}")
    if unmatched:
        print(f"{unmatched:,} item(s) have no readable file and no content code here: matched by hash only")
    return 0


def add_parsers(sub: Any) -> None:
    scan = sub.add_parser("scan", help="creators: find a holder's works (same bytes or near copies) in a dataset")
    scan.add_argument("source", metavar="DATASET-ID|MANIFEST",
                      help="a declared dataset's id (its manifest read from its URI) or a manifest file")
    scan.add_argument("--holder", metavar="ADDR", help="whose works to look for (default: your account)")
    scan.add_argument("--manifest", help="with a DATASET-ID: its manifest, if its URI is not readable here")
    scan.add_argument("--max-distance", type=int, default=None, metavar="N",
                      help="Hamming distance in bits, of 64 (default: 12 for images, texts and audio)")
    scan.add_argument("--exact-only", action="store_true", help="same bytes only, no near copies")
    scan.add_argument("--json", action="store_true")
    scan.set_defaults(func=cmd_scan)
