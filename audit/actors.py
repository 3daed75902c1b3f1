"""Who did it: an actor snapshot copied into each audit entry (never a foreign key)."""

from __future__ import annotations

from dataclasses import dataclass


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
    from governance.permissions import memberships

    chosen = None
    for membership in memberships(user_or_actor):
        if organization is None or membership.organization_id == organization.pk:
            chosen = membership
            break
    return Actor(
        user_id=user_or_actor.pk,
        username=user_or_actor.get_username(),
        org=chosen.organization.slug if chosen else None,
        role=chosen.role if chosen else None,
    )
