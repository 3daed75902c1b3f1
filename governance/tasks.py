"""Celery tasks of the governance app: thin, idempotent wrappers that call one service."""

from __future__ import annotations

from celery import shared_task

from governance.services import notifications


@shared_task(acks_late=True)
def notify_policy_pending_task(version_id: int) -> int:
    """Email the approvers that a policy version awaits their decision."""
    return notifications.notify_policy_pending(version_id=version_id)
