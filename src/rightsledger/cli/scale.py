"""Registry snapshots: `snapshot --out DIR [--block N] [--previous DIR]` and `snapshot verify DIR [--sample N]`."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..workflows.indexer import open_index
from ..workflows.snapshot_build import build_snapshot, verify_snapshot
from .context import DB_HELP, EXIT_ERROR, INDEX_URL_HELP, CliError, Context
from .render import print_json


def cmd_snapshot(ctx: Context) -> int:
    args = ctx.args
    if args.action == "verify":
        return _verify(ctx)
    if args.action is not None:
        raise CliError(f"unknown snapshot action {args.action!r}; use: snapshot --out DIR, or snapshot verify DIR")
    if not args.out:
        raise CliError("snapshot needs --out DIR (a new folder)")
    if args.block is not None and args.block < 0:
        raise CliError("--block must be a block number (0 or more)")
    client = ctx.client()
    with open_index(client, ctx.index_target(client)) as index:
        result = build_snapshot(client, index, args.out, block=args.block, previous=args.previous, workers=args.workers)
    manifest = result.manifest
    if args.json:
        print_json({"snapshot": str(Path(args.out)), "incremental": result.incremental, "manifest": manifest})
        return 0
    tables = manifest["tables"]
    kind = "incremental" if result.incremental else "full"
    print(
        f"{kind} snapshot of chain {manifest['chainId']} at block {manifest['block']['number']} "
        f"({manifest['block']['hash']}) in {args.out}"
    )
    print(
        f"works {tables['works']['rows']:,}, collections {tables['collections']['rows']:,} "
        f"(coded members {tables['members']['rows']:,}), "
        f"policies {tables['policies']['policies']:,}, licence periods {tables['licences']['rows']:,}; "
        f"works read from the chain {result.works_read:,}, collections {result.collections_read:,}, "
        f"members added {result.members_added:,}"
        + (f", part files reused {len(manifest['reused']):,}" if result.incremental else "")
    )
    print(f"digest {manifest['digest']}")
    return 0


def _verify(ctx: Context) -> int:
    args = ctx.args
    if not args.dir:
        raise CliError("snapshot verify needs the snapshot's folder: rightsledger snapshot verify DIR")
    if args.sample is not None and args.sample < 1:
        raise CliError("--sample must be 1 or more")
    client = ctx.client()
    verified = verify_snapshot(client, args.dir, sample=args.sample, workers=args.workers)
    mismatches = verified.mismatches
    if args.json:
        print_json(
            {
                "checked": verified.works,
                "collectionsChecked": verified.collections,
                "mismatches": [
                    {"contentHash": m.content_hash, "field": m.field, "snapshot": m.snapshot, "chain": m.chain}
                    for m in mismatches
                ],
            }
        )
    else:
        for m in mismatches:
            print(f"mismatch {m.content_hash} {m.field}: snapshot {m.snapshot}, chain {m.chain}")
        print(
            f"checked {verified.works:,} works and {verified.collections:,} collections live at the "
            f"snapshot's block: {len(mismatches):,} mismatches"
        )
    return EXIT_ERROR if mismatches else 0


def add_parsers(sub: Any) -> None:
    snap = sub.add_parser(
        "snapshot", help="write the registry at one block as Parquet (snapshot --out DIR), or verify one"
    )
    snap.add_argument("action", nargs="?", choices=("verify",), help="verify: re-check a snapshot live")
    snap.add_argument("dir", nargs="?", metavar="DIR", help="verify: the snapshot's folder")
    snap.add_argument("--out", help="the new snapshot's folder (must be new or empty)")
    snap.add_argument("--block", type=int, help="the block to pin (default: the latest)")
    snap.add_argument("--previous", metavar="DIR", help="a previous snapshot to update incrementally")
    snap.add_argument("--db", help=DB_HELP)
    snap.add_argument("--index-url", default=argparse.SUPPRESS, metavar="URL", help=INDEX_URL_HELP)
    snap.add_argument(
        "--sample", type=int, help="verify: re-check this many random works and collections (default all)"
    )
    snap.add_argument("--workers", type=int, default=8, help="parallel calls (default 8)")
    snap.add_argument("--json", action="store_true")
    snap.set_defaults(func=cmd_snapshot)
