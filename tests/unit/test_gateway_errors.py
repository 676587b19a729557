"""The gateway's error bodies: a chain failure answers 502 with a generic message and an incident id;
the node's own text (which may carry a provider URL with its API key) goes to the log only."""

from __future__ import annotations

import logging

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from rightsledger.errors import ChainError, ValidationError
from rightsledger.gateway.errors import install

SECRET_URL = "https://mainnet.example-provider.io/v3/0123456789abcdef-SECRET-KEY"


def _app() -> FastAPI:
    app = FastAPI()
    install(app)

    @app.get("/chain")
    def chain() -> None:
        raise ChainError(f"the node at {SECRET_URL} refused eth_call: 429 Too Many Requests")

    @app.get("/input")
    def bad_input() -> None:
        raise ValidationError("not a content hash: give 0x and 64 hex digits")

    return app


def test_attack_rpcErrorTextWithAnApiKeyNeverReachesTheClient(caplog: pytest.LogCaptureFixture) -> None:
    client = TestClient(_app())
    with caplog.at_level(logging.ERROR, logger="rightsledger.gateway"):
        response = client.get("/chain")
    assert response.status_code == 502
    body = response.json()["error"]
    assert "SECRET" not in response.text and "example-provider" not in response.text
    assert body["incident"] in body["message"] and len(body["incident"]) == 12
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert SECRET_URL in logged and body["incident"] in logged, "the details are in the log, under the incident id"


def test_input_errors_still_say_what_was_wrong() -> None:
    response = TestClient(_app()).get("/input")
    assert response.status_code == 422
    assert response.json()["error"]["message"] == "not a content hash: give 0x and 64 hex digits"
