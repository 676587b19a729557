"""The HTTP gateway through real HTTP: a uvicorn server over the session's anvil.

Relaying tests use fresh content (os.urandom) rather than chain snapshots: the gateway's
relayer keeps its own nonce sequence, which a reverted chain would leave ahead of the node."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator

import httpx
import pytest
from web3 import Web3

from rightsledger import RightsLedger, Use, hash_bytes
from rightsledger.chain import LOCAL_CHAIN_ID, dev_account
from rightsledger.chain.deployments import Deployment
from rightsledger.gateway import GatewaySettings
from rightsledger.gateway.schemas import ChecksPublic
from rightsledger.sdk.forwarding import RequestBuilder

from ..gateway_support import relay_register, request_json, running_gateway, sign_prepared
from .conftest import session_index

ALICE, BOB, EVE = dev_account(1), dev_account(2), dev_account(3)


@pytest.fixture(scope="module")
def builder(w3: Web3, deployment: Deployment) -> RequestBuilder:
    return RequestBuilder(RightsLedger(w3, deployment))


def fresh() -> str:
    return hash_bytes(os.urandom(32))


def registered(http: httpx.Client, account=ALICE, **extra) -> str:
    digest = fresh()
    response = relay_register(http, account, digest, **extra)
    assert response.status_code == 201, response.text
    return digest


def error_code(response: httpx.Response) -> str:
    return response.json()["error"]["code"]


# ---------------------------------------------------------------------- reading


def test_info_names_the_chain_contracts_relayer_and_features(http: httpx.Client, deployment) -> None:
    info = http.get("/info").json()
    assert info["chainId"] == LOCAL_CHAIN_ID
    assert info["contracts"] == deployment.contracts
    assert info["relayer"] == dev_account(9).address
    assert info["features"]["relay"] and info["features"]["checks"]
    assert info["features"]["provenance"] is True and info["features"]["removal-requests"] is True
    assert [u["use"] for u in info["uses"]] == [u.value for u in Use]
    assert info["limits"]["maxBatch"] == 10_000


def test_an_unregistered_work_is_404_with_a_stable_code(http: httpx.Client) -> None:
    response = http.get(f"/works/{fresh()}")
    assert response.status_code == 404
    assert error_code(response) == "work-not-registered"


@pytest.mark.parametrize("bad", ["zz", "0x1234", "0x" + "00" * 32, "g" * 64])
def test_a_malformed_hash_is_422_invalid_hash(http: httpx.Client, bad: str) -> None:
    response = http.get(f"/works/{bad}")
    assert response.status_code == 422
    assert error_code(response) == "invalid-hash"
    assert "hash" in response.json()["error"]["message"]


def test_a_relayed_registration_shows_the_record_terms_in_plain_words_and_status(http: httpx.Client) -> None:
    terms = {"rules": {"tdm": {"mode": "allow"}, "ai-training": {"mode": "licence", "fee": "0.01 ether"}}}
    digest = registered(http, terms=terms, metadataUri="ipfs://etching")
    work = http.get(f"/works/{digest.upper().replace('0X', '')}").json()
    assert work["contentHash"] == digest
    assert work["holder"] == work["registrant"] == ALICE.address
    assert work["status"] == "unverified" and "registrar" in work["statusPlain"]
    assert work["metadataUri"] == "ipfs://etching"
    rules = {r["use"]: r for r in work["terms"]["rules"]}
    assert rules["tdm"]["plain"] == "allowed"
    assert rules["ai-training"]["plain"] == "allowed with a licence (0.01 ETH)"
    assert rules["ai-training"]["feeWei"] == str(10**16)
    assert rules["commercial"]["plain"] == "not allowed"


def test_check_one_answers_with_reason_and_plain_words(http: httpx.Client) -> None:
    digest = registered(http, terms={"rules": {"tdm": {"mode": "allow"}}})
    allowed = http.get(f"/checks/{digest}", params={"use": "tdm"}).json()
    assert allowed["allowed"] is True and allowed["reason"] == "allowed-by-terms"
    denied = http.get(f"/checks/{digest}", params={"use": "ai-training"}).json()
    assert denied["allowed"] is False and denied["reason"] == "denied"
    unknown = http.get(f"/checks/{fresh()}", params={"use": "tdm"}).json()
    assert unknown["reason"] == "unregistered" and "unknown" in unknown["plain"]


def test_an_unknown_use_is_422_unknown_use(http: httpx.Client) -> None:
    response = http.get(f"/checks/{fresh()}", params={"use": "photocopying"})
    assert response.status_code == 422 and error_code(response) == "unknown-use"
    response = http.post("/checks", json={"use": "photocopying", "hashes": [fresh()]})
    assert response.status_code == 422 and error_code(response) == "unknown-use"


def test_check_many_answers_every_hash_in_order_with_counts(http: httpx.Client) -> None:
    open_work = registered(http, terms={"rules": {"tdm": {"mode": "allow"}}})
    closed_work = registered(http)
    hashes = [open_work, fresh(), closed_work]
    body = http.post("/checks", json={"use": "tdm", "hashes": hashes}).json()
    assert body["count"] == 3 and body["allowedCount"] == 1
    assert [r["contentHash"] for r in body["results"]] == hashes
    assert [r["reason"] for r in body["results"]] == ["allowed-by-terms", "unregistered", "denied"]


def test_check_many_written_by_hand_is_exactly_the_documented_schema(http: httpx.Client) -> None:
    # The route writes its answer as text (the fast path); the schema in OpenAPI is ChecksPublic.
    licensee = dev_account(3).address
    hashes = [registered(http, terms={"rules": {"tdm": {"mode": "allow"}}}), fresh(), registered(http)]
    for extra in ({}, {"licensee": licensee.lower()}):
        response = http.post("/checks", json={"use": "tdm", "hashes": hashes, **extra})
        assert response.headers["content-type"] == "application/json"
        model = ChecksPublic.model_validate_json(response.content)
        assert response.json() == model.model_dump(mode="json", by_alias=True)
        assert model.licensee == extra.get("licensee")  # echoed as asked


def test_check_many_takes_10000_hashes_and_refuses_10001_with_413(http: httpx.Client) -> None:
    hashes = [hash_bytes(i.to_bytes(4, "big")) for i in range(10_001)]
    ok = http.post("/checks", json={"use": "ai-training", "hashes": hashes[:10_000]})
    assert ok.status_code == 200 and ok.json()["count"] == 10_000
    too_many = http.post("/checks", json={"use": "ai-training", "hashes": hashes})
    assert too_many.status_code == 413 and error_code(too_many) == "batch-too-large"


def test_a_body_over_the_limit_is_413_before_it_is_parsed(http: httpx.Client) -> None:
    response = http.post(
        "/checks", content=b"[" + b" " * 1_100_000 + b"]", headers={"content-type": "application/json"}
    )
    assert response.status_code == 413 and error_code(response) == "body-too-large"


def test_a_malformed_hash_in_a_batch_is_422_invalid_hash(http: httpx.Client) -> None:
    response = http.post("/checks", json={"use": "tdm", "hashes": [fresh(), "not-a-hash"]})
    assert response.status_code == 422 and error_code(response) == "invalid-hash"


def test_policies_are_readable_and_unknown_ones_are_404(http: httpx.Client) -> None:
    terms = {"rules": {"promotion": {"mode": "allow", "attribution": True}}}
    registered(http, terms=terms)  # stored by the relayer with the signed registration that uses them
    created = http.post("/policies", json=terms)
    assert created.status_code == 200
    policy_id = created.json()["policyId"]
    read = http.get(f"/policies/{policy_id}").json()
    assert read["terms"]["rules"]["promotion"]["mode"] == "allow"
    assert read["plain"]["rules"][1]["plain"] == "allowed; duties: attribution"
    missing = http.get("/policies/4000000000")
    assert missing.status_code == 404 and missing.json()["error"]["contractError"] == "PolicyUnknown"


def test_unknown_paths_and_methods_get_the_error_body(http: httpx.Client) -> None:
    assert error_code(http.get("/nothing-here")) == "not-found"
    response = http.delete(f"/works/{fresh()}")
    assert response.status_code == 405 and error_code(response) == "method-not-allowed"


def test_docs_page_and_static_files_are_served(http: httpx.Client) -> None:
    assert http.get("/docs").status_code == 200
    assert "/checks" in http.get("/openapi.json").json()["paths"]
    page = http.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "<label" in page.text
    js = http.get("/static/vendor/noble-secp256k1/index.js")
    assert js.status_code == 200 and "javascript" in js.headers["content-type"]


# ---------------------------------------------------------------------- relayed writes


def test_the_holder_opts_out_through_the_relayer(http: httpx.Client) -> None:
    digest = registered(http)
    prepared = http.post(
        "/relay/prepare",
        json={"action": "opt-out", "from": ALICE.address, "contentHash": digest, "uses": ["ai-training"]},
    ).json()
    assert prepared["typedData"]["primaryType"] == "ForwardRequest"
    assert prepared["typedData"]["domain"]["chainId"] == LOCAL_CHAIN_ID
    response = http.put(f"/works/{digest}/opt-out", json=sign_prepared(prepared, ALICE))
    assert response.status_code == 200, response.text
    receipt = response.json()
    assert receipt["action"] == "opt-out" and receipt["signer"] == ALICE.address
    assert receipt["transaction"].startswith("0x") and receipt["gasUsed"] > 21_000
    assert receipt["events"][0]["event"] == "OptOutChanged"
    work = http.get(f"/works/{digest}").json()
    assert work["optedOut"] == ["ai-training"]
    assert http.get(f"/checks/{digest}", params={"use": "ai-training"}).json()["reason"] == "opted-out"


def test_the_holder_sets_new_terms_through_the_relayer(http: httpx.Client) -> None:
    digest = registered(http)
    prepared = http.post(
        "/relay/prepare",
        json={"action": "set-terms", "from": ALICE.address, "contentHash": digest,
              "terms": {"rules": {"commercial": {"mode": "allow"}}}},
    ).json()  # fmt: skip
    response = http.put(f"/works/{digest}/terms", json=sign_prepared(prepared, ALICE))
    assert response.status_code == 200, response.text
    assert http.get(f"/checks/{digest}", params={"use": "commercial"}).json()["allowed"] is True


def test_a_replayed_signed_request_is_409_nonce_used_and_sends_nothing(http: httpx.Client, w3: Web3) -> None:
    digest = fresh()
    prepared = http.post("/relay/prepare", json={"action": "register", "from": BOB.address, "contentHash": digest})
    body = sign_prepared(prepared.json(), BOB)
    assert http.post("/works", json=body).status_code == 201
    block = w3.eth.block_number
    replay = http.post("/works", json=body)
    assert replay.status_code == 409 and error_code(replay) == "nonce-used"
    assert w3.eth.block_number == block


def test_an_expired_signed_request_is_400_request_expired(http: httpx.Client, builder: RequestBuilder) -> None:
    request = builder.register(BOB.address, fresh(), ttl=-60)
    signed = request.sign(BOB, builder.chain_id, builder.forwarder_address)
    response = http.post("/works", json={"request": request_json(request), "signature": signed.signature})
    assert response.status_code == 400 and error_code(response) == "request-expired"


def test_a_signature_by_someone_else_is_400_signature_invalid(http: httpx.Client) -> None:
    prepared = http.post("/relay/prepare", json={"action": "register", "from": BOB.address, "contentHash": fresh()})
    body = sign_prepared(prepared.json(), BOB)
    eve_request = {**prepared.json(), "request": {**prepared.json()["request"], "from": EVE.address}}
    body["signature"] = sign_prepared(eve_request, EVE)["signature"]
    response = http.post("/works", json=body)
    assert response.status_code == 400 and error_code(response) == "signature-invalid"


def test_a_non_holder_relayed_opt_out_is_refused_with_the_decoded_contract_error(
    http: httpx.Client, builder: RequestBuilder
) -> None:
    digest = registered(http)
    data = builder.ledger.works.encode_abi("setOptOut", args=[digest, 1 << Use.AI_TRAINING.code])
    request = builder.build(EVE.address, data, gas=200_000)
    signed = request.sign(EVE, builder.chain_id, builder.forwarder_address)
    response = http.put(
        f"/works/{digest}/opt-out", json={"request": request_json(request), "signature": signed.signature}
    )
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "contract-revert" and error["contractError"] == "WorkUnauthorized"
    assert error["details"]["caller"].lower() == EVE.address.lower()
    # Preparing it is refused the same way, before anyone signs anything.
    prepared = http.post(
        "/relay/prepare", json={"action": "opt-out", "from": EVE.address, "contentHash": digest, "uses": []}
    )
    assert prepared.status_code == 403 and prepared.json()["error"]["contractError"] == "WorkUnauthorized"


def test_registering_a_registered_work_is_409_work_already_registered(http: httpx.Client) -> None:
    digest = registered(http)
    response = http.post("/relay/prepare", json={"action": "register", "from": BOB.address, "contentHash": digest})
    assert response.status_code == 409 and response.json()["error"]["contractError"] == "WorkAlreadyRegistered"


def test_a_request_signed_for_one_work_cannot_be_sent_for_another(http: httpx.Client) -> None:
    mine, other = registered(http), registered(http)
    prepared = http.post(
        "/relay/prepare", json={"action": "opt-out", "from": ALICE.address, "contentHash": mine, "uses": ["tdm"]}
    ).json()
    response = http.put(f"/works/{other}/opt-out", json=sign_prepared(prepared, ALICE))
    assert response.status_code == 400 and error_code(response) == "request-mismatch"


def test_a_request_for_a_function_the_relayer_does_not_send_is_403(http: httpx.Client, builder: RequestBuilder) -> None:
    digest = registered(http)
    data = builder.ledger.works.encode_abi("approve", args=[EVE.address, int(digest, 16)])
    request = builder.build(ALICE.address, data, gas=100_000)
    signed = request.sign(ALICE, builder.chain_id, builder.forwarder_address)
    response = http.post("/works", json={"request": request_json(request), "signature": signed.signature})
    assert response.status_code == 403 and error_code(response) == "function-not-allowed"


def test_the_next_nonce_of_a_signer_is_published(http: httpx.Client, builder: RequestBuilder) -> None:
    body = http.get(f"/relay/nonces/{ALICE.address}").json()
    assert body["nonce"] == builder.nonce(ALICE.address)


def test_dev_accounts_are_listed_only_in_dev_mode(http: httpx.Client) -> None:
    body = http.get("/dev/accounts").json()
    assert body["accounts"][1]["address"] == ALICE.address
    assert "LOCAL DEVELOPMENT" in body["warning"]


# ---------------------------------------------------------------------- a gateway with limits


@pytest.fixture(scope="module")
def strict_url(anvil_url: str, session_home, deployment: Deployment) -> Iterator[str]:
    """One request every two seconds, bursts of three."""
    index = session_index(session_home, deployment)
    settings = GatewaySettings(rpc_url=anvil_url, home=str(session_home), rate_limit=0.5, rate_burst=3, **index)
    with running_gateway(settings) as url:
        yield url


def test_a_client_over_its_rate_is_429_with_retry_after(strict_url: str) -> None:
    with httpx.Client(base_url=strict_url) as client:
        statuses = [client.get("/info").status_code for _ in range(5)]
        assert statuses[:3] == [200, 200, 200]
        limited = client.get("/info")
        assert limited.status_code == 429 and error_code(limited) == "rate-limited"
        assert int(limited.headers["retry-after"]) >= 1
        assert client.get("/").status_code == 200  # the page itself is not rate-limited


def test_a_gateway_without_a_relayer_refuses_writes_with_503(read_only_url: str) -> None:
    with httpx.Client(base_url=read_only_url) as client:
        response = client.post("/policies", json={"rules": {}})
        assert response.status_code == 503 and error_code(response) == "relay-not-configured"
        info = client.get("/info").json()
        assert info["relayer"] is None and info["devKeys"] is False and info["features"]["relay"] is False
        assert client.get("/dev/accounts").status_code == 404


def test_attack_anonymousCallsCannotMakeTheRelayerStorePolicies(http: httpx.Client, w3: Web3) -> None:
    """`POST /policies` and `prepare` with new terms made the relayer send unsigned transactions for
    anyone. Now neither sends anything; the terms are stored only when the signed request arrives."""
    relayer = http.get("/info").json()["relayer"]
    terms = {"rules": {"ai-inference": {"mode": "licence", "fee": f"{int.from_bytes(os.urandom(4), 'big')} wei"}}}
    before = w3.eth.get_transaction_count(relayer)
    response = http.post("/policies", json=terms)
    assert response.status_code == 409 and error_code(response) == "policy-not-stored"
    digest = fresh()
    body = {"action": "register", "from": ALICE.address, "contentHash": digest, "terms": terms}
    prepared = http.post("/relay/prepare", json=body).json()
    assert w3.eth.get_transaction_count(relayer) == before, "preparing sent nothing"
    response = http.post("/works", json=sign_prepared(prepared, ALICE))
    assert response.status_code == 201, response.text
    stored = http.post("/policies", json=terms)
    assert stored.status_code == 200
    rules = {r["use"]: r for r in http.get(f"/works/{digest}").json()["terms"]["rules"]}
    assert rules["ai-inference"]["feeWei"] == terms["rules"]["ai-inference"]["fee"].split()[0], "the signed terms"


def test_a_kept_alive_connection_outlives_the_clients_own_expiry(gateway_url: str) -> None:
    # httpx and requests drop an idle connection after 5 s; a server closing at the same 5 s races
    # a client that reuses it then (it sees the connection reset with no answer, as CI once did).
    # The gateway keeps an idle connection longer than those clients do.
    host, port = gateway_url.removeprefix("http://").split(":")
    request = f"GET /openapi.json HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        for pause in (6, 0):  # longer than httpx's keepalive_expiry (5 s) and uvicorn's default
            conn.sendall(request)
            head = _read_response(conn)
            assert head.startswith(b"HTTP/1.1 200"), head[:80]
            time.sleep(pause)


def _read_response(conn: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        assert chunk, "the gateway closed the kept-alive connection"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    fields = dict(line.split(b":", 1) for line in head.split(b"\r\n")[1:])
    length = int({k.lower(): v for k, v in fields.items()}[b"content-length"])
    while len(body) < length:
        chunk = conn.recv(65536)
        assert chunk, "the gateway closed the connection mid-answer"
        body += chunk
    return head
