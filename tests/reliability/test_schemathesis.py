"""Schemathesis over every operation of the OpenAPI schema of the real server, with a valid key.

Generated requests, valid and invalid by the schema, go to `nlp-service serve` (SQLite); each
response must not be a 5xx, must use a status code the schema declares for the operation, and
must match the declared content type, headers and body schema; data the schema forbids must be
refused. The examples are bounded (NLP_SERVICE_SCHEMATHESIS_EXAMPLES per operation, default 50)
and derandomized, so a run is repeatable and takes a few minutes at most.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from nlp_service.api import create_app
from nlp_service.config import Settings
from tests.helpers.server import Database, Server

pytestmark = pytest.mark.slow
EXAMPLES = int(os.environ.get("NLP_SERVICE_SCHEMATHESIS_EXAMPLES", "50"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


@pytest.fixture(scope="module")
def auth(sqlite_db: Database) -> dict[str, str]:
    _, key = sqlite_db.tenant_key("ingest,research,moderate,admin")
    return {"Authorization": f"Bearer {key}"}


# The schema the server serves, built at collection time without loading models (the app's
# lifespan does that); every operation becomes its own test, sent to the running server.
# (Schemathesis' lazy `from_fixture` loader does not work with pytest 9's nodes.)
schema = schemathesis.openapi.from_dict(
    create_app(Settings(data_dir=Path("/nonexistent"))).openapi()
)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_conforms(
    case: schemathesis.Case, sqlite_server: Server, auth: dict[str, str]
) -> None:
    case.call_and_validate(base_url=sqlite_server.base, headers=auth, checks=CHECKS, timeout=120)
