"""An organization's people and its open invitations, for its member admin."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from config.errors import AccessDenied
from governance.models import Membership, Organization
from governance.permissions import can
from governance.roles import Capability
from membership.models import MemberInvitation


def _require_admin(actor, organization: Organization) -> None:
    if not can(actor, Capability.MANAGE_ORG, organization):
        raise AccessDenied("Only the organization's member admin sees its people.")


def people_of(*, actor, organization: Organization) -> QuerySet[Membership]:
    """The organization's members, by name."""
    _require_admin(actor, organization)
    return (
        Membership.objects.filter(organization=organization)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user__username")
    )


def pending_invitations(*, actor, organization: Organization) -> QuerySet[MemberInvitation]:
    """The organization's invitations neither accepted nor expired, newest first."""
    _require_admin(actor, organization)
    return organization.invitations.filter(
        accepted_at__isnull=True, expires_at__gt=timezone.now()
    ).order_by("-created_at")
