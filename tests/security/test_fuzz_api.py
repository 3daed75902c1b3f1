"""Schemathesis against the OpenAPI schema, as each role: no 5xx, responses match the schema.

Bounded: a few generated cases per operation and role, each in a transaction rolled back after
it, so the whole run stays well under a minute. Member roles authenticate with real API tokens
(Bearer); counsel and regulators, who get no tokens, with a session and its CSRF token.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.test import Client
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from config.wsgi import application
from governance.services.accounts import api_token_create

pytestmark = pytest.mark.django_db

ROLES = ["analyst", "member_admin", "legal_reviewer", "counsel", "regulator"]
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
EXAMPLES = 3


def _credentials(role: str, users, orgs) -> tuple[dict, dict]:
    user = users[role]
    if role in {"counsel", "regulator"}:
        client = Client()
        client.force_login(user)
        csrf = "fuzz" * 8  # any 32-letter secret, sent as cookie and header, passes Django's check
        return {"X-CSRFToken": csrf}, {
            "sessionid": client.cookies["sessionid"].value,
            "csrftoken": csrf,
        }
    _, secret = api_token_create(
        actor=users["member_admin"], user=user, organization=orgs["acme"], name=f"fuzz-{role}"
    )
    return {"Authorization": f"Bearer {secret}"}, {}


def _summary(error: BaseException) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return " | ".join(lines[:3])[:300]


@pytest.fixture
def keep_connection():
    """Keep the test's database connection across WSGI requests, as Django's test client does."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.parametrize("role", ROLES)
def test_api_never_fails_and_answers_as_documented(role, world, users, orgs, keep_connection):
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", application)
    headers, cookies = _credentials(role, users, orgs)
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 30

    def make_run(operation):
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def run(case):
            cache.clear()  # the fuzzer must not meet the throttle
            with transaction.atomic():
                response = case.call(headers=headers, cookies=cookies)
                transaction.set_rollback(True)
            case.validate_response(response, checks=CHECKS)

        return run

    for operation in operations:
        try:
            make_run(operation)()
        except* Exception as group:  # collect every operation's failures, then report them all
            failures += [f"{operation.label}: {_summary(e)}" for e in group.exceptions]
    assert not failures, "\n".join(sorted(set(failures)))
