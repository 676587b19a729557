"""schemathesis' conformance checks over the gateway's own OpenAPI schema: every answer's status is
documented, its body matches the documented schema and content type, and a request that
breaks the schema is refused with a 4xx (schemathesis generates both kinds of request).

Not run: positive_data_acceptance. A schema-valid request is still refused for what it means (the
zero hash, a forged signature, an unknown work): those refusals are documented 4xx answers."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)


@pytest.fixture(scope="module")
def api_schema(gateway_url: str) -> schemathesis.BaseSchema:
    loaded = schemathesis.openapi.from_url(f"{gateway_url}/openapi.json")
    # Schema-valid and schema-invalid requests both: an invalid one must be refused with a 4xx.
    loaded.config.generation.update(modes=list(schemathesis.GenerationMode))
    return loaded


schema = schemathesis.pytest.from_fixture("api_schema")

CHECKS = [
    negative_data_rejection,
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_answers_conform_to_the_schema(case: schemathesis.Case) -> None:
    case.call_and_validate(checks=CHECKS)
