"""The gateway's AI label, provenance trail and exports, through real HTTP over the session's anvil.

Like test_gateway.py, these tests use fresh content instead of chain snapshots (the gateway's
relayer keeps its own nonce sequence); the holder's own writes go through the SDK directly."""

from __future__ import annotations

import os

import httpx
import pytest
from web3 import Web3

from rightsledger import RightsLedger, Terms, Use, hash_bytes
from rightsledger.chain import dev_account
from rightsledger.chain.deployments import Deployment
from rightsledger.disclosure import AI_IDEATION_ONLY_TERM, IPTC_DIGITAL_SOURCE_TYPE
from rightsledger.exports.jsonld import expand
from rightsledger.gateway.schemas import NO_LABEL_TEXT

from ..gateway_support import relay_register, sign_prepared

ALICE = dev_account(1)
LICENSEE = dev_account(7)  # no snapshot test lists this account's licences (these tests cannot revert)
ODRL = "http://www.w3.org/ns/odrl/2/"
RL = "https://w3id.org/rightsledger/ns#"
TDM_MINE = "http://www.w3.org/ns/tdmrep#mine"
FEE = 10**16

TERMS = Terms.model_validate(
    {
        "rules": {
            "tdm": {"mode": "allow"},
            "promotion": {"mode": "allow", "attribution": True},
            "ai-training": {"mode": "licence", "fee": "0.01 ether"},
        }
    }
)


@pytest.fixture(scope="module")
def holder(w3: Web3, deployment: Deployment) -> RightsLedger:
    """Alice's own client (no snapshots: the gateway's relayer must not see the chain go back)."""
    return RightsLedger(w3, deployment, dev_account(1))


def fresh() -> str:
    return hash_bytes(os.urandom(32))


def registered(holder: RightsLedger, terms: Terms | None = None) -> str:
    digest = fresh()
    holder.register(digest, terms=terms if terms is not None else TERMS)
    return digest


def error_code(response: httpx.Response) -> str:
    return response.json()["error"]["code"]


# ---------------------------------------------------------------------- the AI label


def test_a_work_without_a_label_says_so_in_plain_words(http: httpx.Client, holder: RightsLedger) -> None:
    digest = registered(holder)
    body = http.get(f"/works/{digest}/label").json()
    assert body["disclosed"] is False and body["level"] is None and body["phases"] == []
    assert body["plain"] == NO_LABEL_TEXT and body["digitalSourceType"] is None


def test_the_label_shows_level_phases_tools_text_and_iptc_type(http: httpx.Client, holder: RightsLedger) -> None:
    digest = registered(holder)
    holder.disclose(digest, "ai-assisted-production/drafting+post-production;tools=GPT-4o, Photoshop%3B beta")
    body = http.get(f"/works/{digest}/label").json()
    assert body["disclosed"] is True
    assert body["level"] == "ai-assisted-production"
    assert body["phases"] == ["drafting", "post-production"]
    assert body["tools"] == "GPT-4o, Photoshop; beta"
    assert body["text"] == "ai-assisted-production/drafting+post-production;tools=GPT-4o, Photoshop%3B beta"
    assert body["digitalSourceType"] == IPTC_DIGITAL_SOURCE_TYPE + "compositeWithTrainedAlgorithmicMedia"
    assert body["plain"].startswith("Made by people; AI used in the named phases")
    assert body["setBy"] == ALICE.address and body["setAt"]


def test_ideation_only_uses_the_extension_term_with_an_iptc_fallback(http: httpx.Client, holder: RightsLedger) -> None:
    digest = registered(holder)
    holder.disclose(digest, "ai-assisted-ideation/ideation")
    body = http.get(f"/works/{digest}/label").json()
    assert body["digitalSourceType"] == AI_IDEATION_ONLY_TERM
    assert body["iptcFallback"] == IPTC_DIGITAL_SOURCE_TYPE + "digitalCreation"


def test_the_label_of_an_unregistered_or_malformed_hash_is_an_error(http: httpx.Client) -> None:
    missing = http.get(f"/works/{fresh()}/label")
    assert missing.status_code == 404 and error_code(missing) == "work-not-registered"
    bad = http.get("/works/0x1234/label")
    assert bad.status_code == 422 and error_code(bad) == "invalid-hash"


# ---------------------------------------------------------------------- the provenance trail


def test_the_trail_lists_what_happened_in_order_with_the_signer_as_actor(
    http: httpx.Client, holder: RightsLedger, w3: Web3
) -> None:
    digest = fresh()
    assert relay_register(http, ALICE, digest, terms=TERMS.model_dump(mode="json")).status_code == 201
    registered_block = w3.eth.block_number
    holder.record_stage(digest, "digitised", details_uri="https://museum.example/scan-log/7")
    prepared = http.post(
        "/relay/prepare",
        json={"action": "opt-out", "from": ALICE.address, "contentHash": digest, "uses": ["ai-generative-training"]},
    ).json()
    assert http.put(f"/works/{digest}/opt-out", json=sign_prepared(prepared, ALICE)).status_code == 200
    holder.disclose(digest, "human-made")
    holder.licensing.grant(digest, "ai-training", LICENSEE.address)

    body = http.get(f"/works/{digest}/provenance").json()
    stages = [e["stage"] for e in body["trail"]]
    assert stages == ["registered", "digitised", "opt-out-changed", "disclosure-set", "licensed"]
    assert body["count"] == 5 and body["toBlock"] == w3.eth.block_number
    # Relayed writes name the signer, not the relayer that paid for them.
    assert {e["actor"] for e in body["trail"]} == {ALICE.address}
    registration, digitised, opt_out, disclosure, licence = body["trail"]
    assert registration["block"] == registered_block and registration["details"]["to"] == ALICE.address
    assert registration["details"]["policyId"] == holder.find_policy(TERMS)
    assert registration["plain"] == "registered in the registry"
    assert digitised["details"]["detailsURI"] == "https://museum.example/scan-log/7"
    assert opt_out["details"]["optedOut"] == ["ai-generative-training"]
    assert opt_out["summary"] == "opted out of ai-generative-training"
    assert disclosure["details"]["label"] == "human-made"
    assert licence["details"]["licensee"] == LICENSEE.address and licence["details"]["source"] == "granted"
    blocks = [(e["block"], e["logIndex"]) for e in body["trail"]]
    assert blocks == sorted(blocks)
    assert all(e["transaction"].startswith("0x") and len(e["transaction"]) == 66 for e in body["trail"])

    # A block range gives that part of the trail; before the registration there is nothing.
    later = http.get(f"/works/{digest}/provenance", params={"fromBlock": registered_block + 1}).json()
    assert [e["stage"] for e in later["trail"]] == stages[1:]
    before = http.get(f"/works/{digest}/provenance", params={"toBlock": registered_block - 1}).json()
    assert before["count"] == 0 and before["trail"] == []


def test_a_bad_trail_range_or_unregistered_work_is_refused(http: httpx.Client, holder: RightsLedger) -> None:
    digest = registered(holder)
    backwards = http.get(f"/works/{digest}/provenance", params={"fromBlock": 10, "toBlock": 5})
    assert backwards.status_code == 422 and error_code(backwards) == "invalid-range"
    negative = http.get(f"/works/{digest}/provenance", params={"fromBlock": -1})
    assert negative.status_code == 422 and error_code(negative) == "invalid-request"
    missing = http.get(f"/works/{fresh()}/provenance")
    assert missing.status_code == 404 and error_code(missing) == "work-not-registered"


# ---------------------------------------------------------------------- exports


def _actions(expanded: list[dict], kind: str) -> dict[str, dict]:
    (policy,) = expanded
    return {rule[ODRL + "action"][0]["@id"]: rule for rule in policy.get(ODRL + kind, [])}


def test_the_odrl_export_is_json_ld_whose_rules_match_the_terms(http: httpx.Client, holder: RightsLedger) -> None:
    digest = registered(holder)
    holder.set_opt_out(digest, [Use.PROMOTION])
    response = http.get(f"/works/{digest}/exports/odrl")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/ld+json")
    policy = response.json()
    assert policy["assigner"] == f"did:pkh:eip155:31337:{ALICE.address}"
    expanded = expand(policy)
    permitted, prohibited = _actions(expanded, "permission"), _actions(expanded, "prohibition")
    # Allowed and licensed uses are permissions; every other use (no rule, or opted out) is prohibited.
    assert set(permitted) == {TDM_MINE, RL + "aiTraining"}
    assert set(prohibited) == {
        RL + "commercialUse", RL + "promote", ODRL + "derive", RL + "aiGenerativeTraining", RL + "aiInference"
    }  # fmt: skip
    training_duties = [d[ODRL + "action"][0]["@id"] for d in permitted[RL + "aiTraining"][ODRL + "duty"]]
    assert training_duties == [ODRL + "obtainConsent", ODRL + "compensate"]
    (fee,) = permitted[RL + "aiTraining"][ODRL + "duty"][1][ODRL + "refinement"]
    assert fee[ODRL + "rightOperand"][0]["@value"] == str(FEE)
    assert ODRL + "duty" not in permitted[TDM_MINE]
    # Opting promotion back in restores its permission, with its attribution duty.
    holder.set_opt_out(digest, [])
    permitted = _actions(expand(http.get(f"/works/{digest}/exports/odrl").json()), "permission")
    assert [d[ODRL + "action"][0]["@id"] for d in permitted[RL + "promote"][ODRL + "duty"]] == [ODRL + "attribute"]


def test_tdmrep_reserves_mining_and_links_to_a_tdm_policy_the_gateway_serves(
    http: httpx.Client, holder: RightsLedger
) -> None:
    digest = registered(holder)
    body = http.get(f"/works/{digest}/exports/tdmrep").json()
    # Mining is open but AI training needs a licence: reserved, with a policy to mine.
    assert body["tdm-reservation"] == 1
    assert body["http"] == {"tdm-reservation": "1", "tdm-policy": body["tdm-policy"]}
    assert body["html"].startswith('<meta name="tdm-reservation" content="1">')
    policy_path = httpx.URL(body["tdm-policy"]).path
    assert policy_path == f"/works/{digest}/exports/tdm-policy"
    policy = http.get(policy_path)
    assert policy.headers["content-type"].startswith("application/ld+json")
    assert policy.json()["permission"][0]["action"] == "tdm:mine"
    assert policy.json()["uid"] == body["tdm-policy"]


def test_a_work_that_denies_mining_has_no_tdm_policy(http: httpx.Client, holder: RightsLedger) -> None:
    digest = registered(holder, Terms())
    assert http.get(f"/works/{digest}/exports/tdmrep").json() == {
        "tdm-reservation": 1,
        "http": {"tdm-reservation": "1"},
        "html": '<meta name="tdm-reservation" content="1">',
    }
    response = http.get(f"/works/{digest}/exports/tdm-policy")
    assert response.status_code == 409 and error_code(response) == "tdm-not-offered"


def test_cawg_plus_and_erc7517_say_what_the_terms_say(http: httpx.Client, holder: RightsLedger) -> None:
    digest = registered(holder)
    cawg = http.get(f"/works/{digest}/exports/cawg").json()
    assert cawg["label"] == "cawg.training-mining"
    entries = cawg["data"]["entries"]
    assert entries["cawg.data_mining"] == {"use": "allowed"}
    assert entries["cawg.ai_training"]["use"] == "constrained"
    assert "licence required (0.01 ETH" in entries["cawg.ai_training"]["constraint_info"]
    assert entries["cawg.ai_generative_training"] == {"use": "notAllowed"}
    plus = http.get(f"/works/{digest}/exports/plus").json()
    assert plus["plus:DataMining"].endswith("DMI-PROHIBITED-SEECONSTRAINT")
    assert "AI training: licence required" in plus["plus:OtherConstraints"]
    meta = http.get(f"/works/{digest}/exports/erc7517").json()
    assert meta["dataMiningPreference"]["dataMining"] == "allowed"
    assert meta["dataMiningPreference"]["aiTraining"] == "constrained"
    assert meta["attributes"] == [{"trait_type": "contentHash", "value": digest}]


def test_the_iptc_export_needs_a_label(http: httpx.Client, holder: RightsLedger) -> None:
    digest = registered(holder)
    missing = http.get(f"/works/{digest}/exports/iptc")
    assert missing.status_code == 404 and error_code(missing) == "no-disclosure"
    holder.disclose(digest, "ai-generated")
    body = http.get(f"/works/{digest}/exports/iptc").json()
    assert body["digitalSourceType"] == IPTC_DIGITAL_SOURCE_TYPE + "trainedAlgorithmicMedia"
    assert body["contentHash"] == digest


def test_an_unknown_format_or_unregistered_work_has_no_export(http: httpx.Client, holder: RightsLedger) -> None:
    digest = registered(holder)
    unknown = http.get(f"/works/{digest}/exports/rightsml")
    assert unknown.status_code == 422 and error_code(unknown) == "unknown-format"
    missing = http.get(f"/works/{fresh()}/exports/odrl")
    assert missing.status_code == 404 and error_code(missing) == "work-not-registered"


def test_info_reports_every_feature_present(http: httpx.Client) -> None:
    features = http.get("/info").json()["features"]
    for name in ("label", "provenance", "exports", "licences", "offers", "datasets", "removal-requests"):
        assert features[name] is True, name
    assert {name for name, present in features.items() if not present} == set()
