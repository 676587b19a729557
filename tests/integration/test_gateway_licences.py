"""The gateway's licences and offers through real HTTP: licences of a work, checking a signed offer
file, and relayed redemption of free offers (an offer with a price is never relayed: the relayer
does not pay for users). Fresh content, no chain snapshots (see test_gateway.py)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from web3 import Web3

from rightsledger import RightsLedger, Terms, hash_bytes
from rightsledger.chain import dev_account
from rightsledger.chain.deployments import Deployment
from rightsledger.offers import SignedOffer
from rightsledger.sdk.forwarding import RequestBuilder

from ..gateway_support import request_json, sign_prepared

# Accounts no snapshot test counts licences or earnings of: these tests cannot revert the chain
# (the gateway's relayer keeps its own nonces), so what they buy and earn stays.
ALICE, BOB, EVE = dev_account(6), dev_account(7), dev_account(5)
RELAYER = dev_account(9)
FEE = 10**16
TERMS = Terms.model_validate({"rules": {"ai-training": {"mode": "licence", "fee": "0.01 ether"}}})


@pytest.fixture(scope="module")
def clients(w3: Web3, deployment: Deployment) -> Iterator[dict[str, RightsLedger]]:
    named = {name: RightsLedger(w3, deployment, who) for name, who in (("alice", ALICE), ("bob", BOB), ("eve", EVE))}
    yield named
    # Leave the licence manager holding nothing, as the snapshot tests expect of a fresh deployment.
    for client in named.values():
        if client.licensing.earnings().withdrawable:
            client.licensing.withdraw()
    assert w3.eth.get_balance(deployment.licence_manager) == 0


@pytest.fixture(scope="module")
def builder(w3: Web3, deployment: Deployment) -> RequestBuilder:
    return RequestBuilder(RightsLedger(w3, deployment))


def registered(alice: RightsLedger) -> str:
    digest = hash_bytes(os.urandom(32))
    alice.register(digest, terms=TERMS)
    return digest


def offer(signer: RightsLedger, digest: str, *, price: int = 0, **extra: Any) -> SignedOffer:
    until = datetime.now(UTC) + timedelta(days=365)
    return signer.licensing.offer(digest, "ai-training", price=price, valid_until=until, **extra)


def error(response: httpx.Response) -> dict[str, Any]:
    return response.json()["error"]


def prepare_redeem(http: httpx.Client, who: Any, signed: SignedOffer, **extra: Any) -> httpx.Response:
    body = {"action": "redeem-offer", "from": who.address, "offer": signed.to_json_dict(), **extra}
    return http.post("/relay/prepare", json=body)


# ---------------------------------------------------------------------- licences of a work


def test_licences_of_a_work_list_bought_and_granted_ones(http: httpx.Client, clients: dict[str, RightsLedger]) -> None:
    alice, bob = clients["alice"], clients["bob"]
    digest = registered(alice)
    empty = http.get(f"/works/{digest}/licences").json()
    assert empty["count"] == 0 and empty["licences"] == []
    bought = bob.licensing.buy(digest, "ai-training")
    ends = datetime.now(UTC) + timedelta(days=30)
    granted = alice.licensing.grant(digest, "ai-training", EVE.address, until=ends)

    body = http.get(f"/works/{digest}/licences").json()
    assert body["count"] == 2 and body["validCount"] == 2
    first, second = body["licences"]
    assert first["licenceId"] == bought.licence_id and first["source"] == "bought"
    assert first["licensee"] == BOB.address and first["payer"] == BOB.address
    assert first["priceWei"] == str(FEE) and first["price"] == "0.01 ETH" and first["validUntil"] is None
    assert first["plain"] == f"ai-training licence for {BOB.address}, bought for 0.01 ETH, with no end"
    assert second["licenceId"] == granted.licence_id and second["source"] == "granted"
    assert second["licensee"] == EVE.address and second["priceWei"] == "0"
    assert datetime.fromisoformat(second["validUntil"]).timestamp() == pytest.approx(ends.timestamp(), abs=1)

    only_bob = http.get(f"/works/{digest}/licences", params={"licensee": BOB.address}).json()
    assert [item["licensee"] for item in only_bob["licences"]] == [BOB.address]
    assert only_bob["licensee"] == BOB.address


def test_licences_of_an_unregistered_work_or_a_bad_licensee_are_refused(
    http: httpx.Client, clients: dict[str, RightsLedger]
) -> None:
    missing = http.get(f"/works/{hash_bytes(os.urandom(8))}/licences")
    assert missing.status_code == 404 and error(missing)["code"] == "work-not-registered"
    digest = registered(clients["alice"])
    bad = http.get(f"/works/{digest}/licences", params={"licensee": "0x1234"})
    assert bad.status_code == 422 and error(bad)["code"] == "invalid-address"


# ---------------------------------------------------------------------- checking an offer


def test_a_free_offer_is_described_and_can_be_relayed(http: httpx.Client, clients: dict[str, RightsLedger]) -> None:
    digest = registered(clients["alice"])
    signed = offer(clients["alice"], digest)
    body = http.post("/offers/verify", json=signed.to_json_dict()).json()
    assert body["offerHash"] == signed.offer_hash
    assert body["contentHash"] == digest and body["use"] == "ai-training" and body["licensee"] is None
    assert body["signer"] == ALICE.address and body["signatureValid"] and body["signerIsHolder"]
    assert body["free"] and body["priceWei"] == "0" and body["redemptions"] == 0 and body["maxRedemptions"] == 1
    assert body["redeemable"] and body["relayable"] and body["problems"] == []
    assert body["summary"] == signed.offer.describe()


def test_a_paid_offer_is_redeemable_only_from_ones_own_wallet(
    http: httpx.Client, clients: dict[str, RightsLedger]
) -> None:
    digest = registered(clients["alice"])
    signed = offer(clients["alice"], digest, price=FEE)
    body = http.post("/offers/verify", json=signed.to_json_dict()).json()
    assert body["redeemable"] and body["free"] is False and body["relayable"] is False
    assert body["price"] == "0.01 ETH" and "your own wallet" in body["howToRedeem"]


def test_verification_names_each_problem_of_an_offer(http: httpx.Client, clients: dict[str, RightsLedger]) -> None:
    alice, eve = clients["alice"], clients["eve"]
    digest = registered(alice)
    # Someone who does not hold the work signs an offer for it.
    by_eve = http.post("/offers/verify", json=offer(eve, digest).to_json_dict()).json()
    assert by_eve["signatureValid"] and by_eve["signerIsHolder"] is False and by_eve["redeemable"] is False
    assert [p["code"] for p in by_eve["problems"]] == ["offer-signer-not-holder"]
    # A price lowered after signing no longer matches the signature.
    tampered = offer(alice, digest, price=FEE).to_json_dict()
    tampered["typedData"]["message"]["price"] = "0"
    body = http.post("/offers/verify", json=tampered).json()
    assert body["signatureValid"] is False and [p["code"] for p in body["problems"]] == ["offer-bad-signature"]
    # A cancelled offer, and one signed for another chain.
    cancelled = offer(alice, digest)
    alice.licensing.cancel(cancelled)
    body = http.post("/offers/verify", json=cancelled.to_json_dict()).json()
    assert body["cancelled"] and [p["code"] for p in body["problems"]] == ["offer-cancelled"]
    elsewhere = offer(alice, digest).to_json_dict()
    elsewhere["typedData"]["domain"]["chainId"] = 1
    codes = [p["code"] for p in http.post("/offers/verify", json=elsewhere).json()["problems"]]
    assert codes[0] == "offer-wrong-deployment" and "offer-bad-signature" in codes


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"kind": "something-else", "version": 1, "typedData": {}, "signature": "0x00"}, "invalid-offer"),
        ({"kind": "rightsledger-licence-offer", "version": 1, "typedData": {"domain": "x"}, "signature": "0x"},
         "invalid-offer"),
        ({"kind": "rightsledger-licence-offer"}, "invalid-request"),
    ],
)  # fmt: skip
def test_a_malformed_offer_file_is_422(http: httpx.Client, body: dict[str, Any], code: str) -> None:
    response = http.post("/offers/verify", json=body)
    assert response.status_code == 422 and error(response)["code"] == code


# ---------------------------------------------------------------------- relayed redemption


def test_a_free_offer_is_redeemed_through_the_relayer_for_the_signer(
    http: httpx.Client, clients: dict[str, RightsLedger], w3: Web3
) -> None:
    digest = registered(clients["alice"])
    signed = offer(clients["alice"], digest)
    bob_balance = w3.eth.get_balance(BOB.address)
    prepared = prepare_redeem(http, BOB, signed)
    assert prepared.status_code == 200, prepared.text
    assert prepared.json()["request"]["to"] == clients["alice"].deployment.licence_manager
    body = sign_prepared(prepared.json(), BOB)
    response = http.post("/offers/redeem", json=body)
    assert response.status_code == 201, response.text
    receipt = response.json()
    assert receipt["action"] == "redeem-offer" and receipt["signer"] == BOB.address
    assert receipt["contentHashes"] == [digest] and receipt["relayer"] == RELAYER.address
    assert [e["event"] for e in receipt["events"]] == ["OfferRedeemed", "LicenceIssued"]
    # The licence is Bob's, paid by Bob (nothing), sent by the relayer: Bob spent no gas.
    (licence,) = http.get(f"/works/{digest}/licences").json()["licences"]
    assert licence["source"] == "offer" and licence["licensee"] == BOB.address and licence["payer"] == BOB.address
    assert w3.eth.get_balance(BOB.address) == bob_balance
    check = http.get(f"/checks/{digest}", params={"use": "ai-training", "licensee": BOB.address}).json()
    assert check["reason"] == "allowed-by-licence"
    # Used up now: verification says so, a replay is refused, and a new request is refused before signing.
    after = http.post("/offers/verify", json=signed.to_json_dict()).json()
    assert after["redemptions"] == 1 and [p["code"] for p in after["problems"]] == ["offer-used-up"]
    replay = http.post("/offers/redeem", json=body)
    assert replay.status_code == 409 and error(replay)["code"] == "nonce-used"
    again = prepare_redeem(http, EVE, signed)
    assert again.status_code == 409 and error(again)["contractError"] == "LicenceOfferUsedUp"


def test_a_paid_offer_is_never_relayed(
    http: httpx.Client, clients: dict[str, RightsLedger], builder: RequestBuilder, w3: Web3
) -> None:
    digest = registered(clients["alice"])
    signed = offer(clients["alice"], digest, price=FEE)
    prepared = prepare_redeem(http, BOB, signed)
    assert prepared.status_code == 403 and error(prepared)["code"] == "offer-not-free"
    assert "own wallet" in error(prepared)["message"]
    # A request built and signed without the gateway's help is refused the same way, before sending.
    manager = clients["alice"].licensing
    data = manager.contract.encode_abi(
        "redeemOffer", args=[signed.offer.as_tuple(), bytes.fromhex(signed.signature[2:]), BOB.address]
    )
    request = builder.build(BOB.address, data, gas=300_000, to=manager.address_of_contract)
    signature = request.sign(BOB, builder.chain_id, builder.forwarder_address).signature
    block = w3.eth.block_number
    response = http.post("/offers/redeem", json={"request": request_json(request), "signature": signature})
    assert response.status_code == 403 and error(response)["code"] == "offer-not-free"
    assert w3.eth.block_number == block
    # The user can still redeem it by paying from their own wallet.
    assert clients["bob"].licensing.redeem(signed).price == FEE


def test_an_offer_signed_by_a_non_holder_cannot_be_redeemed(
    http: httpx.Client, clients: dict[str, RightsLedger]
) -> None:
    digest = registered(clients["alice"])
    response = prepare_redeem(http, BOB, offer(clients["eve"], digest))
    assert response.status_code == 403
    assert error(response)["contractError"] == "LicenceOfferSignerNotHolder"
    assert error(response)["details"]["signer"].lower() == EVE.address.lower()


def test_a_redemption_cannot_be_sent_as_another_action_or_for_a_licensee_the_offer_excludes(
    http: httpx.Client, clients: dict[str, RightsLedger]
) -> None:
    digest = registered(clients["alice"])
    prepared = prepare_redeem(http, BOB, offer(clients["alice"], digest)).json()
    as_registration = http.post("/works", json=sign_prepared(prepared, BOB))
    assert as_registration.status_code == 400 and error(as_registration)["code"] == "request-mismatch"
    only_eve = offer(clients["alice"], digest, licensee=EVE.address)
    refused = prepare_redeem(http, BOB, only_eve, licensee=BOB.address)
    assert refused.status_code == 403 and error(refused)["contractError"] == "LicenceOfferNotForLicensee"
    # A registration cannot be sent to the redemption endpoint either.
    registration = http.post(
        "/relay/prepare", json={"action": "register", "from": BOB.address, "contentHash": hash_bytes(os.urandom(8))}
    ).json()
    wrong = http.post("/offers/redeem", json=sign_prepared(registration, BOB))
    assert wrong.status_code == 400 and error(wrong)["code"] == "request-mismatch"


def test_a_gateway_without_a_relayer_still_verifies_but_does_not_relay(
    read_only_url: str, clients: dict[str, RightsLedger]
) -> None:
    digest = registered(clients["alice"])
    signed = offer(clients["alice"], digest)
    with httpx.Client(base_url=read_only_url) as client:
        body = client.post("/offers/verify", json=signed.to_json_dict()).json()
        assert body["redeemable"] and body["relayable"] is False
        response = prepare_redeem(client, BOB, signed)
        assert response.status_code == 503 and error(response)["code"] == "relay-not-configured"
