"""Parsing shared by several commands: times, uses, and terms from --terms FILE or preset flags."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from ..errors import ValidationError
from ..terms import PRESETS, Rule, Terms, parse_fee
from ..vocabulary import Mode, Use
from .context import CliError


def parse_time(text: str, *, what: str) -> datetime:
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


def parse_use(text: str) -> Use:
    return Use.parse(text)  # type: ignore[return-value]


def add_terms_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("terms (a JSON file, or a preset adjusted by flags; default: every use denied)")
    group.add_argument("--terms", metavar="FILE.json", help="terms file (see README, 'Terms files')")
    group.add_argument("--preset", choices=sorted(PRESETS), help="start from named terms")
    group.add_argument("--allow", action="append", metavar="USE", help="allow USE openly (repeatable)")
    group.add_argument("--licence", action="append", metavar="USE=FEE", help="allow USE with a licence for FEE")
    group.add_argument("--window", action="append", metavar="USE=START/END", help="limit USE to [START, END)")
    group.add_argument("--attribution", action="store_true", help="require attribution for allowed uses")
    group.add_argument("--expires", metavar="DATE", help="the whole record's terms expire at DATE")


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
        rules[parse_use(text)] = Rule(mode=Mode.ALLOW, attribution=args.attribution)
    for text in args.licence or []:
        use_text, sep, fee_text = text.partition("=")
        if not sep:
            raise CliError(f"--licence {text!r}: write USE=FEE, e.g. ai-training=0.01ether")
        rules[parse_use(use_text)] = Rule(mode=Mode.LICENCE, fee=parse_fee(fee_text), attribution=args.attribution)
    for text in args.window or []:
        use_text, sep, span = text.partition("=")
        start_text, slash, end_text = span.partition("/")
        if not sep or not slash:
            raise CliError(f"--window {text!r}: write USE=START/END, e.g. promotion=2026-12-01/2027-01-01")
        use = parse_use(use_text)
        if use not in rules or rules[use].mode is Mode.DENY:
            raise CliError(f"--window {text!r}: allow or licence {use} first (--allow {use} or --licence {use}=FEE)")
        start = parse_time(start_text, what="window start") if start_text else None
        end = parse_time(end_text, what="window end") if end_text else None
        rules[use] = Rule.model_validate({**rules[use].model_dump(), "start": start, "end": end})
    if args.attribution:
        rules = {u: r if r.mode is Mode.DENY else r.model_copy(update={"attribution": True}) for u, r in rules.items()}
    expires = parse_time(args.expires, what="--expires") if args.expires else base.expires
    return Terms.from_json_dict({"rules": {u.value: r.model_dump() for u, r in rules.items()}, "expires": expires})
