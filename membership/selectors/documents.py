"""Reads on the forum's documents: the versions in force are public, the history is counsel's
and regulators'."""

from __future__ import annotations

from django.db.models import QuerySet

from config.errors import NotFound
from governance.permissions import can
from governance.roles import Capability
from membership.models import DocumentKind, DocumentStatus, ForumDocument


def may_read_documents(user) -> bool:
    """Return whether `user` sees every version (drafts, decisions): counsel and regulators."""
    return can(user, Capability.APPROVE_POLICY) or can(user, Capability.READ_AUDIT)


def document_in_force(kind: str) -> ForumDocument | None:
    """Return the approved version of `kind` in force now, or None (public)."""
    return ForumDocument.objects.filter(kind=kind, status=DocumentStatus.APPROVED).first()


def criteria_in_force() -> ForumDocument | None:
    """Return the admission criteria in force, or None."""
    return document_in_force(DocumentKind.CRITERIA)


def charter_in_force() -> ForumDocument | None:
    """Return the antitrust charter in force, or None."""
    return document_in_force(DocumentKind.CHARTER)


def document_list(*, actor) -> QuerySet[ForumDocument]:
    """Return every version of both documents, for counsel and regulators."""
    if not may_read_documents(actor):
        return ForumDocument.objects.none()
    return ForumDocument.objects.select_related("drafted_by", "decided_by").order_by(
        "kind", "-number"
    )


def document_get(*, actor, pk: int) -> ForumDocument:
    """Return one version for counsel and regulators; NotFound otherwise."""
    version = document_list(actor=actor).filter(pk=pk).first()
    if version is None:
        raise NotFound("No such document version.")
    return version


def pending_for(user) -> QuerySet[ForumDocument]:
    """Return the versions waiting for this counsel's decision (not their own drafts)."""
    if not can(user, Capability.APPROVE_POLICY):
        return ForumDocument.objects.none()
    return ForumDocument.objects.filter(status=DocumentStatus.PENDING_APPROVAL).exclude(
        drafted_by=user
    )
