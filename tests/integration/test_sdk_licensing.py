"""Licences, offers, payments and derivatives through the SDK on a real anvil."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from web3 import Web3

from rightsledger import PRESETS, ContractRevert, Mode, Reason, RightsLedger, Rule, SignedOffer, Status, Terms, Use
from rightsledger.errors import ValidationError
from rightsledger.records import LicenceSource

from .conftest import now

NODES = ("anvil", "hardhat")  # these tests run on both nodes (tests/integration/conftest.py)

FEE = 10**16
TRAINING = Terms(rules={Use.AI_TRAINING: Rule(mode=Mode.LICENCE, fee=FEE)})


def advance(w3: Web3, seconds: int) -> None:
    w3.provider.make_request("evm_increaseTime", [seconds])  # type: ignore[arg-type]
    w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]


def at(w3: Web3, seconds_from_now: int) -> datetime:
    return datetime.fromtimestamp(now(w3) + seconds_from_now, tz=UTC)


def reverts(error: str, call, *args, **kwargs) -> ContractRevert:  # type: ignore[no-untyped-def]
    with pytest.raises(ContractRevert) as caught:
        call(*args, **kwargs)
    assert caught.value.error == error, str(caught.value)
    return caught.value


def resign(holder: RightsLedger, signed: SignedOffer, **domain: int | str) -> SignedOffer:
    """The same offer signed by the same key for another chain or contract (kept on this one for sending)."""
    target = replace(signed, **domain)  # type: ignore[arg-type]
    signature = holder.account.sign_typed_data(full_message=target.typed_data())  # type: ignore[union-attr]
    return replace(target, signature="0x" + signature.signature.hex())


# ---------------------------------------------------------------------- buying


def test_trainer_is_refused_buys_a_licence_and_is_then_allowed(alice: RightsLedger, bob: RightsLedger) -> None:
    alice.register(b"lullaby", terms=TRAINING)
    assert alice.check(b"lullaby", Use.AI_TRAINING, licensee=bob.address).reason is Reason.LICENCE_REQUIRED

    licence = bob.licensing.buy(b"lullaby", Use.AI_TRAINING)
    assert licence.licensee == bob.address and licence.payer == bob.address
    assert licence.price == FEE and licence.source is LicenceSource.BOUGHT
    assert licence.valid_until is None, "no window end and no expiry: the licence does not end"

    assert alice.check(b"lullaby", Use.AI_TRAINING, licensee=bob.address).reason is Reason.ALLOWED_BY_LICENCE
    many = alice.check_many([b"lullaby", b"unknown"], Use.AI_TRAINING, licensee=bob.address)
    assert [r.reason for r in many] == [Reason.ALLOWED_BY_LICENCE, Reason.UNREGISTERED]
    assert alice.check(b"lullaby", Use.AI_TRAINING).reason is Reason.LICENCE_REQUIRED, "others still need one"
    earnings = alice.licensing.earnings()
    assert (earnings.withdrawable, earnings.earned) == (FEE, FEE)


def test_a_bought_licence_ends_with_the_rules_window(chain: Web3, alice: RightsLedger, bob: RightsLedger) -> None:
    end = at(chain, 3600)
    alice.register(b"poster", terms=Terms(rules={Use.COMMERCIAL: Rule(mode=Mode.LICENCE, fee=1, end=end)}))
    licence = bob.licensing.buy(b"poster", "commercial")
    assert licence.valid_until == end
    assert bob.check(b"poster", Use.COMMERCIAL, licensee=bob.address, at=end - timedelta(seconds=1)).allowed
    advance(chain, 3600)
    result = bob.check(b"poster", Use.COMMERCIAL, licensee=bob.address)
    assert not result.allowed and result.reason is Reason.OUTSIDE_WINDOW, "the licence ended on time"


def test_paying_other_than_the_fee_is_refused(alice: RightsLedger, bob: RightsLedger) -> None:
    alice.register(b"lullaby", terms=TRAINING)
    digest = alice.work(b"lullaby").content_hash
    policy_id = alice.work(b"lullaby").policy_id
    call = bob.licensing.contract.functions.buyLicence(digest, Use.AI_TRAINING.code, bob.address, policy_id, 0)
    low = reverts("LicenceWrongPayment", bob.ctx.send, call, "buying", value=FEE - 1)
    assert low.args_by_name == {"price": FEE, "paid": FEE - 1}
    assert "send exactly the price" in str(low)
    reverts("LicenceWrongPayment", bob.ctx.send, call, "buying", value=FEE + 1)
    assert alice.licensing.earnings().earned == 0


@pytest.mark.parametrize(
    ("terms", "change", "reason"),
    [
        (Terms(rules={Use.AI_TRAINING: Rule(mode=Mode.ALLOW)}), None, "allowed-by-terms"),
        (Terms(), None, "denied"),
        (TRAINING, "optout", "opted-out"),
        (TRAINING, "dispute", "disputed"),
    ],
)
def test_buying_what_is_not_for_sale_says_why(
    admin: RightsLedger, alice: RightsLedger, bob: RightsLedger, terms: Terms, change: str | None, reason: str
) -> None:
    alice.register(b"work", terms=terms)
    if change == "optout":
        alice.opt_out(b"work", [Use.AI_TRAINING])
    elif change == "dispute":
        admin.mark(b"work", Status.DISPUTED)
    error = reverts("LicenceNotForSale", bob.licensing.buy, b"work", Use.AI_TRAINING)
    assert f"the check answers {reason}" in str(error)


def test_outside_the_window_or_after_expiry_nothing_is_sold(
    chain: Web3, alice: RightsLedger, bob: RightsLedger
) -> None:
    later = Terms(rules={Use.TDM: Rule(mode=Mode.LICENCE, fee=5, start=at(chain, 86400))})
    alice.register(b"later", terms=later)
    assert "outside-window" in str(reverts("LicenceNotForSale", bob.licensing.buy, b"later", Use.TDM))
    alice.register(b"gone", terms=Terms(rules={Use.TDM: Rule(mode=Mode.LICENCE, fee=5)}, expires=at(chain, 10)))
    advance(chain, 20)
    assert "expired" in str(reverts("LicenceNotForSale", bob.licensing.buy, b"gone", Use.TDM))


def test_opting_out_keeps_sold_licences_until_their_end(
    alice: RightsLedger, bob: RightsLedger, eve: RightsLedger
) -> None:
    alice.register(b"lullaby", terms=TRAINING)
    bob.licensing.buy(b"lullaby", Use.AI_TRAINING)
    alice.opt_out(b"lullaby", [Use.AI_TRAINING])
    assert alice.check(b"lullaby", Use.AI_TRAINING, licensee=bob.address).reason is Reason.ALLOWED_BY_LICENCE
    assert alice.check(b"lullaby", Use.AI_TRAINING, licensee=eve.address).reason is Reason.OPTED_OUT
    error = reverts("LicenceUnavailable", alice.licensing.grant, b"lullaby", Use.AI_TRAINING, eve.address)
    assert "opted-out" in str(error)


# ---------------------------------------------------------------------- granting


def test_holder_grants_and_others_are_refused(
    chain: Web3, alice: RightsLedger, bob: RightsLedger, eve: RightsLedger
) -> None:
    alice.register(b"photo")
    until = at(chain, 7200)
    licence = alice.licensing.grant(b"photo", Use.COMMERCIAL, bob.address, until=until)
    assert licence.source is LicenceSource.GRANTED and licence.price == 0 and licence.valid_until == until
    assert alice.check(b"photo", Use.COMMERCIAL, licensee=bob.address).reason is Reason.ALLOWED_BY_LICENCE
    error = reverts("LicenceUnauthorized", eve.licensing.grant, b"photo", Use.COMMERCIAL, eve.address)
    assert "neither the holder" in str(error)
    reverts("LicenceEndsInPast", alice.licensing.grant, b"photo", Use.TDM, bob.address, until=at(chain, -10))

    listed = alice.licensing.licences(licensee=bob.address)
    assert [(lic.licence_id, lic.use) for lic in listed] == [(licence.licence_id, Use.COMMERCIAL)]
    assert alice.licensing.licences(item=b"photo") == listed
    assert alice.licensing.licences(licensee=eve.address) == []


# ---------------------------------------------------------------------- offers


def test_signed_offer_travels_as_a_file_and_is_redeemed_once(
    chain: Web3, alice: RightsLedger, bob: RightsLedger, tmp_path: Path
) -> None:
    alice.register(b"song")
    holder_nonce = chain.eth.get_transaction_count(alice.address)
    signed = alice.licensing.offer(b"song", Use.AI_GENERATIVE_TRAINING, price="0.2 ether", valid_until=at(chain, 86400))
    assert chain.eth.get_transaction_count(alice.address) == holder_nonce, "signing sends no transaction"
    path = signed.save(tmp_path / "offer.json")
    data = json.loads(path.read_text())
    assert data["typedData"]["domain"]["chainId"] == alice.chain_id
    assert data["typedData"]["message"]["price"] == str(2 * 10**17)

    loaded = SignedOffer.load(path)
    assert loaded == signed
    assert (
        loaded.offer_hash == "0x" + alice.licensing.contract.functions.hashOffer(signed.offer.as_tuple()).call().hex()
    )
    licence = bob.licensing.redeem(loaded)
    assert licence.source is LicenceSource.OFFER and licence.licensee == bob.address and licence.price == 2 * 10**17
    assert bob.check(b"song", Use.AI_GENERATIVE_TRAINING, licensee=bob.address).allowed
    assert alice.licensing.earnings().withdrawable == 2 * 10**17
    assert bob.licensing.offer_state(loaded) == (1, False)

    error = reverts("LicenceOfferUsedUp", bob.licensing.redeem, loaded)
    assert "already redeemed 1 time(s)" in str(error)


def test_offer_for_a_named_licensee_capped_and_cancelled(
    chain: Web3, alice: RightsLedger, bob: RightsLedger, eve: RightsLedger
) -> None:
    alice.register(b"song")
    named = alice.licensing.offer(b"song", Use.TDM, price=0, valid_until=at(chain, 600), licensee=bob.address)
    reverts("LicenceOfferNotForLicensee", eve.licensing.redeem, named, licensee=eve.address)
    assert eve.licensing.redeem(named).licensee == bob.address, "anyone may pay; the named licensee is licensed"

    capped = alice.licensing.offer(b"song", Use.PROMOTION, price=3, valid_until=at(chain, 600), max_redemptions=2)
    bob.licensing.redeem(capped)
    alice.licensing.cancel(capped)
    assert alice.licensing.offer_state(capped) == (1, True)
    assert "cancelled" in str(reverts("LicenceOfferCancelled", eve.licensing.redeem, capped))
    reverts("LicenceUnauthorized", eve.licensing.cancel, named)


def test_offer_is_bound_to_its_chain_contract_and_terms(chain: Web3, alice: RightsLedger, bob: RightsLedger) -> None:
    alice.register(b"song")
    signed = alice.licensing.offer(b"song", Use.TDM, price=100, valid_until=at(chain, 600))
    other_chain = resign(alice, signed, chain_id=1)
    with pytest.raises(ValidationError, match="signed for chain 1"):
        bob.licensing.redeem(other_chain)
    # Sent anyway, the contract itself refuses: the signature is for another chain's domain.
    reverts("LicenceOfferBadSignature", bob.licensing.redeem, other_chain, check_domain=False)
    other_contract = resign(alice, signed, verifying_contract=alice.deployment.work_registry)
    with pytest.raises(ValidationError, match="contract " + alice.deployment.work_registry):
        bob.licensing.redeem(other_contract)
    reverts("LicenceOfferBadSignature", bob.licensing.redeem, other_contract, check_domain=False)
    cheaper = replace(signed, offer=replace(signed.offer, price=1))
    reverts("LicenceOfferBadSignature", bob.licensing.redeem, cheaper)
    forged = replace(signed, offer=replace(signed.offer, signer=bob.address))
    reverts("LicenceOfferBadSignature", bob.licensing.redeem, forged)


def test_expired_offer_and_offer_of_a_former_holder_are_refused(
    chain: Web3, alice: RightsLedger, bob: RightsLedger, eve: RightsLedger
) -> None:
    alice.register(b"song")
    short = alice.licensing.offer(b"song", Use.TDM, price=0, valid_until=at(chain, 86400), expires_at=at(chain, 60))
    later = alice.licensing.offer(b"song", Use.TDM, price=0, valid_until=at(chain, 86400))
    advance(chain, 120)
    assert "expired" in str(reverts("LicenceOfferExpired", bob.licensing.redeem, short))
    alice.transfer(b"song", eve.address)
    assert "no longer holds" in str(reverts("LicenceOfferSignerNotHolder", bob.licensing.redeem, later))


def test_the_nonce_floor_cancels_every_older_offer_at_once(
    chain: Web3, alice: RightsLedger, bob: RightsLedger
) -> None:
    """Issue 12 (low): leaked offers could only be cancelled one by one; the SDK raises the floor."""
    alice.register(b"song")
    old = alice.licensing.offer(b"song", Use.TDM, price=0, valid_until=at(chain, 600), nonce=5)
    older = alice.licensing.offer(b"song", Use.PROMOTION, price=0, valid_until=at(chain, 600), nonce=2)
    fresh = alice.licensing.offer(b"song", Use.TDM, price=0, valid_until=at(chain, 600), nonce=6)
    assert alice.licensing.nonce_floor() == 0
    alice.licensing.cancel_offers_below(6)
    assert alice.licensing.nonce_floor() == 6 and bob.licensing.nonce_floor(alice.address) == 6
    reverts("LicenceOfferNonceCancelled", bob.licensing.redeem, old)
    reverts("LicenceOfferNonceCancelled", bob.licensing.redeem, older)
    assert bob.licensing.redeem(fresh).licensee == bob.address
    reverts("LicenceNonceFloorNotRaised", alice.licensing.cancel_offers_below, 3)


def test_disabled_minting_sells_nothing_and_old_licences_answer_with_their_reason(
    admin: RightsLedger, alice: RightsLedger, bob: RightsLedger, eve: RightsLedger
) -> None:
    """Issue 12: the holder stops licences under a policy; a disputed work's licences say `disputed`."""
    alice.register(b"lullaby", terms=TRAINING)
    licence = bob.licensing.buy(b"lullaby", Use.AI_TRAINING)
    assert bob.licensing.licence_status(licence.licence_id) == (True, Reason.ALLOWED_BY_LICENCE)
    alice.licensing.set_minting_disabled(b"lullaby")
    reverts("LicenceMintingDisabled", eve.licensing.buy, b"lullaby", Use.AI_TRAINING)
    assert bob.licensing.licence_status(licence.licence_id) == (True, Reason.ALLOWED_BY_LICENCE), "sold ones stand"
    alice.licensing.set_minting_disabled(b"lullaby", False)
    assert eve.licensing.buy(b"lullaby", Use.AI_TRAINING).licensee == eve.address
    admin.mark(b"lullaby", Status.DISPUTED, "ipfs://complaint")
    assert bob.licensing.licence_status(licence.licence_id) == (False, Reason.DISPUTED)


def test_a_registrar_corrects_the_holder_of_a_squatted_work_and_the_trail_shows_it(
    admin: RightsLedger, alice: RightsLedger, eve: RightsLedger
) -> None:
    """Issue 12 finding 6: a disputed work was frozen for good; now a registrar moves it, with evidence."""
    eve.register(b"a painting", terms=TRAINING)
    with pytest.raises(ContractRevert) as caught:
        admin.works.correct_holder(b"a painting", alice.address, "ipfs://deed")
    assert caught.value.error == "WorkNotDisputed"
    admin.mark(b"a painting", Status.DISPUTED, "ipfs://complaint")
    reverts("AccessControlUnauthorizedAccount", eve.works.correct_holder, b"a painting", eve.address, "")
    admin.works.correct_holder(b"a painting", alice.address, "ipfs://deed")
    work = alice.work(b"a painting")
    assert (work.holder, work.policy_id, work.status) == (alice.address, 0, Status.VERIFIED)
    assert alice.check(b"a painting", Use.AI_TRAINING).reason is Reason.DENIED, "the squatter's terms are gone"
    trail = alice.provenance.trail(b"a painting")
    assert trail[0].stage == "registered"
    corrected = [e for e in trail if e.stage == "holder-corrected"]
    assert len(corrected) == 1, [e.stage for e in trail]
    assert corrected[0].actor == admin.address
    assert dict(corrected[0].details) == {"from": eve.address, "to": alice.address, "evidenceURI": "ipfs://deed"}


# ---------------------------------------------------------------------- money


def test_holder_withdraws_earnings_once(chain: Web3, alice: RightsLedger, bob: RightsLedger, eve: RightsLedger) -> None:
    alice.register(b"lullaby", terms=TRAINING)
    bob.licensing.buy(b"lullaby", Use.AI_TRAINING)
    eve.licensing.buy(b"lullaby", Use.AI_TRAINING, licensee=bob.address)
    manager = alice.deployment.licence_manager
    assert chain.eth.get_balance(manager) == 2 * FEE
    before = chain.eth.get_balance(eve.address)
    assert alice.licensing.withdraw(to=eve.address) == 2 * FEE
    assert chain.eth.get_balance(eve.address) == before + 2 * FEE
    assert chain.eth.get_balance(manager) == 0
    earnings = alice.licensing.earnings()
    assert (earnings.withdrawable, earnings.earned) == (0, 2 * FEE)
    assert "nothing to withdraw" in str(reverts("LicenceNothingToWithdraw", alice.licensing.withdraw))


def test_royalty_info_answers_for_each_work(alice: RightsLedger, bob: RightsLedger, eve: RightsLedger) -> None:
    alice.register(b"print")
    assert alice.licensing.royalty(b"print", 10**18) == ("0x" + "00" * 20, 0)
    alice.licensing.set_royalty(b"print", alice.address, 500)
    assert alice.licensing.royalty(b"print", 10**18) == (alice.address, 5 * 10**16)
    reverts("LicenceUnauthorized", eve.licensing.set_royalty, b"print", eve.address, 100)


# ---------------------------------------------------------------------- derivatives


def test_derivative_of_a_no_derivatives_work_is_refused(alice: RightsLedger, bob: RightsLedger) -> None:
    parent = alice.register(b"original", terms=Terms(rules={Use.COMMERCIAL: Rule(mode=Mode.ALLOW)}))
    error = reverts("DerivativeNotAllowed", bob.licensing.register_derivative, b"remix", parent.content_hashes)
    assert "the check answers denied" in str(error)
    assert not bob.is_registered(b"remix")


def test_derivative_pays_its_parents_shares_exactly(alice: RightsLedger, bob: RightsLedger, eve: RightsLedger) -> None:
    shared = Terms(rules={Use.DERIVATIVE: Rule(mode=Mode.ALLOW, attribution=True, revenue_share_bps=2500)})
    a = alice.register(b"melody", terms=shared).content_hashes[0]
    e = eve.register(b"lyrics", terms=Terms(rules={Use.DERIVATIVE: Rule(mode=Mode.ALLOW, revenue_share_bps=333)}))
    fee = 1_000_003  # not divisible: the rounding remainder goes to the derivative's holder
    sell = Terms(rules={Use.COMMERCIAL: Rule(mode=Mode.LICENCE, fee=fee)})
    done = bob.licensing.register_derivative(b"song", [a, e.content_hashes[0]], terms=sell, metadata_uri="ipfs://song")
    assert [(p.content_hash, p.revenue_share_bps) for p in done.parents] == [(a, 2500), (e.content_hashes[0], 333)]
    assert bob.licensing.parents(b"song") == done.parents
    work = bob.work(b"song")
    assert work.registrant == bob.address and work.holder == bob.address and work.terms == sell

    alice.licensing.buy(b"song", Use.COMMERCIAL)
    shares = [alice.licensing.earnings().earned, eve.licensing.earnings().earned, bob.licensing.earnings().earned]
    assert shares == [fee * 2500 // 10_000, fee * 333 // 10_000, fee - fee * 2500 // 10_000 - fee * 333 // 10_000]
    assert sum(shares) == fee


def test_share_alike_passes_the_parents_terms_down(alice: RightsLedger, bob: RightsLedger) -> None:
    alice.register(b"by-sa", terms=PRESETS["cc-by-sa"])
    parent = alice.work(b"by-sa")
    error = reverts(
        "DerivativeShareAlikeRequired", bob.licensing.register_derivative, b"remix", [b"by-sa"], terms=TRAINING
    )
    assert "register it without terms to inherit them" in str(error)
    done = bob.licensing.register_derivative(b"remix", [b"by-sa"])
    assert done.policy_id == parent.policy_id and bob.work(b"remix").terms == parent.terms


def test_derivative_allowed_by_a_bought_derivative_licence(alice: RightsLedger, bob: RightsLedger) -> None:
    alice.register(b"score", terms=Terms(rules={Use.DERIVATIVE: Rule(mode=Mode.LICENCE, fee=7)}))
    error = reverts("DerivativeNotAllowed", bob.licensing.register_derivative, b"arrangement", [b"score"])
    assert "licence-required" in str(error)
    bob.licensing.buy(b"score", Use.DERIVATIVE)
    assert (
        bob.licensing.register_derivative(b"arrangement", [b"score"]).content_hash
        == bob.work(b"arrangement").content_hash
    )


def test_derivative_input_is_checked_before_sending(alice: RightsLedger) -> None:
    with pytest.raises(ValidationError, match="listed twice"):
        alice.licensing.register_derivative(b"x", [b"p", b"p"])
    with pytest.raises(ValidationError, match="1 to 16 parents"):
        alice.licensing.register_derivative(b"x", [])


def test_deploy_wires_the_licence_manager_and_hands_roles_to_another_admin(w3: Web3, tmp_path: Path) -> None:
    from rightsledger.chain import dev_account
    from rightsledger.chain.deploy import deploy

    other = dev_account(5).address
    deployment = deploy(w3, dev_account(4), admin=other, home=tmp_path)
    client = RightsLedger(w3, deployment, dev_account(4))
    works = client.works.functions
    assert works.licenceOracle().call() == deployment.licence_manager
    assert works.hasRole(works.DELEGATE_REGISTRAR_ROLE().call(), deployment.licence_manager).call()
    for role in (works.DEFAULT_ADMIN_ROLE().call(), works.REGISTRAR_ROLE().call()):
        assert works.hasRole(role, other).call() and not works.hasRole(role, dev_account(4).address).call()
