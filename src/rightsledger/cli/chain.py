"""`chain start|stop|status` (the local anvil chain) and `deploy`."""

from __future__ import annotations

from typing import Any

from ..chain.connection import connect_web3
from ..chain.deploy import deploy
from ..chain.deployments import WrongChainError, find_deployment, verify_deployment
from ..chain.local import LocalChain
from ..errors import ConfigError
from .context import EXIT_ERROR, Context
from .options import port_arg
from .render import print_json


def print_start_notes(chain: LocalChain) -> None:
    """What a start restored: the previous state when the saved one was torn, transactions replayed."""
    if chain.restored:
        print("the saved state was torn (killed while writing it): started from the state of the previous start")
    if chain.replayed is not None:
        print(chain.replayed.summary())


def cmd_chain(ctx: Context) -> int:
    # Without --port: the port this home's chain runs on, or last ran on (8545 at first).
    chain = LocalChain.at(ctx.home, ctx.args.port)
    if ctx.args.action == "start":
        started = chain.start()
        print(f"local chain {'started' if started else 'already running'} at {chain.url} (state in {chain.folder})")
        print_start_notes(chain)
    elif ctx.args.action == "stop":
        print("local chain stopped; its state is saved" if chain.stop() else "the local chain was not running")
    else:
        pid = chain.pid()
        if pid is None:
            print("local chain: not running (start it with `rightsledger chain start`)")
            return EXIT_ERROR
        chain.port = chain.recorded_port() or chain.port  # the home's node, whatever --port says
        w3 = connect_web3(chain.url)
        deployment = find_deployment(w3.eth.chain_id, ctx.home)
        print(
            f"local chain: running (pid {pid}) at {chain.url}, chain id {w3.eth.chain_id}, block {w3.eth.block_number}"
        )
        if deployment:
            try:
                verify_deployment(w3, deployment)
            except WrongChainError as exc:
                print(f"  the recorded deployment does not match this chain: {exc}")
                return EXIT_ERROR
            for name, address in deployment.contracts.items():
                print(f"  {name:<16} {address}")
        else:
            print("  not deployed yet: run `rightsledger deploy`")
    return 0


def cmd_deploy(ctx: Context) -> int:
    w3 = ctx.connect()
    account = ctx.account(w3.eth.chain_id)
    if account is None:
        raise ConfigError("deploying needs a key: set RIGHTSLEDGER_PRIVATE_KEY")
    deployment = deploy(w3, account, admin=ctx.args.admin, home=ctx.home)
    if ctx.args.json:
        print_json(deployment.__dict__)
    else:
        print(f"deployed on chain {deployment.chain_id} at block {deployment.block}")
        for name, address in deployment.contracts.items():
            print(f"  {name:<16} {address}")
    return 0


def add_parsers(sub: Any) -> None:
    chain = sub.add_parser("chain", help="start, stop or inspect the local chain (anvil)")
    chain.add_argument("action", choices=("start", "stop", "status"))
    chain.add_argument(
        "--port", type=port_arg, default=None, help="default: the port the home's chain last ran on, else 8545"
    )
    chain.set_defaults(func=cmd_chain)

    dep = sub.add_parser("deploy", help="deploy the contracts and record them for this chain id")
    dep.add_argument("--admin", help="admin and first registrar (default: the deploying account)")
    dep.add_argument("--json", action="store_true")
    dep.set_defaults(func=cmd_deploy)
