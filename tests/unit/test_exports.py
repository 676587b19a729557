"""Exports from one record, checked for meaning: the ODRL policy is expanded with a JSON-LD
processor (offline) and its triples asserted; TDMRep, CAWG, PLUS and ERC-7517 values are
asserted per case; golden files pin the exact documents."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from rightsledger import Terms
from rightsledger.disclosure import Disclosure
from rightsledger.errors import NotFoundError, ValidationError
from rightsledger.exports import (
    Access,
    ExportRecord,
    data_mining,
    digital_source_type,
    odrl_policy,
    tdm_declaration,
    tdm_policy,
    token_metadata,
    training_mining_assertion,
    well_known,
)
from rightsledger.exports.jsonld import document_loader, expand, odrl_context
from rightsledger.vocabulary import Status, Use

from ..conftest import ROOT

GOLDEN = Path(__file__).resolve().parent / "golden"
ODRL = "http://www.w3.org/ns/odrl/2/"
RL = "https://w3id.org/rightsledger/ns#"
XSD = "http://www.w3.org/2001/XMLSchema#"
NOW = datetime(2026, 6, 1, tzinfo=UTC)


def record(rules: dict[str, Any], **kwargs: Any) -> ExportRecord:
    terms = Terms.model_validate({"rules": rules, "expires": kwargs.pop("expires", None)})
    defaults: dict[str, Any] = {
        "content_hash": "0x" + "ab" * 32,
        "chain_id": 31337,
        "registry": "0x5FbDB2315678afecb367f032d93F642f64180aa3",
        "holder": "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
        "policy_id": 3,
        "terms": terms,
        "now": NOW,
    }
    return ExportRecord(**{**defaults, **kwargs})


LULLABY = record(
    {
        "tdm": {"mode": "allow"},
        "ai-training": {"mode": "licence", "fee": "0.01 ether"},
        "promotion": {"mode": "allow", "attribution": True, "start": "2026-05-01", "end": "2026-07-01"},
        "derivative": {"mode": "allow", "share_alike": True, "revenue_share_bps": 1500},
    },
    expires="2030-01-01",
    disclosure=Disclosure.create("ai-assisted-ideation", ["ideation"], "a chatbot"),
)


def _golden(name: str, document: Any) -> None:
    path = GOLDEN / name
    text = json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    assert path.read_text() == text, f"{name} changed; if on purpose, rewrite it from this output"


def _rules(expanded: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    (policy,) = expanded
    return {rule[ODRL + "action"][0]["@id"]: rule for rule in policy.get(ODRL + kind, [])}


# ---------------------------------------------------------------------- ODRL


def test_odrl_policy_expands_offline_into_the_expected_rules() -> None:
    policy = odrl_policy(LULLABY)
    _golden("odrl-lullaby.json", policy)
    expanded = expand(policy)
    (node,) = expanded
    assert node["@type"] == [ODRL + "Offer"]
    assert node["@id"] == LULLABY.policy_uid
    assert node[ODRL + "assigner"] == [{"@id": "did:pkh:eip155:31337:0x70997970C51812dc3A010C7d01b50e0d17dc79C8"}]
    assert {p["@id"] for p in node[ODRL + "profile"]} == {
        "http://www.w3.org/ns/tdmrep",
        "https://w3id.org/rightsledger/odrl-profile",
    }
    permitted = _rules(expanded, "permission")
    prohibited = _rules(expanded, "prohibition")
    assert set(permitted) == {"http://www.w3.org/ns/tdmrep#mine", RL + "aiTraining", RL + "promote", ODRL + "derive"}
    assert set(prohibited) == {RL + "commercialUse", RL + "aiGenerativeTraining", RL + "aiInference"}
    for rule in [*permitted.values(), *prohibited.values()]:
        assert rule[ODRL + "target"] == [{"@id": LULLABY.content_uri}]

    def duties(rule: dict[str, Any]) -> list[str]:
        return [d[ODRL + "action"][0]["@id"] for d in rule.get(ODRL + "duty", [])]

    def constraints(rule: dict[str, Any]) -> list[tuple[str, str, str, str]]:
        return [
            (
                c[ODRL + "leftOperand"][0]["@id"],
                c[ODRL + "operator"][0]["@id"],
                c[ODRL + "rightOperand"][0]["@value"],
                c[ODRL + "rightOperand"][0]["@type"],
            )
            for c in rule.get(ODRL + "constraint", [])
        ]

    training = permitted[RL + "aiTraining"]
    assert duties(training) == [ODRL + "obtainConsent", ODRL + "compensate"]
    (fee,) = training[ODRL + "duty"][1][ODRL + "refinement"]
    assert fee[ODRL + "leftOperand"] == [{"@id": ODRL + "payAmount"}]
    assert fee[ODRL + "rightOperand"] == [{"@value": str(10**16), "@type": XSD + "integer"}]
    assert fee[ODRL + "unit"] == [{"@id": RL + "wei"}]
    expiry = (ODRL + "dateTime", ODRL + "lt", "2030-01-01T00:00:00Z", XSD + "dateTime")
    assert constraints(permitted[RL + "promote"]) == [
        (ODRL + "dateTime", ODRL + "gteq", "2026-05-01T00:00:00Z", XSD + "dateTime"),
        (ODRL + "dateTime", ODRL + "lt", "2026-07-01T00:00:00Z", XSD + "dateTime"),
        expiry,
    ]
    assert duties(permitted[RL + "promote"]) == [ODRL + "attribute"]
    assert duties(permitted[ODRL + "derive"]) == ["http://creativecommons.org/ns#ShareAlike", ODRL + "compensate"]
    (share,) = permitted[ODRL + "derive"][ODRL + "duty"][1][ODRL + "refinement"]
    assert share[ODRL + "leftOperand"] == [{"@id": ODRL + "percentage"}]
    assert share[ODRL + "rightOperand"][0]["@value"] == "15"
    assert constraints(permitted["http://www.w3.org/ns/tdmrep#mine"]) == [expiry]


def test_opted_out_and_disputed_works_prohibit_in_odrl() -> None:
    opted = record({"tdm": {"mode": "allow"}, "ai-training": {"mode": "allow"}}, opted_out=frozenset({Use.AI_TRAINING}))
    assert set(_rules(expand(odrl_policy(opted)), "permission")) == {"http://www.w3.org/ns/tdmrep#mine"}
    disputed = record({"tdm": {"mode": "allow"}}, status=Status.DISPUTED)
    expanded = expand(odrl_policy(disputed))
    assert _rules(expanded, "permission") == {} and len(_rules(expanded, "prohibition")) == 7


def test_the_odrl_context_is_shipped_and_served_without_network() -> None:
    shipped = odrl_context()
    npm = json.loads((ROOT / "node_modules/@digitalbazaar/odrl-context/contexts/odrl.jsonld").read_text())
    assert shipped == npm
    for url in ("http://www.w3.org/ns/odrl.jsonld", "https://www.w3.org/ns/odrl.jsonld"):
        assert document_loader(url)["document"] == shipped
    with pytest.raises(Exception, match="no JSON-LD documents from the network"):
        document_loader("https://example.org/other.jsonld")
    with pytest.raises(ValidationError, match="does not expand"):
        expand({"@context": "https://example.org/other.jsonld", "x": 1})


# ---------------------------------------------------------------------- access reduction


@pytest.mark.parametrize(
    ("rule", "kwargs", "access"),
    [
        ({"mode": "allow"}, {}, Access.OPEN),
        ({"mode": "allow", "start": "2026-01-01"}, {}, Access.OPEN),
        ({"mode": "allow", "start": "2026-07-01"}, {}, Access.CONDITIONAL),
        ({"mode": "allow", "end": "2026-07-01"}, {}, Access.CONDITIONAL),
        ({"mode": "allow", "end": "2026-05-01"}, {}, Access.DENIED),
        ({"mode": "allow", "attribution": True}, {}, Access.CONDITIONAL),
        ({"mode": "licence"}, {}, Access.CONDITIONAL),
        ({"mode": "allow"}, {"expires": "2026-01-01"}, Access.DENIED),
        ({"mode": "allow"}, {"expires": "2027-01-01"}, Access.CONDITIONAL),
        ({"mode": "allow"}, {"opted_out": frozenset({Use.TDM})}, Access.DENIED),
        ({"mode": "allow"}, {"status": Status.DISPUTED}, Access.DENIED),
        ({"mode": "deny"}, {}, Access.DENIED),
    ],
)
def test_each_use_reduces_to_open_conditional_or_denied(rule, kwargs, access) -> None:
    assert record({"tdm": rule}, **kwargs).access(Use.TDM).access is access


# ---------------------------------------------------------------------- TDMRep


def test_tdmrep_reserves_unless_mining_and_ai_training_are_all_open() -> None:
    open_all = record({u: {"mode": "allow"} for u in ("tdm", "ai-training", "ai-generative-training")})
    assert tdm_declaration(open_all).to_json_dict() == {"tdm-reservation": 0}
    tdm_only = record({"tdm": {"mode": "allow"}})
    assert tdm_declaration(tdm_only, policy_url="https://x/p").to_json_dict() == {
        "tdm-reservation": 1,
        "tdm-policy": "https://x/p",
    }
    nothing = record({})
    assert tdm_declaration(nothing, policy_url="https://x/p").to_json_dict() == {"tdm-reservation": 1}
    declaration = tdm_declaration(LULLABY, policy_url="https://x/p")
    assert declaration.http_headers() == {"tdm-reservation": "1", "tdm-policy": "https://x/p"}
    assert declaration.html_meta() == (
        '<meta name="tdm-reservation" content="1">\n<meta name="tdm-policy" content="https://x/p">'
    )


def test_tdm_policy_is_a_tdmrep_offer_to_mine_under_the_work_duties() -> None:
    licensed = record({"tdm": {"mode": "licence", "fee": "250 gwei"}})
    policy = tdm_policy(licensed, uid="https://provider.example/policies/1", contact_url="https://x/licensing")
    _golden("tdm-policy-licensed.json", policy)
    assert policy["profile"] == "http://www.w3.org/ns/tdmrep"
    ((node,),) = [expand(policy)]
    ((permission,),) = [node[ODRL + "permission"]]
    assert permission[ODRL + "action"] == [{"@id": "http://www.w3.org/ns/tdmrep#mine"}]
    assert [d[ODRL + "action"][0]["@id"] for d in permission[ODRL + "duty"]] == [
        ODRL + "obtainConsent",
        ODRL + "compensate",
    ]
    assert node[ODRL + "assigner"][0]["http://www.w3.org/2006/vcard/ns#hasURL"] == [{"@value": "https://x/licensing"}]
    with pytest.raises(ValidationError, match="no TDM policy to offer"):
        tdm_policy(record({}))


def test_well_known_tdmrep_lists_each_work_by_exact_path() -> None:
    open_all = record(
        {u: {"mode": "allow"} for u in ("tdm", "ai-training", "ai-generative-training")}, content_hash="0x" + "cd" * 32
    )
    rules = well_known([("/works/lullaby.txt", LULLABY), ("/works/open*.svg", open_all)], policy_url="https://x/{hash}")
    _golden("tdmrep-well-known.json", rules)
    assert rules == [
        {"location": "/works/lullaby.txt$", "tdm-reservation": 1, "tdm-policy": f"https://x/{LULLABY.content_hash}"},
        {"location": "/works/open%2A.svg$", "tdm-reservation": 0},
    ]
    with pytest.raises(ValidationError, match="starting with /"):
        well_known([("works/a.txt", LULLABY)])


# ---------------------------------------------------------------------- CAWG, PLUS, ERC-7517, IPTC


def test_cawg_training_mining_maps_licence_to_constrained_with_constraint_info() -> None:
    assertion = training_mining_assertion(LULLABY)
    _golden("cawg-lullaby.json", assertion)
    entries = assertion["data"]["entries"]
    assert assertion["label"] == "cawg.training-mining"
    assert {k: v["use"] for k, v in entries.items()} == {
        "cawg.data_mining": "constrained",  # the whole record expires in 2030
        "cawg.ai_inference": "notAllowed",
        "cawg.ai_generative_training": "notAllowed",
        "cawg.ai_training": "constrained",
    }
    info = entries["cawg.ai_training"]["constraint_info"]
    assert "licence required (0.01 ETH per licence" in info and LULLABY.caip19 in info
    plain = record({"tdm": {"mode": "allow"}, "ai-inference": {"mode": "allow"}})
    assert training_mining_assertion(plain)["data"]["entries"]["cawg.data_mining"] == {"use": "allowed"}


@pytest.mark.parametrize(
    ("rules", "value"),
    [
        ({u: {"mode": "allow"} for u in ("tdm", "ai-training", "ai-generative-training")}, "DMI-ALLOWED"),
        ({}, "DMI-PROHIBITED"),
        ({"tdm": {"mode": "allow"}, "ai-training": {"mode": "allow"}}, "DMI-PROHIBITED-GENAIMLTRAINING"),
        ({"tdm": {"mode": "allow"}}, "DMI-PROHIBITED-AIMLTRAINING"),
        ({"tdm": {"mode": "allow"}, "ai-training": {"mode": "licence"}}, "DMI-PROHIBITED-SEECONSTRAINT"),
        ({"ai-training": {"mode": "allow"}}, "DMI-PROHIBITED-SEECONSTRAINT"),
    ],
)
def test_plus_data_mining_value_per_case(rules, value) -> None:
    out = data_mining(record(rules))
    assert out["plus:DataMining"] == "http://ns.useplus.org/ldf/vocab/" + value
    assert ("plus:OtherConstraints" in out) == value.endswith("SEECONSTRAINT")


def test_plus_other_constraints_say_what_each_mining_use_needs() -> None:
    out = data_mining(record({"tdm": {"mode": "allow"}, "ai-training": {"mode": "licence", "fee": "1 ether"}}))
    assert out["plus:OtherConstraints"].startswith(
        "data mining: allowed. AI training: licence required (1 ETH per licence, from the holder). "
        "generative AI training: not allowed."
    )


def test_erc7517_preferences_and_token_metadata() -> None:
    metadata = token_metadata(LULLABY, name="Lullaby for the North Sea")
    _golden("erc7517-lullaby.json", metadata)
    assert metadata["dataMiningPreference"] == {
        "dataMining": "constrained",
        "aiInference": "notAllowed",
        "aiTraining": "constrained",
        "aiGenerativeTraining": "notAllowed",
        "aiTrainingWithAuthorship": "constrained",
        "aiGenerativeTrainingWithAuthorship": "notAllowed",
    }
    assert metadata["aiDisclosure"] == "ai-assisted-ideation/ideation;tools=a chatbot"
    attributed = record({"ai-training": {"mode": "allow", "attribution": True}})
    prefs = token_metadata(attributed)["dataMiningPreference"]
    assert prefs["aiTraining"] == "constrained" and prefs["aiTrainingWithAuthorship"] == "allowed"


def test_iptc_digital_source_type_export_needs_a_disclosure() -> None:
    out = digital_source_type(LULLABY)
    assert out["digitalSourceType"] == "https://w3id.org/rightsledger/ns#aiAssistedIdeationOnly"
    assert out["iptcFallback"] == "http://cv.iptc.org/newscodes/digitalsourcetype/digitalCreation"
    with pytest.raises(NotFoundError, match="no AI disclosure"):
        digital_source_type(record({}))


ISCC_CODE = "ISCC:KECYCMZIOY36XXGZ5ECN56ZCLKPN7QBQKE4WPQKLS5SDYV4K5RCPM5I"
CODED = record({"tdm": {"mode": "licence", "fee": "1 gwei"}}, iscc=ISCC_CODE,
               disclosure=Disclosure.create("human-made", [], ""))
DCT = "http://purl.org/dc/terms/identifier"


def test_the_iscc_is_an_identifier_of_the_work_in_every_export() -> None:
    (node,) = expand(odrl_policy(CODED))
    for kind in (ODRL + "permission", ODRL + "prohibition"):
        for rule in node[kind]:
            (asset,) = rule[ODRL + "target"]
            assert asset["@id"] == CODED.content_uri and asset[DCT] == [{"@value": ISCC_CODE}]
    ((policy,),) = [expand(tdm_policy(CODED))]
    (asset,) = policy[ODRL + "permission"][0][ODRL + "target"]
    assert asset["@id"] == CODED.content_uri and asset[DCT] == [{"@value": ISCC_CODE}]
    soft = training_mining_assertion(CODED)["softBinding"]
    assert soft == {"label": "c2pa.soft-binding",
                    "data": {"alg": "io.iscc.v0", "blocks": [{"scope": {}, "value": ISCC_CODE}]}}
    plus = data_mining(CODED)
    assert plus["dc:identifier"] == ISCC_CODE and plus["xmlns:dc"] == "http://purl.org/dc/elements/1.1/"
    assert {"trait_type": "iscc", "value": ISCC_CODE} in token_metadata(CODED)["attributes"]
    assert digital_source_type(CODED)["iscc"] == ISCC_CODE


def test_a_work_without_a_code_exports_as_before() -> None:
    plain = record({"tdm": {"mode": "allow"}})
    assert all(isinstance(r["target"], str) for r in odrl_policy(plain)["permission"])
    assert "softBinding" not in training_mining_assertion(plain) and "dc:identifier" not in data_mining(plain)
    assert [a["trait_type"] for a in token_metadata(plain)["attributes"]] == ["contentHash"]
