"""Publish approved submissions as shared indicators, scoped to their audience."""

from __future__ import annotations

import hashlib
import uuid
from datetime import timedelta

import rfc8785
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from guardian.shortcuts import assign_perm

from audit import actions
from audit.actors import Actor
from audit.services import audit_record
from config.errors import Conflict
from sharing import lifecycle
from sharing.models import SharedIndicator, Submission, SubmissionTransition

VIEW_PERMISSION = "sharing.view_sharedindicator"
# A fixed namespace so the STIX id of a submission's indicator is the same on every replay.
STIX_NAMESPACE = uuid.UUID("3f0c8d1e-6a43-5b8e-9d1c-2a7e64c1b9f0")


def payload_sha256(payload: dict) -> str:
    """Return the SHA-256 of the RFC 8785 canonical JSON of `payload`."""
    return hashlib.sha256(rfc8785.dumps(payload)).hexdigest()


def stix_id_for(submission_id: uuid.UUID) -> str:
    """Return the deterministic STIX id of the indicator published from a submission."""
    return f"indicator--{uuid.uuid5(STIX_NAMESPACE, str(submission_id))}"


def _actor_name(actor) -> str:
    return actor.username if isinstance(actor, Actor) else actor.get_username()


def record_transition(*, submission: Submission, target: str, actor, reason: str = "") -> str:
    """Move a locked submission to `target`, save it and keep the history row."""
    previous = submission.apply_transition(target)
    submission.save(update_fields=["state", "decided_at", "updated_at"])
    SubmissionTransition.objects.create(
        submission=submission,
        from_state=previous,
        to_state=target,
        actor_username=_actor_name(actor),
        reason=reason,
    )
    return previous


@transaction.atomic
def indicator_publish(*, actor, submission: Submission) -> SharedIndicator:
    """Publish an approved submission's redacted form to its audience and its contributor."""
    submission = (
        Submission.objects.select_for_update(of=("self",))
        .select_related("organization", "indicator_type", "policy_version")
        .get(pk=submission.pk)
    )
    existing = SharedIndicator.objects.filter(submission=submission).first()
    if existing is not None:
        return existing
    if submission.state != lifecycle.APPROVED:
        raise Conflict(
            f"Only an approved submission can be published (this one is {submission.state})."
        )
    now = timezone.now()
    record_transition(submission=submission, target=lifecycle.PUBLISHED, actor=actor)
    indicator = SharedIndicator.objects.create(
        submission=submission,
        indicator_type=submission.indicator_type,
        contributor=submission.organization,
        anonymized=submission.anonymize_contributor,
        redacted_payload=submission.redacted_payload,
        redacted_sha256=submission.redacted_sha256 or payload_sha256(submission.redacted_payload),
        tlp=submission.tlp,
        pap=submission.pap,
        audience=list(submission.audience),
        policy_version=submission.policy_version,
        rule_path=submission.rule_path,
        stix_id=stix_id_for(submission.pk),
        published_at=now,
        expires_at=(
            now + timedelta(days=submission.retention_days) if submission.retention_days else None
        ),
        modified_at=now,
    )
    groups = Group.objects.filter(
        organization__slug__in=[*submission.audience, submission.organization.slug],
        organization__is_active=True,
    )
    assign_perm(VIEW_PERMISSION, groups, indicator)
    audit_record(
        actor=actor,
        action=actions.INDICATOR_PUBLISHED,
        obj=indicator,
        organization=submission.organization,
        data={
            "submission_id": str(submission.pk),
            "stix_id": indicator.stix_id,
            "redacted_sha256": indicator.redacted_sha256,
            "tlp": indicator.tlp,
            "pap": indicator.pap,
            "audience": sorted(indicator.audience),
            "anonymized": indicator.anonymized,
            "policy_version": submission.policy_version.number
            if submission.policy_version
            else None,
            "rule_path": submission.rule_path,
        },
    )
    return indicator
