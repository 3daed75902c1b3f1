"""The public pages: criteria, the application form and its abuse protection, the status page."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse

from audit.models import AuditEvent
from membership.models import MembershipApplication
from tests.membership.helpers import apply

pytestmark = pytest.mark.django_db

FORM = {
    "organization_name": "Nimbus AI",
    "contact_name": "Nia Nimbus",
    "contact_email": "nia@nimbus.example",
    "claimed": ["model-api", "contact"],
    "evidence": "Public API since 2025.",
    "website": "",
}


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()
    yield
    cache.clear()


def test_anyone_reads_the_criteria_in_force(client, criteria_doc):
    page = client.get(reverse("membership-criteria"))
    assert page.status_code == 200
    assert b"Operates a model API" in page.content and b"version 1" in page.content


def test_without_criteria_the_pages_say_applications_are_closed(client, db):
    assert b"no-criteria" in client.get(reverse("membership-criteria")).content
    assert b"no-criteria" in client.get(reverse("membership-apply")).content
    assert client.post(reverse("membership-apply"), FORM).status_code == 409
    assert not MembershipApplication.objects.exists()


def test_an_application_leads_to_its_private_status_page(client, criteria_doc):
    form = client.get(reverse("membership-apply"))
    assert b'name="claimed" value="model-api"' in form.content
    response = client.post(reverse("membership-apply"), FORM)
    assert response.status_code == 302
    assert response["Location"].startswith("/membership/status/")
    page = client.get(response["Location"])
    assert page.status_code == 200 and b"Awaiting decision" in page.content
    assert page["Referrer-Policy"] == "same-origin" and page["Cache-Control"] == "no-store"
    assert MembershipApplication.objects.get().organization_name == "Nimbus AI"


def test_bad_input_is_a_400_with_the_fields_and_nothing_stored(client, criteria_doc):
    before = AuditEvent.objects.count()
    response = client.post(
        reverse("membership-apply"), {**FORM, "contact_email": "nope", "claimed": ["made-up"]}
    )
    assert response.status_code == 400
    assert b"field-error" in response.content
    too_long = client.post(reverse("membership-apply"), {**FORM, "evidence": "x" * 5001})
    assert too_long.status_code == 400
    assert not MembershipApplication.objects.exists() and AuditEvent.objects.count() == before


def test_the_honeypot_refuses_bots_and_stores_nothing(client, criteria_doc):
    response = client.post(reverse("membership-apply"), {**FORM, "website": "http://spam"})
    assert response.status_code == 400 and b"Nothing was stored" in response.content
    assert not MembershipApplication.objects.exists()


def test_an_oversized_request_is_refused_before_it_is_read(client, criteria_doc, settings):
    settings.MEMBERSHIP_APPLY_MAX_BYTES = 2048
    response = client.post(reverse("membership-apply"), {**FORM, "evidence": "x" * 4000})
    assert response.status_code == 413
    assert not MembershipApplication.objects.exists()


def test_one_address_is_throttled_with_a_clear_429(client, criteria_doc, settings):
    settings.MEMBERSHIP_APPLY_LIMIT = 2
    for _ in range(2):
        assert client.post(reverse("membership-apply"), FORM).status_code == 302
    refused = client.post(reverse("membership-apply"), FORM)
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0 and b"Too many applications" in refused.content
    assert MembershipApplication.objects.count() == 2
    # Another address is not affected.
    other = client.post(reverse("membership-apply"), FORM, REMOTE_ADDR="192.0.2.77")
    assert other.status_code == 302


def test_a_refused_application_shows_its_reason_and_assessment(client, users, criteria_doc):
    from membership.services.applications import application_decide

    application, secret = apply(claimed=["contact"])
    application_decide(
        actor=users["counsel"],
        application=application,
        accept=False,
        assessment={"model-api": False, "contact": True},
        reason="The applicant runs no public model API.",
    )
    page = client.get(reverse("membership-status", kwargs={"secret": secret}))
    assert b"Refused" in page.content
    assert b"The applicant runs no public model API." in page.content
    assert b"not met" in page.content


def test_an_unknown_status_link_is_not_found(client, db):
    assert client.get(reverse("membership-status", kwargs={"secret": "guess"})).status_code == 404
