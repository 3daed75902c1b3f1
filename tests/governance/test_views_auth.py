"""Login, lockout after repeated failures, the dashboard and the error pages."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def test_dashboard_requires_login(client):
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_login_then_dashboard_shows_role(client, users):
    response = client.post(
        reverse("login"), {"username": "acme-analyst", "password": TEST_PASSWORD}, follow=True
    )
    assert response.status_code == 200
    assert b"Analyst" in response.content and b"Acme AI" in response.content


def test_repeated_failures_lock_the_account(client, users, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "acme-analyst", "password": "wrong"})
    response = client.post(
        reverse("login"), {"username": "acme-analyst", "password": TEST_PASSWORD}
    )
    assert response.status_code == 429
    assert b"Too many failed log-in attempts" in response.content
    assert "_auth_user_id" not in client.session


def test_unknown_page_is_a_friendly_404(client, users):
    client.force_login(users["analyst"])
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert b"Page not found" in response.content


def test_security_headers_on_pages(client):
    response = client.get(reverse("login"))
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
