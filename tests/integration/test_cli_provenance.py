"""The provenance, disclosure, export and C2PA import commands of the CLI against the real chain."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rightsledger.exports.jsonld import expand
from rightsledger.hashing import hash_file


def test_history_lists_each_stage_as_a_table_and_as_json(cli, files: list[Path], tmp_path: Path) -> None:
    work = str(files[0])
    report = tmp_path / "scan-report.pdf"
    report.write_bytes(b"scan report")
    assert cli("--dev-account", "1", "register", work, "--allow", "tdm")[0] == 0
    code, out, _ = cli(
        "--dev-account",
        "1",
        "stage",
        work,
        "--stage",
        "digitised",
        "--details-uri",
        "ipfs://r",
        "--details",
        str(report),
    )
    assert code == 0 and "recorded digitised" in out
    assert cli("--dev-account", "1", "stage", work, "--stage", "derived-from", "--parent", str(files[1]))[0] == 0
    assert cli("--dev-account", "1", "disclose", work, "ai-generated-human-edited", "--phase", "production")[0] == 0
    code, out, _ = cli("history", work)
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == f"provenance trail of {hash_file(files[0])} (4 stages)"
    stages = [line.split()[3] for line in lines[4:]]
    assert stages == ["registered", "digitised", "derived-from", "disclosure-set"]
    code, out, _ = cli("history", hash_file(files[0]), "--json", "--page-size", "1")
    trail = json.loads(out)["trail"]
    assert [t["stage"] for t in trail] == stages
    assert trail[1]["details"] == {"detailsURI": "ipfs://r", "detailsHash": hash_file(report)}
    assert trail[2]["details"]["parents"] == [hash_file(files[1])]
    assert all(t["actor"] == "0x70997970C51812dc3A010C7d01b50e0d17dc79C8" for t in trail)


def test_stage_for_several_files_is_one_batch(cli, files: list[Path]) -> None:
    paths = [str(f) for f in files]
    cli("--dev-account", "1", "register", *paths)
    code, out, _ = cli("--dev-account", "1", "stage", *paths, "--stage", "created")
    assert code == 0 and "recorded created for 3 works" in out
    code, out, _ = cli("history", paths[2], "--json")
    assert [t["stage"] for t in json.loads(out)["trail"]] == ["registered", "created"]


def test_disclose_then_label_prints_text_meaning_and_iptc(cli, files: list[Path]) -> None:
    work = str(files[0])
    cli("--dev-account", "1", "register", work)
    code, out, _ = cli("label", work)
    assert code == 0 and "no AI disclosure set" in out
    code, out, _ = cli("--dev-account", "1", "disclose", work, "--label", "ai-assisted-ideation/ideation;tools=Chat")
    assert code == 0 and "ai-assisted-ideation/ideation;tools=Chat" in out
    code, out, _ = cli("label", work)
    assert "meaning     made by people; AI assisted only with ideas (AI in: ideation); tools: Chat" in out
    assert "IPTC        https://w3id.org/rightsledger/ns#aiAssistedIdeationOnly" in out
    assert "extension term" in out
    code, out, _ = cli("label", work, "--json")
    assert json.loads(out)["disclosure"]["iptcFallback"].endswith("/digitalCreation")


def test_export_formats_from_the_chain(cli, files: list[Path]) -> None:
    work = str(files[0])
    cli("--dev-account", "1", "register", work, "--allow", "tdm", "--licence", "ai-training=0.01ether")
    code, out, _ = cli("export", "odrl", work)
    assert code == 0
    (node,) = expand(json.loads(out))
    actions = {
        r["http://www.w3.org/ns/odrl/2/action"][0]["@id"] for r in node["http://www.w3.org/ns/odrl/2/permission"]
    }
    assert actions == {"http://www.w3.org/ns/tdmrep#mine", "https://w3id.org/rightsledger/ns#aiTraining"}
    code, out, _ = cli("export", "tdmrep", work, "--policy-url", "https://x/{hash}.json")
    assert json.loads(out)["tdm-policy"] == f"https://x/{hash_file(files[0])}.json"
    code, out, _ = cli("export", "cawg", work)
    assert json.loads(out)["data"]["entries"]["cawg.ai_training"]["use"] == "constrained"
    code, out, _ = cli("export", "plus", work)
    assert json.loads(out)["plus:DataMining"].endswith("DMI-PROHIBITED-SEECONSTRAINT")
    code, out, _ = cli("export", "erc7517", work, "--name", "Song")
    assert json.loads(out)["dataMiningPreference"]["dataMining"] == "allowed"
    code, out, _ = cli("export", "tdmrep.json", work, "--location-prefix", "/songs")
    assert json.loads(out) == [{"location": f"/songs/{files[0].name}$", "tdm-reservation": 1}]
    code, out, _ = cli("export", "tdm-policy", work, "--policy-url", "https://x/p")
    assert json.loads(out)["uid"] == "https://x/p"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("disclose", "FILE", "ai-made"), "unknown disclosure level 'ai-made'"),
        (("disclose", "FILE", "human-made", "--phase", "drafting"), "a human-made work names no AI phases"),
        (("disclose", "FILE", "ai-assisted-ideation", "--phase", "drafting"), "ideation phase only"),
        (("disclose", "FILE", "ai-assisted-production"), "at least one phase besides ideation"),
        (("disclose", "FILE"), "name the level"),
        (("disclose", "FILE", "--label", "human-made/"), "is not a disclosure label"),
        (("--dev-account", "3", "disclose", "FILE", "human-made"), "ProvenanceUnauthorized"),
        (("--dev-account", "3", "stage", "FILE", "--stage", "created"), "ProvenanceUnauthorized"),
        (("stage", "FILE", "--stage", "derived-from"), "names the works it derives from"),
        (("history", "UNREG"), "no work is registered"),
        (("label", "UNREG"), "no work is registered"),
        (("export", "iptc", "FILE"), "has no AI disclosure"),
        (("export", "tdmrep.json", "HASH"), "give files, not hashes"),
        (("export", "tdm-policy", "FILE"), "no TDM policy to offer"),
    ],
)
def test_bad_input_prints_one_clear_line(cli, files: list[Path], args, message: str) -> None:
    cli("--dev-account", "1", "register", str(files[2]))
    names = {"FILE": str(files[2]), "HASH": hash_file(files[2]), "UNREG": hash_file(files[1])}
    code, out, err = cli(*[names.get(a, a) for a in args])
    assert code == 1
    assert message in err
    assert err.count("\n") == 1 and err.startswith("rightsledger: error: ")
    assert "Traceback" not in err + out


def test_cli_import_registers_with_the_offered_terms_and_label(cli, tmp_path: Path) -> None:
    pytest.importorskip("c2pa")
    from ..c2pa_support import GENERATED_NO_TRAINING, signed_png, tiny_png

    path = signed_png(tmp_path / "generated.png", GENERATED_NO_TRAINING)
    code, out, _ = cli("import", str(path))
    assert code == 0
    assert "disclosure  ai-generated/production" in out and "signer not on a trust list" in out
    code, out, _ = cli("--dev-account", "1", "import", str(path), "--register")
    assert code == 0, out
    code, out, _ = cli("check", str(path), "--use", "tdm")
    assert code == 0 and "allowed-by-terms" in out
    code, out, _ = cli("label", str(path), "--json")
    assert json.loads(out)["disclosure"]["level"] == "ai-generated"
    plain = tmp_path / "plain.png"
    plain.write_bytes(tiny_png())
    code, _, err = cli("import", str(plain))
    assert code == 1 and "carries no C2PA manifest" in err
    assert hash_file(path) != hash_file(plain)
