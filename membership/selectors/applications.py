"""Reads on applications and member organizations: counsel's queue, the applicant's status."""

from __future__ import annotations

from django.db.models import QuerySet

from config.errors import NotFound
from governance.models import Organization
from governance.permissions import can
from governance.roles import Capability, OrgKind
from membership.core.tokens import token_hash
from membership.models import ApplicationState, MembershipApplication


def may_decide(user) -> bool:
    """Return whether `user` decides applications and exits (counsel)."""
    return can(user, Capability.APPROVE_POLICY)


def application_list(*, actor, state: str | None = None) -> QuerySet[MembershipApplication]:
    """Return the applications counsel sees, oldest waiting first."""
    if not may_decide(actor):
        return MembershipApplication.objects.none()
    found = MembershipApplication.objects.select_related("criteria", "decided_by", "organization")
    if state:
        found = found.filter(state=state)
    return found.order_by("state", "submitted_at")


def application_get(*, actor, pk: int) -> MembershipApplication:
    """Return one application for counsel; NotFound otherwise."""
    application = application_list(actor=actor).filter(pk=pk).first()
    if application is None:
        raise NotFound("No such application.")
    return application


def application_by_token(secret: str) -> MembershipApplication:
    """Return the application whose status-link secret is `secret` (the applicant's view)."""
    application = (
        MembershipApplication.objects.select_related("criteria")
        .filter(token_hash=token_hash(secret or ""))
        .first()
    )
    if application is None:
        raise NotFound("No application has this status link.")
    return application


def waiting_count(user) -> int:
    """Return how many applications wait for a decision, for counsel (0 for anyone else)."""
    if not may_decide(user):
        return 0
    return MembershipApplication.objects.filter(state=ApplicationState.SUBMITTED).count()


def member_organizations(*, actor) -> QuerySet[Organization]:
    """Return every member organization, active or gone, with its exit, for counsel."""
    if not may_decide(actor):
        return Organization.objects.none()
    return (
        Organization.objects.filter(kind=OrgKind.MEMBER)
        .select_related("exit", "application")
        .order_by("-is_active", "name")
    )


def member_organization_get(*, actor, pk: int) -> Organization:
    """Return one member organization for counsel; NotFound otherwise."""
    organization = member_organizations(actor=actor).filter(pk=pk).first()
    if organization is None:
        raise NotFound("No such member organization.")
    return organization
