"""E-mails telling reviewers that a review task waits for them, with a link to it."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mass_mail

from config.links import absolute_url
from sharing.models import ReviewTask, TaskState


def reviewer_emails(task: ReviewTask) -> list[str]:
    """Return the addresses of the active users who may work on the task's queue."""
    users = (
        get_user_model()
        .objects.filter(
            is_active=True,
            memberships__organization=task.queue.organization,
            memberships__organization__is_active=True,
            memberships__role=task.queue.eligible_role,
        )
        .exclude(email="")
    )
    return sorted(set(users.values_list("email", flat=True)))


def notify_reviewers(*, task_ids: list[int]) -> int:
    """E-mail each eligible reviewer of the still-open tasks a link to it; return the count.

    No payload in the e-mail: the type, the contributor, the stage, the due time and the link.
    """
    tasks = (
        ReviewTask.objects.select_related(
            "queue__organization", "submission__indicator_type", "submission__organization"
        )
        .filter(pk__in=task_ids, state=TaskState.OPEN)
        .order_by("due_at", "id")
    )
    messages = []
    for task in tasks:
        kind = task.submission.indicator_type.name
        due = f"{task.due_at:%Y-%m-%d %H:%M} UTC" if task.due_at else "no due time"
        body = (
            f"A review task waits in your queue: {kind} from "
            f"{task.submission.organization.name}, {task.get_stage_display().lower()}, "
            f"due {due}.\n\nOpen it: {absolute_url('review-task', task.pk)}\n"
        )
        subject = f"[{settings.CLEARROOM_FORUM_NAME}] Review task: {kind}"
        messages.extend((subject, body, None, [address]) for address in reviewer_emails(task))
    return send_mass_mail(messages) if messages else 0
