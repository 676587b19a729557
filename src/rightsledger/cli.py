"""The `rightsledger` command line.

Exit status: 0 success (for `check`: every answer allowed), 1 an error (one line on
stderr saying what was wrong), 2 a usage error, 3 `check` answered and at least one use
is not allowed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from eth_account.signers.local import LocalAccount

from .chain import LOCAL_CHAIN_ID, LocalChain, dev_account
from .client import RightsLedger, Work, account_from_env, connect_web3, deploy
from .deployments import find_deployment, home_dir
from .errors import ConfigError, RightsLedgerError, ValidationError
from .hashing import resolve_file_or_hash
from .licensing import Licence, SignedOffer
from .terms import PRESETS, Rule, Terms, format_wei, parse_fee
from .text import render_table
from .version import __version__
from .vocabulary import Mode, Status, Use

EXIT_ERROR = 1
EXIT_NOT_ALLOWED = 3
DEFAULT_RPC = "http://127.0.0.1:8545"


class CliError(RightsLedgerError):
    """A problem with the command line's own input."""


# ---------------------------------------------------------------------- helpers


def _parse_time(text: str, *, what: str) -> datetime:
    value = text.strip()
    try:
        if value.isdigit():
            return datetime.fromtimestamp(int(value), tz=UTC)
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValidationError(
            f"{what} {text!r} is not a date: use ISO 8601 (2026-12-31 or 2026-12-31T18:00:00Z)"
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _use(text: str) -> Use:
    return Use.parse(text)  # type: ignore[return-value]


def terms_from_args(args: argparse.Namespace) -> Terms | None:
    """Terms from --terms FILE, or from --preset and the per-use flags; None if none were given."""
    flags_given = any((args.preset, args.allow, args.licence, args.window, args.expires, args.attribution))
    if args.terms:
        if flags_given:
            raise CliError("give either --terms FILE or preset flags (--preset, --allow, --licence, ...), not both")
        return Terms.from_file(args.terms)
    if not flags_given:
        return None
    base = PRESETS[args.preset] if args.preset else Terms()
    rules: dict[Use, Rule] = dict(base.rules)
    for text in args.allow or []:
        rules[_use(text)] = Rule(mode=Mode.ALLOW, attribution=args.attribution)
    for text in args.licence or []:
        use_text, sep, fee_text = text.partition("=")
        if not sep:
            raise CliError(f"--licence {text!r}: write USE=FEE, e.g. ai-training=0.01ether")
        rules[_use(use_text)] = Rule(mode=Mode.LICENCE, fee=parse_fee(fee_text), attribution=args.attribution)
    for text in args.window or []:
        use_text, sep, span = text.partition("=")
        start_text, slash, end_text = span.partition("/")
        if not sep or not slash:
            raise CliError(f"--window {text!r}: write USE=START/END, e.g. promotion=2026-12-01/2027-01-01")
        use = _use(use_text)
        if use not in rules or rules[use].mode is Mode.DENY:
            raise CliError(f"--window {text!r}: allow or licence {use} first (--allow {use} or --licence {use}=FEE)")
        start = _parse_time(start_text, what="window start") if start_text else None
        end = _parse_time(end_text, what="window end") if end_text else None
        rules[use] = Rule.model_validate({**rules[use].model_dump(), "start": start, "end": end})
    if args.attribution:
        rules = {u: r if r.mode is Mode.DENY else r.model_copy(update={"attribution": True}) for u, r in rules.items()}
    expires = _parse_time(args.expires, what="--expires") if args.expires else base.expires
    return Terms.from_json_dict({"rules": {u.value: r.model_dump() for u, r in rules.items()}, "expires": expires})


def _add_terms_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("terms (a JSON file, or a preset adjusted by flags; default: every use denied)")
    group.add_argument("--terms", metavar="FILE.json", help="terms file (see README, 'Terms files')")
    group.add_argument("--preset", choices=sorted(PRESETS), help="start from named terms")
    group.add_argument("--allow", action="append", metavar="USE", help="allow USE openly (repeatable)")
    group.add_argument("--licence", action="append", metavar="USE=FEE", help="allow USE with a licence for FEE")
    group.add_argument("--window", action="append", metavar="USE=START/END", help="limit USE to [START, END)")
    group.add_argument("--attribution", action="store_true", help="require attribution for allowed uses")
    group.add_argument("--expires", metavar="DATE", help="the whole record's terms expire at DATE")


def _print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, default=str))


def work_json(work: Work) -> dict[str, Any]:
    return {
        "contentHash": work.content_hash,
        "holder": work.holder,
        "registrant": work.registrant,
        "registeredAt": work.registered_at.isoformat(),
        "registrationId": work.registration_id,
        "status": work.status.value,
        "metadataURI": work.metadata_uri,
        "policyId": work.policy_id,
        "optedOut": [u.value for u in work.opted_out],
        "terms": work.terms.to_json_dict(),
    }


def describe_terms(terms: Terms) -> list[tuple[str, str]]:
    rows = [(use.value, terms.rule(use).describe()) for use in Use]
    rows.append(("expires", terms.expires.strftime("%Y-%m-%d %H:%M UTC") if terms.expires else "never"))
    return rows


# ---------------------------------------------------------------------- connection


class Context:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.home = home_dir(args.home)
        self.rpc_url: str = args.rpc_url

    def account(self, chain_id: int) -> LocalAccount | None:
        if self.args.dev_account is not None:
            if chain_id != LOCAL_CHAIN_ID:
                raise ConfigError(f"--dev-account is for the local chain (id {LOCAL_CHAIN_ID}), not chain {chain_id}")
            return dev_account(self.args.dev_account)
        from_env = account_from_env()
        if from_env is not None:
            return from_env
        return dev_account(0) if chain_id == LOCAL_CHAIN_ID else None

    def client(self) -> RightsLedger:
        w3 = connect_web3(self.rpc_url)
        client = RightsLedger.connect(self.rpc_url, account=self.account(w3.eth.chain_id), home=self.home)
        return client


# ---------------------------------------------------------------------- commands


def cmd_chain(ctx: Context) -> int:
    chain = LocalChain(home=ctx.home, port=ctx.args.port)
    if ctx.args.action == "start":
        started = chain.start()
        print(f"local chain {'started' if started else 'already running'} at {chain.url} (state in {chain.folder})")
    elif ctx.args.action == "stop":
        print("local chain stopped; its state is saved" if chain.stop() else "the local chain was not running")
    else:
        pid = chain.pid()
        if pid is None:
            print("local chain: not running (start it with `rightsledger chain start`)")
            return EXIT_ERROR
        w3 = connect_web3(chain.url)
        deployment = find_deployment(w3.eth.chain_id, ctx.home)
        print(
            f"local chain: running (pid {pid}) at {chain.url}, chain id {w3.eth.chain_id}, block {w3.eth.block_number}"
        )
        if deployment:
            for name, address in deployment.contracts.items():
                print(f"  {name:<16} {address}")
        else:
            print("  not deployed yet: run `rightsledger deploy`")
    return 0


def cmd_deploy(ctx: Context) -> int:
    w3 = connect_web3(ctx.rpc_url)
    account = ctx.account(w3.eth.chain_id)
    if account is None:
        raise ConfigError("deploying needs a key: set RIGHTSLEDGER_PRIVATE_KEY")
    deployment = deploy(w3, account, admin=ctx.args.admin, home=ctx.home)
    if ctx.args.json:
        _print_json(deployment.__dict__)
    else:
        print(f"deployed on chain {deployment.chain_id} at block {deployment.block}")
        for name, address in deployment.contracts.items():
            print(f"  {name:<16} {address}")
    return 0


def cmd_register(ctx: Context) -> int:
    args = ctx.args
    paths = [Path(p) for p in args.files]
    for path in paths:
        if not path.is_file():
            raise CliError(f"{path} is not a file")
    if args.derived_from:
        return _register_derivative(ctx, paths, terms_from_args(args))
    terms = terms_from_args(args) or Terms()
    client = ctx.client()
    if len(paths) == 1:
        reg = client.register(paths[0], terms=terms, holder=args.holder, metadata_uri=args.metadata_uri)
        registrations = [reg]
    else:
        registrations = list(
            client.register_batch(paths, terms=terms, holder=args.holder, metadata_uri=args.metadata_uri).registrations
        )
    hashes = [h for r in registrations for h in r.content_hashes]
    if args.json:
        _print_json(
            {
                "works": [{"file": str(p), "contentHash": h} for p, h in zip(paths, hashes, strict=True)],
                "policyId": registrations[0].policy_id,
                "registrations": [
                    {"id": r.registration_id, "transaction": r.transaction, "block": r.block, "gasUsed": r.gas_used}
                    for r in registrations
                ],
            }
        )
        return 0
    for path, digest in zip(paths, hashes, strict=True):
        print(f"registered {path}  {digest}")
    gas = sum(r.gas_used for r in registrations)
    print(
        f"policy {registrations[0].policy_id}; {len(registrations)} transaction(s), "
        f"{gas:,} gas ({gas // len(paths):,} per work)"
    )
    return 0


def _register_derivative(ctx: Context, paths: list[Path], terms: Terms | None) -> int:
    args = ctx.args
    if len(paths) != 1:
        raise CliError("--derived-from registers one derivative at a time: give one FILE")
    parents = [resolve_file_or_hash(p) for p in args.derived_from]
    client = ctx.client()
    done = client.licensing.register_derivative(
        paths[0], parents, terms=terms, holder=args.holder, metadata_uri=args.metadata_uri
    )
    if args.json:
        _print_json(
            {
                "works": [{"file": str(paths[0]), "contentHash": done.content_hash}],
                "policyId": done.policy_id,
                "parents": [
                    {"contentHash": p.content_hash, "revenueShareBps": p.revenue_share_bps} for p in done.parents
                ],
                "registrations": [
                    {
                        "id": done.registration.registration_id,
                        "transaction": done.registration.transaction,
                        "block": done.registration.block,
                        "gasUsed": done.registration.gas_used,
                    }
                ],
            }
        )
        return 0
    print(f"registered {paths[0]}  {done.content_hash}")
    for parent in done.parents:
        share = f", owed {parent.revenue_share_bps / 100:g}% of its licence income" if parent.revenue_share_bps else ""
        print(f"  derived from {parent.content_hash}{share}")
    print(f"policy {done.policy_id}; {done.registration.gas_used:,} gas")
    return 0


def cmd_terms(ctx: Context) -> int:
    args = ctx.args
    client = ctx.client()
    if args.action == "show":
        work = client.work(resolve_file_or_hash(args.items[0]))
        if args.json:
            _print_json(work_json(work))
            return 0
        print(f"work        {work.content_hash}")
        print(f"holder      {work.holder}")
        print(f"registrant  {work.registrant}  at {work.registered_at:%Y-%m-%d %H:%M:%S UTC}")
        print(f"status      {work.status.value}")
        if work.metadata_uri:
            print(f"metadata    {work.metadata_uri}")
        print(f"opted out   {', '.join(u.value for u in work.opted_out) or 'nothing'}")
        print(f"terms       policy {work.policy_id}")
        for use, text in describe_terms(work.terms):
            print(f"  {use:<24} {text}")
        return 0
    terms = terms_from_args(args)
    if terms is None:
        raise CliError("terms set needs new terms: --terms FILE or preset flags (--preset, --allow, --licence, ...)")
    hashes = [resolve_file_or_hash(i) for i in args.items]
    policy_id = client.set_terms(hashes[0], terms) if len(hashes) == 1 else client.set_terms_batch(hashes, terms)
    if args.json:
        _print_json({"policyId": policy_id, "works": hashes})
    else:
        print(f"terms of {len(hashes)} work(s) set to policy {policy_id}")
    return 0


def cmd_check(ctx: Context) -> int:
    args = ctx.args
    use = _use(args.use)
    hashes = [resolve_file_or_hash(i) for i in args.items]
    if args.at and args.as_of:
        raise CliError("give --at (today's terms at that time) or --as-of (the terms in force then), not both")
    at = _parse_time(args.at, what="--at") if args.at else None
    client = ctx.client()
    if args.as_of:
        as_of = _parse_time(args.as_of, what="--as-of")
        results = [client.check_at(h, use, as_of, licensee=args.licensee) for h in hashes]
    else:
        results = client.check_many(hashes, use, licensee=args.licensee, at=at)
    if args.json:
        _print_json(
            [
                {
                    "item": item,
                    "contentHash": r.content_hash,
                    "use": r.use.value,
                    "allowed": r.allowed,
                    "reason": r.reason.value,
                }
                for item, r in zip(args.items, results, strict=True)
            ]
        )
    else:
        rows = [
            (item, "yes" if r.allowed else "no", r.reason.value) for item, r in zip(args.items, results, strict=True)
        ]
        print(render_table(rows, ("work", f"{use.value}?", "reason")))
    return 0 if all(r.allowed for r in results) else EXIT_NOT_ALLOWED


def cmd_optout(ctx: Context) -> int:
    args = ctx.args
    uses = [_use(u) for u in args.use] if args.use else [Use.AI_TRAINING, Use.AI_GENERATIVE_TRAINING]
    client = ctx.client()
    digest = resolve_file_or_hash(args.item)
    now = (
        client.opt_out(digest, uses)
        if not args.undo
        else client.set_opt_out(digest, set(client.work(digest).opted_out) - set(uses))
    )
    print(f"{digest}: opted out of {', '.join(u.value for u in now) or 'nothing'}")
    return 0


def cmd_mark(ctx: Context) -> int:
    args = ctx.args
    client = ctx.client()
    digest = resolve_file_or_hash(args.item)
    client.mark(digest, Status.parse(args.status), args.evidence)  # type: ignore[arg-type]
    print(f"{digest}: marked {args.status}")
    return 0


def cmd_transfer(ctx: Context) -> int:
    client = ctx.client()
    digest = resolve_file_or_hash(ctx.args.item)
    client.transfer(digest, ctx.args.to)
    print(f"{digest}: now held by {ctx.args.to}")
    return 0


# ---------------------------------------------------------------------- datasets


def cmd_audit(ctx: Context) -> int:
    from .audit import run_audit

    args = ctx.args
    if args.buy and args.max_spend is None:
        raise CliError("--buy needs a spending cap: --max-spend AMOUNT (e.g. 0.5ether)")
    client = ctx.client()
    result = run_audit(
        client,
        args.source,
        _use(args.use),
        licensee=args.licensee,
        out=args.out,
        unregistered_cleared=args.include_unregistered_as_cleared,
        workers=args.workers,
        progress=not args.quiet,
        keep_rows=args.buy,
    )
    summary = result.summary
    purchase = None
    if args.buy:
        from .audit import buy_licences

        cap = parse_fee(args.max_spend)
        purchase = buy_licences(client, result, _use(args.use), cap=cap, licensee=args.licensee)
    if args.json:
        bought = None
        if purchase is not None:
            bought = {
                "bought": [{"hash": h, "licenceId": i, "price": p} for h, i, p in purchase.bought],
                "leftForTheCap": [{"hash": h, "fee": f} for h, f in purchase.skipped],
                "spent": purchase.spent,
            }
        _print_json({"report": str(result.report), "receipt": result.receipt, "summary": summary, "purchase": bought})
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


def cmd_declare(ctx: Context) -> int:
    from .bulk import Progress, collect, hash_items
    from .datasets import write_manifest
    from .merkle import MerkleTree

    args = ctx.args
    use = _use(args.use)
    source = Path(args.source)
    items = collect(source)
    bar = None if args.quiet else Progress("hashing", len(items))
    hash_items(items, workers=args.workers, progress=bar)
    if bar:
        bar.finish()
    distinct = list(dict.fromkeys(str(i.content_hash) for i in items))
    tree = MerkleTree.of(distinct)
    name = args.name or source.stem.removesuffix(".manifest")
    folder = Path(args.out_dir) if args.out_dir else Path.cwd()
    manifest, tree_file = write_manifest(items, tree, use, folder, name)
    uri = args.manifest_uri or manifest.resolve().as_uri()
    client = ctx.client()
    declaration = client.datasets.declare(tree, use, uri)
    if args.json:
        _print_json({**declaration.__dict__, "manifest": str(manifest), "tree": str(tree_file)})
    else:
        print(f"dataset {declaration.dataset_id} declared: {len(tree):,} works for {use.value}")
        print(f"  root      {tree.root}")
        print(f"  manifest  {manifest}  (URI {uri})")
        print(f"  tree      {tree_file}")
        print(f"  block {declaration.block}, {declaration.gas_used:,} gas")
    return 0


def cmd_prove(ctx: Context) -> int:
    args = ctx.args
    client = ctx.client()
    digest = resolve_file_or_hash(args.item)
    datasets = client.datasets
    tree = datasets.tree(args.dataset, args.manifest)
    result = datasets.prove(args.dataset, digest, tree=tree)
    if args.json:
        _print_json({**result.__dict__, "reason": result.reason.value})
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
            datasets.prove(args.dataset, digest, tree=datasets.tree(args.dataset, args.manifest))
        datasets.request_removal(args.dataset, digest, args.note)
    elif args.action == "acknowledge":
        datasets.acknowledge_removal(args.dataset, digest, args.note)
    status = datasets.item_status(args.dataset, digest)
    if args.json:
        _print_json({"dataset": args.dataset, "contentHash": digest, "status": status.describe()})
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
    elif args.action == "claim":
        if not args.value or args.dataset is None:
            raise CliError("levy claim needs a work and a dataset: rightsledger levy claim FILE --dataset ID")
        amount = datasets.claim(args.dataset, resolve_file_or_hash(args.value))
        print(f"credited {format_wei(amount)} to the work's holder; withdraw with `rightsledger levy withdraw`")
    elif args.action == "withdraw":
        print(f"withdrew {format_wei(datasets.withdraw_levy())}")
    else:
        accounts = datasets.levy_accounts()
        epoch = datasets.current_epoch()
        if args.json:
            _print_json({"currentEpoch": epoch, **accounts})
        else:
            print(f"current epoch {epoch}")
            for key, value in accounts.items():
                print(f"  {key:<12} {format_wei(value)}")
    return 0


def _index_path(ctx: Context, client: RightsLedger) -> Path:
    return Path(ctx.args.db) if ctx.args.db else ctx.home / f"index-{client.chain_id}.sqlite"


def cmd_index(ctx: Context) -> int:
    from .indexer import open_index

    client = ctx.client()
    with open_index(client, _index_path(ctx, client)) as index:
        result = index.sync()
        counts = index.counts()
        if ctx.args.action == "history":
            if not ctx.args.item:
                raise CliError("index history needs a work: rightsledger index history FILE|HASH")
            rows = index.history(resolve_file_or_hash(ctx.args.item))
            if ctx.args.json:
                _print_json(rows)
            else:
                table = [(str(r["block"]), r["contract"], r["event"], json.dumps(r["args"])[:80]) for r in rows]
                print(render_table(table, ("block", "contract", "event", "details")))
            return 0
    if ctx.args.json:
        _print_json({**counts, "rolledBackTo": result.rolled_back_to, "newEvents": result.events})
    else:
        if result.rolled_back_to is not None:
            print(f"the chain reorganised: rolled back to block {result.rolled_back_to}")
        print(
            f"indexed to block {counts['cursor']}: {counts['events']:,} events, {counts['datasets']:,} datasets, "
            f"{counts['datasetItems']:,} dataset items ({result.events:,} new events)"
        )
    return 0


def cmd_datasets(ctx: Context) -> int:
    from .indexer import open_index

    client = ctx.client()
    digest = resolve_file_or_hash(ctx.args.item)
    with open_index(client, _index_path(ctx, client)) as index:
        index.sync()
        hits = index.datasets_containing(digest)
    if ctx.args.json:
        _print_json([hit.__dict__ for hit in hits])
        return 0
    if not hits:
        print(f"{digest} is in no declared dataset this index can read")
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
    print(f"{digest} appears in {len(hits)} declared dataset(s):")
    print(render_table(rows, ("dataset", "use", "declarer", "found by", "violation", "removal")))
    return 0


def cmd_collection(ctx: Context) -> int:
    from .bulk import collect, hash_items

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
            _print_json({**reg.__dict__, "tree_file": str(reg.tree_file)})
        else:
            print(f"collection {reg.collection_id}: {reg.count:,} works under root {reg.root}, policy {reg.policy_id}")
            print(f"  {reg.gas_used:,} gas ({reg.gas_used / reg.count:,.1f} per work); tree kept in {reg.tree_file}")
        return 0
    if args.collection is None or not args.use:
        raise CliError("collection check needs --collection ID and --use USE")
    hashes = [resolve_file_or_hash(i) for i in args.source_or_items]
    results = archive.check_many(args.collection, hashes, _use(args.use), licensee=args.licensee)
    rows = [
        (item, "yes" if r.allowed else "no", r.reason.value)
        for item, r in zip(args.source_or_items, results, strict=True)
    ]
    if args.json:
        _print_json([{"item": i, "allowed": a == "yes", "reason": r} for i, a, r in rows])
    else:
        print(render_table(rows, ("work", f"{args.use}?", "reason")))
    return 0 if all(r.allowed for r in results) else EXIT_NOT_ALLOWED


def licence_json(licence: Licence) -> dict[str, Any]:
    return {
        "licenceId": licence.licence_id,
        "contentHash": licence.content_hash,
        "use": licence.use.value,
        "licensee": licence.licensee,
        "source": licence.source.value,
        "validFrom": licence.valid_from.isoformat(),
        "validUntil": licence.valid_until.isoformat() if licence.valid_until else None,
        "payer": licence.payer,
        "price": str(licence.price),
        "transaction": licence.transaction,
    }


def _describe_licence(licence: Licence) -> str:
    until = f"until {licence.valid_until:%Y-%m-%d %H:%M UTC}" if licence.valid_until else "with no end"
    paid = f"; paid {format_wei(licence.price)}" if licence.price else ""
    return (
        f"licence #{licence.licence_id} ({licence.source.value}): {licence.use.value} of {licence.content_hash} "
        f"for {licence.licensee}, {until}{paid}"
    )


def _print_licence(ctx: Context, licence: Licence) -> None:
    if ctx.args.json:
        _print_json(licence_json(licence))
    else:
        print(_describe_licence(licence))


def cmd_licence(ctx: Context) -> int:
    args = ctx.args
    action = args.action
    if action == "offer":
        return _licence_offer(ctx)
    if action in ("redeem", "cancel"):
        signed = SignedOffer.load(args.offer)
        client = ctx.client()
        if action == "cancel":
            client.licensing.cancel(signed)
            print(f"offer {signed.offer_hash} cancelled: it can no longer be redeemed")
            return 0
        _print_licence(ctx, client.licensing.redeem(signed, licensee=args.licensee))
        return 0
    client = ctx.client()
    if action == "list":
        item = resolve_file_or_hash(args.work) if args.work else None
        licences = client.licensing.licences(licensee=args.licensee, item=item)
        if args.json:
            _print_json([licence_json(lic) for lic in licences])
            return 0
        rows = [
            (
                str(lic.licence_id),
                lic.content_hash[:10] + "…",
                lic.use.value,
                lic.licensee,
                lic.source.value,
                f"{lic.valid_until:%Y-%m-%d %H:%M}" if lic.valid_until else "forever",
                format_wei(lic.price),
            )
            for lic in licences
        ]
        print(render_table(rows, ("id", "work", "use", "licensee", "source", "until (UTC)", "price")))
        return 0
    digest = resolve_file_or_hash(args.item)
    use = _use(args.use)
    if action == "buy":
        _print_licence(ctx, client.licensing.buy(digest, use, licensee=args.licensee))
    else:
        until = _parse_time(args.until, what="--until") if args.until else None
        _print_licence(ctx, client.licensing.grant(digest, use, args.to, until=until))
    return 0


def _licence_offer(ctx: Context) -> int:
    args = ctx.args
    out = Path(args.out)
    if out.exists() and not args.force:
        raise CliError(f"{out} exists already; choose another --out or pass --force to replace it")
    digest = resolve_file_or_hash(args.item)
    client = ctx.client()
    signed = client.licensing.offer(
        digest,
        _use(args.use),
        price=args.price,
        valid_until=_parse_time(args.until, what="--until"),
        expires_at=_parse_time(args.expires, what="--expires") if args.expires else None,
        licensee=args.licensee,
        max_redemptions=args.max_redemptions,
    )
    signed.save(out)
    if args.json:
        _print_json({"file": str(out), "offerHash": signed.offer_hash, **signed.to_json_dict()})
    else:
        print(f"signed offer written to {out} (no transaction was sent)")
        print(f"  {signed.offer.describe()}")
        print(f"  redeem with: rightsledger licence redeem {out}")
    return 0


def cmd_earnings(ctx: Context) -> int:
    client = ctx.client()
    earnings = client.licensing.earnings(ctx.args.account)
    if ctx.args.json:
        _print_json(
            {"account": earnings.account, "withdrawable": str(earnings.withdrawable), "earned": str(earnings.earned)}
        )
    else:
        print(
            f"{earnings.account}: {format_wei(earnings.withdrawable)} to withdraw; earned {format_wei(earnings.earned)}"
        )
    return 0


def cmd_withdraw(ctx: Context) -> int:
    client = ctx.client()
    amount = client.licensing.withdraw(ctx.args.to)
    print(f"withdrew {format_wei(amount)} ({amount} wei) to {ctx.args.to or client.address}")
    return 0


def cmd_royalty(ctx: Context) -> int:
    args = ctx.args
    client = ctx.client()
    digest = resolve_file_or_hash(args.item)
    if args.action == "set":
        if args.receiver is None or args.bps is None:
            raise CliError("royalty set needs --receiver ADDRESS and --bps N (basis points, 100 = 1%)")
        client.licensing.set_royalty(digest, args.receiver, args.bps)
    price = parse_fee(args.price)
    receiver, amount = client.licensing.royalty(digest, price)
    print(f"{digest}: royalty on a sale of {format_wei(price)} is {format_wei(amount)} to {receiver}")
    return 0


def cmd_serve(ctx: Context) -> int:
    args = ctx.args
    try:
        from .gateway import GatewaySettings, serve
    except ImportError as exc:
        raise ConfigError(
            f"the gateway needs its extra ({exc.name} is missing): pip install 'rightsledger[gateway]'"
        ) from None
    rpc_url = ctx.rpc_url
    if args.local_chain:
        from .demo import connect_local

        rpc_url = connect_local(ctx.home, args.chain_port).w3.provider.endpoint_uri  # type: ignore[attr-defined]
    overrides = {"rpc_url": rpc_url, "home": str(ctx.home), "host": args.host, "port": args.port}
    if args.dev_keys:
        overrides["dev_keys"] = True
    settings = GatewaySettings(**overrides)
    print(f"rightsledger gateway on http://{settings.host}:{settings.port}/  (API docs: /docs; node {rpc_url})")
    serve(settings)
    return 0


def cmd_demo(ctx: Context) -> int:
    from .demo import run_demo

    return run_demo(home=ctx.home, port=ctx.args.port)


# ---------------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rightsledger",
        description="A usage-rights and provenance registry for cultural and creative works.",
        epilog="Signing: $RIGHTSLEDGER_PRIVATE_KEY, or --dev-account N on the local chain (default 0 there).",
    )
    parser.add_argument("--version", action="version", version=f"rightsledger {__version__}")
    parser.add_argument("--rpc-url", default=os.environ.get("RIGHTSLEDGER_RPC_URL", DEFAULT_RPC), help="node URL")
    parser.add_argument("--home", default=None, help="state folder (default $RIGHTSLEDGER_HOME or ./.rightsledger)")
    parser.add_argument("--dev-account", type=int, default=None, metavar="N", help="sign as local dev account N")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    chain = sub.add_parser("chain", help="start, stop or inspect the local chain (anvil)")
    chain.add_argument("action", choices=("start", "stop", "status"))
    chain.add_argument("--port", type=int, default=8545)
    chain.set_defaults(func=cmd_chain)

    dep = sub.add_parser("deploy", help="deploy the contracts and record them for this chain id")
    dep.add_argument("--admin", help="admin and first registrar (default: the deploying account)")
    dep.add_argument("--json", action="store_true")
    dep.set_defaults(func=cmd_deploy)

    reg = sub.add_parser("register", help="register works (several files: one batch)")
    reg.add_argument("files", nargs="+", metavar="FILE")
    reg.add_argument("--holder", help="holder of the works (default: the signing account)")
    reg.add_argument("--metadata-uri", default="", help="metadata URI (for a collection, ending in / appends the hash)")
    reg.add_argument(
        "--derived-from",
        action="extend",
        nargs="+",
        metavar="FILE|HASH",
        help="register FILE as a derivative of these registered works (their derivative rules must allow it)",
    )
    reg.add_argument("--json", action="store_true")
    _add_terms_flags(reg)
    reg.set_defaults(func=cmd_register)

    terms = sub.add_parser("terms", help="show or set a work's terms")
    terms.add_argument("action", choices=("show", "set"))
    terms.add_argument("items", nargs="+", metavar="FILE|HASH")
    terms.add_argument("--json", action="store_true")
    _add_terms_flags(terms)
    terms.set_defaults(func=cmd_terms)

    check = sub.add_parser("check", help="may USE be made of these works? (exit 3 if any is not allowed)")
    check.add_argument("items", nargs="+", metavar="FILE|HASH")
    check.add_argument("--use", required=True, help=f"one of: {', '.join(u.value for u in Use)}")
    check.add_argument("--licensee", help="the address that would use the works (for licences)")
    check.add_argument("--at", help="answer for this time instead of now, under today's terms (ISO 8601)")
    check.add_argument("--as-of", help="answer as the registry would have at this past time, under the terms then")
    check.add_argument("--json", action="store_true")
    check.set_defaults(func=cmd_check)

    opt = sub.add_parser("optout", help="opt a work out of uses (default: AI training)")
    opt.add_argument("item", metavar="FILE|HASH")
    opt.add_argument("--use", action="append", help="use to opt out (repeatable)")
    opt.add_argument("--undo", action="store_true", help="opt back in instead")
    opt.set_defaults(func=cmd_optout)

    mark = sub.add_parser("mark", help="registrars: mark a registration verified, disputed or unverified")
    mark.add_argument("item", metavar="FILE|HASH")
    mark.add_argument("--status", required=True, choices=[s.value for s in Status])
    mark.add_argument("--evidence", default="", help="URI of the evidence")
    mark.set_defaults(func=cmd_mark)

    transfer = sub.add_parser("transfer", help="transfer holdership of a work")
    transfer.add_argument("item", metavar="FILE|HASH")
    transfer.add_argument("--to", required=True)
    transfer.set_defaults(func=cmd_transfer)

    audit = sub.add_parser("audit", help="audit a dataset (folder or manifest) against the registry; write a report")
    audit.add_argument(
        "source", metavar="PATH|MANIFEST", help="a folder, or a manifest (.csv, .jsonl, .parquet, .json)"
    )
    audit.add_argument("--use", required=True, help=f"one of: {', '.join(u.value for u in Use)}")
    audit.add_argument("--licensee", help="the address that would use the works (licences count)")
    audit.add_argument("--out", help="report file, .jsonl or .csv (default ./audit-<name>.jsonl)")
    audit.add_argument(
        "--include-unregistered-as-cleared", action="store_true", help="count unregistered works as cleared"
    )
    audit.add_argument("--buy", action="store_true", help="buy the licences the report lists, cheapest first")
    audit.add_argument("--max-spend", metavar="AMOUNT", help="with --buy: spend at most this (e.g. 0.5ether)")
    audit.add_argument("--workers", type=int, default=4, help="hashing threads and parallel calls (default 4)")
    audit.add_argument("--quiet", action="store_true", help="no progress bar")
    audit.add_argument("--json", action="store_true")
    audit.set_defaults(func=cmd_audit)

    declare = sub.add_parser("declare", help="declare a dataset: Merkle root of its content hashes, on-chain")
    declare.add_argument("source", metavar="MANIFEST|PATH", help="a manifest (.csv, .jsonl, .parquet, .json) or folder")
    declare.add_argument("--use", required=True, help=f"one of: {', '.join(u.value for u in Use)}")
    declare.add_argument("--manifest-uri", help="where others can read the manifest (default: its file:// URI)")
    declare.add_argument("--name", help="file name stem for the manifest and tree (default: the source's name)")
    declare.add_argument("--out-dir", help="folder for <name>.manifest.json and <name>.tree.json (default: .)")
    declare.add_argument("--workers", type=int, default=4)
    declare.add_argument("--quiet", action="store_true")
    declare.add_argument("--json", action="store_true")
    declare.set_defaults(func=cmd_declare)

    prove = sub.add_parser("prove", help="prove a work is in a declared dataset (records a violation if it was one)")
    prove.add_argument("item", metavar="FILE|HASH")
    prove.add_argument("--dataset", type=int, required=True, metavar="ID")
    prove.add_argument("--manifest", help="the dataset's manifest, if its URI is not readable here")
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
    levy.add_argument("action", choices=("contribute", "finalize", "claim", "withdraw", "status"))
    levy.add_argument("value", nargs="?", help="contribute: AMOUNT; finalize: EPOCH; claim: FILE|HASH")
    levy.add_argument("--dataset", type=int, metavar="ID", help="claim: the dataset holding the work")
    levy.add_argument("--json", action="store_true")
    levy.set_defaults(func=cmd_levy)

    index = sub.add_parser("index", help="mirror the contracts' events and dataset manifests into SQLite")
    index.add_argument("action", nargs="?", choices=("sync", "history"), default="sync")
    index.add_argument("item", nargs="?", metavar="FILE|HASH", help="history: the work")
    index.add_argument("--db", help="the SQLite file (default <home>/index-<chainId>.sqlite)")
    index.add_argument("--json", action="store_true")
    index.set_defaults(func=cmd_index)

    found = sub.add_parser("datasets", help="which declared datasets contain this work? (syncs the index first)")
    found.add_argument("item", metavar="FILE|HASH")
    found.add_argument("--db", help="the SQLite file (default <home>/index-<chainId>.sqlite)")
    found.add_argument("--json", action="store_true")
    found.set_defaults(func=cmd_datasets)

    coll = sub.add_parser("collection", help="register a collection by Merkle root (one transaction); check members")
    coll.add_argument("action", choices=("register", "check"))
    coll.add_argument("source_or_items", nargs="+", metavar="PATH|FILE|HASH",
                      help="register: a folder or manifest; check: the works")  # fmt: skip
    coll.add_argument("--collection", type=int, metavar="ID", help="check: the collection")
    coll.add_argument("--use", help="check: the use")
    coll.add_argument("--licensee", help="check: the address that would use the works")
    coll.add_argument("--holder", help="register: holder of the collection (default: the signing account)")
    coll.add_argument("--metadata-uri", default="", help="register: the collection's metadata URI")
    coll.add_argument("--json", action="store_true")
    _add_terms_flags(coll)
    coll.set_defaults(func=cmd_collection)
    lic = sub.add_parser("licence", help="buy, grant, offer, redeem, cancel or list licences")
    lic_sub = lic.add_subparsers(dest="action", required=True, metavar="ACTION")
    buy = lic_sub.add_parser("buy", help="buy a licence for the fee the terms ask (paid in ether)")
    buy.add_argument("item", metavar="FILE|HASH")
    buy.add_argument("--use", required=True, help="the use to license")
    buy.add_argument("--licensee", help="licence holder (default: the signing account)")
    grant = lic_sub.add_parser("grant", help="holders: grant a licence free of charge (a deal made elsewhere)")
    grant.add_argument("item", metavar="FILE|HASH")
    grant.add_argument("--use", required=True)
    grant.add_argument("--to", required=True, metavar="ADDRESS", help="the licensee")
    grant.add_argument("--until", metavar="DATE", help="the licence ends at DATE (default: never)")
    offer = lic_sub.add_parser("offer", help="holders: sign an offer into a JSON file to send (no gas)")
    offer.add_argument("item", metavar="FILE|HASH")
    offer.add_argument("--use", required=True)
    offer.add_argument("--price", required=True, metavar="FEE", help="what the redeemer pays, e.g. 0.05ether or 0")
    offer.add_argument("--until", required=True, metavar="DATE", help="the licence ends at DATE")
    offer.add_argument("--expires", metavar="DATE", help="the offer can be redeemed until DATE (default: 30 days)")
    offer.add_argument("--licensee", metavar="ADDRESS", help="only this licensee (default: anyone)")
    offer.add_argument("--max-redemptions", type=int, default=1, metavar="N", help="redeemable N times (default 1)")
    offer.add_argument("--out", required=True, metavar="OFFER.json", help="where to write the signed offer")
    offer.add_argument("--force", action="store_true", help="replace --out if it exists")
    redeem = lic_sub.add_parser("redeem", help="redeem a signed offer, paying its price")
    redeem.add_argument("offer", metavar="OFFER.json")
    redeem.add_argument("--licensee", help="licence holder if the offer is open to anyone (default: the signer)")
    cancel = lic_sub.add_parser("cancel", help="holders: cancel an offer so it can never be redeemed")
    cancel.add_argument("offer", metavar="OFFER.json")
    listing = lic_sub.add_parser("list", help="licences issued, by licensee or by work")
    listing.add_argument("--licensee", metavar="ADDRESS")
    listing.add_argument("--work", metavar="FILE|HASH")
    for each in (buy, grant, offer, redeem, listing):
        each.add_argument("--json", action="store_true")
    lic.set_defaults(func=cmd_licence)

    earn = sub.add_parser("earnings", help="what an account earned from licences and may withdraw")
    earn.add_argument("account", nargs="?", help="default: the signing account")
    earn.add_argument("--json", action="store_true")
    earn.set_defaults(func=cmd_earnings)

    draw = sub.add_parser("withdraw", help="withdraw the signing account's earnings")
    draw.add_argument("--to", metavar="ADDRESS", help="send them here (default: the signing account)")
    draw.set_defaults(func=cmd_withdraw)

    roy = sub.add_parser("royalty", help="show or set a work's EIP-2981 royalty")
    roy.add_argument("action", choices=("show", "set"))
    roy.add_argument("item", metavar="FILE|HASH")
    roy.add_argument("--receiver", metavar="ADDRESS")
    roy.add_argument("--bps", type=int, metavar="N", help="basis points of the sale price (100 = 1%%)")
    roy.add_argument("--price", default="1ether", metavar="FEE", help="sale price to show the royalty of")
    roy.set_defaults(func=cmd_royalty)
    from .cli_provenance import add_parsers as add_provenance_parsers

    add_provenance_parsers(sub)
    serve = sub.add_parser("serve", help="run the HTTP gateway and the creators' web page (needs the gateway extra)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--dev-keys",
        action="store_true",
        help="local demo only (chain 31337): let the page sign with the chain's public development keys",
    )
    serve.add_argument(
        "--local-chain", action="store_true", help="start the local chain and deploy first, if not done already"
    )
    serve.add_argument("--chain-port", type=int, default=8545, help="port of the local chain (with --local-chain)")
    serve.set_defaults(func=cmd_serve)

    demo = sub.add_parser("demo", help="start the local chain, deploy, register sample works, print the answers")
    demo.add_argument("--port", type=int, default=8545)
    demo.set_defaults(func=cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(Context(args)))
    except RightsLedgerError as exc:
        print(f"rightsledger: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("rightsledger: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
