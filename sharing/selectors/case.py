"""One case: a submission with its review rounds, decisions, publication, withdrawal and legal
holds, and every audit event about any of them, for counsel and regulators.

Regulators never see the original: the case shows states, decisions, reasons and the audit
trail (whose events carry hashes, never payloads).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db.models import F

from audit.selectors.log import audit_objects_timeline
from config.errors import AccessDenied, NotFound
from governance.permissions import can
from governance.roles import Capability
from sharing.core.timeline import TimelineEntry, group_repeated_views
from sharing.models import ReviewTask, SharedIndicator, Submission

SUBMISSION = "sharing.submission"
REVIEW_TASK = "sharing.reviewtask"
INDICATOR = "sharing.sharedindicator"


@dataclass
class Case:
    submission: Submission
    tasks: list[ReviewTask]
    indicator: SharedIndicator | None
    entries: list[TimelineEntry]
    event_count: int


def _require_reader(actor) -> None:
    if not can(actor, Capability.READ_AUDIT):
        raise AccessDenied("Only counsel and regulators read case timelines.")


def case_submission_id(*, actor, object_type: str, object_id: str) -> uuid.UUID:
    """Return the id of the submission whose case `object_type:object_id` belongs to."""
    _require_reader(actor)
    try:
        if object_type == SUBMISSION:
            found = Submission.objects.filter(pk=uuid.UUID(object_id)).values("pk").first()
        elif object_type == INDICATOR:
            found = (
                SharedIndicator.objects.filter(pk=uuid.UUID(object_id))
                .values(pk=F("submission_id"))
                .first()
            )
        elif object_type == REVIEW_TASK:
            found = (
                ReviewTask.objects.filter(pk=int(object_id)).values(pk=F("submission_id")).first()
            )
        else:
            found = None
    except ValueError:
        found = None
    if found is None:
        raise NotFound("No case for this object.")
    return found["pk"]


def case_get(*, actor, submission_id) -> Case:
    """Return the case of one submission with its grouped audit timeline."""
    _require_reader(actor)
    submission = (
        Submission.objects.select_related("organization", "indicator_type", "submitted_by")
        .filter(pk=submission_id)
        .first()
    )
    if submission is None:
        raise NotFound("No such case.")
    tasks = list(
        submission.review_tasks.select_related("queue", "assignee", "decided_by").order_by(
            "round", "position", "id"
        )
    )
    indicator = SharedIndicator.objects.filter(submission=submission).first()
    objects = [(SUBMISSION, str(submission.pk))]
    objects += [(REVIEW_TASK, str(t.pk)) for t in tasks]
    if indicator is not None:
        objects.append((INDICATOR, str(indicator.pk)))
    events = list(audit_objects_timeline(user=actor, objects=objects))
    return Case(
        submission=submission,
        tasks=tasks,
        indicator=indicator,
        entries=group_repeated_views(events),
        event_count=len(events),
    )
