"""One-time, expiring invitations: the link's secret is e-mailed, only its hash is stored."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from audit import actions
from audit.services.log import audit_record
from config.errors import Conflict, NotFound, ValidationFailed
from config.links import absolute_url
from governance.models import Organization
from governance.services.accounts import membership_create
from membership.core.tokens import new_token, token_hash
from membership.models import MemberInvitation, MembershipApplication


def _send_invitation(*, email: str, organization_name: str, secret: str, expires_at) -> None:
    subject = f"[{settings.CLEARROOM_FORUM_NAME}] Your invitation to Clearroom"
    body = (
        f"{organization_name} is now a member of {settings.CLEARROOM_FORUM_NAME}.\n\n"
        "Open this one-time link to create your account as its member admin:\n"
        f"{absolute_url('membership-invitation', secret)}\n\n"
        f"The link works once and expires on {expires_at:%Y-%m-%d %H:%M} UTC.\n"
    )
    send_mail(subject, body, None, [email])


@transaction.atomic
def invitation_create(
    *,
    actor,
    organization: Organization,
    email: str,
    role: str,
    application: MembershipApplication | None = None,
) -> MemberInvitation:
    """Invite `email` to join `organization` with `role`; the link is e-mailed after commit.

    The secret leaves the process only in the e-mail: it is never stored, logged or queued
    (the e-mail is sent on commit, not by a task, so the broker never holds it).
    """
    secret, hashed = new_token()
    invitation = MemberInvitation.objects.create(
        organization=organization,
        email=email,
        role=role,
        token_hash=hashed,
        application=application,
        created_by=actor,
        expires_at=timezone.now() + timedelta(hours=settings.MEMBERSHIP_INVITATION_HOURS),
    )
    audit_record(
        actor=actor,
        action=actions.MEMBERSHIP_INVITATION_CREATED,
        obj=invitation,
        organization=organization,
        data={
            "org": organization.slug,
            "role": role,
            "expires_at": invitation.expires_at.isoformat(),
        },
    )
    transaction.on_commit(
        lambda: _send_invitation(
            email=email,
            organization_name=organization.name,
            secret=secret,
            expires_at=invitation.expires_at,
        )
    )
    return invitation


def invitation_open(secret: str) -> MemberInvitation:
    """Return the open invitation whose link secret is `secret`; NotFound when used or expired."""
    invitation = (
        MemberInvitation.objects.select_related("organization")
        .filter(token_hash=token_hash(secret or ""), accepted_at__isnull=True)
        .first()
    )
    if (
        invitation is None
        or invitation.expires_at <= timezone.now()
        or not invitation.organization.is_active
    ):
        raise NotFound("This invitation link is not valid: it was used, has expired or is wrong.")
    return invitation


@transaction.atomic
def invitation_accept(
    *, secret: str, username: str, password: str, first_name: str = "", last_name: str = ""
):
    """Create the invited person's account with the invited role; the link then stops working."""
    invitation = invitation_open(secret)
    invitation = MemberInvitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise Conflict("This invitation was used already.")
    User = get_user_model()
    username = (username or "").strip()
    errors = []
    if not username:
        errors.append({"field": "username", "message": "required"})
    elif User.objects.filter(username__iexact=username).exists():
        errors.append({"field": "username", "message": "this username is taken"})
    candidate = User(username=username, email=invitation.email)
    try:
        validate_password(password or "", user=candidate)
    except ValidationError as exc:
        errors += [{"field": "password", "message": message} for message in exc.messages]
    if errors:
        raise ValidationFailed("The account could not be created.", errors=errors)
    user = User.objects.create_user(
        username=username,
        password=password,
        email=invitation.email,
        first_name=(first_name or "").strip()[:150],
        last_name=(last_name or "").strip()[:150],
    )
    MemberInvitation.objects.filter(pk=invitation.pk).update(
        accepted_at=timezone.now(), accepted_by=user
    )
    membership_create(
        actor=user, user=user, organization=invitation.organization, role=invitation.role
    )
    audit_record(
        actor=user,
        action=actions.MEMBERSHIP_INVITATION_ACCEPTED,
        obj=invitation,
        organization=invitation.organization,
        data={"org": invitation.organization.slug, "role": invitation.role, "user_id": user.pk},
    )
    return user
