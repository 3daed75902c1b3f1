"""The charter gate: with a charter in force, every signed-in page waits for its acceptance."""

from __future__ import annotations

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from membership.models import CharterAcceptance
from tests.membership.helpers import CHARTER, approve_document

pytestmark = pytest.mark.django_db


def test_no_charter_in_force_gates_nothing(client, users):
    client.force_login(users["analyst"])
    assert client.get(reverse("dashboard")).status_code == 200


def test_a_user_accepts_the_charter_before_any_page_and_again_when_it_changes(
    client, users, charter_doc
):
    client.force_login(users["analyst"])
    gated = client.get(reverse("submission-list"))
    assert gated.status_code == 302
    assert gated["Location"] == reverse("charter-accept") + "?next=%2Fsubmissions%2F"
    page = client.get(gated["Location"])
    assert b"Never discuss prices or customers." in page.content
    # Posting without ticking the box accepts nothing.
    client.post(reverse("charter-accept"), {"version": charter_doc.pk, "next": "/submissions/"})
    assert not CharterAcceptance.objects.exists()
    accepted = client.post(
        reverse("charter-accept"),
        {"version": charter_doc.pk, "accept": "1", "next": "/submissions/"},
    )
    assert accepted["Location"] == "/submissions/"
    assert client.get(reverse("submission-list")).status_code == 200
    assert AuditEvent.objects.filter(action="charter.accepted").count() == 1
    approve_document(
        "charter",
        {**CHARTER, "text": "Version two."},
        drafter=users["counsel2"],
        approver=users["counsel"],
    )
    assert client.get(reverse("dashboard")).status_code == 302


def test_a_post_is_refused_until_acceptance_and_changes_nothing(client, users, charter_doc):
    client.force_login(users["analyst"])
    before = AuditEvent.objects.count()
    response = client.post(reverse("marking-acknowledge"), {"marking": "TLP:RED"})
    assert response.status_code == 302 and response["Location"] == reverse("charter-accept")
    assert AuditEvent.objects.count() == before


def test_htmx_requests_are_sent_to_the_charter_by_the_client(client, users, charter_doc):
    client.force_login(users["analyst"])
    response = client.get(reverse("dashboard"), HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"].startswith(reverse("charter-accept"))


def test_machines_and_public_pages_are_not_gated(client, users, charter_doc):
    client.force_login(users["analyst"])
    assert client.get(reverse("api-indicator-types")).status_code == 200
    assert client.get(reverse("membership-criteria")).status_code == 200
    # The transparency report is public: a signed-in reader needs no charter for it.
    assert client.get(reverse("transparency:checkpoints")).status_code == 200
    assert client.post(reverse("logout")).status_code == 302


def test_next_never_leaves_the_site(client, users, charter_doc):
    client.force_login(users["analyst"])
    response = client.post(
        reverse("charter-accept"),
        {"version": charter_doc.pk, "accept": "1", "next": "https://evil.example/"},
    )
    assert response["Location"] == "/"


def test_counsel_and_regulators_see_who_accepted_which_version(client, users, charter_doc):
    from membership.services.charter import charter_accept

    charter_accept(actor=users["analyst"], charter=charter_doc)
    for reader in ("counsel", "regulator"):
        charter_accept(actor=users[reader], charter=charter_doc)
        client.force_login(users[reader])
        page = client.get(reverse("charter-acceptances"))
        assert page.status_code == 200 and b"acme-analyst" in page.content
    client.force_login(users["analyst"])
    assert client.get(reverse("charter-acceptances")).status_code == 403
