"""`serve`: the HTTP gateway and the creators' web page (the gateway extra, imported only here)."""

from __future__ import annotations

import argparse
from typing import Any

from ..errors import ConfigError
from .context import Context
from .demo import connect_local
from .options import port_arg


def cmd_serve(ctx: Context) -> int:
    args = ctx.args
    try:
        from ..gateway import GatewaySettings, serve
    except ImportError as exc:
        raise ConfigError(
            f"the gateway needs its extra ({exc.name} is missing): pip install 'rightsledger[gateway]'"
        ) from None
    rpc_url = ctx.rpc_url
    if args.local_chain:
        rpc_url = connect_local(ctx.home, args.chain_port).w3.provider.endpoint_uri  # type: ignore[attr-defined]
    overrides: dict[str, Any] = {
        "rpc_url": rpc_url, "home": str(ctx.home), "host": args.host, "port": args.port, "workers": args.workers,
    }  # fmt: skip
    if args.dev_keys:
        overrides["dev_keys"] = True
    if ctx.index_url:
        overrides["index_url"] = ctx.index_url
    settings = _settings(GatewaySettings, overrides)
    workers = f"; {settings.workers} workers" if settings.workers > 1 else ""
    print(
        f"rightsledger gateway on http://{settings.host}:{settings.port}/  (API docs: /docs; node {rpc_url}{workers})"
    )
    serve(settings)
    return 0


def _settings(settings_class: Any, overrides: dict[str, Any]) -> Any:
    """The gateway's settings; a bad RIGHTSLEDGER_GATEWAY_* variable is one error line naming it."""
    from pydantic import ValidationError as SettingsError

    try:
        return settings_class(**overrides)
    except SettingsError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else "settings"
        raise ConfigError(f"RIGHTSLEDGER_GATEWAY_{field.upper()}={first.get('input')!r}: {first['msg']}") from None


def _workers(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= 64:
        raise argparse.ArgumentTypeError(f"--workers takes 1 to 64 processes, not {text!r}")
    return value


def add_parsers(sub: Any) -> None:
    serve = sub.add_parser("serve", help="run the HTTP gateway and the creators' web page (needs the gateway extra)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=port_arg, default=8000)
    serve.add_argument(
        "--workers",
        type=_workers,
        default=1,
        help="worker processes behind the port (they share the relayer's nonces, its journal and the rate limits "
        "through <home>/gateway-state-<chainId>.sqlite)",
    )
    serve.add_argument(
        "--dev-keys",
        action="store_true",
        help="local demo only (chain 31337): let the page sign with the chain's public development keys",
    )
    serve.add_argument(
        "--local-chain", action="store_true", help="start the local chain and deploy first, if not done already"
    )
    serve.add_argument(
        "--chain-port",
        type=port_arg,
        default=None,
        help="port of the local chain (with --local-chain; default: where it last ran, else 8545)",
    )
    serve.set_defaults(func=cmd_serve)
