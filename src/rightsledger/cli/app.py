"""The `rightsledger` command line: the root parser, one command group per module, and main.

Exit status: 0 success (for `check`: every answer allowed), 1 an error (one line on
stderr saying what was wrong), 2 a usage error, 3 `check` answered and at least one use
is not allowed.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from ..errors import RightsLedgerError
from ..identity.chance import chance_limit
from ..version import __version__
from ..workflows.index_store import CONFIGURED_URL
from ..workflows.index_store import ENV as INDEX_URL_ENV
from . import (
    chain,
    collections,
    datasets,
    demo,
    identity,
    licences,
    provenance,
    scale,
    scan,
    serve,
    transparency,
    works,
)
from .context import EXIT_ERROR, Context

DEFAULT_RPC = "http://127.0.0.1:8545"

# In the order `rightsledger --help` lists the commands.
COMMAND_GROUPS = (
    chain, works, identity, datasets, scan, scale, collections, licences, provenance, transparency, serve, demo
)  # fmt: skip


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
    parser.add_argument(
        "--index-url",
        default=os.environ.get(INDEX_URL_ENV) or None,
        metavar="URL",
        help="the index database, e.g. postgresql://user@host/db (default $RIGHTSLEDGER_INDEX_URL, else SQLite files "
        "in the home folder)",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for group in COMMAND_GROUPS:
        group.add_parsers(sub)
    return parser


class _WarningLine(logging.Handler):
    """An SDK warning (a tree file rejected and rebuilt, ...) as one line on the current stderr."""

    def emit(self, record: logging.LogRecord) -> None:
        print(f"rightsledger: warning: {record.getMessage()}", file=sys.stderr)


def _warnings_to_stderr() -> None:
    for name in ("rightsledger.trees", "rightsledger.near_copies"):
        logger = logging.getLogger(name)
        if not any(isinstance(h, _WarningLine) for h in logger.handlers):
            logger.addHandler(_WarningLine(logging.WARNING))


def main(argv: Sequence[str] | None = None) -> int:
    _warnings_to_stderr()
    parser = build_parser()
    try:
        args = parser.parse_args(argv)  # option types raise CliError for a bad value (one line below)
        chance_limit()  # a bad $RIGHTSLEDGER_CHANCE_LIMIT is an error before any work, not at the first match
        token = CONFIGURED_URL.set(args.index_url)  # the codes index reads it too
        try:
            return int(args.func(Context(args)))
        finally:
            CONFIGURED_URL.reset(token)
    except RightsLedgerError as exc:
        print(f"rightsledger: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("rightsledger: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader (`| head`) stopped reading: exit quietly. Point stdout at /dev/null so the
        # interpreter's final flush of the closed pipe does not print a second error.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
