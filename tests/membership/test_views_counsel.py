"""Counsel's pages: deciding an application, drafting and approving documents, exits; and the
invitation page that lands the new member admin in the app."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from membership.models import ApplicationState, DocumentStatus, ForumDocument, MembershipApplication
from tests.membership.helpers import apply

pytestmark = pytest.mark.django_db


def _login(client, user):
    client.force_login(user)
    return client


def test_counsel_accepts_from_the_queue_and_the_admin_joins_by_the_link(
    client, users, criteria_doc, django_capture_on_commit_callbacks
):
    application, _ = apply()
    counsel = _login(client, users["counsel"])
    queue = counsel.get(reverse("membership-applications"))
    assert b"Nimbus AI" in queue.content
    url = reverse("membership-application", kwargs={"pk": application.pk})
    incomplete = counsel.post(url, {"decision": "accept", "reason": "OK"})
    assert incomplete.status_code == 400 and b"mark it met or not met" in incomplete.content
    with django_capture_on_commit_callbacks(execute=True):
        response = counsel.post(
            url,
            {
                "decision": "accept",
                "reason": "Meets both.",
                "criterion_model-api": "met",
                "criterion_contact": "met",
            },
        )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.state == ApplicationState.ACCEPTED
    link = next(line for line in mail.outbox[-1].body.splitlines() if "/invitations/" in line)
    path = link[link.index("/membership/") :]
    client.logout()
    page = client.get(path)
    assert page.status_code == 200 and b"Join Nimbus AI" in page.content
    joined = client.post(
        path,
        {
            "username": "nia",
            "password": "a-long-unusual-passphrase-42",
            "password_again": "a-long-unusual-passphrase-42",
        },
    )
    assert joined.status_code == 302 and joined["Location"] == reverse("dashboard")
    # Signed in as the organization's member admin, who must set up a second factor first.
    first = client.get(reverse("dashboard"))
    assert first.status_code == 302 and first["Location"].startswith(reverse("identity:factors"))
    client.logout()
    assert client.get(path).status_code == 404  # one time only


def test_mismatched_passwords_are_a_400(
    client, users, criteria_doc, django_capture_on_commit_callbacks
):
    from membership.services.applications import application_decide

    application, _ = apply()
    with django_capture_on_commit_callbacks(execute=True):
        application_decide(
            actor=users["counsel"],
            application=application,
            accept=True,
            assessment={"model-api": True, "contact": True},
            reason="OK",
        )
    link = next(line for line in mail.outbox[-1].body.splitlines() if "/invitations/" in line)
    path = link[link.index("/membership/") :]
    response = client.post(
        path, {"username": "nia", "password": "a-long-passphrase-1", "password_again": "other"}
    )
    assert response.status_code == 400


def test_counsel_drafts_and_another_counsel_approves_on_the_pages(client, users):
    _login(client, users["counsel"])
    response = client.post(
        reverse("membership-document-new", kwargs={"kind": "criteria"}),
        {"title": "Criteria", "criteria": "model-api | Operates a model API | Public API."},
    )
    version = ForumDocument.objects.get()
    assert response["Location"] == reverse("membership-document", kwargs={"pk": version.pk})
    bad = client.post(
        reverse("membership-document-new", kwargs={"kind": "criteria"}),
        {"title": "Criteria", "criteria": "Bad Key | | "},
    )
    assert bad.status_code == 400 and b"document-errors" in bad.content
    client.post(reverse("membership-document-submit", kwargs={"pk": version.pk}))
    own = client.post(
        reverse("membership-document-decide", kwargs={"pk": version.pk}),
        {"decision": "approve", "statement": "Mine."},
    )
    assert own.status_code == 403
    _login(client, users["counsel2"])
    client.post(
        reverse("membership-document-decide", kwargs={"pk": version.pk}),
        {"decision": "approve", "statement": "Objective."},
    )
    version.refresh_from_db()
    assert version.status == DocumentStatus.APPROVED
    assert b"Operates a model API" in client.get(reverse("membership-criteria")).content


def test_counsel_records_an_exit_with_a_reason(client, users, orgs):
    _login(client, users["counsel"])
    url = reverse("membership-organization-exit", kwargs={"pk": orgs["initech"].pk})
    client.post(url, {"kind": "removed", "reason": ""})
    orgs["initech"].refresh_from_db()
    assert orgs["initech"].is_active
    client.post(url, {"kind": "removed", "reason": "Shared customer lists twice."})
    orgs["initech"].refresh_from_db()
    assert not orgs["initech"].is_active
    page = client.get(reverse("membership-organizations"))
    assert b"Shared customer lists twice." in page.content


def test_members_and_regulators_cannot_decide(client, users, criteria_doc):
    application, _ = apply()
    url = reverse("membership-application", kwargs={"pk": application.pk})
    for role in ("member_admin", "regulator"):
        _login(client, users[role])
        assert client.get(url).status_code == 403
        assert client.get(reverse("membership-applications")).status_code == 403
    assert MembershipApplication.objects.get().state == ApplicationState.SUBMITTED
