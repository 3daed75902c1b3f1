"""Who must use a second factor, and whether a session's proof of it still holds.

Plain functions over plain data: the middleware hands in roles, flags and times (seconds).
"""

from __future__ import annotations

from collections.abc import Iterable

# Counsel and regulators read what no competitor may see; member admins issue tokens and
# manage their organization's users.
REQUIRED_ROLES = frozenset({"counsel", "regulator", "member_admin"})


def second_factor_required(roles: Iterable[str], organization_requires: bool) -> bool:
    """Return whether a user holding `roles` must sign in with a second factor."""
    return organization_requires or bool(REQUIRED_ROLES & set(roles))


def idle_expired(now: float, last_seen: float | None, idle_seconds: int) -> bool:
    """Return whether a session last seen at `last_seen` has been idle too long at `now`."""
    return last_seen is not None and idle_seconds > 0 and now - last_seen > idle_seconds


def step_up_needed(now: float, verified_at: float | None, max_age_seconds: int) -> bool:
    """Return whether a sensitive action at `now` must ask for the second factor again."""
    return verified_at is None or now - verified_at > max_age_seconds
