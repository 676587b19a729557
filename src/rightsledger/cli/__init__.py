"""The `rightsledger` command line (console script `rightsledger.cli:main`): one module per
command group (chain, works, datasets, collections, licences, provenance, serve, demo) on a
shared context (context.py), option parsing (options.py) and output (render.py); app.py
assembles the parser and runs a command."""

from .app import build_parser, main

__all__ = ["build_parser", "main"]
