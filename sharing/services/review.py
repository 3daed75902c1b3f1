"""Review of submissions: tasks per stage, claiming, decisions, separation of duties."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from audit import actions
from audit.actors import SYSTEM
from audit.services import audit_record
from config.errors import Conflict
from governance.models import Organization
from governance.roles import OrgKind, Role
from sharing import lifecycle
from sharing.models import ReviewQueue, ReviewTask, Stage, Submission, TaskState
from sharing.services.publication import indicator_publish, record_transition

FORUM_QUEUE_KEY = "forum"


def origin_queue_key(organization: Organization) -> str:
    """Return the key of an organization's origin review queue."""
    return f"origin-{organization.slug}"


def review_queue_for(*, stage: str, organization: Organization) -> ReviewQueue:
    """Return (creating on demand) the queue that reviews `stage` for `organization`."""
    if stage == Stage.ORIGIN:
        queue, _ = ReviewQueue.objects.get_or_create(
            key=origin_queue_key(organization),
            defaults={
                "stage": Stage.ORIGIN,
                "organization": organization,
                "eligible_role": Role.LEGAL_REVIEWER,
            },
        )
        return queue
    if stage == Stage.FORUM:
        queue = ReviewQueue.objects.filter(key=FORUM_QUEUE_KEY).first()
        if queue is not None:
            return queue
        secretariat = (
            Organization.objects.filter(kind=OrgKind.SECRETARIAT, is_active=True)
            .order_by("pk")
            .first()
        )
        if secretariat is None:
            raise Conflict("The forum has no secretariat to review the forum stage.")
        queue, _ = ReviewQueue.objects.get_or_create(
            key=FORUM_QUEUE_KEY,
            defaults={
                "stage": Stage.FORUM,
                "organization": secretariat,
                "eligible_role": Role.COUNSEL,
            },
        )
        return queue
    raise Conflict(f"Unknown review stage {stage!r}.")


def _policy_citation(submission: Submission) -> dict:
    return {
        "rule_path": submission.rule_path,
        "policy_version": submission.policy_version.number if submission.policy_version else None,
        "policy_content_hash": submission.policy_content_hash,
    }


@transaction.atomic
def review_start(*, submission: Submission) -> Submission:
    """Put a submitted (or resubmitted) submission in review, or auto-publish it.

    Called by intake inside its transaction, on a row it holds. With no review stage and no
    scanner flag the rule allows auto-publication, which the system performs citing the rule;
    a flag always needs a human, so an empty review list then falls back to the origin stage.
    """
    stages = list(submission.review_stages)
    if not stages and submission.flags:
        stages = [Stage.ORIGIN.value]
    record_transition(submission=submission, target=lifecycle.IN_REVIEW, actor=SYSTEM)
    audit_record(
        actor=SYSTEM,
        action=actions.SUBMISSION_IN_REVIEW,
        obj=submission,
        organization=submission.organization,
        data={
            "round": submission.review_round,
            "stages": stages,
            "redacted_sha256": submission.redacted_sha256,
            "flags": len(submission.flags),
            **_policy_citation(submission),
        },
    )
    if not stages:
        return _auto_publish(submission)
    # Anything left of an earlier round (a resubmission) is superseded by this round.
    ReviewTask.objects.filter(
        submission=submission, state__in=[TaskState.WAITING, TaskState.OPEN, TaskState.CLAIMED]
    ).exclude(round=submission.review_round).update(state=TaskState.CANCELLED)
    now = timezone.now()
    for position, stage in enumerate(stages):
        queue = review_queue_for(stage=stage, organization=submission.organization)
        first = position == 0
        ReviewTask.objects.create(
            submission=submission,
            queue=queue,
            stage=stage,
            position=position,
            round=submission.review_round,
            state=TaskState.OPEN if first else TaskState.WAITING,
            opened_at=now if first else None,
            due_at=now + timedelta(hours=queue.sla_hours) if first else None,
        )
    return submission


def _auto_publish(submission: Submission) -> Submission:
    now = timezone.now()
    submission.decided_at = now
    reason = f"auto-published under {submission.rule_path}: no review stage, no scanner flag"
    record_transition(submission=submission, target=lifecycle.APPROVED, actor=SYSTEM, reason=reason)
    audit_record(
        actor=SYSTEM,
        action=actions.SUBMISSION_APPROVED,
        obj=submission,
        organization=submission.organization,
        data={
            "automatic": True,
            "redacted_sha256": submission.redacted_sha256,
            **_policy_citation(submission),
        },
    )
    indicator_publish(actor=SYSTEM, submission=submission)
    submission.refresh_from_db()
    return submission
