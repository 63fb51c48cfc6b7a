"""Property-based API tests: schemathesis against the app's own OpenAPI schema, in-process.

Every documented operation gets generated requests, valid and invalid; each response must be
documented (status code, content type, body schema) and none may be a 5xx. The
``positive_data_acceptance`` check is left out: the schema cannot express the requirement
grammar or which route ids exist, so schema-valid bodies may rightly get a 422.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import positive_data_acceptance

from crudeflow.web.app import create_app

MINI = Path(__file__).parents[1] / "fixtures" / "mini"

app = create_app(dataset=MINI, solve_time_limit_s=10, allowed_hosts=["testserver"])
schema = schemathesis.openapi.from_asgi("/openapi.json", app)


@schema.parametrize()
@settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
    database=None,
)
def test_api_conforms_to_its_schema(case: schemathesis.Case[Any]) -> None:
    response = case.call_and_validate(excluded_checks=[positive_data_acceptance])
    assert response.status_code < 500, response.text


def test_schema_covers_every_api_route() -> None:
    ops = [r.ok() for r in schema.get_all_operations() if isinstance(r, Ok)]
    operations = {(op.method, op.path) for op in ops}
    assert operations == {
        ("get", "/api/health"),
        ("get", "/api/network"),
        ("get", "/api/presets"),
        ("get", "/api/runs"),
        ("post", "/api/plan"),
        ("post", "/api/plan/export"),
        ("post", "/api/bypass"),
        ("post", "/api/invest"),
    }


@pytest.mark.parametrize("path", ["/api/plan", "/api/plan/export", "/api/bypass"])
def test_request_bodies_are_bounded(path: str) -> None:
    ref = schema.raw_schema["paths"][path]["post"]["requestBody"]["content"]["application/json"]
    name = ref["schema"]["$ref"].rsplit("/", 1)[-1]
    props = schema.raw_schema["components"]["schemas"][name]["properties"]
    assert props["avoid"]["maxItems"] == 30
    assert props["capacity_overrides"]["maxProperties"] == 500
    caps = props["capacity_overrides"]["additionalProperties"]
    assert caps["minimum"] == 0 and caps["maximum"] == 1000
