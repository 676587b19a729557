"""`collection register|check|members|contest`: a collection registered by its Merkle root in one
transaction (with `--codes`, committing to its members' content codes too, listed in a members
manifest); `contest` disputes a squatter's later individual registration of a member."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..code_tree import pack_code
from ..hashing import resolve_file_or_hash
from ..manifests import collect
from ..sdk.collections import CollectionClient
from ..terms import Terms
from ..text import render_table
from ..workflows.bulk import hash_items
from ..workflows.identity_index import CodesIndex
from .context import EXIT_NOT_ALLOWED, CliError, Context
from .identity import content_code_of
from .options import add_terms_flags, address_arg, parse_use, terms_from_args
from .render import print_json


def cmd_collection(ctx: Context) -> int:
    args = ctx.args
    client = ctx.client()
    archive = client.collections_in(ctx.home)
    if args.action == "register":
        if len(args.source_or_items) != 1:
            raise CliError("collection register takes one folder or manifest")
        items = collect(args.source_or_items[0])
        hash_items(items, workers=4)
        terms = terms_from_args(args) or Terms()
        hashes = [str(i.content_hash) for i in items]
        if args.codes:
            codes = [
                content_code_of(Path(i.path)) if i.path and Path(i.path).is_file() else (i.code or None)
                for i in items
            ]
            reg = archive.register_with_codes(
                hashes, codes, terms=terms, holder=args.holder, metadata_uri=args.metadata_uri,
                manifest_uri=args.manifest_uri or "",
            )
        else:
            if args.manifest_uri:
                raise CliError("--manifest-uri names where the members manifest of --codes is published: add --codes")
            reg = archive.register(hashes, terms=terms, holder=args.holder, metadata_uri=args.metadata_uri)
        if args.json:
            print_json({**reg.__dict__, "tree_file": str(reg.tree_file),
                        "members_manifest": str(reg.members_manifest) if reg.members_manifest else None})
        else:
            print(f"collection {reg.collection_id}: {reg.count:,} works under root {reg.root}, policy {reg.policy_id}")
            print(f"  {reg.gas_used:,} gas ({reg.gas_used / reg.count:,.1f} per work); tree kept in {reg.tree_file}")
            if reg.members_manifest is not None:
                coded = sum(1 for c in codes if c is not None and any(pack_code(c)))
                print(f"  {coded:,} of {reg.count:,} members with a content code, codes root {reg.codes_root}")
                print(f"  members manifest {reg.members_manifest}: publish it at {reg.manifest_uri}")
        return 0
    if args.action == "members":
        return _members(ctx)
    if args.action == "contest":
        return _contest(ctx, archive)
    if args.collection is None or not args.use or not args.source_or_items:
        raise CliError("collection check needs the works (FILE|HASH ...), --collection ID and --use USE")
    hashes = [resolve_file_or_hash(i) for i in args.source_or_items]
    results = archive.check_many(args.collection, hashes, parse_use(args.use), licensee=args.licensee)
    rows = [
        (item, "yes" if r.allowed else "no", r.reason.value)
        for item, r in zip(args.source_or_items, results, strict=True)
    ]
    if args.json:
        print_json([{"item": i, "allowed": a == "yes", "reason": r} for i, a, r in rows])
    else:
        print(render_table(rows, ("work", f"{args.use}?", "reason")))
    return 0 if all(r.allowed for r in results) else EXIT_NOT_ALLOWED


CONTEST_USAGE = "collection contest needs a collection and the works: rightsledger collection contest ID FILE|HASH ..."


def _contest(ctx: Context, archive: CollectionClient) -> int:
    """Contest the later individual registrations of members of a verified collection (anyone may)."""
    args = ctx.args
    items = list(args.source_or_items)
    collection_id = args.collection
    if collection_id is None:
        if not items or not items[0].isdigit():
            raise CliError(CONTEST_USAGE)
        collection_id = int(items.pop(0))
    if not items:
        raise CliError(CONTEST_USAGE)
    hashes = [resolve_file_or_hash(i) for i in items]
    done = []
    for item, digest in zip(items, hashes, strict=True):
        transaction = archive.contest_member(collection_id, digest)
        done.append({"item": item, "contentHash": digest, "collection": collection_id, "transaction": transaction})
        if not args.json:
            print(f"{item}: registration of {digest} contested as a member of collection {collection_id}; "
                  "it is disputed until a registrar settles it")
    if args.json:
        print_json(done)
    return 0


def _members(ctx: Context) -> int:
    """Load a collection's members manifest into the codes index (one published elsewhere than a local
    file: give the downloaded copy with --manifest); list what the index holds."""
    args = ctx.args
    if args.collection is None:
        raise CliError("collection members needs --collection ID (and --manifest FILE for a manifest published online)")
    if args.source_or_items:
        raise CliError("collection members takes no PATH: give the manifest with --manifest FILE")
    with CodesIndex(ctx.client()) as index:
        index.sync()
        added = index.load_members(args.collection, Path(args.manifest) if args.manifest else None)
        status = {c: (u, s) for c, u, s in index.coded_collections()}
    uri, state = status[args.collection]
    if args.json:
        print_json({"collection": args.collection, "manifestURI": uri, "status": state, "added": added})
    else:
        print(f"collection {args.collection}: members manifest {uri} {state}; {added:,} coded members indexed")
    return 0


def add_parsers(sub: Any) -> None:
    coll = sub.add_parser("collection", help="register a collection by Merkle root (one transaction); check members")
    coll.add_argument("action", choices=("register", "check", "members", "contest"))
    coll.add_argument("source_or_items", nargs="*", metavar="PATH|FILE|HASH",
                      help="register: a folder or manifest; check: the works; contest: ID and the works")  # fmt: skip
    coll.add_argument("--codes", action="store_true",
                      help="register: commit to the members' content codes too (their near copies are then found); "
                           "writes the members manifest to publish")
    coll.add_argument("--manifest-uri", help="register --codes: where the members manifest is published "
                                             "(default: its file:// URI)")
    coll.add_argument("--manifest", metavar="FILE", help="members: the members manifest, if published online")
    coll.add_argument("--collection", type=int, metavar="ID", help="check, members, contest: the collection")
    coll.add_argument("--use", help="check: the use")
    coll.add_argument("--licensee", type=address_arg, help="check: the address that would use the works")
    coll.add_argument("--holder", help="register: holder of the collection (default: the signing account)")
    coll.add_argument("--metadata-uri", default="", help="register: the collection's metadata URI")
    coll.add_argument("--json", action="store_true")
    add_terms_flags(coll)
    coll.set_defaults(func=cmd_collection)
