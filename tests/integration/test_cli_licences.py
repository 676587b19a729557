"""The licence commands of the CLI against the real chain: buy, grant, offer files, redeem,
list, earnings, withdraw, royalty, register --derived-from, and their one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rightsledger.hashing import hash_file

ARTIST = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"  # dev account 1
TRAINER = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"  # dev account 2


@pytest.fixture
def song(tmp_path: Path) -> Path:
    path = tmp_path / "song.txt"
    path.write_text("a song about the sea")
    return path


def as_artist(cli, *args: str) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    return cli("--dev-account", "1", *args)  # type: ignore[no-any-return]


def as_trainer(cli, *args: str) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    return cli("--dev-account", "2", *args)  # type: ignore[no-any-return]


def test_buy_makes_check_pass_and_the_artist_withdraws(cli, song: Path) -> None:
    assert as_artist(cli, "register", str(song), "--licence", "ai-training=0.01ether")[0] == 0
    code, out, _ = as_trainer(cli, "check", str(song), "--use", "ai-training", "--licensee", TRAINER)
    assert code == 3 and "licence-required" in out

    code, out, _ = as_trainer(cli, "licence", "buy", str(song), "--use", "ai-training")
    assert code == 0 and "licence #1 (bought): ai-training" in out and "paid 0.01 ETH" in out
    code, out, _ = as_trainer(cli, "check", str(song), "--use", "ai-training", "--licensee", TRAINER)
    assert code == 0 and "allowed-by-licence" in out

    code, out, _ = cli("earnings", ARTIST, "--json")
    assert json.loads(out) == {"account": ARTIST, "withdrawable": str(10**16), "earned": str(10**16)}
    code, out, _ = as_artist(cli, "withdraw")
    assert code == 0 and "withdrew 0.01 ETH" in out
    code, _, err = as_artist(cli, "withdraw")
    assert code == 1 and err.startswith("rightsledger: error: ") and "nothing to withdraw" in err

    code, out, _ = cli("licence", "list", "--licensee", TRAINER, "--json")
    [listed] = json.loads(out)
    assert listed["contentHash"] == hash_file(song) and listed["source"] == "bought" and listed["validUntil"] is None


def test_offer_file_is_signed_without_gas_and_redeemed_once(cli, song: Path, tmp_path: Path) -> None:
    as_artist(cli, "register", str(song))
    offer = tmp_path / "offer.json"
    code, out, _ = as_artist(
        cli, "licence", "offer", str(song), "--use", "ai-generative-training", "--price", "0.5ether",
        "--until", "2099-01-01", "--licensee", TRAINER, "--out", str(offer),
    )  # fmt: skip
    assert code == 0 and "no transaction was sent" in out
    assert json.loads(offer.read_text())["typedData"]["primaryType"] == "LicenceOffer"

    code, out, _ = as_trainer(cli, "licence", "redeem", str(offer), "--json", "--max-price", "0.5ether")
    assert code == 0
    licence = json.loads(out)
    assert licence["source"] == "offer" and licence["licensee"] == TRAINER and licence["price"] == str(5 * 10**17)
    assert licence["validUntil"].startswith("2099-01-01")

    code, _, err = as_trainer(cli, "licence", "redeem", str(offer), "--max-price", "1ether")
    assert code == 1 and "LicenceOfferUsedUp" in err and err.count("\n") == 1


def test_attack_emailedOfferIsNotPaidWithoutAPriceCap(cli, song: Path, tmp_path: Path) -> None:
    """An offer file e-mailed by anyone states its own price: `licence redeem` shows it and pays only
    up to --max-price (no terminal to confirm on here), and a price above the cap sends nothing."""
    as_artist(cli, "register", str(song))
    offer = tmp_path / "offer.json"
    as_artist(cli, "licence", "offer", str(song), "--use", "tdm", "--price", "3ether", "--until", "2099-01-01",
              "--out", str(offer))  # fmt: skip
    code, out, err = as_trainer(cli, "licence", "redeem", str(offer))
    assert code == 1 and "this offer asks 3 ETH" in out
    assert "pass --max-price 3000000000000000000wei" in err and err.count("\n") == 1
    code, _, err = as_trainer(cli, "licence", "redeem", str(offer), "--max-price", "0.5ether")
    assert code == 1 and "more than the 500000000000000000 wei you allowed" in err
    code, out, _ = cli("earnings", ARTIST, "--json")
    assert json.loads(out)["earned"] == "0", "nothing was paid"
    code, out, _ = as_trainer(cli, "licence", "redeem", str(offer), "--max-price", "3ether")
    assert code == 0 and "this offer asks 3 ETH" in out


def test_cancelled_offer_cannot_be_redeemed(cli, song: Path, tmp_path: Path) -> None:
    as_artist(cli, "register", str(song))
    offer = tmp_path / "offer.json"
    as_artist(cli, "licence", "offer", str(song), "--use", "tdm", "--price", "0", "--until", "2099-01-01",
              "--out", str(offer))  # fmt: skip
    code, _, err = as_artist(cli, "licence", "offer", str(song), "--use", "tdm", "--price", "0",
                             "--until", "2099-01-01", "--out", str(offer))  # fmt: skip
    assert code == 1 and "exists already" in err, "an offer file is never overwritten by accident"
    assert as_artist(cli, "licence", "cancel", str(offer))[0] == 0
    code, _, err = as_trainer(cli, "licence", "redeem", str(offer))
    assert code == 1 and "the holder cancelled this offer" in err


def test_grant_and_royalty(cli, song: Path) -> None:
    as_artist(cli, "register", str(song))
    code, out, _ = as_artist(cli, "licence", "grant", str(song), "--use", "commercial", "--to", TRAINER,
                             "--until", "2099-01-01")  # fmt: skip
    assert code == 0 and "(granted)" in out and "until 2099-01-01" in out
    code, _, err = as_trainer(cli, "licence", "grant", str(song), "--use", "commercial", "--to", TRAINER)
    assert code == 1 and "LicenceUnauthorized" in err
    code, out, _ = as_artist(cli, "royalty", "set", str(song), "--receiver", ARTIST, "--bps", "250")
    assert code == 0 and "is 0.025 ETH to " + ARTIST in out


def test_register_derived_from_enforces_the_parents_rule(cli, song: Path, tmp_path: Path) -> None:
    as_artist(cli, "register", str(song), "--allow", "commercial")
    remix = tmp_path / "remix.txt"
    remix.write_text("a remix of a song about the sea")
    code, _, err = as_trainer(cli, "register", str(remix), "--derived-from", str(song))
    assert code == 1 and "DerivativeNotAllowed" in err and "the check answers denied" in err
    code, _, err = as_trainer(cli, "register", str(remix), str(song), "--derived-from", hash_file(song))
    assert code == 1 and "one derivative at a time" in err

    open_parent = tmp_path / "open.txt"
    open_parent.write_text("a folk tune")
    as_artist(cli, "register", str(open_parent), "--preset", "cc-by-sa")
    code, out, _ = as_trainer(cli, "register", str(remix), "--derived-from", hash_file(open_parent), "--json")
    assert code == 0
    data = json.loads(out)
    assert data["parents"] == [{"contentHash": hash_file(open_parent), "revenueShareBps": 0}]
    code, out, _ = cli("terms", "show", str(remix), "--json")
    assert json.loads(out)["terms"]["rules"]["derivative"]["share_alike"] is True, "share-alike passed down"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("licence", "buy", "FILE", "--use", "ai-training"),
            "do not sell ai-training licences now (the check answers denied",
        ),
        (("licence", "redeem", "/no/offer.json"), "offer file /no/offer.json does not exist"),
        (("licence", "buy", "FILE", "--use", "painting"), "unknown use 'painting'"),
        (("licence", "grant", "FILE", "--use", "tdm", "--to", "nobody"), "is not an Ethereum address"),
        (("withdraw", "--to", "0x12"), "is not an Ethereum address"),
    ],
)
def test_licence_errors_are_one_clear_line(cli, song: Path, args: tuple[str, ...], message: str) -> None:
    as_artist(cli, "register", str(song))
    code, out, err = as_artist(cli, *[str(song) if a == "FILE" else a for a in args])
    assert code == 1
    assert message in err and err.count("\n") == 1 and err.startswith("rightsledger: error: ")
    assert "Traceback" not in out + err
