"""The provenance trail and the disclosure label against the real chain: every stage, in
order, with block, transaction, time and actor; paging; access control; the label per level."""

from __future__ import annotations

from typing import Any

import pytest

from rightsledger import RightsLedger, Terms
from rightsledger.disclosure import Disclosure, DisclosureLevel
from rightsledger.errors import ContractRevert, ValidationError
from rightsledger.hashing import hash_bytes
from rightsledger.provenance import TrailReader
from rightsledger.vocabulary import Status, Use

WORK = b"a herbarium plate, scanned"
PARENT = b"the original plate"


def test_every_stage_appears_in_order_with_block_transaction_time_and_actor(
    admin: RightsLedger, alice: RightsLedger, bob: RightsLedger
) -> None:
    alice.register(WORK, terms=Terms.model_validate({"rules": {"tdm": {"mode": "allow"}}}), metadata_uri="ipfs://m")
    alice.record_stage(WORK, "created", details_uri="ipfs://creation", details=b"creation notes")
    alice.approve_operator(bob.address)
    bob.record_stage(WORK, "digitised", details_uri="https://archive.example/scan", details=b"scan report")
    alice.record_stage(WORK, "transformed", details_uri="ipfs://crop")
    alice.record_stage(WORK, "derived-from", parents=[PARENT])
    alice.set_terms(WORK, Terms())
    alice.set_opt_out(WORK, [Use.AI_TRAINING])
    admin.mark(WORK, Status.VERIFIED, "ipfs://evidence")
    alice.disclose(WORK, "ai-assisted-production/post-production;tools=Upscaler 2")
    alice.transfer(WORK, bob.address)

    trail = alice.trail(WORK)
    assert [e.stage for e in trail] == [
        "registered",
        "created",
        "digitised",
        "transformed",
        "derived-from",
        "terms-changed",
        "opt-out-changed",
        "status-marked",
        "disclosure-set",
        "holdership-transferred",
    ]
    actors = [e.actor for e in trail]
    assert actors == [alice.address] * 2 + [bob.address] + [alice.address] * 4 + [admin.address] + [alice.address] * 2
    assert [(e.block, e.log_index) for e in trail] == sorted((e.block, e.log_index) for e in trail)
    assert all(e.transaction.startswith("0x") and len(e.transaction) == 66 for e in trail)
    for entry in trail:
        assert entry.timestamp.timestamp() == alice.w3.eth.get_block(entry.block)["timestamp"]
    by_stage = {e.stage: e.details for e in trail}
    assert by_stage["registered"]["metadataURI"] == "ipfs://m" and by_stage["registered"]["to"] == alice.address
    assert by_stage["digitised"] == {
        "detailsURI": "https://archive.example/scan",
        "detailsHash": hash_bytes(b"scan report"),
    }
    assert by_stage["derived-from"]["parents"] == [hash_bytes(PARENT)]
    assert by_stage["terms-changed"] == {"policyId": 0}
    assert by_stage["opt-out-changed"] == {"optedOut": ["ai-training"]}
    assert by_stage["status-marked"]["status"] == "verified"
    assert by_stage["disclosure-set"]["label"] == "ai-assisted-production/post-production;tools=Upscaler 2"
    assert by_stage["holdership-transferred"] == {"from": alice.address, "to": bob.address}
    assert trail[0].to_json_dict()["details"]["registrant"] == alice.address


def test_trail_of_one_work_leaves_out_other_works(alice: RightsLedger) -> None:
    alice.register(WORK)
    alice.register(b"another work")
    alice.record_stage(b"another work", "created")
    assert [e.stage for e in alice.trail(WORK)] == ["registered"]


class RangeLimitedReader(TrailReader):
    """A reader talking to a node that refuses log ranges wider than `limit` blocks, as hosted nodes do."""

    def __init__(self, *args: Any, limit: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limit = limit
        self.refused = 0

    def _get_logs(self, params: dict[str, Any]) -> Any:
        if params["toBlock"] - params["fromBlock"] + 1 > self.limit:
            self.refused += 1
            raise ValueError(f"query exceeds max block range {self.limit}")
        return super()._get_logs(params)


def test_long_trail_is_read_in_pages_and_narrows_when_a_node_refuses_a_range(alice: RightsLedger) -> None:
    alice.register(WORK)
    for _ in range(6):
        alice.record_stage(WORK, "transformed")
    whole = alice.trail(WORK)
    paged = TrailReader(alice.w3, alice.deployment, page_size=2)
    assert paged.read(WORK) == whole
    span = alice.w3.eth.block_number - alice.deployment.block + 1
    assert paged.requests >= 2 * (span // 2), "each page of 2 blocks is one request per topic position"

    limited = RangeLimitedReader(alice.w3, alice.deployment, page_size=1_000, limit=3)
    assert limited.read(WORK) == whole
    assert limited.refused > 0 and limited.page_size == 1_000


def test_page_size_must_be_positive(alice: RightsLedger) -> None:
    with pytest.raises(ValidationError, match="at least 1"):
        TrailReader(alice.w3, alice.deployment, page_size=0)


def test_non_holder_can_neither_add_stages_nor_disclose(alice: RightsLedger, eve: RightsLedger) -> None:
    alice.register(WORK)
    with pytest.raises(ContractRevert) as caught:
        eve.record_stage(WORK, "created")
    assert caught.value.error == "ProvenanceUnauthorized"
    assert caught.value.args_by_name["caller"].lower() == eve.address.lower()
    with pytest.raises(ContractRevert, match="ProvenanceUnauthorized"):
        eve.disclose(WORK, "human-made")
    with pytest.raises(ContractRevert, match="ProvenanceWorkNotRegistered"):
        alice.record_stage(b"never registered", "created")
    assert alice.disclosure(WORK) is None


def test_batch_stage_records_a_digitisation_campaign(alice: RightsLedger) -> None:
    plates = [f"plate {i}".encode() for i in range(7)]
    alice.register_batch(plates)
    assert alice.record_stage_batch(plates, "digitised", details_uri="ipfs://campaign", chunk_size=3) == 7
    for plate in plates:
        assert [e.stage for e in alice.trail(plate)] == ["registered", "digitised"]


def test_parents_are_checked_before_sending(alice: RightsLedger) -> None:
    alice.register(WORK)
    with pytest.raises(ValidationError, match="names the works it derives from"):
        alice.record_stage(WORK, "derived-from")
    with pytest.raises(ValidationError, match="only a derived-from stage takes parents"):
        alice.record_stage(WORK, "created", parents=[PARENT])
    with pytest.raises(ValidationError, match="unknown stage 'licensed'"):
        alice.record_stage(WORK, "licensed")
    with pytest.raises(ContractRevert, match="ProvenanceInvalidParent"):
        alice.record_stage(WORK, "derived-from", parents=[WORK])


@pytest.mark.parametrize(
    "text",
    [
        "human-made",
        "ai-assisted-ideation/ideation;tools=a brainstorming chatbot",
        "ai-assisted-production/drafting+translation",
        "ai-generated-human-edited/production;tools=https://example.org/tools",
        "ai-generated/production+voice-performance",
    ],
)
def test_each_label_level_is_stored_on_chain_and_read_back(alice: RightsLedger, text: str) -> None:
    alice.register(WORK)
    alice.disclose(WORK, text)
    label = alice.disclosure(WORK)
    assert label is not None
    assert label.to_text() == text
    assert label.set_by == alice.address
    assert label.set_at is not None


def test_the_contract_refuses_labels_the_sdk_would_refuse(alice: RightsLedger) -> None:
    alice.register(WORK)
    digest = hash_bytes(WORK)
    call = alice.provenance.functions.setDisclosure(digest, DisclosureLevel.HUMAN_MADE.code, 1, "")
    with pytest.raises(ContractRevert) as caught:
        alice._send(call, "disclosing")
    assert caught.value.error == "DisclosureInconsistentPhases"
    assert "contradict level 1" in str(caught.value)
    with pytest.raises(ContractRevert, match="DisclosureUnknownLevel"):
        alice._send(alice.provenance.functions.setDisclosure(digest, 9, 0, ""), "disclosing")


def test_relabelling_keeps_every_version_in_the_trail(alice: RightsLedger) -> None:
    alice.register(WORK)
    alice.disclose(WORK, Disclosure.create("ai-generated", ["production"]))
    alice.disclose(WORK, Disclosure.create("ai-generated-human-edited", ["production"]))
    labels = [e.details["label"] for e in alice.trail(WORK) if e.stage == "disclosure-set"]
    assert labels == ["ai-generated/production", "ai-generated-human-edited/production"]
    assert alice.disclosure(WORK).level is DisclosureLevel.AI_GENERATED_HUMAN_EDITED  # type: ignore[union-attr]
