"""The SDK against the real contracts on a real anvil: registration, terms, checks, errors."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from web3 import Web3

from rightsledger import (
    ContractRevert,
    Mode,
    NotFoundError,
    Reason,
    RightsLedger,
    Rule,
    Status,
    Terms,
    Use,
    ValidationError,
    hash_bytes,
)
from rightsledger.chain import dev_account
from rightsledger.chain.deployments import Deployment
from rightsledger.errors import ChainError, ConfigError
from rightsledger.sdk.works import CHECK_CHUNK

from .conftest import now

NODES = ("anvil", "hardhat")  # these tests run on both nodes (tests/integration/conftest.py)

TRAINING_FOR_A_FEE = Terms(rules={Use.AI_TRAINING: Rule(mode=Mode.LICENCE, fee="0.01 ether")})


def test_register_from_a_file_records_holder_terms_and_metadata(alice: RightsLedger, tmp_path: Path) -> None:
    path = tmp_path / "etching.png"
    path.write_bytes(b"\x89PNG fake etching")
    reg = alice.register(path, terms=TRAINING_FOR_A_FEE, metadata_uri="ipfs://etching")
    work = alice.work(path)
    assert work.content_hash == hash_bytes(path.read_bytes()) == reg.content_hashes[0]
    assert work.holder == alice.address == work.registrant
    assert work.policy_id == reg.policy_id >= 1
    assert work.terms == TRAINING_FOR_A_FEE
    assert work.metadata_uri == "ipfs://etching"
    assert work.status is Status.UNVERIFIED
    assert reg.gas_used > 21_000


def test_registering_a_registered_hash_fails_with_a_named_error(alice: RightsLedger, eve: RightsLedger) -> None:
    alice.register(b"the original")
    with pytest.raises(ContractRevert) as info:
        eve.register(b"the original")
    assert info.value.error == "WorkAlreadyRegistered"
    assert info.value.args_by_name["holder"].lower() == alice.address.lower()
    assert "registered already" in str(info.value)


def test_identical_terms_share_one_policy(alice: RightsLedger, bob: RightsLedger) -> None:
    a = alice.register(b"one", terms=TRAINING_FOR_A_FEE)
    b = bob.register(b"two", terms=TRAINING_FOR_A_FEE)
    assert a.policy_id == b.policy_id
    assert alice.policy_hash(TRAINING_FOR_A_FEE) == "0x" + alice.policies.functions.hashPolicy(
        TRAINING_FOR_A_FEE.as_policy()
    ).call().hex().removeprefix("0x")


def test_register_batch_chunks_under_the_gas_cap_and_costs_less_per_work(alice: RightsLedger) -> None:
    items = [os.urandom(32) for _ in range(45)]
    batch = alice.register_batch(items, terms=TRAINING_FOR_A_FEE, chunk_size=20)
    assert len(batch.registrations) == 3
    assert [len(r.content_hashes) for r in batch.registrations] == [20, 20, 5]
    assert all(alice.is_registered(i) for i in items)
    single = alice.register(os.urandom(32), terms=TRAINING_FOR_A_FEE)
    per_work = batch.registrations[0].gas_used / 20
    assert per_work * 2 < single.gas_used, (per_work, single.gas_used)


def test_register_batch_rejects_duplicates_and_empty_lists_before_sending(alice: RightsLedger) -> None:
    with pytest.raises(ValidationError, match="twice"):
        alice.register_batch([b"a", b"a"])
    with pytest.raises(ValidationError, match="empty"):
        alice.register_batch([])


def test_a_failed_batch_stores_nothing(alice: RightsLedger, bob: RightsLedger) -> None:
    alice.register(b"taken")
    with pytest.raises(ContractRevert, match="WorkAlreadyRegistered"):
        bob.register_batch([b"fresh 1", b"fresh 2", b"taken"])
    assert not bob.is_registered(b"fresh 1")
    assert alice.work(b"taken").holder == alice.address


def test_only_the_holder_or_an_operator_changes_terms(
    alice: RightsLedger, bob: RightsLedger, eve: RightsLedger
) -> None:
    alice.register(b"mine", terms=TRAINING_FOR_A_FEE)
    with pytest.raises(ContractRevert) as info:
        eve.set_terms(b"mine", Terms())
    assert info.value.error == "WorkUnauthorized"
    assert alice.work(b"mine").terms == TRAINING_FOR_A_FEE, "a refused change loses nothing"
    with pytest.raises(ContractRevert, match="WorkUnauthorized"):
        eve.set_opt_out(b"mine", [Use.AI_TRAINING])
    alice.approve_operator(bob.address)
    bob.set_terms(b"mine", Terms(rules={Use.TDM: Rule(mode=Mode.ALLOW)}))
    assert alice.work(b"mine").terms.rule(Use.TDM).mode is Mode.ALLOW


def test_transfer_moves_holdership_and_the_right_to_change_terms(alice: RightsLedger, bob: RightsLedger) -> None:
    alice.register(b"heirloom")
    alice.transfer(b"heirloom", bob.address)
    assert alice.work(b"heirloom").holder == bob.address
    with pytest.raises(ContractRevert, match="WorkUnauthorized"):
        alice.set_terms(b"heirloom", TRAINING_FOR_A_FEE)
    bob.set_terms(b"heirloom", TRAINING_FOR_A_FEE)
    assert bob.work(b"heirloom").terms == TRAINING_FOR_A_FEE


def test_registrar_marks_and_others_are_refused(admin: RightsLedger, alice: RightsLedger, eve: RightsLedger) -> None:
    alice.register(b"claimed")
    with pytest.raises(ContractRevert) as info:
        eve.mark(b"claimed", Status.DISPUTED)
    assert info.value.error == "AccessControlUnauthorizedAccount"
    admin.mark(b"claimed", Status.VERIFIED, "ipfs://evidence")
    assert alice.work(b"claimed").status is Status.VERIFIED
    admin.grant_registrar(eve.address)
    eve.mark(b"claimed", Status.DISPUTED)
    assert alice.check(b"claimed", Use.COMMERCIAL).reason is Reason.DISPUTED


def test_check_answers_every_reason_the_sdk_can_reach(admin: RightsLedger, alice: RightsLedger, chain: Web3) -> None:
    t = now(chain)
    terms = Terms(
        rules={
            Use.COMMERCIAL: Rule(mode=Mode.ALLOW),
            Use.PROMOTION: Rule(mode=Mode.ALLOW, start=datetime.fromtimestamp(t + 100, tz=UTC)),
            Use.AI_TRAINING: Rule(mode=Mode.LICENCE, fee=1),
        }
    )
    alice.register(b"work", terms=terms)
    answers = {use: alice.check(b"work", use).reason for use in Use}
    assert answers[Use.COMMERCIAL] is Reason.ALLOWED_BY_TERMS
    assert answers[Use.PROMOTION] is Reason.OUTSIDE_WINDOW
    assert answers[Use.AI_TRAINING] is Reason.LICENCE_REQUIRED
    assert answers[Use.DERIVATIVE] is Reason.DENIED, "a use without a rule is denied"
    assert alice.check(b"never registered", Use.TDM).reason is Reason.UNREGISTERED
    assert not alice.check(b"never registered", Use.TDM).allowed

    alice.set_opt_out(b"work", [Use.COMMERCIAL])
    assert alice.check(b"work", Use.COMMERCIAL).reason is Reason.OPTED_OUT
    alice.set_terms(b"work", terms.model_copy(update={"expires": datetime.fromtimestamp(t + 50, tz=UTC)}))
    assert alice.check(b"work", Use.AI_TRAINING, at=t + 49).reason is Reason.LICENCE_REQUIRED
    assert alice.check(b"work", Use.AI_TRAINING, at=t + 50).reason is Reason.EXPIRED
    admin.mark(b"work", Status.DISPUTED)
    assert alice.check(b"work", Use.AI_TRAINING).reason is Reason.DISPUTED


def test_windows_hold_at_their_edges(alice: RightsLedger) -> None:
    start, end = 1_900_000_000, 1_900_086_400
    window = Rule(mode=Mode.ALLOW, start=datetime.fromtimestamp(start, tz=UTC), end=datetime.fromtimestamp(end, tz=UTC))
    alice.register(b"poster", terms=Terms(rules={Use.PROMOTION: window}))
    expected = {
        start - 1: Reason.OUTSIDE_WINDOW,
        start: Reason.ALLOWED_BY_TERMS,
        end - 1: Reason.ALLOWED_BY_TERMS,
        end: Reason.OUTSIDE_WINDOW,
    }
    for moment, reason in expected.items():
        assert alice.check(b"poster", "promotion", at=moment).reason is reason, moment


def test_opt_out_adds_to_and_keeps_other_opt_outs(alice: RightsLedger) -> None:
    alice.register(b"song", terms=Terms(rules={u: Rule(mode=Mode.ALLOW) for u in Use}))
    alice.opt_out(b"song", [Use.AI_TRAINING])
    alice.opt_out(b"song", [Use.AI_INFERENCE])
    assert alice.work(b"song").opted_out == (Use.AI_TRAINING, Use.AI_INFERENCE)
    assert alice.check(b"song", Use.TDM).allowed


@pytest.fixture
def mixed_works(alice: RightsLedger, chain: Web3) -> list[bytes]:
    t = now(chain)
    open_terms = Terms(rules={u: Rule(mode=Mode.ALLOW) for u in Use})
    windowed = Terms(
        rules={u: Rule(mode=Mode.ALLOW, end=datetime.fromtimestamp(t + 1000, tz=UTC)) for u in Use},
    )
    fee_terms = Terms(
        rules={u: Rule(mode=Mode.LICENCE, fee=7) for u in Use}, expires=datetime.fromtimestamp(t + 2000, tz=UTC)
    )
    groups = [(open_terms, b"o"), (windowed, b"w"), (fee_terms, b"f"), (Terms(), b"d")]
    items: list[bytes] = []
    for terms, tag in groups:
        batch = [tag + bytes([i]) for i in range(4)]
        alice.register_batch(batch, terms=terms)
        items.extend(batch)
    alice.set_opt_out(items[1], [Use.TDM])
    items.extend([b"unregistered-1", b"unregistered-2"])
    return items


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_batch_answers_equal_single_answers(alice: RightsLedger, mixed_works: list[bytes], data: st.DataObject) -> None:
    t = now(alice.w3)
    picks = data.draw(st.lists(st.sampled_from(mixed_works), min_size=1, max_size=30))
    use = data.draw(st.sampled_from(list(Use)))
    at = data.draw(st.integers(t - 10, t + 3000))
    chunk = data.draw(st.integers(1, 7))
    batch = alice.check_many(picks, use, at=at, chunk_size=chunk)
    single = [alice.check(p, use, at=at) for p in picks]
    assert [r.reason for r in batch] == [r.reason for r in single]


def test_check_many_handles_a_hundred_thousand_hashes(alice: RightsLedger) -> None:
    registered = [os.urandom(32) for _ in range(300)]
    alice.register_batch(registered, terms=TRAINING_FOR_A_FEE)
    registered_hashes = {hash_bytes(r) for r in registered}
    unknown = ["0x" + os.urandom(32).hex() for _ in range(100_000 - 300)]
    everything = [hash_bytes(r) for r in registered] + unknown
    results = alice.check_many(everything, Use.AI_TRAINING)
    assert len(results) == 100_000 > CHECK_CHUNK
    assert sum(r.reason is Reason.LICENCE_REQUIRED for r in results) == 300
    assert all((r.content_hash in registered_hashes) == (r.reason is not Reason.UNREGISTERED) for r in results)


def test_bad_inputs_raise_validation_errors_before_any_transaction(alice: RightsLedger) -> None:
    with pytest.raises(ValidationError, match="unknown use 'painting'"):
        alice.check(b"x", "painting")
    with pytest.raises(ValidationError, match="not a content hash"):
        alice.check("0x1234", Use.TDM)
    with pytest.raises(ValidationError, match="not an Ethereum address"):
        alice.check(b"x", Use.TDM, licensee="bob")
    with pytest.raises(NotFoundError, match="does not exist"):
        alice.register(Path("/no/such/file.png"))
    with pytest.raises(NotFoundError, match="no work is registered"):
        alice.work(b"nothing here")


def test_connect_explains_what_is_missing(rpc_url: str, deployment: Deployment, tmp_path: Path) -> None:
    with pytest.raises(ChainError, match="no Ethereum node answers"):
        RightsLedger.connect("http://127.0.0.1:9", home=tmp_path)
    with pytest.raises(ConfigError, match="no rightsledger deployment is recorded for chain id 31337"):
        RightsLedger.connect(rpc_url, home=tmp_path)
    stale = Deployment(31337, {**deployment.contracts, "WorkRegistry": "0x" + "11" * 20}, deployment.deployer, 0)
    with pytest.raises(ConfigError, match="no contract at"):
        RightsLedger.connect(rpc_url, deployment=stale)
    client = RightsLedger.connect(rpc_url, deployment=deployment)
    with pytest.raises(ConfigError, match="needs a signing key"):
        client.register(b"unsigned")


def test_a_poor_account_gets_a_clear_error(chain: Web3, deployment: Deployment) -> None:
    from eth_account import Account

    pauper = RightsLedger(chain, deployment, Account.create())
    with pytest.raises(ChainError, match="too little ether"):
        pauper.register(b"no gas money")
    assert dev_account(0).address != pauper.address


def test_check_at_answers_under_the_terms_in_force_then(alice: RightsLedger, chain: Web3) -> None:
    open_terms = Terms(rules={Use.AI_TRAINING: Rule(mode=Mode.ALLOW)})
    alice.register(b"changing terms", terms=open_terms)
    before_change = now(chain)
    chain.provider.make_request("evm_increaseTime", [100])  # type: ignore[arg-type]
    alice.set_terms(b"changing terms", Terms())
    after_change = now(chain)
    assert after_change > before_change
    assert alice.check_at(b"changing terms", Use.AI_TRAINING, before_change).reason is Reason.ALLOWED_BY_TERMS
    assert alice.check_at(b"changing terms", Use.AI_TRAINING, after_change).reason is Reason.DENIED
    assert alice.check(b"changing terms", Use.AI_TRAINING, at=before_change).reason is Reason.DENIED, (
        "check applies today's terms to any moment"
    )
    assert alice.terms_at(b"changing terms", before_change) == open_terms
    assert alice.terms_at(b"changing terms", after_change) == Terms()
    assert alice.terms_at(b"never registered", after_change) is None
    assert alice.check_at(b"changing terms", Use.AI_TRAINING, before_change - 10_000).reason is Reason.UNREGISTERED
