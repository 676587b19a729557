"""Exports from a record read off the chain: what the registry says is what the export says."""

from __future__ import annotations

from rightsledger import RightsLedger, Terms
from rightsledger.exports import ExportRecord, data_mining


def test_a_record_read_from_the_chain_exports_what_the_registry_says(alice: RightsLedger) -> None:
    alice.register(b"song", terms=Terms.model_validate({"rules": {"tdm": {"mode": "allow"}}}))
    alice.disclose(b"song", "human-made")
    live = ExportRecord.read(alice, b"song")
    assert live.holder == alice.address and live.chain_id == 31337
    assert live.disclosure is not None and live.disclosure.to_text() == "human-made"
    assert data_mining(live)["plus:DataMining"].endswith("DMI-PROHIBITED-AIMLTRAINING")
    assert live.caip19.startswith(f"eip155:31337/erc721:{alice.deployment.work_registry}/")
