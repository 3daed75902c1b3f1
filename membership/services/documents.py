"""Writes on the forum's documents (admission criteria, antitrust charter).

The same discipline as policy versions (governance/services/policy.py): counsel drafts,
submits (content and hash frozen), and another counsel approves, binding the approval to the
content hash; the approved version is in force until the next one supersedes it. Every step
emits its audit event in the same transaction.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from audit import actions
from audit.actors import Actor
from audit.services.log import audit_record
from config.errors import AccessDenied, Conflict, ValidationFailed
from governance.core.canonical import canonical_sha256
from governance.permissions import require
from governance.roles import Capability
from membership.core import documents as shapes
from membership.models import DocumentKind, DocumentStatus, ForumDocument

ACTIONS = {
    DocumentKind.CRITERIA: {
        "drafted": actions.MEMBERSHIP_CRITERIA_DRAFTED,
        "submitted": actions.MEMBERSHIP_CRITERIA_SUBMITTED,
        "approved": actions.MEMBERSHIP_CRITERIA_APPROVED,
        "rejected": actions.MEMBERSHIP_CRITERIA_REJECTED,
        "superseded": actions.MEMBERSHIP_CRITERIA_SUPERSEDED,
    },
    DocumentKind.CHARTER: {
        "drafted": actions.CHARTER_DRAFTED,
        "submitted": actions.CHARTER_SUBMITTED,
        "approved": actions.CHARTER_APPROVED,
        "rejected": actions.CHARTER_REJECTED,
        "superseded": actions.CHARTER_SUPERSEDED,
    },
}
# Counsel drafts and decides the forum's documents (the capability that approves policy).
COUNSEL = Capability.APPROVE_POLICY


def _validated(kind: str, content: Any) -> dict[str, Any]:
    if kind not in DocumentKind.values:
        raise ValidationFailed(
            f"Unknown document kind {kind!r}.", errors=[{"field": "kind", "message": "unknown"}]
        )
    check = shapes.check_criteria if kind == DocumentKind.CRITERIA else shapes.check_charter
    problems = check(content)
    if problems:
        raise ValidationFailed(
            f"The document has {len(problems)} problem{'s' if len(problems) != 1 else ''}.",
            errors=problems,
        )
    return shapes.normalised(kind, content)


def _is_system(actor) -> bool:
    return isinstance(actor, Actor)


@transaction.atomic
def document_draft_create(*, actor, kind: str, content: Any) -> ForumDocument:
    """Create a draft version of the `kind` document (counsel; the system only when seeding)."""
    if not _is_system(actor):
        require(actor, COUNSEL)
    document = _validated(kind, content)
    # Numbering is serialised by locking the kind's versions (the first draft has none to lock).
    last = (
        ForumDocument.objects.select_for_update()
        .filter(kind=kind)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
        or 0
    )
    version = ForumDocument.objects.create(
        kind=kind,
        number=last + 1,
        content=document,
        content_hash=canonical_sha256(document),
        drafted_by=None if _is_system(actor) else actor,
    )
    audit_record(
        actor=actor,
        action=ACTIONS[kind]["drafted"],
        obj=version,
        data={"number": version.number, "content_hash": version.content_hash},
    )
    return version


def _locked(version: ForumDocument) -> ForumDocument:
    return ForumDocument.objects.select_for_update().get(pk=version.pk)


@transaction.atomic
def document_submit(*, actor, version: ForumDocument) -> ForumDocument:
    """Freeze a draft's content and hash and ask another counsel to approve it."""
    version = _locked(version)
    if not _is_system(actor):
        require(actor, COUNSEL)
        if version.drafted_by_id != actor.pk:
            raise AccessDenied("Only the person who drafted this version may submit it.")
    if version.status != DocumentStatus.DRAFT:
        raise Conflict(f"Version {version.number} is not a draft.")
    ForumDocument.objects.filter(pk=version.pk).update(
        status=DocumentStatus.PENDING_APPROVAL,
        content_hash=canonical_sha256(version.content),
        submitted_at=timezone.now(),
    )
    version.refresh_from_db()
    audit_record(
        actor=actor,
        action=ACTIONS[version.kind]["submitted"],
        obj=version,
        data={"number": version.number, "content_hash": version.content_hash},
    )
    return version


def _require_decider(actor, version: ForumDocument, statement: str) -> str:
    require(actor, COUNSEL)
    if version.drafted_by_id == actor.pk:
        raise AccessDenied("Nobody approves or rejects a version they drafted.")
    statement = (statement or "").strip()
    if not statement:
        raise ValidationFailed(
            "Give a statement for the decision.",
            errors=[{"field": "statement", "message": "a decision needs a statement"}],
        )
    if version.status != DocumentStatus.PENDING_APPROVAL:
        raise Conflict(f"Version {version.number} is not pending approval.")
    return statement


@transaction.atomic
def document_approve(*, actor, version: ForumDocument, statement: str) -> ForumDocument:
    """Approve a pending version, bound to its content hash, and put it in force now."""
    # Lock the kind's versions in force first, so two approvals cannot both be in force.
    open_versions = list(
        ForumDocument.objects.select_for_update().filter(
            kind=version.kind, status=DocumentStatus.APPROVED
        )
    )
    version = _locked(version)
    statement = _require_decider(actor, version, statement)
    if canonical_sha256(version.content) != version.content_hash:
        raise Conflict("The content no longer matches the submitted hash; refusing approval.")
    now = timezone.now()
    for previous in open_versions:
        ForumDocument.objects.filter(pk=previous.pk).update(
            status=DocumentStatus.SUPERSEDED, effective_until=now
        )
        audit_record(
            actor=actor,
            action=ACTIONS[version.kind]["superseded"],
            obj=previous,
            data={"number": previous.number, "superseded_by": version.number},
        )
    ForumDocument.objects.filter(pk=version.pk).update(
        status=DocumentStatus.APPROVED,
        decided_by=actor,
        decided_at=now,
        decision_statement=statement,
        approved_hash=version.content_hash,
        effective_from=now,
    )
    version.refresh_from_db()
    audit_record(
        actor=actor,
        action=ACTIONS[version.kind]["approved"],
        obj=version,
        data={
            "number": version.number,
            "approved_hash": version.approved_hash,
            "effective_from": version.effective_from.isoformat(),
            "statement": statement,
            "drafted_by": version.drafted_by_id,
        },
    )
    return version


@transaction.atomic
def document_reject(*, actor, version: ForumDocument, statement: str) -> ForumDocument:
    """Reject a pending version with counsel's statement."""
    version = _locked(version)
    statement = _require_decider(actor, version, statement)
    ForumDocument.objects.filter(pk=version.pk).update(
        status=DocumentStatus.REJECTED,
        decided_by=actor,
        decided_at=timezone.now(),
        decision_statement=statement,
    )
    version.refresh_from_db()
    audit_record(
        actor=actor,
        action=ACTIONS[version.kind]["rejected"],
        obj=version,
        data={
            "number": version.number,
            "content_hash": version.content_hash,
            "statement": statement,
        },
    )
    return version
