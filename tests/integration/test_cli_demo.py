"""`rightsledger demo` prints its table and scenes, and a second run finds the first run's records."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rightsledger.chain import free_port
from rightsledger.cli import main


def test_demo_prints_the_table_and_is_rerunnable(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    port = free_port()
    try:
        assert main(["--home", str(tmp_path), "demo", "--port", str(port)]) == 0
        first = capsys.readouterr().out
        assert main(["--home", str(tmp_path), "demo", "--port", str(port)]) == 0
        second = capsys.readouterr().out
    finally:
        main(["--home", str(tmp_path), "chain", "stop", "--port", str(port)])
    rows: dict[str, str] = {}
    for line in first.splitlines():  # the answer table comes before the gas table
        rows.setdefault(line.split("  ")[0], line)
    assert "yes" in rows["Harbour at Dawn"] and "no: outside-window" in rows["Harbour at Dawn"]
    assert "with licence" in rows["Lullaby for the North Sea"]
    assert rows["Grandmother's Kitchen"].count("no: denied") == 7
    assert rows["Festival poster 2025"].count("no: expired") == 7
    assert rows["Herbarium plate 5"].count("no: disputed") == 7
    assert rows["Unregistered sketch"].count("no: unregistered") == 7
    assert "batch of 5" in first and "registered now" in first
    # On a port other than 8545, the hints name the node and the home (the defaults would miss them).
    rl = f"rightsledger --home {tmp_path} --rpc-url http://127.0.0.1:{port}"
    assert f"try: {rl} check " in first and f"{rl} serve --local-chain --chain-port {port} --dev-keys" in first
    assert "registered in an earlier run" in second
    # The datasets scene: the licensed lullaby is no violation, the harbour (training denied) is one.
    for output in (first, second):
        assert "lullaby-for-the-north-sea.txt in dataset 1: proven, no violation" in output
        assert "harbour-at-dawn.svg in dataset 1: proven, violation recorded, removal acknowledged" in output
        assert "`rightsledger datasets harbour-at-dawn.svg`: dataset 1 (ai-training)" in output
    assert "at declaration the answer was allowed-by-licence" in first
    assert "at declaration the answer was denied" in first
    assert "declared the samples as dataset 1 in an earlier run" in second

    def batch_gas(output: str) -> str:
        return next(line for line in output.splitlines() if "batch of 5" in line).split()[4]

    assert batch_gas(second) == batch_gas(first), "gas read back from the first run's receipt"

    scene = first[first.index("\nlicensing") :]
    assert "trainer asks to train on the lullaby: no (licence-required)" in scene
    assert "trainer buys an ai-training licence for 0.01 ETH" in scene
    assert "trainer asks again: yes (allowed-by-licence)" in scene
    assert "screenplay of Grandmother's Kitchen: refused (DerivativeNotAllowed, denied)" in scene
    assert "choral arrangement derived from the lullaby: accepted" in scene
    assert "0.01 ETH to the lullaby's holder, 0.04 ETH to the composer" in scene
    assert "artist withdraws 0.02 ETH" in scene
    assert "licence #1, bought in an earlier run" in second and "registered in an earlier run" in second
    for output in (first, second):
        trail = output.split("provenance trail of Lullaby for the North Sea")[1].split("AI disclosure:")[0]
        stages = [line.split()[3] for line in trail.strip().splitlines()[2:]]
        assert stages == [
            "registered",
            "licensed",
            "derivative-registered",
            "declared-in-dataset",
            "created",
            "disclosure-set",
        ], "the licence, the derivative and the dataset proof of the earlier scenes are stages; re-running adds none"
        assert "AI disclosure: ai-assisted-ideation/ideation;tools=a brainstorming chatbot" in output
        policy = json.loads(output.split("`rightsledger export odrl FILE`)")[1].split("\nrights that travel")[0])
        assert policy["@type"] == "Offer"
        permitted = {p["action"] for p in policy["permission"]}
        assert permitted == {"tdm:mine", "rl:aiTraining", "rl:aiGenerativeTraining", "rl:promote", "derive"}

    # Rights that travel: the photograph's record inside the file, the AI Act summary, the observatory.
    travel = first[first.index("\nrights that travel") :]
    assert "harbour-lights.png: registered with its ISCC Image-Code" in travel
    assert "is registered as a derived stage" in travel
    assert "c2pa.soft-binding" in travel and "cawg.training-mining" in travel
    assert "a trainer checks the embedded file for AI training: licence-required" in travel
    assert "by its bytes: unregistered" in travel
    assert "found again" in travel and "`rightsledger check` on the copy: licence-required (near copy of" in travel
    assert "harbour-lights.png: registered in an earlier run" in second
    summary = json.loads((tmp_path / "demo-summary" / "summary.json").read_text())
    assert summary and (tmp_path / "demo-summary" / "summary.html").stat().st_size > 1000
    assert "datasets declared: 1; violations recorded: 1; removal requests: 1 (1 acknowledged)" in travel
    assert "<svg" in (tmp_path / "observatory.html").read_text()
