"""Invitations: one-time, expiring, hashed; the invited person joins with the invited role."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from audit.models import AuditEvent
from config.errors import NotFound, ValidationFailed
from governance.permissions import can
from governance.roles import Capability
from membership.models import MemberInvitation
from membership.services.invitations import invitation_accept, invitation_create, invitation_open

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-unusual-passphrase-42"


@pytest.fixture
def secret(users, orgs, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invitation_create(
            actor=users["counsel"],
            organization=orgs["initech"],
            email="new@initech.example",
            role="member_admin",
        )
    return mail.outbox[-1].body.split("/membership/invitations/")[1].split("/")[0]


def test_only_the_hash_of_the_link_is_stored(secret):
    invitation = MemberInvitation.objects.get()
    assert secret not in invitation.token_hash and invitation_open(secret) == invitation
    assert not any(
        secret.encode() in bytes(leaf) for leaf in AuditEvent.objects.values_list("leaf", flat=True)
    )


def test_accepting_creates_the_account_with_the_role_once(secret, orgs):
    user = invitation_accept(secret=secret, username="ines", password=PASSWORD)
    assert user.email == "new@initech.example"
    assert can(user, Capability.MANAGE_ORG, orgs["initech"])
    assert AuditEvent.objects.filter(action="membership.invitation.accepted").count() == 1
    with pytest.raises(NotFound):
        invitation_open(secret)
    with pytest.raises(NotFound):
        invitation_accept(secret=secret, username="ines2", password=PASSWORD)


def test_an_expired_or_wrong_link_is_refused(secret):
    with pytest.raises(NotFound):
        invitation_open("not-the-secret")
    MemberInvitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(NotFound):
        invitation_accept(secret=secret, username="late", password=PASSWORD)


def test_a_weak_password_or_taken_username_creates_nothing(secret, users):
    with pytest.raises(ValidationFailed) as caught:
        invitation_accept(secret=secret, username="acme-analyst", password="short")
    assert {e["field"] for e in caught.value.errors} == {"username", "password"}
    assert invitation_open(secret).accepted_at is None
