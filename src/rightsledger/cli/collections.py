"""`collection register|check`: a collection registered by its Merkle root in one transaction."""

from __future__ import annotations

from typing import Any

from ..hashing import resolve_file_or_hash
from ..manifests import collect
from ..terms import Terms
from ..text import render_table
from ..workflows.bulk import hash_items
from .context import EXIT_NOT_ALLOWED, CliError, Context
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
        reg = archive.register(
            [str(i.content_hash) for i in items], terms=terms, holder=args.holder, metadata_uri=args.metadata_uri
        )
        if args.json:
            print_json({**reg.__dict__, "tree_file": str(reg.tree_file)})
        else:
            print(f"collection {reg.collection_id}: {reg.count:,} works under root {reg.root}, policy {reg.policy_id}")
            print(f"  {reg.gas_used:,} gas ({reg.gas_used / reg.count:,.1f} per work); tree kept in {reg.tree_file}")
        return 0
    if args.collection is None or not args.use:
        raise CliError("collection check needs --collection ID and --use USE")
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


def add_parsers(sub: Any) -> None:
    coll = sub.add_parser("collection", help="register a collection by Merkle root (one transaction); check members")
    coll.add_argument("action", choices=("register", "check"))
    coll.add_argument("source_or_items", nargs="+", metavar="PATH|FILE|HASH",
                      help="register: a folder or manifest; check: the works")  # fmt: skip
    coll.add_argument("--collection", type=int, metavar="ID", help="check: the collection")
    coll.add_argument("--use", help="check: the use")
    coll.add_argument("--licensee", type=address_arg, help="check: the address that would use the works")
    coll.add_argument("--holder", help="register: holder of the collection (default: the signing account)")
    coll.add_argument("--metadata-uri", default="", help="register: the collection's metadata URI")
    coll.add_argument("--json", action="store_true")
    add_terms_flags(coll)
    coll.set_defaults(func=cmd_collection)
