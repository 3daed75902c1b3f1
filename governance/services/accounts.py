"""Writes on organizations, memberships and API tokens; each emits its audit event."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from audit import actions
from audit.services.log import audit_record
from config.errors import AccessDenied, Conflict, ValidationFailed
from governance.core import token_rules
from governance.core.token_rules import TokenRuleError
from governance.models import ApiToken, Membership, Organization
from governance.permissions import forget_memberships, require
from governance.roles import ROLE_ORG_KIND, Capability, Role

User = get_user_model()

TOKEN_PREFIX = "cr_"
MAX_TOKEN_DAYS = 3650


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


def _rule_error(exc: TokenRuleError, field: str) -> ValidationFailed:
    return ValidationFailed(str(exc), errors=[{"field": field, "message": str(exc)}])


@transaction.atomic
def api_token_create(
    *,
    actor,
    user,
    organization: Organization,
    name: str,
    scopes: Iterable[str] | None = None,
    days: int | None = None,
    allowed_networks: str | Iterable[str] = (),
) -> tuple[ApiToken, str]:
    """Create an API token for `user`; return it and the secret, shown once and never stored.

    Without `scopes` the token may `read` and `submit`; without `days` it lives 90 days (or
    the organization's maximum if shorter); `allowed_networks` limits where it is used from."""
    require(actor, Capability.MANAGE_ORG, organization)
    if not Membership.objects.filter(user=user, organization=organization).exists():
        raise AccessDenied("API tokens can only be issued to members of your organization.")
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(
            "Give the token a name.", errors=[{"field": "name", "message": "required"}]
        )
    try:
        scopes = token_rules.normalize_scopes(scopes)
    except TokenRuleError as exc:
        raise _rule_error(exc, "scopes") from None
    try:
        networks = token_rules.parse_networks(allowed_networks)
    except TokenRuleError as exc:
        raise _rule_error(exc, "allowed_networks") from None
    now = timezone.now()
    # Read afresh: the member admin may have just lowered it.
    max_days = Organization.objects.values_list("api_token_max_days", flat=True).get(
        pk=organization.pk
    )
    try:
        expires_at = token_rules.expiry(now, days, max_days)
    except TokenRuleError as exc:
        raise _rule_error(exc, "days") from None
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        organization=organization,
        name=name[:100],
        prefix=secret[:10],
        token_hash=_hash_token(secret),
        created_by=actor,
        scopes=scopes,
        expires_at=expires_at,
        allowed_networks=networks,
    )
    audit_record(
        actor=actor,
        action=actions.API_TOKEN_CREATED,
        obj=token,
        organization=organization,
        data={
            "user_id": user.pk,
            "name": token.name,
            "prefix": token.prefix,
            "scopes": scopes,
            "expires_at": expires_at.isoformat(),
            "allowed_networks": networks,
        },
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


@transaction.atomic
def organization_token_policy_set(
    *, actor, organization: Organization, max_days: int
) -> Organization:
    """Set the longest lifetime `organization`'s member admin may give a new API token."""
    require(actor, Capability.MANAGE_ORG, organization)
    if not 1 <= max_days <= MAX_TOKEN_DAYS:
        raise ValidationFailed(
            f"The maximum lifetime is between 1 and {MAX_TOKEN_DAYS} days.",
            errors=[{"field": "max_days", "message": f"between 1 and {MAX_TOKEN_DAYS}"}],
        )
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    before = organization.api_token_max_days
    if before != max_days:
        Organization.objects.filter(pk=organization.pk).update(api_token_max_days=max_days)
        organization.refresh_from_db()
        audit_record(
            actor=actor,
            action=actions.API_TOKEN_POLICY_CHANGED,
            obj=organization,
            organization=organization,
            data={"max_days": max_days, "before": before},
        )
    return organization


def api_token_find(secret: str) -> ApiToken | None:
    """Return the unrevoked token of an active user whose secret is `secret`, or None.

    Expiry, scope and source address are checked by `api_token_check`, so that a refusal can
    say which one failed."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user", "organization")
        .filter(token_hash=_hash_token(secret), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    return token


def api_token_check(
    token: ApiToken, *, needed: str | None, address: str | None
) -> tuple[str, str] | None:
    """Return why `token` may not be used for a request needing scope `needed` from `address`
    (code, sentence), or None after noting its use."""
    now = timezone.now()
    refused = token_rules.refusal(
        now=now,
        expires_at=token.expires_at,
        scopes=token.scopes,
        networks=token.allowed_networks,
        address=address,
        needed=needed,
    )
    if refused is not None:
        return refused
    stale = token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60
    if stale or token.last_used_ip != address:
        # Bookkeeping, not a domain change: throttled to one write a minute per token and
        # address.
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now, last_used_ip=address)
    return None
