"""Rights that travel and transparency out: `embed` (C2PA + XMP into the file), `signals` (the files
crawlers read), `summary` (the EU AI Act training-content summary)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from ..errors import ValidationError
from ..exports.formats import SIGNAL_FORMATS, ExportOptions, export_signals
from ..files import regular_file
from ..workflows.labelling import embed_work, signing_config
from ..workflows.publisher import DEFAULT_LOCATION_PREFIX, publisher_works
from ..workflows.summary import ModelInput, ProviderInput, todo_fields
from ..workflows.transparency_report import gather, parse_day, write_summary
from .context import Context
from .render import print_json


def cmd_embed(ctx: Context) -> int:
    args = ctx.args
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise ValidationError(f"--out {out} is a file: name a folder for the embedded copies")
    client = ctx.client()
    signing = signing_config(client.chain_id, ctx.home, cert=args.cert, key=args.key)
    done = []
    for name in args.files:
        labelled = embed_work(client, Path(name), Path(args.out), signing, register=not args.no_register)
        result = labelled.result
        entry = {**result.to_json_dict(), "iscc": labelled.iscc}
        if labelled.registration is not None:
            entry["registrationId"] = labelled.registration.registration_id
            entry["transaction"] = labelled.registration.transaction
        done.append(entry)
        if not args.json:
            registered = "registered as a derived stage" if labelled.registration else "not registered"
            xmp = "XMP" if result.xmp_written else "no XMP"
            print(f"{result.output}: C2PA manifest and {xmp} for {result.original_hash} ({labelled.iscc})")
            print(f"  the embedded copy {result.embedded_hash} is {registered}")
    if args.json:
        print_json(done)
    return 0


# Short names for the formats whose file name is their name (`signals tdmrep` = `signals tdmrep.json`).
SIGNAL_ALIASES = {"tdmrep": "tdmrep.json"}


def cmd_signals(ctx: Context) -> int:
    args = ctx.args
    args.format = SIGNAL_ALIASES.get(args.format, args.format)
    if args.out and Path(args.out).is_dir():
        raise ValidationError(f"--out {args.out} is a folder: name the file to write")
    client = ctx.client()
    works = publisher_works(
        client,
        holder=args.holder,
        collection=args.collection,
        manifest=args.manifest,
        home=ctx.home,
        location_prefix=args.location_prefix,
    )
    options = ExportOptions(
        policy_url=args.policy_url,
        license_url=args.license_url,
        server_url=args.server_url,
        terms_url=args.terms_url,
        sitemap=args.sitemap,
    )
    document = export_signals(args.format, works, options)
    text = document if isinstance(document, str) else _json_text(document)
    if args.out:
        try:
            Path(args.out).write_text(text)
        except OSError as exc:
            raise ValidationError(f"cannot write {args.out} ({exc.strerror or exc})") from None
        print(f"wrote {args.format} for {len(works)} works to {args.out}")
    else:
        print(text, end="" if text.endswith("\n") else "\n")
    return 0


def _json_text(document: Any) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def cmd_summary(ctx: Context) -> int:
    args = ctx.args
    for report in args.audit or ():
        regular_file(report, what="audit report")  # before connecting: a mistyped path is one error
    if Path(args.out).exists() and not Path(args.out).is_dir():
        raise ValidationError(f"--out {args.out} is a file: name a folder for summary.json and .html")
    client = ctx.client()
    model = ModelInput(
        args.model,
        args.version,
        placed_on_market=parse_day(args.placed_on_market, "--placed-on-market"),
        knowledge_cutoff=parse_day(args.knowledge_cutoff, "--knowledge-cutoff"),
    )
    provider = ProviderInput(args.provider, contact=args.contact)
    data, notes = gather(client, args.datasets, provider=provider, model=model, audits=args.audit or ())
    files = write_summary(data, args.out, pdf=args.pdf)
    summary_json = files["json"].read_text()
    todo = todo_fields(json.loads(summary_json))
    if args.json:
        print_json({"files": {k: str(v) for k, v in files.items()}, "toComplete": todo, "notes": notes})
        return 0
    for kind, path in files.items():
        print(f"{kind:<5} {path}")
    for note in notes:
        print(f"note  {note}")
    print(f"{len(todo)} field(s) are marked for the provider to complete" + (f": {', '.join(todo[:6])}, ..." if
          len(todo) > 6 else (": " + ", ".join(todo) if todo else "")))  # fmt: skip
    return 0


def _dataset_id(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a dataset id (a whole number)") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"dataset ids start at 1, not {value}")
    return value


def add_parsers(sub: Any) -> None:
    embed = sub.add_parser("embed", help="write a registered work's record into its file (signed C2PA manifest, XMP)")
    embed.add_argument("files", nargs="+", metavar="FILE", help="registered works (JPEG, PNG, WebP, GIF, TIFF, ...)")
    embed.add_argument(
        "--out", default="embedded", metavar="DIR", help="where the embedded copies go (default ./embedded)"
    )
    embed.add_argument(
        "--cert", metavar="CHAIN.pem", help="C2PA signing certificate chain (default: dev chain on the local chain)"
    )
    embed.add_argument("--key", metavar="KEY.pem", help="its private key")
    embed.add_argument("--no-register", action="store_true", help="do not register the embedded copy")
    embed.add_argument("--json", action="store_true")
    embed.set_defaults(func=cmd_embed)

    signals = sub.add_parser("signals", help="the files crawlers read: TDMRep, robots.txt, Content-Usage, RSL, ai.txt")
    signals.add_argument("format", choices=[*SIGNAL_FORMATS, *SIGNAL_ALIASES])
    which = signals.add_mutually_exclusive_group(required=True)
    which.add_argument("--holder", metavar="ADDR", help="every work this account holds")
    which.add_argument("--collection", type=_dataset_id, metavar="ID", help="the members of a collection")
    which.add_argument("--manifest", metavar="FILE", help="CSV/JSONL with location (or url) and hash (or path)")
    signals.add_argument(
        "--location-prefix",
        default=DEFAULT_LOCATION_PREFIX,
        metavar="PATH",
        help=f"where works without a location are served (default {DEFAULT_LOCATION_PREFIX}<hash>)",
    )
    signals.add_argument("--policy-url", metavar="URL", help="TDM policy URL ({hash}: the work's hash)")
    signals.add_argument("--license-url", metavar="URL", help="where the RSL file is served (robots, headers)")
    signals.add_argument("--server-url", metavar="URL", help="rsl: an RSL licence server")
    signals.add_argument("--terms-url", metavar="URL", help="rsl: human-readable terms ({hash} allowed)")
    signals.add_argument("--sitemap", metavar="URL", help="robots: a Sitemap line")
    signals.add_argument("--out", metavar="FILE", help="write the file (default: stdout)")
    signals.set_defaults(func=cmd_signals)

    summary = sub.add_parser("summary", help="the EU AI Act public summary of a model's training content")
    summary.add_argument("--model", required=True, metavar="NAME")
    summary.add_argument("--version", required=True, metavar="V")
    summary.add_argument("--datasets", required=True, nargs="+", type=_dataset_id, metavar="ID")
    summary.add_argument("--provider", required=True, metavar="NAME", help="the provider's name")
    summary.add_argument("--contact", metavar="TEXT", help="the provider's contact")
    summary.add_argument("--audit", action="append", metavar="REPORT", help="an audit report of a dataset (repeatable)")
    summary.add_argument("--placed-on-market", metavar="DATE")
    summary.add_argument("--knowledge-cutoff", metavar="DATE")
    summary.add_argument(
        "--out", default="summary", metavar="DIR", help="folder for summary.json/.html (default ./summary)"
    )
    summary.add_argument("--pdf", action="store_true", help="also summary.pdf (needs the summary-pdf extra)")
    summary.add_argument("--json", action="store_true")
    summary.set_defaults(func=cmd_summary)


__all__ = ["add_parsers"]
