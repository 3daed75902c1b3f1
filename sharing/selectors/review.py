"""Reads of review queues and tasks, scoped to the queues the acting user reviews."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import BooleanField, Case, Count, Q, QuerySet, Value, When
from django.utils import timezone

from config.errors import AccessDenied, NotFound
from governance.permissions import can, organizations_with
from governance.roles import Capability
from sharing.models import ReviewQueue, ReviewTask, Stage, TaskState

ACTIVE = (TaskState.OPEN, TaskState.CLAIMED)


def _queue_scope(actor) -> QuerySet[ReviewQueue]:
    orgs = organizations_with(actor, Capability.REVIEW_ORIGIN)
    scope = Q(stage=Stage.ORIGIN, organization__in=orgs)
    if can(actor, Capability.REVIEW_FORUM):
        scope |= Q(stage=Stage.FORUM)
    if not orgs and not can(actor, Capability.REVIEW_FORUM):
        return ReviewQueue.objects.none()
    return ReviewQueue.objects.filter(scope)


def reviewable_queues(*, actor, key: str | None = None) -> QuerySet[ReviewQueue]:
    """Return the queues the actor reviews (only the one of `key` when given)."""
    queues = _queue_scope(actor)
    return queues.filter(key=key) if key else queues


def claim_next_queues(*, actor, key: str = "") -> list[ReviewQueue]:
    """Return the actor's queues to claim the next task from: the one of `key`, or all.

    Someone who reviews no queue is refused; a key outside their queues is not found.
    """
    if not (can(actor, Capability.REVIEW_ORIGIN) or can(actor, Capability.REVIEW_FORUM)):
        raise AccessDenied("Only reviewers claim review tasks.")
    queues = list(reviewable_queues(actor=actor, key=key))
    if key and not queues:
        raise NotFound("No such review queue.")
    return queues


def review_queue_list(*, actor) -> QuerySet[ReviewQueue]:
    """Return the queues the actor reviews, with open, claimed and overdue counts."""
    now = timezone.now()
    return (
        _queue_scope(actor)
        .select_related("organization")
        .annotate(
            open_count=Count("tasks", filter=Q(tasks__state=TaskState.OPEN)),
            claimed_count=Count("tasks", filter=Q(tasks__state=TaskState.CLAIMED)),
            overdue_count=Count("tasks", filter=Q(tasks__state__in=ACTIVE, tasks__due_at__lt=now)),
        )
        .order_by("stage", "key")
    )


def _scoped_tasks(actor, queue_key: str | None = None) -> QuerySet[ReviewTask]:
    # The bare scope, not the counted list: counting every task of the queues on each task
    # read cost a scan of all their tasks. The queue ids are read first and passed as values:
    # as a subquery, PostgreSQL estimated the tiny, rarely analysed queue table at one row and
    # joined and sorted every task of the queue instead of reading the page from the due-date
    # index (figures in docs/performance.md).
    queues = _queue_scope(actor)
    if queue_key:
        queues = queues.filter(key=queue_key)
    return ReviewTask.objects.filter(queue_id__in=list(queues.values_list("pk", flat=True)))


def review_task_list(*, actor, filters: dict[str, Any] | None = None) -> QuerySet[ReviewTask]:
    """Return the open and claimed tasks of the actor's queues, overdue first.

    Filters: `queue` (key), `type` (indicator type key), `stage`, `flags` ("yes"/"no"),
    `older_than_hours` (submission age), `mine` (only tasks the actor holds).
    """
    filters = filters or {}
    now = timezone.now()
    qs = (
        _scoped_tasks(actor, filters.get("queue"))
        .filter(state__in=ACTIVE)
        .select_related(
            "queue", "assignee", "submission__indicator_type", "submission__organization"
        )
        .annotate(
            overdue=Case(
                When(due_at__lt=now, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
    )
    if filters.get("type"):
        qs = qs.filter(submission__indicator_type__key=filters["type"])
    if filters.get("stage"):
        qs = qs.filter(stage=filters["stage"])
    if filters.get("flags") == "yes":
        qs = qs.exclude(submission__flags=[])
    elif filters.get("flags") == "no":
        qs = qs.filter(submission__flags=[])
    if filters.get("older_than_hours"):
        hours = int(filters["older_than_hours"])
        qs = qs.filter(submission__created_at__lt=now - timedelta(hours=hours))
    if filters.get("mine"):
        qs = qs.filter(assignee=actor)
    # Overdue first is due_at ascending (overdue means due before now), so the page is a range
    # of the `review_task_active_due` index instead of a sort of every task of the queues.
    return qs.order_by("due_at", "id")


def review_task_get(*, actor, pk) -> ReviewTask:
    """Return a task of one of the actor's queues (any state); 404 otherwise."""
    task = (
        _scoped_tasks(actor)
        .select_related(
            "queue",
            "assignee",
            "decided_by",
            "submission__indicator_type",
            "submission__organization",
            "submission__policy_version",
            "submission__submitted_by",
        )
        .filter(pk=pk)
        .first()
    )
    if task is None:
        raise NotFound("No such review task.")
    return task


def review_history(*, actor, task: ReviewTask) -> QuerySet[ReviewTask]:
    """Return every task of the task's submission, all rounds, in order (the review history)."""
    review_task_get(actor=actor, pk=task.pk)
    return (
        ReviewTask.objects.filter(submission_id=task.submission_id)
        .select_related("decided_by", "queue")
        .order_by("round", "position")
    )
