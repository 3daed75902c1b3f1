"""The two writers of intake plans (`sharing.services.intake_plan`): one object, or many.

Both leave the same rows and append the same audit events, after every other row, so the head
of the log is locked only for the append and the commit. `plan_write` goes through the ORM and
resolves a lost race for a client reference by returning the row that won;
`plans_write` inserts each table with one `COPY` (`config.bulk`) and appends every event
with one `audit_record_many`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.contrib.auth.models import Group, Permission
from django.db import IntegrityError, transaction
from guardian.shortcuts import assign_perm

from audit.services.log import audit_record_many
from config.bulk import bulk_insert
from config.jobs import enqueue_on_commit
from sharing.models import (
    ReviewTask,
    SharedIndicator,
    SharedIndicatorGroupObjectPermission,
    Submission,
    SubmissionTransition,
    TaskState,
)
from sharing.services import publication
from sharing.services.correlation import correlation_index_published
from sharing.services.intake_plan import IntakePlan


def submission_by_reference(organization, client_reference: str | None) -> Submission | None:
    """Return the organization's submission that used `client_reference`, if any."""
    if client_reference is None:
        return None
    return Submission.objects.filter(
        organization=organization, client_reference=client_reference
    ).first()


def _insert(submission: Submission) -> Submission | None:
    """Insert `submission`; return the row that won instead when its client reference is taken."""
    try:
        # The savepoint keeps the caller's transaction usable after a lost race.
        with transaction.atomic():
            submission.save(force_insert=True)
    except IntegrityError:
        winner = submission_by_reference(submission.organization, submission.client_reference)
        if winner is None:
            raise
        return winner
    return None


def plan_write(plan: IntakePlan) -> Submission:
    """Write one plan through the ORM, inside the caller's transaction, and return its
    submission, or the submission that took its client reference first (writing nothing).

    A new submission is inserted; one that exists (a resubmission) must be locked by the
    caller, and only its state and decision time are saved here.
    """
    submission = plan.submission
    if submission._state.adding:
        winner = _insert(submission)
        if winner is not None:
            return winner
    else:
        submission.save(update_fields=["state", "decided_at", "updated_at"])
    SubmissionTransition.objects.bulk_create(plan.history)
    ReviewTask.objects.bulk_create(plan.tasks)
    opened = [task.pk for task in plan.tasks if task.state == TaskState.OPEN]
    if opened:
        enqueue_on_commit("sharing.tasks.notify_reviewers_task", task_ids=opened)
    indicator = plan.indicator
    if indicator is not None:
        indicator.save(force_insert=True)
        assign_perm(publication.VIEW_PERMISSION, publication.reader_groups(submission), indicator)
        correlation_index_published([indicator])
        publication.enqueue_recipient_notifications([str(indicator.pk)])
    audit_record_many(plan.events)
    return submission


def plans_write(
    plans: list[IntakePlan], *, reader_groups: Callable[[Submission], Iterable[Group]]
) -> None:
    """Insert the rows of new submissions' `plans`, one statement per table, and append their
    events in plan order; `reader_groups` is `publication.reader_groups` (a batch caches it)."""
    bulk_insert(Submission, [p.submission for p in plans])
    bulk_insert(SubmissionTransition, [row for p in plans for row in p.history])
    bulk_insert(ReviewTask, [task for p in plans for task in p.tasks])
    indicators = [p.indicator for p in plans if p.indicator is not None]
    if indicators:
        bulk_insert(SharedIndicator, indicators)
        app_label, codename = publication.VIEW_PERMISSION.split(".")
        permission = Permission.objects.get(content_type__app_label=app_label, codename=codename)
        bulk_insert(
            SharedIndicatorGroupObjectPermission,
            [
                SharedIndicatorGroupObjectPermission(
                    permission=permission, group=group, content_object=indicator
                )
                for indicator in indicators
                for group in reader_groups(indicator.submission)
            ],
        )
        correlation_index_published(indicators)
        publication.enqueue_recipient_notifications([str(i.pk) for i in indicators])
    # Last, so the head is locked only for the append and the commit.
    audit_record_many([event for p in plans for event in p.events])
