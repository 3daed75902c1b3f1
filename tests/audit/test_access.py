"""Only counsel and regulators read the audit log: every page and API endpoint refuses others."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from audit.models import AuditExport
from audit.services.checkpoints import audit_checkpoint_create
from audit.services.exports import audit_export_request
from tests.audit.helpers import append

pytestmark = pytest.mark.django_db

REFUSED = ["analyst", "member_admin", "legal_reviewer", "other_analyst"]
ALLOWED = ["counsel", "regulator"]


@pytest.fixture
def export(users, django_capture_on_commit_callbacks):
    append(5)
    audit_checkpoint_create()
    with django_capture_on_commit_callbacks(execute=True):
        made = audit_export_request(actor=users["regulator"])
    made.refresh_from_db()
    return made


def _pages(export: AuditExport) -> list[tuple[str, str]]:
    return [
        ("get", reverse("audit:events")),
        ("get", reverse("audit:timeline", args=["audit.auditexport", str(export.pk)])),
        ("get", reverse("audit:checkpoints")),
        ("post", reverse("audit:cosign")),
        ("get", reverse("audit:checkpoint_note", args=[export.checkpoint_size])),
        ("get", reverse("audit:public_key")),
        ("get", reverse("audit:exports")),
        ("post", reverse("audit:exports")),
        ("get", reverse("audit:export_row", args=[export.pk])),
        ("get", reverse("audit:export_download", args=[export.pk])),
    ]


def _api(export: AuditExport) -> list[tuple[str, str]]:
    return [
        ("get", reverse("audit_api:events")),
        ("get", reverse("audit_api:checkpoints")),
        ("post", reverse("audit_api:cosignatures")),
        ("get", reverse("audit_api:exports")),
        ("post", reverse("audit_api:exports")),
        ("get", reverse("audit_api:export-detail", args=[export.pk])),
        ("get", reverse("audit_api:export-download", args=[export.pk])),
        ("get", reverse("audit_api:public-key")),
    ]


@pytest.mark.parametrize("role", REFUSED)
def test_pages_refuse_other_roles(client, users, export, role):
    client.force_login(users[role])
    for method, url in _pages(export):
        response = getattr(client, method)(url)
        assert response.status_code == 403, (method, url)
    assert AuditExport.objects.count() == 1


def test_pages_send_anonymous_to_login(client, export):
    for method, url in _pages(export):
        response = getattr(client, method)(url)
        assert response.status_code == 302, (method, url)
        assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("role", REFUSED)
def test_api_refuses_other_roles(users, export, role):
    api = APIClient()
    api.force_authenticate(users[role])
    for method, url in _api(export):
        response = getattr(api, method)(url, {}, format="json")
        assert response.status_code == 403, (method, url)
        assert response.json()["code"] == "permission_denied"


def test_api_answers_anonymous_401(export):
    api = APIClient()
    for method, url in _api(export):
        response = getattr(api, method)(url, {}, format="json")
        assert response.status_code == 401, (method, url)


@pytest.mark.parametrize("role", ALLOWED)
def test_pages_open_for_counsel_and_regulators(client, users, export, role):
    client.force_login(users[role])
    for url in (
        reverse("audit:events"),
        reverse("audit:timeline", args=["audit.auditexport", str(export.pk)]),
        reverse("audit:checkpoints"),
        reverse("audit:exports"),
        reverse("audit:public_key"),
    ):
        assert client.get(url).status_code == 200, url


def test_another_organizations_export_is_not_found(client, users, export):
    client.force_login(users["counsel"])
    assert client.get(reverse("audit:export_download", args=[export.pk])).status_code == 404
    api = APIClient()
    api.force_authenticate(users["counsel"])
    assert api.get(reverse("audit_api:export-detail", args=[export.pk])).status_code == 404
