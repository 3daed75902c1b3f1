"""Writes on organizations, memberships and API tokens; each emits its audit event."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from audit import actions
from audit.services.log import audit_record
from config.errors import AccessDenied, Conflict, ValidationFailed
from governance.models import ApiToken, Membership, Organization
from governance.permissions import forget_memberships, require
from governance.roles import ROLE_ORG_KIND, Capability, Role

User = get_user_model()

TOKEN_PREFIX = "cr_"


@transaction.atomic
def organization_create(*, actor, slug: str, name: str, kind: str) -> Organization:
    """Create an organization with its permission group."""
    if Organization.objects.filter(slug=slug).exists():
        raise Conflict(f"An organization with the slug {slug!r} already exists.")
    group, _ = Group.objects.get_or_create(name=f"org:{slug}")
    organization = Organization.objects.create(slug=slug, name=name, kind=kind, group=group)
    audit_record(
        actor=actor,
        action=actions.ORGANIZATION_CREATED,
        obj=organization,
        data={"slug": slug, "name": name, "kind": kind},
    )
    return organization


@transaction.atomic
def membership_create(*, actor, user, organization: Organization, role: str) -> Membership:
    """Give `user` a role in `organization` and add them to its permission group."""
    if role not in Role.values:
        raise ValidationFailed(
            f"Unknown role {role!r}.", errors=[{"field": "role", "message": "unknown role"}]
        )
    if organization.kind != ROLE_ORG_KIND[role]:
        raise ValidationFailed(
            f"The role {role} belongs to a {ROLE_ORG_KIND[role]} organization, "
            f"and {organization.name} is a {organization.kind}.",
            errors=[{"field": "role", "message": "role does not fit the organization kind"}],
        )
    membership, created = Membership.objects.get_or_create(
        user=user, organization=organization, defaults={"role": role}
    )
    if not created and membership.role != role:
        raise Conflict(f"{user} already holds the role {membership.role} at {organization}.")
    user.groups.add(organization.group)
    forget_memberships(user)
    if created:
        audit_record(
            actor=actor,
            action=actions.MEMBERSHIP_CREATED,
            obj=membership,
            organization=organization,
            data={
                "user_id": user.pk,
                "username": user.get_username(),
                "org": organization.slug,
                "role": role,
            },
        )
    return membership


def _hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, actor, user, organization: Organization, name: str) -> tuple[ApiToken, str]:
    """Create an API token for `user`; return it and the secret, shown once and never stored."""
    require(actor, Capability.MANAGE_ORG, organization)
    if not Membership.objects.filter(user=user, organization=organization).exists():
        raise AccessDenied("API tokens can only be issued to members of your organization.")
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(
            "Give the token a name.", errors=[{"field": "name", "message": "required"}]
        )
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        organization=organization,
        name=name[:100],
        prefix=secret[:10],
        token_hash=_hash_token(secret),
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action=actions.API_TOKEN_CREATED,
        obj=token,
        organization=organization,
        data={"user_id": user.pk, "name": token.name, "prefix": token.prefix},
    )
    return token, secret


@transaction.atomic
def api_token_revoke(*, actor, token: ApiToken) -> ApiToken:
    """Revoke `token`; later requests with it are refused."""
    require(actor, Capability.MANAGE_ORG, token.organization)
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
        token.refresh_from_db()
        audit_record(
            actor=actor,
            action=actions.API_TOKEN_REVOKED,
            obj=token,
            organization=token.organization,
            data={"prefix": token.prefix},
        )
    return token


def api_token_authenticate(secret: str) -> ApiToken | None:
    """Return the active token whose secret is `secret`, or None."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user", "organization")
        .filter(token_hash=_hash_token(secret), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        # Bookkeeping, not a domain change: throttled to one write a minute per token.
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token
