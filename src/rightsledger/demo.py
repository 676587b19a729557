"""Old import path of `rightsledger demo`; the command lives in rightsledger.cli.demo."""

from .cli.demo import connect_local, run_demo

__all__ = ["connect_local", "run_demo"]
