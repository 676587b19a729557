"""Dataset commands: `audit`, `declare`, `prove`, `removal`, `levy`, and the event index
(`index`, `datasets`)."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import Any

from ..code_tree import pack_code
from ..errors import NotFoundError
from ..hashing import resolve_file_or_hash
from ..manifests import Item, collect, iter_items, write_dataset
from ..merkle_store import TreeFile
from ..sdk.client import RightsLedger
from ..text import render_table
from ..units import format_time, format_wei, parse_fee
from ..vocabulary import Use
from ..workflows.audit import ANSWERS, buy_licences, run_audit
from ..workflows.audit_ray import DEFAULT_BLOCK_ROWS, run_ray_audit
from ..workflows.audit_snapshot import run_snapshot_audit
from ..workflows.bulk import Progress, hash_items
from ..workflows.identity_index import CodesIndex
from ..workflows.indexer import open_index
from ..workflows.near_datasets import NearCopyInDataset, near_copies_in_datasets
from .context import DB_HELP, EXIT_NOT_ALLOWED, INDEX_URL_HELP, CliError, Context
from .identity import content_code_of
from .index import cmd_follow
from .options import address_arg, fee_arg, parse_use
from .render import print_json


def cmd_audit(ctx: Context) -> int:
    args = ctx.args
    if args.buy and args.max_spend is None:
        raise CliError("--buy needs a spending cap: --max-spend AMOUNT (e.g. 0.5ether)")
    if args.confirm_live and not args.snapshot:
        raise CliError("--confirm-live re-checks a snapshot's answers: give --snapshot DIR too")
    if args.engine == "ray":
        return _audit_on_ray(ctx)
    if args.address:
        raise CliError("--address names a Ray cluster: use it with --engine ray")
    items = collect(Path(args.source).resolve())  # a bad source is reported before connecting or hashing anything
    client = ctx.client() if args.buy or args.confirm_live or not args.snapshot else None
    if args.snapshot:
        result = run_snapshot_audit(
            args.snapshot,
            args.source,
            parse_use(args.use),
            licensee=args.licensee,
            out=args.out,
            unregistered_cleared=args.include_unregistered_as_cleared,
            workers=args.workers or 4,
            progress=not args.quiet,
            keep_rows=args.buy,
            confirm_live=client if args.confirm_live else None,
            near_copies=not args.exact_only,
        )
    else:
        assert client is not None
        result = run_audit(
            client,
            args.source,
            parse_use(args.use),
            items=items,
            licensee=args.licensee,
            out=args.out,
            unregistered_cleared=args.include_unregistered_as_cleared,
            workers=args.workers or 4,
            progress=not args.quiet,
            keep_rows=args.buy,
            near_copies=not args.exact_only,
        )
    summary = result.summary
    purchase = None
    if args.buy:
        cap = args.max_spend
        assert client is not None
        purchase = buy_licences(client, result, parse_use(args.use), cap=cap, licensee=args.licensee)
    if args.json:
        bought = None
        if purchase is not None:
            bought = {
                "bought": [{"hash": h, "licenceId": i, "price": p} for h, i, p in purchase.bought],
                "leftForTheCap": [{"hash": h, "fee": f} for h, f in purchase.skipped],
                "spent": purchase.spent,
            }
        print_json({"report": str(result.report), "receipt": result.receipt, "summary": summary, "purchase": bought})
    else:
        receipt = result.receipt
        print(
            f"audit of {summary['items']:,} items for {receipt['use']} at block {receipt['block']} "
            f"(chain {receipt['chainId']}, registry {receipt['workRegistry']})"
        )
        rows = [
            (answer, f"{summary[answer]:,}")
            for answer in ("cleared", "needs-licence", "denied", "unregistered", "disputed")
        ]
        print(render_table(rows, ("answer", "items")))
        if summary["needs-licence"]:
            print(
                f"licences needed: {summary['needs-licence']:,}, fees {format_wei(summary['licenceFeeTotal'])} in total"
            )
        if summary["resumedFromCheckpoint"]:
            print(f"resumed: {summary['resumedFromCheckpoint']:,} hashes reused from the checkpoint")
        live = summary.get("confirmedLive")
        if live is not None:
            print(
                f"confirmed live at block {live['block']}: {live['checked']:,} items not cleared re-checked, "
                f"{len(live['changed']):,} changed since the snapshot"
            )
            for change in live["changed"]:
                print(f"  {change['hash']}: {change['was']} -> {change['now']}")
        print(f"report: {result.report}")
        if purchase is not None:
            print(
                f"bought {len(purchase.bought):,} licence(s) for {format_wei(purchase.spent)}; "
                f"{len(purchase.skipped):,} left for the cap. Audit again for a receipt that shows them."
            )
    if purchase is not None and not purchase.skipped:
        all_buyable = summary["cleared"] + summary["needs-licence"] == summary["items"]
        return 0 if all_buyable else EXIT_NOT_ALLOWED
    return 0 if result.all_cleared else EXIT_NOT_ALLOWED


def _audit_on_ray(ctx: Context) -> int:
    args = ctx.args
    if not args.snapshot:
        raise CliError("--engine ray answers from a registry snapshot: give --snapshot DIR "
                       "(make one with: rightsledger snapshot --out DIR)")
    if args.buy or args.confirm_live:
        raise CliError("--buy and --confirm-live need the chain: audit with --engine local for them")
    result = run_ray_audit(
        args.snapshot, args.source, parse_use(args.use), licensee=args.licensee, out=args.out,
        unregistered_cleared=args.include_unregistered_as_cleared, near_copies=not args.exact_only,
        address=args.address, workers=args.workers or 2, block_rows=args.block_rows,
        progress=not args.quiet,
    )
    summary, receipt = result.summary, result.receipt
    if args.json:
        print_json({"report": str(result.report), "receipt": receipt, "summary": summary})
    else:
        print(f"audit of {summary['items']:,} items for {receipt['use']} from the snapshot at block "
              f"{receipt['block']} (chain {receipt['chainId']}), on Ray in {receipt['blocks']:,} blocks")
        rows = [(answer, f"{summary[answer]:,}") for answer in ANSWERS]
        print(render_table(rows, ("answer", "items")))
        if summary["needs-licence"]:
            print(f"licences needed: {summary['needs-licence']:,}, fees {format_wei(summary['licenceFeeTotal'])} "
                  "in total")
        if summary["blocksReused"]:
            print(f"resumed: {summary['blocksReused']:,} blocks already written were kept")
        print(f"report: {result.report} (Parquet parts; receipt.json), digest {summary['reportDigest']}")
    return 0 if summary["cleared"] == summary["items"] else EXIT_NOT_ALLOWED


HASH_CHUNK = 4_096
"""Items hashed at a time by `declare`: a manifest is read, hashed and written in chunks of this many."""


def _hashed(items: Iterable[Item], workers: int, bar: Progress | None, *, codes: bool) -> Iterator[Item]:
    """The items with their content hashes (and, with `codes`, each readable file's content code;
    else the manifest's own `code`), hashed a chunk at a time (bounded memory)."""
    stream = iter(items)
    while chunk := list(islice(stream, HASH_CHUNK)):
        hash_items(chunk, workers=workers, progress=bar)
        if codes:
            for item in chunk:
                code = content_code_of(Path(item.path)) if item.path and Path(item.path).is_file() else None
                if code is not None:
                    item.code = "0x" + pack_code(code).hex()
        yield from chunk


def cmd_declare(ctx: Context) -> int:
    args = ctx.args
    use = parse_use(args.use)
    source = Path(args.source)
    # A folder is listed first (its count is known); a manifest is streamed: hashed, written to the
    # new manifest and into the tree file a chunk at a time, whatever its size.
    items: Iterable[Item] = collect(source) if source.is_dir() else iter_items(source)
    total = len(items) if isinstance(items, list) else 0
    bar = None if args.quiet else Progress("hashing", total)
    name = args.name or source.stem.removesuffix(".manifest")
    folder = Path(args.out_dir) if args.out_dir else Path.cwd()
    files = write_dataset(_hashed(items, args.workers, bar, codes=args.codes), use, folder, name, coded=args.codes)
    if bar:
        bar.finish()
    uri = args.manifest_uri or files.manifest.resolve().as_uri()
    client = ctx.client()
    with TreeFile(files.store) as tree:
        declaration = client.datasets.declare(tree, use, uri)
    if args.json:
        print_json({**declaration.__dict__, "manifest": str(files.manifest), "treeFile": str(files.store),
                    "tree": str(files.dump) if files.dump else None})  # fmt: skip
    else:
        print(f"dataset {declaration.dataset_id} declared: {files.count:,} works for {use.value}"
              + (", leaves with content codes" if args.codes else ""))
        print(f"  root      {files.root}")
        print(f"  manifest  {files.manifest}  (URI {uri})")
        print(f"  tree      {files.store}" + (f"  (OpenZeppelin dump {files.dump})" if files.dump else ""))
        print(f"  block {declaration.block}, {declaration.gas_used:,} gas")
    return 0


def cmd_prove(ctx: Context) -> int:
    args = ctx.args
    client = ctx.client()
    digest = resolve_file_or_hash(args.item)
    datasets = client.datasets
    tree = datasets.store(args.dataset, args.manifest)  # the tree file by root, built once if none is kept
    if args.near_copy_of:
        work = resolve_file_or_hash(args.near_copy_of)
        if not tree.coded:
            raise CliError(f"dataset {args.dataset}'s leaves carry no content codes: a near copy in it cannot be "
                           "proven on chain (only the same bytes can: prove the work itself)")
        near = datasets.prove_near_copy(args.dataset, digest, work, tree=tree)
        if args.json:
            print_json({**near.__dict__, "reason": near.reason.value})
        else:
            verdict = "VIOLATION recorded" if near.violation else "no violation"
            print(f"{digest} in dataset {args.dataset} is a near copy of {work} (distance {near.distance}): "
                  f"{verdict} against the work (at declaration: {near.reason.value})")
        return 0
    result = datasets.prove(args.dataset, digest, tree=tree)
    if args.json:
        print_json({**result.__dict__, "reason": result.reason.value})
    else:
        verdict = "VIOLATION recorded" if result.violation else "no violation"
        print(f"{digest} is in dataset {args.dataset}: {verdict} (at declaration: {result.reason.value})")
    return 0


def cmd_removal(ctx: Context) -> int:
    args = ctx.args
    client = ctx.client()
    digest = resolve_file_or_hash(args.item)
    datasets = client.datasets
    if args.action == "request":
        if not datasets.item_status(args.dataset, digest).proven:
            tree = datasets.store(args.dataset, args.manifest)
            try:
                datasets.prove(args.dataset, digest, tree=tree)
            except NotFoundError as exc:
                if exc.code != "not-in-dataset" or not tree.coded:
                    raise
                hint = (f"{digest} is not in dataset {args.dataset} by its own bytes; if the dataset holds a near copy "
                        f"of it, prove that first: rightsledger prove ITEM --dataset {args.dataset} --near-copy-of "
                        f"{digest} (as `rightsledger scan` lists), then request removal")
                raise CliError(hint) from None
        datasets.request_removal(args.dataset, digest, args.note)
    elif args.action == "acknowledge":
        datasets.acknowledge_removal(args.dataset, digest, args.note)
    status = datasets.item_status(args.dataset, digest)
    if args.json:
        print_json({"dataset": args.dataset, "contentHash": digest, "status": status.describe()})
    else:
        print(f"{digest} in dataset {args.dataset}: {status.describe()}")
    return 0


def cmd_levy(ctx: Context) -> int:
    args = ctx.args
    client = ctx.client()
    datasets = client.datasets
    if args.action == "contribute":
        if not args.value:
            raise CliError("levy contribute needs an amount: rightsledger levy contribute 0.5ether")
        epoch = datasets.contribute(parse_fee(args.value))
        print(f"contributed {format_wei(parse_fee(args.value))} to epoch {epoch}")
    elif args.action == "finalize":
        epoch = int(args.value) if args.value else datasets.current_epoch() - 1
        record = datasets.finalize(epoch)
        print(f"epoch {epoch}: pool {format_wei(record.pool)} over {record.items:,} items, {record.per_item} wei each")
        opens = format_time(record.individual_claims_from)
        print(f"  collection members claim first; individual claims open at {opens}")
    elif args.action == "claim":
        if not args.value or args.dataset is None:
            raise CliError("levy claim needs a work and a dataset: rightsledger levy claim FILE --dataset ID")
        item = resolve_file_or_hash(args.value)
        if args.collection is None:
            amount = datasets.claim(args.dataset, item)
        else:
            amount = datasets.claim_for_collection_member(args.dataset, item, args.collection)
        print(f"credited {format_wei(amount)} to the work's holder; withdraw with `rightsledger levy withdraw`")
    elif args.action == "admit":
        if args.dataset is None:
            raise CliError("levy admit needs a dataset: rightsledger levy admit --dataset ID (registrars only)")
        epoch = datasets.admit(args.dataset)
        print(f"dataset {args.dataset} admitted to the levy of epoch {epoch}")
    elif args.action == "withdraw":
        print(f"withdrew {format_wei(datasets.withdraw_levy(args.to))}")
    else:
        accounts = datasets.levy_accounts()
        epoch = datasets.current_epoch()
        if args.json:
            print_json({"currentEpoch": epoch, **accounts})
        else:
            print(f"current epoch {epoch}")
            for key, value in accounts.items():
                print(f"  {key:<12} {format_wei(value)}")
    return 0


def _index_path(ctx: Context, client: RightsLedger) -> str | Path:
    return ctx.index_target(client)


def cmd_index(ctx: Context) -> int:
    client = ctx.client()
    if ctx.args.action == "follow":
        return cmd_follow(ctx, _index_path(ctx, client))
    with open_index(client, _index_path(ctx, client)) as index:
        result = index.sync()
        counts = index.counts()
        if ctx.args.action == "history":
            if not ctx.args.item:
                raise CliError("index history needs a work: rightsledger index history FILE|HASH")
            rows = index.history(resolve_file_or_hash(ctx.args.item))
            if ctx.args.json:
                print_json(rows)
            else:
                table = [(str(r["block"]), r["contract"], r["event"], json.dumps(r["args"])[:80]) for r in rows]
                print(render_table(table, ("block", "contract", "event", "details")))
            return 0
    if ctx.args.json:
        print_json({**counts, "rolledBackTo": result.rolled_back_to, "newEvents": result.events})
    else:
        if result.rolled_back_to is not None:
            print(f"the chain reorganised: rolled back to block {result.rolled_back_to}")
        print(
            f"indexed to block {counts['cursor']}: {counts['events']:,} events, {counts['datasets']:,} datasets, "
            f"{counts['datasetItems']:,} dataset items ({result.events:,} new events)"
        )
    return 0


def cmd_datasets(ctx: Context) -> int:
    client = ctx.client()
    args = ctx.args
    digest = resolve_file_or_hash(args.item)
    if args.max_distance is not None and not 0 <= args.max_distance <= 64:
        raise CliError(f"--max-distance must be 0..64 bits, got {args.max_distance}")
    near: list[NearCopyInDataset] = []
    with open_index(client, _index_path(ctx, client)) as index:
        index.sync()
        hits = index.datasets_containing(digest)
        with CodesIndex(client) as codes:
            codes.sync()
            # A member of a coded collection (not registered on its own) is named with its collection.
            collection = None if codes.registered(digest) else codes.member_collections([digest]).get(digest.lower())
            if not args.exact_only:
                near = near_copies_in_datasets(client, index, codes, digest, args.max_distance)
    if args.json:
        member = {} if collection is None else {"collection": collection}
        print_json([{**hit.__dict__, **member} for hit in hits] + [n.as_dict() for n in near])
        return 0
    for n in near:
        held = (f"dataset {n.dataset_id} ({n.use}, declared by {n.declarer}) holds near copy {n.item}, "
                f"distance {n.distance}")
        if n.collection is None:
            print(f"{held}: rightsledger prove {n.item} --dataset {n.dataset_id} --near-copy-of {digest}")
        else:  # the chain verifies a registered work's code only: keep the file as the evidence
            print(f"{held} (of a member of collection {n.collection}: not provable on chain)")
    if not hits:
        print(f"{digest} is in no declared dataset this index can read" + (" by its bytes" if near else ""))
        return 0
    rows = [
        (
            str(h.dataset_id),
            h.use,
            h.declarer,
            h.source,
            "VIOLATION" if h.violation else "",
            h.removal,
        )
        for h in hits
    ]
    of = "" if collection is None else f" (a member of collection {collection})"
    print(f"{digest}{of} appears in {len(hits)} declared dataset(s):")
    print(render_table(rows, ("dataset", "use", "declarer", "found by", "violation", "removal")))
    return 0


def add_parsers(sub: Any) -> None:
    audit = sub.add_parser("audit", help="audit a dataset (folder or manifest) against the registry; write a report")
    audit.add_argument(
        "source", metavar="PATH|MANIFEST", help="a folder, or a manifest (.csv, .jsonl, .parquet, .json)"
    )
    audit.add_argument("--use", required=True, help=f"one of: {', '.join(u.value for u in Use)}")
    audit.add_argument("--licensee", type=address_arg, help="the address that would use the works (licences count)")
    audit.add_argument("--out", help="report file, .jsonl or .csv (default ./audit-<name>.jsonl)")
    audit.add_argument(
        "--include-unregistered-as-cleared", action="store_true", help="count unregistered works as cleared"
    )
    audit.add_argument("--exact-only", action="store_true",
                       help="answer by each file's bytes only, not as a near copy of a registered work")
    audit.add_argument("--buy", action="store_true", help="buy the licences the report lists, cheapest first")
    audit.add_argument(
        "--max-spend", type=fee_arg, metavar="AMOUNT", help="with --buy: spend at most this (e.g. 0.5ether)"
    )
    audit.add_argument("--workers", type=int, default=None,
                       help="hashing threads and parallel calls (default 4); with --engine ray: actors (default 2)")
    audit.add_argument("--quiet", action="store_true", help="no progress bar")
    audit.add_argument("--snapshot", metavar="DIR", help="answer offline from a registry snapshot, at its block")
    audit.add_argument("--confirm-live", action="store_true", help="with --snapshot: re-check items not cleared live")
    audit.add_argument("--engine", choices=("local", "ray"), default="local",
                       help="local (default): this process; ray: a Ray Data pipeline (with --snapshot; the ray extra)")
    audit.add_argument("--address", metavar="ADDR",
                       help="with --engine ray: the Ray cluster (default: start a local one)")
    audit.add_argument("--block-rows", type=int, default=DEFAULT_BLOCK_ROWS, metavar="N",
                       help=f"with --engine ray: manifest rows per block (default {DEFAULT_BLOCK_ROWS:,})")
    audit.add_argument("--json", action="store_true")
    audit.set_defaults(func=cmd_audit)

    declare = sub.add_parser("declare", help="declare a dataset: Merkle root of its content hashes, on-chain")
    declare.add_argument("source", metavar="MANIFEST|PATH", help="a manifest (.csv, .jsonl, .parquet, .json) or folder")
    declare.add_argument("--use", required=True, help=f"one of: {', '.join(u.value for u in Use)}")
    declare.add_argument("--manifest-uri", help="where others can read the manifest (default: its file:// URI)")
    declare.add_argument("--name", help="file name stem for the manifest and tree (default: the source's name)")
    declare.add_argument("--out-dir", help="folder for <name>.manifest.json and <name>.tree (default: .)")
    declare.add_argument("--codes", action="store_true",
                         help="leaves commit to each file's ISCC content code too (near copies become provable)")
    declare.add_argument("--workers", type=int, default=4)
    declare.add_argument("--quiet", action="store_true")
    declare.add_argument("--json", action="store_true")
    declare.set_defaults(func=cmd_declare)

    prove = sub.add_parser("prove", help="prove a work is in a declared dataset (records a violation if it was one)")
    prove.add_argument("item", metavar="FILE|HASH")
    prove.add_argument("--dataset", type=int, required=True, metavar="ID")
    prove.add_argument("--manifest", help="the dataset's manifest, if its URI is not readable here")
    prove.add_argument("--near-copy-of", metavar="WORK", help="FILE|HASH of the registered work the item is a "
                       "near copy of (a dataset declared with --codes); recorded against the work")
    prove.add_argument("--json", action="store_true")
    prove.set_defaults(func=cmd_prove)

    removal = sub.add_parser("removal", help="holders: request removal from a dataset; declarers: acknowledge")
    removal.add_argument("action", choices=("request", "acknowledge", "status"))
    removal.add_argument("item", metavar="FILE|HASH")
    removal.add_argument("--dataset", type=int, required=True, metavar="ID")
    removal.add_argument("--note", default="", help="a message or URI kept with the request")
    removal.add_argument("--manifest", help="the dataset's manifest, if its URI is not readable here")
    removal.add_argument("--json", action="store_true")
    removal.set_defaults(func=cmd_removal)

    levy = sub.add_parser("levy", help="the AI levy fund: contribute, finalize an epoch, claim, withdraw, status")
    levy.add_argument("action", choices=("contribute", "admit", "finalize", "claim", "withdraw", "status"))
    levy.add_argument("value", nargs="?", help="contribute: AMOUNT; finalize: EPOCH; claim: FILE|HASH")
    levy.add_argument("--dataset", type=int, metavar="ID", help="claim: the dataset holding the work; admit: its id")
    levy.add_argument("--collection", type=int, metavar="ID",
                      help="claim: as a member of this verified collection (its holder is paid; members claim first)")
    levy.add_argument("--to", metavar="ADDR", help="withdraw: send the shares here (default: your account)")
    levy.add_argument("--json", action="store_true")
    levy.set_defaults(func=cmd_levy)

    index = sub.add_parser(
        "index", help="mirror the contracts' events and dataset manifests into SQLite or PostgreSQL (--index-url)"
    )
    index.add_argument("action", nargs="?", choices=("sync", "history", "follow"), default="sync")
    index.add_argument("item", nargs="?", metavar="FILE|HASH", help="history: the work")
    index.add_argument("--db", help=DB_HELP)
    index.add_argument("--index-url", default=argparse.SUPPRESS, metavar="URL", help=INDEX_URL_HELP)
    index.add_argument(
        "--confirmations", type=int, default=0, metavar="N", help="follow: index only to head - N (default 0)"
    )
    index.add_argument("--interval", type=float, default=1.0, metavar="S", help="follow: seconds between syncs")
    index.add_argument("--once", action="store_true", help="follow: one sync, one line, then exit")
    index.add_argument("--json", action="store_true")
    index.set_defaults(func=cmd_index)

    found = sub.add_parser("datasets", help="which declared datasets contain this work? (syncs the index first)")
    found.add_argument("item", metavar="FILE|HASH")
    found.add_argument("--db", help=DB_HELP)
    found.add_argument("--index-url", default=argparse.SUPPRESS, metavar="URL", help=INDEX_URL_HELP)
    found.add_argument("--max-distance", type=int, default=None, metavar="N",
                       help="near copies: Hamming distance in bits, of 64 (default: 12 for images, texts and audio)")
    found.add_argument("--exact-only", action="store_true",
                       help="the work's bytes only, not the near copies in datasets declared with --codes")
    found.add_argument("--json", action="store_true")
    found.set_defaults(func=cmd_datasets)
