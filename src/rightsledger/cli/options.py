"""Parsing shared by several commands: uses, times (units.parse_time), and terms from --terms FILE or
preset flags (terms.terms_from_options, the rule the gateway uses too)."""

from __future__ import annotations

import argparse

from ..errors import RightsLedgerError
from ..terms import PRESETS, Terms, terms_from_options
from ..units import parse_fee, parse_time
from ..vocabulary import Use, parse_address
from .context import CliError


def parse_use(text: str) -> Use:
    return Use.parse(text)  # type: ignore[return-value]


# argparse types, checked while parsing (before any work). They raise CliError, which argparse does
# not catch (it is no ValueError), so main prints it as the usual one `rightsledger: error:` line.


def port_arg(text: str) -> int:
    """A TCP port, 1 .. 65535."""
    try:
        port = int(text)
    except ValueError:
        raise CliError(f"--port {text!r} is not a number") from None
    if not 1 <= port <= 65535:
        raise CliError(f"--port {port} is out of range: a port is 1 .. 65535")
    return port


def address_arg(text: str) -> str:
    """An Ethereum address; a mixed-case one must carry a right EIP-55 checksum."""
    try:
        return parse_address(text)
    except RightsLedgerError as exc:
        raise CliError(str(exc)) from None


def fee_arg(text: str) -> int:
    """An amount of wei ('0.5ether', '250 gwei', '1000'), never negative."""
    try:
        return parse_fee(text)
    except RightsLedgerError as exc:
        raise CliError(f"--max-spend: {exc}") from None


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
    return terms_from_options(
        terms_file=args.terms,
        preset=args.preset,
        allow=args.allow or (),
        licence=args.licence or (),
        window=args.window or (),
        attribution=args.attribution,
        expires=args.expires,
    )


__all__ = ["address_arg", "fee_arg", "port_arg", "add_terms_flags", "parse_time", "parse_use", "terms_from_args"]
