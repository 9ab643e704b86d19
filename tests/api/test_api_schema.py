"""Property-based tests of the API from its own OpenAPI schema (schemathesis): for generated requests,
valid and invalid, no 5xx, and every answer's status, content type, headers and body match the schema."""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from pipelines.api.app import create_app
from pipelines.api.store import Warehouse

pytestmark = [pytest.mark.build, pytest.mark.filterwarnings("ignore::DeprecationWarning")]

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


# The schema does not depend on the data, so it is loaded from an app made at import time (schemathesis'
# lazy `from_fixture` loader does not work with pytest 9); the fixture below points that app at the
# session's small warehouse and its releases before any case runs.
APP = create_app(Path("not-built-yet.duckdb"))
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@pytest.fixture(autouse=True, scope="module")
def _serve_the_small_warehouse(small_warehouse: Path, api_releases: Path):
    APP.state.store = Warehouse(small_warehouse)
    APP.state.releases = api_releases
    yield
    APP.state.store.close()


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_no_server_error_and_responses_match_the_schema(case):
    case.call_and_validate(checks=CHECKS)


def test_schema_documents_the_endpoints():
    paths = APP.openapi()["paths"]
    assert {"/health", "/indicators", "/indicators/{indicator_id}", "/releases",
            "/releases/{version}/files/{name}"} <= set(paths)  # fmt: skip
    for path in paths.values():
        for op in path.values():
            assert {"400", "404"} <= set(op["responses"]), op["summary"]
            assert op["responses"]["400"]["content"]["application/json"]["schema"]["$ref"].endswith(
                "ApiError"
            )
