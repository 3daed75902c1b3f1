"""The one place that answers "may this user do X for this organization".

Views, API permissions, selectors and services all ask `can()` / `require()`; nothing else
reads roles directly.
"""

from __future__ import annotations

from collections.abc import Iterable

from config.errors import AccessDenied
from governance.models import Membership, Organization
from governance.roles import ROLE_CAPABILITIES, Capability, OrgKind

_CACHE_ATTR = "_clearroom_memberships"


def memberships(user) -> list[Membership]:
    """Return the user's memberships (with organizations), cached on the user object."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = list(
            Membership.objects.filter(user=user, organization__is_active=True).select_related(
                "organization"
            )
        )
        setattr(user, _CACHE_ATTR, cached)
    return cached


def forget_memberships(user) -> None:
    """Drop the cached memberships (after a membership change in the same request)."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def primary_membership(user) -> Membership | None:
    """Return the membership a user acts through by default (the first one)."""
    found = memberships(user)
    return found[0] if found else None


def can(user, capability: str, organization: Organization | None = None) -> bool:
    """Return True when `user` holds `capability`, for `organization` when one is given."""
    for membership in memberships(user):
        if organization is not None and membership.organization_id != organization.pk:
            continue
        if capability in ROLE_CAPABILITIES.get(membership.role, ()):
            return True
    return False


def require(user, capability: str, organization: Organization | None = None) -> None:
    """Raise AccessDenied unless `user` holds `capability` (for `organization`)."""
    if not can(user, capability, organization):
        label = Capability(capability).label if capability in Capability.values else capability
        raise AccessDenied(f"You are not allowed to: {label.lower()}.")


def organizations_with(user, capability: str) -> list[Organization]:
    """Return the organizations for which `user` holds `capability`."""
    return [
        m.organization for m in memberships(user) if capability in ROLE_CAPABILITIES.get(m.role, ())
    ]


def capabilities(user) -> frozenset[str]:
    """Return every capability the user holds in any organization."""
    held: set[str] = set()
    for membership in memberships(user):
        held |= ROLE_CAPABILITIES.get(membership.role, frozenset())
    return frozenset(held)


def roles(user) -> set[str]:
    """Return the roles the user holds."""
    return {m.role for m in memberships(user)}


def is_oversight(user) -> bool:
    """Return True for counsel and regulators, who see all published indicators."""
    return can(user, Capability.READ_ALL_PUBLISHED)


def member_org_slugs(orgs: Iterable[Organization]) -> list[str]:
    """Return the slugs of the member labs among `orgs`."""
    return [o.slug for o in orgs if o.kind == OrgKind.MEMBER]
