"""Settings → People: a member admin invites colleagues; new people join only that way."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from audit.models import AuditEvent
from membership.models import MemberInvitation

pytestmark = pytest.mark.django_db


def _invite(client, user, email, role="analyst"):
    client.force_login(user)
    return client.post(reverse("membership-people"), {"email": email, "role": role})


def test_member_admin_invites_a_colleague_who_joins_with_the_chosen_role(
    client, users, orgs, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _invite(client, users["member_admin"], "lee@acme.example", "legal_reviewer")
    assert response.status_code == 302
    invitation = MemberInvitation.objects.get(email="lee@acme.example")
    assert invitation.organization == orgs["acme"] and invitation.role == "legal_reviewer"
    event = AuditEvent.objects.get(
        action="membership.invitation.created", object_id=str(invitation.pk)
    )
    assert "lee@acme.example" not in bytes(event.leaf).decode()  # the address stays out of the log
    message = mail.outbox[-1]
    assert message.to == ["lee@acme.example"] and "legal reviewer" in message.body
    page = client.get(reverse("membership-people"))
    assert b"lee@acme.example" in page.content and b"Legal reviewer" in page.content

    link = next(line for line in message.body.splitlines() if "/membership/invitations/" in line)
    client.logout()
    joined = client.post(
        link[link.index("/membership/") :],
        {"username": "lee", "password": "a-long-unusual-passphrase-42",
         "password_again": "a-long-unusual-passphrase-42"},
    )  # fmt: skip
    assert joined.status_code == 302
    membership = orgs["acme"].memberships.get(user__username="lee")
    assert membership.role == "legal_reviewer"


@pytest.mark.parametrize(
    ("email", "role", "fragment"),
    [
        ("not-an-address", "analyst", b"valid email"),
        ("x@acme.example", "counsel", b"Select a valid choice"),
    ],
)
def test_bad_input_is_a_400_and_sends_nothing(client, users, email, role, fragment):
    response = _invite(client, users["member_admin"], email, role)
    assert response.status_code == 400 and fragment in response.content
    assert not MemberInvitation.objects.exists() and not mail.outbox


def test_a_member_or_an_open_invitation_is_not_invited_twice(
    client, users, django_capture_on_commit_callbacks
):
    member_email = users["analyst"].email
    response = _invite(client, users["member_admin"], member_email)
    assert response.status_code == 400 and b"already belongs" in response.content
    with django_capture_on_commit_callbacks(execute=True):
        assert _invite(client, users["member_admin"], "sam@acme.example").status_code == 302
    again = _invite(client, users["member_admin"], "sam@acme.example")
    assert again.status_code == 400 and b"has an invitation" in again.content
    assert MemberInvitation.objects.count() == 1 and len(mail.outbox) == 1


def test_only_the_member_admin_invites(client, users):
    for name in ("analyst", "legal_reviewer", "counsel", "regulator"):
        response = _invite(client, users[name], "someone@acme.example")
        assert response.status_code == 403, name
    assert not MemberInvitation.objects.exists()


def test_the_service_refuses_another_organizations_admin(users, orgs):
    from config.errors import AccessDenied
    from membership.services.invitations import colleague_invite

    with pytest.raises(AccessDenied):
        colleague_invite(
            actor=users["other_admin"], organization=orgs["acme"], email="x@example.com",
            role="analyst",
        )  # fmt: skip
