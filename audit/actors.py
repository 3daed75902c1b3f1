"""Who did it: an actor snapshot copied into each audit entry (never a foreign key).

The log sits below governance, so it does not import who defines organizations and roles:
governance hands it the lookup of a user's memberships when the app is ready
(`governance.apps.GovernanceConfig.ready`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

# A user's memberships: objects with `organization_id`, `organization.slug` and `role`.
MembershipLookup = Callable[[Any], Iterable[Any]]
_memberships: MembershipLookup | None = None


def use_memberships(lookup: MembershipLookup) -> None:
    """Set how the log finds the organization and role a user acts through."""
    global _memberships
    _memberships = lookup


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    username: str
    org: str | None
    role: str | None

    def as_dict(self) -> dict:
        return {
            "user_id": self.user_id,
            "username": self.username,
            "org": self.org,
            "role": self.role,
        }


# Celery tasks, scheduled jobs and management commands act as the system.
SYSTEM = Actor(user_id=None, username="system", org=None, role="system")


def actor_for(user_or_actor, organization=None) -> Actor:
    """Return the Actor snapshot for a user (acting for `organization` when given)."""
    if isinstance(user_or_actor, Actor):
        return user_or_actor
    if user_or_actor is None or not getattr(user_or_actor, "is_authenticated", False):
        return Actor(user_id=None, username="anonymous", org=None, role=None)
    if _memberships is None:
        raise RuntimeError("no membership lookup: governance sets it when its app is ready")
    chosen = None
    for membership in _memberships(user_or_actor):
        if organization is None or membership.organization_id == organization.pk:
            chosen = membership
            break
    return Actor(
        user_id=user_or_actor.pk,
        username=user_or_actor.get_username(),
        org=chosen.organization.slug if chosen else None,
        role=chosen.role if chosen else None,
    )
