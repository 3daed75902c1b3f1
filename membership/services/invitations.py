"""One-time, expiring invitations: the link's secret is e-mailed, only its hash is stored."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from audit import actions
from audit.services.log import audit_record
from config.errors import AccessDenied, Conflict, NotFound, ValidationFailed
from config.links import absolute_url
from governance.models import Organization
from governance.permissions import can
from governance.roles import Capability, Role
from governance.services.accounts import membership_create
from membership.core.tokens import new_token, token_hash
from membership.models import MemberInvitation, MembershipApplication


def _send_invitation(
    *, email: str, organization_name: str, secret: str, expires_at, role: str, welcome: bool
) -> None:
    subject = f"[{settings.CLEARROOM_FORUM_NAME}] Your invitation to Clearroom"
    opening = (
        f"{organization_name} is now a member of {settings.CLEARROOM_FORUM_NAME}.\n\n"
        if welcome
        else f"{organization_name}'s member admin invites you to Clearroom.\n\n"
    )
    body = (
        opening + f"Open this one-time link to create your account as its "
        f"{Role(role).label.lower()}:\n"
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
            role=role,
            welcome=application is not None,
        )
    )
    return invitation


# The roles a member admin may invite colleagues to (counsel and regulators are the forum's).
INVITABLE_ROLES = (Role.ANALYST, Role.LEGAL_REVIEWER, Role.MEMBER_ADMIN)


@transaction.atomic
def colleague_invite(*, actor, organization: Organization, email: str, role: str):
    """Invite a colleague to `organization` (its member admin only): the one way new people
    join an organization; with single sign-on they then sign in through the lab's provider."""
    if not organization.is_member or not can(actor, Capability.MANAGE_ORG, organization):
        raise AccessDenied("Only the organization's member admin invites people.")
    email = (email or "").strip()
    errors = []
    try:
        validate_email(email)
    except ValidationError:
        errors.append({"field": "email", "message": "must be an e-mail address"})
    if role not in INVITABLE_ROLES:
        errors.append(
            {"field": "role", "message": "must be analyst, legal reviewer or member admin"}
        )
    if not errors and organization.memberships.filter(user__email__iexact=email).exists():
        errors.append(
            {"field": "email", "message": "already belongs to a member of the organization"}
        )
    pending = organization.invitations.filter(
        accepted_at__isnull=True, expires_at__gt=timezone.now()
    )
    if not errors and pending.filter(email__iexact=email).exists():
        errors.append({"field": "email", "message": "has an invitation that has not expired"})
    if errors:
        raise ValidationFailed("The invitation was not sent.", errors=errors)
    return invitation_create(actor=actor, organization=organization, email=email, role=role)


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
