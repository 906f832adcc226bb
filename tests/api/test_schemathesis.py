"""Schemathesis against the API's own OpenAPI document, in-process, with a staff key and a
delegate key: no 5xx, and every answer matches its documented status, type and schema."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from meetingsvc.accounts.models import Role
from meetingsvc.api.tokens import create_token
from meetingsvc.audit.services import Actor

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


@pytest.fixture
def keys(session, make_user, make_body, make_meeting) -> list[str]:  # type: ignore[no-untyped-def]
    """A secretariat key and a key of a delegate who may see only one of the two meetings."""
    staff, delegate = make_user(Role.SECRETARIAT), make_user(Role.DELEGATE)
    make_meeting(make_body("bch", members=[delegate]))
    make_meeting(make_body("btv"), title="Hội nghị Ban Thường vụ")
    secrets = [create_token(session, user, "schemathesis", Actor(username="test")).secret
               for user in (staff, delegate)]
    session.commit()
    return secrets


@pytest.mark.slow
def test_the_api_keeps_its_document(app, keys) -> None:  # type: ignore[no-untyped-def]
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 4
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=8, derandomize=True, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case) -> None:  # type: ignore[no-untyped-def]
            for key in keys:
                case.call_and_validate(headers={"Authorization": f"Bearer {key}"},
                                       checks=CHECKS)

        run()
