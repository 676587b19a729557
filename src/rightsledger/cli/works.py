"""Commands on single works: `register` (also derivatives), `terms show|set`, `check`, `optout`,
`mark`, `transfer`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import SimilarWorkError, ValidationError
from ..files import regular_file
from ..hashing import resolve_file_or_hash
from ..identity import identify_file
from ..identity.chance import possible
from ..records import CheckResult
from ..sdk.client import RightsLedger
from ..sdk.near_copies import describe_matches
from ..terms import Terms
from ..text import render_table
from ..vocabulary import ContentHash, Reason, Status, Use
from ..workflows.identity_index import CodesIndex, WorkMatch, check_member_match
from .context import EXIT_NOT_ALLOWED, CliError, Context
from .identity import nearest_or_skipped, not_matched, synced_index
from .options import add_terms_flags, address_arg, parse_time, parse_use, terms_from_args
from .render import describe_terms, print_json, work_json


def cmd_register(ctx: Context) -> int:
    args = ctx.args
    paths = [Path(p) for p in args.files]
    for path in paths:
        regular_file(path, what="file")
    if args.derived_from:
        return _register_derivative(ctx, paths, terms_from_args(args))
    terms = terms_from_args(args) or Terms()
    client = ctx.client()
    index = _near_copies_from_index(client, args.allow_similar)
    try:
        if len(paths) == 1:
            reg = client.register(paths[0], terms=terms, holder=args.holder, metadata_uri=args.metadata_uri,
                                  allow_similar=args.allow_similar)
            registrations = [reg]
        else:
            batch = client.register_batch(paths, terms=terms, holder=args.holder, metadata_uri=args.metadata_uri,
                                          allow_similar=args.allow_similar)
            registrations = list(batch.registrations)
    except SimilarWorkError as exc:
        raise _as_cli_refusal(exc) from None
    finally:
        _done_with_index(client, index)
    hashes = [h for r in registrations for h in r.content_hashes]
    codes = [c for r in registrations for c in r.codes]
    why = {k: _why_no_code(paths[k]) for k, c in enumerate(codes) if c is None}  # few: featureless, unknown media
    works = [{"file": str(p), "contentHash": h, "iscc": c, **({"noCodeReason": why[k]} if k in why else {})}
             for k, (p, h, c) in enumerate(zip(paths, hashes, codes, strict=True))]
    if args.json:
        print_json(
            {
                "works": works,
                "policyId": registrations[0].policy_id,
                "registrations": [
                    {"id": r.registration_id, "transaction": r.transaction, "block": r.block, "gasUsed": r.gas_used}
                    for r in registrations
                ],
            }
        )
        return 0
    for work in works:
        code = f"content code {work['iscc']}" if work["iscc"] else f"no content code: {work['noCodeReason']}"
        print(f"registered {work['file']}  {work['contentHash']}  ({code})")
    gas = sum(r.gas_used for r in registrations)
    print(
        f"policy {registrations[0].policy_id}; {len(registrations)} transaction(s), "
        f"{gas:,} gas ({gas // len(paths):,} per work)"
    )
    return 0


def _why_no_code(path: Path) -> str:
    """Why a registered file got no content code: never matched by content (featureless, too short...)."""
    try:
        identity = identify_file(path)
    except ValidationError as exc:
        return str(exc)
    return identity.skipped_reason or "not an image, text or audio file: registered by its bytes only"


def _near_copies_from_index(client: RightsLedger, allow_similar: bool) -> CodesIndex | None:
    """Near copies of other holders' works are refused by the SDK, looked up in the codes index
    (members of coded collections included) rather than in the chain's codes read into memory."""
    index = None if allow_similar else CodesIndex(client)
    client.works.near_copies = index
    return index


def _done_with_index(client: RightsLedger, index: CodesIndex | None) -> None:
    client.works.near_copies = None
    if index is not None:
        index.close()


def _as_cli_refusal(exc: SimilarWorkError) -> SimilarWorkError:
    return SimilarWorkError(f"refusing to register near copies of other holders' works: "
                            f"{describe_matches(exc.matches)}; register anyway with --allow-similar if this "
                            "is your own work", exc.matches)


def _register_derivative(ctx: Context, paths: list[Path], terms: Terms | None) -> int:
    args = ctx.args
    if len(paths) != 1:
        raise CliError("--derived-from registers one derivative at a time: give one FILE")
    parents = [resolve_file_or_hash(p) for p in args.derived_from]
    client = ctx.client()
    # The SDK refuses near copies of others' works; a derivative may well be near its parents
    # (their derivative rules decide that).
    index = _near_copies_from_index(client, args.allow_similar)
    try:
        done = client.licensing.register_derivative(
            paths[0], parents, terms=terms, holder=args.holder, metadata_uri=args.metadata_uri,
            allow_similar=args.allow_similar,
        )
    except SimilarWorkError as exc:
        raise _as_cli_refusal(exc) from None
    finally:
        _done_with_index(client, index)
    if args.json:
        print_json(
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
            print_json(work_json(work))
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
        print_json({"policyId": policy_id, "works": hashes})
    else:
        print(f"terms of {len(hashes)} work(s) set to policy {policy_id}")
    return 0


def cmd_check(ctx: Context) -> int:
    args = ctx.args
    use = parse_use(args.use)
    hashes = [resolve_file_or_hash(i) for i in args.items]
    if args.at and args.as_of:
        raise CliError("give --at (today's terms at that time) or --as-of (the terms in force then), not both")
    at = parse_time(args.at, what="--at") if args.at else None
    client = ctx.client()

    # one block for every answer; near copies only of works registered by it (or by --as-of)
    pinned = client.block_number

    def answer(digests: list[ContentHash]) -> list[CheckResult]:
        if args.as_of:
            as_of = parse_time(args.as_of, what="--as-of")
            return [client.check_at(h, use, as_of, licensee=args.licensee) for h in digests]
        return client.check_many(digests, use, licensee=args.licensee, at=at, block=pinned)

    results = answer(hashes)
    reasons = [r.reason.value for r in results]
    allowed = [r.allowed for r in results]
    nearest: dict[int, dict[str, object]] = {}
    # A member (by its exact hash) of a coded collection is answered by the collection's check: the
    # registry's precedence, so a squatter's later registration of an archive's work does not decide.
    with synced_index(client) as index:
        member_of = index.member_collections(hashes) if index.member_count() else {}
    for k, digest in enumerate(hashes):
        collection = member_of.get(digest.lower())
        if collection is None:
            continue
        member = WorkMatch(digest.lower(), "", 0, "", collection_id=collection)
        theirs = check_member_match(client, member, use, licensee=args.licensee, at=at)
        reasons[k] = f"{theirs.reason.value} (member of collection {collection})"
        allowed[k] = theirs.allowed
        nearest[k] = {"collection": collection}
    unregistered = [
        k for k, r in enumerate(results)
        if r.reason is Reason.UNREGISTERED and Path(args.items[k]).is_file() and k not in nearest
    ]
    notes: dict[int, str] = {}  # why a file has no content code: it was not matched by content
    if unregistered and not args.exact_only:
        if args.as_of:
            pinned = client.ctx.last_block_by(parse_time(args.as_of, what="--as-of"))
        with synced_index(client) as index:
            for k in unregistered:
                near, skipped = nearest_or_skipped(index, Path(args.items[k]), until_block=pinned, members=True)
                if skipped is not None:
                    notes[k] = skipped
                if near is None:
                    continue
                if not near.decisive:  # as likely chance as a copy at this registry's size: not answered
                    reasons[k] = f"{reasons[k]} ({possible(near.content_hash, near.distance, near.chance)})"
                    nearest[k] = {"possibleNearCopyOf": near.content_hash, "distance": near.distance,
                                  "chance": float(f"{near.chance:.2g}")}
                    continue
                if near.collection_id is None:
                    (theirs,) = answer([ContentHash(near.content_hash)])
                    of = near.content_hash
                else:
                    # A collection's terms have no history: --as-of answers with its current terms.
                    theirs = check_member_match(client, near, use, licensee=args.licensee, at=at)
                    of = f"{near.content_hash} in collection {near.collection_id}"
                reasons[k] = f"{theirs.reason.value} (near copy of {of}, distance {near.distance})"
                allowed[k] = theirs.allowed
                nearest[k] = {"nearCopyOf": near.content_hash, "distance": near.distance}
                if near.collection_id is not None:
                    nearest[k]["collection"] = near.collection_id
    if args.json:
        print_json(
            [
                {
                    "item": item,
                    "contentHash": r.content_hash,
                    "use": r.use.value,
                    "allowed": ok,
                    "reason": reason,
                    **nearest.get(k, {}),
                    **({"skippedReason": notes[k]} if k in notes else {}),
                }
                for k, (item, r, ok, reason) in enumerate(zip(args.items, results, allowed, reasons, strict=True))
            ]
        )
    else:
        rows = [
            (item, "yes" if ok else "no", not_matched(reason, notes[k]) if k in notes else reason)
            for k, (item, ok, reason) in enumerate(zip(args.items, allowed, reasons, strict=True))
        ]
        print(render_table(rows, ("work", f"{use.value}?", "reason")))
    return 0 if all(allowed) else EXIT_NOT_ALLOWED


def cmd_optout(ctx: Context) -> int:
    args = ctx.args
    uses = [parse_use(u) for u in args.use] if args.use else [Use.AI_TRAINING, Use.AI_GENERATIVE_TRAINING]
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


def add_parsers(sub: Any) -> None:
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
    reg.add_argument("--allow-similar", action="store_true",
                     help="register even if a file is a near copy of another holder's registered work")
    reg.add_argument("--json", action="store_true")
    add_terms_flags(reg)
    reg.set_defaults(func=cmd_register)

    terms = sub.add_parser("terms", help="show or set a work's terms")
    terms.add_argument("action", choices=("show", "set"))
    terms.add_argument("items", nargs="+", metavar="FILE|HASH")
    terms.add_argument("--json", action="store_true")
    add_terms_flags(terms)
    terms.set_defaults(func=cmd_terms)

    check = sub.add_parser("check", help="may USE be made of these works? (exit 3 if any is not allowed)")
    check.add_argument("items", nargs="+", metavar="FILE|HASH")
    check.add_argument("--use", required=True, help=f"one of: {', '.join(u.value for u in Use)}")
    check.add_argument("--licensee", type=address_arg, help="the address that would use the works (for licences)")
    check.add_argument("--at", help="answer for this time instead of now, under today's terms (ISO 8601)")
    check.add_argument("--as-of", help="answer as the registry would have at this past time, under the terms then")
    check.add_argument("--exact-only", action="store_true",
                       help="answer by the file's bytes only, not as a near copy of a registered work")
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
