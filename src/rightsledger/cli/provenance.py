"""Commands for the provenance trail, the AI-disclosure label, exports and C2PA import:
`history`, `stage`, `disclose`, `label`, `export`, `import`."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from ..chain.logs import DEFAULT_PAGE_SIZE
from ..disclosure import Disclosure, DisclosureLevel, Phase
from ..errors import ValidationError
from ..exports import ExportRecord, well_known
from ..exports.formats import FORMATS, ExportOptions, export
from ..exports.record import with_file_iscc
from ..hashing import resolve_file_or_hash
from ..identity import identify_file
from ..sdk.trail import Stage
from ..workflows.c2pa_import import read_c2pa
from ..workflows.identity_index import CodesIndex
from ..workflows.identity_review import near_copy_entries
from .context import Context
from .render import print_json, render_trail


def _print_json(data: Any) -> None:
    print_json(data, ensure_ascii=False)


def cmd_history(ctx: Context) -> int:
    args = ctx.args
    client = ctx.client()
    digest = resolve_file_or_hash(args.item)
    client.work(digest)  # NotFoundError for an unregistered work, rather than an empty trail
    entries = client.trail(digest, page_size=args.page_size)
    with CodesIndex(client) as index:  # near copies by other holders, from the registered content codes
        index.sync()
        near = near_copy_entries(client, index, digest)
    entries = sorted([*entries, *near], key=lambda e: (e.block, e.log_index))
    if args.json:
        _print_json({"contentHash": digest, "trail": [e.to_json_dict() for e in entries]})
        return 0
    print(f"provenance trail of {digest} ({len(entries)} stages)\n")
    print(render_trail(entries))
    return 0


def cmd_stage(ctx: Context) -> int:
    args = ctx.args
    stage = Stage.parse(args.stage)
    hashes = [resolve_file_or_hash(i) for i in args.items]
    details: Path | str | None = None
    if args.details:
        details = Path(args.details) if Path(args.details).is_file() else resolve_file_or_hash(args.details)
    parents = [resolve_file_or_hash(p) for p in args.parent or []]
    client = ctx.client()
    if len(hashes) == 1:
        tx = client.record_stage(hashes[0], stage, details_uri=args.details_uri, details=details, parents=parents)
        print(f"{hashes[0]}: recorded {stage.value} (transaction {tx})")
    else:
        if parents:
            raise ValidationError("derived-from names parents per work: record it one work at a time")
        count = client.record_stage_batch(hashes, stage, details_uri=args.details_uri, details=details)
        print(f"recorded {stage.value} for {count} works")
    return 0


def _label_from_args(args: argparse.Namespace) -> Disclosure:
    if args.label_text:
        if args.level or args.phase or args.tools:
            raise ValidationError("give either --label TEXT or LEVEL with --phase/--tools, not both")
        return Disclosure.from_text(args.label_text)
    if not args.level:
        raise ValidationError(
            "name the level (" + ", ".join(m.value for m in DisclosureLevel) + ") or give --label TEXT"
        )
    return Disclosure.create(args.level, args.phase or [], args.tools or "")


def cmd_disclose(ctx: Context) -> int:
    args = ctx.args
    label = _label_from_args(args)  # validated before any connection or transaction
    digest = resolve_file_or_hash(args.item)
    client = ctx.client()
    client.disclose(digest, label)
    print(f"{digest}: AI disclosure set to {label.to_text()}")
    return 0


def cmd_label(ctx: Context) -> int:
    args = ctx.args
    client = ctx.client()
    digest = resolve_file_or_hash(args.item)
    client.work(digest)
    label = client.disclosure(digest)
    if args.json:
        _print_json({"contentHash": digest, "disclosure": label.to_json_dict() if label else None})
        return 0
    if label is None:
        print(f"{digest}: no AI disclosure set (its holder sets one with `rightsledger disclose`)")
        return 0
    print(f"work        {digest}")
    print(f"label       {label.to_text()}")
    print(f"meaning     {label.describe()}")
    print(f"IPTC        {label.iptc_digital_source_type}")
    if label.level is DisclosureLevel.AI_ASSISTED_IDEATION:
        print("            (a rightsledger extension term: IPTC has no code for AI in ideation only)")
    if label.set_at is not None:
        print(f"set         {label.set_at:%Y-%m-%d %H:%M:%S} UTC by {label.set_by}")
    return 0


def _export_one(fmt: str, record: ExportRecord, args: argparse.Namespace) -> Any:
    options = ExportOptions(policy_url=args.policy_url, contact_url=args.contact_url, name=args.name)
    return export(fmt, record, options)


# The registry's single-record formats, and the multi-record /.well-known/tdmrep.json after tdm-policy.
EXPORT_FORMATS = tuple(
    name for f in FORMATS for name in ((f, "tdmrep.json") if f == "tdm-policy" else (f,))
)


def _with_iscc(record: ExportRecord, item: str) -> ExportRecord:
    """A file given on the command line names the work by its full ISCC-CODE (not only the Content-Code)."""
    if record.iscc is None or not Path(item).is_file():
        return record
    try:
        return with_file_iscc(record, identify_file(item))
    except ValidationError:
        return record


def cmd_export(ctx: Context) -> int:
    args = ctx.args
    hashes = [resolve_file_or_hash(i) for i in args.items]
    client = ctx.client()
    records = [
        _with_iscc(ExportRecord.read(client, h, iscc=True), item) for h, item in zip(hashes, args.items, strict=True)
    ]
    if args.format == "tdmrep.json":
        locations = [args.location_prefix.rstrip("/") + "/" + Path(i).name for i in args.items]
        if any(not Path(i).is_file() for i in args.items):
            raise ValidationError("tdmrep.json maps files to paths on a server: give files, not hashes")
        _print_json(well_known(list(zip(locations, records, strict=True)), policy_url=args.policy_url))
        return 0
    documents = [_export_one(args.format, r, args) for r in records]
    _print_json(documents[0] if len(documents) == 1 else documents)
    return 0


def cmd_import(ctx: Context) -> int:
    args = ctx.args
    path = Path(args.file)
    offer = read_c2pa(path)
    if offer is None:
        raise ValidationError(f"{path} carries no C2PA manifest: nothing to import")
    if args.json and not args.register:
        _print_json(offer.to_json_dict())
        return 0
    if not args.json:
        print(f"C2PA manifest {offer.manifest}, signed by {offer.signer}")
        print(
            f"signature   {'valid' if offer.valid else 'INVALID: ' + ', '.join(offer.validation_errors)}"
            f"{'' if offer.trusted else ' (signer not on a trust list)'}"
        )
        print(f"source type {offer.digital_source_type or 'not stated'}")
        print(f"disclosure  {offer.disclosure.to_text() if offer.disclosure else 'none offered'}")
        if offer.terms is not None:
            print("terms       " + json.dumps(offer.terms.to_json_dict()["rules"]))
        for note in offer.notes:
            print(f"note        {note}")
    if not args.register:
        return 0
    if not offer.valid:
        raise ValidationError(f"{path}: the C2PA manifest does not validate; not registering from it")
    client = ctx.client()
    registration = client.register(path, terms=offer.terms)
    digest = registration.content_hashes[0]
    if offer.disclosure is not None:
        client.disclose(digest, offer.disclosure)
    if args.json:
        _print_json({"contentHash": digest, "policyId": registration.policy_id, **offer.to_json_dict()})
    else:
        print(f"registered {path}  {digest} (policy {registration.policy_id})")
    return 0


def add_parsers(sub: Any) -> None:
    history = sub.add_parser("history", help="a work's provenance trail, oldest first")
    history.add_argument("item", metavar="FILE|HASH")
    history.add_argument(
        "--page-size",
        type=int,
        default=DEFAULT_PAGE_SIZE,
        metavar="BLOCKS",
        help=f"blocks per log request (default {DEFAULT_PAGE_SIZE}); lower it for strict nodes",
    )
    history.add_argument("--json", action="store_true")
    history.set_defaults(func=cmd_history)

    stage = sub.add_parser("stage", help="record a lifecycle stage (holder or approved operator)")
    stage.add_argument("items", nargs="+", metavar="FILE|HASH", help="several works: one batch")
    stage.add_argument("--stage", required=True, choices=[s.value for s in Stage])
    stage.add_argument("--details-uri", default="", metavar="URI", help="where the details document is")
    stage.add_argument("--details", metavar="FILE|HASH", help="the details document (its sha256 is recorded)")
    stage.add_argument("--parent", action="append", metavar="FILE|HASH", help="derived-from: a parent (repeatable)")
    stage.set_defaults(func=cmd_stage)

    disclose = sub.add_parser("disclose", help="set a work's AI-disclosure label (holder or approved operator)")
    disclose.add_argument("item", metavar="FILE|HASH")
    disclose.add_argument("level", nargs="?", metavar="LEVEL", help=", ".join(m.value for m in DisclosureLevel))
    disclose.add_argument("--phase", action="append", metavar="PHASE", help=", ".join(p.value for p in Phase))
    disclose.add_argument("--tools", metavar="TEXT", help="AI tools used: names, or a URI of a list")
    disclose.add_argument("--label", dest="label_text", metavar="TEXT", help="the label in its compact text form")
    disclose.set_defaults(func=cmd_disclose)

    label = sub.add_parser("label", help="print a work's AI-disclosure label")
    label.add_argument("item", metavar="FILE|HASH")
    label.add_argument("--json", action="store_true")
    label.set_defaults(func=cmd_label)

    export = sub.add_parser("export", help="a work's record in a standard format (JSON on stdout)")
    export.add_argument("format", choices=EXPORT_FORMATS)
    export.add_argument("items", nargs="+", metavar="FILE|HASH")
    export.add_argument("--policy-url", metavar="URL", help="tdmrep: where the TDM policy is served ({hash} allowed)")
    export.add_argument("--contact-url", metavar="URL", help="tdm-policy: the holder's licensing page")
    export.add_argument("--location-prefix", default="/", metavar="PATH", help="tdmrep.json: path the files live under")
    export.add_argument("--name", help="erc7517: the token's name")
    export.set_defaults(func=cmd_export)

    imp = sub.add_parser(
        "import", help="offer a file's C2PA disclosure and training-mining terms; --register uses them"
    )
    imp.add_argument("file", metavar="FILE")
    imp.add_argument("--register", action="store_true", help="register the file with the offered terms and label")
    imp.add_argument("--json", action="store_true")
    imp.set_defaults(func=cmd_import)
