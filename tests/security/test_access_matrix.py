"""Every route × every kind of user: the status of tests/security/access_table.py, who changes
what, and no response to anyone but Acme and counsel carrying Acme's redacted-away values.

The table is checked against the URL conf and the OpenAPI schema, so a new endpoint without an
entry fails here.
"""

from __future__ import annotations

import base64
import copy
import io
import json
import re
import zipfile

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from audit import actions
from audit.models import AuditEvent
from sharing.taxii.envelope import MEDIA_TYPE
from tests.factories import TEST_PASSWORD
from tests.security.access_table import COLUMNS, MATRIX, USER_OF, Entry
from tests.security.world import SECRETS

pytestmark = pytest.mark.django_db

# Reading an original, downloading an export and signing in are audited, but change nothing.
READ_ACTIONS = {
    actions.SUBMISSION_ORIGINAL_VIEWED,
    actions.EXPORT_DOWNLOADED,
    actions.USER_LOGGED_IN,
    actions.USER_LOGIN_FAILED,
}
# Who may ever see Acme's original values: Acme's own people and counsel (forum review).
MAY_SEE_ORIGINALS = {"analyst", "member_admin", "legal_reviewer", "counsel"}


def _routes() -> dict[str, str]:
    """Return {qualified URL name: pattern} of every route outside the admin site."""
    found: dict[str, str] = {}

    def walk(patterns, prefix: str, namespace: str | None) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace == "admin":
                    found["admin:index"] = prefix + str(pattern.pattern)
                    continue
                walk(
                    pattern.url_patterns,
                    prefix + str(pattern.pattern),
                    pattern.namespace or namespace,
                )
            elif isinstance(pattern, URLPattern):
                assert pattern.name, f"unnamed route {prefix}{pattern.pattern}"
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
                found[name] = prefix + str(pattern.pattern)

    walk(get_resolver().url_patterns, "/", None)
    return found


def _shape(path: str) -> str:
    return re.sub(r"<[^>]+>|\{[^}]+\}", "{}", path)


def test_every_route_has_an_entry_and_every_entry_a_route():
    assert {e.route for e in MATRIX} == set(_routes())


def test_every_api_operation_has_an_entry():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = {
        (_shape(path), method.upper())
        for path, item in schema["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    }
    routes = _routes()
    documented = {
        (_shape(routes[e.route]), e.method)
        for e in MATRIX
        if e.kind == "api" and e.route not in {"api-schema", "api-docs"}
    }
    assert documented == operations


def _client(column: str, users) -> tuple[Client, dict]:
    client = Client()
    if column == "anonymous":
        return client, {}
    user = users[USER_OF[column]]
    client.force_login(user)
    raw = base64.b64encode(f"{user.username}:{TEST_PASSWORD}".encode()).decode()
    return client, {"HTTP_AUTHORIZATION": f"Basic {raw}"}


def _send(client: Client, basic: dict, entry: Entry, world):
    url = "/admin/" if entry.kind == "admin" else reverse(entry.route, kwargs=entry.kwargs(world))
    body = entry.body(world) if entry.body else None
    method = entry.method.lower()
    if entry.kind == "taxii":
        headers = {"HTTP_ACCEPT": MEDIA_TYPE, **basic}
        if method == "get":
            return client.get(url, **headers)
        return client.generic(
            entry.method, url, json.dumps(body or {}), content_type=MEDIA_TYPE, **headers
        )
    if entry.kind == "api":
        if method == "get":
            return client.get(url)
        return client.generic(
            entry.method, url, json.dumps(body or {}), content_type="application/json"
        )
    if method == "get":
        return client.get(url)
    return client.post(url, body or {})


def _content(response) -> bytes:
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    if raw.startswith(b"PK\x03\x04"):
        with zipfile.ZipFile(io.BytesIO(raw)) as bundle:
            return b"\n".join(bundle.read(name) for name in bundle.namelist())
    return raw


def _exchange(client, basic, entry, world):
    """Send one request in a transaction rolled back after it; return (status, writes, body)."""
    cache.clear()  # throttles and lockouts count per test, not per table
    cookies = client.cookies  # signing out (or in) must not change who sends the next request
    client.cookies = copy.copy(cookies)
    with transaction.atomic():
        before = AuditEvent.objects.count()
        response = _send(client, basic, entry, world)
        new_actions = set(
            AuditEvent.objects.filter(seq__gte=before).values_list("action", flat=True)
        )
        body = _content(response)
        transaction.set_rollback(True)
    client.cookies = cookies
    return response.status_code, bool(new_actions - READ_ACTIONS), body


@pytest.mark.parametrize("column", COLUMNS)
def test_access_matrix(column, world, users):
    client, basic = _client(column, users)
    mismatches = []
    leaks = []
    for entry in MATRIX:
        expected = entry.cells[column]
        status, writes, body = _exchange(client, basic, entry, world)
        if (status, writes) != (expected.status, expected.writes):
            mismatches.append(
                f"{entry.method} {entry.route}: expected {expected.status}"
                f"{'+' if expected.writes else ''}, got {status}{'+' if writes else ''}"
            )
        if column not in MAY_SEE_ORIGINALS:
            text = body.decode("utf-8", errors="replace")
            leaks += [f"{entry.method} {entry.route}: {s!r}" for s in SECRETS if s in text]
    assert not mismatches, "\n".join(mismatches)
    assert not leaks, "\n".join(leaks)


def test_the_original_reaches_acme_and_counsel_only_where_expected(world, users):
    """The leak check can fail: Acme's own submission page does show the original."""
    client, basic = _client("analyst", users)
    entry = next(e for e in MATRIX if e.route == "submission-detail")
    _, _, body = _exchange(client, basic, entry, world)
    assert all(secret in body.decode() for secret in SECRETS)


def test_docs_hold_the_current_matrix():
    from pathlib import Path

    from tests.security.access_table import markdown

    text = (Path(__file__).resolve().parents[2] / "docs" / "security.md").read_text()
    held = text.split("<!-- matrix:start -->\n", 1)[1].split("\n<!-- matrix:end -->", 1)[0]
    assert held == markdown(), "regenerate the table in docs/security.md from access_table"
