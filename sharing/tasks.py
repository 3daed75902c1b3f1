"""Celery tasks of the sharing app: thin, idempotent wrappers that call one service."""

from __future__ import annotations

from celery import shared_task

from audit.actors import SYSTEM
from config.planner_statistics import refresh_stale_statistics
from sharing.services import correlation, lifecycle_jobs, notifications, publication, rescan


def _grown_tables() -> list[str]:
    from django.apps import apps

    names = (
        "sharing.Submission",
        "sharing.SubmissionTransition",
        "sharing.SharedIndicator",
        "sharing.SharedIndicatorGroupObjectPermission",
        "sharing.ReviewTask",
        "audit.AuditEvent",
    )
    return [apps.get_model(name)._meta.db_table for name in names]


@shared_task(acks_late=True)
def planner_statistics_refresh_task() -> list[str]:
    """Analyse the tables intake grows where their planner statistics went stale."""
    return refresh_stale_statistics(_grown_tables())


@shared_task(acks_late=True)
def notify_reviewers_task(task_ids: list[int]) -> int:
    """Email the eligible reviewers of newly opened review tasks a link to each."""
    return notifications.notify_reviewers(task_ids=task_ids)


@shared_task(acks_late=True)
def notify_submitter_task(submission_id: str, state: str) -> int:
    """Email the submitter the decision on their submission."""
    return publication.notify_submitter(submission_id=submission_id, state=state)


@shared_task(acks_late=True)
def notify_recipients_task(indicator_id: str) -> int:
    """Email the audience of a newly published indicator."""
    return publication.notify_recipients(indicator_id=indicator_id)


@shared_task(acks_late=True)
def notify_recipients_batch_task(indicator_ids: list[str]) -> int:
    """Email the audiences of a batch of published indicators one digest each."""
    return publication.notify_recipients_batch(indicator_ids=indicator_ids)


@shared_task(acks_late=True)
def notify_counsel_escalation_task(task_ids: list[int]) -> int:
    """Email counsel the review tasks that were escalated."""
    return lifecycle_jobs.notify_counsel_escalation(task_ids=task_ids)


@shared_task(acks_late=True)
def escalate_overdue_reviews_task() -> int:
    """Escalate overdue review tasks; return how many were escalated."""
    return len(lifecycle_jobs.review_tasks_escalate())


@shared_task(acks_late=True)
def expire_indicators_task() -> int:
    """Expire published indicators past their retention; return how many."""
    return len(lifecycle_jobs.indicators_expire())


@shared_task(acks_late=True)
def purge_originals_task() -> int:
    """Purge originals decided long enough ago; return how many."""
    return len(lifecycle_jobs.submission_originals_purge())


@shared_task(acks_late=True)
def recall_scan_task() -> int:
    """Refresh counsel's recall list (policy in force, detector version); return how many."""
    return len(lifecycle_jobs.recall_list_refresh())


@shared_task(acks_late=True)
def detector_rescan_task() -> int:
    """Rescan published indicators read by an older detector version; return how many it flags."""
    return len(rescan.indicators_rescan())


@shared_task(acks_late=True)
def notifications_catch_up_task() -> int:
    """Send the notifications a broker outage left unsent."""
    return publication.notifications_catch_up()


@shared_task(acks_late=True)
def correlation_rekey_task(key_id: str) -> dict:
    """Re-pseudonymise the correlation index under `key_id` (the current key) after rotation."""
    return correlation.correlation_rekey(actor=SYSTEM, key_id=key_id)


@shared_task(acks_late=True)
def correlation_reindex_task() -> int:
    """Rebuild the correlation index from the live indicators; return the rows indexed."""
    return correlation.correlation_reindex()
