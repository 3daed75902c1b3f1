"""The lifecycle of published indicators and originals: withdrawal, expiry, purge, legal
holds, recall after a policy change, and SLA escalation of review tasks.

Scheduled jobs act as the system, take `at` (default now) so tests can freeze the clock, and are
idempotent: each only touches rows that are not yet in the state it produces.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from audit import actions
from audit.actors import SYSTEM
from audit.services.log import audit_record
from config.errors import AccessDenied, Conflict, ValidationFailed
from config.jobs import enqueue_on_commit
from governance.core import policy_language
from governance.permissions import can, require
from governance.roles import Capability, OrgKind, Role
from governance.selectors.policy import effective_rule, member_org_slugs
from sharing.core import lifecycle
from sharing.models import ReviewTask, SharedIndicator, Submission, TaskState
from sharing.services.correlation import correlation_index_indicator
from sharing.services.publication import record_transition
from sharing.services.rescan import indicators_rescan

DEFAULT_PURGE_AFTER_DAYS = 30


def purge_after_days() -> int:
    """Return how many days after the decision an original is purged."""
    return int(getattr(settings, "CLEARROOM_PURGE_AFTER_DAYS", DEFAULT_PURGE_AFTER_DAYS))


def _lock_indicator(indicator: SharedIndicator) -> tuple[SharedIndicator, Submission]:
    submission = (
        Submission.objects.select_for_update(of=("self",))
        .select_related("organization")
        .get(pk=indicator.submission_id)
    )
    locked = SharedIndicator.objects.select_for_update(of=("self",)).get(pk=indicator.pk)
    return locked, submission


@transaction.atomic
def indicator_withdraw(*, actor, indicator: SharedIndicator, reason: str) -> SharedIndicator:
    """Withdraw a published indicator (its contributor's submitters, or counsel)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            "Say why the indicator is withdrawn.",
            errors=[{"field": "reason", "message": "A reason is required."}],
        )
    indicator, submission = _lock_indicator(indicator)
    if not (
        can(actor, Capability.SUBMIT, submission.organization)
        or can(actor, Capability.PLACE_LEGAL_HOLD)
    ):
        raise AccessDenied("Only the contributing organization or counsel can withdraw this.")
    if indicator.withdrawn_at is not None or indicator.expired_at is not None:
        raise Conflict("This indicator is no longer published.")
    now = timezone.now()
    indicator.withdrawn_at = now
    indicator.modified_at = now
    indicator.save(update_fields=["withdrawn_at", "modified_at"])
    correlation_index_indicator(indicator=indicator)
    record_transition(submission=submission, target=lifecycle.WITHDRAWN, actor=actor, reason=reason)
    audit_record(
        actor=actor,
        action=actions.INDICATOR_WITHDRAWN,
        obj=indicator,
        organization=submission.organization,
        data={"stix_id": indicator.stix_id, "submission_id": str(submission.pk), "reason": reason},
    )
    return indicator


def indicators_expire(*, at: datetime | None = None) -> list[SharedIndicator]:
    """Expire published indicators whose retention ended, except those under legal hold."""
    at = at or timezone.now()
    due = SharedIndicator.objects.filter(
        expires_at__lte=at,
        withdrawn_at__isnull=True,
        expired_at__isnull=True,
        submission__legal_hold=False,
    ).values_list("pk", flat=True)
    expired = []
    for pk in list(due):
        with transaction.atomic():
            submission_id = SharedIndicator.objects.values_list("submission_id", flat=True).get(
                pk=pk
            )
            indicator, submission = _lock_indicator(
                SharedIndicator(pk=pk, submission_id=submission_id)
            )
            if (
                indicator.expired_at is not None
                or indicator.withdrawn_at is not None
                or submission.legal_hold
            ):
                continue
            indicator.expired_at = at
            indicator.modified_at = at
            indicator.save(update_fields=["expired_at", "modified_at"])
            correlation_index_indicator(indicator=indicator)
            record_transition(submission=submission, target=lifecycle.EXPIRED, actor=SYSTEM)
            audit_record(
                actor=SYSTEM,
                action=actions.INDICATOR_EXPIRED,
                obj=indicator,
                organization=submission.organization,
                data={"stix_id": indicator.stix_id, "expires_at": indicator.expires_at.isoformat()},
            )
            expired.append(indicator)
    return expired


def submission_originals_purge(*, at: datetime | None = None) -> list[Submission]:
    """Purge originals decided more than the configured days ago; keep their hash."""
    at = at or timezone.now()
    cutoff = at - timedelta(days=purge_after_days())
    due = Submission.objects.filter(
        decided_at__lte=cutoff,
        original_purged_at__isnull=True,
        payload__isnull=False,
        legal_hold=False,
    ).values_list("pk", flat=True)
    purged = []
    for pk in list(due):
        with transaction.atomic():
            submission = Submission.objects.select_for_update().get(pk=pk)
            if submission.original_purged_at is not None or submission.legal_hold:
                continue
            submission.payload = None
            submission.original_purged_at = at
            submission.save(update_fields=["payload", "original_purged_at", "updated_at"])
            audit_record(
                actor=SYSTEM,
                action=actions.SUBMISSION_ORIGINAL_PURGED,
                obj=submission,
                organization=submission.organization,
                data={
                    "payload_sha256": submission.payload_sha256,
                    "decided_at": submission.decided_at.isoformat(),
                    "purge_after_days": purge_after_days(),
                },
            )
            purged.append(submission)
    return purged


def _legal_hold_set(*, actor, submission: Submission, hold: bool, reason: str) -> Submission:
    require(actor, Capability.PLACE_LEGAL_HOLD)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            "Give the reason for the legal hold change.",
            errors=[{"field": "reason", "message": "A reason is required."}],
        )
    submission = Submission.objects.select_for_update().get(pk=submission.pk)
    if submission.legal_hold == hold:
        raise Conflict("The submission is already on legal hold." if hold else "No hold to lift.")
    submission.legal_hold = hold
    submission.save(update_fields=["legal_hold", "updated_at"])
    audit_record(
        actor=actor,
        action=actions.LEGAL_HOLD_PLACED if hold else actions.LEGAL_HOLD_LIFTED,
        obj=submission,
        organization=submission.organization,
        data={"reason": reason, "payload_sha256": submission.payload_sha256},
    )
    return submission


@transaction.atomic
def legal_hold_place(*, actor, submission: Submission, reason: str) -> Submission:
    """Suspend purge and expiry for a submission (counsel)."""
    return _legal_hold_set(actor=actor, submission=submission, hold=True, reason=reason)


@transaction.atomic
def legal_hold_lift(*, actor, submission: Submission, reason: str) -> Submission:
    """Lift a legal hold (counsel); purge and expiry resume on their next run."""
    return _legal_hold_set(actor=actor, submission=submission, hold=False, reason=reason)


def recall_reasons(indicator: SharedIndicator, *, at: datetime | None = None) -> list[str]:
    """Return why the policy in force at `at` would not publish `indicator` as it stands."""
    found, refusal = effective_rule(
        organization=indicator.contributor, indicator_type=indicator.indicator_type, at=at
    )
    if found is None:
        return [f"no longer allowed: {refusal}"]
    if found.policy_version.pk == indicator.policy_version_id:
        return []
    return policy_language.is_at_least_as_strict(
        indicator.submission.rule,
        found.rule,
        all_member_slugs=member_org_slugs(),
        fields=indicator.indicator_type.fields,
    )


def indicator_recall_scan(*, at: datetime | None = None) -> list[SharedIndicator]:
    """Flag for counsel the live indicators the policy in force would no longer publish."""
    at = at or timezone.now()
    live = (
        SharedIndicator.objects.select_related("indicator_type", "contributor", "submission")
        .filter(withdrawn_at__isnull=True, expired_at__isnull=True)
        .order_by("published_at", "id")
    )
    flagged = []
    for indicator in live:
        reasons = recall_reasons(indicator, at=at)
        reason = "; ".join(reasons)
        if not reasons or indicator.recall_reason == reason:
            continue
        with transaction.atomic():
            updated = (
                SharedIndicator.objects.filter(pk=indicator.pk)
                .exclude(recall_reason=reason)
                .update(recall_reason=reason)
            )
            if not updated:
                continue
            indicator.recall_reason = reason
            audit_record(
                actor=SYSTEM,
                action=actions.INDICATOR_RECALL_FLAGGED,
                obj=indicator,
                organization=indicator.contributor,
                data={"stix_id": indicator.stix_id, "reasons": reasons},
            )
        flagged.append(indicator)
    return flagged


def recall_list_refresh(*, at: datetime | None = None) -> list[SharedIndicator]:
    """Flag for counsel what the policy in force no longer allows (`indicator_recall_scan`) and
    what a newer detector finds in published free text (`rescan.indicators_rescan`); the hourly
    recall scan runs both, so a detector upgrade is rescanned within the hour."""
    return [*indicator_recall_scan(at=at), *indicators_rescan()]


def review_tasks_escalate(*, at: datetime | None = None) -> list[ReviewTask]:
    """Mark overdue open or claimed tasks escalated and email counsel after commit."""
    at = at or timezone.now()
    escalated = []
    with transaction.atomic():
        overdue = (
            ReviewTask.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("queue__organization")
            .filter(
                state__in=[TaskState.OPEN, TaskState.CLAIMED],
                due_at__lt=at,
                escalated_at__isnull=True,
            )
            .order_by("due_at", "id")
        )
        for task in overdue:
            task.escalated_at = at
            task.save(update_fields=["escalated_at"])
            audit_record(
                actor=SYSTEM,
                action=actions.REVIEW_TASK_ESCALATED,
                obj=task,
                organization=task.queue.organization,
                data={
                    "task_id": task.pk,
                    "submission_id": str(task.submission_id),
                    "stage": task.stage,
                    "due_at": task.due_at.isoformat(),
                },
            )
            escalated.append(task)
        if escalated:
            ids = [t.pk for t in escalated]
            enqueue_on_commit("sharing.tasks.notify_counsel_escalation_task", task_ids=ids)
    return escalated


def counsel_emails() -> list[str]:
    """Return the email addresses of the forum's counsel."""
    users = (
        get_user_model()
        .objects.filter(
            is_active=True,
            memberships__role=Role.COUNSEL,
            memberships__organization__kind=OrgKind.SECRETARIAT,
            memberships__organization__is_active=True,
        )
        .exclude(email="")
    )
    return sorted(set(users.values_list("email", flat=True)))


def notify_counsel_escalation(*, task_ids: list[int]) -> int:
    """Email counsel the list of escalated tasks (ids, stages and queues, no content)."""
    tasks = list(
        ReviewTask.objects.select_related("queue", "assignee")
        .filter(pk__in=task_ids)
        .order_by("due_at", "id")
    )
    recipients = counsel_emails()
    if not tasks or not recipients:
        return 0
    lines = [
        f"- task {t.pk}: {t.get_stage_display()} in {t.queue.key}, due {t.due_at:%Y-%m-%d %H:%M} "
        f"UTC, {'held by ' + t.assignee.get_username() if t.assignee_id else 'unclaimed'}"
        for t in tasks
    ]
    return send_mail(
        subject=f"[{settings.CLEARROOM_FORUM_NAME}] {len(tasks)} review task(s) overdue",
        message="These review tasks passed their SLA:\n" + "\n".join(lines),
        from_email=None,
        recipient_list=recipients,
    )
