"""Reads on charter acceptances: whether a user must accept, and who accepted which version."""

from __future__ import annotations

from django.db.models import QuerySet

from governance.permissions import can
from governance.roles import Capability
from membership.models import CharterAcceptance, ForumDocument
from membership.selectors.documents import charter_in_force


def has_accepted(user, charter: ForumDocument) -> bool:
    """Return whether `user` accepted this charter version."""
    return CharterAcceptance.objects.filter(user=user, charter=charter).exists()


def charter_to_accept(user) -> ForumDocument | None:
    """Return the charter in force when `user` has not accepted it yet, else None."""
    charter = charter_in_force()
    if charter is None or has_accepted(user, charter):
        return None
    return charter


def may_read_acceptances(user) -> bool:
    """Return whether `user` sees who accepted the charter: counsel and regulators."""
    return can(user, Capability.READ_AUDIT)


def acceptance_list(*, actor) -> QuerySet[CharterAcceptance]:
    """Return every acceptance, newest first, for counsel and regulators."""
    if not may_read_acceptances(actor):
        return CharterAcceptance.objects.none()
    return CharterAcceptance.objects.select_related("user", "charter").order_by(
        "-charter__number", "user__username"
    )
