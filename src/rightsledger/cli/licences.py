"""Licence commands: `licence buy|grant|offer|redeem|cancel|list`, `earnings`, `withdraw`, `royalty`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from ..hashing import resolve_file_or_hash
from ..offers import SignedOffer
from ..records import Licence
from ..text import render_table
from ..units import format_wei, parse_fee
from .context import CliError, Context
from .options import address_arg, parse_time, parse_use
from .render import describe_licence, licence_json, print_json


def _print_licence(ctx: Context, licence: Licence) -> None:
    if ctx.args.json:
        print_json(licence_json(licence))
    else:
        print(describe_licence(licence))


def cmd_licence(ctx: Context) -> int:
    args = ctx.args
    action = args.action
    if action == "offer":
        return _licence_offer(ctx)
    if action in ("redeem", "cancel"):
        signed = SignedOffer.load(args.offer)
        client = ctx.client()
        if action == "cancel":
            client.licensing.cancel(signed)
            print(f"offer {signed.offer_hash} cancelled: it can no longer be redeemed")
            return 0
        max_price = _redeem_cap(ctx, signed)
        _print_licence(ctx, client.licensing.redeem(signed, licensee=args.licensee, max_price=max_price))
        return 0
    client = ctx.client()
    if action == "list":
        item = resolve_file_or_hash(args.work) if args.work else None
        licences = client.licensing.licences(licensee=args.licensee, item=item)
        if args.json:
            print_json([licence_json(lic) for lic in licences])
            return 0
        rows = [
            (
                str(lic.licence_id),
                lic.content_hash[:10] + "…",
                lic.use.value,
                lic.licensee,
                lic.source.value,
                f"{lic.valid_until:%Y-%m-%d %H:%M}" if lic.valid_until else "forever",
                format_wei(lic.price),
            )
            for lic in licences
        ]
        print(render_table(rows, ("id", "work", "use", "licensee", "source", "until (UTC)", "price")))
        return 0
    digest = resolve_file_or_hash(args.item)
    use = parse_use(args.use)
    if action == "buy":
        _print_licence(ctx, client.licensing.buy(digest, use, licensee=args.licensee))
    else:
        until = parse_time(args.until, what="--until") if args.until else None
        _print_licence(ctx, client.licensing.grant(digest, use, args.to, until=until))
    return 0


def _redeem_cap(ctx: Context, signed: SignedOffer) -> int:
    """The most the redeemer agreed to pay: --max-price, or a yes on a terminal. An offer file may come
    from anyone by e-mail, so its price is shown and never paid unasked."""
    price = signed.offer.price
    if not ctx.args.json:
        print(f"this offer asks {format_wei(price)} ({price} wei): {signed.offer.describe()}")
    if ctx.args.max_price is not None:
        return parse_fee(ctx.args.max_price)
    if price == 0:
        return 0
    if not sys.stdin.isatty():
        raise CliError(f"the offer asks {format_wei(price)}; pass --max-price {price}wei (or more) to pay it")
    answer = input(f"pay {format_wei(price)}? [y/N] ").strip().lower()
    if answer not in ("y", "yes"):
        raise CliError("not redeemed: you did not confirm the price")
    return price


def _licence_offer(ctx: Context) -> int:
    args = ctx.args
    out = Path(args.out)
    if out.exists() and not args.force:
        raise CliError(f"{out} exists already; choose another --out or pass --force to replace it")
    digest = resolve_file_or_hash(args.item)
    client = ctx.client()
    signed = client.licensing.offer(
        digest,
        parse_use(args.use),
        price=args.price,
        valid_until=parse_time(args.until, what="--until"),
        expires_at=parse_time(args.expires, what="--expires") if args.expires else None,
        licensee=args.licensee,
        max_redemptions=args.max_redemptions,
    )
    signed.save(out)
    if args.json:
        print_json({"file": str(out), "offerHash": signed.offer_hash, **signed.to_json_dict()})
    else:
        print(f"signed offer written to {out} (no transaction was sent)")
        print(f"  {signed.offer.describe()}")
        print(f"  redeem with: rightsledger licence redeem {out}")
    return 0


def cmd_earnings(ctx: Context) -> int:
    client = ctx.client()
    earnings = client.licensing.earnings(ctx.args.account)
    if ctx.args.json:
        print_json(
            {"account": earnings.account, "withdrawable": str(earnings.withdrawable), "earned": str(earnings.earned)}
        )
    else:
        print(
            f"{earnings.account}: {format_wei(earnings.withdrawable)} to withdraw; earned {format_wei(earnings.earned)}"
        )
    return 0


def cmd_withdraw(ctx: Context) -> int:
    client = ctx.client()
    amount = client.licensing.withdraw(ctx.args.to)
    print(f"withdrew {format_wei(amount)} ({amount} wei) to {ctx.args.to or client.address}")
    return 0


def cmd_royalty(ctx: Context) -> int:
    args = ctx.args
    client = ctx.client()
    digest = resolve_file_or_hash(args.item)
    if args.action == "set":
        if args.receiver is None or args.bps is None:
            raise CliError("royalty set needs --receiver ADDRESS and --bps N (basis points, 100 = 1%)")
        client.licensing.set_royalty(digest, args.receiver, args.bps)
    price = parse_fee(args.price)
    receiver, amount = client.licensing.royalty(digest, price)
    print(f"{digest}: royalty on a sale of {format_wei(price)} is {format_wei(amount)} to {receiver}")
    return 0


def add_parsers(sub: Any) -> None:
    lic = sub.add_parser("licence", help="buy, grant, offer, redeem, cancel or list licences")
    lic_sub = lic.add_subparsers(dest="action", required=True, metavar="ACTION")
    buy = lic_sub.add_parser("buy", help="buy a licence for the fee the terms ask (paid in ether)")
    buy.add_argument("item", metavar="FILE|HASH")
    buy.add_argument("--use", required=True, help="the use to license")
    buy.add_argument("--licensee", type=address_arg, help="licence holder (default: the signing account)")
    grant = lic_sub.add_parser("grant", help="holders: grant a licence free of charge (a deal made elsewhere)")
    grant.add_argument("item", metavar="FILE|HASH")
    grant.add_argument("--use", required=True)
    grant.add_argument("--to", required=True, type=address_arg, metavar="ADDRESS", help="the licensee")
    grant.add_argument("--until", metavar="DATE", help="the licence ends at DATE (default: never)")
    offer = lic_sub.add_parser("offer", help="holders: sign an offer into a JSON file to send (no gas)")
    offer.add_argument("item", metavar="FILE|HASH")
    offer.add_argument("--use", required=True)
    offer.add_argument("--price", required=True, metavar="FEE", help="what the redeemer pays, e.g. 0.05ether or 0")
    offer.add_argument("--until", required=True, metavar="DATE", help="the licence ends at DATE")
    offer.add_argument("--expires", metavar="DATE", help="the offer can be redeemed until DATE (default: 30 days)")
    offer.add_argument("--licensee", type=address_arg, metavar="ADDRESS", help="only this licensee (default: anyone)")
    offer.add_argument("--max-redemptions", type=int, default=1, metavar="N", help="redeemable N times (default 1)")
    offer.add_argument("--out", required=True, metavar="OFFER.json", help="where to write the signed offer")
    offer.add_argument("--force", action="store_true", help="replace --out if it exists")
    redeem = lic_sub.add_parser("redeem", help="redeem a signed offer, paying its price")
    redeem.add_argument("offer", metavar="OFFER.json")
    redeem.add_argument(
        "--licensee", type=address_arg, help="licence holder if the offer is open to anyone (default: the signer)"
    )
    redeem.add_argument(
        "--max-price",
        metavar="FEE",
        help="pay at most FEE (e.g. 0.05ether); without it a priced offer asks for confirmation on a terminal",
    )
    cancel = lic_sub.add_parser("cancel", help="holders: cancel an offer so it can never be redeemed")
    cancel.add_argument("offer", metavar="OFFER.json")
    listing = lic_sub.add_parser("list", help="licences issued, by licensee or by work")
    listing.add_argument("--licensee", type=address_arg, metavar="ADDRESS")
    listing.add_argument("--work", metavar="FILE|HASH")
    for each in (buy, grant, offer, redeem, listing):
        each.add_argument("--json", action="store_true")
    lic.set_defaults(func=cmd_licence)

    earn = sub.add_parser("earnings", help="what an account earned from licences and may withdraw")
    earn.add_argument("account", nargs="?", help="default: the signing account")
    earn.add_argument("--json", action="store_true")
    earn.set_defaults(func=cmd_earnings)

    draw = sub.add_parser("withdraw", help="withdraw the signing account's earnings")
    draw.add_argument("--to", metavar="ADDRESS", help="send them here (default: the signing account)")
    draw.set_defaults(func=cmd_withdraw)

    roy = sub.add_parser("royalty", help="show or set a work's EIP-2981 royalty")
    roy.add_argument("action", choices=("show", "set"))
    roy.add_argument("item", metavar="FILE|HASH")
    roy.add_argument("--receiver", metavar="ADDRESS")
    roy.add_argument("--bps", type=int, metavar="N", help="basis points of the sale price (100 = 1%%)")
    roy.add_argument("--price", default="1ether", metavar="FEE", help="sale price to show the royalty of")
    roy.set_defaults(func=cmd_royalty)
