"""API fuzzing: schemathesis generates requests for every operation of /api/schema/.

Each operation is called through Django's WSGI application (no server), once as an anonymous
client and once as a system account of platform A (advisor, token authentication), on the
isolation world. The answers must never be a server error, must have a documented status code
and content type, and must match the documented response schema. Half of the generated object
ids are replaced by the id of A's object of the operation's kind, so that real objects go through
the serializers too. The examples are derandomised: CI replays the same requests every time.
Writes are rolled back after each operation, like any test's.
"""

from __future__ import annotations

import os
import uuid

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.urls import resolve
from hypothesis import HealthCheck, settings
from schemathesis import checks

from organizations.api_services import provision_api_token

from .world import World

# FUZZ_EXAMPLES=200 FUZZ_COVERAGE=1 make test-security digs deeper (several minutes more).
EXAMPLES_PER_OPERATION = int(os.environ.get("FUZZ_EXAMPLES", "25"))
IDENTITIES = ("anonymous", "advisor_a")
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]

# The examples and fuzzing phases by default: the coverage phase's exhaustive boundary values
# take ten times as long (about 15,000 requests).
COVERAGE = os.environ.get("FUZZ_COVERAGE") == "1"
CONFIG = schemathesis.Config.from_dict({"phases": {"coverage": {"enabled": COVERAGE}}})
schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application(), config=CONFIG)


@pytest.fixture(scope="module")
def token(world: World) -> str:
    access = provision_api_token(
        organization=world.platform_a, email="api@msl.example.org", role="advisor"
    )
    return access.token


@pytest.fixture(scope="module", autouse=True)
def _keep_the_test_connection():
    """Django's WSGI handler closes the connection after each request; the tests need it open."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def _use_real_object(world: World, case) -> None:
    """Address A's object of the operation's kind when the generated id starts with 0-7."""
    value = str(case.path_parameters.get("id", "")) if case.path_parameters else ""
    if not value or value[:1] not in "01234567":
        return
    sample = case.operation.path.replace("{id}", str(uuid.UUID(int=1)))
    view = resolve(sample).func
    view_class = getattr(view, "cls", None) or getattr(view, "view_class", None)
    queryset = getattr(view_class, "queryset", None)
    obj = world.object_of(queryset.model) if queryset is not None else None
    if obj is not None:
        case.path_parameters["id"] = str(obj.pk)


@pytest.mark.parametrize("who", IDENTITIES)
@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_operation_answers_as_documented(case, who, world, token, db, record_property):
    headers = {"Authorization": f"Token {token}"} if who == "advisor_a" else {}
    _use_real_object(world, case)
    case.call_and_validate(headers=headers, checks=CHECKS)
    record_property("isolation_fuzz_requests", 1)
    record_property("isolation_fuzz_checks", len(CHECKS))


def test_fuzz_counts(record_property):
    """Record what the fuzzing covers (printed at the end of the run)."""
    operations = [
        (method, path)
        for path, item in schema.raw_schema["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    ]
    record_property("isolation_fuzz_operations", len(operations))
    record_property("isolation_fuzz_operation_runs", len(operations) * len(IDENTITIES))
    assert operations
