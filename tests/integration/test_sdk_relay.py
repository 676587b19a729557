"""Relayed writes through the SDK: users sign ERC-2771 forward requests, a relayer sends them."""

from __future__ import annotations

import os

import pytest
from web3 import Web3

from rightsledger import RightsLedger, Terms, Use, hash_bytes
from rightsledger.chain import dev_account
from rightsledger.chain.deployments import Deployment
from rightsledger.errors import ContractRevert, RelayError
from rightsledger.sdk.forwarding import ForwardRequest, RequestBuilder, SignedForwardRequest
from rightsledger.sdk.relay import Relayer

NODES = ("anvil", "hardhat")  # these tests run on both nodes (tests/integration/conftest.py)

ALICE = dev_account(1)
EVE = dev_account(3)


# Account 8 relays here: account 9 is the session gateway's relayer, whose nonce sequence must
# not be disturbed by these tests' chain snapshots.
RELAYER = dev_account(8)


@pytest.fixture
def relayer(chain: Web3, deployment: Deployment) -> Relayer:
    return Relayer(RightsLedger(chain, deployment, RELAYER))


def _sign(builder: RequestBuilder, request: ForwardRequest, key=ALICE) -> SignedForwardRequest:
    return request.sign(key, builder.chain_id, builder.forwarder_address)


def test_a_relayed_registration_records_the_signer_as_registrant_and_holder(relayer: Relayer) -> None:
    builder = relayer.builder
    before = builder.nonce(ALICE.address)
    request = builder.register(ALICE.address, b"a relayed etching", metadata_uri="ipfs://x")
    receipt = relayer.relay(_sign(builder, request))
    work = relayer.ledger.work(b"a relayed etching")
    assert work.holder == ALICE.address == work.registrant
    assert receipt.action == "register"
    assert receipt.signer == ALICE.address and receipt.relayer == RELAYER.address
    assert receipt.content_hashes == (hash_bytes(b"a relayed etching"),)
    assert receipt.events[0]["event"] == "WorksRegistered"
    assert builder.nonce(ALICE.address) == before + 1


def test_a_replayed_request_is_rejected_before_sending(relayer: Relayer) -> None:
    builder = relayer.builder
    signed = _sign(builder, builder.register(ALICE.address, b"once only"))
    relayer.relay(signed)
    block = relayer.ledger.w3.eth.block_number
    with pytest.raises(RelayError) as info:
        relayer.relay(signed)
    assert info.value.code == "nonce-used"
    assert relayer.ledger.w3.eth.block_number == block


def test_an_expired_request_is_rejected(relayer: Relayer) -> None:
    builder = relayer.builder
    request = builder.register(ALICE.address, b"too late", ttl=-10)
    with pytest.raises(RelayError) as info:
        relayer.relay(_sign(builder, request))
    assert info.value.code == "request-expired"


def test_a_signature_by_another_key_is_rejected(relayer: Relayer) -> None:
    builder = relayer.builder
    request = builder.register(ALICE.address, b"forged")
    forged = SignedForwardRequest(
        request, _sign(builder, ForwardRequest(**{**request.__dict__, "sender": EVE.address}), EVE).signature
    )
    with pytest.raises(RelayError) as info:
        relayer.relay(forged)
    assert info.value.code == "signature-invalid"


def test_a_non_holder_opt_out_is_refused_with_the_decoded_contract_error(relayer: Relayer) -> None:
    builder = relayer.builder
    relayer.relay(_sign(builder, builder.register(ALICE.address, b"alice's song")))
    data = relayer.ledger.works.encode_abi("setOptOut", args=[hash_bytes(b"alice's song"), 1 << Use.AI_TRAINING.code])
    request = builder.build(EVE.address, data, gas=200_000)
    with pytest.raises(ContractRevert) as info:
        relayer.relay(_sign(builder, request, EVE))
    assert info.value.error == "WorkUnauthorized"
    assert info.value.args_by_name["caller"].lower() == EVE.address.lower()


def test_the_holder_opts_out_through_the_relayer(relayer: Relayer) -> None:
    builder = relayer.builder
    relayer.relay(_sign(builder, builder.register(ALICE.address, b"alice's poem")))
    request = builder.set_opt_out(ALICE.address, b"alice's poem", [Use.AI_TRAINING])
    receipt = relayer.relay(_sign(builder, request))
    assert relayer.ledger.work(b"alice's poem").opted_out == (Use.AI_TRAINING,)
    assert receipt.action == "opt-out"


def test_a_request_to_a_contract_the_relayer_does_not_serve_is_refused(relayer: Relayer) -> None:
    builder = relayer.builder
    registry = relayer.ledger.works.functions.policyRegistry().call()
    request = builder.build(ALICE.address, "0x12345678", gas=100_000, to=registry)
    with pytest.raises(RelayError) as info:
        relayer.check(_sign(builder, request))
    assert info.value.code == "target-not-allowed"
    assert "LicenceManager" in str(info.value) and "WorkRegistry" in str(info.value)


def test_only_free_offers_are_redeemed_through_a_relayer(relayer: Relayer, deployment: Deployment) -> None:
    from datetime import UTC, datetime, timedelta

    alice = RightsLedger(relayer.ledger.w3, deployment, ALICE)
    alice.register(b"an offered print", terms=Terms.model_validate({"rules": {"ai-training": {"mode": "licence"}}}))
    until = datetime.now(UTC) + timedelta(days=1)
    paid = alice.licensing.offer(b"an offered print", "ai-training", price=1, valid_until=until)
    with pytest.raises(RelayError) as info:
        relayer.builder.redeem_offer(EVE.address, paid)
    assert info.value.code == "offer-not-free"
    free = alice.licensing.offer(b"an offered print", "ai-training", price=0, valid_until=until)
    request = relayer.builder.redeem_offer(EVE.address, free)
    receipt = relayer.relay(request.sign(EVE, relayer.builder.chain_id, relayer.builder.forwarder_address))
    assert receipt.action == "redeem-offer" and receipt.function == "redeemOffer"
    issued = next(e for e in receipt.events if e["event"] == "LicenceIssued")
    assert issued["licensee"] == EVE.address and issued["payer"] == EVE.address
    assert alice.check(b"an offered print", Use.AI_TRAINING, licensee=EVE.address).allowed


# ---------------------------------------------------------------------- attacks (issue 12)

SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


def _relayer_spent(relayer: Relayer) -> tuple[int, int]:
    w3 = relayer.ledger.w3
    return w3.eth.get_balance(relayer.address), w3.eth.get_transaction_count(relayer.address)


def test_attack_highSSignatureIsRefusedBeforeTheRelayerPays(relayer: Relayer) -> None:
    """The malleable twin (r, n - s, v flipped) recovers the same signer in eth-account but the
    forwarder's ECDSA refuses it: sent, it reverted with the nonce unused, repeatable for ever."""
    builder = relayer.builder
    signed = _sign(builder, builder.register(ALICE.address, b"malleable"))
    raw = bytes.fromhex(signed.signature.removeprefix("0x"))
    r, s, v = raw[:32], int.from_bytes(raw[32:64], "big"), raw[64]
    twin = "0x" + (r + (SECP256K1_N - s).to_bytes(32, "big") + bytes([55 - v])).hex()
    assert signed.request.recover(twin, builder.chain_id, builder.forwarder_address) == ALICE.address
    before = _relayer_spent(relayer)
    with pytest.raises(RelayError) as info:
        relayer.relay(SignedForwardRequest(signed.request, twin))
    assert info.value.code == "signature-malleable"
    assert _relayer_spent(relayer) == before, "nothing was sent"
    relayer.relay(signed)  # the low-s original still goes through
    assert relayer.ledger.work(b"malleable").holder == ALICE.address


def test_attack_calldataPaddedAfterItsAbiEncodingIsRefused(relayer: Relayer) -> None:
    """Bytes after the encoding change nothing the contract reads, but the relayer pays 16 gas each."""
    builder = relayer.builder
    data = relayer.ledger.works.encode_abi("register", args=[hash_bytes(b"padded"), ALICE.address, 0, ""])
    request = builder.build(ALICE.address, data + "00" * 4_000, gas=300_000)
    before = _relayer_spent(relayer)
    with pytest.raises(RelayError) as info:
        relayer.relay(_sign(builder, request))
    assert info.value.code == "calldata-not-canonical"
    assert _relayer_spent(relayer) == before, "nothing was sent"


def test_attack_oneSignerCannotSpendMoreThanItsGasBudget(chain: Web3, deployment: Deployment) -> None:
    """Valid requests all the same: a signer's relayed gas is capped per hour, and so is the relayer's."""
    relayer = Relayer(RightsLedger(chain, deployment, RELAYER), signer_gas_per_hour=10**9, gas_per_hour=10**9)
    builder = relayer.builder
    relayer.relay(_sign(builder, builder.register(ALICE.address, b"budget 1")))
    one = relayer.budget.spent(ALICE.address)
    assert one > 0
    relayer.budget.per_signer = one * 3 // 2  # room for one more half request: the next one does not fit
    with pytest.raises(RelayError) as info:
        relayer.relay(_sign(builder, builder.register(ALICE.address, b"budget 2")))
    assert info.value.code == "gas-budget-exceeded"
    assert not relayer.ledger.works.is_registered(b"budget 2")
    # Another signer still has its own budget; the relayer's total caps everyone.
    relayer.relay(_sign(builder, builder.register(EVE.address, b"budget 3"), EVE))
    tight = Relayer(RightsLedger(chain, deployment, RELAYER), signer_gas_per_hour=10**9, gas_per_hour=100_000)
    with pytest.raises(RelayError) as info:
        tight.relay(_sign(tight.builder, tight.builder.register(EVE.address, b"budget 4"), EVE))
    assert info.value.code == "gas-budget-exceeded"


def test_attack_requestThatTheForwarderWouldRefuseIsSimulatedAndNotSent(relayer: Relayer) -> None:
    """`Forwarder.execute` is simulated from the relayer every time: a request the forwarder itself
    refuses (here: the target's call fails inside it) costs the relayer nothing."""
    builder = relayer.builder
    relayer.relay(_sign(builder, builder.register(ALICE.address, b"taken")))
    data = relayer.ledger.works.encode_abi("register", args=[hash_bytes(b"taken"), EVE.address, 0, ""])
    request = builder.build(EVE.address, data, gas=300_000)
    before = _relayer_spent(relayer)
    with pytest.raises(ContractRevert) as info:
        relayer.relay(_sign(builder, request, EVE))
    assert info.value.error == "WorkAlreadyRegistered"
    assert _relayer_spent(relayer) == before, "nothing was sent"


def test_attack_anonymouslyPreparedTermsAreNotStoredOnAnHonestSignersRequest(relayer: Relayer) -> None:
    """`prepare` is anonymous. Terms prepared and never signed used to sit under the pending ids before
    an honest request's, and were stored first on its account. Now new terms travel in the signed
    request itself (`registerWithTerms`): the honest request stores its own terms, and only those,
    in its one transaction."""
    from rightsledger import Mode, Rule

    builder = relayer.builder
    w3 = relayer.ledger.w3
    count = relayer.ledger.policies.count()
    for fee in range(1, 6):  # an attacker's five prepared, never signed requests with new terms
        junk = Terms(rules={Use.AI_INFERENCE: Rule(mode=Mode.LICENCE, fee=fee)})
        builder.register(EVE.address, b"junk %d" % fee, terms=junk)
    assert relayer.ledger.policies.count() == count, "preparing stored nothing"
    honest = Terms(rules={Use.AI_TRAINING: Rule(mode=Mode.LICENCE, fee=10**15)})
    before = w3.eth.get_transaction_count(relayer.address)
    receipt = relayer.relay(_sign(builder, builder.register(ALICE.address, b"honest terms", terms=honest)))
    assert receipt.function == "registerWithTerms"
    assert relayer.ledger.policies.count() == count + 1, "only the signed request's terms were stored"
    assert relayer.ledger.work(b"honest terms").policy_id == relayer.ledger.policies.find(honest), "its own terms"
    assert w3.eth.get_transaction_count(relayer.address) == before + 1, "its terms and its registration, at once"


def test_new_terms_travel_in_every_relayed_write_and_stored_terms_by_their_id(relayer: Relayer) -> None:
    """A batch, a coded registration and a terms change with terms not stored yet carry them
    (`registerBatchWithTerms`, `registerWithCodeAndTerms`, `setTerms`); terms already stored are
    named by their id. Building the requests stores nothing."""
    from rightsledger import Mode, Rule

    builder = relayer.builder
    policies = relayer.ledger.policies
    salt = int.from_bytes(os.urandom(4), "big")  # terms no other test (or node snapshot) stored
    first, second, third = (
        Terms(rules={Use.TDM: Rule(mode=Mode.LICENCE, fee=salt * 3 + i + 1)}) for i in range(3)
    )
    count = policies.count()
    batch = builder.register_batch(ALICE.address, [b"inline %d a" % salt, b"inline %d b" % salt], terms=first)
    assert policies.count() == count, "building a request stores nothing"
    receipt = relayer.relay(_sign(builder, batch))
    assert receipt.function == "registerBatchWithTerms"
    stored = policies.find(first)
    assert stored is not None and policies.count() == count + 1
    assert {relayer.ledger.work(b"inline %d %s" % (salt, x)).policy_id for x in (b"a", b"b")} == {stored}

    code = bytes.fromhex("2101") + os.urandom(8)
    request = builder.register(ALICE.address, b"inline %d c" % salt, terms=second, code=code)
    coded = relayer.relay(_sign(builder, request))
    assert coded.function == "registerWithCodeAndTerms"
    assert relayer.ledger.work(b"inline %d c" % salt).policy_id == policies.find(second)
    root = relayer.ledger.works.functions.codeCommitmentOf(hash_bytes(b"inline %d c" % salt)).call()[3]
    assert root != bytes(32), "the code is committed"

    changed = relayer.relay(_sign(builder, builder.set_terms(ALICE.address, b"inline %d a" % salt, third)))
    assert changed.function == "setTerms"
    assert relayer.ledger.work(b"inline %d a" % salt).policy_id == policies.find(third)

    again = relayer.relay(_sign(builder, builder.register(ALICE.address, b"inline %d d" % salt, terms=first)))
    assert again.function == "register", "stored terms are named by their id"
    assert relayer.ledger.work(b"inline %d d" % salt).policy_id == stored
    assert policies.count() == count + 3, "one policy per distinct terms"
